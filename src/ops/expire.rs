//! The nightly expiry job: ends credentials, tokens and sessions past their time, and purges
//! rows nobody needs any more.
//!
//! Kept: dead mail (staff look at it), used and expired credentials and tokens (support asks
//! "what happened to my password?"), the audit trail. Purged: sessions ended more than
//! [`SESSION_PURGE_DAYS`] ago (a session row has no history value once ended) and mail sent
//! more than [`SENT_MAIL_PURGE_DAYS`] ago (long enough to answer "did you send it?"; the
//! audit trail keeps the fact that it was sent).

use chrono::Duration;
use rusqlite::Connection;

use crate::Context;
use crate::clock;
use crate::db::{self, housekeeping, outbox};
use crate::error::Result;

pub const SESSION_PURGE_DAYS: i64 = 7;
pub const SENT_MAIL_PURGE_DAYS: i64 = 90;

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ExpireSummary {
    pub provisional_expired: usize,
    pub temporary_expired: usize,
    pub email_tokens_expired: usize,
    pub sessions_ended: usize,
    pub sessions_purged: usize,
    pub sent_mail_purged: usize,
}

/// Runs every expiry and purge in one transaction, with one audit row.
pub fn expire(ctx: &Context, conn: &mut Connection) -> Result<ExpireSummary> {
    let now = ctx.now();
    let at = clock::to_db(now);
    let tx = db::write_tx(conn)?;
    let summary = ExpireSummary {
        provisional_expired: housekeeping::expire_credentials(&tx, "provisional", &at)?,
        temporary_expired: housekeeping::expire_credentials(&tx, "temporary", &at)?,
        email_tokens_expired: housekeeping::expire_email_tokens(&tx, &at)?,
        sessions_ended: housekeeping::end_sessions(&tx, &at)?,
        sessions_purged: housekeeping::purge_sessions(
            &tx,
            &clock::to_db(now - Duration::days(SESSION_PURGE_DAYS)),
        )?,
        sent_mail_purged: outbox::purge_sent(
            &tx,
            &clock::to_db(now - Duration::days(SENT_MAIL_PURGE_DAYS)),
        )?,
    };
    ctx.audit(
        &tx,
        "expire",
        None,
        "ok",
        format!(
            "provisional {} temporary {} email tokens {} sessions ended {} purged {} sent mail purged {}",
            summary.provisional_expired,
            summary.temporary_expired,
            summary.email_tokens_expired,
            summary.sessions_ended,
            summary.sessions_purged,
            summary.sent_mail_purged
        ),
    )?;
    tx.commit()?;
    Ok(summary)
}
