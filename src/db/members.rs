//! SQL for looking members up as staff see them: by key, by household, by name.

use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::error::Result;
use crate::member_key::MemberKey;

/// A member as staff see them.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Member {
    /// The opaque member id (used in the audit trail).
    pub id: i64,
    /// `SYMBOL-NUMBER[-BRANCH]`.
    pub key: String,
    pub branch: String,
    pub name: String,
    pub name_kana: String,
    pub birth_date: String,
    pub postal_code: String,
    pub address1: String,
    pub address2: String,
    pub lost_on: Option<String>,
    pub retired_at: Option<String>,
}

impl Member {
    pub fn member_key(&self) -> MemberKey {
        MemberKey::parse(&self.key).expect("stored keys are well formed")
    }
}

const MEMBER_COLUMNS: &str = "id, symbol, number, branch, name, name_kana, birth_date, \
     postal_code, address1, address2, lost_on, retired_at";

fn member_from_row(r: &Row<'_>) -> rusqlite::Result<Member> {
    let key = MemberKey {
        symbol: r.get(1)?,
        number: r.get(2)?,
        branch: r.get(3)?,
    };
    Ok(Member {
        id: r.get(0)?,
        key: key.to_string(),
        branch: key.branch,
        name: r.get(4)?,
        name_kana: r.get(5)?,
        birth_date: r.get(6)?,
        postal_code: r.get(7)?,
        address1: r.get(8)?,
        address2: r.get(9)?,
        lost_on: r.get(10)?,
        retired_at: r.get(11)?,
    })
}

pub fn get_by_key(conn: &Connection, key: &MemberKey) -> Result<Option<Member>> {
    let sql = format!(
        "SELECT {MEMBER_COLUMNS} FROM members WHERE symbol = ?1 AND number = ?2 AND branch = ?3"
    );
    Ok(conn
        .prepare_cached(&sql)?
        .query_row(params![key.symbol, key.number, key.branch], member_from_row)
        .optional()?)
}

/// Everyone in a household, the insured person first.
pub fn household(conn: &Connection, key: &MemberKey) -> Result<Vec<Member>> {
    let sql = format!(
        "SELECT {MEMBER_COLUMNS} FROM members WHERE symbol = ?1 AND number = ?2 ORDER BY branch"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params![key.symbol, key.number], member_from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Members whose name (or kana name) contains `needle`, spaces ignored on both sides; the
/// caller normalises `needle` the way the column was normalised at import.
pub fn find(conn: &Connection, by_kana: bool, needle: &str, limit: i64) -> Result<Vec<Member>> {
    // The column name is one of two constants, never data.
    let column = if by_kana { "name_kana" } else { "name" };
    let sql = format!(
        "SELECT {MEMBER_COLUMNS} FROM members
         WHERE instr(replace({column}, ' ', ''), ?1) > 0
         ORDER BY symbol, number, branch LIMIT ?2"
    );
    let needle = needle.replace(' ', "");
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params![needle, limit], member_from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The state of a household's portal account, without any hash or secret.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AccountSummary {
    pub registered: bool,
    pub user_id: Option<String>,
    pub email_confirmed: bool,
    pub locked_until: Option<String>,
}

pub fn account_summary(conn: &Connection, member_id: i64) -> Result<Option<AccountSummary>> {
    Ok(conn
        .prepare_cached(
            "SELECT registered_at IS NOT NULL, user_id, email_confirmed_at IS NOT NULL,
                    locked_until
             FROM accounts WHERE member_id = ?1",
        )?
        .query_row([member_id], |r| {
            Ok(AccountSummary {
                registered: r.get(0)?,
                user_id: r.get(1)?,
                email_confirmed: r.get(2)?,
                locked_until: r.get(3)?,
            })
        })
        .optional()?)
}
