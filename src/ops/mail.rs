//! Mail operations: send the outbox (or render it for a dry run), list it, retry dead mail.

use std::path::Path;

use rusqlite::Connection;

use crate::Context;
use crate::clock;
use crate::db::{self, outbox, outbox::OutboxRow};
use crate::error::{Error, Result};
use crate::mail::compose::{self, MailOutcome};
use crate::mail::sender;
use crate::mail::transport::Transport;

/// The result of `mail send`: counts, then one line per mail (never a secret).
#[derive(Debug, Clone, serde::Serialize)]
pub struct SendSummary {
    pub dry_run: bool,
    pub sent: usize,
    pub deferred: usize,
    pub dead: usize,
    /// Dry run: messages written as .eml files.
    pub written: usize,
    pub mails: Vec<MailOutcome>,
}

impl SendSummary {
    fn from(dry_run: bool, mails: Vec<MailOutcome>) -> Self {
        let count = |o: &str| mails.iter().filter(|m| m.outcome == o).count();
        SendSummary {
            dry_run,
            sent: count("sent"),
            deferred: count("deferred"),
            dead: count("dead"),
            written: count("written"),
            mails,
        }
    }

    /// True when some mail was deferred or died in this run (exit code 7).
    pub fn partly_done(&self) -> bool {
        self.deferred > 0 || self.dead > 0
    }
}

/// Sends due mail through `transport` with `workers` threads, each on its own connection
/// from `open`; at most `limit` mails when given.
pub fn send(
    ctx: &Context,
    open: &(dyn Fn() -> Result<Connection> + Sync),
    transport: &Transport,
    limit: Option<i64>,
    workers: usize,
) -> Result<SendSummary> {
    Ok(SendSummary::from(
        false,
        sender::send(ctx, open, transport, limit, workers)?,
    ))
}

/// Writes the due mail into `dir` as .eml files; sends, mints and changes nothing.
pub fn dry_run(
    ctx: &Context,
    conn: &Connection,
    dir: &Path,
    limit: Option<i64>,
) -> Result<SendSummary> {
    Ok(SendSummary::from(
        true,
        compose::dry_run(ctx, conn, dir, limit)?,
    ))
}

pub const STATES: [&str; 4] = ["queued", "sending", "sent", "dead"];

/// Outbox rows, newest first.
pub fn list(conn: &Connection, state: Option<&str>, limit: i64) -> Result<Vec<OutboxRow>> {
    if let Some(s) = state
        && !STATES.contains(&s)
    {
        return Err(Error::Usage(format!("unknown mail state {s:?}")));
    }
    outbox::list(conn, state, limit)
}

/// Which dead mail to put back in the queue.
#[derive(Debug, Clone, Copy)]
pub enum RetryTarget {
    One(i64),
    AllDead,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct RetrySummary {
    pub requeued: Vec<i64>,
}

/// Dead mail back to the queue, due now, with a fresh set of attempts.
pub fn retry(ctx: &Context, conn: &mut Connection, target: RetryTarget) -> Result<RetrySummary> {
    let tx = db::write_tx(conn)?;
    let now = clock::to_db(ctx.now());
    let requeued = match target {
        RetryTarget::One(id) => {
            let row = outbox::get(&tx, id)?.ok_or_else(|| {
                Error::not_found(format!("mail {id}"))
                    .with_hint("`hagaki mail list --state dead` lists dead mail")
            })?;
            if row.state != "dead" {
                return Err(Error::refused(format!(
                    "mail {id} is {}, not dead; only dead mail is retried",
                    row.state
                )));
            }
            outbox::requeue_dead(&tx, Some(id), &now)?
        }
        RetryTarget::AllDead => outbox::requeue_dead(&tx, None, &now)?,
    };
    for id in &requeued {
        let member = outbox::get(&tx, *id)?.and_then(|r| r.member_id);
        ctx.audit(
            &tx,
            "mail.retry",
            member,
            "ok",
            format!("outbox {id} requeued"),
        )?;
    }
    tx.commit()?;
    Ok(RetrySummary { requeued })
}
