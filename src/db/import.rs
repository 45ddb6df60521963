//! SQL of the roster import: look members up by key, insert and update them, and find
//! duplicates, dependents without their insured person and missing households.
//!
//! An import marks the members already in the database that its roster names in the TEMP
//! table `import_seen` (member id and roster line); members it inserts are those with an id
//! above the largest before it began (`max_before`). Missing households are then found by
//! SQL instead of by holding a million keys in memory.

use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension, Statement, params};

use crate::error::Result;
use crate::member_key::MemberKey;
use crate::roster::MemberRow;

/// What an import needs to know about a member already in the database.
#[derive(Debug, Clone)]
pub struct Existing {
    pub id: i64,
    pub fields: StoredFields,
    pub retired_at: Option<String>,
}

/// A member's roster fields as stored (the key aside), to tell whether a roster row changes
/// them.
#[derive(Debug, Clone)]
pub struct StoredFields {
    name: String,
    name_kana: String,
    birth_date: String,
    postal_code: String,
    address1: String,
    address2: String,
    lost_on: Option<String>,
}

impl StoredFields {
    pub fn same_as(&self, row: &MemberRow) -> bool {
        self.name == row.name
            && self.name_kana == row.name_kana
            && self.birth_date == date_column(row.birth_date)
            && self.postal_code == row.postal_code
            && self.address1 == row.address1
            && self.address2 == row.address2
            && self.lost_on == row.lost_on.map(date_column)
    }
}

/// How the date columns hold a date: ISO 8601, `2024-04-01` (chrono's `Display`).
fn date_column(date: NaiveDate) -> String {
    date.to_string()
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
        "SELECT id, retired_at, name, name_kana, birth_date, postal_code, address1, address2,
                lost_on
         FROM members WHERE symbol = ?1 AND number = ?2 AND branch = ?3",
    )?;
    Ok(stmt
        .query_row(params![key.symbol, key.number, key.branch], |r| {
            Ok(Existing {
                id: r.get(0)?,
                retired_at: r.get(1)?,
                fields: StoredFields {
                    name: r.get(2)?,
                    name_kana: r.get(3)?,
                    birth_date: r.get(4)?,
                    postal_code: r.get(5)?,
                    address1: r.get(6)?,
                    address2: r.get(7)?,
                    lost_on: r.get(8)?,
                },
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

/// Rows one multi-row insert takes: each statement costs SQLite a fixed setup (program,
/// cursors, seek to the end of table and index) that a row-at-a-time insert pays per row.
pub const ROWS_PER_INSERT: usize = 32;

/// Parameters a member row binds (the import time is shared, as `?1`).
const ROW_PARAMS: usize = 11;

/// A new member to insert: the row and, when its 資格喪失日 has passed, when it retired.
pub type NewMember<'r> = (&'r MemberRow, Option<&'r str>);

/// Inserts new members, one row or [`ROWS_PER_INSERT`] rows at a time, with statements held
/// for the whole import and the import's time bound once.
pub struct MemberInsert<'c> {
    conn: &'c Connection,
    one: Statement<'c>,
    many: Statement<'c>,
}

impl<'c> MemberInsert<'c> {
    pub fn new(conn: &'c Connection, now: &str) -> Result<Self> {
        let mut one = conn.prepare(&insert_sql(1))?;
        let mut many = conn.prepare(&insert_sql(ROWS_PER_INSERT))?;
        // Bindings outlive each execution: the time stays bound for every row.
        one.raw_bind_parameter(1, now)?;
        many.raw_bind_parameter(1, now)?;
        Ok(Self { conn, one, many })
    }

    /// Inserts a member unless one with the same key exists (then `None`). The account rows
    /// of new households follow in [`create_accounts`].
    pub fn insert(&mut self, member: NewMember<'_>) -> Result<Option<i64>> {
        bind_row(&mut self.one, 0, member)?;
        if self.one.raw_execute()? == 0 {
            return Ok(None);
        }
        Ok(Some(self.conn.last_insert_rowid()))
    }

    /// Inserts exactly [`ROWS_PER_INSERT`] members, skipping any whose key exists; returns
    /// how many were inserted. Inserted rows take consecutive ids in their order, the last
    /// being `last_insert_rowid`.
    pub fn insert_many(&mut self, members: &[NewMember<'_>]) -> Result<usize> {
        assert_eq!(members.len(), ROWS_PER_INSERT, "a full chunk of rows");
        for (i, member) in members.iter().enumerate() {
            bind_row(&mut self.many, i, *member)?;
        }
        Ok(self.many.raw_execute()?)
    }
}

/// `INSERT … VALUES (…), (…) …` for `rows` members, `?1` being the time for all of them.
fn insert_sql(rows: usize) -> String {
    let values: Vec<String> = (0..rows)
        .map(|i| {
            let p = |k: usize| format!("?{}", 1 + i * ROW_PARAMS + k);
            format!(
                "({}, {}, {}, {}, {}, {}, {}, {}, {}, {}, ?1, ?1, {})",
                p(1),
                p(2),
                p(3),
                p(4),
                p(5),
                p(6),
                p(7),
                p(8),
                p(9),
                p(10),
                p(11)
            )
        })
        .collect();
    format!(
        "INSERT INTO members (symbol, number, branch, name, name_kana, birth_date, postal_code,
                              address1, address2, lost_on, created_at, updated_at, retired_at)
         VALUES {}
         ON CONFLICT (symbol, number, branch) DO NOTHING",
        values.join(", ")
    )
}

/// Binds member `(row, retired_at)` as the `i`th row of an insert.
fn bind_row(s: &mut Statement<'_>, i: usize, (row, retired_at): NewMember<'_>) -> Result<()> {
    let base = 1 + i * ROW_PARAMS;
    s.raw_bind_parameter(base + 1, &row.key.symbol)?;
    s.raw_bind_parameter(base + 2, &row.key.number)?;
    s.raw_bind_parameter(base + 3, &row.key.branch)?;
    s.raw_bind_parameter(base + 4, &row.name)?;
    s.raw_bind_parameter(base + 5, &row.name_kana)?;
    s.raw_bind_parameter(base + 6, date_column(row.birth_date))?;
    s.raw_bind_parameter(base + 7, &row.postal_code)?;
    s.raw_bind_parameter(base + 8, &row.address1)?;
    s.raw_bind_parameter(base + 9, &row.address2)?;
    s.raw_bind_parameter(base + 10, row.lost_on.map(date_column))?;
    s.raw_bind_parameter(base + 11, retired_at)?;
    Ok(())
}

/// Gives every insured person with an id in `(after, upto]` their household's (empty) portal
/// account. One statement for many households: a statement that fires a trigger, as an
/// insert into `accounts` does, copies each page it changes to a statement journal first, so
/// one insert per household cost more than the rest of a million-row import.
pub fn create_accounts(conn: &Connection, after: i64, upto: i64) -> Result<usize> {
    Ok(conn
        .prepare_cached(
            "INSERT INTO accounts (member_id)
             SELECT id FROM members WHERE id > ?1 AND id <= ?2 AND branch = '00' ORDER BY id",
        )?
        .execute([after, upto])?)
}

/// Rewrites a member's roster fields in place (the id, and so the account, stay).
pub fn update(
    conn: &Connection,
    id: i64,
    row: &MemberRow,
    now: &str,
    retired_at: Option<&str>,
) -> Result<()> {
    let lost_on = row.lost_on.map(date_column);
    conn.prepare_cached(
        "UPDATE members SET name = ?2, name_kana = ?3, birth_date = ?4, postal_code = ?5,
                            address1 = ?6, address2 = ?7, lost_on = ?8, updated_at = ?9,
                            retired_at = ?10
         WHERE id = ?1",
    )?
    .execute(params![
        id,
        row.name,
        row.name_kana,
        date_column(row.birth_date),
        row.postal_code,
        row.address1,
        row.address2,
        lost_on,
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

/// The branch of dependent `id` when the roster does not name its household's insured
/// person (`None` when it does): that member was inserted by this import (an id above
/// `max_before`) or is in `temp.import_seen`.
pub fn dependent_without_insured(
    conn: &Connection,
    id: i64,
    max_before: i64,
) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached(
            "SELECT m.branch FROM members m
             WHERE m.id = ?1 AND NOT EXISTS (
                 SELECT 1 FROM members h
                 WHERE h.symbol = m.symbol AND h.number = m.number AND h.branch = '00'
                   AND (h.id > ?2 OR EXISTS (SELECT 1 FROM temp.import_seen s WHERE s.id = h.id)))",
        )?
        .query_row([id, max_before], |r| r.get(0))
        .optional()?)
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

/// The connection's page cache setting (`PRAGMA cache_size`: pages, or KiB when negative).
pub fn cache_size(conn: &Connection) -> Result<i64> {
    Ok(conn.pragma_query_value(None, "cache_size", |r| r.get(0))?)
}

pub fn set_cache_size(conn: &Connection, value: i64) -> Result<()> {
    conn.pragma_update(None, "cache_size", value)?;
    Ok(())
}
