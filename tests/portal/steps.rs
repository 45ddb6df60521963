//! Identity check, registration rules, confirmation tokens, forgot flows, password change.

use predicates::prelude::*;

use super::*;
use crate::common::portal_queued_mail;

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
    let conn = s.site.conn();
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
    let queued: i64 = s
        .site
        .conn()
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
    let queued: i64 = s
        .site
        .conn()
        .query_row(
            "SELECT count(*) FROM outbox WHERE kind = 'temporary_password'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(queued, 1);
    let audit_has_key: i64 = s
        .site
        .conn()
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
