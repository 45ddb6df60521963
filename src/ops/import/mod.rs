//! Importing the member roster: stream, validate, upsert by member key, report what changed
//! and who is missing. All or nothing: one bad row and nothing is written.
//!
//! Decisions:
//! - A row whose 資格喪失日 (lost_on) is today or earlier (JST) marks that member retired; a
//!   later date is stored and takes effect at the first import on or after it. A retired
//!   member who is back in the roster without a past lost_on is reinstated (counted updated).
//! - Missing households are the not-yet-retired insured persons the roster does not name;
//!   dependents left out of a household that is present are listed apart. `--retire-missing`
//!   retires both.

mod ahead;
mod bad_rows;

use std::fs::File;
use std::path::PathBuf;

use rusqlite::Connection;

use self::ahead::parse_ahead;
use self::bad_rows::BadRows;
use crate::db::{self, members};
use crate::error::{Error, Result, RowError};
use crate::roster::{Encoding, EncodingChoice, Roster};
use crate::{Context, clock};

/// Page cache for the import's transaction, in KiB: large enough that index pages of a
/// million-row table stay in memory, small enough for the 100 MiB budget.
const IMPORT_CACHE_KIB: i64 = 32 * 1024;

#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    pub path: PathBuf,
    pub encoding: EncodingChoice,
    /// Validate and count, then roll everything back.
    pub dry_run: bool,
    /// Retire the members of households the roster no longer names.
    pub retire_missing: bool,
}

/// What an import did (or, with `dry_run`, would do).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ImportSummary {
    pub encoding: Encoding,
    pub rows: u64,
    pub new: u64,
    pub updated: u64,
    pub unchanged: u64,
    /// Households in the database that the roster does not name.
    pub missing: u64,
    /// Dependents the roster leaves out of a household it does name.
    pub missing_dependents: u64,
    /// Members retired by this import (past 資格喪失日, or missing with `retire_missing`).
    pub retired: u64,
    pub dry_run: bool,
    /// Opaque member ids of the missing households' insured persons.
    pub missing_household_ids: Vec<i64>,
    pub missing_dependent_ids: Vec<i64>,
}

/// Imports a roster file. `progress` is called now and then with the bytes read so far.
pub fn import(
    ctx: &Context,
    conn: &mut Connection,
    opts: &ImportOptions,
    progress: &mut dyn FnMut(u64),
) -> Result<ImportSummary> {
    let file = File::open(&opts.path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Error::not_found(format!("roster {}", opts.path.display())),
        _ => Error::Internal(
            anyhow::Error::new(e).context(format!("cannot open {}", opts.path.display())),
        ),
    })?;
    let today = ctx.clock.today_jst();
    let roster = Roster::open(file, opts.encoding, today)?;
    let now = clock::to_db(ctx.now());

    let old_cache = members::cache_size(conn)?;
    members::set_cache_size(conn, -IMPORT_CACHE_KIB)?;
    let outcome = (|| {
        let tx = db::write_tx(conn)?;
        members::begin_import(&tx)?;
        let max_before = members::max_id(&tx)?;
        let first_load = max_before == 0;
        // The roster line of each member this import inserts, in id order: 4 bytes a row
        // (4 MB for a million), where a TEMP table row would cost a B-tree insert each.
        let mut new_lines: Vec<u32> = Vec::new();
        let mut s = ImportSummary {
            encoding: Encoding::Utf8,
            rows: 0,
            new: 0,
            updated: 0,
            unchanged: 0,
            missing: 0,
            missing_dependents: 0,
            retired: 0,
            dry_run: opts.dry_run,
            missing_household_ids: Vec::new(),
            missing_dependent_ids: Vec::new(),
        };
        let mut bad = BadRows::default();
        s.encoding = parse_ahead(roster, |batch| {
            for (line, parsed) in batch.rows {
                s.rows += 1;
                let (row, hash) = match parsed {
                    Ok(ok) => ok,
                    Err(errors) => {
                        bad.extend(errors);
                        continue;
                    }
                };
                let lost = row.lost_on.is_some_and(|d| d <= today);
                let retired_now = lost.then_some(now.as_str());
                // A first load has nothing to look up: insert at once, and only a conflict
                // (the same member twice in the file) falls through to the look-up.
                let new_id = match first_load {
                    true => members::insert(&tx, &row, &hash, &now, retired_now)?,
                    false => None,
                };
                let existing = match new_id {
                    Some(_) => None,
                    None => members::find_for_import(&tx, &row.key)?,
                };
                match existing {
                    None => {
                        let id = match new_id {
                            Some(id) => id,
                            None => members::insert(&tx, &row, &hash, &now, retired_now)?
                                .expect("a member that was not found inserts"),
                        };
                        if id != max_before + new_lines.len() as i64 + 1 {
                            return Err(Error::Internal(anyhow::anyhow!(
                                "member ids are not consecutive during an import"
                            )));
                        }
                        new_lines.push(u32::try_from(line).unwrap_or(u32::MAX));
                        s.new += 1;
                        s.retired += u64::from(lost);
                    }
                    Some(ex) => {
                        let earlier = match ex.id > max_before {
                            true => Some(u64::from(new_lines[(ex.id - max_before - 1) as usize])),
                            false => members::mark_seen(&tx, ex.id, line)?,
                        };
                        if let Some(first) = earlier {
                            bad.push(RowError {
                                line,
                                column: String::new(),
                                value: String::new(),
                                reason: format!(
                                    "the same member (記号・番号・枝番) is on line {first}"
                                ),
                            });
                            continue;
                        }
                        let retired_at = match (&ex.retired_at, lost) {
                            (_, false) => None,
                            (Some(at), true) => Some(at.as_str()),
                            (None, true) => Some(now.as_str()),
                        };
                        if ex.row_hash != hash {
                            members::update(&tx, ex.id, &row, &hash, &now, retired_at)?;
                            s.updated += 1;
                        } else if retired_at != ex.retired_at.as_deref() {
                            members::set_retired(&tx, ex.id, retired_at, &now)?;
                            // Back in the roster after being retired: that is a change.
                            if retired_at.is_none() {
                                s.updated += 1;
                            } else {
                                s.unchanged += 1;
                            }
                        } else {
                            s.unchanged += 1;
                        }
                        s.retired += u64::from(lost && ex.retired_at.is_none());
                    }
                }
            }
            progress(batch.bytes);
            Ok(())
        })?;
        let mut orphans: Vec<(u64, String)> = members::dependents_without_insured(&tx, max_before)?
            .into_iter()
            .map(|(id, branch, line)| {
                let line =
                    line.unwrap_or_else(|| u64::from(new_lines[(id - max_before - 1) as usize]));
                (line, branch)
            })
            .collect();
        orphans.sort();
        for (line, branch) in orphans {
            bad.push(RowError {
                line,
                column: String::new(),
                value: String::new(),
                reason: format!(
                    "dependent 枝番 {branch} has no insured person (枝番 00) in the roster"
                ),
            });
        }
        if !bad.is_empty() {
            return Err(bad.into_error(&opts.path));
        }
        if s.rows == 0 {
            return Err(Error::bad_input(format!(
                "{} has a header but no member rows; nothing was written",
                opts.path.display()
            )));
        }
        members::create_accounts(&tx, max_before)?;
        // After a first load every member came from this roster: nobody can be missing.
        if !first_load {
            s.missing_household_ids = members::missing_households(&tx, max_before)?;
            s.missing_dependent_ids = members::missing_dependents(&tx, max_before)?;
        }
        s.missing = s.missing_household_ids.len() as u64;
        s.missing_dependents = s.missing_dependent_ids.len() as u64;
        if opts.retire_missing {
            s.retired += members::retire_unseen(&tx, max_before, &now)? as u64;
        }
        members::end_import(&tx)?;
        ctx.audit(
            &tx,
            "import",
            None,
            "ok",
            format!(
                "rows {} new {} updated {} unchanged {} missing {} missing_dependents {} retired {} encoding {}",
                s.rows,
                s.new,
                s.updated,
                s.unchanged,
                s.missing,
                s.missing_dependents,
                s.retired,
                s.encoding.as_str()
            ),
        )?;
        if !opts.dry_run {
            tx.commit()?;
        }
        Ok(s)
    })();
    members::set_cache_size(conn, old_cache)?;
    outcome
}
