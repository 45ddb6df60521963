//! `portal login`: a provisional ID, the member's own user ID, or a user ID with a temporary
//! password opens a session at the matching stage.

use rusqlite::Connection;

use super::{WRONG_CREDENTIALS, account, check_lock, count_failure, finish, locked, open_session};
use crate::clock;
use crate::credential;
use crate::db::{self, portal::Credential};
use crate::error::{Error, Result};
use crate::settings::Settings;
use crate::{Context, policy, secret, text};

/// A new session: the token is shown once and only its SHA-256 is kept.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Opened {
    pub session: String,
    pub stage: &'static str,
    /// When the session ends (JST).
    pub expires_at: String,
    pub next: &'static str,
}

/// A PHC string with the current cost and a hash nothing matches: verifying against it for
/// an unknown ID takes as long as a real check, so timing does not tell the two apart.
fn dummy_hash(settings: &Settings) -> String {
    format!(
        "$argon2id$v=19$m={},t={},p={}$ZHVtbXlzYWx0ZHVtbXk$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        settings.argon2_memory_kib, settings.argon2_iterations, settings.argon2_parallelism
    )
}

fn wrong() -> Error {
    Error::refused(WRONG_CREDENTIALS)
        .with_hint("check the ID and password; repeated failures lock the account for a while")
}

pub fn login(
    ctx: &Context,
    conn: &mut Connection,
    settings: &Settings,
    id: &str,
    password: &str,
) -> Result<Opened> {
    super::gate(ctx, settings)?;
    // argon2 takes tens of milliseconds, so passwords are checked before the write lock is
    // taken (concurrent logins do not queue behind one another); the write transaction
    // re-reads everything it changes.
    let attempt = check(ctx, conn, settings, id, password)?;
    let tx = db::write_tx(conn)?;
    let (member_id, attempt) = match attempt {
        Checked::Mistyped(e) => {
            ctx.audit(&tx, ACTION, None, "refused", "mistyped provisional ID")?;
            let err = Error::refused(e.to_string())
                .with_hint("check the provisional ID against the postcard");
            return finish(tx, Err(err));
        }
        Checked::Unknown => {
            ctx.audit(&tx, ACTION, None, "refused", "unknown ID")?;
            return finish(tx, Err(wrong()));
        }
        Checked::Known(member_id, attempt) => (member_id, attempt),
    };
    let acct = account(&tx, member_id)?;
    if let Err(e) = check_lock(ctx, &acct) {
        ctx.audit(&tx, ACTION, Some(member_id), "refused", "locked")?;
        return finish(tx, Err(e));
    }
    let now = clock::to_db(ctx.now());
    let attempt = match attempt {
        // Single use: of two logins racing with one temporary password, only one ends it.
        Attempt::Ok(Some(cred), "change_password")
            if !db::portal::end_credential(&tx, cred, "used", &now)? =>
        {
            Attempt::Wrong
        }
        Attempt::Ok(Some(cred), "identity") if !db::portal::is_live(&tx, cred)? => Attempt::Wrong,
        other => other,
    };
    let outcome = match attempt {
        Attempt::Wrong => {
            let lock = count_failure(&tx, ctx, settings, &acct)?;
            let detail = if lock.is_some() {
                "wrong password; locked"
            } else {
                "wrong password"
            };
            ctx.audit(&tx, ACTION, Some(member_id), "refused", detail)?;
            Err(lock.map_or_else(wrong, locked))
        }
        // The password was right, so saying why the login cannot go on tells nothing away.
        Attempt::Refused(detail, err, expire) => {
            if let Some(cred) = expire {
                db::portal::end_credential(&tx, cred, "expired", &now)?;
            }
            db::accounts::clear_failures(&tx, member_id)?;
            ctx.audit(&tx, ACTION, Some(member_id), "refused", detail)?;
            Err(err)
        }
        Attempt::Ok(..) if acct.retired_at.is_some() => {
            ctx.audit(&tx, ACTION, Some(member_id), "refused", "retired")?;
            Err(
                Error::refused("this account is closed: the membership has ended (資格喪失)")
                    .with_hint("contact the health insurance society if this is wrong"),
            )
        }
        Attempt::Ok(credential_id, stage) => {
            db::accounts::clear_failures(&tx, member_id)?;
            let (token, expires) =
                open_session(&tx, ctx, settings, member_id, credential_id, stage)?;
            ctx.audit(&tx, ACTION, Some(member_id), "ok", format!("stage {stage}"))?;
            Ok(Opened {
                session: token,
                stage,
                expires_at: clock::show_jst(expires),
                next: super::next_step(stage),
            })
        }
    };
    finish(tx, outcome)
}

const ACTION: &str = "portal.login";

/// What the read-only password check found.
enum Checked {
    Mistyped(credential::ProvisionalIdError),
    Unknown,
    Known(i64, Attempt),
}

fn check(
    ctx: &Context,
    conn: &Connection,
    settings: &Settings,
    id: &str,
    password: &str,
) -> Result<Checked> {
    let typed = text::normalize(id).replace(' ', "");
    let compact = credential::normalize_login_id(id);
    let found = match db::accounts::find_login_id(conn, &typed)? {
        Some(found) => Some(found),
        None => db::accounts::find_login_id(conn, &compact)?,
    };
    let Some(found) = found else {
        // A provisional-shaped ID with a wrong check character is a typo: said at once,
        // before any password check and without counting a failure. No user ID may have
        // that shape (policy), so this tells nothing about which user IDs exist.
        if policy::looks_provisional(&compact, settings.provisional_id_length)
            && let Err(e) = credential::check_provisional_id(&compact)
        {
            return Ok(Checked::Mistyped(e));
        }
        let _ = secret::verify_password(&dummy_hash(settings), password)?;
        return Ok(Checked::Unknown);
    };
    let acct = account(conn, found.member_id)?;
    // A locked account is refused whatever the password: no hash is worth checking.
    if check_lock(ctx, &acct).is_err() {
        return Ok(Checked::Known(found.member_id, Attempt::Wrong));
    }
    let attempt = if found.kind == "provisional" {
        provisional(ctx, conn, settings, &found.login_id, password)?
    } else {
        own(ctx, conn, settings, &acct, password)?
    };
    Ok(Checked::Known(found.member_id, attempt))
}

enum Attempt {
    Wrong,
    /// The password was right but the login cannot go on; the credential to mark expired.
    Refused(&'static str, Error, Option<i64>),
    Ok(Option<i64>, &'static str),
}

fn provisional(
    ctx: &Context,
    conn: &Connection,
    settings: &Settings,
    login_id: &str,
    password: &str,
) -> Result<Attempt> {
    let Some(cred) = db::portal::provisional_by_login_id(conn, login_id)? else {
        let _ = secret::verify_password(&dummy_hash(settings), password)?;
        return Ok(Attempt::Wrong);
    };
    if !matches_credential(&cred, password)? {
        return Ok(Attempt::Wrong);
    }
    let expired = clock::from_db(&cred.expires_at)? <= ctx.now();
    Ok(match cred.state.as_str() {
        "live" if !expired => Attempt::Ok(Some(cred.id), "identity"),
        "live" | "expired" => Attempt::Refused(
            "provisional credential expired",
            Error::refused(format!(
                "this provisional ID expired on {}",
                clock::show_jst(clock::from_db(&cred.expires_at)?)
            ))
            .with_hint("ask the support desk to send a new postcard"),
            None,
        ),
        "used" => Attempt::Refused(
            "provisional credential used",
            Error::refused("this provisional ID has already been used to register")
                .with_hint("log in with your own user ID; `hagaki portal forgot-id` mails it"),
            None,
        ),
        _ => Attempt::Refused(
            "provisional credential revoked",
            Error::refused("this provisional ID is no longer valid: a newer postcard replaced it")
                .with_hint(
                    "use the ID and password on the newest postcard, or ask the support desk",
                ),
            None,
        ),
    })
}

fn matches_credential(cred: &Credential, password: &str) -> Result<bool> {
    match &cred.password_hash {
        Some(phc) => secret::verify_password(phc, &credential::normalize_typed_password(password)),
        None => Ok(false),
    }
}

/// The member's own password, else a live temporary password (single use).
fn own(
    ctx: &Context,
    conn: &Connection,
    settings: &Settings,
    acct: &db::accounts::Account,
    password: &str,
) -> Result<Attempt> {
    let own_ok = match &acct.password_hash {
        Some(phc) => secret::verify_password(phc, password)?,
        None => secret::verify_password(&dummy_hash(settings), password)?,
    };
    if own_ok {
        return Ok(Attempt::Ok(None, "member"));
    }
    let Some(temp) = db::portal::live_temporary(conn, acct.member_id)? else {
        return Ok(Attempt::Wrong);
    };
    if !matches_credential(&temp, password)? {
        return Ok(Attempt::Wrong);
    }
    if clock::from_db(&temp.expires_at)? <= ctx.now() {
        return Ok(Attempt::Refused(
            "temporary password expired",
            Error::refused("the temporary password has expired")
                .with_hint("ask for a new one with `hagaki portal forgot-password`"),
            Some(temp.id),
        ));
    }
    Ok(Attempt::Ok(Some(temp.id), "change_password"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dummy_hash_is_a_well_formed_phc_string_at_the_configured_cost() {
        let conn = db::in_memory().unwrap();
        for (k, v) in [
            ("insurer_number", "06130090"),
            ("insurer_name", "x"),
            ("portal_url", "https://p.example.jp/"),
        ] {
            crate::settings::set(&conn, k, v).unwrap();
        }
        let settings = Settings::load(&conn).unwrap();
        let dummy = dummy_hash(&settings);
        assert!(
            dummy.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{dummy}"
        );
        // Err would mean a malformed string: an unknown ID would then be an internal error.
        assert!(!secret::verify_password(&dummy, "anything").unwrap());
    }
}
