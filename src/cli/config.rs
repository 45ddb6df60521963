//! `hagaki config`: show and change the policy settings.

use clap::Subcommand;
use hagaki::{Result, error::exit, ops::setup, settings};

use super::App;
use super::output::Table;

/// Show or change policy settings (lockout, validity periods, hashing cost …).
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: ConfigCommand,
}

#[derive(Debug, Subcommand)]
enum ConfigCommand {
    /// Every setting with its current value, default and meaning.
    Show,
    /// Change one setting (the value is checked first).
    Set { key: String, value: String },
}

#[derive(serde::Serialize)]
struct Shown {
    key: &'static str,
    value: Option<String>,
    default: Option<&'static str>,
    help: &'static str,
}

pub fn run(args: Args, app: &App) -> Result<u8> {
    let mut conn = app.open()?;
    match args.command {
        ConfigCommand::Show => {
            let current = settings::current(&conn)?;
            let shown: Vec<Shown> = settings::DEFS
                .iter()
                .map(|d| Shown {
                    key: d.key,
                    value: current.get(d.key).cloned(),
                    default: d.default,
                    help: d.help,
                })
                .collect();
            app.out.data(&shown, |rows| {
                let mut t = Table::new(["key", "value", "default", "meaning"]);
                for s in rows {
                    t.row([
                        s.key,
                        s.value.as_deref().unwrap_or(""),
                        s.default.unwrap_or("(set by init)"),
                        s.help,
                    ]);
                }
                t
            })?;
        }
        ConfigCommand::Set { key, value } => {
            let stored = setup::set_setting(&app.ctx, &mut conn, &key, &value)?;
            app.out.status(format!("{key} = {stored}"));
            app.out
                .data(&serde_json::json!({ "key": key, "value": stored }), |_| {
                    Table::fields([("key", key.clone()), ("value", stored.clone())])
                })?;
        }
    }
    Ok(exit::DONE)
}
