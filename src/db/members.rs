//! SQL for the `members` and `accounts` tables as roster import and member lookup use them.
//!
//! An import marks the members already in the database that its roster names in the TEMP
//! table `import_seen` (member id and roster line); members it inserts are those with an id
//! above the largest before it began (`max_before`). Duplicates, dependents without their
//! insured person and missing households are then found by SQL instead of by holding a
//! million keys in memory.

use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::error::Result;
use crate::member_key::MemberKey;
use crate::roster::MemberRow;

/// What an import needs to know about a member already in the database.
#[derive(Debug, Clone)]
pub struct Existing {
    pub id: i64,
    pub row_hash: String,
    pub retired_at: Option<String>,
}

/// (Re)creates the empty TEMP table that records the members a roster names, with a cache
/// (16 MiB) that holds a million of its rows instead of spilling them to a temp file.
pub fn begin_import(conn: &Connection) -> Result<()> {
    conn.execute_batch(
        "CREATE TEMP TABLE IF NOT EXISTS import_seen (
             id   INTEGER PRIMARY KEY,
             line INTEGER NOT NULL
         );
         DELETE FROM temp.import_seen;
         PRAGMA temp.cache_size = -16384;",
    )?;
    Ok(())
}

pub fn end_import(conn: &Connection) -> Result<()> {
    conn.execute_batch("DROP TABLE IF EXISTS temp.import_seen;")?;
    Ok(())
}

pub fn find_for_import(conn: &Connection, key: &MemberKey) -> Result<Option<Existing>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, row_hash, retired_at FROM members
         WHERE symbol = ?1 AND number = ?2 AND branch = ?3",
    )?;
    Ok(stmt
        .query_row(params![key.symbol, key.number, key.branch], |r| {
            Ok(Existing {
                id: r.get(0)?,
                row_hash: r.get(1)?,
                retired_at: r.get(2)?,
            })
        })
        .optional()?)
}

/// Records that the roster names member `id` on `line`; returns the earlier line when it
/// already did (a duplicate).
pub fn mark_seen(conn: &Connection, id: i64, line: u64) -> Result<Option<u64>> {
    let inserted = conn
        .prepare_cached("INSERT OR IGNORE INTO temp.import_seen (id, line) VALUES (?1, ?2)")?
        .execute(params![id, line as i64])?;
    if inserted == 1 {
        return Ok(None);
    }
    let first: i64 = conn
        .prepare_cached("SELECT line FROM temp.import_seen WHERE id = ?1")?
        .query_row([id], |r| r.get(0))?;
    Ok(Some(first as u64))
}

/// The largest member id (0 when there are none). Members are never deleted, so every id an
/// import inserts is above the value it read at its start.
pub fn max_id(conn: &Connection) -> Result<i64> {
    Ok(conn
        .prepare_cached("SELECT coalesce(max(id), 0) FROM members")?
        .query_row([], |r| r.get(0))?)
}

/// Inserts a member unless one with the same key exists (then `None`). The account rows of
/// new households follow in [`create_accounts`].
pub fn insert(
    conn: &Connection,
    row: &MemberRow,
    row_hash: &str,
    now: &str,
    retired_at: Option<&str>,
) -> Result<Option<i64>> {
    let lost_on = row.lost_on.map(|d| d.to_string());
    let inserted = conn
        .prepare_cached(
            "INSERT INTO members (symbol, number, branch, name, name_kana, birth_date, postal_code,
                              address1, address2, lost_on, row_hash, created_at, updated_at,
                              retired_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12, ?13)
         ON CONFLICT (symbol, number, branch) DO NOTHING",
        )?
        .execute(params![
            row.key.symbol,
            row.key.number,
            row.key.branch,
            row.name,
            row.name_kana,
            row.birth_date.to_string(),
            row.postal_code,
            row.address1,
            row.address2,
            lost_on,
            row_hash,
            now,
            retired_at,
        ])?;
    if inserted == 0 {
        return Ok(None);
    }
    Ok(Some(conn.last_insert_rowid()))
}

/// Gives every insured person inserted by this import (id above `max_before`) the
/// household's account row: one statement for the whole roster instead of one per household.
pub fn create_accounts(conn: &Connection, max_before: i64) -> Result<usize> {
    Ok(conn
        .prepare_cached(
            "INSERT INTO accounts (member_id)
             SELECT id FROM members WHERE id > ?1 AND branch = '00' ORDER BY id",
        )?
        .execute([max_before])?)
}

/// Rewrites a member's roster fields in place (the id, and so the account, stay).
pub fn update(
    conn: &Connection,
    id: i64,
    row: &MemberRow,
    row_hash: &str,
    now: &str,
    retired_at: Option<&str>,
) -> Result<()> {
    let lost_on = row.lost_on.map(|d| d.to_string());
    conn.prepare_cached(
        "UPDATE members SET name = ?2, name_kana = ?3, birth_date = ?4, postal_code = ?5,
                            address1 = ?6, address2 = ?7, lost_on = ?8, row_hash = ?9,
                            updated_at = ?10, retired_at = ?11
         WHERE id = ?1",
    )?
    .execute(params![
        id,
        row.name,
        row.name_kana,
        row.birth_date.to_string(),
        row.postal_code,
        row.address1,
        row.address2,
        lost_on,
        row_hash,
        now,
        retired_at,
    ])?;
    Ok(())
}

/// Sets or clears `retired_at` only (the roster row itself is unchanged).
pub fn set_retired(conn: &Connection, id: i64, retired_at: Option<&str>, now: &str) -> Result<()> {
    conn.prepare_cached("UPDATE members SET retired_at = ?2, updated_at = ?3 WHERE id = ?1")?
        .execute(params![id, retired_at, now])?;
    Ok(())
}

/// Dependents the roster names whose insured person it does not: (member id, branch, and the
/// roster line when the member was already in the database; inserted ones have no line here).
pub fn dependents_without_insured(
    conn: &Connection,
    max_before: i64,
) -> Result<Vec<(i64, String, Option<u64>)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT m.id, m.branch, s.line
         FROM members m LEFT JOIN temp.import_seen s ON s.id = m.id
         WHERE m.branch <> '00' AND (m.id > ?1 OR s.id IS NOT NULL)
           AND NOT EXISTS (
               SELECT 1 FROM members h
               WHERE h.symbol = m.symbol AND h.number = m.number AND h.branch = '00'
                 AND (h.id > ?1 OR EXISTS (SELECT 1 FROM temp.import_seen hs WHERE hs.id = h.id)))",
    )?;
    let rows = stmt.query_map([max_before], |r| {
        Ok((
            r.get(0)?,
            r.get(1)?,
            r.get::<_, Option<i64>>(2)?.map(|l| l as u64),
        ))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Insured persons (one per household), not retired, that the roster does not name.
pub fn missing_households(conn: &Connection, max_before: i64) -> Result<Vec<i64>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id FROM members m
         WHERE branch = '00' AND retired_at IS NULL AND id <= ?1
           AND NOT EXISTS (SELECT 1 FROM temp.import_seen s WHERE s.id = m.id)
         ORDER BY id",
    )?;
    let ids = stmt.query_map([max_before], |r| r.get(0))?;
    Ok(ids.collect::<rusqlite::Result<_>>()?)
}

/// Dependents, not retired, that the roster leaves out while naming their household.
pub fn missing_dependents(conn: &Connection, max_before: i64) -> Result<Vec<i64>> {
    let mut stmt = conn.prepare_cached(
        "SELECT m.id FROM members m
         WHERE m.branch <> '00' AND m.retired_at IS NULL AND m.id <= ?1
           AND NOT EXISTS (SELECT 1 FROM temp.import_seen s WHERE s.id = m.id)
           AND EXISTS (
               SELECT 1 FROM members h
               WHERE h.symbol = m.symbol AND h.number = m.number AND h.branch = '00'
                 AND (h.id > ?1 OR EXISTS (SELECT 1 FROM temp.import_seen hs WHERE hs.id = h.id)))
         ORDER BY m.id",
    )?;
    let ids = stmt.query_map([max_before], |r| r.get(0))?;
    Ok(ids.collect::<rusqlite::Result<_>>()?)
}

/// Retires every member the roster does not name (whole missing households included).
pub fn retire_unseen(conn: &Connection, max_before: i64, now: &str) -> Result<usize> {
    Ok(conn
        .prepare_cached(
            "UPDATE members SET retired_at = ?2, updated_at = ?2
             WHERE retired_at IS NULL AND id <= ?1
               AND NOT EXISTS (SELECT 1 FROM temp.import_seen s WHERE s.id = members.id)",
        )?
        .execute(params![max_before, now])?)
}

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

/// The connection's page cache setting (`PRAGMA cache_size`: pages, or KiB when negative).
pub fn cache_size(conn: &Connection) -> Result<i64> {
    Ok(conn.pragma_query_value(None, "cache_size", |r| r.get(0))?)
}

pub fn set_cache_size(conn: &Connection, value: i64) -> Result<()> {
    conn.pragma_update(None, "cache_size", value)?;
    Ok(())
}
