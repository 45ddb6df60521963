//! The whole walk, and the scan of the database file for secrets.

use predicates::prelude::*;

use super::*;
use crate::common::{contains, portal_queued_mail};

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

    let conn = site.conn();
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
    let stored = site.stored_bytes();
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
