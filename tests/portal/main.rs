//! The member portal's steps through the real binary: the whole walk, each refusal, the
//! lockout, the maintenance window, and that no secret reaches the database file.
//! One test binary; the files split it by subject.

#[path = "../common/mod.rs"]
mod common;

mod login;
mod maintenance;
mod steps;
mod walk;

use common::{
    Site, portal_mint, portal_provisional_id, portal_seed_member, portal_seed_provisional,
};

pub const PROVISIONAL_PW: &str = "ab3k-9x2m-pqrs";
pub const BIRTH: &str = "19790822";
pub const GOOD_PW: &str = "kaminari-Ume-sakura-47";
pub const EXPIRES: &str = "2027-02-01T00:00:00Z";

pub struct Seeded {
    pub site: Site,
    pub member_id: i64,
    pub login_id: String,
}

/// A site with one insured person holding a live provisional credential. Hashing is made
/// cheap unless `real_cost`: these tests are about rules, not hashing cost.
pub fn seeded(real_cost: bool) -> Seeded {
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

pub fn portal(site: &Site, args: &[&str], stdin: &str) -> assert_cmd::assert::Assert {
    site.cmd()
        .args(["--format", "json", "portal"])
        .args(args)
        .write_stdin(stdin.to_string())
        .assert()
}

pub fn json_of(a: &assert_cmd::assert::Assert) -> serde_json::Value {
    serde_json::from_slice(&a.get_output().stdout).expect("JSON on stdout")
}

pub fn stderr_of(a: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&a.get_output().stderr).into_owned()
}

/// Logs in and returns the session token, checking the stage.
pub fn login(site: &Site, id: &str, password: &str, stage: &str) -> String {
    let a = portal(site, &["login", "--id", id], &format!("{password}\n")).success();
    let v = json_of(&a);
    assert_eq!(v["stage"], stage);
    v["session"].as_str().unwrap().to_string()
}

pub fn verify(
    site: &Site,
    session: &str,
    insurer: &str,
    birth: &str,
) -> assert_cmd::assert::Assert {
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

pub fn register(site: &Site, session: &str, user_id: &str, pw: &str) -> assert_cmd::assert::Assert {
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
pub fn registered(s: &Seeded, user_id: &str) {
    let session = login(&s.site, &s.login_id, PROVISIONAL_PW, "identity");
    verify(&s.site, &session, "06130090", BIRTH).success();
    register(&s.site, &session, user_id, GOOD_PW).success();
    let token = portal_mint(&s.site, "confirm_email");
    portal(&s.site, &["confirm-email", &token], "").success();
}

pub fn failed_attempts(site: &Site, member_id: i64) -> (i64, Option<String>) {
    site.conn()
        .query_row(
            "SELECT failed_attempts, locked_until FROM accounts WHERE member_id = ?1",
            [member_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap()
}
