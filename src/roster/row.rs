//! One roster record checked field by field: every problem is recorded, not just the first.

use std::borrow::Cow;

use chrono::NaiveDate;

use super::encoding::Decoder;
use super::header::{Columns, Field};
use super::{MemberRow, date, fields};
use crate::error::RowError;
use crate::member_key::{self, MemberKey};

/// The fields of one record, with the errors found in them so far.
pub(super) struct Cells<'a> {
    pub(super) columns: &'a Columns,
    pub(super) record: &'a csv::ByteRecord,
    pub(super) decoder: &'a mut Decoder,
    pub(super) line: u64,
    pub(super) errors: Vec<RowError>,
}

impl<'a> Cells<'a> {
    fn bad(&mut self, field: Field, value: &str, reason: impl Into<String>) {
        self.errors.push(RowError {
            line: self.line,
            column: self.columns.name(field).to_string(),
            value: value.to_string(),
            reason: reason.into(),
        });
    }

    /// A field as written and normalised; `None` when it cannot be decoded or is a required
    /// field left empty (the error is recorded). A column the roster lacks reads as empty.
    fn value(
        &mut self,
        field: Field,
        normalize: fn(&str) -> String,
        required: bool,
    ) -> Option<(Cow<'a, str>, String)> {
        let Some(i) = self.columns.index(field) else {
            return Some((Cow::Borrowed(""), String::new()));
        };
        let bytes = self.record.get(i).unwrap_or_default();
        match self.decoder.decode(bytes) {
            Ok(raw) => {
                let norm = normalize(&raw);
                if required && norm.is_empty() {
                    self.bad(field, &raw, "is empty (a required field)");
                    return None;
                }
                Some((raw, norm))
            }
            Err((reason, shown)) => {
                self.bad(field, &shown, reason);
                None
            }
        }
    }

    fn date(&mut self, field: Field, raw: &str, norm: &str) -> Option<NaiveDate> {
        match date::parse(norm) {
            Ok(d) => Some(d),
            Err(reason) => {
                self.bad(field, raw, reason);
                None
            }
        }
    }
}

/// Checks and normalises every field, recording each problem (not just the first).
pub(super) fn parse(c: &mut Cells<'_>, today: NaiveDate) -> Option<MemberRow> {
    let symbol = c.value(Field::Symbol, fields::plain, true);
    let number = c.value(Field::Number, fields::plain, true);
    let branch = c.value(Field::Branch, fields::plain, true);
    let name = c.value(Field::Name, fields::name, true);
    let name_kana = c.value(Field::NameKana, fields::kana, false);
    let birth = c.value(Field::BirthDate, fields::plain, true);
    let postal = c.value(Field::PostalCode, fields::plain, false);
    let address1 = c.value(Field::Address1, fields::plain, false);
    let address2 = c.value(Field::Address2, fields::plain, false);
    let lost = c.value(Field::LostOn, fields::plain, false);

    if let Some((raw, s)) = &symbol
        && s.contains(['-', ' '])
    {
        c.bad(
            Field::Symbol,
            raw,
            "is not a symbol (記号 has no hyphens or spaces)",
        );
    }
    if let Some((raw, n)) = &number
        && !n.bytes().all(|b| b.is_ascii_digit())
    {
        c.bad(Field::Number, raw, "is not a number (番号 is digits only)");
    }
    let branch = branch.and_then(|(raw, _)| match member_key::normalize_branch(&raw) {
        Ok(b) => Some(b),
        Err(_) => {
            c.bad(
                Field::Branch,
                &raw,
                "is not a branch (two digits: 00 for the insured person, 01, 02 … for dependents)",
            );
            None
        }
    });
    let insured = branch.as_deref() == Some(member_key::INSURED_BRANCH);
    let birth_date = birth.and_then(|(raw, norm)| {
        let d = c.date(Field::BirthDate, &raw, &norm)?;
        if d > today {
            c.bad(Field::BirthDate, &raw, "is in the future");
        }
        Some(d)
    });
    let postal_code = postal.and_then(|(raw, norm)| {
        if norm.is_empty() {
            if insured {
                c.bad(
                    Field::PostalCode,
                    &raw,
                    "is empty (the insured person gets the postcard)",
                );
            }
            return Some(norm);
        }
        match fields::postal_code(&norm) {
            Ok(p) => Some(p),
            Err(reason) => {
                c.bad(Field::PostalCode, &raw, reason);
                None
            }
        }
    });
    if let Some((raw, a)) = &address1
        && a.is_empty()
        && insured
    {
        c.bad(
            Field::Address1,
            raw,
            "is empty (the insured person gets the postcard)",
        );
    }
    let lost_on = match lost {
        Some((raw, norm)) if !norm.is_empty() => Some(Some(c.date(Field::LostOn, &raw, &norm)?)),
        Some(_) => Some(None),
        None => None,
    };
    if !c.errors.is_empty() {
        return None;
    }
    let (symbol, number) = (symbol?.1, number?.1);
    let key = match MemberKey::new(&symbol, &number, branch.as_deref()?) {
        Ok(k) => k,
        Err(e) => {
            c.errors.push(RowError {
                line: c.line,
                column: String::new(),
                value: String::new(),
                reason: e.to_string(),
            });
            return None;
        }
    };
    Some(MemberRow {
        key,
        name: name?.1,
        name_kana: name_kana?.1,
        birth_date: birth_date?,
        postal_code: postal_code?,
        address1: address1?.1,
        address2: address2?.1,
        lost_on: lost_on?,
    })
}
