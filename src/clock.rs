//! The one place hagaki reads the time: the system clock, or `HAGAKI_NOW` when pinned.

use chrono::{DateTime, FixedOffset, NaiveDate, SecondsFormat, Utc};

use crate::error::{Error, Result};

/// Japan Standard Time: UTC+9, no daylight saving. Dates shown to people are JST dates.
pub fn jst() -> FixedOffset {
    FixedOffset::east_opt(9 * 3600).expect("UTC+9 is a valid offset")
}

/// A source of "now". Pinned in tests and drills through `HAGAKI_NOW` (RFC 3339).
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    pinned: Option<DateTime<Utc>>,
}

impl Clock {
    pub fn system() -> Self {
        Clock { pinned: None }
    }

    pub fn pinned(at: DateTime<Utc>) -> Self {
        Clock { pinned: Some(at) }
    }

    /// The system clock, unless `HAGAKI_NOW` pins it.
    pub fn from_env() -> Result<Self> {
        match std::env::var("HAGAKI_NOW") {
            Ok(text) if !text.trim().is_empty() => {
                let at = DateTime::parse_from_rfc3339(text.trim()).map_err(|e| {
                    Error::Usage(format!("HAGAKI_NOW={text:?} is not an RFC 3339 time: {e}"))
                })?;
                Ok(Clock::pinned(at.with_timezone(&Utc)))
            }
            _ => Ok(Clock::system()),
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.pinned.unwrap_or_else(Utc::now)
    }

    /// Today's date in Japan.
    pub fn today_jst(&self) -> NaiveDate {
        self.now().with_timezone(&jst()).date_naive()
    }
}

/// The text form of a time stored in the database: RFC 3339 UTC, whole seconds, `Z`.
/// Text in this form sorts in time order, so SQL can compare it directly.
pub fn to_db(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Parses a time written by [`to_db`].
pub fn from_db(text: &str) -> Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| Error::Internal(anyhow::anyhow!("bad time {text:?} in database: {e}")))
}

/// A stored UTC time as people in Japan read it: `2026-11-25 21:00 JST`.
pub fn show_jst(at: DateTime<Utc>) -> String {
    at.with_timezone(&jst())
        .format("%Y-%m-%d %H:%M JST")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn db_text_round_trips_and_sorts() {
        let a = DateTime::parse_from_rfc3339("2026-01-02T03:04:05+09:00")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(to_db(a), "2026-01-01T18:04:05Z");
        assert_eq!(from_db(&to_db(a)).unwrap(), a);
        assert!(to_db(a) < to_db(a + chrono::Duration::seconds(1)));
    }

    #[test]
    fn today_is_the_japanese_date() {
        let late_utc = DateTime::parse_from_rfc3339("2026-11-25T16:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(
            Clock::pinned(late_utc).today_jst(),
            NaiveDate::from_ymd_opt(2026, 11, 26).unwrap()
        );
        assert_eq!(show_jst(late_utc), "2026-11-26 01:00 JST");
    }
}
