//! Reading the audit trail: listing it with filters and checking its hash chain.

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::Connection;

use crate::audit::{self, Verification};
use crate::db::audit::{AuditFilter, AuditRow};
use crate::error::Result;
use crate::ops::status::find_member;
use crate::{clock, db};

/// Filters for [`list`]; `None` means any.
#[derive(Debug, Default, Clone)]
pub struct ListOptions {
    /// Anything `hagaki status MEMBER` accepts; rows of that household.
    pub member: Option<String>,
    pub action: Option<String>,
    pub since: Option<DateTime<Utc>>,
    /// The newest N rows (still listed oldest first).
    pub limit: Option<i64>,
}

/// The rows matching the filters, oldest first. An unknown member is exit 4.
pub fn list(conn: &Connection, opts: &ListOptions) -> Result<Vec<AuditRow>> {
    let member_id = match &opts.member {
        Some(m) => Some(find_member(conn, m)?.household.id),
        None => None,
    };
    db::audit::list(
        conn,
        &AuditFilter {
            member_id,
            action: opts.action.clone(),
            since: opts.since.map(clock::to_db),
            limit: opts.limit,
        },
    )
}

/// Walks the whole chain (see `audit::verify`).
pub fn verify(conn: &Connection) -> Result<Verification> {
    audit::verify(conn)
}

/// A `--since` value: `YYYY-MM-DD` (the start of that day in Japan) or an RFC 3339 time.
pub fn parse_since(text: &str) -> Result<DateTime<Utc>, String> {
    let text = text.trim();
    if let Ok(day) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return day
            .and_hms_opt(0, 0, 0)
            .and_then(|t| t.and_local_timezone(clock::jst()).single())
            .map(|t| t.with_timezone(&Utc))
            .ok_or_else(|| format!("{text:?} is not a date"));
    }
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| {
            format!("{text:?} is neither YYYY-MM-DD (a day in Japan) nor an RFC 3339 time")
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_a_day_means_midnight_in_japan() {
        assert_eq!(
            clock::to_db(parse_since("2026-11-18").unwrap()),
            "2026-11-17T15:00:00Z"
        );
        assert_eq!(
            clock::to_db(parse_since("2026-11-18T10:00:00+09:00").unwrap()),
            "2026-11-18T01:00:00Z"
        );
        assert!(parse_since("2026-13-01").is_err());
        assert!(parse_since("yesterday").is_err());
    }
}
