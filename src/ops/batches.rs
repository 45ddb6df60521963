//! Batch bookkeeping: the issue lock, recovery of batches left by a killed run, making a
//! batch live, and `batches list | show | void`.

use std::fs::File;
use std::path::{Path, PathBuf};

use rusqlite::Connection;

use crate::db::batches::{self as dbb, Batch};
use crate::db::credentials;
use crate::error::{Error, Result};
use crate::{Context, clock, db};

/// Held for the whole of an issuing run (issue, reissue by postcard, reminder), so runs on one
/// database take turns. Under it, any batch still 'pending' belongs to a run that died.
pub struct IssueLock {
    _file: Option<File>,
}

/// Takes the issue lock of the database `conn` is open on (an exclusive lock on
/// `<db>.issue.lock`), waiting for another run to finish. `waiting` is called before waiting.
pub fn lock(conn: &Connection, waiting: impl FnOnce()) -> Result<IssueLock> {
    let Some(db_path) = conn.path().filter(|p| !p.is_empty()) else {
        // In-memory databases (unit tests) cannot be shared between processes.
        return Ok(IssueLock { _file: None });
    };
    let path = PathBuf::from(format!("{db_path}.issue.lock"));
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| anyhow::anyhow!("cannot open the lock file {}: {e}", path.display()))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            waiting();
            file.lock()?;
        }
        Err(std::fs::TryLockError::Error(e)) => return Err(e.into()),
    }
    Ok(IssueLock { _file: Some(file) })
}

/// The temporary file a batch's print file is written to, beside its final name, so that the
/// final step is an atomic link in one directory.
pub fn temp_path(final_path: &Path, batch_id: i64) -> PathBuf {
    let name = final_path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    final_path.with_file_name(format!(".{name}.hagaki-{batch_id}.tmp"))
}

/// What recovery did with a batch left 'pending' by a run that died.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Recovered {
    pub batch_id: i64,
    /// `completed`: its print file was whole and in place, so it was made live;
    /// `abandoned`: its credentials were revoked and its temporary file removed.
    pub outcome: &'static str,
    pub file: Option<String>,
}

/// Finishes or abandons every batch a dead run left 'pending'. Call it under [`lock`].
pub fn recover(ctx: &Context, conn: &mut Connection) -> Result<Vec<Recovered>> {
    let mut done = Vec::new();
    for batch in dbb::pending(conn)? {
        let file = batch.file_name.as_deref().map(PathBuf::from);
        // The digest is recorded only once the file is complete and fsynced; the link to the
        // final name follows. A final file with that digest is therefore the whole batch.
        let whole = match (&file, &batch.file_sha256) {
            (Some(path), Some(sha)) => path.exists() && &file_sha256(path)? == sha,
            _ => false,
        };
        if whole && credentials::missing_hashes(conn, batch.id)? == 0 {
            let tx = db::write_tx(conn)?;
            make_live(ctx, &tx, &batch, "completed by the next run")?;
            tx.commit()?;
            done.push(Recovered {
                batch_id: batch.id,
                outcome: "completed",
                file: batch.file_name.clone(),
            });
        } else {
            abandon(ctx, conn, &batch, "the run writing it did not finish")?;
            done.push(Recovered {
                batch_id: batch.id,
                outcome: "abandoned",
                file: None,
            });
        }
        if let Some(path) = &file {
            remove_if_present(&temp_path(path, batch.id))?;
        }
    }
    Ok(done)
}

/// Ends a batch that will never be printed: its pending credentials are revoked.
pub fn abandon(ctx: &Context, conn: &mut Connection, batch: &Batch, why: &str) -> Result<()> {
    let now = clock::to_db(ctx.now());
    let tx = db::write_tx(conn)?;
    let revoked = credentials::revoke_batch(&tx, batch.id, "pending", &now, "batch abandoned")?;
    dbb::set_state(&tx, batch.id, "pending", "abandoned")?;
    ctx.audit(
        &tx,
        "batch.abandon",
        None,
        "ok",
        format!("batch {}: {why}; {revoked} credentials revoked", batch.id),
    )?;
    tx.commit()?;
    if let Some(path) = &batch.file_name {
        remove_if_present(&temp_path(Path::new(path), batch.id))?;
    }
    Ok(())
}

/// The last step of every batch, in the caller's transaction: each member's previous live
/// provisional credential is revoked and the batch's own become live.
pub(crate) fn make_live(ctx: &Context, tx: &Connection, batch: &Batch, note: &str) -> Result<()> {
    let now = clock::to_db(ctx.now());
    let replaced = credentials::revoke_superseded(
        tx,
        batch.id,
        &now,
        &format!("replaced by batch {}", batch.id),
    )?;
    let live = credentials::make_live(tx, batch.id)?;
    dbb::set_state(tx, batch.id, "pending", "issued")?;
    let member = match batch.kind.as_str() {
        "reissue" => single_member(tx, batch.id)?,
        _ => None,
    };
    let mut detail = format!(
        "batch {} ({}): {live} postcards, {replaced} older credentials revoked, sha256 {}",
        batch.id,
        batch.kind,
        batch.file_sha256.as_deref().unwrap_or("")
    );
    if let Some(reason) = &batch.reason {
        detail.push_str(&format!("; reason: {reason}"));
    }
    if !note.is_empty() {
        detail.push_str(&format!("; {note}"));
    }
    ctx.audit(tx, "batch.issue", member, "ok", detail)?;
    Ok(())
}

fn single_member(conn: &Connection, batch_id: i64) -> Result<Option<i64>> {
    let mut one = None;
    dbb::for_each_printed_member(conn, batch_id, |id, _, _, _, _| one = Some(id))?;
    Ok(one)
}

/// A file's SHA-256, streamed (a print file can be large).
fn file_sha256(path: &Path) -> Result<String> {
    use sha2::Digest;
    let mut digest = sha2::Sha256::new();
    std::io::copy(&mut File::open(path)?, &mut digest)?;
    Ok(hex::encode(digest.finalize()))
}

fn remove_if_present(path: &Path) -> Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.into()),
        _ => Ok(()),
    }
}

/// A batch with how many of its credentials are in each state.
#[derive(Debug, Clone, serde::Serialize)]
pub struct BatchView {
    #[serde(flatten)]
    pub batch: Batch,
    pub credentials: std::collections::BTreeMap<String, i64>,
}

pub fn list(conn: &Connection) -> Result<Vec<BatchView>> {
    dbb::list(conn)?
        .into_iter()
        .map(|batch| view(conn, batch))
        .collect()
}

pub fn show(conn: &Connection, id: i64) -> Result<BatchView> {
    view(conn, find(conn, id)?)
}

fn find(conn: &Connection, id: i64) -> Result<Batch> {
    dbb::get(conn, id)?.ok_or_else(|| {
        Error::not_found(format!("batch {id}")).with_hint("`hagaki batches list` shows every batch")
    })
}

fn view(conn: &Connection, batch: Batch) -> Result<BatchView> {
    let credentials = credentials::state_counts(conn, batch.id)?
        .into_iter()
        .collect();
    Ok(BatchView { batch, credentials })
}

/// Voids an issued batch (lost in the post, wrong file sent …): every credential of it not
/// yet used is revoked; the reason is kept with the batch and in the audit trail.
pub fn void(ctx: &Context, conn: &mut Connection, id: i64, reason: &str) -> Result<BatchView> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(Error::bad_input(
            "--reason must say why the batch is voided",
        ));
    }
    let now = clock::to_db(ctx.now());
    let tx = db::write_tx(conn)?;
    let batch = find(&tx, id)?;
    if !dbb::mark_voided(&tx, id, &now, reason)? {
        return Err(Error::refused(format!(
            "batch {id} is {}; only an issued batch can be voided",
            batch.state
        )));
    }
    let revoked = credentials::revoke_batch(&tx, id, "live", &now, "batch voided")?;
    ctx.audit(
        &tx,
        "batch.void",
        None,
        "ok",
        format!("batch {id}: {revoked} credentials revoked; reason: {reason}"),
    )?;
    let shown = show(&tx, id)?;
    tx.commit()?;
    Ok(shown)
}
