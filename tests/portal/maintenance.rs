//! The maintenance window: portal steps refused, admin commands not; the listing.

use predicates::prelude::*;

use super::*;

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
