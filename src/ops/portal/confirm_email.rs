//! `portal confirm-email`: the one-time token from the confirmation mail.

use rusqlite::Connection;

use super::finish;
use crate::db;
use crate::error::{Error, Result};
use crate::settings::Settings;
use crate::{Context, clock, secret};

#[derive(Debug, Clone, serde::Serialize)]
pub struct EmailConfirmed {
    pub email: String,
}

const ACTION: &str = "portal.confirm_email";

pub fn confirm_email(
    ctx: &Context,
    conn: &mut Connection,
    settings: &Settings,
    token: &str,
) -> Result<EmailConfirmed> {
    super::gate(ctx, settings)?;
    let hash = secret::sha256_hex(token.trim().to_ascii_lowercase());
    let tx = db::write_tx(conn)?;
    let Some(t) = db::portal::email_token_by_hash(&tx, &hash)? else {
        ctx.audit(&tx, ACTION, None, "refused", "unknown token")?;
        let err = Error::refused("this confirmation code is not valid")
            .with_hint("copy the whole code from the newest confirmation mail");
        return finish(tx, Err(err));
    };
    let newer = "a newer confirmation mail was sent: use the code in that one";
    let refusal = if t.used_at.is_some() {
        Some(("token used", "this confirmation code has already been used"))
    } else if t.revoked_at.is_some() {
        Some(("token revoked", newer))
    } else if clock::from_db(&t.expires_at)? <= ctx.now() {
        Some(("token expired", "this confirmation code has expired"))
    } else {
        None
    };
    if let Some((detail, reason)) = refusal {
        ctx.audit(&tx, ACTION, Some(t.member_id), "refused", detail)?;
        let err = Error::refused(reason)
            .with_hint("ask the support desk to send the confirmation mail again if needed");
        return finish(tx, Err(err));
    }
    let now = clock::to_db(ctx.now());
    db::portal::use_email_token(&tx, t.id, &now)?;
    if !db::accounts::confirm_email(&tx, t.member_id, &t.email, &now)? {
        ctx.audit(
            &tx,
            ACTION,
            Some(t.member_id),
            "refused",
            "email changed since",
        )?;
        let err =
            Error::refused("the account's email address has changed since this mail was sent");
        return finish(tx, Err(err));
    }
    // The registration is complete only now that the address is known to work: say so to it.
    db::outbox::enqueue(
        &tx,
        db::outbox::MailKind::Registered,
        Some(t.member_id),
        &t.email,
        &serde_json::json!({}),
        ctx.now(),
    )?;
    ctx.audit(&tx, ACTION, Some(t.member_id), "ok", "email confirmed")?;
    tx.commit()?;
    Ok(EmailConfirmed { email: t.email })
}
