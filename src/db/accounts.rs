//! SQL for the `accounts` and `login_ids` tables as the portal steps use them.

use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::error::Result;

/// A household account joined with what the portal needs of its member.
#[derive(Debug, Clone)]
pub struct Account {
    pub member_id: i64,
    pub user_id: Option<String>,
    pub password_hash: Option<String>,
    pub email: Option<String>,
    pub email_confirmed_at: Option<String>,
    pub failed_attempts: i64,
    pub locked_until: Option<String>,
    /// 'YYYY-MM-DD'.
    pub birth_date: String,
    pub retired_at: Option<String>,
}

const ACCOUNT: &str =
    "SELECT a.member_id, a.user_id, a.password_hash, a.email, a.email_confirmed_at,
        a.failed_attempts, a.locked_until, m.birth_date, m.retired_at
   FROM accounts a JOIN members m ON m.id = a.member_id";

fn account(r: &Row<'_>) -> rusqlite::Result<Account> {
    Ok(Account {
        member_id: r.get(0)?,
        user_id: r.get(1)?,
        password_hash: r.get(2)?,
        email: r.get(3)?,
        email_confirmed_at: r.get(4)?,
        failed_attempts: r.get(5)?,
        locked_until: r.get(6)?,
        birth_date: r.get(7)?,
        retired_at: r.get(8)?,
    })
}

pub fn get(conn: &Connection, member_id: i64) -> Result<Option<Account>> {
    Ok(conn
        .prepare_cached(&format!("{ACCOUNT} WHERE a.member_id = ?1"))?
        .query_row([member_id], account)
        .optional()?)
}

/// The account whose own user ID is `user_id`, ignoring case.
pub fn by_user_id(conn: &Connection, user_id: &str) -> Result<Option<Account>> {
    Ok(conn
        .prepare_cached(&format!("{ACCOUNT} WHERE a.user_id = ?1"))?
        .query_row([user_id], account)
        .optional()?)
}

/// A login ID as issued: who it belongs to and whether it is provisional or a user ID.
#[derive(Debug, Clone)]
pub struct LoginId {
    pub login_id: String,
    pub member_id: i64,
    pub kind: String,
}

/// Looks up a login ID ignoring case.
pub fn find_login_id(conn: &Connection, id: &str) -> Result<Option<LoginId>> {
    Ok(conn
        .prepare_cached("SELECT login_id, member_id, kind FROM login_ids WHERE login_id = ?1")?
        .query_row([id], |r| {
            Ok(LoginId {
                login_id: r.get(0)?,
                member_id: r.get(1)?,
                kind: r.get(2)?,
            })
        })
        .optional()?)
}

/// Records a user ID in the shared namespace; false when it is taken (ignoring case).
pub fn insert_user_login_id(conn: &Connection, id: &str, member_id: i64) -> Result<bool> {
    Ok(conn
        .prepare_cached(
            "INSERT INTO login_ids (login_id, member_id, kind) VALUES (?1, ?2, 'user')
             ON CONFLICT (login_id) DO NOTHING",
        )?
        .execute(params![id, member_id])?
        == 1)
}

/// Stores the failure count and lock after a failed login or identity check.
pub fn set_failures(
    conn: &Connection,
    member_id: i64,
    failed_attempts: i64,
    locked_until: Option<&str>,
) -> Result<()> {
    conn.prepare_cached(
        "UPDATE accounts SET failed_attempts = ?2, locked_until = ?3 WHERE member_id = ?1",
    )?
    .execute(params![member_id, failed_attempts, locked_until])?;
    Ok(())
}

/// A success ends the run of failures (and any lock that has already run out).
pub fn clear_failures(conn: &Connection, member_id: i64) -> Result<()> {
    set_failures(conn, member_id, 0, None)
}

pub fn record_identity_check(
    conn: &Connection,
    member_id: i64,
    terms_version: &str,
    now: &str,
) -> Result<()> {
    conn.prepare_cached(
        "UPDATE accounts SET identity_checked_at = ?3, terms_version = ?2, terms_agreed_at = ?3,
                failed_attempts = 0, locked_until = NULL
          WHERE member_id = ?1",
    )?
    .execute(params![member_id, terms_version, now])?;
    Ok(())
}

pub struct Registration<'a> {
    pub member_id: i64,
    pub user_id: &'a str,
    pub password_hash: &'a str,
    pub email: &'a str,
    pub notice_mail: bool,
    pub now: &'a str,
}

pub fn register(conn: &Connection, r: &Registration<'_>) -> Result<()> {
    conn.prepare_cached(
        "UPDATE accounts SET user_id = ?2, password_hash = ?3, email = ?4, notice_mail = ?5,
                email_confirmed_at = NULL, registered_at = ?6
          WHERE member_id = ?1",
    )?
    .execute(params![
        r.member_id,
        r.user_id,
        r.password_hash,
        r.email,
        r.notice_mail,
        r.now
    ])?;
    Ok(())
}

pub fn set_password_hash(conn: &Connection, member_id: i64, hash: &str) -> Result<()> {
    conn.prepare_cached("UPDATE accounts SET password_hash = ?2 WHERE member_id = ?1")?
        .execute(params![member_id, hash])?;
    Ok(())
}

/// Marks the email confirmed, only if it is still the account's address (ignoring case).
pub fn confirm_email(conn: &Connection, member_id: i64, email: &str, now: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached(
            "UPDATE accounts SET email_confirmed_at = ?3
              WHERE member_id = ?1 AND email = ?2 COLLATE NOCASE",
        )?
        .execute(params![member_id, email, now])?
        == 1)
}
