//! Reading the member roster CSV: one streamed, validated, normalised row at a time, from any
//! `Read`. No database and no other I/O here.

pub mod date;
pub mod encoding;
pub mod fields;
pub mod header;
mod row;

use std::io::{Chain, Cursor, Read};

use chrono::NaiveDate;

use crate::error::{Error, Result, RowError};
use crate::member_key::MemberKey;

pub use encoding::{Encoding, EncodingChoice};
use header::Columns;

/// One valid roster row, normalised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberRow {
    pub key: MemberKey,
    pub name: String,
    pub name_kana: String,
    pub birth_date: NaiveDate,
    pub postal_code: String,
    pub address1: String,
    pub address2: String,
    pub lost_on: Option<NaiveDate>,
}

/// A data line: its 1-based line number, and the row or everything wrong with it.
pub type Parsed = (u64, std::result::Result<MemberRow, Vec<RowError>>);

type Source<R> = Chain<Cursor<Vec<u8>>, R>;

/// A roster being read.
pub struct Roster<R: Read> {
    csv: csv::Reader<Source<R>>,
    columns: Columns,
    width: usize,
    decoder: encoding::Decoder,
    record: csv::ByteRecord,
    today: NaiveDate,
}

impl<R: Read> Roster<R> {
    /// Reads the header line. `today` (JST) refuses birth dates in the future.
    pub fn open(mut reader: R, choice: EncodingChoice, today: NaiveDate) -> Result<Self> {
        let mut head = vec![0u8; 3];
        let mut got = 0;
        while got < 3 {
            match reader.read(&mut head[got..])? {
                0 => break,
                n => got += n,
            }
        }
        head.truncate(got);
        let had_bom = head == b"\xEF\xBB\xBF";
        if had_bom {
            head.clear();
        }
        let mut csv = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(Cursor::new(head).chain(reader));
        let mut decoder = encoding::Decoder::new(choice, had_bom);
        let mut record = csv::ByteRecord::new();
        if !read(&mut csv, &mut record)? {
            return Err(Error::bad_input("the roster is empty (no header line)"));
        }
        let mut headers = Vec::with_capacity(record.len());
        for field in &record {
            let text = decoder.decode(field).map_err(|(reason, value)| {
                Error::bad_input(format!("line 1: the header {value:?} {reason}"))
            })?;
            headers.push(text.into_owned());
        }
        let columns = Columns::map(&headers).map_err(|m| {
            Error::bad_input(m).with_hint(
                "the header line needs 記号, 番号, 枝番, 氏名, 生年月日, 郵便番号, 住所1 \
                 (or symbol, number, branch, name, birth_date, postal_code, address1)",
            )
        })?;
        Ok(Roster {
            csv,
            columns,
            width: headers.len(),
            decoder,
            record,
            today,
        })
    }

    pub fn encoding(&self) -> Encoding {
        self.decoder.encoding()
    }

    /// Bytes of the file read so far (after a BOM), for a progress bar.
    pub fn bytes_read(&self) -> u64 {
        self.csv.position().byte()
    }

    /// The next data line, skipping blank ones (`,,,,` rows Excel leaves at the end).
    pub fn next_row(&mut self) -> Result<Option<Parsed>> {
        loop {
            if !read(&mut self.csv, &mut self.record)? {
                return Ok(None);
            }
            let line = self.record.position().map_or(0, |p| p.line());
            if self.record.iter().all(|f| f.trim_ascii().is_empty()) {
                continue;
            }
            if self.record.len() != self.width {
                let e = RowError {
                    line,
                    column: String::new(),
                    value: String::new(),
                    reason: format!(
                        "has {} fields; the header has {}",
                        self.record.len(),
                        self.width
                    ),
                };
                return Ok(Some((line, Err(vec![e]))));
            }
            return Ok(Some((line, self.parse_row(line))));
        }
    }

    fn parse_row(&mut self, line: u64) -> std::result::Result<MemberRow, Vec<RowError>> {
        let mut cells = row::Cells {
            columns: &self.columns,
            record: &self.record,
            decoder: &mut self.decoder,
            line,
            errors: Vec::new(),
        };
        let row = row::parse(&mut cells, self.today);
        match row {
            Some(row) if cells.errors.is_empty() => Ok(row),
            _ => Err(cells.errors),
        }
    }
}

fn read<R: Read>(csv: &mut csv::Reader<R>, record: &mut csv::ByteRecord) -> Result<bool> {
    csv.read_byte_record(record).map_err(|e| match e.kind() {
        csv::ErrorKind::Io(_) => {
            Error::Internal(anyhow::Error::new(e).context("reading the roster"))
        }
        _ => Error::bad_input(format!("the roster is not readable CSV: {e}")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 18).unwrap()
    }

    fn rows(csv: &[u8], choice: EncodingChoice) -> (Encoding, Vec<Parsed>) {
        let mut r = Roster::open(csv, choice, today()).unwrap();
        let mut out = Vec::new();
        while let Some(p) = r.next_row().unwrap() {
            out.push(p);
        }
        (r.encoding(), out)
    }

    const HEADER: &str = "記号,番号,枝番,氏名,カナ氏名,生年月日,郵便番号,住所1,住所2,資格喪失日\n";

    #[test]
    fn reads_and_normalises_a_row() {
        let text = format!(
            "\u{feff}{HEADER}１２３,４５６,0,髙﨑　花子,ﾀｶｻｷ ﾊﾅｺ,S54.8.22,〒100-0001,東京都千代田区,,\n,,,,,,,,,\n"
        );
        let (enc, rows) = rows(text.as_bytes(), EncodingChoice::Auto);
        assert_eq!(enc, Encoding::Utf8);
        assert_eq!(rows.len(), 1);
        let (line, row) = &rows[0];
        assert_eq!(*line, 2);
        let row = row.as_ref().unwrap();
        assert_eq!(row.key.to_string(), "123-456");
        assert_eq!(row.name, "髙﨑 花子");
        assert_eq!(row.name_kana, "タカサキ ハナコ");
        assert_eq!(row.birth_date.to_string(), "1979-08-22");
        assert_eq!(row.postal_code, "1000001");
        assert_eq!(row.lost_on, None);
    }

    #[test]
    fn cp932_and_utf8_give_the_same_row() {
        let text =
            format!("{HEADER}123,456,00,髙﨑 一郎,タカサキ イチロウ,19700101,1000001,東京都,,\n");
        let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode(&text);
        let (e1, a) = rows(text.as_bytes(), EncodingChoice::Auto);
        let (e2, b) = rows(&sjis, EncodingChoice::Auto);
        assert_eq!((e1, e2), (Encoding::Utf8, Encoding::Cp932));
        let (a, b) = (a[0].1.as_ref().unwrap(), b[0].1.as_ref().unwrap());
        assert_eq!(a, b);
    }

    #[test]
    fn reports_every_bad_field_of_a_row() {
        let text = format!("{HEADER}123,45x,7a,,,昭和65年1月1日,12-34,,,2026/2/30\n");
        let (_, rows) = rows(text.as_bytes(), EncodingChoice::Auto);
        let errors = rows[0].1.as_ref().unwrap_err();
        let shown: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        assert_eq!(
            shown,
            [
                "line 2, column 氏名: \"\" is empty (a required field)",
                "line 2, column 番号: \"45x\" is not a number (番号 is digits only)",
                "line 2, column 枝番: \"7a\" is not a branch (two digits: 00 for the insured person, 01, 02 … for dependents)",
                "line 2, column 生年月日: \"昭和65年1月1日\" is not a date (昭和 ended on 1989-01-07)",
                "line 2, column 郵便番号: \"12-34\" is not a postal code (7 digits: 1234567, 123-4567 or 〒123-4567)",
                "line 2, column 資格喪失日: \"2026/2/30\" is not a date (there is no 2026-02-30)",
            ]
        );
    }

    #[test]
    fn dependents_need_no_address_but_the_insured_person_does() {
        let text =
            format!("{HEADER}1,2,01,山田 花子,,2001-01-01,,,,\n1,2,00,山田 太郎,,1970-01-01,,,,\n");
        let (_, rows) = rows(text.as_bytes(), EncodingChoice::Auto);
        assert!(rows[0].1.is_ok());
        let errors = rows[1].1.as_ref().unwrap_err();
        assert_eq!(errors.len(), 2);
        assert_eq!(errors[0].column, "郵便番号");
        assert_eq!(errors[1].column, "住所1");
    }

    #[test]
    fn a_short_row_or_a_missing_column_is_named() {
        let text = format!("{HEADER}1,2,00\n");
        let (_, rows) = rows(text.as_bytes(), EncodingChoice::Auto);
        assert_eq!(
            rows[0].1.as_ref().unwrap_err()[0].to_string(),
            "line 2: has 3 fields; the header has 10"
        );
        let Err(e) = Roster::open(&b"symbol,number\n"[..], EncodingChoice::Auto, today()) else {
            panic!("a roster without required columns opened");
        };
        assert!(
            e.to_string()
                .starts_with("the roster has no column for 枝番/branch")
        );
    }
}
