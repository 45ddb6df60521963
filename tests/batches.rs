//! `hagaki issue`, `batches` and `reissue` through the real binary: the print file, what is
//! stored, refusals, crash safety and concurrent runs.

mod common;

use std::collections::{HashMap, HashSet};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use common::{Site, batches_conn, batches_insert_member, batches_seed_members};
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
            "バッチ", "連番", "郵便番号", "住所", "氏名", "仮ユーザID", "仮パスワード", "発行日",
            "有効期限", "保険者名", "保険者番号", "ポータルURL"
        ]
    );
    reader
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect()
}

fn query_i64(site: &Site, sql: &str) -> i64 {
    batches_conn(site).query_row(sql, [], |r| r.get(0)).unwrap()
}

/// login_id -> (member id, state, hash) for every provisional credential.
fn credentials(site: &Site) -> HashMap<String, (i64, String, Option<String>)> {
    let conn = batches_conn(site);
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
    assert_eq!(summary["file"], file.canonicalize().unwrap().display().to_string());

    let mode = std::fs::metadata(&file).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "only the owner may read the print file");
    let sha = secret::sha256_hex(common::bytes(&file));
    assert_eq!(summary["sha256"], sha.as_str());
    let shown = site.json(&["batches", "show", "1"]);
    assert_eq!(shown["file_sha256"], sha.as_str());
    assert_eq!(shown["state"], "issued");
    assert_eq!(shown["credentials"]["live"], 12);

    let rows = read_print_file(&file, true);
    assert_eq!(rows.len(), insured.len(), "one row per insured person, no dependents");
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
        assert_eq!(&row[7..], ["2026-11-18", "2027-02-16", "ひまわり健康保険組合", "06130090", "https://portal.himawari-kenpo.example.jp/"]);
        let (_, state, hash) = &stored[&row[5]];
        assert_eq!(state, "live");
        let hash = hash.as_deref().unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");
        let typed = credential::normalize_typed_password(&row[6].to_uppercase());
        assert!(secret::verify_password(hash, &typed).unwrap());
        printed.push(row[6].clone());
    }
    assert_eq!(printed.iter().collect::<HashSet<_>>().len(), 12);

    let mut db_bytes = common::bytes(&site.db());
    let wal = site.path("hagaki.db-wal");
    if wal.exists() {
        db_bytes.extend(common::bytes(&wal));
    }
    for p in &printed {
        assert!(!common::contains(&db_bytes, p.as_bytes()), "printed password in the database");
        let normal = credential::normalize_typed_password(p);
        assert!(!common::contains(&db_bytes, normal.as_bytes()), "password in the database");
    }
}

#[test]
fn utf8_print_file_holds_characters_cp932_cannot() {
    let site = Site::new();
    common::batches_cheap_hashing(&site);
    let conn = batches_conn(&site);
    batches_insert_member(&conn, "8001", "1", "00", "𠮷田 花子", "1500001", "東京都渋谷区神宮前1-2-3", "");
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
    let conn = batches_conn(&site);
    let bad = batches_insert_member(&conn, "8001", "1", "00", "𠮷田 花子", "1500001", "東京都渋谷区", "");
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
    assert_eq!((dry["count"].as_u64(), dry["dry_run"].as_bool()), (Some(7), Some(true)));
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
    assert_eq!(members.iter().collect::<HashSet<_>>().len(), 7, "nobody printed twice");
    assert_eq!(
        query_i64(&site, "SELECT count(DISTINCT member_id) FROM credentials WHERE state = 'live'"),
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
    assert_eq!(std::fs::read_to_string(site.path("taken.csv")).unwrap(), "keep me");
    assert_eq!(query_i64(&site, "SELECT count(*) FROM credentials"), 0);
}

#[test]
fn void_revokes_every_unused_credential_and_keeps_the_reason() {
    let site = Site::new();
    common::batches_cheap_hashing(&site);
    batches_seed_members(&site, 4);
    issue_json(&site, "b.csv", &[]);
    batches_conn(&site)
        .execute("UPDATE credentials SET state = 'used' WHERE id = 1", [])
        .unwrap();
    let voided = site.json(&["batches", "void", "1", "--reason", "lost in the post"]);
    assert_eq!(voided["state"], "voided");
    assert_eq!(voided["void_reason"], "lost in the post");
    assert_eq!(voided["credentials"]["revoked"], 3);
    assert_eq!(voided["credentials"]["used"], 1);
    assert!(voided["credentials"].get("live").is_none());
    assert_eq!(
        query_i64(&site, "SELECT count(*) FROM audit WHERE action = 'batch.void' AND detail LIKE '%lost in the post%'"),
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
    let list = site.json(&["batches", "list"]);
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["state"], "voided");
    // Members of a voided batch can be issued again (the one who used theirs is not registered).
    assert_eq!(issue_json(&site, "b2.csv", &[])["count"], 4);
}
