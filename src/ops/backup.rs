//! The online backup: a consistent copy of the database while other commands run.
//!
//! The copy is written under a temporary name beside the target, checked with
//! `PRAGMA integrity_check`, then linked into place, which fails rather than overwrite a
//! file that appeared meanwhile. A failed backup leaves nothing behind.

use std::path::{Path, PathBuf};

use rusqlite::Connection;

use crate::db::housekeeping;
use crate::error::{Error, Result};

#[derive(Debug, Clone, serde::Serialize)]
pub struct BackupSummary {
    pub file: PathBuf,
    pub bytes: u64,
    pub integrity: String,
}

pub fn backup(conn: &Connection, dest: &Path) -> Result<BackupSummary> {
    let refuse = || {
        Error::refused(format!("{} already exists", dest.display()))
            .with_hint("name a new file; a backup never overwrites one")
    };
    if dest.exists() {
        return Err(refuse());
    }
    let dir = match dest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if !dir.is_dir() {
        return Err(Error::not_found(format!("directory {}", dir.display())));
    }
    // A temp file removed on drop, so a failure at any step leaves nothing behind.
    let tmp = tempfile::Builder::new()
        .prefix(".hagaki-backup-")
        .suffix(".tmp")
        .tempfile_in(dir)?
        .into_temp_path();
    housekeeping::backup_to(conn, &tmp)?;
    let integrity = housekeeping::integrity_check(&tmp)?;
    if integrity != "ok" {
        return Err(Error::Internal(anyhow::anyhow!(
            "the backup copy failed its integrity check: {integrity}"
        )));
    }
    match std::fs::hard_link(&tmp, dest) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => return Err(refuse()),
        Err(e) => return Err(e.into()),
    }
    tmp.close()?;
    Ok(BackupSummary {
        file: dest.to_path_buf(),
        bytes: std::fs::metadata(dest)?.len(),
        integrity,
    })
}
