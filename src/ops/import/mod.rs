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
mod apply;
mod bad_rows;
mod households;

use std::fs::File;
use std::path::PathBuf;

use rusqlite::Connection;

use self::ahead::parse_ahead;
use self::apply::Apply;
use self::bad_rows::BadRows;
use crate::db::{self, import as sql};
use crate::error::{Error, Result};
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

    let old_cache = sql::cache_size(conn)?;
    sql::set_cache_size(conn, -IMPORT_CACHE_KIB)?;
    let outcome = (|| {
        let tx = db::write_tx(conn)?;
        sql::begin_import(&tx)?;
        let max_before = sql::max_id(&tx)?;
        let mut apply = Apply::new(&tx, &now, today, max_before)?;
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
            apply.batch(&batch.rows, &mut s, &mut bad)?;
            progress(batch.bytes);
            Ok(())
        })?;
        let first_load = apply.is_first_load();
        bad.extend(apply.finish().orphans(&tx, max_before)?);
        if !bad.is_empty() {
            return Err(bad.into_error(&opts.path));
        }
        if s.rows == 0 {
            return Err(Error::bad_input(format!(
                "{} has a header but no member rows; nothing was written",
                opts.path.display()
            )));
        }
        // After a first load every member came from this roster: nobody can be missing.
        if !first_load {
            s.missing_household_ids = sql::missing_households(&tx, max_before)?;
            s.missing_dependent_ids = sql::missing_dependents(&tx, max_before)?;
        }
        s.missing = s.missing_household_ids.len() as u64;
        s.missing_dependents = s.missing_dependent_ids.len() as u64;
        if opts.retire_missing {
            s.retired += sql::retire_unseen(&tx, max_before, &now)? as u64;
        }
        sql::end_import(&tx)?;
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
    sql::set_cache_size(conn, old_cache)?;
    outcome
}
