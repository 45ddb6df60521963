//! Mail delivery when things go wrong, against a real SMTP server on loopback: server down
//! then up, 4xx and 5xx replies, the retry schedule to dead and `mail retry`, concurrent
//! senders and a crashed sender's claim.

mod common;
mod mail_smtp;

use common::*;
use hagaki::db::outbox::MailKind;
use mail_smtp::SmtpServer;
use mail_smtp::parse::parse;
use serde_json::{Value, json};

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

    let (code, summary) = mail_send(&site, &url);

    assert_eq!(code, 7, "{summary}");
    assert_eq!(
        (&summary["sent"], &summary["deferred"]),
        (&json!(0), &json!(2))
    );
    let (state, attempts, next, error) = mail_row(&site, a);
    assert_eq!(
        (state.as_str(), attempts, next.as_str()),
        ("queued", 1, "2026-11-18T01:01:00Z")
    );
    assert!(error.unwrap().starts_with("server unreachable: "));
    let (state, attempts, next, error) = mail_row(&site, b);
    assert_eq!(
        (state.as_str(), attempts, next.as_str()),
        ("queued", 0, "2026-11-18T01:01:00Z")
    );
    assert!(error.unwrap().starts_with("not tried: server unreachable"));

    let server = SmtpServer::start_on(port);
    let (code, summary) = mail_send(&site, &url);
    assert_eq!(
        (code, &summary["sent"]),
        (0, &json!(0)),
        "not due yet: {summary}"
    );
    assert!(server.received().is_empty());

    let mut site = site;
    site.now = "2026-11-18T10:01:00+09:00".into();
    let (code, summary) = mail_send(&site, &url);
    assert_eq!((code, &summary["sent"]), (0, &json!(2)), "{summary}");
    assert_eq!(server.received().len(), 2);
    assert_eq!(mail_row(&site, a).0, "sent");
    assert_eq!(
        mail_row(&site, b).1,
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

    let (code, summary) = mail_send(&site, &server.url());

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
        let (code, summary) = mail_send(&site, &server.url());
        assert_eq!((code, &summary["deferred"]), (7, &json!(1)), "{summary}");
        let (state, attempts, next_at, _) = mail_row(&site, id);
        assert_eq!(
            (state.as_str(), attempts, next_at.as_str()),
            ("queued", n as i64 + 1, *next)
        );
    }
    site.now = "2026-11-19T00:36:00+09:00".into();
    let (code, summary) = mail_send(&site, &server.url());
    assert_eq!((code, &summary["dead"]), (7, &json!(1)), "{summary}");
    assert_eq!(mail_row(&site, id).0, "dead");
    assert_eq!(mail_row(&site, id).1, 6);
    // Dead mail is not tried again by itself.
    let (code, summary) = mail_send(&site, &server.url());
    assert_eq!((code, &summary["mails"]), (0, &json!([])));

    let (code, _) = mail_run(&site, &[], &["mail", "retry", "999"]);
    assert_eq!(code, 4, "unknown mail");
    let retried = site.json(&["mail", "retry", &id.to_string()]);
    assert_eq!(retried["requeued"], json!([id]));
    let (state, attempts, next, _) = mail_row(&site, id);
    assert_eq!(
        (state.as_str(), attempts, next.as_str()),
        ("queued", 0, "2026-11-18T15:36:00Z")
    );
    let (code, out) = mail_run(&site, &[], &["mail", "retry", &id.to_string()]);
    assert_eq!(code, 5, "only dead mail is retried: {out}");
    // --all-dead requeues every dead mail.
    site.conn()
        .execute("UPDATE outbox SET state = 'dead'", [])
        .unwrap();
    assert_eq!(
        site.json(&["mail", "retry", "--all-dead"])["requeued"],
        json!([id])
    );
    let audits: i64 = site
        .conn()
        .query_row(
            "SELECT count(*) FROM audit WHERE action = 'mail.retry'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(audits, 2);
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
    let conn = site.conn();
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

    let (code, summary) = mail_send(&site, &server.url());

    assert_eq!((code, &summary["sent"]), (0, &json!(1)), "{summary}");
    assert_eq!(server.received()[0].rcpt_to, ["stale@example.jp"]);
    assert_eq!(mail_row(&site, stale).0, "sent");
    assert_eq!(
        mail_row(&site, held).0,
        "sending",
        "a live claim is left alone"
    );
}

#[test]
fn two_senders_mint_exactly_one_live_token_per_confirmation_mail() {
    let site = Site::new();
    for id in 1..=30 {
        mail_seed_member(&site, id, "加入者", "C9", &id.to_string(), None);
        mail_queue(
            &site,
            MailKind::ConfirmEmail,
            Some(id),
            &format!("c{id}@example.jp"),
            json!({}),
        );
    }
    let server = SmtpServer::start();
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
    let mut sent = 0;
    for child in [one, two] {
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(0));
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        sent += v["sent"].as_i64().unwrap();
    }

    assert_eq!(sent, 30);
    assert_eq!(server.received().len(), 30);
    let conn = site.conn();
    let (tokens, members, outboxes): (i64, i64, i64) = conn
        .query_row(
            "SELECT count(*), count(DISTINCT member_id), count(DISTINCT outbox_id) FROM email_tokens",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!((tokens, members, outboxes), (30, 30, 30));
    for m in server.received() {
        let body = parse(&m.data).body;
        let token = mail_after(&body, "confirm-email?token=", 32);
        let live: i64 = conn
            .query_row(
                "SELECT count(*) FROM email_tokens WHERE token_hash = ?1 AND revoked_at IS NULL AND email = ?2",
                rusqlite::params![hagaki::secret::sha256_hex(token), m.rcpt_to[0]],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(
            live, 1,
            "the token mailed to {} is the live one",
            m.rcpt_to[0]
        );
    }
}
