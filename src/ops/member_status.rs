//! `hagaki status MEMBER`: where one household is in its lifecycle, with its dates,
//! credentials (never a hash), mail, and the next action support can take.

use rusqlite::Connection;
use serde::Serialize;

use crate::db::status::BatchInfo;
use crate::db::support::{CredentialRow, MailRow};
use crate::error::Result;
use crate::lifecycle::{Facts, NextAction, Provisional, Stage};
use crate::ops::status::{MatchedBy, find_member, jst, key_of};
use crate::{Context, clock, db};

/// The dates of a household's lifecycle, RFC 3339 in JST.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Dates {
    pub imported: Option<String>,
    pub issued: Option<String>,
    pub expires: Option<String>,
    pub identity_checked: Option<String>,
    pub registered: Option<String>,
    pub email_confirmed: Option<String>,
    pub retired: Option<String>,
}

/// Mail for the household by outbox state.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct MailCounts {
    pub queued: i64,
    pub sending: i64,
    pub sent: i64,
    pub dead: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MemberStatus {
    /// The household's opaque member id (the insured person's).
    pub member_id: i64,
    /// The member the input named, when it was a dependent.
    pub dependent_id: Option<i64>,
    pub key: String,
    pub name: String,
    pub matched_by: MatchedBy,
    pub stage: Stage,
    pub stage_text: &'static str,
    pub locked: bool,
    pub locked_until: Option<String>,
    pub failed_attempts: i64,
    pub user_id: Option<String>,
    pub email: Option<String>,
    pub dates: Dates,
    /// The batch of the household's newest postcard.
    pub batch: Option<BatchInfo>,
    /// Newest first; `live` and `pending` ones are current.
    pub credentials: Vec<CredentialRow>,
    pub mail: MailCounts,
    /// Newest first.
    pub mails: Vec<MailRow>,
    pub next_action: NextAction,
}

/// The status of the household `input` names (see [`find_member`] for what it may be).
pub fn member_status(ctx: &Context, conn: &Connection, input: &str) -> Result<MemberStatus> {
    let now = ctx.now();
    let found = find_member(conn, input)?;
    let m = &found.household;
    let account = db::support::account(conn, m.id)?.unwrap_or_default();
    let credentials = db::support::credentials(conn, m.id)?;
    let newest = credentials.iter().find(|c| c.kind == "provisional");
    let provisional = match newest {
        Some(c) => Some(Provisional {
            state: c.state.clone(),
            expires_at: clock::from_db(&c.expires_at)?,
        }),
        None => None,
    };
    let locked_until = account
        .locked_until
        .as_deref()
        .map(clock::from_db)
        .transpose()?;
    let facts = Facts {
        retired: m.retired_at.is_some(),
        provisional,
        identity_checked: account.identity_checked_at.is_some(),
        registered: account.registered_at.is_some(),
        email_confirmed: account.email_confirmed_at.is_some(),
        locked_until,
    };
    let stage = facts.stage(now);
    let key = key_of(m);
    let shown = |t: &Option<String>| -> Result<Option<String>> {
        t.as_deref()
            .map(|t| Ok(jst(clock::from_db(t)?)))
            .transpose()
    };
    let dates = Dates {
        imported: shown(&Some(m.created_at.clone()))?,
        issued: shown(&newest.map(|c| c.issued_at.clone()))?,
        expires: shown(&newest.map(|c| c.expires_at.clone()))?,
        identity_checked: shown(&account.identity_checked_at)?,
        registered: shown(&account.registered_at)?,
        email_confirmed: shown(&account.email_confirmed_at)?,
        retired: shown(&m.retired_at)?,
    };
    let batch = match newest.and_then(|c| c.batch_id) {
        Some(id) => db::status::batch(conn, id)?,
        None => None,
    };
    let mails = db::support::mails(conn, m.id)?;
    let mut mail = MailCounts::default();
    for row in &mails {
        match row.state.as_str() {
            "queued" => mail.queued += 1,
            "sending" => mail.sending += 1,
            "sent" => mail.sent += 1,
            _ => mail.dead += 1,
        }
    }
    Ok(MemberStatus {
        member_id: m.id,
        dependent_id: found.dependent.as_ref().map(|d| d.id),
        name: m.name.clone(),
        matched_by: found.matched_by,
        stage,
        stage_text: stage.as_str(),
        locked: facts.locked(now),
        locked_until: shown(&account.locked_until)?,
        failed_attempts: account.failed_attempts,
        user_id: account.user_id,
        email: account.email,
        dates,
        batch,
        credentials,
        mail,
        mails,
        next_action: facts.next_action(now, &key),
        key,
    })
}
