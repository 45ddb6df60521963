//! `hagaki expire`: the nightly expiry and purge job.

use hagaki::{Result, error::exit, ops::expire};

use super::App;
use super::output::Table;

/// Nightly: expire credentials, tokens and sessions past their time; purge old rows.
#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_args: Args, app: &App) -> Result<u8> {
    let mut conn = app.open()?;
    let s = expire::expire(&app.ctx, &mut conn)?;
    app.out.data(&s, |s| {
        Table::fields([
            ("provisional_expired", s.provisional_expired),
            ("temporary_expired", s.temporary_expired),
            ("email_tokens_expired", s.email_tokens_expired),
            ("sessions_ended", s.sessions_ended),
            ("sessions_purged", s.sessions_purged),
            ("sent_mail_purged", s.sent_mail_purged),
        ])
    })?;
    Ok(exit::DONE)
}
