//! `hagaki init` and `hagaki config`, through the real binary.

mod common;

use common::Site;
use predicates::prelude::*;

#[test]
fn init_creates_a_database_with_the_insurer_settings() {
    let site = Site::new();
    let shown = site.json(&["config", "show"]);
    let value = |key: &str| {
        shown
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["key"] == key)
            .unwrap()["value"]
            .clone()
    };
    assert_eq!(value("insurer_number"), "06130090");
    assert_eq!(value("lockout_threshold"), "5");
    assert_eq!(value("provisional_valid_days"), "90");
}

#[test]
fn init_refuses_a_wrong_check_digit_and_leaves_no_file() {
    let site = Site::empty();
    site.cmd()
        .args([
            "init",
            "--insurer-number",
            "06130091",
            "--insurer-name",
            "x",
        ])
        .args(["--portal-url", "https://p.example.jp/"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("check digit is wrong"));
    assert!(!site.db().exists());
}

#[test]
fn init_refuses_to_overwrite_an_existing_database() {
    let site = Site::new();
    site.cmd()
        .args([
            "init",
            "--insurer-number",
            "06130090",
            "--insurer-name",
            "x",
        ])
        .args(["--portal-url", "https://p.example.jp/"])
        .assert()
        .code(5)
        .stderr(predicate::str::contains("already exists"));
}

#[test]
fn commands_on_a_missing_database_say_how_to_create_one() {
    let site = Site::empty();
    site.cmd()
        .args(["config", "show"])
        .assert()
        .code(4)
        .stderr(predicate::str::contains(
            "help: create it with `hagaki init`",
        ));
}

#[test]
fn config_set_checks_the_value_and_records_it() {
    let site = Site::new();
    site.cmd()
        .args(["config", "set", "lockout_threshold", "0"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("from 1 to 1000"));
    site.cmd()
        .args(["config", "set", "lockout_minutes", "45"])
        .assert()
        .success();
    let shown = site.json(&["config", "show"]);
    let minutes = shown
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["key"] == "lockout_minutes")
        .unwrap();
    assert_eq!(minutes["value"], "45");
    site.cmd()
        .args(["config", "set", "no_such_thing", "1"])
        .assert()
        .code(4);
}

#[test]
fn a_bad_hagaki_now_is_a_usage_error() {
    let site = Site::new();
    site.cmd()
        .env("HAGAKI_NOW", "yesterday")
        .args(["config", "show"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("HAGAKI_NOW"));
}
