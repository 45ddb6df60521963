//! How long `ops::portal::login` takes at the default argon2id cost, and that an unknown ID
//! costs the same as a wrong password (the dummy-hash check), so timing tells nothing.
//!
//! Run: `cargo bench --bench portal_login` (release profile). Prints the median and spread
//! of each case over `RUNS` logins.

use std::time::{Duration, Instant};

use chrono::Utc;
use hagaki::clock::Clock;
use hagaki::ops::portal;
use hagaki::settings::{self, Settings};
use hagaki::{Context, credential, db, secret};

const RUNS: usize = 30;

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let mut conn = db::create(&dir.path().join("bench.db")).unwrap();
    for (k, v) in [
        ("insurer_number", "06130090"),
        ("insurer_name", "bench"),
        ("portal_url", "https://p.example.jp/"),
        // Wrong passwords must not lock the account during the run.
        ("lockout_threshold", "1000"),
    ] {
        settings::set(&conn, k, v).unwrap();
    }
    let settings = Settings::load(&conn).unwrap();
    let id = credential::generate_provisional_id(&mut rand::rngs::OsRng, 10);
    let password = "ab3kx9x2mpqrs";
    let hash = secret::hash_password(password, settings.hash_params()).unwrap();
    // Seeding writes the rows issuing would write; a benchmark has no issue command here.
    conn.execute_batch(&format!(
        "INSERT INTO members (id, symbol, number, branch, name, birth_date, created_at, updated_at)
           VALUES (1, 'S', '1', '00', 'bench', '1980-01-01', 't', 't');
         INSERT INTO accounts (member_id) VALUES (1);
         INSERT INTO login_ids VALUES ('{id}', 1, 'provisional');
         INSERT INTO credentials (member_id, kind, login_id, password_hash, state, issued_at, expires_at)
           VALUES (1, 'provisional', '{id}', '{hash}', 'live', 't', '2999-01-01T00:00:00Z');"
    ))
    .unwrap();
    let now = chrono::DateTime::parse_from_rfc3339("2026-11-18T10:00:00+09:00")
        .unwrap()
        .with_timezone(&Utc);
    let ctx = Context::new(Clock::pinned(now), "bench");
    let unknown = credential::generate_provisional_id(&mut rand::rngs::OsRng, 10);
    println!(
        "portal login, argon2id m={} t={} p={}, {RUNS} runs each",
        settings.argon2_memory_kib, settings.argon2_iterations, settings.argon2_parallelism
    );
    for (case, login_id, pw, ok) in [
        ("right password", id.as_str(), password, true),
        ("wrong password", id.as_str(), "zzzzzzzzzzzz", false),
        ("unknown ID", unknown.as_str(), "zzzzzzzzzzzz", false),
    ] {
        let mut times: Vec<Duration> = (0..RUNS)
            .map(|_| {
                let start = Instant::now();
                let result = portal::login(&ctx, &mut conn, &settings, login_id, pw);
                let took = start.elapsed();
                assert_eq!(result.is_ok(), ok, "{case}");
                took
            })
            .collect();
        times.sort();
        println!(
            "{case:>15}: median {:>6.1} ms  (min {:.1}, max {:.1})",
            ms(times[RUNS / 2]),
            ms(times[0]),
            ms(times[RUNS - 1])
        );
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
