//! The bad rows an import has found: the first ones listed, the rest counted.

use crate::error::{Error, RowError};

/// More bad rows than this are counted, not listed (a wrong file can have a million).
const MAX_LISTED_ERRORS: usize = 1000;

/// The bad rows found so far: the first [`MAX_LISTED_ERRORS`] listed, the rest counted.
#[derive(Default)]
pub(super) struct BadRows {
    listed: Vec<RowError>,
    more: u64,
    first_unlisted: Option<u64>,
}

impl BadRows {
    pub(super) fn push(&mut self, e: RowError) {
        if self.listed.len() < MAX_LISTED_ERRORS {
            self.listed.push(e);
        } else {
            self.more += 1;
            self.first_unlisted.get_or_insert(e.line);
        }
    }

    pub(super) fn extend(&mut self, errors: impl IntoIterator<Item = RowError>) {
        for e in errors {
            self.push(e);
        }
    }

    pub(super) fn is_empty(&self) -> bool {
        self.listed.is_empty()
    }

    pub(super) fn into_error(mut self, path: &std::path::Path) -> Error {
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
