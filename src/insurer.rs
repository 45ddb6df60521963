//! The insurer number (保険者番号): eight digits, the last a Luhn check digit over the first seven.

use std::fmt;

use crate::text;

/// A valid insurer number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InsurerNumber(String);

/// Why a string is not an insurer number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InsurerNumberError {
    #[error("an insurer number is 8 digits (got {0})")]
    Length(usize),
    #[error("an insurer number has digits only")]
    NotDigits,
    #[error(
        "the check digit is wrong (the last digit should be {expected}): check the number for a typo"
    )]
    CheckDigit { expected: u32 },
}

impl InsurerNumber {
    /// Parses an insurer number as a person may type it: full-width digits, spaces and
    /// hyphens are accepted.
    pub fn parse(input: &str) -> Result<Self, InsurerNumberError> {
        let digits = text::compact_code(input);
        if !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err(InsurerNumberError::NotDigits);
        }
        if digits.len() != 8 {
            return Err(InsurerNumberError::Length(digits.chars().count()));
        }
        let expected = luhn_check_digit(&digits[..7]);
        let given = digits.as_bytes()[7] - b'0';
        if u32::from(given) != expected {
            return Err(InsurerNumberError::CheckDigit { expected });
        }
        Ok(InsurerNumber(digits))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for InsurerNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The Luhn check digit for a run of ASCII digits: from the right, every other digit starting
/// with the rightmost is doubled (digits of the product summed).
fn luhn_check_digit(body: &str) -> u32 {
    let sum: u32 = body
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 0 {
                let twice = d * 2;
                twice / 10 + twice % 10
            } else {
                d
            }
        })
        .sum();
    (10 - sum % 10) % 10
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_contract_example() {
        assert_eq!(
            InsurerNumber::parse("06130090").unwrap().as_str(),
            "06130090"
        );
    }

    #[test]
    fn accepts_full_width_digits_and_separators() {
        assert_eq!(
            InsurerNumber::parse("０６１３ ００９０").unwrap().as_str(),
            "06130090"
        );
    }

    #[test]
    fn rejects_a_wrong_check_digit_saying_so() {
        let err = InsurerNumber::parse("06130091").unwrap_err();
        assert_eq!(err, InsurerNumberError::CheckDigit { expected: 0 });
        assert!(err.to_string().contains("check digit is wrong"));
    }

    #[test]
    fn rejects_wrong_length_and_letters() {
        assert_eq!(
            InsurerNumber::parse("0613009").unwrap_err(),
            InsurerNumberError::Length(7)
        );
        assert_eq!(
            InsurerNumber::parse("0613009A").unwrap_err(),
            InsurerNumberError::NotDigits
        );
    }

    #[test]
    fn catches_every_single_digit_typo() {
        let good = "06130090";
        for pos in 0..8 {
            for d in b'0'..=b'9' {
                let mut typo = good.as_bytes().to_vec();
                if typo[pos] == d {
                    continue;
                }
                typo[pos] = d;
                let typo = String::from_utf8(typo).unwrap();
                assert!(InsurerNumber::parse(&typo).is_err(), "{typo} passed");
            }
        }
    }
}
