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
