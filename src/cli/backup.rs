//! `hagaki backup`: an online, consistent copy of the database.

use std::path::PathBuf;

use hagaki::{Result, error::exit, ops::backup};

use super::App;
use super::output::Table;

/// Copy the database to FILE while other commands run (never overwrites FILE).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Where the copy goes; must not exist yet.
    file: PathBuf,
}

pub fn run(args: Args, app: &App) -> Result<u8> {
    let conn = app.open()?;
    let s = backup::backup(&conn, &args.file)?;
    app.out.data(&s, |s| {
        Table::fields([
            ("file", s.file.display().to_string()),
            ("bytes", s.bytes.to_string()),
            ("integrity", s.integrity.clone()),
        ])
    })?;
    app.out.status(format!("backed up to {}", s.file.display()));
    Ok(exit::DONE)
}
