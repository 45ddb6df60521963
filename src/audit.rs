//! The audit trail: one hash-chained row per change, written in the same transaction as the
//! change itself.
//!
//! Each row's hash covers its fields and the previous row's hash, so an edited or inserted row
//! breaks the chain from that point on; the head (count and newest hash) is kept apart, so
//! deleting rows at the end is found too. This is tamper-evidence against edits made outside
//! hagaki, not a signature: someone who rewrites the whole chain and the head is not detected.

use chrono::{DateTime, Utc};
use rusqlite::Connection;

use crate::clock;
use crate::db;
use crate::db::audit::AuditRow;
use crate::error::Result;
use crate::secret;

/// The hash that stands before the first row.
const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What happened, said without any secret and without 記号・番号.
#[derive(Debug, Clone)]
pub struct Entry<'a> {
    pub actor: &'a str,
    pub action: &'a str,
    pub member_id: Option<i64>,
    /// `ok`, `refused`, or another short word.
    pub outcome: &'a str,
    pub detail: String,
}

/// Appends a row to the chain. Call it inside the transaction that makes the change.
pub fn record(conn: &Connection, at: DateTime<Utc>, entry: Entry<'_>) -> Result<i64> {
    let prev_hash = db::audit::head(conn)?
        .map(|(_, hash)| hash)
        .unwrap_or_else(|| GENESIS.to_string());
    let mut row = AuditRow {
        id: 0,
        at: clock::to_db(at),
        actor: entry.actor.to_string(),
        action: entry.action.to_string(),
        member_id: entry.member_id,
        outcome: entry.outcome.to_string(),
        detail: entry.detail,
        prev_hash,
        hash: String::new(),
    };
    row.hash = row_hash(&row);
    db::audit::insert(conn, &row)
}

/// The hash of a row's content and its predecessor's hash. Fields are length-prefixed so
/// that moving text from one field into the next changes the hash.
fn row_hash(row: &AuditRow) -> String {
    let member = row.member_id.map(|m| m.to_string()).unwrap_or_default();
    let fields = [
        row.prev_hash.as_str(),
        &row.at,
        &row.actor,
        &row.action,
        &member,
        &row.outcome,
        &row.detail,
    ];
    let mut buf = String::new();
    for f in fields {
        buf.push_str(&f.len().to_string());
        buf.push(':');
        buf.push_str(f);
    }
    secret::sha256_hex(buf)
}

/// The result of checking the chain.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Verification {
    pub rows: i64,
    pub ok: bool,
    /// Each break found, with the row id where it shows.
    pub problems: Vec<Problem>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Problem {
    pub row: Option<i64>,
    pub what: String,
}

/// Walks the whole chain and reports every place it does not hold.
pub fn verify(conn: &Connection) -> Result<Verification> {
    let mut problems = Vec::new();
    let mut expected_prev = GENESIS.to_string();
    let mut rows = 0i64;
    let mut last_id = 0i64;
    db::audit::for_each(conn, |row| {
        rows += 1;
        if row.id != last_id + 1 {
            problems.push(Problem {
                row: Some(row.id),
                what: format!("rows {} to {} are missing", last_id + 1, row.id - 1),
            });
        }
        if row.prev_hash != expected_prev {
            problems.push(Problem {
                row: Some(row.id),
                what: "does not follow the row before it (a row was inserted, deleted or edited)"
                    .into(),
            });
        }
        if row_hash(&row) != row.hash {
            problems.push(Problem {
                row: Some(row.id),
                what: "its content does not match its hash (the row was edited)".into(),
            });
        }
        expected_prev = row.hash.clone();
        last_id = row.id;
        Ok(())
    })?;
    match db::audit::head(conn)? {
        Some((count, hash)) if count != rows || hash != expected_prev => {
            problems.push(Problem {
                row: None,
                what: format!(
                    "the chain ends after {rows} row(s) but {count} were written (rows were deleted or added at the end)"
                ),
            });
        }
        None if rows > 0 => problems.push(Problem {
            row: None,
            what: "the chain head is missing".into(),
        }),
        _ => {}
    }
    Ok(Verification {
        rows,
        ok: problems.is_empty(),
        problems,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trail(n: usize) -> Connection {
        let conn = db::in_memory().unwrap();
        let at = Utc::now();
        for i in 0..n {
            record(
                &conn,
                at,
                Entry {
                    actor: "staff",
                    action: "test",
                    member_id: Some(i as i64),
                    outcome: "ok",
                    detail: format!("row {i}"),
                },
            )
            .unwrap();
        }
        conn
    }

    #[test]
    fn an_untouched_chain_verifies() {
        let v = verify(&trail(5)).unwrap();
        assert_eq!((v.rows, v.ok), (5, true), "{v:?}");
    }

    #[test]
    fn finds_an_edited_row() {
        let conn = trail(5);
        conn.execute("UPDATE audit SET detail = 'forged' WHERE id = 3", [])
            .unwrap();
        let v = verify(&conn).unwrap();
        assert!(!v.ok);
        assert_eq!(v.problems[0].row, Some(3));
    }

    #[test]
    fn finds_a_deleted_middle_row_and_a_deleted_last_row() {
        let conn = trail(5);
        conn.execute("DELETE FROM audit WHERE id = 2", []).unwrap();
        assert!(
            verify(&conn)
                .unwrap()
                .problems
                .iter()
                .any(|p| p.row == Some(3))
        );

        let conn = trail(5);
        conn.execute("DELETE FROM audit WHERE id = 5", []).unwrap();
        let v = verify(&conn).unwrap();
        assert!(!v.ok);
        assert_eq!(v.problems[0].row, None);
    }

    #[test]
    fn finds_an_inserted_row() {
        let conn = trail(3);
        conn.execute(
            "INSERT INTO audit (id, at, actor, action, member_id, outcome, detail, prev_hash, hash)
             SELECT 10, at, actor, action, member_id, outcome, 'extra', prev_hash, hash FROM audit WHERE id = 3",
            [],
        )
        .unwrap();
        assert!(!verify(&conn).unwrap().ok);
    }
}
