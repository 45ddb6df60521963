//! SQL for the registration funnel's counts and the batches it is broken down by.
//!
//! The funnel reads the narrow indexes made for it in `sql/0001_init.sql` (`members_retired`,
//! `accounts_funnel`, `accounts_provisional_expiry`, `accounts_locked`): each query is one
//! pass over an index, never a join of the big tables.

use std::collections::BTreeMap;

use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;

use crate::error::Result;

/// Funnel counts for one group of households (all, or one batch's).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub households: i64,
    pub issued: i64,
    pub provisional_expired: i64,
    pub identity_checked: i64,
    pub registered: i64,
    pub email_confirmed: i64,
    pub locked: i64,
    pub retired: i64,
}

/// Counts per batch of the household's newest postcard (`None`: households with none).
/// Households are portal accounts: one per insured person (branch 00), made at import.
pub type FunnelCounts = BTreeMap<Option<i64>, Counts>;

/// Which count a query fills.
type CountField = fn(&mut Counts) -> &mut i64;

/// Every count the funnel needs, as of `now` (stored time text).
pub fn funnel_counts(conn: &Connection, now: &str) -> Result<FunnelCounts> {
    // One read transaction: every count comes from the same snapshot, even while the portal
    // writes. It only reads, so dropping it (a rollback) at the end is all it needs.
    let snapshot = conn.unchecked_transaction()?;
    let conn: &Connection = &snapshot;
    let mut by_batch = FunnelCounts::new();

    // One pass over `accounts_funnel` (two integers an entry) alone, grouped by both:
    // counting groups is cheaper than evaluating expressions on each of a million entries,
    // and the few dozen groups are folded into steps here.
    let mut stmt = conn.prepare_cached(
        "SELECT provisional_batch_id, funnel_steps, count(*)
         FROM accounts INDEXED BY accounts_funnel
         GROUP BY provisional_batch_id, funnel_steps",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let c = by_batch.entry(r.get(0)?).or_default();
        let steps: i64 = r.get(1)?;
        let n: i64 = r.get(2)?;
        c.households += n;
        c.issued += n * ((steps >> 3) & 1);
        c.identity_checked += n * (steps & 1);
        c.registered += n * ((steps >> 1) & 1);
        c.email_confirmed += n * ((steps >> 2) & 1);
    }

    // Small index ranges: expired postcards of unregistered households (the rule of
    // lifecycle::Provisional::is_expired; bit 2 of funnel_steps is "registered"), locks in
    // force, and retired households.
    let side_counts: [(&str, CountField); 3] = [
        (
            "SELECT batch, count(*) FROM (
                 SELECT provisional_batch_id AS batch FROM accounts INDEXED BY accounts_provisional_expiry
                 WHERE provisional_state = 'expired' AND funnel_steps & 2 = 0
                 UNION ALL
                 SELECT provisional_batch_id FROM accounts INDEXED BY accounts_provisional_expiry
                 WHERE provisional_state = 'live' AND provisional_expires_at <= ?1
                   AND funnel_steps & 2 = 0)
             GROUP BY batch",
            |c| &mut c.provisional_expired,
        ),
        (
            "SELECT provisional_batch_id, count(*) FROM accounts INDEXED BY accounts_locked
             WHERE locked_until > ?1 AND locked_until IS NOT NULL
             GROUP BY provisional_batch_id",
            |c| &mut c.locked,
        ),
        (
            "SELECT a.provisional_batch_id, count(*)
             FROM members m INDEXED BY members_retired JOIN accounts a ON a.member_id = m.id
             WHERE m.branch = '00' AND m.retired_at IS NOT NULL
             GROUP BY a.provisional_batch_id",
            |c| &mut c.retired,
        ),
    ];
    for (sql, field) in side_counts {
        let mut stmt = conn.prepare_cached(sql)?;
        let bind = [now];
        let params = rusqlite::params_from_iter(bind.iter().take(stmt.parameter_count()));
        let mut rows = stmt.query(params)?;
        while let Some(r) = rows.next()? {
            *field(by_batch.entry(r.get(0)?).or_default()) = r.get(1)?;
        }
    }
    Ok(by_batch)
}

/// A batch as the funnel and member status show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BatchInfo {
    pub id: i64,
    pub kind: String,
    pub state: String,
    pub issued_on: String,
    /// Postcards printed in the batch.
    pub postcards: i64,
}

pub fn batches(conn: &Connection) -> Result<Vec<BatchInfo>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, kind, state, issued_on, member_count FROM batches ORDER BY id",
    )?;
    let rows = stmt.query_map([], batch_from_sql)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn batch(conn: &Connection, id: i64) -> Result<Option<BatchInfo>> {
    Ok(conn
        .prepare_cached(
            "SELECT id, kind, state, issued_on, member_count FROM batches WHERE id = ?1",
        )?
        .query_row([id], batch_from_sql)
        .optional()?)
}

fn batch_from_sql(r: &rusqlite::Row<'_>) -> rusqlite::Result<BatchInfo> {
    Ok(BatchInfo {
        id: r.get(0)?,
        kind: r.get(1)?,
        state: r.get(2)?,
        issued_on: r.get(3)?,
        postcards: r.get(4)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_funnel_reads_narrow_indexes_not_the_tables() {
        let conn = crate::db::in_memory().unwrap();
        let plan = |sql: &str| -> String {
            let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
            let rows = stmt.query_map([], |r| r.get::<_, String>(3)).unwrap();
            rows.map(Result::unwrap).collect::<Vec<_>>().join("; ")
        };
        let main = plan(
            "SELECT provisional_batch_id, funnel_steps, count(*)
             FROM accounts INDEXED BY accounts_funnel
             GROUP BY provisional_batch_id, funnel_steps",
        );
        assert_eq!(main, "SCAN accounts USING COVERING INDEX accounts_funnel");
        let expired = plan(
            "SELECT provisional_batch_id FROM accounts
             WHERE provisional_state = 'live' AND provisional_expires_at <= '2026-01-01T00:00:00Z'
               AND funnel_steps & 2 = 0",
        );
        assert_eq!(
            expired,
            "SEARCH accounts USING COVERING INDEX accounts_provisional_expiry (provisional_state=? AND provisional_expires_at<?)"
        );
    }

    #[test]
    fn a_new_provisional_credential_is_copied_to_its_account_and_follows_its_state() {
        let conn = crate::db::in_memory().unwrap();
        conn.execute_batch(
            "INSERT INTO members (id, symbol, number, branch, name, birth_date, created_at, updated_at)
             VALUES (1, 'S', '1', '00', 'n', '1980-01-01', 't', 't');
             INSERT INTO accounts (member_id) VALUES (1);
             INSERT INTO batches (id, kind, state, created_at, actor, issued_on, expires_on)
             VALUES (7, 'batch', 'issued', 't', 'a', '2026-01-01', '2026-04-01'),
                    (8, 'reissue', 'issued', 't', 'a', '2026-02-01', '2026-05-01');
             INSERT INTO credentials (id, member_id, kind, login_id, password_hash, batch_id, state, issued_at, expires_at)
             VALUES (1, 1, 'provisional', 'A', 'h', 7, 'live', 't', '2026-04-01T00:00:00Z');
             UPDATE credentials SET state = 'revoked' WHERE id = 1;
             INSERT INTO credentials (id, member_id, kind, login_id, password_hash, batch_id, state, issued_at, expires_at)
             VALUES (2, 1, 'provisional', 'B', 'h', 8, 'live', 't', '2026-05-01T00:00:00Z');
             UPDATE credentials SET state = 'expired' WHERE id = 1;
             UPDATE credentials SET state = 'used' WHERE id = 2;
             INSERT INTO credentials (id, member_id, kind, password_hash, state, issued_at, expires_at)
             VALUES (3, 1, 'temporary', 'h', 'live', 't', 't');",
        )
        .unwrap();
        let copied: (i64, i64, String, String) = conn
            .query_row(
                "SELECT provisional_credential_id, provisional_batch_id, provisional_state,
                        provisional_expires_at FROM accounts WHERE member_id = 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .unwrap();
        assert_eq!(
            copied,
            (2, 8, "used".to_string(), "2026-05-01T00:00:00Z".to_string())
        );
        let steps = |sets: &str| -> i64 {
            conn.execute(
                &format!("UPDATE accounts SET {sets} WHERE member_id = 1"),
                [],
            )
            .unwrap();
            conn.query_row(
                "SELECT funnel_steps FROM accounts WHERE member_id = 1",
                [],
                |r| r.get(0),
            )
            .unwrap()
        };
        // 8: the newest provisional credential (2, used) counts as issued.
        assert_eq!(steps("failed_attempts = 1"), 8);
        assert_eq!(steps("identity_checked_at = 't'"), 9);
        assert_eq!(steps("registered_at = 't', email_confirmed_at = 't'"), 15);
        assert_eq!(steps("email_confirmed_at = NULL"), 11);
        conn.execute("UPDATE credentials SET state = 'revoked' WHERE id = 2", [])
            .unwrap();
        assert_eq!(steps("failed_attempts = 2"), 3);
    }

    #[test]
    fn an_account_made_after_its_credential_picks_it_up() {
        let conn = crate::db::in_memory().unwrap();
        conn.execute_batch(
            "INSERT INTO members (id, symbol, number, branch, name, birth_date, created_at, updated_at)
             VALUES (1, 'S', '1', '00', 'n', '1980-01-01', 't', 't');
             INSERT INTO credentials (id, member_id, kind, login_id, password_hash, state, issued_at, expires_at)
             VALUES (4, 1, 'provisional', 'A', 'h', 'live', 't', 'e');
             INSERT INTO accounts (member_id, identity_checked_at) VALUES (1, 't');",
        )
        .unwrap();
        let row: (i64, String, i64) = conn
            .query_row(
                "SELECT provisional_credential_id, provisional_state, funnel_steps FROM accounts",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap();
        assert_eq!(row, (4, "live".to_string(), 9));
    }

    #[test]
    fn a_dateless_account_made_after_its_credential_still_picks_it_up() {
        // The trigger's WHEN clause skips fresh accounts only when no provisional credential
        // exists; this account has no dates, so only the EXISTS branch lets it through.
        let conn = crate::db::in_memory().unwrap();
        conn.execute_batch(
            "INSERT INTO members (id, symbol, number, branch, name, birth_date, created_at, updated_at)
             VALUES (1, 'S', '1', '00', 'n', '1980-01-01', 't', 't'),
                    (2, 'S', '2', '00', 'n', '1980-01-01', 't', 't');
             INSERT INTO credentials (id, member_id, kind, login_id, password_hash, state, issued_at, expires_at)
             VALUES (4, 1, 'provisional', 'A', 'h', 'used', 't', 'e');
             INSERT INTO accounts (member_id) VALUES (1), (2);",
        )
        .unwrap();
        let rows: Vec<(i64, Option<i64>, Option<String>, i64)> = conn
            .prepare(
                "SELECT member_id, provisional_credential_id, provisional_state, funnel_steps
                 FROM accounts ORDER BY member_id",
            )
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(
            rows,
            [
                (1, Some(4), Some("used".to_string()), 8),
                (2, None, None, 0)
            ]
        );
    }
}
