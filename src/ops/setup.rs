//! Creating a database and changing its settings.

use std::path::Path;

use rusqlite::Connection;

use crate::error::Result;
use crate::{Context, db, settings};

/// What `init` needs: the site settings that have no default.
#[derive(Debug, Clone)]
pub struct InitOptions {
    pub insurer_number: String,
    pub insurer_name: String,
    pub portal_url: String,
    pub mail_from: Option<String>,
}

/// Creates a new database at `path` with its site settings. Nothing is left behind when a
/// setting is refused.
pub fn init(ctx: &Context, path: &Path, opts: &InitOptions) -> Result<Connection> {
    let mut pairs = vec![
        ("insurer_number", opts.insurer_number.as_str()),
        ("insurer_name", opts.insurer_name.as_str()),
        ("portal_url", opts.portal_url.as_str()),
    ];
    if let Some(from) = &opts.mail_from {
        pairs.push(("mail_from", from));
    }
    // Check every value before the file exists, so a typo leaves no half-made database.
    for (key, value) in &pairs {
        settings::validate(settings::def(key)?, value)?;
    }
    let mut conn = db::create(path)?;
    let tx = db::write_tx(&mut conn)?;
    for (key, value) in &pairs {
        settings::set(&tx, key, value)?;
    }
    ctx.audit(
        &tx,
        "init",
        None,
        "ok",
        format!("insurer {}", opts.insurer_number.trim()),
    )?;
    tx.commit()?;
    Ok(conn)
}

/// Changes one setting, with its audit row; returns the value as stored.
pub fn set_setting(ctx: &Context, conn: &mut Connection, key: &str, value: &str) -> Result<String> {
    let tx = db::write_tx(conn)?;
    let old = settings::current(&tx)?.get(key).cloned();
    let stored = settings::set(&tx, key, value)?;
    let was = old.as_deref().unwrap_or("(unset)");
    ctx.audit(
        &tx,
        "config.set",
        None,
        "ok",
        format!("{key}: {was} -> {stored}"),
    )?;
    tx.commit()?;
    Ok(stored)
}
