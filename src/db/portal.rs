//! SQL the portal steps need beyond accounts and sessions: provisional and temporary
//! credentials, email confirmation tokens, and finding a member for "forgot ID".

use rusqlite::{Connection, OptionalExtension, params};

use crate::error::Result;

/// A provisional or temporary credential.
#[derive(Debug, Clone)]
pub struct Credential {
    pub id: i64,
    pub member_id: i64,
    pub password_hash: Option<String>,
    pub state: String,
    pub expires_at: String,
    pub end_reason: Option<String>,
}

const CREDENTIAL: &str =
    "SELECT id, member_id, password_hash, state, expires_at, end_reason FROM credentials";

fn credential(r: &rusqlite::Row<'_>) -> rusqlite::Result<Credential> {
    Ok(Credential {
        id: r.get(0)?,
        member_id: r.get(1)?,
        password_hash: r.get(2)?,
        state: r.get(3)?,
        expires_at: r.get(4)?,
        end_reason: r.get(5)?,
    })
}

/// The provisional credential a login ID was issued with.
pub fn provisional_by_login_id(conn: &Connection, login_id: &str) -> Result<Option<Credential>> {
    Ok(conn
        .prepare_cached(&format!(
            "{CREDENTIAL} WHERE login_id = ?1 AND kind = 'provisional'"
        ))?
        .query_row([login_id], credential)
        .optional()?)
}

/// A member's live temporary password (there is at most one), expired by time or not.
pub fn live_temporary(conn: &Connection, member_id: i64) -> Result<Option<Credential>> {
    Ok(conn
        .prepare_cached(&format!(
            "{CREDENTIAL} WHERE member_id = ?1 AND kind = 'temporary' AND state = 'live'"
        ))?
        .query_row([member_id], credential)
        .optional()?)
}

/// Whether a credential is still live (not used, revoked or expired by a job).
pub fn is_live(conn: &Connection, id: i64) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT state = 'live' FROM credentials WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?
        .unwrap_or(false))
}

/// Ends a live credential: 'used' (with used_at) or 'expired'. False when it was no longer
/// live (another step ended it first).
pub fn end_credential(conn: &Connection, id: i64, state: &str, now: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached(
            "UPDATE credentials
            SET state = ?2, ended_at = ?3,
                used_at = CASE WHEN ?2 = 'used' THEN ?3 ELSE used_at END
          WHERE id = ?1 AND state = 'live'",
        )?
        .execute(params![id, state, now])?
        == 1)
}

#[derive(Debug, Clone)]
pub struct EmailToken {
    pub id: i64,
    pub member_id: i64,
    pub email: String,
    pub expires_at: String,
    pub used_at: Option<String>,
    pub revoked_at: Option<String>,
}

pub fn email_token_by_hash(conn: &Connection, token_hash: &str) -> Result<Option<EmailToken>> {
    Ok(conn
        .prepare_cached(
            "SELECT id, member_id, email, expires_at, used_at, revoked_at
               FROM email_tokens WHERE token_hash = ?1",
        )?
        .query_row([token_hash], |r| {
            Ok(EmailToken {
                id: r.get(0)?,
                member_id: r.get(1)?,
                email: r.get(2)?,
                expires_at: r.get(3)?,
                used_at: r.get(4)?,
                revoked_at: r.get(5)?,
            })
        })
        .optional()?)
}

pub fn use_email_token(conn: &Connection, id: i64, now: &str) -> Result<()> {
    conn.prepare_cached("UPDATE email_tokens SET used_at = ?2 WHERE id = ?1 AND used_at IS NULL")?
        .execute(params![id, now])?;
    Ok(())
}

/// The member id of an insured person (branch 00) by 記号・番号.
pub fn insured_member_id(conn: &Connection, symbol: &str, number: &str) -> Result<Option<i64>> {
    Ok(conn
        .prepare_cached(
            "SELECT id FROM members WHERE symbol = ?1 AND number = ?2 AND branch = '00'",
        )?
        .query_row(params![symbol, number], |r| r.get(0))
        .optional()?)
}
