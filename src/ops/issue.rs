//! Issuing provisional credentials into a print file: the one machinery behind `issue`,
//! a reissue by postcard and a reminder batch.
//!
//! Crash safety comes from the order of steps. Phase 1 (one transaction) creates the batch
//! 'pending' with a pending credential per member. Phase 2 streams the members in print order
//! in chunks: mint passwords, hash them on every core, append the rows to a 0600 temporary
//! file, store the chunk's hashes. Phase 3 fsyncs the file, records its SHA-256, links it to
//! its final name (never overwriting), and only then, in one transaction, makes the batch
//! 'issued' and its credentials 'live'. A run killed anywhere leaves at most a 'pending'
//! batch, which the next run (under the same lock) finishes if its file is whole, else revokes.

mod create;
mod write;

use std::path::{Path, PathBuf};

use chrono::{Duration, NaiveDate};
use rusqlite::Connection;

use crate::Context;
use crate::db::batches::{self as dbb, MemberState};
use crate::error::{Error, Result};
use crate::member_key::MemberKey;
use crate::ops::batches::{self as batch_ops, Recovered};
use crate::printfile::Encoding;
use crate::settings::Settings;

use self::create::create;
use self::write::{publish, write};

/// Progress reported to the caller (the command line draws a bar from it).
#[derive(Debug)]
pub enum Event<'a> {
    /// Another issuing run holds the lock; this one waits for it.
    WaitingForLock,
    Recovered(&'a Recovered),
    /// The batch is created; `total` rows will be written.
    Writing {
        total: u64,
    },
    /// `rows` more rows are written and hashed.
    Wrote {
        rows: u64,
    },
}

/// Options of `hagaki issue`.
#[derive(Debug, Clone, Default)]
pub struct IssueOptions {
    pub out: PathBuf,
    pub encoding: Encoding,
    pub limit: Option<usize>,
    /// Narrows the batch to these members.
    pub members: Vec<MemberKey>,
    /// Overrides the `provisional_valid_days` setting.
    pub valid_days: Option<i64>,
    pub dry_run: bool,
}

/// What a batch run did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct IssueSummary {
    pub batch_id: Option<i64>,
    pub kind: &'static str,
    pub count: u64,
    pub file: Option<String>,
    pub sha256: Option<String>,
    pub encoding: Encoding,
    pub issued_on: NaiveDate,
    pub expires_on: NaiveDate,
    pub dry_run: bool,
    /// Batches left by killed runs that this run finished or abandoned first.
    pub recovered: Vec<Recovered>,
    /// Members named with `--member` who cannot get a postcard, and why.
    pub skipped: Vec<Skipped>,
}

/// A named member who was left out of a batch.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Skipped {
    pub member_id: i64,
    pub reason: &'static str,
}

/// Who a batch prints.
#[derive(Debug, Clone)]
pub(crate) enum Selection {
    Eligible {
        only: Option<Vec<i64>>,
        limit: Option<usize>,
    },
    Members(Vec<i64>),
    Reminder {
        batch: Option<i64>,
    },
}

#[derive(Debug, Clone)]
pub(crate) struct Plan {
    pub kind: &'static str,
    pub selection: Selection,
    pub out: PathBuf,
    pub encoding: Encoding,
    pub valid_days: Option<i64>,
    pub reason: Option<String>,
    pub dry_run: bool,
}

/// `hagaki issue`: a postcard batch for every eligible insured person (or the named ones).
pub fn issue(
    ctx: &Context,
    conn: &mut Connection,
    opts: &IssueOptions,
    on_event: &mut dyn FnMut(Event<'_>),
) -> Result<IssueSummary> {
    let today = ctx.clock.today_jst().to_string();
    let mut only = None;
    let mut skipped = Vec::new();
    if !opts.members.is_empty() {
        let mut ids = Vec::new();
        for key in &opts.members {
            let m = dbb::member_by_key(conn, key)?
                .ok_or_else(|| Error::not_found(format!("member {key}")))?;
            match why_not_eligible(&m, &today) {
                Some(reason) => skipped.push(Skipped {
                    member_id: m.id,
                    reason,
                }),
                None => ids.push(m.id),
            }
        }
        only = Some(ids);
    }
    let plan = Plan {
        kind: "batch",
        selection: Selection::Eligible {
            only,
            limit: opts.limit,
        },
        out: opts.out.clone(),
        encoding: opts.encoding,
        valid_days: opts.valid_days,
        reason: None,
        dry_run: opts.dry_run,
    };
    let mut summary = run(ctx, conn, &plan, on_event)?;
    summary.skipped = skipped;
    Ok(summary)
}

/// Why a named member gets no first postcard (the rules of `db::batches::eligible_members`).
fn why_not_eligible(m: &MemberState, today: &str) -> Option<&'static str> {
    if m.branch != crate::member_key::INSURED_BRANCH {
        Some("a dependent: postcards go to the insured person")
    } else if m.retired || m.lost_on.as_deref().is_some_and(|d| d <= today) {
        Some("retired (資格喪失)")
    } else if m.registered {
        Some("already registered")
    } else if m.has_provisional {
        Some("already holds a live provisional credential")
    } else {
        None
    }
}

/// Issues credentials for the plan's members into one print file.
pub(crate) fn run(
    ctx: &Context,
    conn: &mut Connection,
    plan: &Plan,
    on_event: &mut dyn FnMut(Event<'_>),
) -> Result<IssueSummary> {
    let settings = Settings::load(conn)?;
    let valid_days = plan.valid_days.unwrap_or(settings.provisional_valid_days);
    if !(1..=3650).contains(&valid_days) {
        return Err(Error::bad_input(format!(
            "--valid-days {valid_days}: must be from 1 to 3650"
        )));
    }
    let issued_on = ctx.clock.today_jst();
    let expires_on = issued_on + Duration::days(valid_days);
    let mut summary = IssueSummary {
        batch_id: None,
        kind: plan.kind,
        count: 0,
        file: None,
        sha256: None,
        encoding: plan.encoding,
        issued_on,
        expires_on,
        dry_run: plan.dry_run,
        recovered: Vec::new(),
        skipped: Vec::new(),
    };
    if plan.dry_run {
        summary.count = select(conn, plan, issued_on)?.len() as u64;
        return Ok(summary);
    }
    let out = final_path(&plan.out)?;
    let _lock = batch_ops::lock(conn, || on_event(Event::WaitingForLock))?;
    summary.recovered = batch_ops::recover(ctx, conn)?;
    for r in &summary.recovered {
        on_event(Event::Recovered(r));
    }
    if out.exists() {
        return Err(refuse_overwrite(&out));
    }
    let Some((batch_id, count)) = create(ctx, conn, plan, &settings, &out, issued_on, expires_on)?
    else {
        return Ok(summary);
    };
    on_event(Event::Writing { total: count });
    let written = write(conn, &settings, batch_id, plan.encoding, &out, on_event)
        .and_then(|sha| publish(ctx, conn, batch_id, &out, sha));
    let sha = match written {
        Ok(sha) => sha,
        Err(e) => {
            // Leave nothing half-issued behind an error this process saw.
            if let Some(batch) = dbb::get(conn, batch_id)? {
                batch_ops::abandon(ctx, conn, &batch, &format!("failed: {e}"))?;
            }
            return Err(e);
        }
    };
    summary.batch_id = Some(batch_id);
    summary.count = count;
    summary.file = Some(out.display().to_string());
    summary.sha256 = Some(sha);
    Ok(summary)
}

/// The absolute final path, checked before any work: its directory must exist, and a print
/// file is never overwritten.
fn final_path(out: &Path) -> Result<PathBuf> {
    let name = out
        .file_name()
        .ok_or_else(|| Error::bad_input(format!("--out {}: not a file name", out.display())))?;
    let dir = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let dir = std::fs::canonicalize(dir).map_err(|_| {
        Error::not_found(format!("directory {} (for --out)", dir.display()))
            .with_hint("create the directory first")
    })?;
    let path = dir.join(name);
    if path.exists() {
        return Err(refuse_overwrite(&path));
    }
    Ok(path)
}

pub(crate) fn refuse_overwrite(path: &Path) -> Error {
    Error::refused(format!(
        "{} already exists; a print file is never overwritten",
        path.display()
    ))
    .with_hint("choose a new --out file name")
}

pub(crate) fn select(conn: &Connection, plan: &Plan, today: NaiveDate) -> Result<Vec<i64>> {
    match &plan.selection {
        Selection::Eligible { only, limit } => {
            dbb::eligible_members(conn, &today.to_string(), only.as_deref(), *limit)
        }
        Selection::Members(ids) => dbb::print_order(conn, ids),
        Selection::Reminder { batch } => dbb::reminder_members(conn, *batch),
    }
}
