//! The member portal's steps through the real binary: the whole walk, each refusal, the
//! lockout, the maintenance window, and that no secret reaches the database file.

mod common;

use common::{
    Site, bytes, contains, portal_conn, portal_mint, portal_provisional_id, portal_queued_mail,
    portal_seed_member, portal_seed_provisional,
};
use predicates::prelude::*;

const PROVISIONAL_PW: &str = "ab3k-9x2m-pqrs";
const BIRTH: &str = "19790822";
const GOOD_PW: &str = "kaminari-Ume-sakura-47";
const EXPIRES: &str = "2027-02-01T00:00:00Z";

struct Seeded {
    site: Site,
    member_id: i64,
    login_id: String,
}

/// A site with one insured person holding a live provisional credential. Hashing is made
/// cheap unless `real_cost`: these tests are about rules, not hashing cost.
fn seeded(real_cost: bool) -> Seeded {
    let site = Site::new();
    if !real_cost {
        for (k, v) in [("argon2_memory_kib", "8192"), ("argon2_iterations", "1")] {
            site.cmd().args(["config", "set", k, v]).assert().success();
        }
    }
    let member_id = portal_seed_member(&site, "1234", "567", "1979-08-22");
    let login_id = portal_provisional_id(1);
    portal_seed_provisional(&site, member_id, &login_id, PROVISIONAL_PW, EXPIRES);
    Seeded {
        site,
        member_id,
        login_id,
    }
}

fn portal(site: &Site, args: &[&str], stdin: &str) -> assert_cmd::assert::Assert {
    site.cmd()
        .args(["--format", "json", "portal"])
        .args(args)
        .write_stdin(stdin.to_string())
        .assert()
}

fn json_of(a: &assert_cmd::assert::Assert) -> serde_json::Value {
    serde_json::from_slice(&a.get_output().stdout).expect("JSON on stdout")
}

fn stderr_of(a: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&a.get_output().stderr).into_owned()
}

/// Logs in and returns the session token, checking the stage.
fn login(site: &Site, id: &str, password: &str, stage: &str) -> String {
    let a = portal(site, &["login", "--id", id], &format!("{password}\n")).success();
    let v = json_of(&a);
    assert_eq!(v["stage"], stage);
    v["session"].as_str().unwrap().to_string()
}

fn verify(site: &Site, session: &str, insurer: &str, birth: &str) -> assert_cmd::assert::Assert {
    portal(
        site,
        &[
            "verify",
            "--session",
            session,
            "--insurer-number",
            insurer,
            "--birth-date",
            birth,
            "--agree-terms",
        ],
        "",
    )
}

fn register(site: &Site, session: &str, user_id: &str, pw: &str) -> assert_cmd::assert::Assert {
    portal(
        site,
        &[
            "register",
            "--session",
            session,
            "--user-id",
            user_id,
            "--email",
            "taro@example.jp",
            "--notice-mail",
        ],
        &format!("{pw}\n"),
    )
}

/// Provisional login, identity check and registration as `user_id`; email confirmed.
fn registered(s: &Seeded, user_id: &str) {
    let session = login(&s.site, &s.login_id, PROVISIONAL_PW, "identity");
    verify(&s.site, &session, "06130090", BIRTH).success();
    register(&s.site, &session, user_id, GOOD_PW).success();
    let token = portal_mint(&s.site, "confirm_email");
    portal(&s.site, &["confirm-email", &token], "").success();
}

fn failed_attempts(site: &Site, member_id: i64) -> (i64, Option<String>) {
    portal_conn(site)
        .query_row(
            "SELECT failed_attempts, locked_until FROM accounts WHERE member_id = ?1",
            [member_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap()
}

#[test]
fn the_whole_walk_works_and_leaves_no_secret_in_the_database() {
    let s = seeded(true);
    let site = &s.site;
    // The ID as a member may type it from paper: lower case, with a space.
    let typed_id = format!("{} {}", &s.login_id[..5].to_lowercase(), &s.login_id[5..]);
    let identity = login(site, &typed_id, "AB3K 9X2M PQRS", "identity");
    let v = json_of(&verify(site, &identity, "０６１３００９０", "１９７９０８２２").success());
    assert_eq!(v["stage"], "register");
    assert_eq!(v["terms_version"], "1");
    let v = json_of(&register(site, &identity, "Taro.Yamada", GOOD_PW).success());
    assert_eq!(v["user_id"], "Taro.Yamada");
    assert_eq!(v["email"], "taro@example.jp");
    assert_eq!(v["notice_mail"], true);
    // The provisional credential is used up, and the registration session ended.
    portal(
        site,
        &["login", "--id", &s.login_id],
        &format!("{PROVISIONAL_PW}\n"),
    )
    .code(5)
    .stderr(predicate::str::contains("already been used to register"));
    let (_, _, to) = portal_queued_mail(site, "confirm_email").unwrap();
    assert_eq!(to, "taro@example.jp");
    let token = portal_mint(site, "confirm_email");
    let v = json_of(&portal(site, &["confirm-email", &token], "").success());
    assert_eq!(v["email"], "taro@example.jp");

    let member = login(site, "taro.yamada", GOOD_PW, "member");
    let v = json_of(
        &portal(
            site,
            &[
                "forgot-password",
                "--user-id",
                "TARO.YAMADA",
                "--email",
                "Taro@Example.jp",
            ],
            "",
        )
        .success(),
    );
    assert!(v["message"].as_str().unwrap().starts_with("If the user ID"));
    let temporary = portal_mint(site, "temporary_password");
    let change = login(site, "Taro.Yamada", &temporary, "change_password");
    // A temporary password is single use.
    portal(
        site,
        &["login", "--id", "Taro.Yamada"],
        &format!("{temporary}\n"),
    )
    .code(5)
    .stderr(predicate::str::contains("the ID or password is wrong"));
    let new_pw = "hotaru-Kawa-yuki-93";
    let v = json_of(
        &portal(
            site,
            &["change-password", "--session", &change],
            &format!("{new_pw}\n"),
        )
        .success(),
    );
    assert_eq!(v["stage"], "member");
    login(site, "Taro.Yamada", new_pw, "member");
    portal(
        site,
        &["login", "--id", "Taro.Yamada"],
        &format!("{GOOD_PW}\n"),
    )
    .code(5);
    // A signed-in member changes the password giving the current one.
    let last_pw = "tsubame-Nami-kaze-58";
    portal(
        site,
        &["change-password", "--session", &member],
        &format!("wrong\n{last_pw}\n"),
    )
    .code(5)
    .stderr(predicate::str::contains("current password is wrong"));
    portal(
        site,
        &["change-password", "--session", &member],
        &format!("{new_pw}\n{last_pw}\n"),
    )
    .success();
    login(site, "Taro.Yamada", last_pw, "member");

    let conn = portal_conn(site);
    let oks: Vec<String> = conn
        .prepare(
            "SELECT action FROM audit WHERE action LIKE 'portal.%' AND outcome = 'ok' ORDER BY id",
        )
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        oks,
        [
            "portal.login",
            "portal.verify",
            "portal.register",
            "portal.confirm_email",
            "portal.login",
            "portal.forgot_password",
            "portal.login",
            "portal.change_password",
            "portal.login",
            "portal.change_password",
            "portal.login",
        ]
    );
    let hashes: Vec<String> = conn
        .prepare("SELECT password_hash FROM accounts")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(
        hashes[0].starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{hashes:?}"
    );
    drop(conn);

    let mut secrets = vec![
        PROVISIONAL_PW.to_string(),
        PROVISIONAL_PW.replace('-', ""),
        GOOD_PW.into(),
        new_pw.into(),
        last_pw.into(),
        temporary.clone(),
        temporary.replace('-', ""),
        token.clone(),
    ];
    secrets.extend([identity, member, change]);
    let mut stored = bytes(&site.db());
    let wal = site.path("hagaki.db-wal");
    if wal.exists() {
        stored.extend(bytes(&wal));
    }
    for secret in &secrets {
        assert!(
            !contains(&stored, secret.as_bytes()),
            "{secret:?} is in the database file"
        );
    }
    assert!(
        contains(&stored, b"Taro.Yamada"),
        "the scan must see the file's contents"
    );
}

#[test]
fn an_unknown_id_and_a_wrong_password_get_the_same_answer() {
    let s = seeded(false);
    let wrong = portal(&s.site, &["login", "--id", &s.login_id], "zzzz-zzzz-zzzz\n").code(5);
    let unknown = portal(
        &s.site,
        &["login", "--id", "no.such.user"],
        "zzzz-zzzz-zzzz\n",
    )
    .code(5);
    assert_eq!(stderr_of(&wrong), stderr_of(&unknown));
    assert!(stderr_of(&wrong).starts_with("error: the ID or password is wrong\n"));
    assert!(wrong.get_output().stdout.is_empty());
    assert_eq!(failed_attempts(&s.site, s.member_id), (1, None));
}

#[test]
fn a_mistyped_provisional_id_is_caught_without_counting_a_failure() {
    let s = seeded(false);
    let mut typo = s.login_id.clone().into_bytes();
    typo[3] = if typo[3] == b'A' { b'B' } else { b'A' };
    let typo = String::from_utf8(typo).unwrap();
    portal(
        &s.site,
        &["login", "--id", &typo],
        &format!("{PROVISIONAL_PW}\n"),
    )
    .code(5)
    .stderr(predicate::str::contains(
        "error: the provisional ID does not check out: a character is mistyped",
    ))
    .stderr(predicate::str::contains(
        "help: check the provisional ID against the postcard",
    ));
    assert_eq!(failed_attempts(&s.site, s.member_id), (0, None));
    // A 10-character ID outside the postcard alphabet is an ordinary unknown user ID.
    portal(&s.site, &["login", "--id", "yamadataro"], "zzzz\n")
        .code(5)
        .stderr(predicate::str::contains("the ID or password is wrong"));
}

#[test]
fn a_wrong_birth_date_is_refused_and_counts_toward_lockout() {
    let s = seeded(false);
    let session = login(&s.site, &s.login_id, PROVISIONAL_PW, "identity");
    verify(&s.site, &session, "06130090", "19790823")
        .code(5)
        .stderr(predicate::str::contains("the birth date does not match"));
    assert_eq!(failed_attempts(&s.site, s.member_id), (1, None));
    verify(&s.site, &session, "06130090", "1979-02-30")
        .code(3)
        .stderr(predicate::str::contains("is not a date"));
    verify(&s.site, &session, "06130090", BIRTH).success();
    assert_eq!(failed_attempts(&s.site, s.member_id), (0, None));
}

#[test]
fn a_wrong_insurer_number_counts_but_a_mistyped_check_digit_does_not() {
    let s = seeded(false);
    let session = login(&s.site, &s.login_id, PROVISIONAL_PW, "identity");
    verify(&s.site, &session, "06130091", BIRTH)
        .code(3)
        .stderr(predicate::str::contains("check digit is wrong"));
    assert_eq!(failed_attempts(&s.site, s.member_id), (0, None));
    // 12345674 has a good check digit but is another society's number.
    verify(&s.site, &session, "12345674", BIRTH)
        .code(5)
        .stderr(predicate::str::contains(
            "not this health insurance society's",
        ));
    assert_eq!(failed_attempts(&s.site, s.member_id), (1, None));
    portal(
        &s.site,
        &[
            "verify",
            "--session",
            &session,
            "--insurer-number",
            "06130090",
            "--birth-date",
            BIRTH,
        ],
        "",
    )
    .code(3)
    .stderr(predicate::str::contains("must be agreed to"));
}

#[test]
fn an_expired_provisional_credential_is_refused_with_its_date() {
    let mut s = seeded(false);
    s.site.now = "2027-02-01T09:00:00+09:00".to_string();
    portal(
        &s.site,
        &["login", "--id", &s.login_id],
        &format!("{PROVISIONAL_PW}\n"),
    )
    .code(5)
    .stderr(predicate::str::contains(
        "this provisional ID expired on 2027-02-01 09:00 JST",
    ))
    .stderr(predicate::str::contains(
        "help: ask the support desk to send a new postcard",
    ));
    // With a wrong password the answer is the usual one: expiry tells nothing to a guesser.
    portal(&s.site, &["login", "--id", &s.login_id], "zzzz\n")
        .code(5)
        .stderr(predicate::str::contains("the ID or password is wrong"));
}

#[test]
fn five_failures_lock_the_account_for_thirty_minutes() {
    let mut s = seeded(false);
    for n in 1..=4 {
        portal(&s.site, &["login", "--id", &s.login_id], "zzzz\n")
            .code(5)
            .stderr(predicate::str::contains("the ID or password is wrong"));
        assert_eq!(failed_attempts(&s.site, s.member_id).0, n);
    }
    portal(&s.site, &["login", "--id", &s.login_id], "zzzz\n")
        .code(5)
        .stderr(predicate::str::contains(
            "locked after too many failed attempts, until 2026-11-18 10:30 JST",
        ));
    // Locked: even the right password is refused, saying until when.
    s.site.now = "2026-11-18T10:29:59+09:00".to_string();
    portal(
        &s.site,
        &["login", "--id", &s.login_id],
        &format!("{PROVISIONAL_PW}\n"),
    )
    .code(5)
    .stderr(predicate::str::contains("until 2026-11-18 10:30 JST"))
    .stderr(predicate::str::contains("help: try again after that time"));
    s.site.now = "2026-11-18T10:30:00+09:00".to_string();
    login(&s.site, &s.login_id, PROVISIONAL_PW, "identity");
    assert_eq!(failed_attempts(&s.site, s.member_id), (0, None));
}

#[test]
fn a_confirmation_token_is_single_use_and_expires() {
    let mut s = seeded(false);
    let session = login(&s.site, &s.login_id, PROVISIONAL_PW, "identity");
    verify(&s.site, &session, "06130090", BIRTH).success();
    register(&s.site, &session, "taro.yamada", GOOD_PW).success();
    let token = portal_mint(&s.site, "confirm_email");
    portal(&s.site, &["confirm-email", &token], "").success();
    portal(&s.site, &["confirm-email", &token], "")
        .code(5)
        .stderr(predicate::str::contains("already been used"));
    portal(&s.site, &["confirm-email", "nosuchtoken"], "")
        .code(5)
        .stderr(predicate::str::contains("not valid"));

    // A second token, tried after its 24 hours.
    let conn = portal_conn(&s.site);
    conn.execute(
        "INSERT INTO outbox (kind, member_id, to_addr, state, next_attempt_at, created_at)
         VALUES ('confirm_email', ?1, 'taro@example.jp', 'queued', 't', 't')",
        [s.member_id],
    )
    .unwrap();
    drop(conn);
    let late = portal_mint(&s.site, "confirm_email");
    s.site.now = "2026-11-19T10:00:00+09:00".to_string();
    portal(&s.site, &["confirm-email", &late], "")
        .code(5)
        .stderr(predicate::str::contains("has expired"));
}

#[test]
fn a_taken_user_id_is_refused_ignoring_case() {
    let first = seeded(false);
    registered(&first, "taro.yamada");
    let other = portal_seed_member(&first.site, "1234", "999", "1985-03-03");
    let other_id = portal_provisional_id(2);
    portal_seed_provisional(&first.site, other, &other_id, "cdef-ghjk-mnpq", EXPIRES);
    let session = login(&first.site, &other_id, "cdef-ghjk-mnpq", "identity");
    verify(&first.site, &session, "06130090", "19850303").success();
    register(&first.site, &session, "TARO.Yamada", GOOD_PW)
        .code(5)
        .stderr(predicate::str::contains(
            "the user ID \"TARO.Yamada\" is already taken",
        ));
    // A provisional ID (any member's) cannot become a user ID: it has the provisional shape.
    register(
        &first.site,
        &session,
        &first.login_id.to_lowercase(),
        GOOD_PW,
    )
    .code(3)
    .stderr(predicate::str::contains(
        "must not look like a provisional ID",
    ));
    register(&first.site, &session, "taro_yamada", GOOD_PW).success();
}

#[test]
fn a_weak_password_gets_one_message_per_broken_rule() {
    let s = seeded(false);
    let session = login(&s.site, &s.login_id, PROVISIONAL_PW, "identity");
    verify(&s.site, &session, "06130090", BIRTH).success();
    let cases: &[(&str, &[&str])] = &[
        (
            "short",
            &["password: must be 8 to 64 characters (it has 5)"],
        ),
        (
            "xTaro.Yamada-kaminari",
            &["password: must not contain the user ID"],
        ),
        (
            "kaminari-ume-19790822",
            &["password: must not contain the birth date"],
        ),
        ("password1", &["password: too easy to guess"]),
        (
            "xTaro.Yamada-kaminari0822",
            &[
                "password: must not contain the user ID",
                "password: must not contain the birth date",
            ],
        ),
    ];
    for (pw, messages) in cases {
        let a = register(&s.site, &session, "taro.yamada", pw).code(3);
        let err = stderr_of(&a);
        assert!(err.starts_with("error: registration refused:\n"), "{err}");
        let listed = err.lines().filter(|l| l.starts_with("  password:")).count();
        assert_eq!(listed, messages.len(), "{pw}: {err}");
        for m in *messages {
            assert!(err.contains(m), "{pw}: want {m:?} in {err}");
        }
    }
    let a = register(&s.site, &session, "x!", GOOD_PW).code(3);
    let err = stderr_of(&a);
    assert!(
        err.contains("  user ID: must be 8 to 13 characters (it has 2)"),
        "{err}"
    );
    assert!(
        err.contains("  user ID: may hold only half-width letters"),
        "{err}"
    );
    // Nothing was written: the session can still register.
    register(&s.site, &session, "taro.yamada", GOOD_PW).success();
}

#[test]
fn portal_steps_are_refused_in_the_maintenance_window_but_admin_commands_are_not() {
    let mut s = seeded(false);
    // 2026-10-25 is a Sunday: the window moves back to Friday 2026-10-23.
    s.site.now = "2026-10-23T21:30:00+09:00".to_string();
    portal(
        &s.site,
        &["login", "--id", &s.login_id],
        &format!("{PROVISIONAL_PW}\n"),
    )
    .code(6)
    .stderr(predicate::str::diff(
        "error: the portal is in its maintenance window until 2026-10-24 00:00 JST\n",
    ));
    portal(
        &s.site,
        &["forgot-password", "--user-id", "a", "--email", "a@b.jp"],
        "",
    )
    .code(6);
    s.site.cmd().args(["config", "show"]).assert().success();
    s.site.now = "2026-10-25T21:30:00+09:00".to_string();
    login(&s.site, &s.login_id, PROVISIONAL_PW, "identity");
    s.site.now = "2026-10-23T21:30:00+09:00".to_string();
    s.site
        .cmd()
        .args(["config", "set", "maintenance_window", "off"])
        .assert()
        .success();
    login(&s.site, &s.login_id, PROVISIONAL_PW, "identity");
}

#[test]
fn maintenance_lists_the_coming_windows_with_their_moves() {
    let mut s = seeded(false);
    s.site.now = "2025-12-26T12:00:00+09:00".to_string();
    let v = s.site.json(&["maintenance", "--next", "12"]);
    let dates: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["date"].as_str().unwrap())
        .collect();
    assert_eq!(
        dates,
        [
            "2026-01-23",
            "2026-02-25",
            "2026-03-25",
            "2026-04-24",
            "2026-05-25",
            "2026-06-25",
            "2026-07-24",
            "2026-08-25",
            "2026-09-25",
            "2026-10-23",
            "2026-11-25",
            "2026-12-25",
        ]
    );
    assert_eq!(v[0]["moved_from"], "2026-01-25");
    assert_eq!(v[0]["start"], "2026-01-23 21:00 JST");
    assert_eq!(v[0]["end"], "2026-01-24 00:00 JST");
    assert_eq!(v[1]["moved_from"], serde_json::Value::Null);
    s.site.now = "2029-02-22T22:00:00+09:00".to_string();
    let v = s.site.json(&["maintenance", "--next", "10"]);
    assert_eq!(v[0]["date"], "2029-02-22");
    assert_eq!(v[0]["in_progress"], true);
    assert_eq!(v[9]["date"], "2029-11-22");
}

#[test]
fn forgot_flows_answer_the_same_whether_or_not_the_member_exists() {
    let s = seeded(false);
    registered(&s, "taro.yamada");
    let forgot_id = |symbol: &str, birth: &str| {
        let a = portal(
            &s.site,
            &[
                "forgot-id",
                "--insurer-number",
                "06130090",
                "--symbol",
                symbol,
                "--number",
                "567",
                "--birth-date",
                birth,
            ],
            "",
        )
        .success();
        a.get_output().stdout.clone()
    };
    let hit = forgot_id("1234", BIRTH);
    assert_eq!(hit, forgot_id("9999", BIRTH));
    assert_eq!(hit, forgot_id("1234", "19800101"));
    let queued: i64 = portal_conn(&s.site)
        .query_row(
            "SELECT count(*) FROM outbox WHERE kind = 'forgot_id'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(queued, 1, "only the matching request queues a mail");
    let forgot_pw = |user: &str, email: &str| {
        portal(
            &s.site,
            &["forgot-password", "--user-id", user, "--email", email],
            "",
        )
        .success()
        .get_output()
        .stdout
        .clone()
    };
    let hit = forgot_pw("taro.yamada", "taro@example.jp");
    assert_eq!(hit, forgot_pw("nobody.here", "taro@example.jp"));
    assert_eq!(hit, forgot_pw("taro.yamada", "other@example.jp"));
    let queued: i64 = portal_conn(&s.site)
        .query_row(
            "SELECT count(*) FROM outbox WHERE kind = 'temporary_password'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(queued, 1);
    let audit_has_key: i64 = portal_conn(&s.site)
        .query_row(
            "SELECT count(*) FROM audit WHERE detail LIKE '%1234%' OR detail LIKE '%9999%'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(audit_has_key, 0, "記号・番号 never reach the audit trail");
}

#[test]
fn forgot_password_needs_a_confirmed_email() {
    let s = seeded(false);
    let session = login(&s.site, &s.login_id, PROVISIONAL_PW, "identity");
    verify(&s.site, &session, "06130090", BIRTH).success();
    register(&s.site, &session, "taro.yamada", GOOD_PW).success();
    portal(
        &s.site,
        &[
            "forgot-password",
            "--user-id",
            "taro.yamada",
            "--email",
            "taro@example.jp",
        ],
        "",
    )
    .success();
    assert!(portal_queued_mail(&s.site, "temporary_password").is_none());
}

#[test]
fn revoked_credentials_and_retired_members_are_refused_with_the_reason() {
    let s = seeded(false);
    // Revoked after the login (a new postcard was sent): registration is refused.
    let session = login(&s.site, &s.login_id, PROVISIONAL_PW, "identity");
    verify(&s.site, &session, "06130090", BIRTH).success();
    let conn = portal_conn(&s.site);
    conn.execute("UPDATE credentials SET state = 'revoked'", [])
        .unwrap();
    register(&s.site, &session, "taro.yamada", GOOD_PW)
        .code(5)
        .stderr(predicate::str::contains(
            "the provisional ID this session started from is no longer valid",
        ));
    portal(
        &s.site,
        &["login", "--id", &s.login_id],
        &format!("{PROVISIONAL_PW}\n"),
    )
    .code(5)
    .stderr(predicate::str::contains("a newer postcard replaced it"));
    conn.execute("UPDATE credentials SET state = 'live'", [])
        .unwrap();
    conn.execute(
        "UPDATE members SET retired_at = '2026-11-01T00:00:00Z' WHERE id = ?1",
        [s.member_id],
    )
    .unwrap();
    portal(
        &s.site,
        &["login", "--id", &s.login_id],
        &format!("{PROVISIONAL_PW}\n"),
    )
    .code(5)
    .stderr(predicate::str::contains("the membership has ended"));
    assert_eq!(failed_attempts(&s.site, s.member_id), (0, None));
}

#[test]
fn an_expired_temporary_password_is_refused_and_a_session_cannot_skip_its_stage() {
    let mut s = seeded(false);
    registered(&s, "taro.yamada");
    portal(
        &s.site,
        &[
            "forgot-password",
            "--user-id",
            "taro.yamada",
            "--email",
            "taro@example.jp",
        ],
        "",
    )
    .success();
    let temporary = portal_mint(&s.site, "temporary_password");
    let change = login(&s.site, "taro.yamada", &temporary, "change_password");
    // A change_password session cannot be used to register or verify.
    verify(&s.site, &change, "06130090", BIRTH)
        .code(5)
        .stderr(predicate::str::contains(
            "not possible at the session's stage (change_password)",
        ));
    portal(
        &s.site,
        &[
            "forgot-password",
            "--user-id",
            "taro.yamada",
            "--email",
            "taro@example.jp",
        ],
        "",
    )
    .success();
    let late = portal_mint(&s.site, "temporary_password");
    s.site.now = "2026-11-19T10:00:01+09:00".to_string();
    portal(
        &s.site,
        &["login", "--id", "taro.yamada"],
        &format!("{late}\n"),
    )
    .code(5)
    .stderr(predicate::str::contains(
        "the temporary password has expired",
    ));
    // Sessions end by time too (30 minutes).
    portal(
        &s.site,
        &["change-password", "--session", &change],
        "hotaru-Kawa-yuki-93\n",
    )
    .code(5)
    .stderr(predicate::str::contains("the session has expired"));
}
