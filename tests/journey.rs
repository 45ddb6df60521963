//! The whole life of one household account through the real binary, across every area:
//! roster import → postcard batch → portal login, identity check, registration → mail sent
//! through the file transport → email confirmation → login with the member's own ID →
//! forgot password → temporary login → password change. Then the database is scanned for
//! every secret that was used.

mod common;
mod mail_smtp;

use std::path::Path;

use common::*;
use mail_smtp::parse::parse;
use serde_json::Value;

const OWN_PASSWORD: &str = "Sakura-Fubuki-2026!";
const NEW_PASSWORD: &str = "Momiji#Kaze-Tsuki9";

/// Runs a step with `stdin`, returning (exit code, stdout JSON or Null, stderr).
fn step(site: &Site, args: &[&str], stdin: &str) -> (i32, Value, String) {
    let out = site
        .cmd()
        .arg("--format")
        .arg("json")
        .args(args)
        .write_stdin(stdin)
        .output()
        .unwrap();
    let json = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (
        out.status.code().unwrap(),
        json,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn ok(site: &Site, args: &[&str], stdin: &str) -> Value {
    let (code, json, err) = step(site, args, stdin);
    assert_eq!(code, 0, "hagaki {args:?} failed: {err}");
    json
}

/// Sends the outbox through the file transport and returns the bodies of the new mails.
fn send_mail(site: &Site, spool: &Path) -> Vec<String> {
    let before: Vec<_> = std::fs::read_dir(spool)
        .map(|d| d.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    let url = format!("file://{}", spool.display());
    let out = site
        .cmd()
        .env("HAGAKI_SMTP_URL", &url)
        .args(["--format", "json", "mail", "send"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut new: Vec<_> = std::fs::read_dir(spool)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| !before.contains(p))
        .collect();
    new.sort();
    new.iter()
        .map(|p| parse(&std::fs::read(p).unwrap()).body)
        .collect()
}

/// The postcard of the member named `name`: (provisional ID, printed password).
fn postcard_of(print_file: &Path, name: &str) -> (String, String) {
    let bytes = std::fs::read(print_file).unwrap();
    let (text, _, bad) = encoding_rs::SHIFT_JIS.decode(&bytes);
    assert!(!bad, "the print file is not valid CP932");
    let mut rows = csv::Reader::from_reader(text.as_bytes());
    let headers = rows.headers().unwrap().clone();
    let col = |h: &str| headers.iter().position(|x| x == h).unwrap();
    let (name_col, id_col, pw_col) = (col("氏名"), col("仮ユーザID"), col("仮パスワード"));
    rows.records()
        .map(Result::unwrap)
        .find(|r| &r[name_col] == name)
        .map(|r| (r[id_col].to_string(), r[pw_col].to_string()))
        .unwrap_or_else(|| panic!("no postcard for {name}"))
}

#[test]
fn a_member_goes_from_postcard_to_registered_and_recovers_a_forgotten_password() {
    let site = Site::new();
    let spool = site.path("spool");
    let mut secrets: Vec<String> = Vec::new();

    ok(
        &site,
        &["import", &fixture("roster.csv").display().to_string()],
        "",
    );
    let batch = ok(&site, &["issue", "--out", "postcards.csv"], "");
    assert!(batch["count"].as_u64().unwrap() > 10, "{batch}");

    let (provisional_id, printed) = postcard_of(&site.path("postcards.csv"), "山田 太郎");
    secrets.push(printed.clone());
    secrets.push(printed.replace('-', ""));

    // The member types the postcard's ID in lower case and the password without hyphens.
    let typed = printed.replace('-', "").to_uppercase();
    let login = ok(
        &site,
        &["portal", "login", "--id", &provisional_id.to_lowercase()],
        &typed,
    );
    let session = login["session"].as_str().unwrap().to_string();
    secrets.push(session.clone());

    ok(
        &site,
        &[
            "portal",
            "verify",
            "--session",
            &session,
            "--insurer-number",
            "０６１３００９０",
            "--birth-date",
            "19710603",
            "--agree-terms",
        ],
        "",
    );
    ok(
        &site,
        &[
            "portal",
            "register",
            "--session",
            &session,
            "--user-id",
            "yamada.taro",
            "--email",
            "taro@example.jp",
            "--notice-mail",
        ],
        &format!("{OWN_PASSWORD}\n"),
    );
    secrets.push(OWN_PASSWORD.to_string());

    // The provisional credential is used up.
    let (code, _, _) = step(&site, &["portal", "login", "--id", &provisional_id], &typed);
    assert_eq!(code, 5);

    let mails = send_mail(&site, &spool);
    let confirmation = mails
        .iter()
        .find(|b| b.contains("confirm-email?token="))
        .expect("a confirmation mail");
    let token = mail_after(confirmation, "confirm-email?token=", 32).to_string();
    secrets.push(token.clone());

    ok(&site, &["portal", "confirm-email", &token], "");
    let (code, _, err) = step(&site, &["portal", "confirm-email", &token], "");
    assert_eq!(code, 5, "a used token must be refused: {err}");

    let signed_in = ok(
        &site,
        &["portal", "login", "--id", "YAMADA.TARO"],
        OWN_PASSWORD,
    );
    assert_eq!(signed_in["stage"], "member");
    secrets.push(signed_in["session"].as_str().unwrap().to_string());

    ok(
        &site,
        &[
            "portal",
            "forgot-password",
            "--user-id",
            "yamada.taro",
            "--email",
            "taro@example.jp",
        ],
        "",
    );
    let mails = send_mail(&site, &spool);
    assert_eq!(
        mails.len(),
        2,
        "registration complete + temporary password: {mails:?}"
    );
    assert!(
        mails
            .iter()
            .any(|b| b.contains("ご登録が完了しました") && b.contains("ユーザID: yamada.taro")),
        "{mails:?}"
    );
    let notice = mails
        .iter()
        .find(|b| b.contains("仮パスワード: "))
        .expect("a temporary password mail");
    let temporary = mail_after(notice, "仮パスワード: ", 14).to_string();
    secrets.push(temporary.clone());

    let temp_login = ok(
        &site,
        &["portal", "login", "--id", "yamada.taro"],
        &temporary,
    );
    assert_eq!(temp_login["stage"], "change_password");
    let temp_session = temp_login["session"].as_str().unwrap().to_string();
    secrets.push(temp_session.clone());
    ok(
        &site,
        &["portal", "change-password", "--session", &temp_session],
        &format!("{NEW_PASSWORD}\n"),
    );
    secrets.push(NEW_PASSWORD.to_string());

    // The temporary password was single use, the old password is gone, the new one works.
    assert_eq!(
        step(
            &site,
            &["portal", "login", "--id", "yamada.taro"],
            &temporary
        )
        .0,
        5
    );
    assert_eq!(
        step(
            &site,
            &["portal", "login", "--id", "yamada.taro"],
            OWN_PASSWORD
        )
        .0,
        5
    );
    let last = ok(
        &site,
        &["portal", "login", "--id", "yamada.taro"],
        NEW_PASSWORD,
    );
    assert_eq!(last["stage"], "member");

    let stored = site.stored_bytes();
    for secret in &secrets {
        assert!(
            !contains(&stored, secret.as_bytes()),
            "{secret:?} is stored in the database in clear"
        );
    }
    let audit = ok(&site, &["audit", "verify"], "");
    assert_eq!(audit["ok"], true, "{audit}");
}
