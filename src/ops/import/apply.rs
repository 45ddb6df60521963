//! Applying one valid roster row inside the import's transaction: insert a new member (and a
//! new household's account), update a changed one, or note an unchanged one as seen.

use rusqlite::Connection;

use super::ImportSummary;
use super::households::Households;
use crate::db::import as sql;
use crate::error::{Error, Result, RowError};
use crate::roster::MemberRow;

/// What the rows applied so far have left behind.
pub(super) struct Apply<'a> {
    pub(super) conn: &'a Connection,
    pub(super) insert: sql::MemberInsert<'a>,
    /// The largest member id before the import: larger ids are this import's.
    pub(super) max_before: i64,
    /// The database had no members: nothing to look up.
    pub(super) first_load: bool,
    pub(super) now: &'a str,
    pub(super) today: chrono::NaiveDate,
    /// The roster line of each member this import inserts, in id order: 4 bytes a row
    /// (4 MB for a million), where a TEMP table row would cost a B-tree insert each.
    pub(super) new_lines: Vec<u32>,
    pub(super) households: Households,
    /// New members up to this id have their household's account.
    pub(super) accounts_upto: i64,
}

impl Apply<'_> {
    /// Applies `row` (roster line `line`) and counts it in `s`; a member named twice is a
    /// row error, returned instead.
    pub(super) fn row(
        &mut self,
        line: u64,
        row: &MemberRow,
        s: &mut ImportSummary,
    ) -> Result<Option<RowError>> {
        let lost = row.lost_on.is_some_and(|d| d <= self.today);
        let retired_now = lost.then_some(self.now);
        // A first load has nothing to look up: insert at once, and only a conflict (the same
        // member twice in the file) falls through to the look-up.
        let new_id = match self.first_load {
            true => self.insert.insert(row, retired_now)?,
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
                    .insert(row, retired_now)?
                    .expect("a member that was not found inserts"),
            };
            self.inserted(id, line, row)?;
            s.new += 1;
            s.retired += u64::from(lost);
            return Ok(None);
        };
        let earlier = match ex.id > self.max_before {
            true => Some(u64::from(
                self.new_lines[(ex.id - self.max_before - 1) as usize],
            )),
            false => sql::mark_seen(self.conn, ex.id, line)?,
        };
        if let Some(first) = earlier {
            return Ok(Some(RowError {
                line,
                column: String::new(),
                value: String::new(),
                reason: format!("the same member (記号・番号・枝番) is on line {first}"),
            }));
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
    pub(super) fn create_accounts(&mut self) -> Result<()> {
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

    fn inserted(&mut self, id: i64, line: u64, row: &MemberRow) -> Result<()> {
        if id != self.max_before + self.new_lines.len() as i64 + 1 {
            return Err(Error::Internal(anyhow::anyhow!(
                "member ids are not consecutive during an import"
            )));
        }
        self.new_lines.push(u32::try_from(line).unwrap_or(u32::MAX));
        self.households.named(&row.key, id, line);
        Ok(())
    }
}
