//! Reissuing a member's credential: a new postcard (a batch of one), a temporary password by
//! mail for a registered member, or a reminder batch for everyone who never got past the
//! identity check.

use std::path::PathBuf;

use rusqlite::Connection;

use crate::db::batches::{self as dbb, MemberState};
use crate::db::outbox::{self, MailKind};
use crate::error::{Error, Result};
use crate::member_key::MemberKey;
use crate::ops::issue::{self, Event, IssueSummary, Plan, Selection};
use crate::printfile::Encoding;
use crate::{Context, db};

/// Where a reissued credential goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    Postcard,
    Email,
}

/// The result of a reissue by mail: the queued outbox row (the password is minted when it is
/// sent, so nothing secret exists yet).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Queued {
    pub member_id: i64,
    pub outbox_id: i64,
    pub to: String,
}

fn find(conn: &Connection, key: &MemberKey) -> Result<MemberState> {
    let member =
        dbb::member_by_key(conn, key)?.ok_or_else(|| Error::not_found(format!("member {key}")))?;
    if member.retired {
        return Err(Error::refused(format!(
            "member {} is retired and can no longer log in",
            member.id
        )));
    }
    if member.branch != crate::member_key::INSURED_BRANCH {
        return Err(Error::refused(format!(
            "member {} is a dependent; the household's account belongs to the insured person",
            member.id
        ))
        .with_hint("reissue for the insured person (branch 00)"));
    }
    Ok(member)
}

fn need_reason(reason: &str) -> Result<String> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(Error::bad_input(
            "--reason must say why the credential is reissued",
        ));
    }
    Ok(reason.to_string())
}

/// A new provisional credential on a one-row print file; the member's old one is revoked in
/// the transaction that makes the new one live. Refused for a registered member.
pub fn by_postcard(
    ctx: &Context,
    conn: &mut Connection,
    key: &MemberKey,
    reason: &str,
    out: PathBuf,
    encoding: Encoding,
    on_event: &mut dyn FnMut(Event<'_>),
) -> Result<IssueSummary> {
    let reason = need_reason(reason)?;
    let member = find(conn, key)?;
    if member.registered {
        return Err(Error::refused(format!(
            "member {} has registered; a provisional credential would not let them in",
            member.id
        ))
        .with_hint("send a temporary password instead: `hagaki reissue MEMBER --via email`"));
    }
    let plan = Plan {
        kind: "reissue",
        selection: Selection::Members(vec![member.id]),
        out,
        encoding,
        valid_days: None,
        reason: Some(reason),
        dry_run: false,
    };
    issue::run(ctx, conn, &plan, on_event)
}

/// Queues a temporary-password mail to a registered member's confirmed email.
pub fn by_email(
    ctx: &Context,
    conn: &mut Connection,
    key: &MemberKey,
    reason: &str,
) -> Result<Queued> {
    let reason = need_reason(reason)?;
    let tx = db::write_tx(conn)?;
    let member = find(&tx, key)?;
    let refused = |why: &str| {
        Error::refused(format!("member {} {why}", member.id))
            .with_hint("reissue by postcard instead: `hagaki reissue MEMBER --via postcard`")
    };
    if !member.registered {
        return Err(refused(
            "has not registered, so has no email to send a temporary password to",
        ));
    }
    let email = match (&member.email, member.email_confirmed) {
        (Some(email), true) => email.clone(),
        _ => return Err(refused("has no confirmed email")),
    };
    let payload = serde_json::json!({ "user_id": member.user_id });
    let outbox_id = outbox::enqueue(
        &tx,
        MailKind::TemporaryPassword,
        Some(member.id),
        &email,
        &payload,
        ctx.now(),
    )?;
    ctx.audit(
        &tx,
        "reissue.email",
        Some(member.id),
        "ok",
        format!("temporary password mail queued (outbox {outbox_id}); reason: {reason}"),
    )?;
    tx.commit()?;
    Ok(Queued {
        member_id: member.id,
        outbox_id,
        to: email,
    })
}

/// A reminder batch: one postcard to every unregistered, not retired member of `batch` (or of
/// every batch) who never passed the identity check; their old credentials are revoked.
pub fn reminder(
    ctx: &Context,
    conn: &mut Connection,
    batch: Option<i64>,
    reason: &str,
    out: PathBuf,
    encoding: Encoding,
    on_event: &mut dyn FnMut(Event<'_>),
) -> Result<IssueSummary> {
    let reason = need_reason(reason)?;
    if let Some(id) = batch {
        dbb::get(conn, id)?.ok_or_else(|| Error::not_found(format!("batch {id}")))?;
    }
    let plan = Plan {
        kind: "reminder",
        selection: Selection::Reminder { batch },
        out,
        encoding,
        valid_days: None,
        reason: Some(reason),
        dry_run: false,
    };
    issue::run(ctx, conn, &plan, on_event)
}
