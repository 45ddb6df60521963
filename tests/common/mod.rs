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

// ---- mail: seeding members, accounts and outbox rows straight into the database ----

/// A raw connection to the site's database, for seeding and checking rows.
pub fn mail_conn(site: &Site) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(site.db()).expect("open site db");
    conn.busy_timeout(std::time::Duration::from_secs(30))
        .unwrap();
    conn
}

/// The registered account a seeded member holds.
pub struct MailAccount<'a> {
    pub user_id: &'a str,
    pub email: &'a str,
    pub confirmed: bool,
    pub notice_mail: bool,
}

/// A roster member (branch 00) with `id`, and optionally a registered account.
pub fn mail_seed_member(
    site: &Site,
    id: i64,
    name: &str,
    symbol: &str,
    number: &str,
    account: Option<MailAccount<'_>>,
) {
    let conn = mail_conn(site);
    conn.execute(
        "INSERT INTO members (id, symbol, number, branch, name, birth_date, row_hash, created_at, updated_at)
         VALUES (?1, ?2, ?3, '00', ?4, '1980-04-01', 'seed', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')",
        rusqlite::params![id, symbol, number, name],
    )
    .unwrap();
    if let Some(a) = account {
        conn.execute(
            "INSERT INTO accounts (member_id, user_id, password_hash, email, email_confirmed_at,
                                   notice_mail, registered_at)
             VALUES (?1, ?2, '$argon2id$seed', ?3, ?4, ?5, '2026-02-01T00:00:00Z')",
            rusqlite::params![
                id,
                a.user_id,
                a.email,
                a.confirmed.then_some("2026-02-01T00:05:00Z"),
                i64::from(a.notice_mail)
            ],
        )
        .unwrap();
    }
}

/// Queues a mail the way the portal steps do, at the site's pinned time. Returns its id.
pub fn mail_queue(
    site: &Site,
    kind: hagaki::db::outbox::MailKind,
    member_id: Option<i64>,
    to: &str,
    payload: serde_json::Value,
) -> i64 {
    let now = chrono::DateTime::parse_from_rfc3339(&site.now)
        .unwrap()
        .with_timezone(&chrono::Utc);
    hagaki::db::outbox::enqueue(&mail_conn(site), kind, member_id, to, &payload, now).unwrap()
}

/// The binary as a plain `std::process::Command`, for runs that must overlap.
pub fn mail_std_cmd(site: &Site) -> std::process::Command {
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("hagaki"));
    cmd.env_clear()
        .env("HAGAKI_DB", site.db())
        .env("HAGAKI_NOW", &site.now)
        .env("HAGAKI_ACTOR", "tester")
        .current_dir(site.dir.path());
    cmd
}

/// Runs `hagaki --format json ARGS` with extra environment; returns exit code and JSON.
pub fn mail_run(site: &Site, env: &[(&str, &str)], args: &[&str]) -> (i32, serde_json::Value) {
    let mut cmd = site.cmd();
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.arg("--format").arg("json").args(args).output().unwrap();
    let code = out.status.code().expect("exit code");
    let json = serde_json::from_slice(&out.stdout).unwrap_or_else(
        |_| serde_json::json!({ "stderr": String::from_utf8_lossy(&out.stderr).to_string() }),
    );
    (code, json)
}

/// `mail send` through `url`; exit code and JSON summary.
pub fn mail_send(site: &Site, url: &str) -> (i32, serde_json::Value) {
    mail_run(site, &[("HAGAKI_SMTP_URL", url)], &["mail", "send"])
}

/// (state, attempts, next_attempt_at, last_error) of an outbox row.
pub fn mail_row(site: &Site, id: i64) -> (String, i64, String, Option<String>) {
    mail_conn(site)
        .query_row(
            "SELECT state, attempts, next_attempt_at, last_error FROM outbox WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .unwrap()
}

/// Member 1, 山田 太郎, registered as `yamada.taro` with a confirmed `taro@example.jp`; the
/// member key 記77-4321987 must never show in a mail.
pub fn mail_seed_taro(site: &Site) {
    mail_seed_member(
        site,
        1,
        "山田 太郎",
        "記77",
        "4321987",
        Some(MailAccount {
            user_id: "yamada.taro",
            email: "taro@example.jp",
            confirmed: true,
            notice_mail: true,
        }),
    );
}

/// Received mail by decoded subject.
/// The `len` characters after `marker` in `text` (a token or password in a mail body).
pub fn mail_after<'a>(text: &'a str, marker: &str, len: usize) -> &'a str {
    let start = text
        .find(marker)
        .unwrap_or_else(|| panic!("{marker:?} in {text}"))
        + marker.len();
    &text[start..start + len]
}

/// The database file's bytes followed by its WAL's: where a leaked secret would be.
pub fn mail_db_bytes(site: &Site) -> Vec<u8> {
    let mut bytes = std::fs::read(site.db()).unwrap();
    if let Ok(wal) = std::fs::read(site.path("hagaki.db-wal")) {
        bytes.extend(wal);
    }
    bytes
}

pub fn mail_bytes_contain(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}
