//! Mail delivery against a real SMTP server on loopback: every kind of mail parsed back,
//! server down then up, 4xx and 5xx replies, the retry schedule, concurrent senders, crashed
//! claims, the file transport, dry runs, and secrets minted at send time.

mod common;
mod mail_smtp;

use std::collections::BTreeMap;

use common::*;
use hagaki::db::outbox::MailKind;
use mail_smtp::SmtpServer;
use mail_smtp::parse::{Parsed, parse};
use serde_json::{Value, json};

const FROM: &str = "ひまわり健康保険組合 <portal@himawari-kenpo.example.jp>";
const SUBJECT_PREFIX: &str = "【ひまわり健康保険組合】";

fn send(site: &Site, url: &str) -> (i32, Value) {
    mail_run(site, &[("HAGAKI_SMTP_URL", url)], &["mail", "send"])
}

/// (state, attempts, next_attempt_at, last_error) of an outbox row.
fn row(site: &Site, id: i64) -> (String, i64, String, Option<String>) {
    mail_conn(site)
        .query_row(
            "SELECT state, attempts, next_attempt_at, last_error FROM outbox WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .unwrap()
}

fn taro(site: &Site) {
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
fn by_subject(server: &SmtpServer) -> BTreeMap<String, (Parsed, Vec<u8>)> {
    server
        .received()
        .into_iter()
        .map(|m| {
            let p = parse(&m.data);
            (p.header("subject").unwrap().to_string(), (p, m.data))
        })
        .collect()
}

fn after<'a>(text: &'a str, marker: &str, len: usize) -> &'a str {
    let start = text
        .find(marker)
        .unwrap_or_else(|| panic!("{marker:?} in {text}"))
        + marker.len();
    &text[start..start + len]
}

fn db_bytes(site: &Site) -> Vec<u8> {
    let mut bytes = std::fs::read(site.db()).unwrap();
    if let Ok(wal) = std::fs::read(site.path("hagaki.db-wal")) {
        bytes.extend(wal);
    }
    bytes
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[test]
fn every_kind_of_mail_arrives_in_japanese_with_encoded_headers_and_no_member_key() {
    let site = Site::new();
    taro(&site);
    let to = "taro@example.jp";
    let confirm = mail_queue(&site, MailKind::ConfirmEmail, Some(1), to, json!({}));
    let temp = mail_queue(&site, MailKind::TemporaryPassword, Some(1), to, json!({}));
    mail_queue(&site, MailKind::ForgotId, Some(1), to, json!({}));
    mail_queue(&site, MailKind::Registered, Some(1), to, json!({}));
    let notice_body = "今年度の特定健診のご案内です。\nポータルからお申し込みください。";
    mail_queue(
        &site,
        MailKind::Notice,
        Some(1),
        to,
        json!({"subject": "健診のご案内", "body": notice_body}),
    );
    let server = SmtpServer::start();

    let (code, summary) = send(&site, &server.url());

    assert_eq!(code, 0, "{summary}");
    assert_eq!(
        (&summary["sent"], &summary["deferred"], &summary["dead"]),
        (&json!(5), &json!(0), &json!(0))
    );
    assert_eq!(
        server.connections(),
        1,
        "one pooled connection carries the run"
    );
    let mails = by_subject(&server);
    let subjects: Vec<&str> = mails.keys().map(String::as_str).collect();
    assert_eq!(
        subjects,
        [
            "【ひまわり健康保険組合】ご登録完了のお知らせ",
            "【ひまわり健康保険組合】メールアドレスの確認のお願い",
            "【ひまわり健康保険組合】ユーザIDのお知らせ",
            "【ひまわり健康保険組合】仮パスワードのお知らせ",
            "【ひまわり健康保険組合】健診のご案内",
        ]
    );
    for m in server.received() {
        assert_eq!(m.mail_from, "portal@himawari-kenpo.example.jp");
        assert_eq!(m.rcpt_to, [to]);
        let p = parse(&m.data);
        assert_eq!(p.header("from"), Some(FROM));
        assert!(p.raw_header("from").unwrap().starts_with("=?utf-8?b?"));
        assert!(p.raw_header("subject").unwrap().starts_with("=?utf-8?b?"));
        assert_eq!(p.header("date"), Some("Wed, 18 Nov 2026 01:00:00 +0000"));
        assert_eq!(p.header("content-type"), Some("text/plain; charset=utf-8"));
        assert_eq!(p.header("mime-version"), Some("1.0"));
        assert!(p.body.starts_with("山田 太郎 様\n\n"), "{}", p.body);
        let text = String::from_utf8(m.data.clone()).unwrap();
        for key in ["記77", "4321987"] {
            assert!(
                !text.contains(key) && !p.body.contains(key),
                "member key in mail"
            );
        }
    }
    // The Message-ID in the summary is the one the mail carries.
    let sent: Vec<&Value> = summary["mails"].as_array().unwrap().iter().collect();
    let confirm_id = sent.iter().find(|m| m["id"] == json!(confirm)).unwrap()["message_id"]
        .as_str()
        .unwrap()
        .to_string();

    let (confirm_mail, _) = &mails["【ひまわり健康保険組合】メールアドレスの確認のお願い"];
    assert_eq!(confirm_mail.header("message-id"), Some(confirm_id.as_str()));
    let token = after(
        &confirm_mail.body,
        "https://portal.himawari-kenpo.example.jp/confirm-email?token=",
        32,
    )
    .to_string();
    assert!(
        confirm_mail
            .body
            .contains("有効期限は24時間です（2026-11-19 10:00 JSTまで）")
    );
    let (hash, revoked, outbox_id): (String, Option<String>, i64) = mail_conn(&site)
        .query_row(
            "SELECT token_hash, revoked_at, outbox_id FROM email_tokens WHERE member_id = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(hash, hagaki::secret::sha256_hex(&token));
    assert_eq!((revoked, outbox_id), (None, confirm));

    let (temp_mail, _) = &mails["【ひまわり健康保険組合】仮パスワードのお知らせ"];
    let password = after(&temp_mail.body, "仮パスワード: ", 14).to_string();
    assert!(
        temp_mail
            .body
            .contains("最初のログインで、新しいパスワードへの変更が必要です。")
    );
    let (phc, cred_outbox): (String, i64) = mail_conn(&site)
        .query_row(
            "SELECT password_hash, outbox_id FROM credentials WHERE kind = 'temporary' AND state = 'live'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(cred_outbox, temp);
    let typed = hagaki::credential::normalize_typed_password(&password);
    assert!(hagaki::secret::verify_password(&phc, &typed).unwrap());

    let (id_mail, _) = &mails["【ひまわり健康保険組合】ユーザIDのお知らせ"];
    assert!(id_mail.body.contains("ユーザID: yamada.taro\n"));
    let (notice_mail, _) = &mails["【ひまわり健康保険組合】健診のご案内"];
    assert!(notice_mail.body.contains(notice_body));

    // The secrets went out by mail only: not in the database file or its WAL.
    let bytes = db_bytes(&site);
    for secret in [token.as_str(), password.as_str(), typed.as_str()] {
        assert!(
            !contains(&bytes, secret),
            "secret {secret} found in the database"
        );
    }
    let listed = site.json(&["mail", "list", "--state", "sent"]);
    assert_eq!(listed.as_array().unwrap().len(), 5);
    assert!(listed.to_string().find(&token).is_none());
}

#[test]
fn a_down_server_defers_the_run_and_the_mail_goes_once_it_is_up_and_due() {
    let site = Site::new();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("smtp://127.0.0.1:{port}");
    let a = mail_queue(
        &site,
        MailKind::Notice,
        None,
        "a@example.jp",
        json!({"subject": "s", "body": "b"}),
    );
    let b = mail_queue(
        &site,
        MailKind::Notice,
        None,
        "b@example.jp",
        json!({"subject": "s", "body": "b"}),
    );

    let (code, summary) = send(&site, &url);

    assert_eq!(code, 7, "{summary}");
    assert_eq!(
        (&summary["sent"], &summary["deferred"]),
        (&json!(0), &json!(2))
    );
    let (state, attempts, next, error) = row(&site, a);
    assert_eq!(
        (state.as_str(), attempts, next.as_str()),
        ("queued", 1, "2026-11-18T01:01:00Z")
    );
    assert!(error.unwrap().starts_with("server unreachable: "));
    let (state, attempts, next, error) = row(&site, b);
    assert_eq!(
        (state.as_str(), attempts, next.as_str()),
        ("queued", 0, "2026-11-18T01:01:00Z")
    );
    assert!(error.unwrap().starts_with("not tried: server unreachable"));

    let server = SmtpServer::start_on(port);
    let (code, summary) = send(&site, &url);
    assert_eq!(
        (code, &summary["sent"]),
        (0, &json!(0)),
        "not due yet: {summary}"
    );
    assert!(server.received().is_empty());

    let mut site = site;
    site.now = "2026-11-18T10:01:00+09:00".into();
    let (code, summary) = send(&site, &url);
    assert_eq!((code, &summary["sent"]), (0, &json!(2)), "{summary}");
    assert_eq!(server.received().len(), 2);
    assert_eq!(row(&site, a).0, "sent");
    assert_eq!(
        row(&site, b).1,
        1,
        "b's first real attempt was the successful one"
    );
}

#[test]
fn a_4xx_defers_a_5xx_kills_at_once_and_the_other_mail_still_goes() {
    let site = Site::new();
    let p = || json!({"subject": "件名", "body": "本文"});
    let temp = mail_queue(&site, MailKind::Notice, None, "tempfail@example.jp", p());
    let bad = mail_queue(&site, MailKind::Notice, None, "reject@example.jp", p());
    let good = mail_queue(&site, MailKind::Notice, None, "good@example.jp", p());
    let broken = mail_queue(&site, MailKind::Notice, None, "not an address", p());
    let server = SmtpServer::start();

    let (code, summary) = send(&site, &server.url());

    assert_eq!(code, 7);
    assert_eq!(
        (&summary["sent"], &summary["deferred"], &summary["dead"]),
        (&json!(1), &json!(1), &json!(2)),
        "{summary}"
    );
    let outcome = |id: i64| {
        summary["mails"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["id"] == json!(id))
            .unwrap()
            .clone()
    };
    assert_eq!(outcome(temp)["outcome"], "deferred");
    assert!(outcome(temp)["error"].as_str().unwrap().contains("451"));
    assert_eq!(outcome(temp)["next_attempt_at"], "2026-11-18T01:01:00Z");
    assert_eq!(outcome(bad)["outcome"], "dead");
    assert!(outcome(bad)["error"].as_str().unwrap().contains("550"));
    assert_eq!(outcome(broken)["outcome"], "dead");
    assert!(
        outcome(broken)["error"]
            .as_str()
            .unwrap()
            .contains("recipient address")
    );
    assert_eq!(outcome(good)["outcome"], "sent");
    assert_eq!(server.received().len(), 1);
    assert_eq!(server.received()[0].rcpt_to, ["good@example.jp"]);
    let dead = site.json(&["mail", "list", "--state", "dead"]);
    let ids: Vec<i64> = dead
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [broken, bad]);
}

#[test]
fn transient_failures_follow_the_retry_schedule_to_dead_and_retry_requeues() {
    let mut site = Site::new();
    let id = mail_queue(
        &site,
        MailKind::Notice,
        None,
        "tempfail@example.jp",
        json!({"subject": "s", "body": "b"}),
    );
    let server = SmtpServer::start();
    // 1, 5, 30, 120, 720 minutes after each failure; the sixth failure is the last.
    let schedule = [
        ("2026-11-18T10:00:00+09:00", "2026-11-18T01:01:00Z"),
        ("2026-11-18T10:01:00+09:00", "2026-11-18T01:06:00Z"),
        ("2026-11-18T10:06:00+09:00", "2026-11-18T01:36:00Z"),
        ("2026-11-18T10:36:00+09:00", "2026-11-18T03:36:00Z"),
        ("2026-11-18T12:36:00+09:00", "2026-11-18T15:36:00Z"),
    ];
    for (n, (now, next)) in schedule.iter().enumerate() {
        site.now = now.to_string();
        let (code, summary) = send(&site, &server.url());
        assert_eq!((code, &summary["deferred"]), (7, &json!(1)), "{summary}");
        let (state, attempts, next_at, _) = row(&site, id);
        assert_eq!(
            (state.as_str(), attempts, next_at.as_str()),
            ("queued", n as i64 + 1, *next)
        );
    }
    site.now = "2026-11-19T00:36:00+09:00".into();
    let (code, summary) = send(&site, &server.url());
    assert_eq!((code, &summary["dead"]), (7, &json!(1)), "{summary}");
    assert_eq!(row(&site, id).0, "dead");
    assert_eq!(row(&site, id).1, 6);
    // Dead mail is not tried again by itself.
    let (code, summary) = send(&site, &server.url());
    assert_eq!((code, &summary["mails"]), (0, &json!([])));

    let (code, _) = mail_run(&site, &[], &["mail", "retry", "999"]);
    assert_eq!(code, 4, "unknown mail");
    let retried = site.json(&["mail", "retry", &id.to_string()]);
    assert_eq!(retried["requeued"], json!([id]));
    let (state, attempts, next, _) = row(&site, id);
    assert_eq!(
        (state.as_str(), attempts, next.as_str()),
        ("queued", 0, "2026-11-18T15:36:00Z")
    );
    let (code, out) = mail_run(&site, &[], &["mail", "retry", &id.to_string()]);
    assert_eq!(code, 5, "only dead mail is retried: {out}");
    // --all-dead requeues every dead mail.
    mail_conn(&site)
        .execute("UPDATE outbox SET state = 'dead'", [])
        .unwrap();
    assert_eq!(
        site.json(&["mail", "retry", "--all-dead"])["requeued"],
        json!([id])
    );
    let audits: i64 = mail_conn(&site)
        .query_row(
            "SELECT count(*) FROM audit WHERE action = 'mail.retry'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(audits, 2);
}

#[test]
fn a_failed_send_rolls_back_its_token_and_the_retry_mints_a_fresh_one() {
    let mut site = Site::new();
    taro(&site);
    let id = mail_queue(
        &site,
        MailKind::ConfirmEmail,
        Some(1),
        "taro@example.jp",
        json!({}),
    );
    let server = SmtpServer::start();
    server.fail_next_data(1);

    let (code, summary) = send(&site, &server.url());
    assert_eq!((code, &summary["deferred"]), (7, &json!(1)), "{summary}");
    let marker = "confirm-email?token=";
    let first = after(&parse(&server.rejected()[0].data).body, marker, 32).to_string();
    let tokens: i64 = mail_conn(&site)
        .query_row("SELECT count(*) FROM email_tokens", [], |r| r.get(0))
        .unwrap();
    assert_eq!(tokens, 0, "the token of a refused mail must not exist");

    site.now = "2026-11-18T10:01:00+09:00".into();
    let (code, summary) = send(&site, &server.url());
    assert_eq!((code, &summary["sent"]), (0, &json!(1)), "{summary}");
    let second = after(&parse(&server.received()[0].data).body, marker, 32).to_string();
    assert_ne!(first, second);
    let rows: Vec<(String, i64)> = mail_conn(&site)
        .prepare("SELECT token_hash, outbox_id FROM email_tokens WHERE revoked_at IS NULL AND used_at IS NULL")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    assert_eq!(rows, [(hagaki::secret::sha256_hex(&second), id)]);
    assert!(!contains(
        &db_bytes(&site),
        &hagaki::secret::sha256_hex(&first)
    ));
    assert!(!contains(&db_bytes(&site), &second));
}

#[test]
fn two_senders_at_once_send_every_mail_exactly_once() {
    let site = Site::new();
    for n in 0..200 {
        mail_queue(
            &site,
            MailKind::Notice,
            None,
            &format!("m{n}@example.jp"),
            json!({"subject": "s", "body": "b"}),
        );
    }
    let server = SmtpServer::start();
    server.delay_each_message(5);
    let spawn = || {
        mail_std_cmd(&site)
            .env("HAGAKI_SMTP_URL", server.url())
            .args(["--format", "json", "mail", "send"])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap()
    };
    let (one, two) = (spawn(), spawn());
    let sent: Vec<i64> = [one, two]
        .into_iter()
        .map(|child| {
            let out = child.wait_with_output().unwrap();
            assert_eq!(out.status.code(), Some(0));
            let v: Value = serde_json::from_slice(&out.stdout).unwrap();
            v["sent"].as_i64().unwrap()
        })
        .collect();
    assert_eq!(sent.iter().sum::<i64>(), 200);
    assert!(sent.iter().all(|&n| n > 0), "both senders worked: {sent:?}");
    let mut ids: Vec<i64> = server
        .received()
        .iter()
        .map(|m| {
            let id = parse(&m.data).header("message-id").unwrap().to_string();
            id.split('.').nth(1).unwrap().parse().unwrap()
        })
        .collect();
    ids.sort_unstable();
    assert_eq!(
        ids,
        (1..=200).collect::<Vec<i64>>(),
        "each mail received exactly once"
    );
}

#[test]
fn a_crashed_senders_claim_is_taken_over_once_it_runs_out() {
    let site = Site::new();
    let p = || json!({"subject": "s", "body": "b"});
    let stale = mail_queue(&site, MailKind::Notice, None, "stale@example.jp", p());
    let held = mail_queue(&site, MailKind::Notice, None, "held@example.jp", p());
    let conn = mail_conn(&site);
    conn.execute(
        "UPDATE outbox SET state = 'sending', claimed_by = 'crashed', claimed_until = '2026-11-18T00:59:00Z' WHERE id = ?1",
        [stale],
    )
    .unwrap();
    conn.execute(
        "UPDATE outbox SET state = 'sending', claimed_by = 'busy', claimed_until = '2026-11-18T01:04:00Z' WHERE id = ?1",
        [held],
    )
    .unwrap();
    let server = SmtpServer::start();

    let (code, summary) = send(&site, &server.url());

    assert_eq!((code, &summary["sent"]), (0, &json!(1)), "{summary}");
    assert_eq!(server.received()[0].rcpt_to, ["stale@example.jp"]);
    assert_eq!(row(&site, stale).0, "sent");
    assert_eq!(row(&site, held).0, "sending", "a live claim is left alone");
}

#[test]
fn the_file_transport_writes_one_eml_per_message() {
    let site = Site::new();
    taro(&site);
    let a = mail_queue(
        &site,
        MailKind::ForgotId,
        Some(1),
        "taro@example.jp",
        json!({}),
    );
    let b = mail_queue(
        &site,
        MailKind::Registered,
        Some(1),
        "taro@example.jp",
        json!({}),
    );
    let dir = site.path("spool");
    let url = format!("file://{}", dir.display());

    let (code, summary) = send(&site, &url);

    assert_eq!((code, &summary["sent"]), (0, &json!(2)), "{summary}");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [format!("mail-{a:08}.eml"), format!("mail-{b:08}.eml")]
    );
    let first = parse(&std::fs::read(dir.join(&names[0])).unwrap());
    assert_eq!(
        first.header("subject"),
        Some(format!("{SUBJECT_PREFIX}ユーザIDのお知らせ").as_str())
    );
    assert_eq!(first.header("to"), Some("taro@example.jp"));
    assert!(first.body.contains("ユーザID: yamada.taro"));
}

#[test]
fn a_dry_run_writes_placeholders_and_mints_and_changes_nothing() {
    let site = Site::new();
    taro(&site);
    let id = mail_queue(
        &site,
        MailKind::ConfirmEmail,
        Some(1),
        "taro@example.jp",
        json!({}),
    );
    let before = db_bytes(&site);

    let (code, summary) = mail_run(
        &site,
        &[],
        &["mail", "send", "--dry-run", "--out", "preview"],
    );

    assert_eq!(code, 0, "{summary}");
    assert_eq!(
        (&summary["dry_run"], &summary["written"]),
        (&json!(true), &json!(1))
    );
    let mail =
        parse(&std::fs::read(site.path("preview").join(format!("mail-{id:08}.eml"))).unwrap());
    assert!(
        mail.body.contains("confirm-email?token=(発行時に記載)"),
        "{}",
        mail.body
    );
    assert_eq!(row(&site, id).0, "queued");
    let tokens: i64 = mail_conn(&site)
        .query_row("SELECT count(*) FROM email_tokens", [], |r| r.get(0))
        .unwrap();
    assert_eq!(tokens, 0);
    assert_eq!(before.len(), db_bytes(&site).len());
}

#[test]
fn a_missing_or_bad_transport_url_is_a_usage_error() {
    let site = Site::new();
    let (code, _) = mail_run(&site, &[], &["mail", "send"]);
    assert_eq!(code, 2);
    let (code, _) = send(&site, "http://mail.example.jp");
    assert_eq!(code, 2);
    let out = site
        .cmd()
        .env("HAGAKI_SMTP_URL", "smtp://user:hunter2@host:nope")
        .args(["mail", "send"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("user:***@host:nope") && !stderr.contains("hunter2"),
        "{stderr}"
    );
}
