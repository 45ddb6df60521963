//! `portal change-password`: required after a temporary-password login, and open to a
//! signed-in member (who must give the current password).

use rusqlite::Connection;

use super::{account, check_lock, count_failure, finish, locked, session, stored_birth_date};
use crate::db;
use crate::error::{Error, Result};
use crate::policy::{self, Lengths, Owner};
use crate::settings::Settings;
use crate::{Context, clock, secret};

#[derive(Debug, Clone, serde::Serialize)]
pub struct PasswordChanged {
    pub stage: &'static str,
}

const ACTION: &str = "portal.change_password";

pub fn change_password(
    ctx: &Context,
    conn: &mut Connection,
    settings: &Settings,
    token: &str,
    current: Option<&str>,
    new_password: &str,
) -> Result<PasswordChanged> {
    super::gate(ctx, settings)?;
    let tx = db::write_tx(conn)?;
    let s = match session(&tx, ctx, token, &["change_password", "member"], ACTION)? {
        Ok(s) => s,
        Err(e) => return finish(tx, Err(e)),
    };
    let acct = account(&tx, s.member_id)?;
    if s.stage == "member" {
        if let Err(e) = check_lock(ctx, &acct) {
            ctx.audit(&tx, ACTION, Some(s.member_id), "refused", "locked")?;
            return finish(tx, Err(e));
        }
        let ok = match (current, &acct.password_hash) {
            (Some(pw), Some(phc)) => secret::verify_password(phc, pw)?,
            _ => false,
        };
        if !ok {
            let lock = count_failure(&tx, ctx, settings, &acct)?;
            ctx.audit(
                &tx,
                ACTION,
                Some(s.member_id),
                "refused",
                "wrong current password",
            )?;
            let err = lock.map_or_else(|| Error::refused("the current password is wrong"), locked);
            return finish(tx, Err(err));
        }
    }
    let user_id = acct.user_id.clone().unwrap_or_default();
    let broken = policy::check_password(
        new_password,
        Lengths {
            min: settings.password_min_length,
            max: settings.password_max_length,
        },
        Owner {
            user_id: &user_id,
            birth_date: stored_birth_date(&acct)?,
            email: acct.email.as_deref(),
        },
    );
    let reused = match &acct.password_hash {
        Some(phc) if broken.is_empty() => secret::verify_password(phc, new_password)?,
        _ => false,
    };
    if !broken.is_empty() || reused {
        let mut lines = broken;
        if reused {
            lines.push("password: must differ from the current password".to_string());
        }
        ctx.audit(
            &tx,
            ACTION,
            Some(s.member_id),
            "refused",
            "password rules broken",
        )?;
        let err = Error::bad_input(format!(
            "password change refused:\n  {}",
            lines.join("\n  ")
        ))
        .with_hint("choose another password");
        return finish(tx, Err(err));
    }
    let hash = secret::hash_password(new_password, settings.hash_params())?;
    db::accounts::set_password_hash(&tx, s.member_id, &hash)?;
    db::accounts::clear_failures(&tx, s.member_id)?;
    db::secrets::revoke_temporary_passwords(
        &tx,
        s.member_id,
        &clock::to_db(ctx.now()),
        "password changed",
    )?;
    db::sessions::set_stage(&tx, s.id, "member")?;
    ctx.audit(
        &tx,
        ACTION,
        Some(s.member_id),
        "ok",
        format!("from stage {}", s.stage),
    )?;
    tx.commit()?;
    Ok(PasswordChanged { stage: "member" })
}
