//! The outbox sender: claims due mail, mints its secret, sends it, records the outcome.
//!
//! Order of work for one mail, and why:
//! 1. Claim (own short IMMEDIATE transaction): state `sending`, `claimed_by` this run,
//!    `claimed_until` a few minutes ahead. A second sender skips claimed rows, so no mail is
//!    sent twice; a crashed sender's claim runs out and the mail is taken again.
//! 2. Mint the mail's secret, if it carries one, and commit (short IMMEDIATE transaction):
//!    only its hash is stored, and its plaintext lives in this process until the mail is
//!    handed over. Then send with no transaction open, so a slow or hung mail server never
//!    holds SQLite's write lock and portal steps never wait for it.
//! 3. Record the outcome (short transaction): `sent`; or, when the send failed, the failure
//!    and the end of the secret minted for it, so that it can never be used.
//!    A crash between 2 and 3 leaves a stored hash whose plaintext nobody has (harmless); the
//!    claim runs out and the retry mints a fresh secret, which ends the earlier one. A crash
//!    after the server accepted the mail but before 3 means one duplicate mail whose secret
//!    replaces the first: a lost mail never happens, a usable stale secret neither.
//! 4. A transient failure (4xx) is retried after `mail_retry_minutes`; after the last wait
//!    the mail is dead. A permanent failure (5xx, unusable address) is dead at once. An
//!    unreachable server ends the run: the mails not yet tried go back to the queue.

use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Duration, Utc};
use rusqlite::Connection;

use crate::Context;
use crate::clock;
use crate::db::{self, outbox, outbox::MailKind, outbox::OutboxRow, secrets};
use crate::error::{Error, Result};
use crate::mail::compose::{MailOutcome, Prepared, file_name, prepare};
use crate::mail::transport::{Failure, FailureClass, Transport};
use crate::settings::Settings;

/// How long a claim holds: far longer than sending one chunk takes.
pub const CLAIM_MINUTES: i64 = 5;
/// Rows a worker claims at a time, so that a long run never holds claims it will not reach
/// in time, and workers share the queue evenly.
const CHUNK: i64 = 20;

/// What the workers of one run share: the mails left to try and the first sign of an
/// unreachable server.
struct Shared {
    budget: AtomicI64,
    unreachable: Mutex<Option<String>>,
}

/// Sends due mail with `workers` threads until none is left or `limit` mails were tried.
///
/// Why threads: each SMTP exchange waits on the network (lettre writes the message and its
/// final dot separately, so every message waits out a delayed ACK, about 40 ms); parallel
/// connections overlap those waits. Each worker is a sender of its own, with its own
/// database connection from `open`, so the claims keep them from sending a mail twice.
pub fn send(
    ctx: &Context,
    open: &(dyn Fn() -> Result<Connection> + Sync),
    transport: &Transport,
    limit: Option<i64>,
    workers: usize,
) -> Result<Vec<MailOutcome>> {
    let settings = Settings::load(&open()?)?;
    let shared = Shared {
        budget: AtomicI64::new(limit.unwrap_or(i64::MAX)),
        unreachable: Mutex::new(None),
    };
    let results: Vec<Result<Vec<MailOutcome>>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers.max(1))
            .map(|_| {
                let (settings, shared) = (&settings, &shared);
                scope.spawn(move || {
                    let mut conn = open()?;
                    work(ctx, &mut conn, settings, transport, shared)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a mail worker panicked"))
            .collect()
    });
    transport.shutdown();
    let mut outcomes = Vec::new();
    for r in results {
        outcomes.extend(r?);
    }
    outcomes.sort_by_key(|o| o.id);
    Ok(outcomes)
}

/// One worker: claim a chunk, deliver it, until the queue or the budget is empty.
fn work(
    ctx: &Context,
    conn: &mut Connection,
    settings: &Settings,
    transport: &Transport,
    shared: &Shared,
) -> Result<Vec<MailOutcome>> {
    let run_id = format!(
        "{}-{}",
        std::process::id(),
        &crate::secret::random_token()[..8]
    );
    let mut outcomes = Vec::new();
    loop {
        let room = shared.budget.load(Ordering::SeqCst).min(CHUNK);
        if room <= 0 || shared.unreachable.lock().expect("lock").is_some() {
            break;
        }
        let now = ctx.now();
        let claimed = {
            let tx = db::write_tx(conn)?;
            let rows = outbox::claim(
                &tx,
                &run_id,
                &clock::to_db(now),
                &clock::to_db(now + Duration::minutes(CLAIM_MINUTES)),
                room,
            )?;
            tx.commit()?;
            rows
        };
        if claimed.is_empty() {
            break;
        }
        shared
            .budget
            .fetch_sub(claimed.len() as i64, Ordering::SeqCst);
        for row in claimed {
            let down = shared.unreachable.lock().expect("lock").clone();
            let outcome = match down {
                None => deliver(ctx, conn, settings, transport, &run_id, &row)?,
                Some(error) => Some(release(ctx, conn, settings, &row, &error)?),
            };
            if let Some(out) = outcome {
                if let Some(e) = out.error.as_deref().filter(|e| e.starts_with(UNREACHABLE)) {
                    shared
                        .unreachable
                        .lock()
                        .expect("lock")
                        .get_or_insert_with(|| e.to_string());
                }
                outcomes.push(out);
            }
        }
    }
    Ok(outcomes)
}

/// Marks the first words of an error that means the server could not be reached.
const UNREACHABLE: &str = "server unreachable: ";

/// Sends one claimed mail. `None` when another sender took the row over meanwhile.
fn deliver(
    ctx: &Context,
    conn: &mut Connection,
    settings: &Settings,
    transport: &Transport,
    run_id: &str,
    row: &OutboxRow,
) -> Result<Option<MailOutcome>> {
    let now = ctx.now();
    // Step 2 of the module doc: check the claim and mint (a write only when there is a
    // secret to store). A mail that cannot be composed is rolled back, secret and all.
    let step = {
        let tx = if MailKind::parse(&row.kind).is_some_and(MailKind::carries_secret) {
            db::write_tx(conn)?
        } else {
            conn.transaction()?
        };
        let step = ready(&tx, settings, now, run_id, row)?;
        if matches!(step, Step::Ready(_)) {
            tx.commit()?;
        }
        step
    };
    let prepared = match step {
        Step::NotOurs => return Ok(None),
        Step::Unsendable(why) => {
            return failed(ctx, conn, settings, row, FailureClass::Permanent, why).map(Some);
        }
        Step::Ready(p) => p,
    };
    match transport.send(&prepared.message, &file_name(row.id)) {
        Ok(()) => {
            let tx = db::write_tx(conn)?;
            record_sent(ctx, &tx, row, &prepared.message_id, now)?;
            tx.commit()?;
            Ok(Some(sent(row, prepared.message_id)))
        }
        Err(failure) => failed_send(ctx, conn, settings, row, failure).map(Some),
    }
}

enum Step {
    /// Another sender took the row over after our claim ran out.
    NotOurs,
    /// The mail can never be sent as it stands (bad address, missing data).
    Unsendable(String),
    Ready(Prepared),
}

fn ready(
    conn: &Connection,
    settings: &Settings,
    now: DateTime<Utc>,
    run_id: &str,
    row: &OutboxRow,
) -> Result<Step> {
    if !outbox::still_claimed(conn, row.id, run_id)? {
        return Ok(Step::NotOurs);
    }
    match prepare(conn, settings, now, row, false) {
        Ok(p) => Ok(Step::Ready(p)),
        Err(Error::BadInput { message, .. }) => Ok(Step::Unsendable(message)),
        Err(e) => Err(e),
    }
}

fn record_sent(
    ctx: &Context,
    tx: &Connection,
    row: &OutboxRow,
    message_id: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    outbox::mark_sent(tx, row.id, message_id, &clock::to_db(now))?;
    ctx.audit(
        tx,
        "mail.sent",
        row.member_id,
        "ok",
        format!("outbox {} {}", row.id, row.kind),
    )?;
    Ok(())
}

fn sent(row: &OutboxRow, message_id: String) -> MailOutcome {
    MailOutcome {
        id: row.id,
        kind: row.kind.clone(),
        outcome: "sent",
        attempts: row.attempts + 1,
        next_attempt_at: None,
        error: None,
        message_id: Some(message_id),
        file: None,
    }
}

fn failed_send(
    ctx: &Context,
    conn: &mut Connection,
    settings: &Settings,
    row: &OutboxRow,
    failure: Failure,
) -> Result<MailOutcome> {
    let message = match failure.class {
        FailureClass::Unreachable => format!("{UNREACHABLE}{}", failure.message),
        _ => failure.message,
    };
    failed(ctx, conn, settings, row, failure.class, message)
}

/// Records a failed attempt in its own transaction: deferred with back-off, or dead.
fn failed(
    ctx: &Context,
    conn: &mut Connection,
    settings: &Settings,
    row: &OutboxRow,
    class: FailureClass,
    error: String,
) -> Result<MailOutcome> {
    let now = ctx.now();
    let attempts = row.attempts + 1;
    let wait = settings.mail_retry_minutes.get(row.attempts as usize);
    let tx = db::write_tx(conn)?;
    // The secret minted for this attempt was never delivered: end it, so only the secret of
    // a delivered mail can ever be used.
    secrets::revoke_minted_for_mail(&tx, row.id, &clock::to_db(now))?;
    let (outcome, next) = match (class, wait) {
        (FailureClass::Permanent, _) | (_, None) => {
            outbox::mark_dead(&tx, row.id, &error)?;
            ("dead", None)
        }
        (_, Some(&minutes)) => {
            let next = clock::to_db(now + Duration::minutes(i64::from(minutes)));
            outbox::defer(&tx, row.id, &next, &error)?;
            ("deferred", Some(next))
        }
    };
    ctx.audit(
        &tx,
        &format!("mail.{outcome}"),
        row.member_id,
        if outcome == "dead" {
            "failed"
        } else {
            "deferred"
        },
        format!("outbox {} {} attempt {attempts}: {error}", row.id, row.kind),
    )?;
    tx.commit()?;
    Ok(MailOutcome {
        id: row.id,
        kind: row.kind.clone(),
        outcome,
        attempts,
        next_attempt_at: next,
        error: Some(error),
        message_id: None,
        file: None,
    })
}

/// Puts back a claimed mail that was not tried because the server is unreachable; it is
/// due again after the first back-off step, its attempts unchanged.
fn release(
    ctx: &Context,
    conn: &mut Connection,
    settings: &Settings,
    row: &OutboxRow,
    error: &str,
) -> Result<MailOutcome> {
    let first = settings.mail_retry_minutes.first().copied().unwrap_or(1);
    let next = clock::to_db(ctx.now() + Duration::minutes(i64::from(first)));
    let error = format!("not tried: {error}");
    let tx = db::write_tx(conn)?;
    outbox::release(&tx, row.id, &next, &error)?;
    tx.commit()?;
    Ok(MailOutcome {
        id: row.id,
        kind: row.kind.clone(),
        outcome: "deferred",
        attempts: row.attempts,
        next_attempt_at: Some(next),
        error: Some(error),
        message_id: None,
        file: None,
    })
}
