//! Login refusals: wrong or unknown, mistyped, expired, revoked, retired, locked.

use predicates::prelude::*;

use super::*;

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
fn revoked_credentials_and_retired_members_are_refused_with_the_reason() {
    let s = seeded(false);
    // Revoked after the login (a new postcard was sent): registration is refused.
    let session = login(&s.site, &s.login_id, PROVISIONAL_PW, "identity");
    verify(&s.site, &session, "06130090", BIRTH).success();
    let conn = s.site.conn();
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
