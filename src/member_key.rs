//! The member key: 記号 (symbol) + 番号 (number) + 枝番 (branch), written `SYMBOL-NUMBER` for
//! the insured person (branch 00) or `SYMBOL-NUMBER-BRANCH`.
//!
//! The key is confidential (告知要求制限): it identifies the member to staff, but never appears
//! in a log, a mail or the audit trail.

use std::fmt;

use crate::text;

/// Branch of the insured person (被保険者), who owns the household's account.
pub const INSURED_BRANCH: &str = "00";

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MemberKey {
    pub symbol: String,
    pub number: String,
    pub branch: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MemberKeyError {
    #[error("a member is written SYMBOL-NUMBER or SYMBOL-NUMBER-BRANCH (got {0:?})")]
    Shape(String),
    #[error("the branch (枝番) is two digits (got {0:?})")]
    Branch(String),
}

impl MemberKey {
    pub fn new(symbol: &str, number: &str, branch: &str) -> Result<Self, MemberKeyError> {
        let symbol = text::normalize(symbol);
        let number = text::normalize(number);
        let branch = normalize_branch(branch)?;
        if symbol.is_empty() || number.is_empty() || symbol.contains('-') || number.contains('-') {
            return Err(MemberKeyError::Shape(format!("{symbol}-{number}-{branch}")));
        }
        Ok(MemberKey {
            symbol,
            number,
            branch,
        })
    }

    /// Parses `SYMBOL-NUMBER` (branch 00) or `SYMBOL-NUMBER-BRANCH`, full-width forms allowed.
    pub fn parse(input: &str) -> Result<Self, MemberKeyError> {
        let normal = text::normalize(input).replace(['‐', '−', '－'], "-");
        let parts: Vec<&str> = normal.split('-').map(str::trim).collect();
        match parts.as_slice() {
            [symbol, number] => MemberKey::new(symbol, number, INSURED_BRANCH),
            [symbol, number, branch] => MemberKey::new(symbol, number, branch),
            _ => Err(MemberKeyError::Shape(input.to_string())),
        }
    }

    pub fn is_insured(&self) -> bool {
        self.branch == INSURED_BRANCH
    }

    /// The key of the insured person of this member's household.
    pub fn household(&self) -> MemberKey {
        MemberKey {
            branch: INSURED_BRANCH.to_string(),
            ..self.clone()
        }
    }
}

/// A branch as rosters write it: `0`, `00`, `１` … becomes two digits.
pub fn normalize_branch(input: &str) -> Result<String, MemberKeyError> {
    let b = text::normalize(input);
    match b.len() {
        1 | 2 if b.chars().all(|c| c.is_ascii_digit()) => Ok(format!("{b:0>2}")),
        _ => Err(MemberKeyError::Branch(b)),
    }
}

impl fmt::Display for MemberKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_insured() {
            write!(f, "{}-{}", self.symbol, self.number)
        } else {
            write!(f, "{}-{}-{}", self.symbol, self.number, self.branch)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_written_forms() {
        let insured = MemberKey::parse("1234-567").unwrap();
        assert_eq!(insured.branch, "00");
        assert!(insured.is_insured());
        assert_eq!(insured.to_string(), "1234-567");
        let dependent = MemberKey::parse("１２３４－５６７－０１").unwrap();
        assert_eq!(dependent.to_string(), "1234-567-01");
        assert_eq!(dependent.household(), insured);
    }

    #[test]
    fn rejects_malformed_keys() {
        assert!(MemberKey::parse("1234").is_err());
        assert!(MemberKey::parse("1234-567-1-2").is_err());
        assert!(MemberKey::parse("1234-567-123").is_err());
        assert!(MemberKey::parse("-567").is_err());
    }
}
