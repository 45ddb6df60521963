//! `hagaki import` and `hagaki members`, through the real binary and the fixtures.

mod common;

use common::{Site, fixture};
use predicates::prelude::*;
use rusqlite::Connection;
use serde_json::Value;

const MEMBER_ROWS: &str = "SELECT symbol, number, branch, name, name_kana, birth_date, postal_code,
                                  address1, address2, lost_on, retired_at
                           FROM members ORDER BY symbol, number, branch";

/// Every member row as text, for comparing two databases.
fn member_rows(site: &Site) -> Vec<Vec<String>> {
    let conn = Connection::open(site.db()).unwrap();
    let mut stmt = conn.prepare(MEMBER_ROWS).unwrap();
    stmt.query_map([], |r| {
        (0..11)
            .map(|i| r.get::<_, Option<String>>(i).map(|v| v.unwrap_or_default()))
            .collect()
    })
    .unwrap()
    .collect::<rusqlite::Result<_>>()
    .unwrap()
}

fn query_i64(site: &Site, sql: &str) -> i64 {
    let conn = Connection::open(site.db()).unwrap();
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

fn import(site: &Site, file: &str, extra: &[&str]) -> Value {
    let path = fixture(file);
    let mut args = vec!["import", path.to_str().unwrap()];
    args.extend_from_slice(extra);
    site.json(&args)
}

fn counts(summary: &Value) -> [u64; 5] {
    ["new", "updated", "unchanged", "missing", "retired"].map(|k| summary[k].as_u64().unwrap())
}

/// A copy of fixtures/roster.csv in the site's directory, with `edit` applied to its text.
fn edited_roster(site: &Site, edit: impl Fn(String) -> String) -> String {
    let text = std::fs::read_to_string(fixture("roster.csv")).unwrap();
    let path = site.path("edited.csv");
    std::fs::write(&path, edit(text)).unwrap();
    path.to_str().unwrap().to_string()
}

/// The roster's header, then its data lines in reverse order: every dependent comes before
/// the insured person of its household.
fn reversed(text: String) -> String {
    let mut lines: Vec<&str> = text.lines().collect();
    lines[1..].reverse();
    lines.join("\n") + "\n"
}

#[test]
fn cp932_and_utf8_rosters_import_to_identical_members() {
    let utf8 = Site::new();
    let cp932 = Site::new();
    let a = import(&utf8, "roster.csv", &[]);
    let b = import(&cp932, "roster_cp932.csv", &[]);
    assert_eq!(a["encoding"], "utf-8");
    assert_eq!(b["encoding"], "cp932");
    assert_eq!(counts(&a), [87, 0, 0, 0, 1]);
    assert_eq!(counts(&b), counts(&a));
    let rows = member_rows(&utf8);
    assert_eq!(rows.len(), 87);
    assert_eq!(rows, member_rows(&cp932));
    let names: Vec<&str> = rows.iter().map(|r| r[3].as_str()).collect();
    assert!(names.contains(&"髙﨑 一郎"), "{names:?}");
    assert!(names.contains(&"山﨑 美穂"), "{names:?}");
    // One account per household (32 insured persons), none for dependents.
    assert_eq!(query_i64(&utf8, "SELECT count(*) FROM accounts"), 32);
    assert_eq!(
        query_i64(
            &utf8,
            "SELECT count(*) FROM accounts a JOIN members m ON m.id = a.member_id
             WHERE m.branch <> '00'"
        ),
        0
    );
}

#[test]
fn reimporting_the_same_roster_changes_nothing() {
    let site = Site::new();
    import(&site, "roster.csv", &[]);
    let before = member_rows(&site);
    let again = import(&site, "roster_cp932.csv", &[]);
    assert_eq!(counts(&again), [0, 0, 87, 0, 0]);
    assert_eq!(member_rows(&site), before);
    // One audit row per import, with the counts and without any 記号・番号.
    let conn = Connection::open(site.db()).unwrap();
    let details: Vec<String> = conn
        .prepare("SELECT detail FROM audit WHERE action = 'import' ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    assert_eq!(
        details,
        [
            "rows 87 new 87 updated 0 unchanged 0 missing 0 missing_dependents 0 retired 1 encoding utf-8",
            "rows 87 new 0 updated 0 unchanged 87 missing 0 missing_dependents 0 retired 0 encoding cp932",
        ]
    );
}

#[test]
fn era_roster_values_land_normalised() {
    let site = Site::new();
    let summary = import(&site, "roster_era.csv", &[]);
    assert_eq!(summary["encoding"], "utf-8");
    assert_eq!(counts(&summary), [11, 0, 0, 0, 2]);
    let show = |key: &str| site.json(&["members", "show", key])["member"].clone();
    let m = show("1305-001");
    assert_eq!(m["name"], "田上 健二");
    assert_eq!(m["name_kana"], "タガミ ケンジ");
    assert_eq!(m["birth_date"], "1979-08-22");
    assert_eq!(m["postal_code"], "1000001");
    assert_eq!(m["address1"], "東京都千代田区千代田1-1");
    let births = [
        ("1305-001-01", "1981-03-03"),
        ("1305-001-02", "1989-01-08"),
        ("1305-2", "2019-04-30"),
        ("1305-2-01", "2019-05-01"),
        ("1305-2-02", "2020-02-29"),
        ("1305-3", "1926-12-25"),
        ("1305-3-01", "1926-12-24"),
        ("1305-4", "1980-05-05"),
        ("1305-4-01", "1989-01-07"),
        ("1305-4-02", "1988-12-31"),
    ];
    for (key, birth) in births {
        assert_eq!(show(key)["birth_date"], birth, "{key}");
    }
    let sakura = show("1305-2-01");
    assert_eq!(
        sakura["name_kana"], "オオツカ サクラ",
        "hiragana kana is stored as katakana"
    );
    assert_eq!(sakura["address2"], "ハイツ山田, 101");
    let abe = show("1305-4");
    assert_eq!(abe["name_kana"], "ABE JOHN");
    assert_eq!(abe["address2"], "ABCビル 5F");
    assert_eq!(abe["postal_code"], "8120011");
    // 資格喪失日 in the future: stored, not retired; in the past: retired at import time.
    assert_eq!(abe["lost_on"], "2027-04-01");
    assert_eq!(abe["retired_at"], Value::Null);
    let matsuoka = show("1305-3");
    assert_eq!(matsuoka["lost_on"], "2024-03-31");
    assert_eq!(matsuoka["retired_at"], "2026-11-18T01:00:00Z");
}

/// Each bad roster: exit 3, every bad row named, the database file byte for byte unchanged.
#[test]
fn bad_rosters_are_rejected_whole_with_every_bad_row_named() {
    let cases: &[(&str, &[&str])] = &[
        (
            "bad_date.csv",
            &[
                "error: BAD has 3 bad row(s); nothing was written",
                "  line 2, column 生年月日: \"19790230\" is not a date (there is no 1979-02-30)",
                "  line 3, column 生年月日: \"昭和五十年\" is not a date (write 19790822, 1979-08-22, 1979/8/22, 昭和54年8月22日, S54.8.22 or 3540822)",
                "  line 4, column 資格喪失日: \"2026/13/01\" is not a date (there is no 2026-13-01)",
            ],
        ),
        (
            "era_out_of_range.csv",
            &[
                "error: BAD has 4 bad row(s); nothing was written",
                "  line 2, column 生年月日: \"昭和65年1月1日\" is not a date (昭和 ended on 1989-01-07)",
                "  line 3, column 生年月日: \"昭和64年1月8日\" is not a date (昭和 ended on 1989-01-07)",
                "  line 4, column 生年月日: \"H31.5.1\" is not a date (平成 ended on 2019-04-30)",
                "  line 5, column 生年月日: \"令和元年4月30日\" is not a date (令和 began on 2019-05-01)",
            ],
        ),
        (
            "missing_column.csv",
            &[
                "error: the roster has no column for 生年月日/birth_date, 住所1/address1",
                "help: the header line needs 記号, 番号, 枝番, 氏名, 生年月日, 郵便番号, 住所1 (or symbol, number, branch, name, birth_date, postal_code, address1)",
            ],
        ),
        (
            "bad_branch.csv",
            &[
                "error: BAD has 2 bad row(s); nothing was written",
                "  line 3, column 枝番: \"1a\" is not a branch (two digits: 00 for the insured person, 01, 02 … for dependents)",
                "  line 4, column 枝番: \"123\" is not a branch (two digits: 00 for the insured person, 01, 02 … for dependents)",
            ],
        ),
        (
            "bad_postal.csv",
            &[
                "error: BAD has 3 bad row(s); nothing was written",
                "  line 2, column 郵便番号: \"100-001\" is not a postal code (7 digits: 1234567, 123-4567 or 〒123-4567)",
                "  line 3, column 郵便番号: \"〒ABC-DEFG\" is not a postal code (7 digits: 1234567, 123-4567 or 〒123-4567)",
                "  line 4, column 郵便番号: \"\" is empty (the insured person gets the postcard)",
            ],
        ),
        (
            "empty_field.csv",
            &[
                "error: BAD has 4 bad row(s); nothing was written",
                "  line 2, column 氏名: \"\" is empty (a required field)",
                "  line 3, column 記号: \"\" is empty (a required field)",
                "  line 4, column 生年月日: \"\\u{3000}\" is empty (a required field)",
                "  line 4, column 住所1: \"\" is empty (the insured person gets the postcard)",
            ],
        ),
        (
            "duplicate_key.csv",
            &[
                "error: BAD has 1 bad row(s); nothing was written",
                "  line 4: the same member (記号・番号・枝番) is on line 2",
            ],
        ),
        (
            "orphan_dependent.csv",
            &[
                "error: BAD has 2 bad row(s); nothing was written",
                "  line 3: dependent 枝番 01 has no insured person (枝番 00) in the roster",
                "  line 4: dependent 枝番 02 has no insured person (枝番 00) in the roster",
            ],
        ),
    ];
    let site = Site::new();
    import(&site, "roster.csv", &[]);
    let before = common::bytes(&site.db());
    for (file, expected) in cases {
        let path = fixture(&format!("bad/{file}"));
        let out = site.cmd().arg("import").arg(&path).output().unwrap();
        assert_eq!(out.status.code(), Some(3), "{file}");
        assert!(out.stdout.is_empty(), "{file}: nothing on stdout");
        let stderr = String::from_utf8(out.stderr).unwrap();
        let expected: Vec<String> = expected
            .iter()
            .map(|l| l.replace("BAD", &path.display().to_string()))
            .collect();
        assert_eq!(stderr.lines().collect::<Vec<_>>(), expected, "{file}");
        assert!(
            common::bytes(&site.db()) == before,
            "{file} changed the database file"
        );
    }
}

#[test]
fn a_roster_with_many_bad_rows_lists_every_one() {
    let site = Site::new();
    let before = common::bytes(&site.db());
    let path = fixture("bad/many_bad_rows.csv");
    let out = site.cmd().arg("import").arg(&path).output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    let stderr = String::from_utf8(out.stderr).unwrap();
    let lines: Vec<&str> = stderr.lines().collect();
    // 40 rows, every fifth one good.
    assert_eq!(
        lines[0],
        format!(
            "error: {} has 32 bad row(s); nothing was written",
            path.display()
        )
    );
    assert_eq!(lines.len(), 33);
    assert_eq!(
        lines[9], "  line 12: has 4 fields; the header has 10",
        "a short row is named"
    );
    assert_eq!(
        lines[32],
        "  line 40, column 郵便番号: \"10000\" is not a postal code (7 digits: 1234567, 123-4567 or 〒123-4567)"
    );
    assert!(
        !lines
            .iter()
            .any(|l| l.contains("line 6,") || l.contains("line 6:"))
    );
    assert!(common::bytes(&site.db()) == before);
}

#[test]
fn a_changed_roster_updates_members_in_place() {
    let site = Site::new();
    import(&site, "roster.csv", &[]);
    let id_before = site.json(&["members", "show", "1201-101"])["member"]["id"].clone();
    let edited = edited_roster(&site, |t| {
        let moved: Vec<String> = t
            .lines()
            .map(|l| match l.starts_with("1201,101,") {
                true => l.replace("東京都千代田区丸の内1-9-1", "東京都千代田区丸の内2-7-2"),
                false => l.to_string(),
            })
            .collect();
        moved.join("\n").replace("佐藤 健一", "佐藤 健一郎")
    });
    let summary = site.json(&["import", &edited]);
    // Household 101 (two rows) moved; household 108's insured person was renamed.
    assert_eq!(counts(&summary), [0, 3, 84, 0, 0]);
    let shown = site.json(&["members", "show", "1201-101"]);
    assert_eq!(
        shown["member"]["id"], id_before,
        "same member, updated in place"
    );
    assert_eq!(shown["member"]["address1"], "東京都千代田区丸の内2-7-2");
    assert_eq!(
        site.json(&["members", "show", "1201-108"])["member"]["name"],
        "佐藤 健一郎"
    );
}

#[test]
fn missing_households_are_listed_then_retired_on_request() {
    let site = Site::new();
    import(&site, "roster.csv", &[]);
    let yamada = site.json(&["members", "show", "1201-101"]);
    let yamada_id = yamada["member"]["id"].as_i64().unwrap();
    let without_yamada = edited_roster(&site, |t| {
        t.lines()
            .filter(|l| !l.starts_with("1201,101,"))
            .collect::<Vec<_>>()
            .join("\n")
    });
    let listed = site.json(&["import", &without_yamada]);
    assert_eq!(counts(&listed), [0, 0, 85, 1, 0]);
    assert_eq!(
        listed["missing_household_ids"],
        serde_json::json!([yamada_id])
    );
    assert_eq!(
        site.json(&["members", "show", "1201-101"])["member"]["retired_at"],
        Value::Null,
        "listing is not retiring"
    );
    site.cmd()
        .args(["import", &without_yamada])
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "warning: 1 household(s) in the database are not in this roster",
        ));
    let retired = site.json(&["import", &without_yamada, "--retire-missing"]);
    assert_eq!(
        counts(&retired),
        [0, 0, 85, 1, 2],
        "both members of the household"
    );
    let shown = site.json(&["members", "show", "1201-101-01"]);
    assert_eq!(shown["member"]["retired_at"], "2026-11-18T01:00:00Z");
    assert_eq!(shown["household"][0]["retired_at"], "2026-11-18T01:00:00Z");
    // Once retired they are no longer reported missing; back in the roster, reinstated.
    assert_eq!(
        counts(&site.json(&["import", &without_yamada])),
        [0, 0, 85, 0, 0]
    );
    assert_eq!(counts(&import(&site, "roster.csv", &[])), [0, 2, 85, 0, 0]);
    assert_eq!(
        site.json(&["members", "show", "1201-101"])["member"]["retired_at"],
        Value::Null
    );
}

#[test]
fn dependents_left_out_of_a_present_household_are_listed() {
    let site = Site::new();
    import(&site, "roster.csv", &[]);
    let without_child = edited_roster(&site, |t| {
        t.lines()
            .filter(|l| !l.starts_with("1201,115,03,"))
            .collect::<Vec<_>>()
            .join("\n")
    });
    let child_id = site.json(&["members", "show", "1201-115-03"])["member"]["id"].clone();
    let summary = site.json(&["import", &without_child, "--retire-missing"]);
    assert_eq!(summary["missing"], 0);
    assert_eq!(summary["missing_dependents"], 1);
    assert_eq!(
        summary["missing_dependent_ids"],
        serde_json::json!([child_id])
    );
    assert_eq!(summary["retired"], 1);
}

#[test]
fn dry_run_reports_and_writes_nothing() {
    let site = Site::new();
    let before = common::bytes(&site.db());
    let summary = import(&site, "roster_cp932.csv", &["--dry-run"]);
    assert_eq!(counts(&summary), [87, 0, 0, 0, 1]);
    assert_eq!(summary["dry_run"], true);
    assert!(
        common::bytes(&site.db()) == before,
        "dry run changed the database file"
    );
    assert_eq!(query_i64(&site, "SELECT count(*) FROM members"), 0);
    assert_eq!(
        query_i64(&site, "SELECT count(*) FROM audit WHERE action = 'import'"),
        0
    );
}

#[test]
fn encoding_can_be_forced() {
    let site = Site::new();
    let before = common::bytes(&site.db());
    site.cmd()
        .args(["import", "--encoding", "utf-8"])
        .arg(fixture("roster_cp932.csv"))
        .assert()
        .code(3)
        .stderr(predicate::str::contains(
            "is not valid UTF-8 (is the file CP932? try --encoding cp932)",
        ));
    assert!(common::bytes(&site.db()) == before);
    let summary = import(&site, "roster_cp932.csv", &["--encoding", "cp932"]);
    assert_eq!(summary["encoding"], "cp932");
    assert_eq!(summary["new"], 87);
}

#[test]
fn a_missing_roster_file_is_not_found() {
    let site = Site::new();
    site.cmd()
        .args(["import", "no-such-roster.csv"])
        .assert()
        .code(4)
        .stderr("error: roster no-such-roster.csv not found\n");
}

#[test]
fn members_show_gives_the_household_and_account_without_secrets() {
    let site = Site::new();
    import(&site, "roster.csv", &[]);
    let shown = site.json(&["members", "show", "１２０１－１１５－０２"]);
    assert_eq!(shown["member"]["key"], "1201-115-02");
    let keys: Vec<&str> = shown["household"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["key"].as_str().unwrap())
        .collect();
    assert_eq!(
        keys,
        ["1201-115", "1201-115-01", "1201-115-02", "1201-115-03"]
    );
    assert_eq!(
        shown["account"],
        serde_json::json!({
            "registered": false, "user_id": null, "email_confirmed": false, "locked": false
        })
    );
    let table = site
        .cmd()
        .args(["members", "show", "1201-115"])
        .output()
        .unwrap();
    let text = String::from_utf8(table.stdout).unwrap();
    assert!(text.contains("household dependent"), "{text}");
    assert!(!text.to_lowercase().contains("hash"), "{text}");
    site.cmd()
        .args(["members", "show", "1201-999"])
        .assert()
        .code(4)
        .stderr(
            "error: member 1201-999 not found\n\
             help: search by name with `hagaki members find --name TEXT` or `--kana TEXT`\n",
        );
    site.cmd()
        .args(["members", "show", "1201"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("SYMBOL-NUMBER"));
}

#[test]
fn members_find_groups_dependents_under_their_household() {
    let site = Site::new();
    import(&site, "roster.csv", &[]);
    let found = site.json(&["members", "find", "--kana", "ｽｽﾞｷ ﾕｲ"]);
    assert_eq!(found.as_array().unwrap().len(), 1);
    assert_eq!(found[0]["household"], "1201-115");
    let members: Vec<(String, bool)> = found[0]["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["key"].as_str().unwrap().to_string(),
                m["matched"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        members,
        [
            ("1201-115".to_string(), false),
            ("1201-115-01".to_string(), false),
            ("1201-115-02".to_string(), true),
            ("1201-115-03".to_string(), false),
        ]
    );
    // Hiragana finds katakana; the name search ignores width and spaces.
    let hira = site.json(&["members", "find", "--kana", "たかさき"]);
    assert_eq!(hira[0]["household"], "1201-234");
    let name = site.json(&["members", "find", "--name", "髙﨑一郎"]);
    assert_eq!(name[0]["members"][0]["name"], "髙﨑 一郎");
    assert_eq!(name[0]["members"][0]["matched"], true);
    // Every 﨑 member, limited.
    let all = site.json(&["members", "find", "--name", "﨑"]);
    let matched = |v: &Value| -> usize {
        v.as_array()
            .unwrap()
            .iter()
            .flat_map(|h| h["members"].as_array().unwrap())
            .filter(|m| m["matched"] == true)
            .count()
    };
    let total = matched(&all);
    assert!(total > 2, "{total}");
    assert_eq!(
        matched(&site.json(&["members", "find", "--name", "﨑", "--limit", "2"])),
        2
    );
    assert_eq!(
        site.json(&["members", "find", "--name", "存在しない"]),
        serde_json::json!([])
    );
}

#[test]
fn a_roster_with_no_member_rows_retires_nobody() {
    let site = Site::new();
    import(&site, "roster.csv", &[]);
    let before = common::bytes(&site.db());
    let empty = site.path("empty.csv");
    std::fs::write(
        &empty,
        "記号,番号,枝番,氏名,生年月日,郵便番号,住所1\r\n,,,,,,\r\n",
    )
    .unwrap();
    site.cmd()
        .arg("import")
        .arg(&empty)
        .arg("--retire-missing")
        .assert()
        .code(3)
        .stderr(format!(
            "error: {} has a header but no member rows; nothing was written\n",
            empty.display()
        ));
    assert!(common::bytes(&site.db()) == before);
}

#[test]
fn an_unsorted_roster_imports_like_a_sorted_one() {
    let sorted = Site::new();
    import(&sorted, "roster.csv", &[]);
    let site = Site::new();
    let unsorted = edited_roster(&site, reversed);
    let first = site.json(&["import", &unsorted]);
    assert_eq!(counts(&first), [87, 0, 0, 0, 1]);
    assert_eq!(member_rows(&site), member_rows(&sorted));
    assert_eq!(query_i64(&site, "SELECT count(*) FROM accounts"), 32);
    // Again, now over members already in the database.
    let again = site.json(&["import", &unsorted]);
    assert_eq!(counts(&again), [0, 0, 87, 0, 0]);
}

#[test]
fn a_dependent_without_its_insured_person_is_named_in_an_unsorted_roster_too() {
    let site = Site::new();
    let before = common::bytes(&site.db());
    // 86 data lines after the removal; 1201-101-01, the first of them, ends up last (line 87).
    let edited = edited_roster(&site, |t| {
        let kept: Vec<&str> = t
            .lines()
            .filter(|l| !l.starts_with("1201,101,00,"))
            .collect();
        reversed(kept.join("\n"))
    });
    site.cmd()
        .args(["import", &edited])
        .assert()
        .code(3)
        .stderr(format!(
            "error: {edited} has 1 bad row(s); nothing was written\n  \
             line 87: dependent 枝番 01 has no insured person (枝番 00) in the roster\n"
        ));
    assert!(common::bytes(&site.db()) == before);
}

#[test]
fn a_duplicate_is_found_on_a_first_load_too() {
    // An empty database takes the insert-first path; the duplicate must still be named.
    let site = Site::new();
    let before = common::bytes(&site.db());
    let path = fixture("bad/duplicate_key.csv");
    site.cmd()
        .arg("import")
        .arg(&path)
        .assert()
        .code(3)
        .stderr(format!(
            "error: {} has 1 bad row(s); nothing was written\n  \
             line 4: the same member (記号・番号・枝番) is on line 2\n",
            path.display()
        ));
    assert!(common::bytes(&site.db()) == before);
}

#[test]
fn duplicates_inside_and_across_multi_row_inserts_are_named() {
    // A first load inserts 32 rows per statement: copies of members land inside the first
    // statement's rows, in the second, and among the last rows (inserted one by one).
    let site = Site::new();
    let before = common::bytes(&site.db());
    let text = std::fs::read_to_string(fixture("roster.csv")).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    let copies = [(3, 11), (5, 45), (40, 80)]; // (line copied, index it is inserted at)
    for (copied, at) in copies {
        lines.insert(at, text.lines().nth(copied - 1).unwrap());
    }
    let path = site.path("twice.csv");
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    let mut expected = vec![format!(
        "error: {} has 3 bad row(s); nothing was written",
        path.display()
    )];
    for (copied, _) in copies {
        let row = text.lines().nth(copied - 1).unwrap();
        let found: Vec<usize> = (0..lines.len()).filter(|&i| lines[i] == row).collect();
        assert_eq!(found.len(), 2);
        expected.push(format!(
            "  line {}: the same member (記号・番号・枝番) is on line {}",
            found[1] + 1,
            found[0] + 1
        ));
    }
    let out = site.cmd().arg("import").arg(&path).output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stderr.lines().collect::<Vec<_>>(), expected);
    assert!(common::bytes(&site.db()) == before);
}

#[test]
fn duplicates_and_orphans_among_members_already_imported_are_named() {
    let site = Site::new();
    import(&site, "roster.csv", &[]);
    let before = common::bytes(&site.db());
    let edited = edited_roster(&site, |t| {
        let mut lines: Vec<&str> = t
            .lines()
            .filter(|l| !l.starts_with("1201,101,00,"))
            .collect();
        let again = lines[2].to_string(); // 1201,108,00 (file line 3)
        lines.push(&again);
        lines.join("\n")
    });
    site.cmd()
        .args(["import", &edited])
        .assert()
        .code(3)
        .stderr(format!(
            "error: {edited} has 2 bad row(s); nothing was written\n  \
             line 2: dependent 枝番 01 has no insured person (枝番 00) in the roster\n  \
             line 88: the same member (記号・番号・枝番) is on line 3\n"
        ));
    assert!(common::bytes(&site.db()) == before);
}
