//! `portal verify`: the identity check after a provisional login (insurer number, birth date
//! of the insured person, agreement to the terms of use).

use rusqlite::Connection;

use super::{account, check_lock, count_failure, finish, locked, parse_birth_date, session};
use crate::Context;
use crate::clock;
use crate::db;
use crate::error::{Error, Result};
use crate::insurer::InsurerNumber;
use crate::settings::Settings;

pub struct IdentityCheck<'a> {
    pub session: &'a str,
    pub insurer_number: &'a str,
    pub birth_date: &'a str,
    pub agree_terms: bool,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Verified {
    pub stage: &'static str,
    pub terms_version: String,
    pub next: &'static str,
}

pub fn verify(
    ctx: &Context,
    conn: &mut Connection,
    settings: &Settings,
    input: &IdentityCheck<'_>,
) -> Result<Verified> {
    super::gate(ctx, settings)?;
    // Typos are caught before they cost an attempt.
    let number = InsurerNumber::parse(input.insurer_number)
        .map_err(|e| Error::bad_input(format!("insurer number: {e}")))?;
    let birth_date = parse_birth_date(input.birth_date)?;
    if !input.agree_terms {
        return Err(Error::bad_input(format!(
            "the terms of use (version {}) must be agreed to",
            settings.terms_version
        ))
        .with_hint("read the terms, then pass --agree-terms"));
    }
    let tx = db::write_tx(conn)?;
    let s = match session(&tx, ctx, input.session, &["identity"], "portal.verify")? {
        Ok(s) => s,
        Err(e) => return finish(tx, Err(e)),
    };
    let acct = account(&tx, s.member_id)?;
    if let Err(e) = check_lock(ctx, &acct) {
        ctx.audit(&tx, "portal.verify", Some(s.member_id), "refused", "locked")?;
        return finish(tx, Err(e));
    }
    let mismatch = if number != settings.insurer_number {
        Some((
            "insurer number mismatch",
            "the insurer number is not this health insurance society's",
            "use the 保険者番号 printed on your health insurance card",
        ))
    } else if birth_date != super::stored_birth_date(&acct)? {
        Some((
            "birth date mismatch",
            "the birth date does not match the insured person's",
            "give the birth date of the insured person (被保険者) the postcard is addressed to",
        ))
    } else {
        None
    };
    let outcome = match mismatch {
        Some((detail, reason, hint)) => {
            let lock = count_failure(&tx, ctx, settings, &acct)?;
            ctx.audit(&tx, "portal.verify", Some(s.member_id), "refused", detail)?;
            Err(match lock {
                Some(until) => locked(until),
                None => Error::refused(reason).with_hint(hint),
            })
        }
        None => {
            db::accounts::record_identity_check(
                &tx,
                s.member_id,
                &settings.terms_version,
                &clock::to_db(ctx.now()),
            )?;
            db::sessions::set_stage(&tx, s.id, "register")?;
            ctx.audit(
                &tx,
                "portal.verify",
                Some(s.member_id),
                "ok",
                format!("terms version {}", settings.terms_version),
            )?;
            Ok(Verified {
                stage: "register",
                terms_version: settings.terms_version.clone(),
                next: super::next_step("register"),
            })
        }
    };
    finish(tx, outcome)
}
