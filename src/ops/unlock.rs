//! `hagaki unlock MEMBER`: support clears a household's failed attempts and lock.

use rusqlite::Connection;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::ops::status::{find_member, jst};
use crate::{Context, clock, db};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unlocked {
    pub member_id: i64,
    /// The failed attempts cleared.
    pub failed_attempts: i64,
    /// The lock end that was cleared (JST), when the account was locked.
    pub was_locked_until: Option<String>,
}

/// Clears the failed attempts and lock of the household `input` names, with its audit row,
/// in one transaction. Refused (exit 5) when there is nothing to clear: no lock in force and
/// no failed attempts, so a script learns that its idea of the account was wrong.
pub fn unlock(ctx: &Context, conn: &mut Connection, input: &str) -> Result<Unlocked> {
    let now = ctx.now();
    let tx = db::write_tx(conn)?;
    let found = find_member(&tx, input)?;
    let id = found.household.id;
    let account = db::support::account(&tx, id)?.ok_or_else(|| {
        Error::not_found(format!("portal account of member {id}"))
            .with_hint("the account is made when the roster is imported")
    })?;
    let locked_until = account
        .locked_until
        .as_deref()
        .map(clock::from_db)
        .transpose()?
        .filter(|t| *t > now);
    if locked_until.is_none() && account.failed_attempts == 0 {
        return Err(Error::refused(format!(
            "member {id} is not locked and has no failed attempts"
        ))
        .with_hint("`hagaki status MEMBER` shows why the member cannot log in"));
    }
    db::support::clear_lock(&tx, id)?;
    let was = locked_until.map(jst);
    ctx.audit(
        &tx,
        "unlock",
        Some(id),
        "ok",
        format!(
            "failed_attempts {} -> 0; {}",
            account.failed_attempts,
            match &was {
                Some(until) => format!("lock until {until} cleared"),
                None => "no lock in force".to_string(),
            }
        ),
    )?;
    tx.commit()?;
    Ok(Unlocked {
        member_id: id,
        failed_attempts: account.failed_attempts,
        was_locked_until: was,
    })
}
