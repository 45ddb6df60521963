//! SQL for the `sessions` table: portal sessions, stored by the SHA-256 of their token.

use rusqlite::{Connection, OptionalExtension, params};

use crate::error::Result;

#[derive(Debug, Clone)]
pub struct Session {
    pub id: i64,
    pub member_id: i64,
    pub credential_id: Option<i64>,
    pub stage: String,
    pub expires_at: String,
    pub ended_at: Option<String>,
}

pub struct NewSession<'a> {
    pub token_hash: &'a str,
    pub member_id: i64,
    pub credential_id: Option<i64>,
    pub stage: &'a str,
    pub created_at: &'a str,
    pub expires_at: &'a str,
}

pub fn insert(conn: &Connection, s: &NewSession<'_>) -> Result<i64> {
    conn.prepare_cached(
        "INSERT INTO sessions (token_hash, member_id, credential_id, stage, created_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        s.token_hash,
        s.member_id,
        s.credential_id,
        s.stage,
        s.created_at,
        s.expires_at
    ])?;
    Ok(conn.last_insert_rowid())
}

pub fn by_token_hash(conn: &Connection, token_hash: &str) -> Result<Option<Session>> {
    Ok(conn
        .prepare_cached(
            "SELECT id, member_id, credential_id, stage, expires_at, ended_at
               FROM sessions WHERE token_hash = ?1",
        )?
        .query_row([token_hash], |r| {
            Ok(Session {
                id: r.get(0)?,
                member_id: r.get(1)?,
                credential_id: r.get(2)?,
                stage: r.get(3)?,
                expires_at: r.get(4)?,
                ended_at: r.get(5)?,
            })
        })
        .optional()?)
}

pub fn set_stage(conn: &Connection, id: i64, stage: &str) -> Result<()> {
    conn.prepare_cached("UPDATE sessions SET stage = ?2 WHERE id = ?1")?
        .execute(params![id, stage])?;
    Ok(())
}

pub fn end(conn: &Connection, id: i64, now: &str) -> Result<()> {
    conn.prepare_cached("UPDATE sessions SET ended_at = ?2 WHERE id = ?1 AND ended_at IS NULL")?
        .execute(params![id, now])?;
    Ok(())
}
