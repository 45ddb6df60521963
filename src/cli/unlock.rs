//! `hagaki unlock`: support clears a household's lock and failed attempts.

use hagaki::ops::unlock::unlock;
use hagaki::{Result, error::exit};

use super::App;
use super::output::Table;

/// Clear a household's lock and failed attempts (recorded in the audit trail). Refused
/// (exit 5) when the account is neither locked nor has failed attempts.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A member key (SYMBOL-NUMBER[-BRANCH]), user ID, provisional ID or email.
    member: String,
}

pub fn run(args: Args, app: &App) -> Result<u8> {
    let mut conn = app.open()?;
    let done = unlock(&app.ctx, &mut conn, &args.member)?;
    app.out
        .status(format!("unlocked member {}", done.member_id));
    app.out.data(&done, |d| {
        Table::fields([
            ("member id", d.member_id.to_string()),
            ("failed attempts cleared", d.failed_attempts.to_string()),
            (
                "lock cleared",
                d.was_locked_until.clone().unwrap_or_else(|| "none".into()),
            ),
        ])
    })?;
    Ok(exit::DONE)
}
