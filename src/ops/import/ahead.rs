//! Parsing the roster on a second thread, a few batches ahead of the database writer.

use std::io::Read;
use std::sync::mpsc;

use crate::error::{Result, RowError};
use crate::roster::{Encoding, MemberRow, Roster};

/// Rows the parsing thread hands over at a time (and between two progress reports).
const BATCH_ROWS: usize = 2048;
/// Batches parsed ahead of the database: bounds memory to a few thousand rows.
const BATCHES_AHEAD: usize = 4;

/// A valid row with its `row_hash`, or everything wrong with the line.
pub(super) type HashedRow = std::result::Result<(MemberRow, String), Vec<RowError>>;

/// Parsed rows with their hashes, and how far into the file they reach.
pub(super) struct Batch {
    pub(super) rows: Vec<(u64, HashedRow)>,
    pub(super) bytes: u64,
}

/// Parses (decode, normalise, hash) on a second thread while `consume` writes the previous
/// batch on this one: the two halves of an import cost about the same. Returns the encoding.
pub(super) fn parse_ahead<R: Read + Send>(
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
