//! The roster's character encoding: UTF-8 (with or without BOM) or CP932 (Shift_JIS as
//! Windows writes it), detected or forced.
//!
//! Records are split on the raw bytes and each field is decoded on its own. That is safe for
//! CP932 because its trail bytes (0x40–0xFC) never include `,` `"` CR or LF, and it lets the
//! import stream without a decoding layer under the CSV reader. Detection waits for the first
//! non-ASCII field (usually a Japanese header): valid UTF-8 there means UTF-8, anything else
//! CP932; the choice then holds for the whole file.

use std::borrow::Cow;

use encoding_rs::SHIFT_JIS;

/// What the user asked for (`--encoding`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EncodingChoice {
    #[default]
    Auto,
    Utf8,
    Cp932,
}

/// The encoding a roster turned out to be in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Encoding {
    #[serde(rename = "utf-8")]
    Utf8,
    #[serde(rename = "cp932")]
    Cp932,
}

impl Encoding {
    pub fn as_str(self) -> &'static str {
        match self {
            Encoding::Utf8 => "utf-8",
            Encoding::Cp932 => "cp932",
        }
    }
}

/// Decodes fields, deciding the encoding at the first non-ASCII one when not forced.
#[derive(Debug, Clone)]
pub struct Decoder {
    chosen: Option<Encoding>,
}

impl Decoder {
    pub fn new(choice: EncodingChoice, had_bom: bool) -> Self {
        let chosen = match choice {
            EncodingChoice::Utf8 => Some(Encoding::Utf8),
            EncodingChoice::Cp932 => Some(Encoding::Cp932),
            EncodingChoice::Auto if had_bom => Some(Encoding::Utf8),
            EncodingChoice::Auto => None,
        };
        Decoder { chosen }
    }

    /// The encoding in use; UTF-8 when the file has been all ASCII so far.
    pub fn encoding(&self) -> Encoding {
        self.chosen.unwrap_or(Encoding::Utf8)
    }

    /// Decodes one field; on failure, the reason and the field as best it can be shown.
    pub fn decode<'a>(&mut self, bytes: &'a [u8]) -> Result<Cow<'a, str>, (String, String)> {
        if bytes.is_ascii() {
            return Ok(Cow::Borrowed(
                std::str::from_utf8(bytes).expect("ASCII is UTF-8"),
            ));
        }
        let enc = *self
            .chosen
            .get_or_insert(if std::str::from_utf8(bytes).is_ok() {
                Encoding::Utf8
            } else {
                Encoding::Cp932
            });
        match enc {
            Encoding::Utf8 => std::str::from_utf8(bytes).map(Cow::Borrowed).map_err(|_| {
                (
                    "is not valid UTF-8 (is the file CP932? try --encoding cp932)".to_string(),
                    String::from_utf8_lossy(bytes).into_owned(),
                )
            }),
            Encoding::Cp932 => SHIFT_JIS
                .decode_without_bom_handling_and_without_replacement(bytes)
                .ok_or_else(|| {
                    (
                        "is not valid CP932 (is the file UTF-8? try --encoding utf-8)".to_string(),
                        SHIFT_JIS.decode_without_bom_handling(bytes).0.into_owned(),
                    )
                }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_utf8_and_cp932_at_the_first_non_ascii_field() {
        let mut d = Decoder::new(EncodingChoice::Auto, false);
        assert_eq!(d.decode(b"symbol").unwrap(), "symbol");
        assert_eq!(d.encoding(), Encoding::Utf8);
        let (sjis, _, _) = SHIFT_JIS.encode("髙﨑");
        assert_eq!(d.decode(&sjis).unwrap(), "髙﨑");
        assert_eq!(d.encoding(), Encoding::Cp932);
        let mut u = Decoder::new(EncodingChoice::Auto, false);
        assert_eq!(u.decode("髙﨑".as_bytes()).unwrap(), "髙﨑");
        assert_eq!(u.encoding(), Encoding::Utf8);
        assert!(u.decode(&sjis).unwrap_err().0.contains("not valid UTF-8"));
    }

    #[test]
    fn a_bom_or_a_forced_choice_wins() {
        let (sjis, _, _) = SHIFT_JIS.encode("氏名");
        let mut d = Decoder::new(EncodingChoice::Auto, true);
        assert!(d.decode(&sjis).is_err());
        let mut f = Decoder::new(EncodingChoice::Utf8, false);
        assert!(f.decode(&sjis).is_err());
        let mut c = Decoder::new(EncodingChoice::Cp932, false);
        assert_eq!(c.decode(&sjis).unwrap(), "氏名");
    }
}
