//! Applying roster rows inside the import's transaction: insert new members (and new
//! households' accounts), update changed ones, note unchanged ones as seen.
//!
//! A first load (no members yet) has nothing to look up, so it inserts
//! [`sql::ROWS_PER_INSERT`] rows per statement and only looks rows up when a statement
//! skipped one (the same member named twice).

use chrono::NaiveDate;
use rusqlite::Connection;

use super::ImportSummary;
use super::bad_rows::BadRows;
use super::households::Households;
use crate::db::import as sql;
use crate::error::{Error, Result, RowError};
use crate::roster::{MemberRow, Parsed};

/// What the rows applied so far have left behind.
pub(super) struct Apply<'a> {
    conn: &'a Connection,
    insert: sql::MemberInsert<'a>,
    /// The largest member id before the import: larger ids are this import's.
    max_before: i64,
    /// The database had no members: nothing to look up.
    first_load: bool,
    now: &'a str,
    today: NaiveDate,
    /// The roster line of each member this import inserts, in id order: 4 bytes a row
    /// (4 MB for a million), where a TEMP table row would cost a B-tree insert each.
    new_lines: Vec<u32>,
    households: Households,
    /// New members up to this id have their household's account.
    accounts_upto: i64,
}

impl<'a> Apply<'a> {
    /// Starts applying rows in the import's transaction `conn`, at time `now` (`today` in
    /// Japan); `max_before` is the largest member id before the import.
    pub(super) fn new(
        conn: &'a Connection,
        now: &'a str,
        today: NaiveDate,
        max_before: i64,
    ) -> Result<Self> {
        Ok(Apply {
            conn,
            insert: sql::MemberInsert::new(conn, now)?,
            max_before,
            first_load: max_before == 0,
            now,
            today,
            new_lines: Vec::new(),
            households: Households::default(),
            accounts_upto: max_before,
        })
    }

    /// Whether the database had no members before: then nobody can be missing.
    pub(super) fn is_first_load(&self) -> bool {
        self.first_load
    }

    /// Applies a batch of parsed rows, counting them in `s`; every problem goes to `bad`.
    pub(super) fn batch(
        &mut self,
        rows: &[Parsed],
        s: &mut ImportSummary,
        bad: &mut BadRows,
    ) -> Result<()> {
        let mut chunk: Vec<(u64, &MemberRow)> = Vec::with_capacity(sql::ROWS_PER_INSERT);
        for (line, parsed) in rows {
            s.rows += 1;
            match parsed {
                Err(errors) => bad.extend(errors.iter().cloned()),
                Ok(row) if self.first_load => {
                    chunk.push((*line, row));
                    if chunk.len() == sql::ROWS_PER_INSERT {
                        self.insert_chunk(&chunk, s, bad)?;
                        chunk.clear();
                    }
                }
                Ok(row) => bad.extend(self.row(*line, row, s)?),
            }
        }
        for (line, row) in chunk {
            bad.extend(self.row(line, row, s)?);
        }
        self.create_accounts()
    }

    /// First load: inserts a full chunk of rows in one statement.
    fn insert_chunk(
        &mut self,
        chunk: &[(u64, &MemberRow)],
        s: &mut ImportSummary,
        bad: &mut BadRows,
    ) -> Result<()> {
        let (today, now) = (self.today, self.now);
        let members: Vec<sql::NewMember<'_>> = chunk
            .iter()
            .map(|(_, row)| (*row, retired_now(row, today, now)))
            .collect();
        let inserted = self.insert.insert_many(&members)?;
        if inserted == chunk.len() {
            let first = self.conn.last_insert_rowid() - inserted as i64 + 1;
            for (k, (line, row)) in chunk.iter().enumerate() {
                self.new_member(first + k as i64, *line, row, s)?;
            }
            return Ok(());
        }
        // A member named twice was skipped: the rows that were inserted have the next ids in
        // order; any other row finds the id of the line that named its member first.
        for (line, row) in chunk {
            let found = sql::find_for_import(self.conn, &row.key)?
                .expect("every member of an inserted chunk is in the table");
            if found.id == self.next_id() {
                self.new_member(found.id, *line, row, s)?;
            } else {
                bad.push(self.named_before(*line, found.id));
            }
        }
        Ok(())
    }

    /// Applies `row` (roster line `line`) and counts it in `s`; a member named twice is a
    /// row error, returned instead.
    fn row(
        &mut self,
        line: u64,
        row: &MemberRow,
        s: &mut ImportSummary,
    ) -> Result<Option<RowError>> {
        let retired = retired_now(row, self.today, self.now);
        let lost = retired.is_some();
        // A first load has nothing to look up: insert at once, and only a conflict (the same
        // member twice in the file) falls through to the look-up.
        let new_id = match self.first_load {
            true => self.insert.insert((row, retired))?,
            false => None,
        };
        let existing = match new_id {
            Some(_) => None,
            None => sql::find_for_import(self.conn, &row.key)?,
        };
        let Some(ex) = existing else {
            let id = match new_id {
                Some(id) => id,
                None => self
                    .insert
                    .insert((row, retired))?
                    .expect("a member that was not found inserts"),
            };
            self.new_member(id, line, row, s)?;
            return Ok(None);
        };
        if ex.id > self.max_before {
            return Ok(Some(self.named_before(line, ex.id)));
        }
        if let Some(first) = sql::mark_seen(self.conn, ex.id, line)? {
            return Ok(Some(duplicate(line, first)));
        }
        self.households.named(&row.key, ex.id, line);
        let retired_at = match (&ex.retired_at, lost) {
            (_, false) => None,
            (Some(at), true) => Some(at.as_str()),
            (None, true) => Some(self.now),
        };
        if !ex.fields.same_as(row) {
            sql::update(self.conn, ex.id, row, self.now, retired_at)?;
            s.updated += 1;
        } else if retired_at != ex.retired_at.as_deref() {
            sql::set_retired(self.conn, ex.id, retired_at, self.now)?;
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
        Ok(None)
    }

    /// Creates the accounts of the households inserted since the last call: once a batch of
    /// rows, while their pages are still in the cache.
    fn create_accounts(&mut self) -> Result<()> {
        let upto = self.max_before + self.new_lines.len() as i64;
        let after = self.accounts_upto.max(self.max_before);
        if upto > after {
            sql::create_accounts(self.conn, after, upto)?;
        }
        self.accounts_upto = upto;
        Ok(())
    }

    /// Done with the rows: what is left to check about households.
    pub(super) fn finish(self) -> Households {
        self.households
    }

    /// The id the next member this import inserts gets.
    fn next_id(&self) -> i64 {
        self.max_before + self.new_lines.len() as i64 + 1
    }

    /// Records member `id`, just inserted from `row` on `line`, and counts it.
    fn new_member(
        &mut self,
        id: i64,
        line: u64,
        row: &MemberRow,
        s: &mut ImportSummary,
    ) -> Result<()> {
        if id != self.next_id() {
            return Err(Error::Internal(anyhow::anyhow!(
                "member ids are not consecutive during an import"
            )));
        }
        self.new_lines.push(u32::try_from(line).unwrap_or(u32::MAX));
        self.households.named(&row.key, id, line);
        s.new += 1;
        s.retired += u64::from(retired_now(row, self.today, self.now).is_some());
        Ok(())
    }

    /// The error for `line`, which names member `id` that this import inserted already.
    fn named_before(&self, line: u64, id: i64) -> RowError {
        duplicate(
            line,
            u64::from(self.new_lines[(id - self.max_before - 1) as usize]),
        )
    }
}

/// When a new member retires: now if their 資格喪失日 is today or earlier, else not yet.
fn retired_now<'n>(row: &MemberRow, today: NaiveDate, now: &'n str) -> Option<&'n str> {
    row.lost_on.is_some_and(|d| d <= today).then_some(now)
}

fn duplicate(line: u64, first: u64) -> RowError {
    RowError {
        line,
        column: String::new(),
        value: String::new(),
        reason: format!("the same member (記号・番号・枝番) is on line {first}"),
    }
}
