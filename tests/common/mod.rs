//! Shared test harness: runs the real `hagaki` binary against a database in a fresh temp dir,
//! with a cleaned environment and a pinned clock.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use tempfile::TempDir;

/// A quiet moment: a Wednesday morning in Japan, far from any maintenance window.
pub const NOW: &str = "2026-11-18T10:00:00+09:00";
pub const INSURER_NUMBER: &str = "06130090";

/// A temp directory with (optionally) an initialised database in it.
pub struct Site {
    pub dir: TempDir,
    pub now: String,
}

impl Site {
    /// An empty directory: no database yet.
    pub fn empty() -> Self {
        Site {
            dir: tempfile::tempdir().expect("temp dir"),
            now: NOW.to_string(),
        }
    }

    /// A directory with a database made by `hagaki init`.
    pub fn new() -> Self {
        let site = Site::empty();
        site.cmd()
            .args([
                "init",
                "--insurer-number",
                INSURER_NUMBER,
                "--insurer-name",
                "ひまわり健康保険組合",
                "--portal-url",
                "https://portal.himawari-kenpo.example.jp/",
                "--mail-from",
                "portal@himawari-kenpo.example.jp",
            ])
            .assert()
            .success();
        site
    }

    pub fn db(&self) -> PathBuf {
        self.dir.path().join("hagaki.db")
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The binary, in the site's directory, on its database, at the site's pinned time.
    pub fn cmd(&self) -> Command {
        let mut cmd = Command::cargo_bin("hagaki").expect("hagaki binary");
        cmd.env_clear()
            .env("HAGAKI_DB", self.db())
            .env("HAGAKI_NOW", &self.now)
            .env("HAGAKI_ACTOR", "tester")
            .current_dir(self.dir.path());
        cmd
    }

    /// Runs with `--format json` and parses stdout.
    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        let out = self
            .cmd()
            .arg("--format")
            .arg("json")
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "hagaki {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).expect("JSON on stdout")
    }
}

/// A file in `fixtures/`.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
}

/// Reads a whole file; for scanning a database's bytes for secrets.
pub fn bytes(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// Whether `needle` occurs anywhere in `haystack`.
pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

// ---- support desk (issue 5): seed rows straight into the site's SQLite file ----

/// The site's database, opened directly, for seeding and tampering.
pub fn support_conn(site: &Site) -> rusqlite::Connection {
    rusqlite::Connection::open(site.db()).expect("open site database")
}

/// A roster member; an insured person (branch `00`) also gets its (empty) portal account.
pub fn support_member(
    conn: &rusqlite::Connection,
    id: i64,
    key: (&str, &str, &str),
    name: &str,
    retired_at: Option<&str>,
) {
    conn.execute(
        "INSERT INTO members (id, symbol, number, branch, name, birth_date, row_hash, created_at,
                              updated_at, retired_at)
         VALUES (?1, ?2, ?3, ?4, ?5, '1980-04-01', 'seed', '2026-05-01T00:00:00Z',
                 '2026-05-01T00:00:00Z', ?6)",
        rusqlite::params![id, key.0, key.1, key.2, name, retired_at],
    )
    .unwrap();
    if key.2 == "00" {
        conn.execute("INSERT INTO accounts (member_id) VALUES (?1)", [id])
            .unwrap();
    }
}

/// An issued postcard batch.
pub fn support_batch(conn: &rusqlite::Connection, id: i64, kind: &str, issued_on: &str, n: i64) {
    conn.execute(
        "INSERT INTO batches (id, kind, state, created_at, actor, issued_on, expires_on, member_count)
         VALUES (?1, ?2, 'issued', ?3 || 'T00:00:00Z', 'seed', ?3, date(?3, '+90 days'), ?4)",
        rusqlite::params![id, kind, issued_on, n],
    )
    .unwrap();
}

/// A provisional credential (the hash is a stand-in: status never shows or checks it).
pub fn support_provisional(
    conn: &rusqlite::Connection,
    member_id: i64,
    login_id: &str,
    batch_id: i64,
    state: &str,
    expires_at: &str,
) {
    conn.execute(
        "INSERT INTO credentials (member_id, kind, login_id, password_hash, batch_id, state,
                                  issued_at, expires_at)
         VALUES (?1, 'provisional', ?2, '$argon2id$seed-hash', ?3, ?4,
                 (SELECT created_at FROM batches WHERE id = ?3), ?5)",
        rusqlite::params![member_id, login_id, batch_id, state, expires_at],
    )
    .unwrap();
}

/// Sets account columns: `sets` is SQL assignments with fixed text (seed data only).
pub fn support_account(conn: &rusqlite::Connection, member_id: i64, sets: &str) {
    conn.execute(
        &format!("UPDATE accounts SET {sets} WHERE member_id = ?1"),
        [member_id],
    )
    .unwrap();
}

/// An outbox mail in a given state.
pub fn support_mail(
    conn: &rusqlite::Connection,
    member_id: i64,
    kind: &str,
    to: &str,
    state: &str,
) {
    conn.execute(
        "INSERT INTO outbox (kind, member_id, to_addr, state, attempts, next_attempt_at, created_at)
         VALUES (?1, ?2, ?3, ?4, 1, '2026-11-01T00:00:00Z', '2026-11-01T00:00:00Z')",
        rusqlite::params![kind, member_id, to, state],
    )
    .unwrap();
}

/// Ten households, one in each place of the lifecycle, plus a dependent of household 2
/// (see tests/support.rs for the expected funnel).
pub fn support_seed(site: &Site) {
    let conn = support_conn(site);
    support_batch(&conn, 1, "batch", "2026-06-01", 5);
    support_batch(&conn, 2, "batch", "2026-11-01", 4);
    support_batch(&conn, 3, "reissue", "2026-11-10", 1);
    for n in 1..=10 {
        let retired = (n == 9).then_some("2026-11-10T00:00:00Z");
        support_member(
            &conn,
            n,
            ("1234", &n.to_string(), "00"),
            &format!("会員{n}"),
            retired,
        );
    }
    support_member(&conn, 11, ("1234", "2", "01"), "家族2", None);
    let expired = "2026-08-30T15:00:00Z";
    let valid = "2027-01-30T15:00:00Z";
    support_provisional(&conn, 2, "PROV2AAAAA", 2, "live", valid);
    support_provisional(&conn, 3, "PROV3AAAAA", 1, "live", expired);
    support_provisional(&conn, 4, "PROV4AAAAA", 1, "expired", expired);
    support_account(&conn, 4, "identity_checked_at = '2026-07-01T00:00:00Z'");
    support_provisional(&conn, 5, "PROV5AAAAA", 2, "live", valid);
    support_account(&conn, 5, "identity_checked_at = '2026-11-02T00:00:00Z'");
    support_provisional(&conn, 6, "PROV6AAAAA", 1, "used", expired);
    support_account(
        &conn,
        6,
        "identity_checked_at = '2026-06-05T00:00:00Z', registered_at = '2026-06-05T00:10:00Z',
         user_id = 'hanako.y', password_hash = '$argon2id$seed-hash', email = 'hanako@example.jp'",
    );
    support_mail(&conn, 6, "confirm_email", "hanako@example.jp", "queued");
    support_provisional(&conn, 7, "PROV7AAAAA", 1, "used", expired);
    support_account(
        &conn,
        7,
        "identity_checked_at = '2026-06-05T00:00:00Z', registered_at = '2026-06-05T00:10:00Z',
         email_confirmed_at = '2026-06-05T01:00:00Z', user_id = 'taro-7',
         password_hash = '$argon2id$seed-hash', email = 'shared@example.jp'",
    );
    support_mail(&conn, 7, "confirm_email", "shared@example.jp", "sent");
    support_mail(&conn, 7, "temporary_password", "shared@example.jp", "dead");
    support_provisional(&conn, 8, "PROV8AAAAA", 2, "live", valid);
    support_account(
        &conn,
        8,
        "failed_attempts = 5, locked_until = '2026-11-18T03:30:00Z'",
    );
    support_provisional(&conn, 9, "PROV9AAAAA", 2, "used", valid);
    support_account(
        &conn,
        9,
        "identity_checked_at = '2026-11-03T00:00:00Z', registered_at = '2026-11-03T00:10:00Z',
         email_confirmed_at = '2026-11-03T01:00:00Z', user_id = 'jiro-9', email = 'Shared@Example.jp'",
    );
    support_provisional(&conn, 10, "PROVXAAAAA", 1, "live", expired);
    conn.execute(
        "UPDATE credentials SET state = 'revoked', end_reason = 'reissue' WHERE login_id = 'PROVXAAAAA'",
        [],
    )
    .unwrap();
    support_provisional(&conn, 10, "PROVXBBBBB", 3, "live", valid);
}
