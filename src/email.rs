//! Email addresses as members type them: normalised and checked for the shape mail needs.

use crate::text;

/// Normalises an address as typed (full-width forms, spaces) and checks its shape.
pub fn normalize(input: &str) -> Option<String> {
    let addr = text::normalize(input);
    is_plausible(&addr).then_some(addr)
}

/// A deliberately modest check: one `@`, a local part, a dotted domain, no spaces or
/// angle brackets. Whether the address works is what the confirmation mail finds out.
pub fn is_plausible(addr: &str) -> bool {
    let Some((local, domain)) = addr.split_once('@') else {
        return false;
    };
    let ok_chars = |s: &str| {
        !s.is_empty()
            && s.is_ascii()
            && !s
                .chars()
                .any(|c| c.is_whitespace() || "<>()[]\\,;:\"@".contains(c))
    };
    addr.len() <= 254
        && ok_chars(local)
        && ok_chars(domain)
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_and_full_width_addresses() {
        assert_eq!(
            normalize(" taro@example.jp ").as_deref(),
            Some("taro@example.jp")
        );
        assert_eq!(
            normalize("ｔａｒｏ＠ｅｘａｍｐｌｅ．ｊｐ").as_deref(),
            Some("taro@example.jp")
        );
    }

    #[test]
    fn rejects_what_cannot_be_an_address() {
        for bad in [
            "",
            "taro",
            "taro@",
            "@example.jp",
            "taro@example",
            "a b@example.jp",
            "a@b@c.jp",
        ] {
            assert!(!is_plausible(bad), "{bad} passed");
        }
    }
}
