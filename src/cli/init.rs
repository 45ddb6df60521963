//! `hagaki init`: create a new database for one insurer.

use hagaki::ops::setup::{self, InitOptions};
use hagaki::{Result, error::exit};

use super::App;
use super::output::Table;

/// Create a new hagaki database for one insurer.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// 保険者番号: 8 digits, the last a check digit.
    #[arg(long)]
    insurer_number: String,
    /// The society's name, printed on postcards and used as the mail sender name.
    #[arg(long)]
    insurer_name: String,
    /// The member portal's address, printed on postcards and in mail.
    #[arg(long)]
    portal_url: String,
    /// Sender address for mail (can be set later with `config set mail_from`).
    #[arg(long)]
    mail_from: Option<String>,
}

pub fn run(args: Args, app: &App) -> Result<u8> {
    let opts = InitOptions {
        insurer_number: args.insurer_number,
        insurer_name: args.insurer_name,
        portal_url: args.portal_url,
        mail_from: args.mail_from,
    };
    setup::init(&app.ctx, &app.db_path, &opts)?;
    app.out.status(format!("created {}", app.db_path.display()));
    let summary = serde_json::json!({
        "database": app.db_path.display().to_string(),
        "insurer_number": opts.insurer_number.trim(),
        "insurer_name": opts.insurer_name,
        "portal_url": opts.portal_url,
    });
    app.out.data(&summary, |_| {
        Table::fields([
            ("database", app.db_path.display().to_string()),
            ("insurer_number", opts.insurer_number.trim().to_string()),
            ("insurer_name", opts.insurer_name.clone()),
            ("portal_url", opts.portal_url.clone()),
        ])
    })?;
    Ok(exit::DONE)
}
