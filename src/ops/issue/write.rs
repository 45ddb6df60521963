//! Phases 2 and 3 of a batch: the print file written in chunks, then put in place and made live.

use std::fs::File;
use std::io::BufWriter;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use chrono::NaiveDate;
use rayon::prelude::*;
use rusqlite::Connection;

use super::{Event, refuse_overwrite};
use crate::db::batches as dbb;
use crate::db::credentials;
use crate::error::Result;
use crate::ops::batches as batch_ops;
use crate::printfile::{Encoding, PrintRow, PrintWriter};
use crate::settings::Settings;
use crate::{Context, credential, db, secret};

/// Rows minted, hashed and written together: big enough to keep every core busy, small enough
/// that memory does not grow with the batch.
const CHUNK: usize = 256;

/// Phase 2: mint, hash and write the rows chunk by chunk into the temporary file; returns the
/// file's SHA-256 once it is fsynced.
pub(super) fn write(
    conn: &mut Connection,
    settings: &Settings,
    batch_id: i64,
    encoding: Encoding,
    out: &Path,
    on_event: &mut dyn FnMut(Event<'_>),
) -> Result<String> {
    let batch = dbb::get(conn, batch_id)?.ok_or_else(|| anyhow::anyhow!("batch vanished"))?;
    let issued_on: NaiveDate = batch.issued_on.parse().map_err(anyhow::Error::from)?;
    let expires_on: NaiveDate = batch.expires_on.parse().map_err(anyhow::Error::from)?;
    let file = File::options()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(batch_ops::temp_path(out, batch_id))?;
    let mut writer = PrintWriter::new(BufWriter::new(file), encoding)?;
    let params = settings.hash_params();
    let insurer_number = settings.insurer_number.to_string();
    let mut after = 0;
    loop {
        let sources = credentials::print_sources(conn, batch_id, after, CHUNK)?;
        let Some(last) = sources.last() else { break };
        after = last.seq;
        let minted: Vec<(String, String)> = sources
            .par_iter()
            .map(|_| {
                let pw = credential::generate_password(
                    &mut rand::rngs::OsRng,
                    settings.provisional_password_length,
                );
                let hash = secret::hash_password(&pw, params)?;
                Ok((credential::format_password(&pw), hash))
            })
            .collect::<Result<_>>()?;
        for (s, (printed, _)) in sources.iter().zip(&minted) {
            writer.write_row(&PrintRow {
                batch_id,
                seq: s.seq,
                member_id: s.member_id,
                postal_code: &s.postal_code,
                address1: &s.address1,
                address2: &s.address2,
                name: &s.name,
                provisional_id: &s.login_id,
                password: printed,
                issued_on,
                expires_on,
                insurer_name: &settings.insurer_name,
                insurer_number: &insurer_number,
                portal_url: &settings.portal_url,
            })?;
        }
        let tx = db::write_tx(conn)?;
        for (s, (_, hash)) in sources.iter().zip(&minted) {
            credentials::set_hash(&tx, s.credential_id, hash)?;
        }
        tx.commit()?;
        on_event(Event::Wrote {
            rows: sources.len() as u64,
        });
    }
    let (buffered, sha) = writer.finish()?;
    let file = buffered.into_inner().map_err(|e| e.into_error())?;
    file.sync_all()?;
    Ok(sha)
}

/// Phase 3: record the digest, put the file in place without overwriting anything, and make
/// the batch live.
pub(super) fn publish(
    ctx: &Context,
    conn: &mut Connection,
    batch_id: i64,
    out: &Path,
    sha: String,
) -> Result<String> {
    dbb::record_digest(conn, batch_id, &sha)?;
    let temp = batch_ops::temp_path(out, batch_id);
    // A hard link fails when the name exists, where rename would silently replace it.
    std::fs::hard_link(&temp, out).map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => refuse_overwrite(out),
        _ => e.into(),
    })?;
    std::fs::remove_file(&temp)?;
    if let Some(dir) = out.parent() {
        File::open(dir)?.sync_all()?;
    }
    let tx = db::write_tx(conn)?;
    let batch = dbb::get(&tx, batch_id)?.ok_or_else(|| anyhow::anyhow!("batch vanished"))?;
    batch_ops::make_live(ctx, &tx, &batch, "")?;
    tx.commit()?;
    Ok(sha)
}
