//! SQL for the support desk's view of one household: finding a member by what a caller
//! knows (key, user ID, provisional ID, email), its account, credentials and mail, and
//! clearing a lock.

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use crate::error::Result;

/// A roster member: who they are and where they sit in the roster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberRow {
    pub id: i64,
    pub symbol: String,
    pub number: String,
    pub branch: String,
    pub name: String,
    pub created_at: String,
    pub retired_at: Option<String>,
}

const MEMBER_COLUMNS: &str = "id, symbol, number, branch, name, created_at, retired_at";

fn member_from_sql(r: &rusqlite::Row<'_>) -> rusqlite::Result<MemberRow> {
    Ok(MemberRow {
        id: r.get(0)?,
        symbol: r.get(1)?,
        number: r.get(2)?,
        branch: r.get(3)?,
        name: r.get(4)?,
        created_at: r.get(5)?,
        retired_at: r.get(6)?,
    })
}

pub fn member_by_key(
    conn: &Connection,
    symbol: &str,
    number: &str,
    branch: &str,
) -> Result<Option<MemberRow>> {
    let sql = format!(
        "SELECT {MEMBER_COLUMNS} FROM members WHERE symbol = ?1 AND number = ?2 AND branch = ?3"
    );
    Ok(conn
        .prepare_cached(&sql)?
        .query_row(params![symbol, number, branch], member_from_sql)
        .optional()?)
}

pub fn member_by_id(conn: &Connection, id: i64) -> Result<Option<MemberRow>> {
    let sql = format!("SELECT {MEMBER_COLUMNS} FROM members WHERE id = ?1");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([id], member_from_sql)
        .optional()?)
}

/// The member whose own user ID this is (ignoring case).
pub fn member_id_by_user_id(conn: &Connection, user_id: &str) -> Result<Option<i64>> {
    Ok(conn
        .prepare_cached("SELECT member_id FROM accounts WHERE user_id = ?1")?
        .query_row([user_id], |r| r.get(0))
        .optional()?)
}

/// The member a provisional ID was ever issued to (ignoring case).
pub fn member_id_by_provisional_id(conn: &Connection, login_id: &str) -> Result<Option<i64>> {
    Ok(conn
        .prepare_cached(
            "SELECT member_id FROM credentials WHERE login_id = ?1 AND kind = 'provisional'",
        )?
        .query_row([login_id], |r| r.get(0))
        .optional()?)
}

/// Every account registered with this email (ignoring case), lowest id first.
pub fn member_ids_by_email(conn: &Connection, email: &str) -> Result<Vec<i64>> {
    let mut stmt = conn.prepare_cached(
        "SELECT member_id FROM accounts WHERE email = ?1 COLLATE NOCASE ORDER BY member_id",
    )?;
    let rows = stmt.query_map([email], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// A household account's support-relevant columns (never a hash).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountRow {
    pub user_id: Option<String>,
    pub email: Option<String>,
    pub email_confirmed_at: Option<String>,
    pub identity_checked_at: Option<String>,
    pub registered_at: Option<String>,
    pub failed_attempts: i64,
    pub locked_until: Option<String>,
}

pub fn account(conn: &Connection, member_id: i64) -> Result<Option<AccountRow>> {
    Ok(conn
        .prepare_cached(
            "SELECT user_id, email, email_confirmed_at, identity_checked_at, registered_at,
                    failed_attempts, locked_until
             FROM accounts WHERE member_id = ?1",
        )?
        .query_row([member_id], |r| {
            Ok(AccountRow {
                user_id: r.get(0)?,
                email: r.get(1)?,
                email_confirmed_at: r.get(2)?,
                identity_checked_at: r.get(3)?,
                registered_at: r.get(4)?,
                failed_attempts: r.get(5)?,
                locked_until: r.get(6)?,
            })
        })
        .optional()?)
}

/// A credential without its hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CredentialRow {
    pub id: i64,
    pub kind: String,
    pub login_id: Option<String>,
    pub batch_id: Option<i64>,
    pub state: String,
    pub issued_at: String,
    pub expires_at: String,
    pub used_at: Option<String>,
    pub ended_at: Option<String>,
    pub end_reason: Option<String>,
}

/// A member's credentials, newest first.
pub fn credentials(conn: &Connection, member_id: i64) -> Result<Vec<CredentialRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, kind, login_id, batch_id, state, issued_at, expires_at, used_at, ended_at,
                end_reason
         FROM credentials WHERE member_id = ?1 ORDER BY id DESC",
    )?;
    let rows = stmt.query_map([member_id], |r| {
        Ok(CredentialRow {
            id: r.get(0)?,
            kind: r.get(1)?,
            login_id: r.get(2)?,
            batch_id: r.get(3)?,
            state: r.get(4)?,
            issued_at: r.get(5)?,
            expires_at: r.get(6)?,
            used_at: r.get(7)?,
            ended_at: r.get(8)?,
            end_reason: r.get(9)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// One outbox mail, as support sees it (the payload stays out: it is for the template).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MailRow {
    pub id: i64,
    pub kind: String,
    pub to_addr: String,
    pub state: String,
    pub attempts: i64,
    pub created_at: String,
    pub sent_at: Option<String>,
    pub last_error: Option<String>,
}

/// A member's mail, newest first.
pub fn mails(conn: &Connection, member_id: i64) -> Result<Vec<MailRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, kind, to_addr, state, attempts, created_at, sent_at, last_error
         FROM outbox WHERE member_id = ?1 ORDER BY id DESC",
    )?;
    let rows = stmt.query_map([member_id], |r| {
        Ok(MailRow {
            id: r.get(0)?,
            kind: r.get(1)?,
            to_addr: r.get(2)?,
            state: r.get(3)?,
            attempts: r.get(4)?,
            created_at: r.get(5)?,
            sent_at: r.get(6)?,
            last_error: r.get(7)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Clears a household's failure count and lock; returns whether the account exists.
pub fn clear_lock(conn: &Connection, member_id: i64) -> Result<bool> {
    let changed = conn
        .prepare_cached(
            "UPDATE accounts SET failed_attempts = 0, locked_until = NULL WHERE member_id = ?1",
        )?
        .execute([member_id])?;
    Ok(changed == 1)
}
