//! The member portal's steps (login, identity check, registration, email confirmation,
//! forgot ID/password, password change) and what they share: the maintenance gate,
//! sessions, the failure count and lockout.
//!
//! A refused step still commits: its audit row and any failure it counts must stay.

mod change_password;
mod confirm_email;
mod forgot;
mod login;
mod register;
mod verify;

pub use change_password::{PasswordChanged, change_password};
pub use confirm_email::{EmailConfirmed, confirm_email};
pub use forgot::{ForgotAnswer, ForgotId, forgot_id, forgot_password};
pub use login::{Opened, login};
pub use register::{Registered, Registration, register};
pub use verify::{IdentityCheck, Verified, verify};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use rusqlite::{Connection, Transaction};

use crate::calendar::WindowRule;
use crate::clock;
use crate::db::{self, accounts::Account, sessions::Session};
use crate::error::{Error, Result};
use crate::settings::Settings;
use crate::{Context, secret, text};

/// The one answer for an unknown ID and a wrong password, so neither can be told apart.
pub const WRONG_CREDENTIALS: &str = "the ID or password is wrong";

pub fn window_rule(settings: &Settings) -> WindowRule {
    WindowRule {
        day: settings.maintenance_day,
        start_hour: settings.maintenance_start_hour,
        end_hour: settings.maintenance_end_hour,
    }
}

/// Refuses every portal step inside the monthly maintenance window (when it is on).
pub fn gate(ctx: &Context, settings: &Settings) -> Result<()> {
    if !settings.maintenance_window {
        return Ok(());
    }
    match window_rule(settings).containing(ctx.now()) {
        Some(w) => Err(Error::Maintenance {
            until: clock::show_jst(w.end),
        }),
        None => Ok(()),
    }
}

/// Commits the step's audit row and failure count, then hands back its outcome.
fn finish<T>(tx: Transaction<'_>, outcome: Result<T>) -> Result<T> {
    tx.commit()?;
    outcome
}

/// The session a step runs in. The inner error is a refusal (unknown, ended, expired, or
/// another stage), already audited under `action`: the caller commits it with [`finish`].
fn session(
    conn: &Connection,
    ctx: &Context,
    token: &str,
    stages: &[&str],
    action: &str,
) -> Result<Result<Session>> {
    let again = "log in again with `hagaki portal login`";
    let found = db::sessions::by_token_hash(conn, &secret::sha256_hex(token.trim()))?
        .filter(|s| s.ended_at.is_none());
    let refusal = match &found {
        None => Some((
            None,
            "invalid session",
            Error::refused("the session is not valid (unknown or ended)").with_hint(again),
        )),
        Some(s) if clock::from_db(&s.expires_at)? <= ctx.now() => Some((
            Some(s.member_id),
            "session expired",
            Error::refused("the session has expired").with_hint(again),
        )),
        Some(s) if !stages.contains(&s.stage.as_str()) => Some((
            Some(s.member_id),
            "session at another stage",
            Error::refused(format!(
                "this step is not possible at the session's stage ({})",
                s.stage
            ))
            .with_hint(next_step(&s.stage)),
        )),
        Some(_) => None,
    };
    match (refusal, found) {
        (Some((member_id, detail, err)), _) => {
            ctx.audit(conn, action, member_id, "refused", detail)?;
            Ok(Err(err))
        }
        (None, Some(s)) => Ok(Ok(s)),
        (None, None) => unreachable!("a missing session is a refusal"),
    }
}

/// What a session at `stage` is for.
pub fn next_step(stage: &str) -> &'static str {
    match stage {
        "identity" => "next: `hagaki portal verify` (insurer number, birth date, terms)",
        "register" => "next: `hagaki portal register` (user ID, password, email)",
        "change_password" => {
            "next: `hagaki portal change-password` (the temporary password must be changed)"
        }
        _ => "signed in",
    }
}

/// Opens a session and returns its token (shown once) and expiry.
fn open_session(
    tx: &Connection,
    ctx: &Context,
    settings: &Settings,
    member_id: i64,
    credential_id: Option<i64>,
    stage: &'static str,
) -> Result<(String, DateTime<Utc>)> {
    let token = secret::random_token();
    let expires = ctx.now() + Duration::minutes(settings.session_valid_minutes);
    db::sessions::insert(
        tx,
        &db::sessions::NewSession {
            token_hash: &secret::sha256_hex(&token),
            member_id,
            credential_id,
            stage,
            created_at: &clock::to_db(ctx.now()),
            expires_at: &clock::to_db(expires),
        },
    )?;
    Ok((token, expires))
}

/// Refused while a lock lasts; a lock that has run out ends by itself.
fn check_lock(ctx: &Context, account: &Account) -> Result<()> {
    if let Some(until) = &account.locked_until {
        let until = clock::from_db(until)?;
        if until > ctx.now() {
            return Err(locked(until));
        }
    }
    Ok(())
}

fn locked(until: DateTime<Utc>) -> Error {
    Error::refused(format!(
        "the account is locked after too many failed attempts, until {}",
        clock::show_jst(until)
    ))
    .with_hint("try again after that time, or ask the support desk to unlock it")
}

/// Counts a failed login or identity check; the threshold-th in a row locks the account.
/// Returns the lock's end when this failure locked it.
fn count_failure(
    tx: &Connection,
    ctx: &Context,
    settings: &Settings,
    account: &Account,
) -> Result<Option<DateTime<Utc>>> {
    // The count restarts when a lock is set, so once a lock runs out a fresh run begins.
    let failures = account.failed_attempts + 1;
    if failures >= settings.lockout_threshold {
        let until = ctx.now() + Duration::minutes(settings.lockout_minutes);
        db::accounts::set_failures(tx, account.member_id, 0, Some(&clock::to_db(until)))?;
        Ok(Some(until))
    } else {
        db::accounts::set_failures(tx, account.member_id, failures, None)?;
        Ok(None)
    }
}

/// A birth date as typed: YYYYMMDD, or with '-' or '/' separators, full-width digits allowed.
pub fn parse_birth_date(input: &str) -> Result<NaiveDate> {
    let digits: String = text::compact_code(input).replace('/', "");
    NaiveDate::parse_from_str(&digits, "%Y%m%d")
        .ok()
        .filter(|_| digits.len() == 8)
        .ok_or_else(|| {
            Error::bad_input(format!(
                "birth date {input:?} is not a date written YYYYMMDD"
            ))
        })
}

/// The account's birth date as stored ('YYYY-MM-DD').
fn stored_birth_date(account: &Account) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(&account.birth_date, "%Y-%m-%d").map_err(|e| {
        Error::Internal(anyhow::anyhow!(
            "member {} has a malformed birth date: {e}",
            account.member_id
        ))
    })
}

fn account(conn: &Connection, member_id: i64) -> Result<Account> {
    db::accounts::get(conn, member_id)?
        .ok_or_else(|| Error::Internal(anyhow::anyhow!("member {member_id} has no account row")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn birth_dates_are_read_in_the_forms_people_type() {
        let want = NaiveDate::from_ymd_opt(1979, 8, 22).unwrap();
        for typed in ["19790822", "１９７９０８２２", "1979-08-22", "1979/08/22"] {
            assert_eq!(parse_birth_date(typed).unwrap(), want, "{typed}");
        }
        for bad in ["1979822", "19790230", "S54.8.22", ""] {
            assert!(parse_birth_date(bad).is_err(), "{bad}");
        }
    }
}
