//! SQL for the `outbox` table: mail waiting to be sent.

use rusqlite::{Connection, params};

use crate::clock;
use crate::error::Result;

/// The kinds of mail hagaki sends. Secrets are never in the row: see `ops::mint`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MailKind {
    /// Carries a one-time email confirmation token, minted at send time.
    ConfirmEmail,
    /// Carries a temporary password, minted at send time.
    TemporaryPassword,
    /// Tells the member their user ID.
    ForgotId,
    /// Registration complete.
    Registered,
    /// A notice to opted-in members; the payload holds subject and body.
    Notice,
}

impl MailKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MailKind::ConfirmEmail => "confirm_email",
            MailKind::TemporaryPassword => "temporary_password",
            MailKind::ForgotId => "forgot_id",
            MailKind::Registered => "registered",
            MailKind::Notice => "notice",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [
            MailKind::ConfirmEmail,
            MailKind::TemporaryPassword,
            MailKind::ForgotId,
            MailKind::Registered,
            MailKind::Notice,
        ]
        .into_iter()
        .find(|k| k.as_str() == text)
    }

    /// Whether sending this mail mints a secret.
    pub fn carries_secret(self) -> bool {
        matches!(self, MailKind::ConfirmEmail | MailKind::TemporaryPassword)
    }
}

/// Queues a mail, due at once. Call it inside the transaction of the step that causes it.
/// `payload` is JSON for the template and must never hold a secret.
pub fn enqueue(
    conn: &Connection,
    kind: MailKind,
    member_id: Option<i64>,
    to_addr: &str,
    payload: &serde_json::Value,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<i64> {
    let now = clock::to_db(now);
    conn.prepare_cached(
        "INSERT INTO outbox (kind, member_id, to_addr, payload, state, next_attempt_at, created_at)
         VALUES (?1, ?2, ?3, ?4, 'queued', ?5, ?5)",
    )?
    .execute(params![
        kind.as_str(),
        member_id,
        to_addr,
        payload.to_string(),
        now
    ])?;
    Ok(conn.last_insert_rowid())
}

/// One outbox row, as the sender and `mail list` see it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct OutboxRow {
    pub id: i64,
    pub kind: String,
    pub member_id: Option<i64>,
    pub to_addr: String,
    #[serde(skip)]
    pub payload: String,
    pub state: String,
    pub attempts: i64,
    pub next_attempt_at: String,
    pub last_error: Option<String>,
    pub message_id: Option<String>,
    pub created_at: String,
    pub sent_at: Option<String>,
}

const COLUMNS: &str = "id, kind, member_id, to_addr, payload, state, attempts, next_attempt_at, \
                       last_error, message_id, created_at, sent_at";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<OutboxRow> {
    Ok(OutboxRow {
        id: r.get(0)?,
        kind: r.get(1)?,
        member_id: r.get(2)?,
        to_addr: r.get(3)?,
        payload: r.get(4)?,
        state: r.get(5)?,
        attempts: r.get(6)?,
        next_attempt_at: r.get(7)?,
        last_error: r.get(8)?,
        message_id: r.get(9)?,
        created_at: r.get(10)?,
        sent_at: r.get(11)?,
    })
}

/// The rows a sender may take at `now`: queued and due, or claimed by a sender whose claim
/// has run out (it crashed or hung), oldest first.
const DUE: &str = "SELECT id FROM outbox WHERE state = 'queued' AND next_attempt_at <= ?1
                   UNION ALL
                   SELECT id FROM outbox WHERE state = 'sending' AND claimed_until <= ?1";

/// Claims up to `limit` due rows for `run_id` until `claimed_until`. Call it in its own short
/// IMMEDIATE transaction: two senders then never claim one row.
pub fn claim(
    conn: &Connection,
    run_id: &str,
    now: &str,
    claimed_until: &str,
    limit: i64,
) -> Result<Vec<OutboxRow>> {
    let sql = format!(
        "UPDATE outbox SET state = 'sending', claimed_by = ?2, claimed_until = ?3
         WHERE id IN (SELECT id FROM outbox WHERE id IN ({DUE}) ORDER BY next_attempt_at, id LIMIT ?4)
         RETURNING {COLUMNS}"
    );
    let mut rows: Vec<OutboxRow> = conn
        .prepare_cached(&sql)?
        .query_map(params![now, run_id, claimed_until, limit], row)?
        .collect::<rusqlite::Result<_>>()?;
    rows.sort_by_key(|r| r.id);
    Ok(rows)
}

/// The rows a sender would claim at `now`, without claiming them (dry run).
pub fn due(conn: &Connection, now: &str, limit: i64) -> Result<Vec<OutboxRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM outbox WHERE id IN ({DUE}) ORDER BY next_attempt_at, id LIMIT ?2"
    );
    Ok(conn
        .prepare_cached(&sql)?
        .query_map(params![now, limit], row)?
        .collect::<rusqlite::Result<_>>()?)
}

/// Whether `run_id` still holds its claim on a row (it may have lapsed and been taken over).
pub fn still_claimed(conn: &Connection, id: i64, run_id: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached(
            "SELECT 1 FROM outbox WHERE id = ?1 AND state = 'sending' AND claimed_by = ?2",
        )?
        .exists(params![id, run_id])?)
}

pub fn mark_sent(conn: &Connection, id: i64, message_id: &str, now: &str) -> Result<()> {
    conn.prepare_cached(
        "UPDATE outbox SET state = 'sent', attempts = attempts + 1, message_id = ?2, sent_at = ?3,
                last_error = NULL, claimed_by = NULL, claimed_until = NULL
         WHERE id = ?1",
    )?
    .execute(params![id, message_id, now])?;
    Ok(())
}

/// Back to the queue after a failed attempt, due again at `next_attempt_at`.
pub fn defer(conn: &Connection, id: i64, next_attempt_at: &str, error: &str) -> Result<()> {
    conn.prepare_cached(
        "UPDATE outbox SET state = 'queued', attempts = attempts + 1, next_attempt_at = ?2,
                last_error = ?3, claimed_by = NULL, claimed_until = NULL
         WHERE id = ?1",
    )?
    .execute(params![id, next_attempt_at, error])?;
    Ok(())
}

/// Gives up on a mail after a failed attempt.
pub fn mark_dead(conn: &Connection, id: i64, error: &str) -> Result<()> {
    conn.prepare_cached(
        "UPDATE outbox SET state = 'dead', attempts = attempts + 1, last_error = ?2,
                claimed_by = NULL, claimed_until = NULL
         WHERE id = ?1",
    )?
    .execute(params![id, error])?;
    Ok(())
}

/// Returns a claimed mail that was not attempted to the queue, its attempts unchanged.
pub fn release(conn: &Connection, id: i64, next_attempt_at: &str, error: &str) -> Result<()> {
    conn.prepare_cached(
        "UPDATE outbox SET state = 'queued', next_attempt_at = ?2, last_error = ?3,
                claimed_by = NULL, claimed_until = NULL
         WHERE id = ?1 AND state = 'sending'",
    )?
    .execute(params![id, next_attempt_at, error])?;
    Ok(())
}

pub fn get(conn: &Connection, id: i64) -> Result<Option<OutboxRow>> {
    use rusqlite::OptionalExtension as _;
    let sql = format!("SELECT {COLUMNS} FROM outbox WHERE id = ?1");
    Ok(conn.prepare_cached(&sql)?.query_row([id], row).optional()?)
}

/// Rows in `state` (any state when `None`), newest first.
pub fn list(conn: &Connection, state: Option<&str>, limit: i64) -> Result<Vec<OutboxRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM outbox WHERE ?1 IS NULL OR state = ?1 ORDER BY id DESC LIMIT ?2"
    );
    Ok(conn
        .prepare_cached(&sql)?
        .query_map(params![state, limit], row)?
        .collect::<rusqlite::Result<_>>()?)
}

/// Dead mail back to the queue, due at `now`, with a fresh set of attempts.
/// `id = None` retries every dead mail. Returns the ids requeued.
pub fn requeue_dead(conn: &Connection, id: Option<i64>, now: &str) -> Result<Vec<i64>> {
    let mut ids: Vec<i64> = conn
        .prepare_cached(
            "UPDATE outbox SET state = 'queued', attempts = 0, next_attempt_at = ?2
             WHERE state = 'dead' AND (?1 IS NULL OR id = ?1)
             RETURNING id",
        )?
        .query_map(params![id, now], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    ids.sort_unstable();
    Ok(ids)
}

/// Deletes sent mail sent before `before`. Returns how many.
pub fn purge_sent(conn: &Connection, before: &str) -> Result<usize> {
    Ok(conn
        .prepare_cached("DELETE FROM outbox WHERE state = 'sent' AND sent_at < ?1")?
        .execute([before])?)
}

/// What the sender reads about a mail's member at send time.
#[derive(Debug, Clone, Default)]
pub struct Recipient {
    pub name: String,
    pub user_id: Option<String>,
}

pub fn recipient(conn: &Connection, member_id: i64) -> Result<Option<Recipient>> {
    use rusqlite::OptionalExtension as _;
    Ok(conn
        .prepare_cached(
            "SELECT m.name, a.user_id FROM members m LEFT JOIN accounts a ON a.member_id = m.id
             WHERE m.id = ?1",
        )?
        .query_row([member_id], |r| {
            Ok(Recipient {
                name: r.get(0)?,
                user_id: r.get(1)?,
            })
        })
        .optional()?)
}

/// Members who get notice mail: registered, email confirmed, opted in, not retired.
pub fn notice_recipients(conn: &Connection) -> Result<Vec<(i64, String)>> {
    Ok(conn
        .prepare_cached(
            "SELECT a.member_id, a.email FROM accounts a JOIN members m ON m.id = a.member_id
             WHERE a.registered_at IS NOT NULL AND a.email_confirmed_at IS NOT NULL
               AND a.notice_mail = 1 AND a.email IS NOT NULL AND m.retired_at IS NULL
             ORDER BY a.member_id",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?)
}
