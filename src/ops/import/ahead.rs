//! Parsing the roster on a second thread, a few batches ahead of the database writer.

use std::io::Read;
use std::sync::mpsc;

use crate::error::Result;
use crate::roster::{Encoding, Parsed, Roster};

/// Rows the parsing thread hands over at a time (and between two progress reports).
const BATCH_ROWS: usize = 2048;
/// Batches parsed ahead of the database: bounds memory to a few thousand rows.
const BATCHES_AHEAD: usize = 4;

/// Parsed rows (each with its line), and how far into the file they reach.
pub(super) struct Batch {
    pub(super) rows: Vec<Parsed>,
    pub(super) bytes: u64,
}

/// Parses (decode, normalise, validate) on a second thread while `consume` writes the previous
/// batch on this one. Consumed batches go back to the parsing thread to be freed there: the
/// writer is the slower half, and freeing memory another thread allocated costs more.
/// Returns the encoding.
pub(super) fn parse_ahead<R: Read + Send>(
    mut roster: Roster<R>,
    mut consume: impl FnMut(&Batch) -> Result<()>,
) -> Result<Encoding> {
    std::thread::scope(|scope| {
        let (send, receive) = mpsc::sync_channel::<Result<Batch>>(BATCHES_AHEAD);
        let (give_back, given_back) = mpsc::sync_channel::<Batch>(BATCHES_AHEAD + 1);
        let parser = scope.spawn(move || {
            loop {
                // Free what the writer is done with, and keep the last one's room for rows.
                let mut rows = Vec::with_capacity(BATCH_ROWS);
                while let Ok(used) = given_back.try_recv() {
                    rows = used.rows;
                    rows.clear();
                }
                let mut done = false;
                while rows.len() < BATCH_ROWS {
                    match roster.next_row() {
                        Ok(Some(parsed)) => rows.push(parsed),
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
            let batch = batch?;
            consume(&batch)?;
            // The parser may have finished and gone: then the batch is simply freed here.
            let _ = give_back.try_send(batch);
        }
        Ok(parser.join().expect("the roster parsing thread panicked"))
    })
}
