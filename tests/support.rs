//! The support desk through the real binary: the funnel, one member's status and next action,
//! finding members, unlock, and the audit trail's listing and verification.

mod common;

use common::{Site, support_seed};
use predicates::prelude::*;
use serde_json::{Value, json};

fn seeded() -> Site {
    let site = Site::new();
    support_seed(&site);
    site
}

fn scope<'a>(funnel: &'a Value, name: &str) -> &'a Value {
    funnel["scopes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["scope"] == name)
        .unwrap_or_else(|| panic!("no scope {name} in {funnel}"))
}

#[test]
fn funnel_counts_every_step_overall_and_per_batch() {
    let site = seeded();
    let funnel = site.json(&["status"]);
    assert_eq!(funnel["as_of"], "2026-11-18T10:00:00+09:00");
    let names: Vec<&str> = funnel["scopes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["scope"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["all", "batch 1", "batch 2", "batch 3"]);
    let counts = |name| scope(&funnel, name)["counts"].clone();
    assert_eq!(
        counts("all"),
        json!({"households": 10, "issued": 9, "provisional_expired": 2, "identity_checked": 5,
               "registered": 3, "email_confirmed": 2, "locked": 1, "retired": 1})
    );
    assert_eq!(
        counts("batch 1"),
        json!({"households": 4, "issued": 4, "provisional_expired": 2, "identity_checked": 3,
               "registered": 2, "email_confirmed": 1, "locked": 0, "retired": 0})
    );
    assert_eq!(
        counts("batch 2"),
        json!({"households": 4, "issued": 4, "provisional_expired": 0, "identity_checked": 2,
               "registered": 1, "email_confirmed": 1, "locked": 1, "retired": 1})
    );
    assert_eq!(
        counts("batch 3"),
        json!({"households": 1, "issued": 1, "provisional_expired": 0, "identity_checked": 0,
               "registered": 0, "email_confirmed": 0, "locked": 0, "retired": 0})
    );
    assert_eq!(
        scope(&funnel, "batch 3")["batch"],
        json!({"id": 3, "kind": "reissue", "state": "issued", "issued_on": "2026-11-10", "postcards": 1})
    );
    let all = &scope(&funnel, "all")["steps"];
    assert_eq!(
        all[4],
        json!({"step": "registered", "count": 3, "of_households": 0.3, "of_previous": 0.6,
               "previous": "identity_checked"})
    );
    assert_eq!(
        all[5],
        json!({"step": "email_confirmed", "count": 2, "of_households": 0.2,
               "of_previous": 0.6667, "previous": "registered"})
    );
}

#[test]
fn funnel_of_one_batch_as_csv() {
    let site = seeded();
    site.cmd()
        .args(["--format", "csv", "status", "--batch", "1"])
        .assert()
        .success()
        .stdout(
            "scope,step,count,of households,of previous,previous\n\
             batch 1,households,4,100.0%,,\n\
             batch 1,issued,4,100.0%,100.0%,households\n\
             batch 1,provisional_expired,2,50.0%,50.0%,issued\n\
             batch 1,identity_checked,3,75.0%,75.0%,issued\n\
             batch 1,registered,2,50.0%,66.7%,identity_checked\n\
             batch 1,email_confirmed,1,25.0%,50.0%,registered\n\
             batch 1,locked,0,0.0%,,\n\
             batch 1,retired,0,0.0%,,\n",
        );
    let one = site.json(&["status", "--batch", "2"]);
    assert_eq!(one["scopes"].as_array().unwrap().len(), 1);
    assert_eq!(one["scopes"][0]["counts"]["locked"], 1);
}

#[test]
fn funnel_of_an_unknown_batch_is_not_found() {
    let site = seeded();
    site.cmd()
        .args(["status", "--batch", "99"])
        .assert()
        .code(4)
        .stderr(predicate::str::contains("error: batch 99 not found"));
}

#[test]
fn expiry_is_counted_as_of_the_pinned_time() {
    let site = seeded();
    // After batch 2 and 3's postcards expire, their live unregistered households count too.
    let later = site
        .cmd()
        .env("HAGAKI_NOW", "2027-02-01T00:00:00+09:00")
        .args(["--format", "json", "status"])
        .output()
        .unwrap();
    let funnel: Value = serde_json::from_slice(&later.stdout).unwrap();
    assert_eq!(scope(&funnel, "all")["counts"]["provisional_expired"], 6);
    assert_eq!(scope(&funnel, "all")["counts"]["locked"], 0);
}

fn stage_and_action(site: &Site, member: &str) -> (String, String, String) {
    let s = site.json(&["status", member]);
    (
        s["stage"].as_str().unwrap().to_string(),
        s["next_action"]["code"].as_str().unwrap().to_string(),
        s["next_action"]["text"].as_str().unwrap().to_string(),
    )
}

#[test]
fn member_status_names_each_stage_and_the_next_action() {
    let site = seeded();
    let reissue =
        |key: &str| format!("`hagaki reissue {key} --via postcard --reason TEXT --out FILE`");
    let cases = [
        ("1234-1", "not_issued", "issue", "no postcard yet: the next `hagaki issue` batch includes this household".to_string()),
        ("1234-2", "provisional_live", "member_logs_in", format!("postcard valid until 2027-01-31 00:00 JST: the member logs in with it; if it is lost: {}", reissue("1234-2"))),
        ("1234-3", "provisional_expired", "reissue_postcard", format!("provisional expired: {}", reissue("1234-3"))),
        ("1234-4", "provisional_expired", "reissue_postcard", format!("provisional expired: {}", reissue("1234-4"))),
        ("1234-5", "identity_checked", "member_registers", format!("identity checked: the member registers a user ID, password and email in the portal; if the postcard is lost: {}", reissue("1234-5"))),
        ("1234-6", "registered", "member_confirms", "email unconfirmed: the member opens the link in the confirmation mail (see the mails below; `hagaki mail send` sends queued ones); no password by email until it is confirmed".to_string()),
        ("1234-7", "email_confirmed", "reissue_email", "done; for a forgotten password: `hagaki reissue 1234-7 --via email --reason TEXT`".to_string()),
        ("1234-8", "provisional_live", "unlock", "locked until 2026-11-18 12:30 JST: `hagaki unlock 1234-8` (or wait)".to_string()),
        ("1234-9", "retired", "none", "retired: left the roster, can no longer log in; nothing to do".to_string()),
        ("1234-10", "provisional_live", "member_logs_in", format!("postcard valid until 2027-01-31 00:00 JST: the member logs in with it; if it is lost: {}", reissue("1234-10"))),
    ];
    for (key, stage, code, text) in cases {
        assert_eq!(
            stage_and_action(&site, key),
            (stage.to_string(), code.to_string(), text),
            "{key}"
        );
    }
}

#[test]
fn member_status_shows_dates_batch_credentials_and_mail_but_no_hash() {
    let site = seeded();
    let out = site
        .cmd()
        .args(["--format", "json", "status", "1234-7"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(
        !common::contains(&out.stdout, b"argon2"),
        "a hash was shown"
    );
    let s: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(s["member_id"], 7);
    assert_eq!(s["key"], "1234-7");
    assert_eq!(s["user_id"], "taro-7");
    assert_eq!(
        s["dates"],
        json!({"imported": "2026-05-01T09:00:00+09:00", "issued": "2026-06-01T09:00:00+09:00",
               "expires": "2026-08-31T00:00:00+09:00", "identity_checked": "2026-06-05T09:00:00+09:00",
               "registered": "2026-06-05T09:10:00+09:00", "email_confirmed": "2026-06-05T10:00:00+09:00",
               "retired": null})
    );
    assert_eq!(s["batch"]["id"], 1);
    assert_eq!(s["credentials"][0]["login_id"], "PROV7AAAAA");
    assert_eq!(s["credentials"][0]["state"], "used");
    assert_eq!(
        s["mail"],
        json!({"queued": 0, "sending": 0, "sent": 1, "dead": 1})
    );
    assert_eq!(s["mails"][0]["kind"], "temporary_password");
    assert_eq!(s["mails"][0]["state"], "dead");

    let reissued = site.json(&["status", "1234-10"]);
    let states: Vec<(&str, &str)> = reissued["credentials"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["login_id"].as_str().unwrap(),
                c["state"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(states, [("PROVXBBBBB", "live"), ("PROVXAAAAA", "revoked")]);
    assert_eq!(reissued["batch"]["id"], 3);
}

#[test]
fn members_are_found_by_key_user_id_provisional_id_or_email() {
    let site = seeded();
    let found = |input: &str| {
        let s = site.json(&["status", input]);
        (
            s["member_id"].as_i64().unwrap(),
            s["matched_by"].as_str().unwrap().to_string(),
        )
    };
    assert_eq!(found("1234-6"), (6, "member_key".to_string()));
    assert_eq!(found("１２３４－６－００"), (6, "member_key".to_string()));
    assert_eq!(found("HANAKO.Y"), (6, "user_id".to_string()));
    assert_eq!(found("prov6-aaaaa"), (6, "provisional_id".to_string()));
    assert_eq!(found("Hanako@Example.JP"), (6, "email".to_string()));
    // A dependent shows their household's account.
    let dep = site.json(&["status", "1234-2-01"]);
    assert_eq!(
        (dep["member_id"].clone(), dep["dependent_id"].clone()),
        (json!(2), json!(11))
    );
}

#[test]
fn an_unknown_member_is_exit_4_with_a_hint() {
    let site = seeded();
    site.cmd()
        .args(["status", "9999-1"])
        .assert()
        .code(4)
        .stdout("")
        .stderr(predicate::str::contains(
            "error: member \"9999-1\" not found",
        ))
        .stderr(predicate::str::contains("help: give a member key"));
}

#[test]
fn an_email_on_several_accounts_is_a_conflict_naming_their_ids() {
    let site = seeded();
    site.cmd()
        .args(["status", "shared@example.jp"])
        .assert()
        .code(5)
        .stderr(predicate::str::contains(
            "error: 2 accounts use the email \"shared@example.jp\": member ids 7, 9",
        ));
}

#[test]
fn unlock_clears_the_lock_and_writes_an_audit_row() {
    let site = seeded();
    site.cmd()
        .args(["--format", "json", "unlock", "1234-8"])
        .assert()
        .success()
        .stdout(predicate::str::contains("\"failed_attempts\": 5"));
    let s = site.json(&["status", "1234-8"]);
    assert_eq!(
        (s["locked"].clone(), s["failed_attempts"].clone()),
        (json!(false), json!(0))
    );
    assert_eq!(s["next_action"]["code"], "member_logs_in");
    let rows = site.json(&["audit", "--action", "unlock"]);
    assert_eq!(rows.as_array().unwrap().len(), 1);
    assert_eq!(rows[0]["member_id"], 8);
    assert_eq!(rows[0]["actor"], "tester");
    assert_eq!(rows[0]["outcome"], "ok");
    assert_eq!(
        rows[0]["detail"],
        "failed_attempts 5 -> 0; lock until 2026-11-18T12:30:00+09:00 cleared"
    );
    // Nothing left to clear: refused, and no second row.
    site.cmd()
        .args(["unlock", "1234-8"])
        .assert()
        .code(5)
        .stderr(predicate::str::contains(
            "is not locked and has no failed attempts",
        ));
    assert_eq!(
        site.json(&["audit", "--action", "unlock"])
            .as_array()
            .unwrap()
            .len(),
        1
    );
    site.cmd().args(["unlock", "9999-1"]).assert().code(4);
}

#[test]
fn audit_lists_with_member_action_since_and_limit_filters() {
    let site = seeded();
    site.cmd().args(["unlock", "1234-8"]).assert().success();
    site.cmd()
        .env("HAGAKI_NOW", "2026-11-19T09:30:00+09:00")
        .args(["config", "set", "lockout_minutes", "45"])
        .assert()
        .success();
    let actions = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["audit"];
        all.extend_from_slice(args);
        site.json(&all)
            .as_array()
            .unwrap()
            .iter()
            .map(|r| format!("{} {}", r["id"], r["action"].as_str().unwrap()))
            .collect()
    };
    assert_eq!(actions(&[]), ["1 init", "2 unlock", "3 config.set"]);
    assert_eq!(actions(&["--member", "1234-8"]), ["2 unlock"]);
    assert_eq!(actions(&["--action", "config.set"]), ["3 config.set"]);
    assert_eq!(actions(&["--since", "2026-11-19"]), ["3 config.set"]);
    assert_eq!(
        actions(&["--since", "2026-11-19T09:30:01+09:00"]),
        Vec::<String>::new()
    );
    assert_eq!(actions(&["--limit", "2"]), ["2 unlock", "3 config.set"]);
    site.cmd()
        .args(["--format", "csv", "audit", "--action", "config.set"])
        .assert()
        .success()
        .stdout(
            "id,at,actor,action,member,outcome,detail\n\
             3,2026-11-19 09:30 JST,tester,config.set,,ok,lockout_minutes: 30 -> 45\n",
        );
    site.cmd()
        .args(["audit", "--since", "last week"])
        .assert()
        .code(2);
    site.cmd()
        .args(["audit", "--member", "9999-1"])
        .assert()
        .code(4);
}

#[test]
fn audit_verify_passes_an_untouched_trail() {
    let site = seeded();
    site.cmd().args(["unlock", "1234-8"]).assert().success();
    assert_eq!(
        site.json(&["audit", "verify"]),
        json!({"rows": 2, "ok": true, "problems": []})
    );
}

#[test]
fn audit_verify_catches_a_row_changed_in_sqlite() {
    let site = seeded();
    site.cmd().args(["unlock", "1234-8"]).assert().success();
    site.cmd()
        .args(["config", "set", "lockout_minutes", "45"])
        .assert()
        .success();
    site.conn()
        .execute("UPDATE audit SET actor = 'someone else' WHERE id = 2", [])
        .unwrap();
    let out = site
        .cmd()
        .args(["--format", "json", "audit", "verify"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        v,
        json!({"rows": 3, "ok": false, "problems": [
            {"row": 2, "what": "its content does not match its hash (the row was edited)"}]})
    );
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("audit trail broken: 1 problem(s) in 3 row(s)")
    );
}

#[test]
fn audit_verify_catches_a_deleted_row() {
    let site = seeded();
    site.cmd().args(["unlock", "1234-8"]).assert().success();
    site.cmd()
        .args(["config", "set", "lockout_minutes", "45"])
        .assert()
        .success();
    site.conn()
        .execute("DELETE FROM audit WHERE id = 2", [])
        .unwrap();
    site.cmd()
        .args(["audit", "verify"])
        .assert()
        .code(3)
        .stdout(predicate::str::contains("rows 2 to 2 are missing"))
        .stdout(predicate::str::contains(
            "the chain ends after 2 row(s) but 3 were written",
        ));
}
