//! Phase 1 of a batch: the batch and its pending credentials, in one transaction.

use chrono::{Duration, NaiveDate};
use rusqlite::Connection;

use super::{Plan, select};
use crate::db::batches::{self as dbb, NewBatch};
use crate::db::credentials::{self, NewProvisional};
use crate::error::{Error, Result};
use crate::printfile::{self, Encoding};
use crate::settings::Settings;
use crate::{Context, clock, credential, db};
use std::path::Path;

/// Attempts at a fresh provisional ID before giving up (a collision is already rare).
const ID_ATTEMPTS: usize = 100;

/// Phase 1: the batch and its pending credentials, in one transaction, after checking that
/// every member's name and address can be printed. None when nobody is to be printed.
pub(super) fn create(
    ctx: &Context,
    conn: &mut Connection,
    plan: &Plan,
    settings: &Settings,
    out: &Path,
    issued_on: NaiveDate,
    expires_on: NaiveDate,
) -> Result<Option<(i64, u64)>> {
    for (field, value) in [
        ("insurer_name", settings.insurer_name.as_str()),
        ("portal_url", settings.portal_url.as_str()),
    ] {
        if let Some(ch) = plan.encoding.unmappable(value) {
            return Err(Error::bad_input(format!(
                "setting {field} {value:?} holds {ch:?}, which {} cannot hold",
                plan.encoding.as_str()
            )));
        }
    }
    let tx = db::write_tx(conn)?;
    let members = select(&tx, plan, issued_on)?;
    if members.is_empty() {
        return Ok(None);
    }
    let now = ctx.now();
    let issued_at = clock::to_db(now);
    // Valid through the printed expiry date, Japan time: it ends when the next day begins.
    let expires_at = clock::to_db(
        (expires_on + Duration::days(1))
            .and_hms_opt(0, 0, 0)
            .expect("midnight exists")
            .and_local_timezone(clock::jst())
            .single()
            .expect("JST has no gaps")
            .to_utc(),
    );
    let batch_id = dbb::insert(
        &tx,
        &NewBatch {
            kind: plan.kind,
            created_at: &issued_at,
            actor: &ctx.actor,
            issued_on: &issued_on.to_string(),
            expires_on: &expires_on.to_string(),
            member_count: members.len() as i64,
            file_name: &out.display().to_string(),
            encoding: plan.encoding.as_str(),
            reason: plan.reason.as_deref(),
        },
    )?;
    let mut rng = rand::rngs::OsRng;
    for (seq, &member_id) in members.iter().enumerate() {
        let login_id = (0..ID_ATTEMPTS)
            .map(|_| credential::generate_provisional_id(&mut rng, settings.provisional_id_length))
            .find_map(
                |id| match credentials::reserve_login_id(&tx, &id, member_id) {
                    Ok(true) => Some(Ok(id)),
                    Ok(false) => None,
                    Err(e) => Some(Err(e)),
                },
            )
            .ok_or_else(|| {
                anyhow::anyhow!("no unused provisional ID after {ID_ATTEMPTS} tries")
            })??;
        credentials::insert_pending(
            &tx,
            &NewProvisional {
                member_id,
                login_id: &login_id,
                batch_id,
                batch_seq: seq as i64 + 1,
                issued_at: &issued_at,
                expires_at: &expires_at,
            },
        )?;
    }
    check_printable(&tx, batch_id, plan.encoding)?;
    tx.commit()?;
    Ok(Some((batch_id, members.len() as u64)))
}

/// Every member field of the batch in the print encoding; all failures are listed at once.
fn check_printable(conn: &Connection, batch_id: i64, encoding: Encoding) -> Result<()> {
    let mut bad = Vec::new();
    dbb::for_each_printed_member(conn, batch_id, |id, name, postal, address1, address2| {
        let fields = [
            ("name", name),
            ("postal_code", postal),
            ("address1", address1),
            ("address2", address2),
        ];
        if let Err(e) = printfile::check_member(encoding, id, &fields) {
            bad.push(e.to_string());
        }
    })?;
    if bad.is_empty() {
        return Ok(());
    }
    Err(Error::bad_input(format!(
        "{} member(s) cannot be printed in {}; nothing was issued:\n  {}",
        bad.len(),
        encoding.as_str(),
        bad.join("\n  ")
    ))
    .with_hint("correct the roster and import it again, or use --encoding utf-8 if the print vendor reads UTF-8"))
}
