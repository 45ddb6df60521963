//! `portal forgot-id` and `portal forgot-password`: mail the user ID or a temporary password
//! to the confirmed address. The answer is the same whether or not the member exists.

use rusqlite::Connection;

use super::parse_birth_date;
use crate::db::{self, accounts::Account, outbox::MailKind};
use crate::error::{Error, Result};
use crate::insurer::InsurerNumber;
use crate::member_key::{INSURED_BRANCH, MemberKey};
use crate::settings::Settings;
use crate::{Context, email};

/// What every forgot request answers, match or no match.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ForgotAnswer {
    pub message: &'static str,
}

const ID_ANSWER: &str = "If the details match a registered member with a confirmed email \
    address, the user ID has been sent to that address.";
const PASSWORD_ANSWER: &str = "If the user ID and email match a registered member with a \
    confirmed email address, a temporary password has been sent to that address.";

pub struct ForgotId<'a> {
    pub insurer_number: &'a str,
    pub symbol: &'a str,
    pub number: &'a str,
    pub birth_date: &'a str,
}

/// Why a request mails nothing (for the audit trail only, never for the answer).
fn mailable(acct: &Account) -> std::result::Result<(&str, &str), &'static str> {
    match (&acct.user_id, &acct.email, &acct.email_confirmed_at) {
        _ if acct.retired_at.is_some() => Err("retired"),
        (None, ..) => Err("not registered"),
        (Some(user_id), Some(email), Some(_)) => Ok((user_id, email)),
        _ => Err("no confirmed email"),
    }
}

pub fn forgot_id(
    ctx: &Context,
    conn: &mut Connection,
    settings: &Settings,
    input: &ForgotId<'_>,
) -> Result<ForgotAnswer> {
    super::gate(ctx, settings)?;
    // Malformed input says nothing about any member, so it is told plainly.
    let number = InsurerNumber::parse(input.insurer_number)
        .map_err(|e| Error::bad_input(format!("insurer number: {e}")))?;
    let birth_date = parse_birth_date(input.birth_date)?;
    let key = MemberKey::new(input.symbol, input.number, INSURED_BRANCH)
        .map_err(|e| Error::bad_input(e.to_string()))?;
    let tx = db::write_tx(conn)?;
    let member_id = if number == settings.insurer_number {
        db::portal::insured_member_id(&tx, &key.symbol, &key.number)?
    } else {
        None
    };
    let acct = match member_id {
        Some(id) => db::accounts::get(&tx, id)?,
        None => None,
    };
    let result = match &acct {
        None => Err("no such member"),
        Some(a) if super::stored_birth_date(a)? != birth_date => Err("birth date mismatch"),
        Some(a) => mailable(a),
    };
    match result {
        Ok((user_id, address)) => {
            let outbox = db::outbox::enqueue(
                &tx,
                MailKind::ForgotId,
                member_id,
                address,
                &serde_json::json!({ "user_id": user_id }),
                ctx.now(),
            )?;
            let detail = format!("user ID mail queued (outbox {outbox})");
            ctx.audit(&tx, "portal.forgot_id", member_id, "ok", detail)?;
        }
        Err(why) => {
            ctx.audit(&tx, "portal.forgot_id", member_id, "refused", why)?;
        }
    }
    tx.commit()?;
    Ok(ForgotAnswer { message: ID_ANSWER })
}

pub fn forgot_password(
    ctx: &Context,
    conn: &mut Connection,
    settings: &Settings,
    user_id: &str,
    address: &str,
) -> Result<ForgotAnswer> {
    super::gate(ctx, settings)?;
    let typed_email = email::normalize(address)
        .ok_or_else(|| Error::bad_input(format!("email: {address:?} is not an email address")))?;
    let tx = db::write_tx(conn)?;
    let acct = db::accounts::by_user_id(&tx, &crate::policy::normalize_user_id(user_id))?;
    let member_id = acct.as_ref().map(|a| a.member_id);
    let result = match &acct {
        None => Err("no such user ID"),
        Some(a) => mailable(a).and_then(|(_, stored)| {
            if stored.eq_ignore_ascii_case(&typed_email) {
                Ok(stored.to_string())
            } else {
                Err("email does not match")
            }
        }),
    };
    match result {
        Ok(to) => {
            let outbox = db::outbox::enqueue(
                &tx,
                MailKind::TemporaryPassword,
                member_id,
                &to,
                &serde_json::json!({}),
                ctx.now(),
            )?;
            let detail = format!("temporary password mail queued (outbox {outbox})");
            ctx.audit(&tx, "portal.forgot_password", member_id, "ok", detail)?;
        }
        Err(why) => {
            ctx.audit(&tx, "portal.forgot_password", member_id, "refused", why)?;
        }
    }
    tx.commit()?;
    Ok(ForgotAnswer {
        message: PASSWORD_ANSWER,
    })
}
