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

use std::fs::File;
use std::io::BufWriter;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use chrono::{Duration, NaiveDate};
use rayon::prelude::*;
use rusqlite::Connection;

use crate::db::batches::{self as dbb, MemberState, NewBatch};
use crate::db::credentials::{self, NewProvisional};
use crate::error::{Error, Result};
use crate::member_key::MemberKey;
use crate::ops::batches::{self as batch_ops, Recovered};
use crate::printfile::{self, Encoding, PrintRow, PrintWriter};
use crate::settings::Settings;
use crate::{Context, clock, credential, db, secret};

/// Rows minted, hashed and written together: big enough to keep every core busy, small enough
/// that memory does not grow with the batch.
const CHUNK: usize = 256;
/// Attempts at a fresh provisional ID before giving up (a collision is already rare).
const ID_ATTEMPTS: usize = 100;

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

fn refuse_overwrite(path: &Path) -> Error {
    Error::refused(format!(
        "{} already exists; a print file is never overwritten",
        path.display()
    ))
    .with_hint("choose a new --out file name")
}

fn select(conn: &Connection, plan: &Plan, today: NaiveDate) -> Result<Vec<i64>> {
    match &plan.selection {
        Selection::Eligible { only, limit } => {
            dbb::eligible_members(conn, &today.to_string(), only.as_deref(), *limit)
        }
        Selection::Members(ids) => dbb::print_order(conn, ids),
        Selection::Reminder { batch } => dbb::reminder_members(conn, *batch),
    }
}

/// Phase 1: the batch and its pending credentials, in one transaction, after checking that
/// every member's name and address can be printed. None when nobody is to be printed.
fn create(
    ctx: &Context,
    conn: &mut Connection,
    plan: &Plan,
    settings: &Settings,
    out: &Path,
    issued_on: NaiveDate,
    expires_on: NaiveDate,
) -> Result<Option<(i64, u64)>> {
    for (field, value) in [
        ("insurer_name", settings.insurer_name.as_str()),
        ("portal_url", settings.portal_url.as_str()),
    ] {
        if let Some(ch) = plan.encoding.unmappable(value) {
            return Err(Error::bad_input(format!(
                "setting {field} {value:?} holds {ch:?}, which {} cannot hold",
                plan.encoding.as_str()
            )));
        }
    }
    let tx = db::write_tx(conn)?;
    let members = select(&tx, plan, issued_on)?;
    if members.is_empty() {
        return Ok(None);
    }
    let now = ctx.now();
    let issued_at = clock::to_db(now);
    // Valid through the printed expiry date, Japan time: it ends when the next day begins.
    let expires_at = clock::to_db(
        (expires_on + Duration::days(1))
            .and_hms_opt(0, 0, 0)
            .expect("midnight exists")
            .and_local_timezone(clock::jst())
            .single()
            .expect("JST has no gaps")
            .to_utc(),
    );
    let batch_id = dbb::insert(
        &tx,
        &NewBatch {
            kind: plan.kind,
            created_at: &issued_at,
            actor: &ctx.actor,
            issued_on: &issued_on.to_string(),
            expires_on: &expires_on.to_string(),
            member_count: members.len() as i64,
            file_name: &out.display().to_string(),
            encoding: plan.encoding.as_str(),
            reason: plan.reason.as_deref(),
        },
    )?;
    let mut rng = rand::rngs::OsRng;
    for (seq, &member_id) in members.iter().enumerate() {
        let login_id = (0..ID_ATTEMPTS)
            .map(|_| credential::generate_provisional_id(&mut rng, settings.provisional_id_length))
            .find_map(
                |id| match credentials::reserve_login_id(&tx, &id, member_id) {
                    Ok(true) => Some(Ok(id)),
                    Ok(false) => None,
                    Err(e) => Some(Err(e)),
                },
            )
            .ok_or_else(|| {
                anyhow::anyhow!("no unused provisional ID after {ID_ATTEMPTS} tries")
            })??;
        credentials::insert_pending(
            &tx,
            &NewProvisional {
                member_id,
                login_id: &login_id,
                batch_id,
                batch_seq: seq as i64 + 1,
                issued_at: &issued_at,
                expires_at: &expires_at,
            },
        )?;
    }
    check_printable(&tx, batch_id, plan.encoding)?;
    tx.commit()?;
    Ok(Some((batch_id, members.len() as u64)))
}

/// Every member field of the batch in the print encoding; all failures are listed at once.
fn check_printable(conn: &Connection, batch_id: i64, encoding: Encoding) -> Result<()> {
    let mut bad = Vec::new();
    dbb::for_each_printed_member(conn, batch_id, |id, name, postal, address1, address2| {
        let fields = [
            ("name", name),
            ("postal_code", postal),
            ("address1", address1),
            ("address2", address2),
        ];
        if let Err(e) = printfile::check_member(encoding, id, &fields) {
            bad.push(e.to_string());
        }
    })?;
    if bad.is_empty() {
        return Ok(());
    }
    Err(Error::bad_input(format!(
        "{} member(s) cannot be printed in {}; nothing was issued:\n  {}",
        bad.len(),
        encoding.as_str(),
        bad.join("\n  ")
    ))
    .with_hint("correct the roster and import it again, or use --encoding utf-8 if the print vendor reads UTF-8"))
}

/// Phase 2: mint, hash and write the rows chunk by chunk into the temporary file; returns the
/// file's SHA-256 once it is fsynced.
fn write(
    conn: &mut Connection,
    settings: &Settings,
    batch_id: i64,
    encoding: Encoding,
    out: &Path,
    on_event: &mut dyn FnMut(Event<'_>),
) -> Result<String> {
    let batch = dbb::get(conn, batch_id)?.ok_or_else(|| anyhow::anyhow!("batch vanished"))?;
    let issued_on: NaiveDate = batch.issued_on.parse().map_err(anyhow::Error::from)?;
    let expires_on: NaiveDate = batch.expires_on.parse().map_err(anyhow::Error::from)?;
    let file = File::options()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(batch_ops::temp_path(out, batch_id))?;
    let mut writer = PrintWriter::new(BufWriter::new(file), encoding)?;
    let params = settings.hash_params();
    let insurer_number = settings.insurer_number.to_string();
    let mut after = 0;
    loop {
        let sources = credentials::print_sources(conn, batch_id, after, CHUNK)?;
        let Some(last) = sources.last() else { break };
        after = last.seq;
        let minted: Vec<(String, String)> = sources
            .par_iter()
            .map(|_| {
                let pw = credential::generate_password(
                    &mut rand::rngs::OsRng,
                    settings.provisional_password_length,
                );
                let hash = secret::hash_password(&pw, params)?;
                Ok((credential::format_password(&pw), hash))
            })
            .collect::<Result<_>>()?;
        for (s, (printed, _)) in sources.iter().zip(&minted) {
            writer.write_row(&PrintRow {
                batch_id,
                seq: s.seq,
                member_id: s.member_id,
                postal_code: &s.postal_code,
                address1: &s.address1,
                address2: &s.address2,
                name: &s.name,
                provisional_id: &s.login_id,
                password: printed,
                issued_on,
                expires_on,
                insurer_name: &settings.insurer_name,
                insurer_number: &insurer_number,
                portal_url: &settings.portal_url,
            })?;
        }
        let tx = db::write_tx(conn)?;
        for (s, (_, hash)) in sources.iter().zip(&minted) {
            credentials::set_hash(&tx, s.credential_id, hash)?;
        }
        tx.commit()?;
        on_event(Event::Wrote {
            rows: sources.len() as u64,
        });
    }
    let (buffered, sha) = writer.finish()?;
    let file = buffered.into_inner().map_err(|e| e.into_error())?;
    file.sync_all()?;
    Ok(sha)
}

/// Phase 3: record the digest, put the file in place without overwriting anything, and make
/// the batch live.
fn publish(
    ctx: &Context,
    conn: &mut Connection,
    batch_id: i64,
    out: &Path,
    sha: String,
) -> Result<String> {
    dbb::record_digest(conn, batch_id, &sha)?;
    let temp = batch_ops::temp_path(out, batch_id);
    // A hard link fails when the name exists, where rename would silently replace it.
    std::fs::hard_link(&temp, out).map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => refuse_overwrite(out),
        _ => e.into(),
    })?;
    std::fs::remove_file(&temp)?;
    if let Some(dir) = out.parent() {
        File::open(dir)?.sync_all()?;
    }
    let tx = db::write_tx(conn)?;
    let batch = dbb::get(&tx, batch_id)?.ok_or_else(|| anyhow::anyhow!("batch vanished"))?;
    batch_ops::make_live(ctx, &tx, &batch, "")?;
    tx.commit()?;
    Ok(sha)
}
