//! Provisional credentials as printed on a postcard: the look-alike-free alphabet, the
//! provisional ID with its check character, and the password in groups of four.
//!
//! Both are typed by a member from paper, so neither uses 0 O 1 I L, and input ignores
//! letter case, hyphens, spaces and full-width forms.

use rand::Rng;

use crate::text;

/// Upper-case letters and digits without 0, O, 1, I and L: 31 symbols. 31 is prime, so the
/// weighted check character catches every single substitution and every adjacent swap.
pub const ALPHABET: &[u8; 31] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";

fn index_of(c: u8) -> Option<usize> {
    ALPHABET.iter().position(|&a| a == c)
}

/// The check character for an ID body: weighted sum mod 31 (weights 1, 2, 3, … from the left).
fn check_char(body: &[u8]) -> Option<u8> {
    let mut sum = 0usize;
    for (i, &c) in body.iter().enumerate() {
        sum += (i + 1) * index_of(c)?;
    }
    // Chosen so that the weighted sum including the check character (weight len+1) is 0 mod 31.
    let weight = body.len() + 1;
    let want = (31 - sum % 31) % 31;
    // weight * x ≡ want (mod 31): multiply by the inverse of weight mod 31.
    let inverse = (1..31).find(|x| (weight % 31) * x % 31 == 1)?;
    Some(ALPHABET[want * inverse % 31])
}

/// A new provisional ID of `len` characters, the last one a check character.
pub fn generate_provisional_id(rng: &mut impl Rng, len: usize) -> String {
    let body: Vec<u8> = (0..len - 1)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())])
        .collect();
    let check = check_char(&body).expect("body uses the alphabet and len < 31");
    let mut id = String::from_utf8(body).expect("ASCII");
    id.push(check as char);
    id
}

/// Why typed text cannot be a provisional ID: caught before it costs a login attempt.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProvisionalIdError {
    #[error("{0:?} cannot be in a provisional ID (it uses no 0, O, 1, I or L)")]
    BadCharacter(char),
    #[error("the provisional ID does not check out: a character is mistyped")]
    CheckCharacter,
}

/// Normalises a typed login ID: full-width forms, spaces and hyphens dropped. Case is kept;
/// login IDs are compared ignoring case.
pub fn normalize_login_id(input: &str) -> String {
    text::compact_code(input)
}

/// Checks a normalised provisional ID's characters and check character; returns it upper-cased.
pub fn check_provisional_id(id: &str) -> Result<String, ProvisionalIdError> {
    let upper = id.to_ascii_uppercase();
    if let Some(bad) = upper.bytes().find(|&c| index_of(c).is_none()) {
        return Err(ProvisionalIdError::BadCharacter(bad as char));
    }
    let (body, check) = upper.as_bytes().split_at(upper.len().saturating_sub(1));
    match (check_char(body), check.first()) {
        (Some(want), Some(&got)) if want == got => Ok(upper),
        _ => Err(ProvisionalIdError::CheckCharacter),
    }
}

/// A new provisional (or temporary) password of `len` characters from the alphabet,
/// in lower case: ~4.95 bits a character, 59 bits for the default 12.
pub fn generate_password(rng: &mut impl Rng, len: usize) -> String {
    (0..len)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())].to_ascii_lowercase() as char)
        .collect()
}

/// The password as printed: groups of four joined by hyphens (`ab3k-9x2m-pqrs`).
pub fn format_password(password: &str) -> String {
    password
        .as_bytes()
        .chunks(4)
        .map(|c| std::str::from_utf8(c).expect("ASCII"))
        .collect::<Vec<_>>()
        .join("-")
}

/// A typed provisional or temporary password in the form it was hashed in: hyphens, spaces,
/// full-width forms and letter case do not matter.
pub fn normalize_typed_password(input: &str) -> String {
    text::compact_code(input).to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    #[test]
    fn generated_ids_check_out_and_avoid_look_alikes() {
        let mut rng = StdRng::seed_from_u64(7);
        for _ in 0..1000 {
            let id = generate_provisional_id(&mut rng, 10);
            assert_eq!(id.len(), 10);
            assert!(!id.contains(['0', 'O', '1', 'I', 'L']));
            assert_eq!(check_provisional_id(&id).unwrap(), id);
            assert_eq!(check_provisional_id(&id.to_lowercase()).unwrap(), id);
        }
    }

    #[test]
    fn every_single_typo_and_adjacent_swap_is_caught() {
        let mut rng = StdRng::seed_from_u64(11);
        let id = generate_provisional_id(&mut rng, 10).into_bytes();
        for pos in 0..id.len() {
            for &c in ALPHABET {
                if c != id[pos] {
                    let mut typo = id.clone();
                    typo[pos] = c;
                    assert!(check_provisional_id(std::str::from_utf8(&typo).unwrap()).is_err());
                }
            }
            if pos + 1 < id.len() && id[pos] != id[pos + 1] {
                let mut swap = id.clone();
                swap.swap(pos, pos + 1);
                assert!(check_provisional_id(std::str::from_utf8(&swap).unwrap()).is_err());
            }
        }
    }

    #[test]
    fn look_alike_characters_are_named() {
        assert_eq!(
            check_provisional_id("ABC0EFGHJK"),
            Err(ProvisionalIdError::BadCharacter('0'))
        );
    }

    #[test]
    fn typed_passwords_ignore_case_hyphens_and_full_width() {
        let mut rng = StdRng::seed_from_u64(3);
        let pw = generate_password(&mut rng, 12);
        assert_eq!(pw.len(), 12);
        let printed = format_password(&pw);
        assert_eq!(printed.len(), 14);
        assert_eq!(printed.matches('-').count(), 2);
        assert_eq!(normalize_typed_password(&printed.to_uppercase()), pw);
        let full_width: String = printed
            .chars()
            .map(|c| char::from_u32(c as u32 + 0xFEE0).unwrap())
            .collect();
        assert_eq!(normalize_typed_password(&full_width), pw);
        assert_eq!(
            normalize_typed_password(&format!(" {} ", printed.replace('-', " "))),
            pw
        );
    }
}
