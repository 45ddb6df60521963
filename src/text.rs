//! Normalising text typed by people or exported by other systems: full-width forms,
//! half-width katakana and stray spaces.

use unicode_normalization::UnicodeNormalization;

/// NFKC, then trimmed, with runs of white space (ideographic spaces included) folded into one
/// ASCII space. NFKC turns full-width digits and letters into ASCII and half-width katakana
/// into full-width, which is what every roster and portal field wants.
pub fn normalize(input: &str) -> String {
    // NFKC leaves ASCII as it is: skip the normaliser for it (a roster import calls this
    // millions of times, mostly on digits and Latin letters).
    if input.is_ascii() {
        return fold_whitespace(input);
    }
    let nfkc: String = input.nfkc().collect();
    fold_whitespace(&nfkc)
}

/// Trims and folds runs of white space into one ASCII space, without normalising.
pub fn fold_whitespace(nfkc: &str) -> String {
    if is_folded(nfkc) {
        return nfkc.to_string();
    }
    let mut out = String::with_capacity(nfkc.len());
    for word in nfkc.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// No white space at either end, and only single ASCII spaces inside: nothing to fold (the
/// common case, checked without building a new string).
fn is_folded(s: &str) -> bool {
    let mut after_space = true;
    for c in s.chars() {
        if c.is_whitespace() {
            if after_space || c != ' ' {
                return false;
            }
            after_space = true;
        } else {
            after_space = false;
        }
    }
    !after_space || s.is_empty()
}

/// Keeps only what a person meant as the characters of a code: NFKC, then without spaces
/// and hyphens (ASCII, full-width and the long-vowel marks people type for them).
pub fn compact_code(input: &str) -> String {
    input
        .nfkc()
        .filter(|c| !c.is_whitespace() && !matches!(c, '-' | '‐' | '‑' | '–' | '—' | '−' | 'ー'))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_full_width_and_half_width_forms() {
        assert_eq!(normalize("　０６１３００９０ "), "06130090");
        assert_eq!(normalize("ﾔﾏﾀﾞ　ﾀﾛｳ"), "ヤマダ タロウ");
        assert_eq!(normalize("ＡＢＣ  def"), "ABC def");
    }

    #[test]
    fn folding_leaves_folded_text_alone_and_folds_the_rest() {
        for (input, folded) in [
            ("", ""),
            ("山田 太郎", "山田 太郎"),
            (" 山田", "山田"),
            ("山田 ", "山田"),
            ("山田  太郎", "山田 太郎"),
            ("山田\t太郎", "山田 太郎"),
            ("山田\u{3000}太郎", "山田 太郎"),
            ("   ", ""),
        ] {
            assert_eq!(fold_whitespace(input), folded, "{input:?}");
            assert_eq!(is_folded(input), input == folded, "{input:?}");
        }
    }

    #[test]
    fn compact_code_drops_separators() {
        assert_eq!(compact_code("ab3k-9x2m－ＰＱＲＳ"), "ab3k9x2mPQRS");
        assert_eq!(compact_code(" 0613 0090 "), "06130090");
    }
}
