//! Site and policy settings: every key, its default, how a value is checked, and a typed
//! view for the rest of the library. Administrators change them with `hagaki config set`.

use std::collections::BTreeMap;

use rusqlite::Connection;

use crate::db;
use crate::error::{Error, Result};
use crate::insurer::InsurerNumber;

/// What a setting's value must look like.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    Text,
    InsurerNumber,
    Url,
    Email,
    Int {
        min: i64,
        max: i64,
    },
    OnOff,
    /// Comma-separated minutes, each greater than the one before (mail retry back-off).
    Minutes,
}

/// One setting: its key, default (`None`: set by `hagaki init`) and meaning.
#[derive(Debug)]
pub struct Def {
    pub key: &'static str,
    pub default: Option<&'static str>,
    pub kind: Kind,
    pub help: &'static str,
}

const fn int(min: i64, max: i64) -> Kind {
    Kind::Int { min, max }
}

/// Every setting hagaki knows, with the defaults of the product contract.
pub const DEFS: &[Def] = &[
    Def {
        key: "insurer_number",
        default: None,
        kind: Kind::InsurerNumber,
        help: "保険者番号: 8 digits with a Luhn check digit",
    },
    Def {
        key: "insurer_name",
        default: None,
        kind: Kind::Text,
        help: "the society's name, printed on postcards and used as the mail sender name",
    },
    Def {
        key: "portal_url",
        default: None,
        kind: Kind::Url,
        help: "the member portal's address, printed on postcards and in mail",
    },
    Def {
        key: "mail_from",
        default: Some("noreply@example.invalid"),
        kind: Kind::Email,
        help: "sender address of every mail",
    },
    Def {
        key: "mail_retry_minutes",
        default: Some("1,5,30,120,720"),
        kind: Kind::Minutes,
        help: "waits before each retry of a transiently failed mail; after the last, the mail is dead",
    },
    Def {
        key: "provisional_id_length",
        default: Some("10"),
        kind: int(8, 16),
        help: "characters in a provisional ID, check character included",
    },
    Def {
        key: "provisional_password_length",
        default: Some("12"),
        kind: int(10, 32),
        help: "characters in a provisional password",
    },
    Def {
        key: "provisional_valid_days",
        default: Some("90"),
        kind: int(1, 730),
        help: "days a provisional credential stays valid from its issue date",
    },
    Def {
        key: "user_id_min_length",
        default: Some("8"),
        kind: int(4, 64),
        help: "shortest member user ID",
    },
    Def {
        key: "user_id_max_length",
        default: Some("13"),
        kind: int(4, 64),
        help: "longest member user ID",
    },
    Def {
        key: "password_min_length",
        default: Some("8"),
        kind: int(8, 128),
        help: "shortest member password",
    },
    Def {
        key: "password_max_length",
        default: Some("64"),
        kind: int(8, 1024),
        help: "longest member password",
    },
    Def {
        key: "argon2_memory_kib",
        default: Some("19456"),
        kind: int(8192, 4_194_304),
        help: "argon2id memory cost for new hashes (KiB)",
    },
    Def {
        key: "argon2_iterations",
        default: Some("2"),
        kind: int(1, 100),
        help: "argon2id time cost for new hashes",
    },
    Def {
        key: "argon2_parallelism",
        default: Some("1"),
        kind: int(1, 16),
        help: "argon2id lanes for new hashes",
    },
    Def {
        key: "lockout_threshold",
        default: Some("5"),
        kind: int(1, 1000),
        help: "consecutive failed logins or identity checks that lock an account",
    },
    Def {
        key: "lockout_minutes",
        default: Some("30"),
        kind: int(1, 525_600),
        help: "how long a lock lasts before it ends by itself",
    },
    Def {
        key: "temporary_password_valid_hours",
        default: Some("24"),
        kind: int(1, 720),
        help: "validity of a temporary password sent by mail",
    },
    Def {
        key: "email_token_valid_hours",
        default: Some("24"),
        kind: int(1, 720),
        help: "validity of an email confirmation token",
    },
    Def {
        key: "session_valid_minutes",
        default: Some("30"),
        kind: int(1, 1440),
        help: "validity of a portal session",
    },
    Def {
        key: "maintenance_window",
        default: Some("on"),
        kind: Kind::OnOff,
        help: "refuse portal steps in the monthly maintenance window",
    },
    Def {
        key: "maintenance_day",
        default: Some("25"),
        kind: int(1, 28),
        help: "day of the month of the maintenance window (moved back to a business day)",
    },
    Def {
        key: "maintenance_start_hour",
        default: Some("21"),
        kind: int(0, 23),
        help: "hour (Japan time) the maintenance window starts",
    },
    Def {
        key: "maintenance_end_hour",
        default: Some("24"),
        kind: int(1, 24),
        help: "hour (Japan time) the maintenance window ends; 24 is midnight",
    },
    Def {
        key: "terms_version",
        default: Some("1"),
        kind: Kind::Text,
        help: "version of the terms of use members agree to",
    },
];

pub fn def(key: &str) -> Result<&'static Def> {
    DEFS.iter().find(|d| d.key == key).ok_or_else(|| {
        Error::not_found(format!("setting {key:?}"))
            .with_hint("`hagaki config show` lists every setting")
    })
}

/// Checks a value for a setting and returns it in its stored form.
pub fn validate(def: &Def, value: &str) -> Result<String> {
    let value = value.trim();
    let bad = |why: String| Error::bad_input(format!("{} = {value:?}: {why}", def.key));
    match def.kind {
        Kind::Text if value.is_empty() => Err(bad("must not be empty".into())),
        Kind::Text => Ok(value.to_string()),
        Kind::InsurerNumber => InsurerNumber::parse(value)
            .map(|n| n.to_string())
            .map_err(|e| bad(e.to_string())),
        Kind::Url if value.starts_with("https://") || value.starts_with("http://") => {
            Ok(value.to_string())
        }
        Kind::Url => Err(bad("must start with https:// or http://".into())),
        Kind::Email if crate::email::is_plausible(value) => Ok(value.to_string()),
        Kind::Email => Err(bad("is not an email address".into())),
        Kind::Int { min, max } => match value.parse::<i64>() {
            Ok(n) if (min..=max).contains(&n) => Ok(n.to_string()),
            _ => Err(bad(format!("must be a whole number from {min} to {max}"))),
        },
        Kind::OnOff => match value {
            "on" | "off" => Ok(value.to_string()),
            _ => Err(bad("must be on or off".into())),
        },
        Kind::Minutes => parse_minutes(value)
            .map(|_| value.to_string())
            .ok_or_else(|| bad("must be rising whole minutes separated by commas".into())),
    }
}

fn parse_minutes(value: &str) -> Option<Vec<u32>> {
    let steps: Vec<u32> = value
        .split(',')
        .map(|s| s.trim().parse().ok().filter(|&m| m > 0))
        .collect::<Option<_>>()?;
    let rising = steps.windows(2).all(|w| w[0] < w[1]);
    (rising && !steps.is_empty()).then_some(steps)
}

/// Stores a setting after checking it.
pub fn set(conn: &Connection, key: &str, value: &str) -> Result<String> {
    let def = def(key)?;
    let value = validate(def, value)?;
    if key.starts_with("user_id_") || key.starts_with("password_") {
        check_length_pair(conn, key, &value)?;
    }
    db::settings::put(conn, key, &value)?;
    Ok(value)
}

/// A minimum above its maximum would refuse every user ID or password.
fn check_length_pair(conn: &Connection, key: &str, value: &str) -> Result<()> {
    let mut map = current(conn)?;
    map.insert(key.to_string(), value.to_string());
    for prefix in ["user_id", "password"] {
        let min: i64 = map[&format!("{prefix}_min_length")].parse().unwrap_or(0);
        let max: i64 = map[&format!("{prefix}_max_length")].parse().unwrap_or(0);
        if min > max {
            return Err(Error::bad_input(format!(
                "{prefix}_min_length ({min}) would be above {prefix}_max_length ({max})"
            )));
        }
    }
    Ok(())
}

/// Every setting with its value: the stored one, else the default.
pub fn current(conn: &Connection) -> Result<BTreeMap<String, String>> {
    let mut map: BTreeMap<String, String> = DEFS
        .iter()
        .filter_map(|d| Some((d.key.to_string(), d.default?.to_string())))
        .collect();
    map.extend(db::settings::all(conn)?);
    Ok(map)
}

/// The settings as typed values, read once per command.
#[derive(Debug, Clone)]
pub struct Settings {
    pub insurer_number: InsurerNumber,
    pub insurer_name: String,
    pub portal_url: String,
    pub mail_from: String,
    pub mail_retry_minutes: Vec<u32>,
    pub provisional_id_length: usize,
    pub provisional_password_length: usize,
    pub provisional_valid_days: i64,
    pub user_id_min_length: usize,
    pub user_id_max_length: usize,
    pub password_min_length: usize,
    pub password_max_length: usize,
    pub argon2_memory_kib: u32,
    pub argon2_iterations: u32,
    pub argon2_parallelism: u32,
    pub lockout_threshold: i64,
    pub lockout_minutes: i64,
    pub temporary_password_valid_hours: i64,
    pub email_token_valid_hours: i64,
    pub session_valid_minutes: i64,
    pub maintenance_window: bool,
    pub maintenance_day: u32,
    pub maintenance_start_hour: u32,
    pub maintenance_end_hour: u32,
    pub terms_version: String,
}

impl Settings {
    pub fn load(conn: &Connection) -> Result<Self> {
        let map = current(conn)?;
        let text = |key: &str| -> Result<String> {
            map.get(key).cloned().ok_or_else(|| {
                Error::not_found(format!("setting {key}")).with_hint("run `hagaki init` first")
            })
        };
        let num = |key: &str| -> Result<i64> {
            text(key)?
                .parse()
                .map_err(|_| Error::Internal(anyhow::anyhow!("setting {key} holds a non-number")))
        };
        Ok(Settings {
            insurer_number: InsurerNumber::parse(&text("insurer_number")?)
                .map_err(|e| Error::Internal(anyhow::anyhow!("stored insurer_number: {e}")))?,
            insurer_name: text("insurer_name")?,
            portal_url: text("portal_url")?,
            mail_from: text("mail_from")?,
            mail_retry_minutes: parse_minutes(&text("mail_retry_minutes")?).unwrap_or_default(),
            provisional_id_length: num("provisional_id_length")? as usize,
            provisional_password_length: num("provisional_password_length")? as usize,
            provisional_valid_days: num("provisional_valid_days")?,
            user_id_min_length: num("user_id_min_length")? as usize,
            user_id_max_length: num("user_id_max_length")? as usize,
            password_min_length: num("password_min_length")? as usize,
            password_max_length: num("password_max_length")? as usize,
            argon2_memory_kib: num("argon2_memory_kib")? as u32,
            argon2_iterations: num("argon2_iterations")? as u32,
            argon2_parallelism: num("argon2_parallelism")? as u32,
            lockout_threshold: num("lockout_threshold")?,
            lockout_minutes: num("lockout_minutes")?,
            temporary_password_valid_hours: num("temporary_password_valid_hours")?,
            email_token_valid_hours: num("email_token_valid_hours")?,
            session_valid_minutes: num("session_valid_minutes")?,
            maintenance_window: text("maintenance_window")? == "on",
            maintenance_day: num("maintenance_day")? as u32,
            maintenance_start_hour: num("maintenance_start_hour")? as u32,
            maintenance_end_hour: num("maintenance_end_hour")? as u32,
            terms_version: text("terms_version")?,
        })
    }

    /// The argon2id parameters new hashes are made with.
    pub fn hash_params(&self) -> crate::secret::HashParams {
        crate::secret::HashParams {
            memory_kib: self.argon2_memory_kib,
            iterations: self.argon2_iterations,
            parallelism: self.argon2_parallelism,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn initialised() -> Connection {
        let conn = db::in_memory().unwrap();
        set(&conn, "insurer_number", "06130090").unwrap();
        set(&conn, "insurer_name", "テスト健康保険組合").unwrap();
        set(&conn, "portal_url", "https://portal.example.jp/").unwrap();
        conn
    }

    #[test]
    fn defaults_match_the_product_contract() {
        let s = Settings::load(&initialised()).unwrap();
        assert_eq!(s.provisional_id_length, 10);
        assert_eq!(s.provisional_password_length, 12);
        assert_eq!(s.provisional_valid_days, 90);
        assert_eq!((s.user_id_min_length, s.user_id_max_length), (8, 13));
        assert_eq!((s.password_min_length, s.password_max_length), (8, 64));
        assert_eq!(
            (
                s.argon2_memory_kib,
                s.argon2_iterations,
                s.argon2_parallelism
            ),
            (19456, 2, 1)
        );
        assert_eq!((s.lockout_threshold, s.lockout_minutes), (5, 30));
        assert_eq!(s.temporary_password_valid_hours, 24);
        assert_eq!(s.email_token_valid_hours, 24);
        assert!(s.maintenance_window);
        assert_eq!(
            (
                s.maintenance_day,
                s.maintenance_start_hour,
                s.maintenance_end_hour
            ),
            (25, 21, 24)
        );
        assert_eq!(s.mail_retry_minutes, vec![1, 5, 30, 120, 720]);
    }

    #[test]
    fn set_refuses_bad_values_and_unknown_keys() {
        let conn = initialised();
        assert!(matches!(
            set(&conn, "lockout_threshold", "0"),
            Err(Error::BadInput { .. })
        ));
        assert!(matches!(
            set(&conn, "insurer_number", "06130091"),
            Err(Error::BadInput { .. })
        ));
        assert!(matches!(
            set(&conn, "mail_retry_minutes", "5,1"),
            Err(Error::BadInput { .. })
        ));
        assert!(matches!(
            set(&conn, "password_min_length", "65"),
            Err(Error::BadInput { .. })
        ));
        assert!(matches!(
            set(&conn, "no_such_key", "1"),
            Err(Error::NotFound { .. })
        ));
        assert_eq!(set(&conn, "lockout_threshold", " 7 ").unwrap(), "7");
        assert_eq!(Settings::load(&conn).unwrap().lockout_threshold, 7);
    }
}
