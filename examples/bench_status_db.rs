//! Generates a hagaki database of N households (default 1,000,000) for `scripts/bench-status.sh`:
//! dependents, postcard batches and provisional credentials in a realistic mix of states.
//!
//! Usage: `bench_status_db PATH [HOUSEHOLDS]`; `bench_status_db --baseline PATH` times the
//! normalised join the funnel would need without its denormalised columns. The rows go in
//! through the real schema, so the triggers that keep the funnel's columns run as they do in
//! production.

use std::path::PathBuf;
use std::time::Instant;

/// Every household's place is chosen from `i % 100`, so the mix is exact and repeatable:
/// 0–4 no postcard; 5–34 live, unused; 35–44 live but past expiry; 45–49 expired by the
/// nightly job; 50–59 identity checked; 60–99 registered (60–87 also confirmed the email).
/// One household in 1000 is locked, one in 50 retired, and those ending in 36 were reissued
/// (old postcard revoked, new one live in batch 13).
const GENERATE: &str = "
WITH RECURSIVE b(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM b WHERE i < 12)
INSERT INTO batches (id, kind, state, created_at, actor, issued_on, expires_on, member_count)
SELECT i, 'batch', 'issued', printf('2026-%02d-01T01:00:00Z', i), 'bench', printf('2026-%02d-01', i),
       date(printf('2026-%02d-01', i), '+90 days'), ?1 / 12 FROM b;
INSERT INTO batches (id, kind, state, created_at, actor, issued_on, expires_on, member_count)
VALUES (13, 'reissue', 'issued', '2026-11-01T01:00:00Z', 'bench', '2026-11-01', '2027-01-30', ?1 / 100);

WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1)
INSERT INTO members (id, symbol, number, branch, name, birth_date, created_at, updated_at, retired_at)
SELECT i, printf('%d', 1000 + i % 97), printf('%d', i), '00', '健保 太郎', '1980-01-01',
       '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z',
       CASE WHEN i % 50 = 7 THEN '2026-10-01T00:00:00Z' END FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1 * 8 / 10)
INSERT INTO members (id, symbol, number, branch, name, birth_date, created_at, updated_at)
SELECT ?1 + i, printf('%d', 1000 + i % 97), printf('%d', i), '01', '健保 花子', '2010-01-01',
       '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z' FROM n;

WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1)
INSERT INTO credentials (member_id, kind, login_id, password_hash, batch_id, state, issued_at, expires_at, used_at)
SELECT i, 'provisional', 'P' || i, '$argon2id$v=19$m=19456,t=2,p=1$bench$bench', 1 + i % 12,
  CASE WHEN i % 100 BETWEEN 45 AND 49 THEN 'expired' WHEN i % 100 >= 60 THEN 'used' ELSE 'live' END,
  printf('2026-%02d-01T01:00:00Z', 1 + i % 12),
  CASE WHEN i % 100 BETWEEN 35 AND 49 THEN '2026-03-01T15:00:00Z' ELSE '2027-03-01T15:00:00Z' END,
  CASE WHEN i % 100 >= 60 THEN '2026-06-01T00:10:00Z' END
FROM n WHERE i % 100 >= 5;
UPDATE credentials SET state = 'revoked', ended_at = '2026-11-01T01:00:00Z', end_reason = 'reissue'
WHERE member_id % 100 = 36;
WITH RECURSIVE n(i) AS (SELECT 36 UNION ALL SELECT i + 100 FROM n WHERE i + 100 <= ?1)
INSERT INTO credentials (member_id, kind, login_id, password_hash, batch_id, state, issued_at, expires_at)
SELECT i, 'provisional', 'R' || i, '$argon2id$v=19$m=19456,t=2,p=1$bench$bench', 13, 'live',
       '2026-11-01T01:00:00Z', '2027-01-30T15:00:00Z' FROM n;

WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1)
INSERT INTO accounts (member_id, identity_checked_at, registered_at, email_confirmed_at, user_id,
                      password_hash, email, failed_attempts, locked_until)
SELECT i,
  CASE WHEN i % 100 >= 50 THEN '2026-06-01T00:00:00Z' END,
  CASE WHEN i % 100 >= 60 THEN '2026-06-01T00:10:00Z' END,
  CASE WHEN i % 100 BETWEEN 60 AND 87 THEN '2026-06-02T00:00:00Z' END,
  CASE WHEN i % 100 >= 60 THEN 'user' || i END,
  CASE WHEN i % 100 >= 60 THEN '$argon2id$v=19$m=19456,t=2,p=1$bench$bench' END,
  CASE WHEN i % 100 >= 60 THEN 'u' || i || '@example.jp' END,
  CASE WHEN i % 1000 = 13 THEN 5 ELSE 0 END,
  CASE WHEN i % 1000 = 13 THEN '2026-11-18T01:30:00Z' END
FROM n;
";

/// The baseline: the same per-batch funnel from the normalised tables, joining every
/// credential to its account and member (what `status` would do without the trigger-kept
/// columns and their index).
const BASELINE: &str = "
SELECT c.batch_id, count(DISTINCT c.member_id),
       sum(a.identity_checked_at IS NOT NULL), sum(a.registered_at IS NOT NULL),
       sum(a.email_confirmed_at IS NOT NULL), sum(a.locked_until > ?1),
       sum(m.retired_at IS NOT NULL)
FROM credentials c JOIN accounts a ON a.member_id = c.member_id JOIN members m ON m.id = c.member_id
WHERE c.kind = 'provisional'
GROUP BY c.batch_id";

fn baseline(path: &str) -> Result<(), Box<dyn std::error::Error>> {
    let conn = rusqlite::Connection::open(path)?;
    let started = Instant::now();
    let mut stmt = conn.prepare(BASELINE)?;
    let groups = stmt
        .query_map(["2026-11-18T01:00:00Z"], |_| Ok(()))?
        .count();
    println!(
        "baseline join funnel: {} ms ({groups} batches)",
        started.elapsed().as_millis()
    );
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    if std::env::args().nth(1).as_deref() == Some("--baseline") {
        let path = std::env::args()
            .nth(2)
            .ok_or("usage: bench_status_db --baseline PATH")?;
        return baseline(&path);
    }
    let path = PathBuf::from(
        args.next()
            .ok_or("usage: bench_status_db PATH [HOUSEHOLDS]")?,
    );
    let households: i64 = args
        .next()
        .map(|n| n.parse())
        .transpose()?
        .unwrap_or(1_000_000);
    let started = Instant::now();
    let mut conn = hagaki::db::create(&path)?;
    // A throw-away file: no crash safety needed, and a big cache keeps index inserts in memory.
    conn.execute_batch(
        "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -524288;",
    )?;
    let tx = hagaki::db::write_tx(&mut conn)?;
    hagaki::settings::set(&tx, "insurer_number", "06130090")?;
    hagaki::settings::set(&tx, "insurer_name", "ベンチ健康保険組合")?;
    hagaki::settings::set(&tx, "portal_url", "https://portal.example.jp/")?;
    // Statements one by one: execute_batch cannot bind the household count.
    for sql in GENERATE
        .split(";\n")
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        let step = Instant::now();
        let mut stmt = tx.prepare(sql)?;
        if stmt.parameter_count() == 0 {
            stmt.execute([])?;
        } else {
            stmt.execute([households])?;
        }
        if std::env::var_os("BENCH_VERBOSE").is_some() {
            let first = sql
                .lines()
                .find(|l| l.starts_with("INSERT") || l.starts_with("UPDATE"));
            eprintln!(
                "{:6.1} s  {}",
                step.elapsed().as_secs_f64(),
                first.unwrap_or("")
            );
        }
    }
    tx.commit()?;
    eprintln!(
        "generated {households} households in {:.1} s: {}",
        started.elapsed().as_secs_f64(),
        path.display()
    );
    Ok(())
}
