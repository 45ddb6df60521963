//! Mail delivery against a real SMTP server on loopback: every kind of mail parsed back,
//! secrets minted at send time, the file transport, dry runs and transport URLs.

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

#[test]
fn every_kind_of_mail_arrives_in_japanese_with_encoded_headers_and_no_member_key() {
    let site = Site::new();
    mail_seed_taro(&site);
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

    let (code, summary) = mail_send(&site, &server.url());

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
    let token = mail_after(
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
    let (hash, revoked, outbox_id): (String, Option<String>, i64) = site
        .conn()
        .query_row(
            "SELECT token_hash, revoked_at, outbox_id FROM email_tokens WHERE member_id = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(hash, hagaki::secret::sha256_hex(&token));
    assert_eq!((revoked, outbox_id), (None, confirm));

    let (temp_mail, _) = &mails["【ひまわり健康保険組合】仮パスワードのお知らせ"];
    let password = mail_after(&temp_mail.body, "仮パスワード: ", 14).to_string();
    assert!(
        temp_mail
            .body
            .contains("最初のログインで、新しいパスワードへの変更が必要です。")
    );
    let (phc, cred_outbox): (String, i64) = site.conn()
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
    let bytes = site.stored_bytes();
    for secret in [token.as_str(), password.as_str(), typed.as_str()] {
        assert!(
            !contains(&bytes, secret.as_bytes()),
            "secret {secret} found in the database"
        );
    }
    let audit: String = site
        .conn()
        .prepare("SELECT group_concat(detail, '|') FROM audit")
        .unwrap()
        .query_row([], |r| r.get(0))
        .unwrap();
    for secret in [token.as_str(), password.as_str(), typed.as_str()] {
        assert!(
            !summary.to_string().contains(secret),
            "secret in the summary"
        );
        assert!(!audit.contains(secret), "secret in the audit trail");
    }
    assert!(!audit.contains("4321987"), "member key in the audit trail");
    let listed = site.json(&["mail", "list", "--state", "sent"]);
    assert_eq!(listed.as_array().unwrap().len(), 5);
    assert!(listed.to_string().find(&token).is_none());
}

#[test]
fn a_failed_send_ends_its_token_and_the_retry_mints_a_fresh_one() {
    let mut site = Site::new();
    mail_seed_taro(&site);
    let id = mail_queue(
        &site,
        MailKind::ConfirmEmail,
        Some(1),
        "taro@example.jp",
        json!({}),
    );
    let server = SmtpServer::start();
    server.fail_next_data(1);

    let (code, summary) = mail_send(&site, &server.url());
    assert_eq!((code, &summary["deferred"]), (7, &json!(1)), "{summary}");
    let marker = "confirm-email?token=";
    let first = mail_after(&parse(&server.rejected()[0].data).body, marker, 32).to_string();
    let revoked: Vec<(String, bool)> = site
        .conn()
        .prepare("SELECT token_hash, revoked_at IS NOT NULL FROM email_tokens")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    assert_eq!(
        revoked,
        [(hagaki::secret::sha256_hex(&first), true)],
        "the token of a refused mail is stored only as a revoked digest"
    );
    site.cmd()
        .args(["portal", "confirm-email", &first])
        .assert()
        .code(5);

    site.now = "2026-11-18T10:01:00+09:00".into();
    let (code, summary) = mail_send(&site, &server.url());
    assert_eq!((code, &summary["sent"]), (0, &json!(1)), "{summary}");
    let second = mail_after(&parse(&server.received()[0].data).body, marker, 32).to_string();
    assert_ne!(first, second);
    let rows: Vec<(String, i64)> = site.conn()
        .prepare("SELECT token_hash, outbox_id FROM email_tokens WHERE revoked_at IS NULL AND used_at IS NULL")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    assert_eq!(rows, [(hagaki::secret::sha256_hex(&second), id)]);
    assert!(!contains(&site.stored_bytes(), first.as_bytes()));
    assert!(!contains(&site.stored_bytes(), second.as_bytes()));
    site.cmd()
        .args(["portal", "confirm-email", &first])
        .assert()
        .code(5);
    site.cmd()
        .args(["portal", "confirm-email", &second])
        .assert()
        .success();
}

#[test]
fn the_file_transport_writes_one_eml_per_message() {
    let site = Site::new();
    mail_seed_taro(&site);
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

    let (code, summary) = mail_send(&site, &url);

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
    mail_seed_taro(&site);
    let id = mail_queue(
        &site,
        MailKind::ConfirmEmail,
        Some(1),
        "taro@example.jp",
        json!({}),
    );
    let before = site.stored_bytes();

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
    assert_eq!(mail_row(&site, id).0, "queued");
    let tokens: i64 = site
        .conn()
        .query_row("SELECT count(*) FROM email_tokens", [], |r| r.get(0))
        .unwrap();
    assert_eq!(tokens, 0);
    assert_eq!(before.len(), site.stored_bytes().len());
}

#[test]
fn a_missing_or_bad_transport_url_is_a_usage_error() {
    let site = Site::new();
    let (code, _) = mail_run(&site, &[], &["mail", "send"]);
    assert_eq!(code, 2);
    let (code, _) = mail_send(&site, "http://mail.example.jp");
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
