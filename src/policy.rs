//! The rules for a member's own user ID and password (product.md, "Rules and defaults").
//!
//! Each check returns one message per broken rule, so a member fixes everything in one go.

use chrono::NaiveDate;

use crate::credential;
use crate::text;

/// Lengths from the settings.
#[derive(Debug, Clone, Copy)]
pub struct Lengths {
    pub min: usize,
    pub max: usize,
}

/// A user ID as typed: full-width forms folded, surrounding spaces dropped.
pub fn normalize_user_id(input: &str) -> String {
    text::normalize(input)
}

/// Whether an ID has the shape of a provisional ID (its length, every character from the
/// postcard alphabet ignoring case). Such a user ID is refused, so that a login with a
/// mistyped provisional ID can be caught by its check character before any lookup matters.
pub fn looks_provisional(id: &str, provisional_len: usize) -> bool {
    id.len() == provisional_len
        && id
            .bytes()
            .all(|c| credential::ALPHABET.contains(&c.to_ascii_uppercase()))
}

/// The user ID rules that need no database: length, characters, not provisional-shaped.
/// (Uniqueness is checked against `login_ids`.)
pub fn check_user_id(id: &str, len: Lengths, provisional_len: usize) -> Vec<String> {
    let mut broken = Vec::new();
    let n = id.chars().count();
    if n < len.min || n > len.max {
        broken.push(format!(
            "user ID: must be {} to {} characters (it has {n})",
            len.min, len.max
        ));
    }
    let bad: String = id
        .chars()
        .filter(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
        .collect();
    if !bad.is_empty() {
        broken.push(format!(
            "user ID: may hold only half-width letters, digits, '.', '_' and '-' (not {bad:?})"
        ));
    }
    if bad.is_empty() && looks_provisional(id, provisional_len) {
        broken.push(format!(
            "user ID: must not look like a provisional ID ({provisional_len} characters from \
             the postcard alphabet); add a '.', '_', '-' or a letter such as l or o"
        ));
    }
    broken
}

/// What a password must not contain, about its owner.
#[derive(Debug, Clone, Copy)]
pub struct Owner<'a> {
    pub user_id: &'a str,
    pub birth_date: NaiveDate,
    pub email: Option<&'a str>,
}

/// The birth date as people write it in passwords.
fn birth_date_forms(d: NaiveDate) -> Vec<String> {
    ["%Y%m%d", "%y%m%d", "%m%d%Y", "%d%m%Y", "%m%d", "%d%m"]
        .iter()
        .map(|f| d.format(f).to_string())
        .collect()
}

/// Checks a new password; one message per broken rule, empty when it is acceptable.
pub fn check_password(password: &str, len: Lengths, owner: Owner<'_>) -> Vec<String> {
    let mut broken = Vec::new();
    let n = password.chars().count();
    if n < len.min || n > len.max {
        broken.push(format!(
            "password: must be {} to {} characters (it has {n})",
            len.min, len.max
        ));
    }
    if password.chars().any(char::is_control) {
        broken.push("password: must not contain control characters".to_string());
    }
    let lower = password.to_lowercase();
    if !owner.user_id.is_empty() && lower.contains(&owner.user_id.to_lowercase()) {
        broken.push("password: must not contain the user ID".to_string());
    }
    // Separators are dropped so that 1979-08-22 and 1979/08/22 are caught too.
    let digits_only: String = password
        .chars()
        .filter(|c| !matches!(c, '-' | '/' | '.' | ' '))
        .collect();
    if birth_date_forms(owner.birth_date)
        .iter()
        .any(|form| digits_only.contains(form.as_str()))
    {
        broken.push("password: must not contain the birth date".to_string());
    }
    // The estimator is only worth running on a password of a sane length.
    if n >= len.min && n <= len.max {
        let mut inputs = vec![owner.user_id];
        inputs.extend(owner.email);
        let estimate = zxcvbn::zxcvbn(password, &inputs);
        if u8::from(estimate.score()) < 3 {
            let why = estimate
                .feedback()
                .and_then(|f| f.warning())
                .map(|w| format!(" ({w})"))
                .unwrap_or_default();
            broken.push(format!(
                "password: too easy to guess{why}; use a longer mix of unrelated words"
            ));
        }
    }
    broken
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID_LEN: Lengths = Lengths { min: 8, max: 13 };
    const PW_LEN: Lengths = Lengths { min: 8, max: 64 };

    fn owner() -> Owner<'static> {
        Owner {
            user_id: "taro.yamada",
            birth_date: NaiveDate::from_ymd_opt(1979, 8, 22).unwrap(),
            email: Some("taro@example.jp"),
        }
    }

    #[test]
    fn a_good_user_id_passes() {
        assert!(check_user_id("taro.yamada", ID_LEN, 10).is_empty());
        assert!(check_user_id("A_b-9.xyz", ID_LEN, 10).is_empty());
    }

    #[test]
    fn each_broken_user_id_rule_has_its_message() {
        assert_eq!(
            check_user_id("ab", ID_LEN, 10),
            vec!["user ID: must be 8 to 13 characters (it has 2)"]
        );
        let broken = check_user_id("山田たろう@x", ID_LEN, 10);
        assert_eq!(broken.len(), 2, "{broken:?}");
        assert!(broken[1].contains("\"山田たろう@\""), "{broken:?}");
        assert!(check_user_id("ABCDEFGHJK", ID_LEN, 10)[0].contains("provisional ID"));
        assert!(check_user_id("abcdefghjk", ID_LEN, 10)[0].contains("provisional ID"));
        assert!(check_user_id("abcdefghjkl", ID_LEN, 10).is_empty());
    }

    #[test]
    fn a_strong_password_passes() {
        assert_eq!(
            check_password("kaminari-Ume-sakura-47", PW_LEN, owner()),
            Vec::<String>::new()
        );
    }

    #[test]
    fn each_broken_password_rule_has_its_message() {
        assert_eq!(
            check_password("Xq7!", PW_LEN, owner())[0],
            "password: must be 8 to 64 characters (it has 4)"
        );
        let has_id = check_password("TARO.YAMADA-kaminari-ume", PW_LEN, owner());
        assert_eq!(has_id, vec!["password: must not contain the user ID"]);
        for pw in [
            "kaminari19790822ume",
            "kaminari790822ume",
            "kaminari-ume-0822x",
            "kaminari1979-08-22",
        ] {
            assert_eq!(
                check_password(pw, PW_LEN, owner()),
                vec!["password: must not contain the birth date"],
                "{pw}"
            );
        }
        let weak = check_password("password123", PW_LEN, owner());
        assert_eq!(weak.len(), 1, "{weak:?}");
        assert!(
            weak[0].starts_with("password: too easy to guess"),
            "{weak:?}"
        );
    }

    #[test]
    fn several_broken_rules_are_all_listed() {
        let broken = check_password("taro.yamada0822", PW_LEN, owner());
        assert!(broken.contains(&"password: must not contain the user ID".to_string()));
        assert!(broken.contains(&"password: must not contain the birth date".to_string()));
    }
}
