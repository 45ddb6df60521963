//! The roster's header line: which column holds which field, from Japanese or English names in
//! any order; unknown columns are ignored and missing required ones are named.

use std::fmt;

/// A field hagaki reads from the roster.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Symbol,
    Number,
    Branch,
    Name,
    NameKana,
    BirthDate,
    PostalCode,
    Address1,
    Address2,
    LostOn,
}

impl Field {
    pub const ALL: [Field; 10] = [
        Field::Symbol,
        Field::Number,
        Field::Branch,
        Field::Name,
        Field::NameKana,
        Field::BirthDate,
        Field::PostalCode,
        Field::Address1,
        Field::Address2,
        Field::LostOn,
    ];

    /// The names a header may use (compared after NFKC, lower case, `_` for spaces and `-`).
    fn aliases(self) -> &'static [&'static str] {
        match self {
            Field::Symbol => &["記号", "被保険者証記号", "symbol"],
            Field::Number => &["番号", "被保険者証番号", "number"],
            Field::Branch => &["枝番", "branch"],
            Field::Name => &["氏名", "漢字氏名", "name"],
            Field::NameKana => &["カナ氏名", "氏名カナ", "フリガナ", "name_kana", "kana"],
            Field::BirthDate => &["生年月日", "birth_date", "birthdate", "date_of_birth"],
            Field::PostalCode => &["郵便番号", "postal_code", "zip", "zip_code"],
            Field::Address1 => &["住所1", "住所", "address1", "address_1", "address"],
            Field::Address2 => &["住所2", "address2", "address_2"],
            Field::LostOn => &["資格喪失日", "喪失日", "lost_on"],
        }
    }

    /// Columns a roster must have.
    pub fn required(self) -> bool {
        matches!(
            self,
            Field::Symbol
                | Field::Number
                | Field::Branch
                | Field::Name
                | Field::BirthDate
                | Field::PostalCode
                | Field::Address1
        )
    }

    fn japanese(self) -> &'static str {
        self.aliases()[0]
    }

    fn english(self) -> &'static str {
        let a = self.aliases();
        a.iter().find(|s| s.is_ascii()).copied().unwrap_or(a[0])
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.japanese(), self.english())
    }
}

/// Where each field is, and the header text the file uses for it (for error messages).
#[derive(Debug, Clone)]
pub struct Columns {
    index: [Option<usize>; 10],
    names: [String; 10],
}

impl Columns {
    /// Maps a decoded header line. Errors name every missing required column, or a field
    /// that two columns claim.
    pub fn map(headers: &[String]) -> Result<Self, String> {
        let mut index = [None; 10];
        let mut names: [String; 10] = Default::default();
        for (i, raw) in headers.iter().enumerate() {
            let key = header_key(raw);
            let Some(pos) = Field::ALL
                .iter()
                .position(|f| f.aliases().contains(&key.as_str()))
            else {
                continue;
            };
            if let Some(first) = index[pos] {
                return Err(format!(
                    "columns {} and {} both name {}; keep one",
                    first + 1,
                    i + 1,
                    Field::ALL[pos]
                ));
            }
            index[pos] = Some(i);
            names[pos] = raw.trim().to_string();
        }
        let missing: Vec<String> = Field::ALL
            .iter()
            .enumerate()
            .filter(|(pos, f)| f.required() && index[*pos].is_none())
            .map(|(_, f)| f.to_string())
            .collect();
        if !missing.is_empty() {
            return Err(format!(
                "the roster has no column for {}",
                missing.join(", ")
            ));
        }
        Ok(Columns { index, names })
    }

    fn pos(field: Field) -> usize {
        Field::ALL
            .iter()
            .position(|f| *f == field)
            .expect("every field is in ALL")
    }

    /// The column index of a field, if the roster has it.
    pub fn index(&self, field: Field) -> Option<usize> {
        self.index[Self::pos(field)]
    }

    /// The header text the roster uses for a field.
    pub fn name(&self, field: Field) -> &str {
        &self.names[Self::pos(field)]
    }
}

fn header_key(raw: &str) -> String {
    crate::text::normalize(raw.trim_start_matches('\u{feff}'))
        .to_lowercase()
        .replace([' ', '-'], "_")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn maps_japanese_and_english_headers_in_any_order() {
        let h = strings(&[
            "氏名",
            "備考",
            "記号",
            "番号",
            "枝番",
            "生年月日",
            "郵便番号",
            "住所１",
        ]);
        let c = Columns::map(&h).unwrap();
        assert_eq!(c.index(Field::Symbol), Some(2));
        assert_eq!(c.index(Field::Address1), Some(7));
        assert_eq!(c.name(Field::Address1), "住所１");
        assert_eq!(c.index(Field::LostOn), None);
        let e = strings(&[
            "Birth Date",
            "Symbol",
            "NUMBER",
            "branch",
            "name",
            "Postal-Code",
            "address1",
        ]);
        let c = Columns::map(&e).unwrap();
        assert_eq!(c.index(Field::BirthDate), Some(0));
        assert_eq!(c.index(Field::PostalCode), Some(5));
    }

    #[test]
    fn names_every_missing_required_column() {
        let h = strings(&["記号", "番号", "氏名", "郵便番号", "住所1"]);
        assert_eq!(
            Columns::map(&h).unwrap_err(),
            "the roster has no column for 枝番/branch, 生年月日/birth_date"
        );
    }

    #[test]
    fn refuses_two_columns_for_one_field() {
        let h = strings(&["記号", "symbol"]);
        assert_eq!(
            Columns::map(&h).unwrap_err(),
            "columns 1 and 2 both name 記号/symbol; keep one"
        );
    }
}
