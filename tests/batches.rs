//! `hagaki issue`, `batches` and `reissue` through the real binary: the print file, what is
//! stored, refusals, crash safety and concurrent runs.

mod common;

use std::collections::{HashMap, HashSet};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use common::{Site, batches_insert_member, batches_seed_members};
use hagaki::{credential, secret};
use predicates::prelude::*;

const ALPHABET: &str = "23456789abcdefghjkmnpqrstuvwxyz";

/// Reads a print file: checks CRLF line ends and decodes it; returns the data rows.
fn read_print_file(path: &Path, cp932: bool) -> Vec<Vec<String>> {
    let raw = common::bytes(path);
    let text = if cp932 {
        let (text, _, bad) = encoding_rs::SHIFT_JIS.decode(&raw);
        assert!(!bad, "the print file is valid CP932");
        text.into_owned()
    } else {
        String::from_utf8(raw).expect("the print file is valid UTF-8")
    };
    assert!(text.ends_with("\r\n"));
    assert_eq!(
        text.matches('\n').count(),
        text.matches("\r\n").count(),
        "every line ends in CRLF"
    );
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(text.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(
        header,
        [
            "バッチ",
            "連番",
            "郵便番号",
            "住所",
            "氏名",
            "仮ユーザID",
            "仮パスワード",
            "発行日",
            "有効期限",
            "保険者名",
            "保険者番号",
            "ポータルURL"
        ]
    );
    reader
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect()
}

fn query_i64(site: &Site, sql: &str) -> i64 {
    site.conn().query_row(sql, [], |r| r.get(0)).unwrap()
}

/// login_id -> (member id, state, hash) for every provisional credential.
fn credentials(site: &Site) -> HashMap<String, (i64, String, Option<String>)> {
    let conn = site.conn();
    let mut stmt = conn
        .prepare("SELECT login_id, member_id, state, password_hash FROM credentials WHERE kind = 'provisional'")
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?, r.get(3)?))))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
}

fn is_printed_password(p: &str) -> bool {
    let groups: Vec<&str> = p.split('-').collect();
    groups.len() == 3
        && groups
            .iter()
            .all(|g| g.len() == 4 && g.chars().all(|c| ALPHABET.contains(c)))
}

fn issue_json(site: &Site, out: &str, extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["issue", "--out", out];
    args.extend_from_slice(extra);
    site.json(&args)
}

#[test]
fn issue_writes_a_cp932_print_file_that_reconciles_with_the_database() {
    let site = Site::new();
    let insured = batches_seed_members(&site, 12);
    let summary = issue_json(&site, "batch1.csv", &[]);
    assert_eq!(summary["count"], 12);
    assert_eq!(summary["batch_id"], 1);
    assert_eq!(summary["encoding"], "cp932");
    assert_eq!(summary["issued_on"], "2026-11-18");
    assert_eq!(summary["expires_on"], "2027-02-16");
    let file = site.path("batch1.csv");
    assert_eq!(
        summary["file"],
        file.canonicalize().unwrap().display().to_string()
    );

    let mode = std::fs::metadata(&file).unwrap().permissions().mode();
    assert_eq!(
        mode & 0o777,
        0o600,
        "only the owner may read the print file"
    );
    let sha = secret::sha256_hex(common::bytes(&file));
    assert_eq!(summary["sha256"], sha.as_str());
    let shown = site.json(&["batches", "show", "1"]);
    assert_eq!(shown["file_sha256"], sha.as_str());
    assert_eq!(shown["state"], "issued");
    assert_eq!(shown["credentials"]["live"], 12);

    let rows = read_print_file(&file, true);
    assert_eq!(
        rows.len(),
        insured.len(),
        "one row per insured person, no dependents"
    );
    let postal: Vec<&str> = rows.iter().map(|r| r[2].as_str()).collect();
    let mut sorted = postal.clone();
    sorted.sort();
    assert_eq!(postal, sorted, "rows sorted by postal code");
    assert_ne!(rows[0][4], "佐藤 太郎", "print order is not roster order");
    let stored = credentials(&site);
    let mut printed = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(row[0], "1");
        assert_eq!(row[1], (i + 1).to_string());
        assert_eq!(row[2].len(), 8, "postal code with its hyphen: {}", row[2]);
        assert_eq!(
            credential::check_provisional_id(&row[5]).as_deref(),
            Ok(row[5].as_str())
        );
        assert!(is_printed_password(&row[6]), "{}", row[6]);
        assert_eq!(
            &row[7..],
            [
                "2026-11-18",
                "2027-02-16",
                "ひまわり健康保険組合",
                "06130090",
                "https://portal.himawari-kenpo.example.jp/"
            ]
        );
        let (_, state, hash) = &stored[&row[5]];
        assert_eq!(state, "live");
        let hash = hash.as_deref().unwrap();
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        let typed = credential::normalize_typed_password(&row[6].to_uppercase());
        assert!(secret::verify_password(hash, &typed).unwrap());
        printed.push(row[6].clone());
    }
    assert_eq!(printed.iter().collect::<HashSet<_>>().len(), 12);

    let db_bytes = site.stored_bytes();
    for p in &printed {
        assert!(
            !common::contains(&db_bytes, p.as_bytes()),
            "printed password in the database"
        );
        let normal = credential::normalize_typed_password(p);
        assert!(
            !common::contains(&db_bytes, normal.as_bytes()),
            "password in the database"
        );
    }
}

#[test]
fn utf8_print_file_holds_characters_cp932_cannot() {
    let site = Site::new();
    common::batches_cheap_hashing(&site);
    let conn = site.conn();
    batches_insert_member(
        &conn,
        "8001",
        "1",
        "00",
        "𠮷田 花子",
        "1500001",
        "東京都渋谷区神宮前1-2-3",
        "",
    );
    let summary = issue_json(&site, "utf8.csv", &["--encoding", "utf-8"]);
    assert_eq!(summary["encoding"], "utf-8");
    let rows = read_print_file(&site.path("utf8.csv"), false);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0][4], "𠮷田 花子");
    assert_eq!(rows[0][2], "150-0001");
}

#[test]
fn a_name_cp932_cannot_hold_fails_the_batch_naming_the_member() {
    let site = Site::new();
    common::batches_cheap_hashing(&site);
    batches_seed_members(&site, 3);
    let conn = site.conn();
    let bad = batches_insert_member(
        &conn,
        "8001",
        "1",
        "00",
        "𠮷田 花子",
        "1500001",
        "東京都渋谷区",
        "",
    );
    site.cmd()
        .args(["issue", "--out", "batch.csv"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains(format!(
            "member {bad}: name \"𠮷田 花子\" holds '𠮷' (U+20BB7), which cp932 cannot hold"
        )))
        .stderr(predicate::str::contains("nothing was issued"))
        .stderr(predicate::str::contains("8001").not());
    assert!(!site.path("batch.csv").exists());
    assert_eq!(query_i64(&site, "SELECT count(*) FROM credentials"), 0);
    assert_eq!(query_i64(&site, "SELECT count(*) FROM batches"), 0);
    assert_eq!(query_i64(&site, "SELECT count(*) FROM login_ids"), 0);
    let leftovers: Vec<_> = std::fs::read_dir(site.dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty());
}

#[test]
fn limit_member_and_dry_run_narrow_and_nobody_is_issued_twice() {
    let site = Site::new();
    common::batches_cheap_hashing(&site);
    batches_seed_members(&site, 7);
    let dry = issue_json(&site, "dry.csv", &["--dry-run"]);
    assert_eq!(
        (dry["count"].as_u64(), dry["dry_run"].as_bool()),
        (Some(7), Some(true))
    );
    assert!(!site.path("dry.csv").exists());
    assert_eq!(query_i64(&site, "SELECT count(*) FROM batches"), 0);

    let one = issue_json(&site, "one.csv", &["--member", "7001-3"]);
    assert_eq!(one["count"], 1);
    let two = issue_json(&site, "two.csv", &["--limit", "2", "--valid-days", "30"]);
    assert_eq!(two["count"], 2);
    assert_eq!(two["expires_on"], "2026-12-18");
    // A named member who already holds a live credential is not eligible again.
    let again = issue_json(&site, "again.csv", &["--member", "7001-3"]);
    assert_eq!(again["count"], 0);
    assert_eq!(
        again["skipped"][0]["reason"],
        "already holds a live provisional credential"
    );
    site.cmd()
        .args(["issue", "--out", "dep.csv", "--member", "7001-1-01"])
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "gets no postcard: a dependent: postcards go to the insured person",
        ));
    assert!(!site.path("dep.csv").exists());
    assert!(!site.path("again.csv").exists());
    let rest = issue_json(&site, "rest.csv", &[]);
    assert_eq!(rest["count"], 4);
    assert_eq!(issue_json(&site, "none.csv", &[])["count"], 0);

    let mut members = Vec::new();
    for f in ["one.csv", "two.csv", "rest.csv"] {
        for row in read_print_file(&site.path(f), true) {
            members.push(row[4].clone() + &row[3]);
        }
    }
    assert_eq!(members.len(), 7);
    assert_eq!(
        members.iter().collect::<HashSet<_>>().len(),
        7,
        "nobody printed twice"
    );
    assert_eq!(
        query_i64(
            &site,
            "SELECT count(DISTINCT member_id) FROM credentials WHERE state = 'live'"
        ),
        7
    );
    site.cmd()
        .args(["issue", "--out", "x.csv", "--member", "9999-1"])
        .assert()
        .code(4)
        .stderr(predicate::str::contains("member 9999-1 not found"));
}

#[test]
fn issue_refuses_to_overwrite_a_file() {
    let site = Site::new();
    batches_seed_members(&site, 1);
    std::fs::write(site.path("taken.csv"), "keep me").unwrap();
    site.cmd()
        .args(["issue", "--out", "taken.csv"])
        .assert()
        .code(5)
        .stderr(predicate::str::contains("never overwritten"));
    assert_eq!(
        std::fs::read_to_string(site.path("taken.csv")).unwrap(),
        "keep me"
    );
    assert_eq!(query_i64(&site, "SELECT count(*) FROM credentials"), 0);
}

#[test]
fn void_revokes_every_unused_credential_and_keeps_the_reason() {
    let site = Site::new();
    common::batches_cheap_hashing(&site);
    batches_seed_members(&site, 4);
    issue_json(&site, "b.csv", &[]);
    site.conn()
        .execute("UPDATE credentials SET state = 'used' WHERE id = 1", [])
        .unwrap();
    let voided = site.json(&["batches", "void", "1", "--reason", "lost in the post"]);
    assert_eq!(voided["state"], "voided");
    assert_eq!(voided["void_reason"], "lost in the post");
    assert_eq!(voided["credentials"]["revoked"], 3);
    assert_eq!(voided["credentials"]["used"], 1);
    assert!(voided["credentials"].get("live").is_none());
    assert_eq!(
        query_i64(
            &site,
            "SELECT count(*) FROM audit WHERE action = 'batch.void' AND detail LIKE '%lost in the post%'"
        ),
        1
    );
    site.cmd()
        .args(["batches", "void", "1", "--reason", "again"])
        .assert()
        .code(5)
        .stderr(predicate::str::contains("batch 1 is voided"));
    site.cmd()
        .args(["batches", "void", "9", "--reason", "x"])
        .assert()
        .code(4);
    site.cmd()
        .args(["batches", "show", "9"])
        .assert()
        .code(4)
        .stderr(predicate::str::contains("batch 9 not found"));
    let list = site.json(&["batches", "list"]);
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["state"], "voided");
    // Members of a voided batch can be issued again (the one who used theirs is not registered).
    assert_eq!(issue_json(&site, "b2.csv", &[])["count"], 4);
}

#[test]
fn reissue_by_postcard_replaces_the_old_credential_in_a_batch_of_one() {
    let site = Site::new();
    common::batches_cheap_hashing(&site);
    let ids = batches_seed_members(&site, 3);
    issue_json(&site, "first.csv", &[]);
    let old: Vec<String> = credentials(&site)
        .into_iter()
        .filter(|(_, (m, _, _))| *m == ids[1])
        .map(|(login, _)| login)
        .collect();
    let summary = site.json(&[
        "reissue",
        "7001-2",
        "--via",
        "postcard",
        "--reason",
        "postcard expired",
        "--out",
        "re.csv",
    ]);
    assert_eq!(
        (summary["kind"].as_str(), summary["count"].as_u64()),
        (Some("reissue"), Some(1))
    );
    let rows = read_print_file(&site.path("re.csv"), true);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0][0], summary["batch_id"].to_string());
    let creds = credentials(&site);
    assert_eq!(creds[&old[0]].1, "revoked", "the old credential dies");
    let (member, state, hash) = &creds[&rows[0][5]];
    assert_eq!((*member, state.as_str()), (ids[1], "live"));
    let typed = credential::normalize_typed_password(&rows[0][6]);
    assert!(secret::verify_password(hash.as_deref().unwrap(), &typed).unwrap());
    assert_eq!(
        query_i64(
            &site,
            "SELECT count(*) FROM credentials WHERE state = 'live'"
        ),
        3
    );
    let audit: String = site
        .conn()
        .query_row(
            "SELECT detail FROM audit WHERE action = 'batch.issue' AND member_id = ?1",
            [ids[1]],
            |r| r.get(0),
        )
        .unwrap();
    assert!(audit.contains("reason: postcard expired"), "{audit}");
    assert!(
        !audit.contains(&rows[0][6]),
        "no password in the audit trail"
    );
}

#[test]
fn reissue_refusals_and_email_for_registered_members() {
    let site = Site::new();
    common::batches_cheap_hashing(&site);
    let ids = batches_seed_members(&site, 3);
    let conn = site.conn();
    conn.execute(
        "UPDATE accounts SET user_id = 'sato.taro', registered_at = '2026-11-10T00:00:00Z',
         email = 'taro@example.jp', email_confirmed_at = '2026-11-10T00:05:00Z' WHERE member_id = ?1",
        [ids[0]],
    )
    .unwrap();
    conn.execute(
        "UPDATE accounts SET user_id = 'suzuki.h', registered_at = '2026-11-10T00:00:00Z',
         email = 'h@example.jp' WHERE member_id = ?1",
        [ids[1]],
    )
    .unwrap();
    let postcard = ["--via", "postcard", "--reason", "lost", "--out", "r.csv"];
    site.cmd()
        .args(["reissue", "7001-1"])
        .args(postcard)
        .assert()
        .code(5)
        .stderr(predicate::str::contains(format!(
            "member {} has registered",
            ids[0]
        )))
        .stderr(predicate::str::contains(
            "help: send a temporary password instead: `hagaki reissue MEMBER --via email`",
        ));
    site.cmd()
        .args(["reissue", "7001-99"])
        .args(postcard)
        .assert()
        .code(4)
        .stderr(predicate::str::contains("member 7001-99 not found"));
    site.cmd()
        .args(["reissue", "7001-1-01", "--via", "email", "--reason", "x"])
        .assert()
        .code(5)
        .stderr(predicate::str::contains("is a dependent"));
    site.cmd()
        .args(["reissue", "7001-2", "--via", "email", "--reason", "forgot"])
        .assert()
        .code(5)
        .stderr(predicate::str::contains(format!(
            "member {} has no confirmed email",
            ids[1]
        )));
    site.cmd()
        .args(["reissue", "7001-3", "--via", "email", "--reason", "forgot"])
        .assert()
        .code(5)
        .stderr(predicate::str::contains("has not registered"));
    site.cmd()
        .args(["reissue", "7001-3", "--via", "postcard", "--reason", "lost"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--out FILE is needed"));
    assert!(!site.path("r.csv").exists());
    assert_eq!(query_i64(&site, "SELECT count(*) FROM outbox"), 0);

    let queued = site.json(&[
        "reissue",
        "7001-1",
        "--via",
        "email",
        "--reason",
        "forgot password",
    ]);
    assert_eq!(queued["member_id"], ids[0]);
    assert_eq!(queued["to"], "taro@example.jp");
    let (kind, to, payload, member): (String, String, String, i64) = site
        .conn()
        .query_row(
            "SELECT kind, to_addr, payload, member_id FROM outbox",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .unwrap();
    assert_eq!(
        (kind.as_str(), to.as_str(), member),
        ("temporary_password", "taro@example.jp", ids[0])
    );
    assert_eq!(
        payload, r#"{"user_id":"sato.taro"}"#,
        "no secret in the outbox"
    );
    assert_eq!(
        query_i64(&site, "SELECT count(*) FROM credentials"),
        0,
        "minted at send time"
    );
}

#[test]
fn reminder_batch_picks_exactly_the_never_verified_members() {
    let site = Site::new();
    common::batches_cheap_hashing(&site);
    let ids = batches_seed_members(&site, 6);
    issue_json(&site, "first.csv", &[]);
    let conn = site.conn();
    let set = |sql: &str, id: i64| {
        conn.execute(sql, [id]).unwrap();
    };
    let checked =
        "UPDATE accounts SET identity_checked_at = '2026-11-12T00:00:00Z' WHERE member_id = ?1";
    set(checked, ids[0]);
    set(checked, ids[1]);
    set(checked, ids[2]);
    set(
        "UPDATE accounts SET registered_at = '2026-11-13T00:00:00Z' WHERE member_id = ?1",
        ids[2],
    );
    set(
        "UPDATE members SET retired_at = '2026-11-14T00:00:00Z' WHERE id = ?1",
        ids[3],
    );
    // A member issued later, outside batch 1, who never verified either.
    batches_insert_member(
        &conn,
        "7002",
        "1",
        "00",
        "森 次郎",
        "0600001",
        "北海道札幌市",
        "",
    );
    issue_json(&site, "second.csv", &[]);

    let summary = site.json(&[
        "reissue",
        "--reminder",
        "--batch",
        "1",
        "--reason",
        "reminder mailing",
        "--out",
        "rem.csv",
    ]);
    assert_eq!(
        (summary["kind"].as_str(), summary["count"].as_u64()),
        (Some("reminder"), Some(2))
    );
    let rows = read_print_file(&site.path("rem.csv"), true);
    let creds = credentials(&site);
    let mut got: Vec<i64> = rows.iter().map(|r| creds[&r[5]].0).collect();
    got.sort();
    assert_eq!(got, vec![ids[4], ids[5]]);
    for id in [ids[4], ids[5]] {
        let states: Vec<&str> = creds
            .values()
            .filter(|c| c.0 == id)
            .map(|c| c.1.as_str())
            .collect();
        assert_eq!(states.iter().filter(|s| **s == "live").count(), 1);
        assert_eq!(states.iter().filter(|s| **s == "revoked").count(), 1);
    }
    // Without --batch: every batch, so the later member is included; already-reminded count again.
    let all = site.json(&[
        "reissue",
        "--reminder",
        "--reason",
        "again",
        "--out",
        "rem2.csv",
    ]);
    assert_eq!(all["count"], 3);
    site.cmd()
        .args([
            "reissue",
            "--reminder",
            "--batch",
            "42",
            "--reason",
            "x",
            "--out",
            "r.csv",
        ])
        .assert()
        .code(4);
}

/// login ID, batch id, batch state, file name, file digest.
type LiveRow = (String, i64, String, Option<String>, Option<String>);

/// The crash-safety invariant: a live credential belongs to an issued batch whose print file
/// exists, matches the recorded SHA-256 and holds that credential's row.
fn assert_live_only_with_whole_file(site: &Site) {
    let conn = site.conn();
    let mut stmt = conn
        .prepare(
            "SELECT c.login_id, b.id, b.state, b.file_name, b.file_sha256 FROM credentials c
             LEFT JOIN batches b ON b.id = c.batch_id WHERE c.state = 'live'",
        )
        .unwrap();
    let live: Vec<LiveRow> = stmt
        .query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    let mut files: HashMap<i64, HashSet<String>> = HashMap::new();
    for (login, batch, state, file, sha) in live {
        assert_eq!(
            state, "issued",
            "live credential {login} in a batch that is {state}"
        );
        let ids = files.entry(batch).or_insert_with(|| {
            let path = Path::new(file.as_deref().expect("issued batch names its file"));
            assert!(path.exists(), "print file of batch {batch} is missing");
            assert_eq!(
                Some(secret::sha256_hex(common::bytes(path))),
                sha,
                "batch {batch} digest"
            );
            read_print_file(path, true)
                .into_iter()
                .map(|r| r[5].clone())
                .collect()
        });
        assert!(
            ids.contains(&login),
            "live {login} is not in its batch's print file"
        );
    }
}

fn assert_nobody_has_two_live(site: &Site) {
    assert_eq!(
        query_i64(
            site,
            "SELECT count(*) FROM (SELECT member_id FROM credentials WHERE state = 'live'
             GROUP BY member_id, kind HAVING count(*) > 1)"
        ),
        0
    );
}

#[test]
fn issue_killed_at_any_moment_leaves_no_live_credential_without_its_file() {
    // Kill points are fractions of a measured uninterrupted run, so they spread across the
    // phases however busy the machine is.
    let site = Site::new();
    common::batches_cheap_hashing(&site);
    batches_seed_members(&site, 150);
    let started = std::time::Instant::now();
    issue_json(&site, "whole.csv", &[]);
    let whole_ms = started.elapsed().as_millis() as u64;
    eprintln!("uninterrupted run: {whole_ms} ms");
    let mut recovered = 0;
    for delay_ms in [0, 5, 20, 45, 70, 95].map(|pct| whole_ms * pct / 100) {
        let site = Site::new();
        common::batches_cheap_hashing(&site);
        batches_seed_members(&site, 150);
        let mut child = common::batches_spawnable(&site)
            .args(["issue", "--out", "killed.csv"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        assert_live_only_with_whole_file(&site);
        let pending = query_i64(
            &site,
            "SELECT count(*) FROM batches WHERE state = 'pending'",
        );
        recovered += pending;

        let summary = issue_json(&site, "rerun.csv", &[]);
        assert_eq!(
            summary["recovered"].as_array().unwrap().len() as i64,
            pending
        );
        assert_live_only_with_whole_file(&site);
        assert_nobody_has_two_live(&site);
        assert_eq!(
            query_i64(
                &site,
                "SELECT count(DISTINCT member_id) FROM credentials WHERE state = 'live'"
            ),
            150,
            "after the rerun everyone holds a live credential (killed after {delay_ms} ms)"
        );
        assert_eq!(
            query_i64(
                &site,
                "SELECT count(*) FROM batches WHERE state = 'pending'"
            ),
            0
        );
        let temps = std::fs::read_dir(site.dir.path())
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .ends_with(".tmp")
            })
            .count();
        assert_eq!(temps, 0, "no temporary print file is left behind");
    }
    assert!(
        recovered > 0,
        "at least one kill landed while a batch was being written"
    );
}

/// Puts an issued batch back into the state a run killed in phase 3 would leave.
fn rewind_to_pending(site: &Site, batch: i64, keep_digest: bool) {
    let conn = site.conn();
    conn.execute(
        "UPDATE credentials SET state = 'pending' WHERE batch_id = ?1",
        [batch],
    )
    .unwrap();
    let sql = if keep_digest {
        "UPDATE batches SET state = 'pending' WHERE id = ?1"
    } else {
        "UPDATE batches SET state = 'pending', file_sha256 = NULL WHERE id = ?1"
    };
    conn.execute(sql, [batch]).unwrap();
}

#[test]
fn a_run_killed_after_its_file_was_in_place_is_completed_by_the_next_run() {
    let site = Site::new();
    common::batches_cheap_hashing(&site);
    batches_seed_members(&site, 5);
    issue_json(&site, "done.csv", &[]);
    rewind_to_pending(&site, 1, true);
    let summary = issue_json(&site, "next.csv", &[]);
    assert_eq!(summary["recovered"][0]["outcome"], "completed");
    assert_eq!(summary["count"], 0);
    assert_eq!(
        query_i64(
            &site,
            "SELECT count(*) FROM credentials WHERE state = 'live'"
        ),
        5
    );
    assert_live_only_with_whole_file(&site);
}

#[test]
fn a_run_killed_before_its_file_was_in_place_is_abandoned_and_reissued() {
    let site = Site::new();
    common::batches_cheap_hashing(&site);
    batches_seed_members(&site, 5);
    issue_json(&site, "done.csv", &[]);
    // Killed between recording the digest and linking the file: only the temp file exists.
    let temp = site.path(".done.csv.hagaki-1.tmp");
    std::fs::rename(site.path("done.csv"), &temp).unwrap();
    rewind_to_pending(&site, 1, true);
    let summary = issue_json(&site, "next.csv", &[]);
    assert_eq!(summary["recovered"][0]["outcome"], "abandoned");
    assert_eq!(
        summary["count"], 5,
        "the abandoned members are issued again"
    );
    assert!(!temp.exists());
    assert_eq!(
        query_i64(
            &site,
            "SELECT count(*) FROM credentials WHERE state = 'revoked'"
        ),
        5
    );
    assert_eq!(site.json(&["batches", "show", "1"])["state"], "abandoned");
    assert_live_only_with_whole_file(&site);
    assert_nobody_has_two_live(&site);
}

#[test]
fn two_issue_runs_at_once_never_print_a_member_twice() {
    let site = Site::new();
    common::batches_cheap_hashing(&site);
    batches_seed_members(&site, 40);
    let spawn = |out: &str| {
        common::batches_spawnable(&site)
            .args(["--format", "json", "issue", "--out", out])
            .stderr(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (spawn("a.csv"), spawn("b.csv"));
    let mut total = 0;
    for child in [a, b] {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success());
        let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        total += summary["count"].as_u64().unwrap();
    }
    assert_eq!(total, 40);
    let mut logins = Vec::new();
    for f in ["a.csv", "b.csv"] {
        if site.path(f).exists() {
            logins.extend(
                read_print_file(&site.path(f), true)
                    .into_iter()
                    .map(|r| r[5].clone()),
            );
        }
    }
    assert_eq!(logins.len(), 40);
    assert_eq!(
        logins.iter().collect::<HashSet<_>>().len(),
        40,
        "no login ID repeats"
    );
    assert_live_only_with_whole_file(&site);
    assert_nobody_has_two_live(&site);
    assert_eq!(
        query_i64(
            &site,
            "SELECT count(*) FROM credentials WHERE state = 'live'"
        ),
        40
    );
}
