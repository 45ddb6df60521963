//! SQL for postcard batches and for choosing the members a batch prints.

use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::error::Result;
use crate::member_key::MemberKey;

/// A batch as stored.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Batch {
    pub id: i64,
    pub kind: String,
    pub state: String,
    pub created_at: String,
    pub actor: String,
    pub issued_on: String,
    pub expires_on: String,
    pub member_count: i64,
    pub file_name: Option<String>,
    pub file_sha256: Option<String>,
    pub encoding: Option<String>,
    pub reason: Option<String>,
    pub voided_at: Option<String>,
    pub void_reason: Option<String>,
}

const COLUMNS: &str = "id, kind, state, created_at, actor, issued_on, expires_on, member_count,
    file_name, file_sha256, encoding, reason, voided_at, void_reason";

fn from_row(r: &Row<'_>) -> rusqlite::Result<Batch> {
    Ok(Batch {
        id: r.get(0)?,
        kind: r.get(1)?,
        state: r.get(2)?,
        created_at: r.get(3)?,
        actor: r.get(4)?,
        issued_on: r.get(5)?,
        expires_on: r.get(6)?,
        member_count: r.get(7)?,
        file_name: r.get(8)?,
        file_sha256: r.get(9)?,
        encoding: r.get(10)?,
        reason: r.get(11)?,
        voided_at: r.get(12)?,
        void_reason: r.get(13)?,
    })
}

pub struct NewBatch<'a> {
    pub kind: &'a str,
    pub created_at: &'a str,
    pub actor: &'a str,
    pub issued_on: &'a str,
    pub expires_on: &'a str,
    pub member_count: i64,
    pub file_name: &'a str,
    pub encoding: &'a str,
    pub reason: Option<&'a str>,
}

/// A new batch, 'pending' until its print file is complete.
pub fn insert(conn: &Connection, b: &NewBatch<'_>) -> Result<i64> {
    conn.prepare_cached(
        "INSERT INTO batches (kind, state, created_at, actor, issued_on, expires_on, member_count,
                              file_name, encoding, reason)
         VALUES (?1, 'pending', ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        b.kind,
        b.created_at,
        b.actor,
        b.issued_on,
        b.expires_on,
        b.member_count,
        b.file_name,
        b.encoding,
        b.reason
    ])?;
    Ok(conn.last_insert_rowid())
}

pub fn get(conn: &Connection, id: i64) -> Result<Option<Batch>> {
    let sql = format!("SELECT {COLUMNS} FROM batches WHERE id = ?1");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([id], from_row)
        .optional()?)
}

/// Every batch, newest first.
pub fn list(conn: &Connection) -> Result<Vec<Batch>> {
    let sql = format!("SELECT {COLUMNS} FROM batches ORDER BY id DESC");
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Batches left 'pending': under the issue lock, those belong to runs that died.
pub fn pending(conn: &Connection) -> Result<Vec<Batch>> {
    let sql = format!("SELECT {COLUMNS} FROM batches WHERE state = 'pending' ORDER BY id");
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Records the finished file's digest, still 'pending': the file is not in place yet.
pub fn record_digest(conn: &Connection, id: i64, sha256: &str) -> Result<()> {
    conn.prepare_cached("UPDATE batches SET file_sha256 = ?2 WHERE id = ?1 AND state = 'pending'")?
        .execute(params![id, sha256])?;
    Ok(())
}

pub fn set_state(conn: &Connection, id: i64, from: &str, to: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached("UPDATE batches SET state = ?3 WHERE id = ?1 AND state = ?2")?
        .execute(params![id, from, to])?
        == 1)
}

pub fn mark_voided(conn: &Connection, id: i64, at: &str, reason: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached(
            "UPDATE batches SET state = 'voided', voided_at = ?2, void_reason = ?3
             WHERE id = ?1 AND state = 'issued'",
        )?
        .execute(params![id, at, reason])?
        == 1)
}

/// Insured persons who can get a first postcard: not retired, not past their 資格喪失日,
/// not registered, and holding no live or pending provisional credential. `only` narrows to
/// given members; `limit` takes the first N in roster order. Returned in print order.
pub fn eligible_members(
    conn: &Connection,
    today: &str,
    only: Option<&[i64]>,
    limit: Option<usize>,
) -> Result<Vec<i64>> {
    let only_json = only.map(|ids| serde_json::to_string(ids).expect("ids serialise"));
    let mut stmt = conn.prepare_cached(
        "SELECT id FROM (
             SELECT m.id, m.postal_code FROM members m
             LEFT JOIN accounts a ON a.member_id = m.id
             WHERE m.branch = '00' AND m.retired_at IS NULL
               AND (m.lost_on IS NULL OR m.lost_on > ?1)
               AND a.registered_at IS NULL
               AND (?2 IS NULL OR m.id IN (SELECT value FROM json_each(?2)))
               AND NOT EXISTS (SELECT 1 FROM credentials c
                               WHERE c.member_id = m.id AND c.kind = 'provisional'
                                 AND c.state IN ('pending', 'live'))
             ORDER BY m.id LIMIT ?3)
         ORDER BY postal_code, id",
    )?;
    let limit = limit.map_or(-1, |n| n as i64);
    let rows = stmt.query_map(params![today, only_json, limit], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Members for a reminder postcard: insured persons holding a credential from an issued batch
/// (`batch`, or any), not retired, not registered, who never passed the identity check.
pub fn reminder_members(conn: &Connection, batch: Option<i64>) -> Result<Vec<i64>> {
    let mut stmt = conn.prepare_cached(
        "SELECT m.id FROM members m
         LEFT JOIN accounts a ON a.member_id = m.id
         WHERE m.branch = '00' AND m.retired_at IS NULL
           AND a.registered_at IS NULL AND a.identity_checked_at IS NULL
           AND EXISTS (SELECT 1 FROM credentials c JOIN batches b ON b.id = c.batch_id
                       WHERE c.member_id = m.id AND c.kind = 'provisional'
                         AND b.state = 'issued' AND (?1 IS NULL OR b.id = ?1))
           AND NOT EXISTS (SELECT 1 FROM credentials c
                           WHERE c.member_id = m.id AND c.kind = 'provisional'
                             AND c.state = 'pending')
         ORDER BY m.postal_code, m.id",
    )?;
    let rows = stmt.query_map([batch], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Sorts given member ids into print order (postal code, then id).
pub fn print_order(conn: &Connection, ids: &[i64]) -> Result<Vec<i64>> {
    let json = serde_json::to_string(ids).expect("ids serialise");
    let mut stmt = conn.prepare_cached(
        "SELECT id FROM members WHERE id IN (SELECT value FROM json_each(?1))
         ORDER BY postal_code, id",
    )?;
    let rows = stmt.query_map([json], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// A member and the account facts that decide how a credential can be reissued.
#[derive(Debug, Clone)]
pub struct MemberState {
    pub id: i64,
    pub branch: String,
    pub retired: bool,
    pub registered: bool,
    pub email: Option<String>,
    pub email_confirmed: bool,
    pub user_id: Option<String>,
    pub lost_on: Option<String>,
    /// Holds a live or pending provisional credential.
    pub has_provisional: bool,
}

pub fn member_by_key(conn: &Connection, key: &MemberKey) -> Result<Option<MemberState>> {
    Ok(conn
        .prepare_cached(
            "SELECT m.id, m.branch, m.retired_at IS NOT NULL, a.registered_at IS NOT NULL,
                    a.email, a.email_confirmed_at IS NOT NULL, a.user_id, m.lost_on,
                    EXISTS (SELECT 1 FROM credentials c
                            WHERE c.member_id = m.id AND c.kind = 'provisional'
                              AND c.state IN ('pending', 'live'))
             FROM members m LEFT JOIN accounts a ON a.member_id = m.id
             WHERE m.symbol = ?1 AND m.number = ?2 AND m.branch = ?3",
        )?
        .query_row(params![key.symbol, key.number, key.branch], |r| {
            Ok(MemberState {
                id: r.get(0)?,
                branch: r.get(1)?,
                retired: r.get(2)?,
                registered: r.get::<_, Option<bool>>(3)?.unwrap_or(false),
                email: r.get(4)?,
                email_confirmed: r.get::<_, Option<bool>>(5)?.unwrap_or(false),
                user_id: r.get(6)?,
                lost_on: r.get(7)?,
                has_provisional: r.get(8)?,
            })
        })
        .optional()?)
}

/// The member fields that go on a postcard, for every member of a batch, in print order.
pub fn for_each_printed_member(
    conn: &Connection,
    batch_id: i64,
    mut f: impl FnMut(i64, &str, &str, &str, &str),
) -> Result<()> {
    let mut stmt = conn.prepare_cached(
        "SELECT m.id, m.name, m.postal_code, m.address1, m.address2
         FROM credentials c JOIN members m ON m.id = c.member_id
         WHERE c.batch_id = ?1 ORDER BY c.batch_seq",
    )?;
    let mut rows = stmt.query([batch_id])?;
    while let Some(r) = rows.next()? {
        let text = |i: usize| -> rusqlite::Result<&str> {
            r.get_ref(i)?.as_str().map_err(|e| {
                rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, e.into())
            })
        };
        f(r.get(0)?, text(1)?, text(2)?, text(3)?, text(4)?);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db;

    fn member(conn: &Connection, number: &str, branch: &str, postal: &str) -> i64 {
        conn.execute(
            "INSERT INTO members (symbol, number, branch, name, birth_date, postal_code, created_at,
                                  updated_at)
             VALUES ('S', ?1, ?2, '山田 太郎', '1980-01-01', ?3, 't', 't')",
            params![number, branch, postal],
        )
        .unwrap();
        let id = conn.last_insert_rowid();
        if branch == "00" {
            conn.execute("INSERT INTO accounts (member_id) VALUES (?1)", [id])
                .unwrap();
        }
        id
    }

    #[test]
    fn eligible_members_are_unregistered_active_insured_persons_in_postal_order() {
        let conn = db::in_memory().unwrap();
        let a = member(&conn, "1", "00", "5300001");
        member(&conn, "1", "01", "0000001"); // dependent
        let b = member(&conn, "2", "00", "1000001");
        let retired = member(&conn, "3", "00", "1000002");
        conn.execute(
            "UPDATE members SET retired_at = 'x' WHERE id = ?1",
            [retired],
        )
        .unwrap();
        let lost = member(&conn, "4", "00", "1000003");
        conn.execute(
            "UPDATE members SET lost_on = '2026-11-01' WHERE id = ?1",
            [lost],
        )
        .unwrap();
        let registered = member(&conn, "5", "00", "1000004");
        conn.execute(
            "UPDATE accounts SET registered_at = 'x' WHERE member_id = ?1",
            [registered],
        )
        .unwrap();
        let holder = member(&conn, "6", "00", "1000005");
        conn.execute(
            "INSERT INTO credentials (member_id, kind, login_id, password_hash, state, issued_at, expires_at)
             VALUES (?1, 'provisional', 'X', 'h', 'live', 't', 't')",
            [holder],
        )
        .unwrap();
        let today = "2026-11-18";
        assert_eq!(
            eligible_members(&conn, today, None, None).unwrap(),
            vec![b, a]
        );
        assert_eq!(
            eligible_members(&conn, today, None, Some(1)).unwrap(),
            vec![a]
        );
        assert_eq!(
            eligible_members(&conn, today, Some(&[b, registered]), None).unwrap(),
            vec![b]
        );
        // Someone whose 資格喪失日 is still ahead gets a postcard.
        assert_eq!(
            eligible_members(&conn, "2026-10-31", None, None).unwrap(),
            vec![b, lost, a]
        );
    }
}
