//! The print file a print vendor turns into postcards: one CSV row per postcard, in CP932
//! (what Japanese print vendors and Excel read) or UTF-8, with CRLF line ends.
//!
//! A character the encoding cannot hold is an error naming the member and the field, never a
//! silent `?` or `&#134071;`: a postcard with a wrong name or address is worse than none.

use std::io::{self, Write};

use chrono::NaiveDate;
use sha2::{Digest, Sha256};

/// The column names, in the order every row follows.
pub const HEADER: [&str; 12] = [
    "バッチ",
    "連番",
    "郵便番号",
    "住所",
    "氏名",
    "仮ユーザID",
    "仮パスワード",
    "発行日",
    "有効期限",
    "保険者名",
    "保険者番号",
    "ポータルURL",
];

/// The text encoding of a print file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub enum Encoding {
    /// Shift_JIS as Windows writes it (Windows-31J).
    #[default]
    #[serde(rename = "cp932")]
    Cp932,
    #[serde(rename = "utf-8")]
    Utf8,
}

impl Encoding {
    pub fn as_str(self) -> &'static str {
        match self {
            Encoding::Cp932 => "cp932",
            Encoding::Utf8 => "utf-8",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "cp932" => Some(Encoding::Cp932),
            "utf-8" => Some(Encoding::Utf8),
            _ => None,
        }
    }

    /// The first character of `value` this encoding cannot hold, if any.
    pub fn unmappable(self, value: &str) -> Option<char> {
        match self {
            Encoding::Utf8 => None,
            // encoding_rs's Shift_JIS encoder is the WHATWG one, which is Windows-31J (CP932),
            // NEC and IBM extensions included. The whole string is tried first: the common case.
            Encoding::Cp932 if !encoding_rs::SHIFT_JIS.encode(value).2 => None,
            Encoding::Cp932 => value.chars().find(|c| {
                let mut buf = [0u8; 4];
                encoding_rs::SHIFT_JIS.encode(c.encode_utf8(&mut buf)).2
            }),
        }
    }
}

/// A field that cannot be printed in the chosen encoding.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("member {member_id}: {field} {value:?} holds {ch:?} (U+{code:04X}), which {encoding} cannot hold", code = u32::from(*.ch), encoding = .encoding.as_str())]
pub struct Unprintable {
    /// The opaque member id (never 記号・番号).
    pub member_id: i64,
    pub field: &'static str,
    pub value: String,
    pub ch: char,
    pub encoding: Encoding,
}

/// The member fields that go on a postcard, checked before anything is issued.
pub fn check_member(
    encoding: Encoding,
    member_id: i64,
    fields: &[(&'static str, &str)],
) -> Result<(), Unprintable> {
    for &(field, value) in fields {
        if let Some(ch) = encoding.unmappable(value) {
            return Err(Unprintable {
                member_id,
                field,
                value: value.to_string(),
                ch,
                encoding,
            });
        }
    }
    Ok(())
}

/// One postcard.
#[derive(Debug, Clone)]
pub struct PrintRow<'a> {
    pub batch_id: i64,
    pub seq: i64,
    pub member_id: i64,
    pub postal_code: &'a str,
    pub address1: &'a str,
    pub address2: &'a str,
    pub name: &'a str,
    pub provisional_id: &'a str,
    /// As printed: groups of four (`credential::format_password`).
    pub password: &'a str,
    pub issued_on: NaiveDate,
    pub expires_on: NaiveDate,
    pub insurer_name: &'a str,
    pub insurer_number: &'a str,
    pub portal_url: &'a str,
}

/// `1234567` as people write it on an envelope: `123-4567`. Anything else is kept as it is.
pub fn format_postal_code(code: &str) -> String {
    if code.len() == 7 && code.bytes().all(|b| b.is_ascii_digit()) {
        format!("{}-{}", &code[..3], &code[3..])
    } else {
        code.to_string()
    }
}

/// The two address lines as one field.
pub fn join_address(address1: &str, address2: &str) -> String {
    match (address1.trim(), address2.trim()) {
        (a, "") => a.to_string(),
        ("", b) => b.to_string(),
        (a, b) => format!("{a} {b}"),
    }
}

/// Writes the header and rows, and digests every byte written so the batch can record the
/// file's SHA-256 without reading it back.
pub struct PrintWriter<W: Write> {
    inner: W,
    encoding: Encoding,
    digest: Sha256,
    line: String,
    rows: u64,
}

impl<W: Write> PrintWriter<W> {
    pub fn new(inner: W, encoding: Encoding) -> io::Result<Self> {
        let mut w = PrintWriter {
            inner,
            encoding,
            digest: Sha256::new(),
            line: String::new(),
            rows: 0,
        };
        w.write_line(HEADER.iter().map(|h| h.to_string()))?;
        Ok(w)
    }

    /// Appends one postcard row. A field the encoding cannot hold fails the row, unwritten.
    pub fn write_row(&mut self, row: &PrintRow<'_>) -> crate::Result<()> {
        let address = join_address(row.address1, row.address2);
        let fields = [
            row.batch_id.to_string(),
            row.seq.to_string(),
            format_postal_code(row.postal_code),
            address,
            row.name.to_string(),
            row.provisional_id.to_string(),
            row.password.to_string(),
            row.issued_on.to_string(),
            row.expires_on.to_string(),
            row.insurer_name.to_string(),
            row.insurer_number.to_string(),
            row.portal_url.to_string(),
        ];
        for (i, value) in fields.iter().enumerate() {
            if let Some(ch) = self.encoding.unmappable(value) {
                return Err(crate::Error::bad_input(
                    Unprintable {
                        member_id: row.member_id,
                        field: HEADER[i],
                        value: value.clone(),
                        ch,
                        encoding: self.encoding,
                    }
                    .to_string(),
                ));
            }
        }
        self.write_line(fields.into_iter())?;
        self.rows += 1;
        Ok(())
    }

    fn write_line(&mut self, fields: impl Iterator<Item = String>) -> io::Result<()> {
        self.line.clear();
        for (i, field) in fields.enumerate() {
            if i > 0 {
                self.line.push(',');
            }
            push_csv_field(&mut self.line, &field);
        }
        self.line.push_str("\r\n");
        let bytes = match self.encoding {
            Encoding::Utf8 => std::borrow::Cow::Borrowed(self.line.as_bytes()),
            Encoding::Cp932 => {
                let (bytes, _, had_errors) = encoding_rs::SHIFT_JIS.encode(&self.line);
                // Every field was checked first; this guards the header and the separators.
                if had_errors {
                    return Err(io::Error::other(
                        "a print line could not be encoded in CP932",
                    ));
                }
                bytes
            }
        };
        self.digest.update(&bytes);
        self.inner.write_all(&bytes)
    }

    /// Rows written so far (the header not counted).
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Flushes and hands back the writer with the SHA-256 (hex) of everything written.
    pub fn finish(mut self) -> io::Result<(W, String)> {
        self.inner.flush()?;
        Ok((self.inner, hex::encode(self.digest.finalize())))
    }
}

/// RFC 4180 quoting: only when the field needs it, with inner quotes doubled.
fn push_csv_field(out: &mut String, field: &str) {
    if field.contains([',', '"', '\r', '\n']) {
        out.push('"');
        out.push_str(&field.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(field);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row<'a>(name: &'a str, address2: &'a str) -> PrintRow<'a> {
        PrintRow {
            batch_id: 3,
            seq: 1,
            member_id: 42,
            postal_code: "1000001",
            address1: "東京都千代田区千代田1-1",
            address2,
            name,
            provisional_id: "ABCDEFGHJK",
            password: "ab3k-9x2m-pqrs",
            issued_on: NaiveDate::from_ymd_opt(2026, 11, 18).unwrap(),
            expires_on: NaiveDate::from_ymd_opt(2027, 2, 16).unwrap(),
            insurer_name: "ひまわり健康保険組合",
            insurer_number: "06130090",
            portal_url: "https://portal.example.jp/",
        }
    }

    #[test]
    fn cp932_rows_end_in_crlf_and_decode_back() {
        let mut w = PrintWriter::new(Vec::new(), Encoding::Cp932).unwrap();
        w.write_row(&row("山田 太郎", "ハイツ\"桜\",101")).unwrap();
        let (bytes, sha) = w.finish().unwrap();
        assert_eq!(sha, crate::secret::sha256_hex(&bytes));
        let (text, _, bad) = encoding_rs::SHIFT_JIS.decode(&bytes);
        assert!(!bad);
        let lines: Vec<&str> = text.split_terminator("\r\n").collect();
        assert_eq!(lines.len(), 2);
        assert!(lines[0].starts_with("バッチ,連番,郵便番号,住所,氏名,仮ユーザID,仮パスワード"));
        assert_eq!(
            lines[1],
            "3,1,100-0001,\"東京都千代田区千代田1-1 ハイツ\"\"桜\"\",101\",山田 太郎,ABCDEFGHJK,ab3k-9x2m-pqrs,2026-11-18,2027-02-16,ひまわり健康保険組合,06130090,https://portal.example.jp/"
        );
    }

    #[test]
    fn a_character_cp932_cannot_hold_names_the_member_and_field() {
        let mut w = PrintWriter::new(Vec::new(), Encoding::Cp932).unwrap();
        let err = w.write_row(&row("𠮷田 花子", "")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "member 42: 氏名 \"𠮷田 花子\" holds '𠮷' (U+20BB7), which cp932 cannot hold"
        );
        assert_eq!(w.rows(), 0);
        let (bytes, _) = w.finish().unwrap();
        assert!(!bytes.contains(&b'?'), "no silent replacement");
    }

    #[test]
    fn utf8_holds_every_character() {
        let mut w = PrintWriter::new(Vec::new(), Encoding::Utf8).unwrap();
        w.write_row(&row("𠮷田 花子", "")).unwrap();
        let (bytes, _) = w.finish().unwrap();
        assert!(
            String::from_utf8(bytes)
                .unwrap()
                .contains("\r\n3,1,100-0001,")
        );
    }

    #[test]
    fn check_member_finds_the_first_bad_field() {
        let ok = check_member(
            Encoding::Cp932,
            7,
            &[("氏名", "髙橋 一郎"), ("住所", "大阪府")],
        );
        assert_eq!(ok, Ok(()), "髙 is in CP932's IBM extensions");
        let bad = check_member(Encoding::Cp932, 7, &[("氏名", "佐藤"), ("住所", "𠮷野町")]);
        assert_eq!(bad.unwrap_err().field, "住所");
    }

    #[test]
    fn postal_codes_get_their_hyphen() {
        assert_eq!(format_postal_code("1000001"), "100-0001");
        assert_eq!(format_postal_code("100-0001"), "100-0001");
    }
}
