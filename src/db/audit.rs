//! SQL for the `audit` and `audit_head` tables.

use rusqlite::{Connection, OptionalExtension, params};

use crate::error::Result;

/// A stored audit row.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AuditRow {
    pub id: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub member_id: Option<i64>,
    pub outcome: String,
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

/// The newest row count and hash, if any row was ever written.
pub fn head(conn: &Connection) -> Result<Option<(i64, String)>> {
    Ok(conn
        .query_row(
            "SELECT count, hash FROM audit_head WHERE one = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?)
}

pub fn insert(conn: &Connection, row: &AuditRow) -> Result<i64> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO audit (at, actor, action, member_id, outcome, detail, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?;
    stmt.execute(params![
        row.at,
        row.actor,
        row.action,
        row.member_id,
        row.outcome,
        row.detail,
        row.prev_hash,
        row.hash
    ])?;
    let id = conn.last_insert_rowid();
    conn.prepare_cached(
        "INSERT INTO audit_head (one, count, hash) VALUES (1, 1, ?1)
         ON CONFLICT (one) DO UPDATE SET count = count + 1, hash = excluded.hash",
    )?
    .execute([&row.hash])?;
    Ok(id)
}

/// Filters for listing the trail; `None` means any.
#[derive(Debug, Default, Clone)]
pub struct AuditFilter {
    pub member_id: Option<i64>,
    pub action: Option<String>,
    /// Rows at or after this stored time.
    pub since: Option<String>,
    pub limit: Option<i64>,
}

/// Rows matching the filter, oldest first (the newest `limit` of them when limited).
pub fn list(conn: &Connection, filter: &AuditFilter) -> Result<Vec<AuditRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT * FROM (
             SELECT id, at, actor, action, member_id, outcome, detail, prev_hash, hash FROM audit
             WHERE (?1 IS NULL OR member_id = ?1)
               AND (?2 IS NULL OR action = ?2)
               AND (?3 IS NULL OR at >= ?3)
             ORDER BY id DESC LIMIT ?4)
         ORDER BY id",
    )?;
    let rows = stmt.query_map(
        params![
            filter.member_id,
            filter.action,
            filter.since,
            filter.limit.unwrap_or(-1)
        ],
        row_from_sql,
    )?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Calls `f` on every row in chain order without holding them all in memory.
pub fn for_each(conn: &Connection, mut f: impl FnMut(AuditRow) -> Result<()>) -> Result<()> {
    let mut stmt = conn.prepare(
        "SELECT id, at, actor, action, member_id, outcome, detail, prev_hash, hash
         FROM audit ORDER BY id",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        f(row_from_sql(r)?)?;
    }
    Ok(())
}

fn row_from_sql(r: &rusqlite::Row<'_>) -> rusqlite::Result<AuditRow> {
    Ok(AuditRow {
        id: r.get(0)?,
        at: r.get(1)?,
        actor: r.get(2)?,
        action: r.get(3)?,
        member_id: r.get(4)?,
        outcome: r.get(5)?,
        detail: r.get(6)?,
        prev_hash: r.get(7)?,
        hash: r.get(8)?,
    })
}
