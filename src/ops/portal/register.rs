//! `portal register`: the member's own user ID, password and email, after the identity check.
//! Uses up the provisional credential and queues the confirmation mail.

use rusqlite::Connection;

use super::{account, finish, session, stored_birth_date};
use crate::db::{self, outbox::MailKind};
use crate::error::{Error, Result};
use crate::policy::{self, Lengths, Owner};
use crate::settings::Settings;
use crate::{Context, clock, email, secret};

pub struct Registration<'a> {
    pub session: &'a str,
    pub user_id: &'a str,
    pub email: &'a str,
    pub password: &'a str,
    pub notice_mail: bool,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Registered {
    pub user_id: String,
    pub email: String,
    pub notice_mail: bool,
    /// The outbox row of the confirmation mail.
    pub confirmation_mail: i64,
    pub next: &'static str,
}

const ACTION: &str = "portal.register";

pub fn register(
    ctx: &Context,
    conn: &mut Connection,
    settings: &Settings,
    input: &Registration<'_>,
) -> Result<Registered> {
    super::gate(ctx, settings)?;
    let user_id = policy::normalize_user_id(input.user_id);
    let tx = db::write_tx(conn)?;
    let s = match session(&tx, ctx, input.session, &["register"], ACTION)? {
        Ok(s) => s,
        Err(e) => return finish(tx, Err(e)),
    };
    let acct = account(&tx, s.member_id)?;
    // Support may have replaced the postcard since the login: the old one is dead.
    if let Some(cred) = s.credential_id
        && !db::portal::is_live(&tx, cred)?
    {
        ctx.audit(
            &tx,
            ACTION,
            Some(s.member_id),
            "refused",
            "provisional credential ended",
        )?;
        let err = Error::refused("the provisional ID this session started from is no longer valid")
            .with_hint("log in again with the ID and password on the newest postcard");
        return finish(tx, Err(err));
    }
    if acct.user_id.is_some() {
        ctx.audit(
            &tx,
            ACTION,
            Some(s.member_id),
            "refused",
            "already registered",
        )?;
        let err = Error::refused("this account is already registered")
            .with_hint("log in with your own user ID");
        return finish(tx, Err(err));
    }
    let mut broken = policy::check_user_id(
        &user_id,
        Lengths {
            min: settings.user_id_min_length,
            max: settings.user_id_max_length,
        },
        settings.provisional_id_length,
    );
    let address = email::normalize(input.email);
    if address.is_none() {
        broken.push(format!("email: {:?} is not an email address", input.email));
    }
    broken.extend(policy::check_password(
        input.password,
        Lengths {
            min: settings.password_min_length,
            max: settings.password_max_length,
        },
        Owner {
            user_id: &user_id,
            birth_date: stored_birth_date(&acct)?,
            email: address.as_deref(),
        },
    ));
    if !broken.is_empty() {
        let fields: Vec<&str> = broken.iter().filter_map(|b| b.split(':').next()).collect();
        ctx.audit(
            &tx,
            ACTION,
            Some(s.member_id),
            "refused",
            format!("rules broken: {}", fields.join(", ")),
        )?;
        let err = Error::bad_input(format!("registration refused:\n  {}", broken.join("\n  ")))
            .with_hint("fix each point above and register again");
        return finish(tx, Err(err));
    }
    let address = address.expect("checked above");
    let now = clock::to_db(ctx.now());
    if !db::accounts::insert_user_login_id(&tx, &user_id, s.member_id)? {
        ctx.audit(&tx, ACTION, Some(s.member_id), "refused", "user ID taken")?;
        let err = Error::refused(format!("the user ID {user_id:?} is already taken"))
            .with_hint("choose another user ID (IDs are compared ignoring case)");
        return finish(tx, Err(err));
    }
    let hash = secret::hash_password(input.password, settings.hash_params())?;
    db::accounts::register(
        &tx,
        &db::accounts::Registration {
            member_id: s.member_id,
            user_id: &user_id,
            password_hash: &hash,
            email: &address,
            notice_mail: input.notice_mail,
            now: &now,
        },
    )?;
    if let Some(credential_id) = s.credential_id {
        db::portal::end_credential(&tx, credential_id, "used", &now)?;
    }
    db::sessions::end(&tx, s.id, &now)?;
    let outbox = db::outbox::enqueue(
        &tx,
        MailKind::ConfirmEmail,
        Some(s.member_id),
        &address,
        &serde_json::json!({ "user_id": user_id }),
        ctx.now(),
    )?;
    ctx.audit(
        &tx,
        ACTION,
        Some(s.member_id),
        "ok",
        format!("registered; confirmation mail queued (outbox {outbox})"),
    )?;
    tx.commit()?;
    Ok(Registered {
        user_id,
        email: address,
        notice_mail: input.notice_mail,
        confirmation_mail: outbox,
        next: "confirm the email with the link in the mail, then log in with the new user ID",
    })
}
