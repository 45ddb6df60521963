//! Normalising one roster value: names (NFKC except CJK compatibility ideographs), kana,
//! postal codes, and the plain fields.
//!
//! Every function is on the import's hot path (ten fields a row, a million rows), so the
//! common cases (ASCII, text already in NFKC) skip the full normaliser.

use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfkc_quick};

use crate::text;

/// `text::normalize`, with fast paths for text NFKC leaves alone.
pub fn plain(input: &str) -> String {
    if input.chars().all(is_plainly_nfkc) || is_nfkc_quick(input.chars()) == IsNormalized::Yes {
        text::fold_whitespace(input)
    } else {
        text::normalize(input)
    }
}

/// Characters that NFKC leaves as they are whatever surrounds them, and that make up nearly
/// every roster value: ASCII, kana, the long-vowel mark, 々 and the common CJK ideographs.
/// (Checking these by range is several times cheaper than Unicode's quick check, and a
/// million-row import checks eight fields a row.) Anything else takes the quick check.
fn is_plainly_nfkc(c: char) -> bool {
    matches!(c,
        '\u{20}'..='\u{7E}'
        | '\u{3005}'
        | '\u{3041}'..='\u{3096}'
        | '\u{30A1}'..='\u{30FA}'
        | '\u{30FC}'
        | '\u{4E00}'..='\u{9FFF}')
}

/// A person's name. NFKC would replace CJK compatibility ideographs (塚 U+FA10, 﨑 is safe
/// but 神 U+FA19 is not) with their unified forms, which changes how a name is printed; those
/// characters are kept as written and everything around them is normalised.
pub fn name(input: &str) -> String {
    if !input.chars().any(is_compat_ideograph) {
        return plain(input);
    }
    let mut out = String::with_capacity(input.len());
    let mut run = String::new();
    for c in input.chars() {
        if is_compat_ideograph(c) {
            out.extend(run.nfkc());
            run.clear();
            out.push(c);
        } else {
            run.push(c);
        }
    }
    out.extend(run.nfkc());
    text::fold_whitespace(&out)
}

fn is_compat_ideograph(c: char) -> bool {
    matches!(c, '\u{F900}'..='\u{FAFF}' | '\u{2F800}'..='\u{2FA1F}')
}

/// A kana name: normalised, and hiragana turned into katakana, so that a search ignores both
/// the half/full-width and the hiragana/katakana difference.
pub fn kana(input: &str) -> String {
    let kana = plain(input);
    if !kana.chars().any(|c| hiragana_to_katakana(c) != c) {
        return kana;
    }
    kana.chars().map(hiragana_to_katakana).collect()
}

fn hiragana_to_katakana(c: char) -> char {
    match c {
        // ぁ..ゖ and ゝゞ sit exactly 0x60 below their katakana.
        '\u{3041}'..='\u{3096}' | '\u{309D}'..='\u{309E}' => {
            char::from_u32(c as u32 + 0x60).unwrap_or(c)
        }
        _ => c,
    }
}

/// A postal code as 7 digits, from `1234567`, `123-4567` or `〒123-4567`.
pub fn postal_code(input: &str) -> Result<String, String> {
    let compact = text::compact_code(input);
    let digits = compact.trim_start_matches('〒');
    if digits.len() == 7 && digits.bytes().all(|b| b.is_ascii_digit()) {
        Ok(digits.to_string())
    } else {
        Err("is not a postal code (7 digits: 1234567, 123-4567 or 〒123-4567)".to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_matches_the_shared_normaliser() {
        for s in [
            "　ＡＢＣ　１２３ ",
            "ﾔﾏﾀﾞ ﾀﾛｳ",
            "東京都  千代田区",
            "abc",
            "",
        ] {
            assert_eq!(plain(s), text::normalize(s), "{s:?}");
        }
    }

    #[test]
    fn the_plainly_nfkc_characters_are_nfkc_and_never_compose() {
        let plain: Vec<char> = (0..=0x10FFFF)
            .filter_map(char::from_u32)
            .filter(|&c| is_plainly_nfkc(c))
            .collect();
        assert!(plain.len() > 20_000, "{}", plain.len());
        for &c in &plain {
            let alone = c.to_string();
            assert_eq!(
                alone.nfkc().collect::<String>(),
                alone,
                "{c:?} changes under NFKC"
            );
            // Not the second half of any composition: after every other one of them, each
            // stays as it is (the first halves of compositions, such as カ before a
            // combining voiced mark, pair only with characters outside the set).
            for &before in ['A', 'カ', 'か', '山', 'ー'].iter() {
                let pair: String = [before, c].iter().collect();
                assert_eq!(pair.nfkc().collect::<String>(), pair, "{before:?} {c:?}");
            }
        }
    }

    #[test]
    fn names_keep_compatibility_ideographs() {
        assert_eq!(name("髙﨑　花子"), "髙﨑 花子");
        assert_eq!(name("\u{FA10}本 ｲﾁﾛｳ"), "\u{FA10}本 イチロウ");
        assert_eq!(name("\u{FA19}田"), "\u{FA19}田");
        assert_eq!(text::normalize("\u{FA19}田"), "\u{795E}田");
        assert_eq!(name("ＡＢ 山田"), "AB 山田");
    }

    #[test]
    fn kana_ignores_width_and_script() {
        assert_eq!(kana("ﾀｶｻｷ ﾊﾅｺ"), "タカサキ ハナコ");
        assert_eq!(kana("たかさき　はなこ"), "タカサキ ハナコ");
        assert_eq!(kana("ガッコウ"), "ガッコウ");
    }

    #[test]
    fn postal_codes_in_every_written_form() {
        assert_eq!(postal_code("1000001").unwrap(), "1000001");
        assert_eq!(postal_code("100-0001").unwrap(), "1000001");
        assert_eq!(postal_code("〒１００－０００１").unwrap(), "1000001");
        assert_eq!(postal_code("〒 100-0001").unwrap(), "1000001");
        assert!(postal_code("100-001").is_err());
        assert!(postal_code("ABC-DEFG").is_err());
    }
}
