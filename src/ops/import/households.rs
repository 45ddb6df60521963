//! Checking that every dependent the roster names comes with its household's insured person
//! (枝番 00), without a second pass over a million members.
//!
//! Core systems export the roster sorted by member key, so the insured person is the row
//! just before their dependents: a dependent whose household is the last insured person seen
//! is fine at once. Any other dependent (an unsorted roster) is kept as its member id and line,
//! 16 bytes, and looked up by key in the database when the roster has been read.

use rusqlite::Connection;

use crate::db::import as sql;
use crate::error::{Result, RowError};
use crate::member_key::MemberKey;

#[derive(Default)]
pub(super) struct Households {
    /// (記号, 番号) of the last insured person the roster named.
    last_insured: Option<(String, String)>,
    /// Dependents to look up at the end: (member id, roster line).
    unsettled: Vec<(i64, u64)>,
}

impl Households {
    /// Notes a member the roster names (member id `id`, on `line`).
    pub(super) fn named(&mut self, key: &MemberKey, id: i64, line: u64) {
        if key.is_insured() {
            match &mut self.last_insured {
                Some((symbol, number)) => {
                    symbol.clone_from(&key.symbol);
                    number.clone_from(&key.number);
                }
                None => self.last_insured = Some((key.symbol.clone(), key.number.clone())),
            }
            return;
        }
        let settled = self
            .last_insured
            .as_ref()
            .is_some_and(|(symbol, number)| *symbol == key.symbol && *number == key.number);
        if !settled {
            self.unsettled.push((id, line));
        }
    }

    /// The dependents whose insured person the roster does not name, in line order. Members
    /// with an id above `max_before` are this import's; older ones it names are in
    /// `temp.import_seen`.
    pub(super) fn orphans(self, conn: &Connection, max_before: i64) -> Result<Vec<RowError>> {
        let mut orphans = Vec::new();
        for (id, line) in self.unsettled {
            if let Some(branch) = sql::dependent_without_insured(conn, id, max_before)? {
                orphans.push(RowError {
                    line,
                    column: String::new(),
                    value: String::new(),
                    reason: format!(
                        "dependent 枝番 {branch} has no insured person (枝番 00) in the roster"
                    ),
                });
            }
        }
        orphans.sort_by_key(|e| e.line);
        Ok(orphans)
    }
}
