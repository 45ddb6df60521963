//! The command line: global options, the command list, and one file per command.
//!
//! A command file parses its arguments, calls one library operation and presents the result.
//! It never writes SQL.

pub mod output;

mod audit;
mod backup;
mod batches;
mod config;
mod expire;
mod import;
mod init;
mod issue;
mod mail;
mod maintenance;
mod members;
mod notify;
mod portal;
mod reissue;
mod status;
mod unlock;

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use hagaki::clock::Clock;
use hagaki::{Context, Result};
use rusqlite::Connection;

use self::output::{Format, Output};

/// Back office of a health insurance society's member portal: roster import, postcard
/// batches of provisional credentials, the member portal's steps, support desk and mail.
#[derive(Debug, Parser)]
#[command(name = "hagaki", version, max_term_width = 100)]
pub struct Cli {
    /// The hagaki database file.
    #[arg(long, global = true, env = "HAGAKI_DB", default_value = "hagaki.db")]
    pub db: PathBuf,
    /// How data on stdout is written.
    #[arg(long, global = true, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// No status lines or progress on stderr (errors still show).
    #[arg(long, short, global = true)]
    pub quiet: bool,
    /// Who is acting, for the audit trail [default: $USER].
    #[arg(long, global = true, env = "HAGAKI_ACTOR")]
    pub actor: Option<String>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    Init(init::Args),
    Config(config::Args),
    Import(import::Args),
    Members(members::Args),
    Issue(issue::Args),
    Batches(batches::Args),
    Reissue(reissue::Args),
    Portal(portal::Args),
    Maintenance(maintenance::Args),
    Mail(mail::Args),
    Notify(notify::Args),
    Expire(expire::Args),
    Backup(backup::Args),
    Status(status::Args),
    Unlock(unlock::Args),
    Audit(audit::Args),
}

/// What every command gets: where the database is, how to print, who acts and when.
pub struct App {
    pub db_path: PathBuf,
    pub out: Output,
    pub ctx: Context,
}

impl App {
    /// Opens the (existing, initialised) database.
    pub fn open(&self) -> Result<Connection> {
        hagaki::db::open(&self.db_path)
    }
}

/// Runs the parsed command; the number returned is the process exit code.
pub fn run(cli: Cli) -> Result<u8> {
    let actor = cli
        .actor
        .filter(|a| !a.trim().is_empty())
        .or_else(|| std::env::var("USER").ok())
        .unwrap_or_else(|| "staff".to_string());
    let app = App {
        db_path: cli.db,
        out: Output::new(cli.format, cli.quiet),
        ctx: Context::new(Clock::from_env()?, actor),
    };
    match cli.command {
        Command::Init(args) => init::run(args, &app),
        Command::Config(args) => config::run(args, &app),
        Command::Import(args) => import::run(args, &app),
        Command::Members(args) => members::run(args, &app),
        Command::Issue(args) => issue::run(args, &app),
        Command::Batches(args) => batches::run(args, &app),
        Command::Reissue(args) => reissue::run(args, &app),
        Command::Portal(args) => portal::run(args, &app),
        Command::Maintenance(args) => maintenance::run(args, &app),
        Command::Mail(args) => mail::run(args, &app),
        Command::Notify(args) => notify::run(args, &app),
        Command::Expire(args) => expire::run(args, &app),
        Command::Backup(args) => backup::run(args, &app),
        Command::Status(args) => status::run(args, &app),
        Command::Unlock(args) => unlock::run(args, &app),
        Command::Audit(args) => audit::run(args, &app),
    }
}
