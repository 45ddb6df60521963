//! SQL for provisional credentials (postcard) and the login-ID namespace they reserve.
//!
//! A provisional credential is 'pending' (no password hash yet, or not yet in a finished print
//! file) until its batch is issued; only then 'live'.

use rusqlite::{Connection, OptionalExtension, params};

use crate::error::Result;

/// Reserves a login ID for ever; false when it (ignoring case) was ever handed out before.
pub fn reserve_login_id(conn: &Connection, login_id: &str, member_id: i64) -> Result<bool> {
    let added = conn
        .prepare_cached(
            "INSERT INTO login_ids (login_id, member_id, kind) VALUES (?1, ?2, 'provisional')
             ON CONFLICT (login_id) DO NOTHING",
        )?
        .execute(params![login_id, member_id])?;
    Ok(added == 1)
}

pub struct NewProvisional<'a> {
    pub member_id: i64,
    pub login_id: &'a str,
    pub batch_id: i64,
    pub batch_seq: i64,
    pub issued_at: &'a str,
    pub expires_at: &'a str,
}

pub fn insert_pending(conn: &Connection, c: &NewProvisional<'_>) -> Result<i64> {
    conn.prepare_cached(
        "INSERT INTO credentials (member_id, kind, login_id, batch_id, batch_seq, state, issued_at, expires_at)
         VALUES (?1, 'provisional', ?2, ?3, ?4, 'pending', ?5, ?6)",
    )?
    .execute(params![
        c.member_id,
        c.login_id,
        c.batch_id,
        c.batch_seq,
        c.issued_at,
        c.expires_at
    ])?;
    Ok(conn.last_insert_rowid())
}

/// What one print row needs from the database (the password is minted when the row is written).
#[derive(Debug, Clone)]
pub struct PrintSource {
    pub credential_id: i64,
    pub seq: i64,
    pub login_id: String,
    pub member_id: i64,
    pub postal_code: String,
    pub address1: String,
    pub address2: String,
    pub name: String,
}

/// The batch's rows after `after_seq`, in print order, at most `limit` of them.
pub fn print_sources(
    conn: &Connection,
    batch_id: i64,
    after_seq: i64,
    limit: usize,
) -> Result<Vec<PrintSource>> {
    let mut stmt = conn.prepare_cached(
        "SELECT c.id, c.batch_seq, c.login_id, m.id, m.postal_code, m.address1, m.address2, m.name
         FROM credentials c JOIN members m ON m.id = c.member_id
         WHERE c.batch_id = ?1 AND c.batch_seq > ?2
         ORDER BY c.batch_seq LIMIT ?3",
    )?;
    let rows = stmt.query_map(params![batch_id, after_seq, limit as i64], |r| {
        Ok(PrintSource {
            credential_id: r.get(0)?,
            seq: r.get(1)?,
            login_id: r.get(2)?,
            member_id: r.get(3)?,
            postal_code: r.get(4)?,
            address1: r.get(5)?,
            address2: r.get(6)?,
            name: r.get(7)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Stores a pending credential's password hash.
pub fn set_hash(conn: &Connection, credential_id: i64, hash: &str) -> Result<()> {
    conn.prepare_cached(
        "UPDATE credentials SET password_hash = ?2 WHERE id = ?1 AND state = 'pending'",
    )?
    .execute(params![credential_id, hash])?;
    Ok(())
}

/// Pending credentials of a batch that still have no hash: a finished file has none.
pub fn missing_hashes(conn: &Connection, batch_id: i64) -> Result<i64> {
    Ok(conn
        .prepare_cached(
            "SELECT count(*) FROM credentials
             WHERE batch_id = ?1 AND state = 'pending' AND password_hash IS NULL",
        )?
        .query_row([batch_id], |r| r.get(0))?)
}

/// Revokes the live provisional credential of every member the batch prints anew.
pub fn revoke_superseded(
    conn: &Connection,
    batch_id: i64,
    now: &str,
    reason: &str,
) -> Result<usize> {
    Ok(conn
        .prepare_cached(
            "UPDATE credentials SET state = 'revoked', ended_at = ?2, end_reason = ?3
             WHERE kind = 'provisional' AND state = 'live' AND member_id IN
                 (SELECT member_id FROM credentials WHERE batch_id = ?1 AND state = 'pending')",
        )?
        .execute(params![batch_id, now, reason])?)
}

/// Makes a batch's pending credentials live.
pub fn make_live(conn: &Connection, batch_id: i64) -> Result<usize> {
    Ok(conn
        .prepare_cached(
            "UPDATE credentials SET state = 'live' WHERE batch_id = ?1 AND state = 'pending'",
        )?
        .execute([batch_id])?)
}

/// Revokes a batch's credentials in the given state ('pending' for an abandoned batch,
/// 'live' for a voided one: a used credential stays used).
pub fn revoke_batch(
    conn: &Connection,
    batch_id: i64,
    state: &str,
    now: &str,
    reason: &str,
) -> Result<usize> {
    Ok(conn
        .prepare_cached(
            "UPDATE credentials SET state = 'revoked', ended_at = ?3, end_reason = ?4
             WHERE batch_id = ?1 AND state = ?2",
        )?
        .execute(params![batch_id, state, now, reason])?)
}

/// How many of a batch's credentials are in each state.
pub fn state_counts(conn: &Connection, batch_id: i64) -> Result<Vec<(String, i64)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT state, count(*) FROM credentials WHERE batch_id = ?1 GROUP BY state ORDER BY state",
    )?;
    let rows = stmt.query_map([batch_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The member's live provisional credential's batch, if any.
pub fn live_provisional_batch(conn: &Connection, member_id: i64) -> Result<Option<Option<i64>>> {
    Ok(conn
        .prepare_cached(
            "SELECT batch_id FROM credentials
             WHERE member_id = ?1 AND kind = 'provisional' AND state = 'live'",
        )?
        .query_row([member_id], |r| r.get(0))
        .optional()?)
}
