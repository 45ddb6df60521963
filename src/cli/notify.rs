//! `hagaki notify`: queue a notice mail to every opted-in member.

use std::path::PathBuf;

use anyhow::Context as _;
use hagaki::{Error, Result, error::exit, ops::notify};

use super::App;
use super::output::Table;

/// Queue a notice mail to every registered member with a confirmed email who opted in.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The mail's subject (one line; the insurer's name is put in front).
    #[arg(long)]
    subject: String,
    /// A UTF-8 text file with the mail's body.
    #[arg(long, value_name = "FILE")]
    body_file: PathBuf,
}

pub fn run(args: Args, app: &App) -> Result<u8> {
    let bytes = std::fs::read(&args.body_file)
        .with_context(|| format!("cannot read {}", args.body_file.display()))?;
    let body = String::from_utf8(bytes).map_err(|e| {
        Error::bad_input(format!(
            "--body-file {}: not UTF-8 text (byte {})",
            args.body_file.display(),
            e.utf8_error().valid_up_to()
        ))
    })?;
    let body = body.strip_prefix('\u{feff}').unwrap_or(&body);
    let mut conn = app.open()?;
    let summary = notify::notify(&app.ctx, &mut conn, &args.subject, body)?;
    app.out.data(&summary, |s| {
        Table::fields([
            ("queued", s.queued.to_string()),
            ("subject", s.subject.clone()),
        ])
    })?;
    app.out.status(format!(
        "{} notice mail(s) queued; `hagaki mail send` sends them",
        summary.queued
    ));
    Ok(exit::DONE)
}
