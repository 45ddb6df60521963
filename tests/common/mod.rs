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

    /// The database file's bytes followed by its WAL's: everywhere a leaked secret could be.
    pub fn stored_bytes(&self) -> Vec<u8> {
        let mut stored = bytes(&self.db());
        if let Ok(wal) = std::fs::read(self.path("hagaki.db-wal")) {
            stored.extend(wal);
        }
        stored
    }

    /// The site's database opened directly, for seeding rows and checking what was stored.
    /// Waits for a running `hagaki` rather than failing on its lock.
    pub fn conn(&self) -> rusqlite::Connection {
        let conn = rusqlite::Connection::open(self.db()).expect("open the site's database");
        conn.busy_timeout(std::time::Duration::from_secs(30))
            .expect("set busy timeout");
        conn
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

// ---- batches (postcard batches) helpers ----

const BATCHES_SURNAMES: [&str; 10] = [
    "佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林", "加藤",
];
const BATCHES_GIVEN: [&str; 8] = [
    "太郎",
    "花子",
    "一郎",
    "美咲",
    "健太",
    "陽子",
    "翔",
    "さくら",
];
const BATCHES_TOWNS: [(&str, &str); 6] = [
    ("100", "東京都千代田区丸の内"),
    ("530", "大阪府大阪市北区梅田"),
    ("060", "北海道札幌市中央区北一条西"),
    ("810", "福岡県福岡市中央区天神"),
    ("460", "愛知県名古屋市中区栄"),
    ("980", "宮城県仙台市青葉区一番町"),
];

/// Inserts one member (and, for branch 00, its account row, as import does); returns its id.
#[allow(clippy::too_many_arguments)]
pub fn batches_insert_member(
    conn: &rusqlite::Connection,
    symbol: &str,
    number: &str,
    branch: &str,
    name: &str,
    postal_code: &str,
    address1: &str,
    address2: &str,
) -> i64 {
    conn.execute(
        "INSERT INTO members (symbol, number, branch, name, name_kana, birth_date, postal_code,
                              address1, address2, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, 'ヤマダ タロウ', '1979-08-22', ?5, ?6, ?7, ?8, ?8)",
        rusqlite::params![
            symbol,
            number,
            branch,
            name,
            postal_code,
            address1,
            address2,
            "2026-11-01T00:00:00Z"
        ],
    )
    .expect("insert member");
    let id = conn.last_insert_rowid();
    if branch == "00" {
        conn.execute("INSERT INTO accounts (member_id) VALUES (?1)", [id])
            .expect("insert account");
    }
    id
}

/// Seeds `n` insured persons (symbol 7001, numbers 1..=n, with accounts) and a dependent for
/// every third household. Postal codes are scattered so that print order differs from roster
/// order. Returns the insured persons' member ids in roster order.
pub fn batches_seed_members(site: &Site, n: usize) -> Vec<i64> {
    let mut conn = site.conn();
    let tx = conn.transaction().unwrap();
    let mut ids = Vec::with_capacity(n);
    for i in 0..n {
        let (prefix, town) = BATCHES_TOWNS[(i * 7 + 3) % BATCHES_TOWNS.len()];
        let postal = format!("{prefix}{:04}", (i * 7919) % 10000);
        let surname = BATCHES_SURNAMES[i % BATCHES_SURNAMES.len()];
        let name = format!("{surname} {}", BATCHES_GIVEN[i % BATCHES_GIVEN.len()]);
        let address1 = format!("{town}{}-{}-{}", i % 9 + 1, i % 20 + 1, i % 30 + 1);
        let address2 = if i % 4 == 0 {
            format!("サンハイツ{}号室", 100 + i % 50)
        } else {
            String::new()
        };
        let number = (i + 1).to_string();
        ids.push(batches_insert_member(
            &tx, "7001", &number, "00", &name, &postal, &address1, &address2,
        ));
        if i % 3 == 0 {
            let dependent = format!("{surname} {}", BATCHES_GIVEN[(i + 3) % BATCHES_GIVEN.len()]);
            batches_insert_member(
                &tx, "7001", &number, "01", &dependent, &postal, &address1, "",
            );
        }
    }
    tx.commit().unwrap();
    ids
}

/// Lowers argon2 cost for tests that are not about hashing cost.
pub fn batches_cheap_hashing(site: &Site) {
    for (k, v) in [("argon2_memory_kib", "8192"), ("argon2_iterations", "1")] {
        site.cmd().args(["config", "set", k, v]).assert().success();
    }
}

/// The binary as a plain `std::process::Command` (to spawn, kill or run side by side), with
/// the same environment as `Site::cmd`.
pub fn batches_spawnable(site: &Site) -> std::process::Command {
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("hagaki"));
    cmd.env_clear()
        .env("HAGAKI_DB", site.db())
        .env("HAGAKI_NOW", &site.now)
        .env("HAGAKI_ACTOR", "tester")
        .current_dir(site.dir.path());
    cmd
}

// ---- portal helpers (tests/portal.rs): seed members and credentials directly, and mint the
// secret of a queued mail the way the mail sender does.

/// Inserts an insured person (branch 00) with their account; returns the member id.
pub fn portal_seed_member(site: &Site, symbol: &str, number: &str, birth_date: &str) -> i64 {
    let conn = site.conn();
    conn.execute(
        "INSERT INTO members (symbol, number, branch, name, birth_date, created_at, updated_at)
         VALUES (?1, ?2, '00', '山田太郎', ?3, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')",
        rusqlite::params![symbol, number, birth_date],
    )
    .unwrap();
    let id = conn.last_insert_rowid();
    conn.execute("INSERT INTO accounts (member_id) VALUES (?1)", [id])
        .unwrap();
    id
}

/// A provisional ID with a valid check character, fixed by `seed`.
pub fn portal_provisional_id(seed: u64) -> String {
    use rand::SeedableRng;
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    hagaki::credential::generate_provisional_id(&mut rng, 10)
}

/// Inserts a live provisional credential (hashed as issuing does, at a cheap cost) expiring
/// at `expires_at` (RFC 3339 UTC); returns its id.
pub fn portal_seed_provisional(
    site: &Site,
    member_id: i64,
    login_id: &str,
    password: &str,
    expires_at: &str,
) -> i64 {
    let conn = site.conn();
    let hash = hagaki::secret::hash_password(
        &hagaki::credential::normalize_typed_password(password),
        hagaki::secret::HashParams {
            memory_kib: 8192,
            iterations: 1,
            parallelism: 1,
        },
    )
    .unwrap();
    conn.execute(
        "INSERT INTO login_ids (login_id, member_id, kind) VALUES (?1, ?2, 'provisional')",
        rusqlite::params![login_id, member_id],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO credentials (member_id, kind, login_id, password_hash, state, issued_at, expires_at)
         VALUES (?1, 'provisional', ?2, ?3, 'live', '2026-11-01T00:00:00Z', ?4)",
        rusqlite::params![member_id, login_id, hash, expires_at],
    )
    .unwrap();
    conn.last_insert_rowid()
}

/// The newest queued outbox row of `kind`: (id, member id, address).
pub fn portal_queued_mail(site: &Site, kind: &str) -> Option<(i64, i64, String)> {
    use rusqlite::OptionalExtension;
    site.conn()
        .query_row(
            "SELECT id, member_id, to_addr FROM outbox WHERE kind = ?1 AND state = 'queued'
             ORDER BY id DESC LIMIT 1",
            [kind],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()
        .unwrap()
}

/// Mints the secret of the newest queued mail of `kind` exactly as the mail sender does
/// (`ops::mint`), at the site's pinned time, and marks the mail sent.
pub fn portal_mint(site: &Site, kind: &str) -> String {
    let (outbox_id, member_id, to) =
        portal_queued_mail(site, kind).unwrap_or_else(|| panic!("no queued {kind} mail"));
    let mut conn = site.conn();
    let tx = conn.transaction().unwrap();
    let settings = hagaki::settings::Settings::load(&tx).unwrap();
    let now = chrono::DateTime::parse_from_rfc3339(&site.now)
        .unwrap()
        .with_timezone(&chrono::Utc);
    let secret = match kind {
        "confirm_email" => {
            hagaki::ops::mint::confirmation_token(&tx, &settings, now, member_id, outbox_id, &to)
        }
        "temporary_password" => {
            hagaki::ops::mint::temporary_password(&tx, &settings, now, member_id, outbox_id)
        }
        other => panic!("{other} mail carries no secret"),
    }
    .unwrap();
    tx.execute(
        "UPDATE outbox SET state = 'sent', sent_at = ?2 WHERE id = ?1",
        rusqlite::params![outbox_id, hagaki::clock::to_db(now)],
    )
    .unwrap();
    tx.commit().unwrap();
    secret
}

// ---- mail: seeding members, accounts and outbox rows straight into the database ----

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
    let conn = site.conn();
    conn.execute(
        "INSERT INTO members (id, symbol, number, branch, name, birth_date, created_at, updated_at)
         VALUES (?1, ?2, ?3, '00', ?4, '1980-04-01', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')",
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
    hagaki::db::outbox::enqueue(&site.conn(), kind, member_id, to, &payload, now).unwrap()
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
    site.conn()
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

// ---- support desk (issue 5): seed rows straight into the site's SQLite file ----

/// A roster member; an insured person (branch `00`) also gets its (empty) portal account.
pub fn support_member(
    conn: &rusqlite::Connection,
    id: i64,
    key: (&str, &str, &str),
    name: &str,
    retired_at: Option<&str>,
) {
    conn.execute(
        "INSERT INTO members (id, symbol, number, branch, name, birth_date, created_at, updated_at,
                              retired_at)
         VALUES (?1, ?2, ?3, ?4, ?5, '1980-04-01', '2026-05-01T00:00:00Z',
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
    let conn = site.conn();
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
