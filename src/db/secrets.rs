//! SQL for the secrets minted when a mail is sent: email confirmation tokens and temporary
//! passwords. Only their digests or hashes are written.

use rusqlite::{Connection, params};

use crate::error::Result;

/// Ends every unused confirmation token of a member (a newer mail replaces them).
pub fn revoke_email_tokens(conn: &Connection, member_id: i64, now: &str) -> Result<usize> {
    Ok(conn
        .prepare_cached(
            "UPDATE email_tokens SET revoked_at = ?2
             WHERE member_id = ?1 AND used_at IS NULL AND revoked_at IS NULL",
        )?
        .execute(params![member_id, now])?)
}

pub struct NewEmailToken<'a> {
    pub member_id: i64,
    pub outbox_id: i64,
    pub email: &'a str,
    pub token_hash: &'a str,
    pub created_at: &'a str,
    pub expires_at: &'a str,
}

pub fn insert_email_token(conn: &Connection, t: &NewEmailToken<'_>) -> Result<i64> {
    conn.prepare_cached(
        "INSERT INTO email_tokens (member_id, outbox_id, email, token_hash, created_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        t.member_id,
        t.outbox_id,
        t.email,
        t.token_hash,
        t.created_at,
        t.expires_at
    ])?;
    Ok(conn.last_insert_rowid())
}

/// Ends a member's live temporary password, if any (a newer one replaces it).
pub fn revoke_temporary_passwords(
    conn: &Connection,
    member_id: i64,
    now: &str,
    reason: &str,
) -> Result<usize> {
    Ok(conn
        .prepare_cached(
            "UPDATE credentials SET state = 'revoked', ended_at = ?2, end_reason = ?3
             WHERE member_id = ?1 AND kind = 'temporary' AND state IN ('pending', 'live')",
        )?
        .execute(params![member_id, now, reason])?)
}

pub struct NewTemporaryPassword<'a> {
    pub member_id: i64,
    pub outbox_id: i64,
    pub password_hash: &'a str,
    pub issued_at: &'a str,
    pub expires_at: &'a str,
}

pub fn insert_temporary_password(conn: &Connection, t: &NewTemporaryPassword<'_>) -> Result<i64> {
    conn.prepare_cached(
        "INSERT INTO credentials (member_id, kind, password_hash, outbox_id, state, issued_at, expires_at)
         VALUES (?1, 'temporary', ?2, ?3, 'live', ?4, ?5)",
    )?
    .execute(params![
        t.member_id,
        t.password_hash,
        t.outbox_id,
        t.issued_at,
        t.expires_at
    ])?;
    Ok(conn.last_insert_rowid())
}

/// Ends the secret minted for one mail whose delivery failed: its confirmation token or its
/// temporary password, found by the outbox row that carried it.
pub fn revoke_minted_for_mail(conn: &Connection, outbox_id: i64, now: &str) -> Result<usize> {
    let tokens = conn
        .prepare_cached(
            "UPDATE email_tokens SET revoked_at = ?2
             WHERE outbox_id = ?1 AND used_at IS NULL AND revoked_at IS NULL",
        )?
        .execute(params![outbox_id, now])?;
    let passwords = conn
        .prepare_cached(
            "UPDATE credentials SET state = 'revoked', ended_at = ?2,
                    end_reason = 'its mail was not delivered'
             WHERE outbox_id = ?1 AND kind = 'temporary' AND state IN ('pending', 'live')",
        )?
        .execute(params![outbox_id, now])?;
    Ok(tokens + passwords)
}
