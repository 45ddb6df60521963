//! The registration funnel (`hagaki status`) and finding a household from whatever a caller
//! knows (member key, user ID, provisional ID, email).

use rusqlite::Connection;
use serde::Serialize;

use crate::db::status::{BatchInfo, Counts};
use crate::db::support::MemberRow;
use crate::error::{Error, Result};
use crate::member_key::{INSURED_BRANCH, MemberKey};
use crate::{Context, clock, credential, db, text};

/// One step of a funnel with its rates (fractions, 4 decimals).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Step {
    pub step: &'static str,
    pub count: i64,
    /// count ÷ the scope's households.
    pub of_households: Option<f64>,
    /// count ÷ the step it follows from (named in `previous`).
    pub of_previous: Option<f64>,
    pub previous: Option<&'static str>,
}

/// The funnel of one scope: every household, or the households of one batch.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scope {
    /// `all`, or `batch N`.
    pub scope: String,
    pub batch: Option<BatchInfo>,
    pub counts: Counts,
    pub steps: Vec<Step>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Funnel {
    /// The moment the time-dependent counts (expired, locked) refer to, in JST.
    pub as_of: String,
    pub scopes: Vec<Scope>,
}

/// The funnel as of now: overall and per batch, or only `batch`'s households.
///
/// A household belongs to the batch of its newest postcard (a reissued household moves to
/// its reissue batch), so the batch scopes add up to the overall one.
pub fn funnel(ctx: &Context, conn: &Connection, batch: Option<i64>) -> Result<Funnel> {
    let now = ctx.now();
    if let Some(id) = batch
        && db::status::batch(conn, id)?.is_none()
    {
        return Err(Error::not_found(format!("batch {id}"))
            .with_hint("`hagaki batches list` shows every batch"));
    }
    let counts = db::status::funnel_counts(conn, &clock::to_db(now))?;
    let mut scopes = Vec::new();
    if batch.is_none() {
        let mut all = Counts::default();
        for c in counts.values() {
            all.households += c.households;
            all.retired += c.retired;
            all.issued += c.issued;
            all.provisional_expired += c.provisional_expired;
            all.identity_checked += c.identity_checked;
            all.registered += c.registered;
            all.email_confirmed += c.email_confirmed;
            all.locked += c.locked;
        }
        scopes.push(scope("all".into(), None, all));
    }
    for info in db::status::batches(conn)? {
        if batch.is_some_and(|id| id != info.id) {
            continue;
        }
        let c = counts.get(&Some(info.id)).copied().unwrap_or_default();
        scopes.push(scope(format!("batch {}", info.id), Some(info), c));
    }
    Ok(Funnel {
        as_of: jst(now),
        scopes,
    })
}

fn scope(name: String, batch: Option<BatchInfo>, counts: Counts) -> Scope {
    let rate =
        |n: i64, d: i64| (d > 0).then(|| (n as f64 / d as f64 * 10_000.0).round() / 10_000.0);
    let c = &counts;
    let mut steps = Vec::new();
    let mut push = |step, count, previous: Option<(&'static str, i64)>| {
        steps.push(Step {
            step,
            count,
            of_households: rate(count, c.households),
            of_previous: previous.and_then(|(_, base)| rate(count, base)),
            previous: previous.map(|(name, _)| name),
        })
    };
    push("households", c.households, None);
    push("issued", c.issued, Some(("households", c.households)));
    push(
        "provisional_expired",
        c.provisional_expired,
        Some(("issued", c.issued)),
    );
    push(
        "identity_checked",
        c.identity_checked,
        Some(("issued", c.issued)),
    );
    push(
        "registered",
        c.registered,
        Some(("identity_checked", c.identity_checked)),
    );
    push(
        "email_confirmed",
        c.email_confirmed,
        Some(("registered", c.registered)),
    );
    push("locked", c.locked, None);
    push("retired", c.retired, None);
    Scope {
        scope: name,
        batch,
        counts,
        steps,
    }
}

/// A stored UTC time as an RFC 3339 time in JST (`2026-11-18T10:00:00+09:00`).
pub fn jst(at: chrono::DateTime<chrono::Utc>) -> String {
    at.with_timezone(&clock::jst())
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// How a member was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchedBy {
    MemberKey,
    UserId,
    ProvisionalId,
    Email,
}

/// A household found from what a caller typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// The insured person (branch 00), who owns the household's account.
    pub household: MemberRow,
    /// The member the input named, when it was a dependent.
    pub dependent: Option<MemberRow>,
    pub matched_by: MatchedBy,
}

/// Finds the household `input` names: a member key, then a user ID, a provisional ID, an
/// email. A dependent resolves to their household. Not found: exit 4; an email on several
/// accounts: exit 5, listing their opaque member ids.
pub fn find_member(conn: &Connection, input: &str) -> Result<Found> {
    let typed = text::normalize(input);
    if let Ok(key) = MemberKey::parse(&typed)
        && let Some(m) = db::support::member_by_key(conn, &key.symbol, &key.number, &key.branch)?
    {
        return household_of(conn, m, MatchedBy::MemberKey);
    }
    let login = credential::normalize_login_id(&typed);
    if !login.is_empty() {
        if let Some(id) = db::support::member_id_by_user_id(conn, &typed)? {
            return household_of(conn, member(conn, id)?, MatchedBy::UserId);
        }
        if let Some(id) = db::support::member_id_by_provisional_id(conn, &login)? {
            return household_of(conn, member(conn, id)?, MatchedBy::ProvisionalId);
        }
    }
    let ids = db::support::member_ids_by_email(conn, &typed)?;
    match ids.as_slice() {
        [] => Err(Error::not_found(format!("member {typed:?}")).with_hint(
            "give a member key (SYMBOL-NUMBER[-BRANCH]), a user ID, a provisional ID or an email; `hagaki members find` searches by name",
        )),
        [id] => household_of(conn, member(conn, *id)?, MatchedBy::Email),
        many => {
            let list: Vec<String> = many.iter().map(i64::to_string).collect();
            Err(Error::refused(format!(
                "{} accounts use the email {typed:?}: member ids {}",
                many.len(),
                list.join(", ")
            ))
            .with_hint("name the member by member key or user ID instead"))
        }
    }
}

fn member(conn: &Connection, id: i64) -> Result<MemberRow> {
    db::support::member_by_id(conn, id)?
        .ok_or_else(|| Error::Internal(anyhow::anyhow!("member {id} is referenced but missing")))
}

fn household_of(conn: &Connection, m: MemberRow, matched_by: MatchedBy) -> Result<Found> {
    if m.branch == INSURED_BRANCH {
        return Ok(Found {
            household: m,
            dependent: None,
            matched_by,
        });
    }
    let household = db::support::member_by_key(conn, &m.symbol, &m.number, INSURED_BRANCH)?
        .ok_or_else(|| {
            Error::not_found(format!(
                "the insured person (branch 00) of member {}'s household",
                m.id
            ))
            .with_hint("the roster has a dependent without the insured person: re-import it")
        })?;
    Ok(Found {
        household,
        dependent: Some(m),
        matched_by,
    })
}

/// The member key as staff write it.
pub fn key_of(m: &MemberRow) -> String {
    MemberKey {
        symbol: m.symbol.clone(),
        number: m.number.clone(),
        branch: m.branch.clone(),
    }
    .to_string()
}
