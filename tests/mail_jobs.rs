//! The nightly jobs around mail: `notify` (notice mail to opted-in members), `expire`
//! (credentials, tokens and sessions past their time; purges) and `backup` (an online copy).

mod common;
mod mail_smtp;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use common::*;
use mail_smtp::SmtpServer;
use mail_smtp::parse::parse;
use serde_json::json;

fn count(site: &Site, sql: &str) -> i64 {
    site.conn().query_row(sql, [], |r| r.get(0)).unwrap()
}

fn account<'a>(
    user_id: &'a str,
    email: &'a str,
    confirmed: bool,
    notice: bool,
) -> Option<MailAccount<'a>> {
    Some(MailAccount {
        user_id,
        email,
        confirmed,
        notice_mail: notice,
    })
}

#[test]
fn notify_queues_a_notice_to_confirmed_opted_in_members_only() {
    let site = Site::new();
    mail_seed_member(
        &site,
        1,
        "山田 太郎",
        "A1",
        "100",
        account("yamada.taro", "taro@example.jp", true, true),
    );
    mail_seed_member(
        &site,
        2,
        "佐藤 花子",
        "A1",
        "200",
        account("sato.hanako", "hanako@example.jp", true, false),
    );
    mail_seed_member(
        &site,
        3,
        "鈴木 一郎",
        "A1",
        "300",
        account("suzuki.ichi", "ichi@example.jp", false, true),
    );
    mail_seed_member(&site, 4, "田中 次郎", "A1", "400", None);
    mail_seed_member(
        &site,
        5,
        "高橋 三郎",
        "A1",
        "500",
        account("takahashi.s", "saburo@example.jp", true, true),
    );
    site.conn()
        .execute(
            "UPDATE members SET retired_at = '2026-10-01T00:00:00Z' WHERE id = 5",
            [],
        )
        .unwrap();
    std::fs::write(
        site.path("body.txt"),
        "\u{feff}年末年始の窓口休業のお知らせです。\n",
    )
    .unwrap();

    let summary = site.json(&[
        "notify",
        "--subject",
        "窓口休業のお知らせ",
        "--body-file",
        "body.txt",
    ]);

    assert_eq!(
        summary,
        json!({"queued": 1, "subject": "窓口休業のお知らせ"})
    );
    let queued: Vec<(i64, String, String)> = site
        .conn()
        .prepare("SELECT member_id, to_addr, kind FROM outbox")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    assert_eq!(
        queued,
        [(1, "taro@example.jp".to_string(), "notice".to_string())]
    );
    let detail: String = site
        .conn()
        .query_row(
            "SELECT detail FROM audit WHERE action = 'notify'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(detail, "1 notice mail(s) queued: 窓口休業のお知らせ");

    let server = SmtpServer::start();
    let (code, _) = mail_run(
        &site,
        &[("HAGAKI_SMTP_URL", &server.url())],
        &["mail", "send"],
    );
    assert_eq!(code, 0);
    let mail = parse(&server.received()[0].data);
    assert_eq!(
        mail.header("subject"),
        Some("【ひまわり健康保険組合】窓口休業のお知らせ")
    );
    assert!(
        mail.body
            .starts_with("山田 太郎 様\n\n年末年始の窓口休業のお知らせです。\n"),
        "{}",
        mail.body
    );
}

#[test]
fn notify_refuses_an_empty_body_or_a_multiline_subject_and_writes_nothing() {
    let site = Site::new();
    mail_seed_member(
        &site,
        1,
        "山田 太郎",
        "A1",
        "100",
        account("yamada.taro", "taro@example.jp", true, true),
    );
    std::fs::write(site.path("empty.txt"), "\n \n").unwrap();
    std::fs::write(site.path("body.txt"), "本文").unwrap();
    std::fs::write(site.path("sjis.txt"), [0x82u8, 0xa0]).unwrap();
    for (subject, file, needle) in [
        ("件名", "empty.txt", "the body is empty"),
        ("一行目\n二行目", "body.txt", "must be one non-empty line"),
        ("件名", "sjis.txt", "not UTF-8 text"),
    ] {
        let out = site
            .cmd()
            .args(["notify", "--subject", subject, "--body-file", file])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(3), "{subject:?} {file}");
        assert!(String::from_utf8_lossy(&out.stderr).contains(needle));
    }
    assert_eq!(count(&site, "SELECT count(*) FROM outbox"), 0);
}

#[test]
fn expire_ends_what_is_past_its_time_purges_old_rows_and_is_idempotent() {
    let site = Site::new();
    for id in 1..=3 {
        mail_seed_member(&site, id, "加入者", "A1", &id.to_string(), None);
    }
    let conn = site.conn();
    conn.execute_batch(
        "INSERT INTO credentials (member_id, kind, login_id, password_hash, state, issued_at, expires_at) VALUES
           (1, 'provisional', 'AAAA', 'h', 'live', '2026-08-01T00:00:00Z', '2026-11-18T00:59:59Z'),
           (2, 'provisional', 'BBBB', 'h', 'live', '2026-08-01T00:00:00Z', '2026-11-18T01:00:01Z'),
           (3, 'provisional', 'CCCC', 'h', 'used', '2026-08-01T00:00:00Z', '2026-11-01T00:00:00Z'),
           (1, 'temporary', NULL, 'h', 'live', '2026-11-17T00:00:00Z', '2026-11-18T00:00:00Z');
         INSERT INTO email_tokens (member_id, email, token_hash, created_at, expires_at, used_at) VALUES
           (1, 'a@example.jp', 't1', '2026-11-16T00:00:00Z', '2026-11-17T00:00:00Z', NULL),
           (2, 'b@example.jp', 't2', '2026-11-16T00:00:00Z', '2026-11-17T00:00:00Z', '2026-11-16T01:00:00Z'),
           (3, 'c@example.jp', 't3', '2026-11-18T00:00:00Z', '2026-11-19T00:00:00Z', NULL);
         INSERT INTO sessions (token_hash, member_id, stage, created_at, expires_at, ended_at) VALUES
           ('s1', 1, 'member', '2026-11-18T00:00:00Z', '2026-11-18T00:30:00Z', NULL),
           ('s2', 1, 'member', '2026-11-18T00:50:00Z', '2026-11-18T01:20:00Z', NULL),
           ('s3', 1, 'member', '2026-11-01T00:00:00Z', '2026-11-01T00:30:00Z', '2026-11-01T00:10:00Z'),
           ('s4', 1, 'member', '2026-11-15T00:00:00Z', '2026-11-15T00:30:00Z', '2026-11-15T00:10:00Z');
         INSERT INTO outbox (kind, to_addr, state, next_attempt_at, created_at, sent_at) VALUES
           ('notice', 'old@example.jp', 'sent', '2026-08-01T00:00:00Z', '2026-08-01T00:00:00Z', '2026-08-01T00:00:00Z'),
           ('notice', 'new@example.jp', 'sent', '2026-11-01T00:00:00Z', '2026-11-01T00:00:00Z', '2026-11-01T00:00:00Z'),
           ('notice', 'dead@example.jp', 'dead', '2026-08-01T00:00:00Z', '2026-08-01T00:00:00Z', NULL);",
    )
    .unwrap();

    let summary = site.json(&["expire"]);

    assert_eq!(
        summary,
        json!({
            "provisional_expired": 1,
            "temporary_expired": 1,
            "email_tokens_expired": 1,
            "sessions_ended": 1,
            "sessions_purged": 1,
            "sent_mail_purged": 1
        })
    );
    let states: Vec<String> = conn
        .prepare("SELECT state FROM credentials ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    assert_eq!(states, ["expired", "live", "used", "expired"]);
    assert_eq!(
        count(
            &site,
            "SELECT count(*) FROM email_tokens WHERE revoked_at IS NOT NULL"
        ),
        1
    );
    assert_eq!(
        count(
            &site,
            "SELECT count(*) FROM sessions WHERE token_hash = 's1' AND ended_at = expires_at"
        ),
        1
    );
    assert_eq!(count(&site, "SELECT count(*) FROM sessions"), 3);
    let left: Vec<String> = conn
        .prepare("SELECT to_addr FROM outbox ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    assert_eq!(left, ["new@example.jp", "dead@example.jp"]);
    assert_eq!(
        count(&site, "SELECT count(*) FROM audit WHERE action = 'expire'"),
        1
    );

    let again = site.json(&["expire"]);
    assert!(
        again.as_object().unwrap().values().all(|v| v == &json!(0)),
        "{again}"
    );
}

#[test]
fn backup_copies_a_consistent_database_while_a_writer_runs_and_never_overwrites() {
    let site = Site::new();
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (db, stop) = (site.db(), Arc::clone(&stop));
        std::thread::spawn(move || {
            let mut conn = rusqlite::Connection::open(&db).unwrap();
            conn.busy_timeout(std::time::Duration::from_secs(30))
                .unwrap();
            let ctx = hagaki::Context::new(hagaki::clock::Clock::system(), "writer");
            let mut written = 0;
            while !stop.load(Ordering::SeqCst) || written < 50 {
                let tx = hagaki::db::write_tx(&mut conn).unwrap();
                let id = hagaki::db::outbox::enqueue(
                    &tx,
                    hagaki::db::outbox::MailKind::Notice,
                    None,
                    "w@example.jp",
                    &json!({"subject": "s", "body": "b"}),
                    ctx.now(),
                )
                .unwrap();
                ctx.audit(&tx, "test.write", None, "ok", format!("outbox {id}"))
                    .unwrap();
                tx.commit().unwrap();
                written += 1;
            }
            written
        })
    };
    std::thread::sleep(std::time::Duration::from_millis(100));

    let summary = site.json(&["backup", "copy.db"]);
    stop.store(true, Ordering::SeqCst);
    let written = writer.join().unwrap();

    assert_eq!(summary["integrity"], "ok");
    assert_eq!(summary["file"], "copy.db");
    let copy = rusqlite::Connection::open(site.path("copy.db")).unwrap();
    let (rows, audits): (i64, i64) = copy
        .query_row(
            "SELECT (SELECT count(*) FROM outbox), (SELECT count(*) FROM audit WHERE action = 'test.write')",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert!(
        rows > 0 && rows <= written,
        "copy has {rows} of {written} rows"
    );
    assert_eq!(
        rows, audits,
        "each row and its audit row are in the copy together"
    );
    let verification = hagaki::audit::verify(&copy).unwrap();
    assert!(
        verification.ok && verification.problems.is_empty(),
        "{:?}",
        verification.problems
    );
    assert!(!site.path("copy.db-wal").exists());
    let leftovers = std::fs::read_dir(site.dir.path())
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .contains(".hagaki-backup-")
        })
        .count();
    assert_eq!(leftovers, 0);

    let before = std::fs::read(site.path("copy.db")).unwrap();
    let out = site.cmd().args(["backup", "copy.db"]).output().unwrap();
    assert_eq!(out.status.code(), Some(5));
    assert!(String::from_utf8_lossy(&out.stderr).contains("copy.db already exists"));
    assert_eq!(std::fs::read(site.path("copy.db")).unwrap(), before);
}
