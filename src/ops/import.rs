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

use std::fs::File;
use std::io::Read;
use std::path::PathBuf;
use std::sync::mpsc;

use rusqlite::Connection;

use crate::db::{self, members};
use crate::error::{Error, Result, RowError};
use crate::roster::{Encoding, EncodingChoice, MemberRow, Roster};
use crate::{Context, clock};

/// More bad rows than this are counted, not listed (a wrong file can have a million).
const MAX_LISTED_ERRORS: usize = 1000;
/// Page cache for the import's transaction, in KiB: large enough that index pages of a
/// million-row table stay in memory, small enough for the 100 MiB budget.
const IMPORT_CACHE_KIB: i64 = 32 * 1024;
/// Rows the parsing thread hands over at a time (and between two progress reports).
const BATCH_ROWS: usize = 2048;
/// Batches parsed ahead of the database: bounds memory to a few thousand rows.
const BATCHES_AHEAD: usize = 4;

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
                match members::find_for_import(&tx, &row.key)? {
                    None => {
                        let retired_at = lost.then_some(now.as_str());
                        let id = members::insert(&tx, &row, &hash, &now, retired_at)?;
                        members::mark_seen(&tx, id, line)?;
                        s.new += 1;
                        s.retired += u64::from(lost);
                    }
                    Some(ex) => {
                        if let Some(first) = members::mark_seen(&tx, ex.id, line)? {
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
        for (line, key) in members::dependents_without_insured(&tx, bad.room())? {
            bad.push(RowError {
                line,
                column: String::new(),
                value: String::new(),
                reason: format!(
                    "dependent 枝番 {} has no insured person (枝番 00) in the roster",
                    key.branch
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
        s.missing_household_ids = members::missing_households(&tx)?;
        s.missing_dependent_ids = members::missing_dependents(&tx)?;
        s.missing = s.missing_household_ids.len() as u64;
        s.missing_dependents = s.missing_dependent_ids.len() as u64;
        if opts.retire_missing {
            s.retired += members::retire_unseen(&tx, &now)? as u64;
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

/// A valid row with its `row_hash`, or everything wrong with the line.
type HashedRow = std::result::Result<(MemberRow, String), Vec<RowError>>;

/// Parsed rows with their hashes, and how far into the file they reach.
struct Batch {
    rows: Vec<(u64, HashedRow)>,
    bytes: u64,
}

/// Parses (decode, normalise, hash) on a second thread while `consume` writes the previous
/// batch on this one: the two halves of an import cost about the same. Returns the encoding.
fn parse_ahead<R: Read + Send>(
    mut roster: Roster<R>,
    mut consume: impl FnMut(Batch) -> Result<()>,
) -> Result<Encoding> {
    std::thread::scope(|scope| {
        let (send, receive) = mpsc::sync_channel::<Result<Batch>>(BATCHES_AHEAD);
        let parser = scope.spawn(move || {
            loop {
                let mut rows = Vec::with_capacity(BATCH_ROWS);
                let mut done = false;
                while rows.len() < BATCH_ROWS {
                    match roster.next_row() {
                        Ok(Some((line, parsed))) => {
                            rows.push((
                                line,
                                parsed.map(|r| {
                                    let hash = r.row_hash();
                                    (r, hash)
                                }),
                            ));
                        }
                        Ok(None) => {
                            done = true;
                            break;
                        }
                        Err(e) => {
                            // The receiver may be gone already; then nobody needs the error.
                            let _ = send.send(Err(e));
                            return roster.encoding();
                        }
                    }
                }
                let batch = Batch {
                    rows,
                    bytes: roster.bytes_read(),
                };
                // A closed channel means the writer stopped on an error: stop reading too.
                if send.send(Ok(batch)).is_err() || done {
                    return roster.encoding();
                }
            }
        });
        for batch in receive.iter() {
            consume(batch?)?;
        }
        Ok(parser.join().expect("the roster parsing thread panicked"))
    })
}

/// The bad rows found so far: the first [`MAX_LISTED_ERRORS`] listed, the rest counted.
#[derive(Default)]
struct BadRows {
    listed: Vec<RowError>,
    more: u64,
    first_unlisted: Option<u64>,
}

impl BadRows {
    fn push(&mut self, e: RowError) {
        if self.listed.len() < MAX_LISTED_ERRORS {
            self.listed.push(e);
        } else {
            self.more += 1;
            self.first_unlisted.get_or_insert(e.line);
        }
    }

    fn extend(&mut self, errors: Vec<RowError>) {
        for e in errors {
            self.push(e);
        }
    }

    fn is_empty(&self) -> bool {
        self.listed.is_empty()
    }

    /// How many more errors are worth fetching (one more tells that some were left out).
    fn room(&self) -> i64 {
        (MAX_LISTED_ERRORS - self.listed.len()) as i64 + 1
    }

    fn into_error(mut self, path: &std::path::Path) -> Error {
        self.listed.sort_by_key(|e| e.line);
        if self.more > 0 {
            self.listed.push(RowError {
                line: self.first_unlisted.unwrap_or(0),
                column: String::new(),
                value: String::new(),
                reason: format!(
                    "and {} more problem(s) from here on, not listed; fix the ones above first",
                    self.more
                ),
            });
        }
        Error::BadRows {
            file: path.display().to_string(),
            rows: self.listed,
        }
    }
}
