//! SQL for the nightly jobs: expiring credentials, tokens and sessions, purging old rows,
//! and the online backup with its integrity check.

use std::path::Path;

use rusqlite::{Connection, params};

use crate::error::{Error, Result};

/// Live credentials of `kind` past their expiry become 'expired'. Returns how many.
pub fn expire_credentials(conn: &Connection, kind: &str, now: &str) -> Result<usize> {
    Ok(conn
        .prepare_cached(
            "UPDATE credentials SET state = 'expired', ended_at = ?2, end_reason = 'expired'
             WHERE kind = ?1 AND state = 'live' AND expires_at <= ?2",
        )?
        .execute(params![kind, now])?)
}

/// Unused confirmation tokens past their expiry are revoked. Returns how many.
pub fn expire_email_tokens(conn: &Connection, now: &str) -> Result<usize> {
    Ok(conn
        .prepare_cached(
            "UPDATE email_tokens SET revoked_at = ?1
             WHERE used_at IS NULL AND revoked_at IS NULL AND expires_at <= ?1",
        )?
        .execute([now])?)
}

/// Open sessions past their expiry are ended. Returns how many.
pub fn end_sessions(conn: &Connection, now: &str) -> Result<usize> {
    Ok(conn
        .prepare_cached(
            "UPDATE sessions SET ended_at = expires_at WHERE ended_at IS NULL AND expires_at <= ?1",
        )?
        .execute([now])?)
}

/// Sessions that ended before `before` are deleted. Returns how many.
pub fn purge_sessions(conn: &Connection, before: &str) -> Result<usize> {
    Ok(conn
        .prepare_cached("DELETE FROM sessions WHERE ended_at IS NOT NULL AND ended_at < ?1")?
        .execute([before])?)
}

/// Copies the whole database to `dest` in one backup step: the copy is one consistent
/// snapshot (a WAL read transaction), and writers carry on meanwhile.
pub fn backup_to(conn: &Connection, dest: &Path) -> Result<()> {
    let mut target = Connection::open(dest)?;
    {
        use rusqlite::backup::{Backup, StepResult};
        let backup = Backup::new(conn, &mut target)?;
        let mut tries = 0;
        loop {
            match backup.step(-1)? {
                StepResult::Done => break,
                // Busy/Locked: a writer holds a lock for a moment (a checkpoint); wait.
                other if tries < 100 => {
                    tries += 1;
                    let _ = other;
                    std::thread::sleep(std::time::Duration::from_millis(100));
                }
                other => {
                    return Err(Error::Internal(anyhow::anyhow!(
                        "backup could not read the database: {other:?}"
                    )));
                }
            }
        }
    }
    // A WAL-mode copy would leave -wal/-shm files beside it; one self-contained file is
    // what a backup should be.
    target.execute_batch("PRAGMA journal_mode = DELETE;")?;
    target.close().map_err(|(_, e)| Error::from(e))?;
    Ok(())
}

/// `PRAGMA integrity_check` on a database file: `ok`, or the problems it lists.
pub fn integrity_check(path: &Path) -> Result<String> {
    let conn = Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let lines: Vec<String> = conn
        .prepare("PRAGMA integrity_check")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(lines.join("; "))
}
