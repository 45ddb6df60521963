//! `hagaki mail`: send the outbox, list it, retry dead mail.

use std::path::PathBuf;

use clap::{Subcommand, ValueEnum};
use hagaki::mail::transport::Transport;
use hagaki::ops::mail::{self, RetryTarget};
use hagaki::{Error, Result, error::exit};

use super::App;
use super::output::Table;

/// Send queued mail, list the outbox, retry dead mail.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: MailCommand,
}

#[derive(Debug, Subcommand)]
enum MailCommand {
    /// Send due mail through HAGAKI_SMTP_URL; exit 7 when some mail was deferred or died.
    Send {
        /// Send at most N mails in this run.
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(i64).range(1..))]
        limit: Option<i64>,
        /// Write the due mails as .eml files into --out instead of sending; nothing is
        /// minted or changed, and secrets show as a placeholder.
        #[arg(long)]
        dry_run: bool,
        /// The directory a dry run writes into.
        #[arg(
            long,
            value_name = "DIR",
            default_value = "mail-dry-run",
            requires = "dry_run"
        )]
        out: PathBuf,
        /// Mails sent at once, each over its own SMTP connection.
        #[arg(long, value_name = "N", default_value_t = 4,
              value_parser = clap::value_parser!(u32).range(1..=32))]
        workers: u32,
    },
    /// Outbox rows, newest first.
    List {
        #[arg(long, value_enum)]
        state: Option<State>,
        /// Show at most N rows.
        #[arg(long, value_name = "N", default_value_t = 100)]
        limit: i64,
    },
    /// Put dead mail back in the queue, due now.
    Retry {
        /// The outbox id of a dead mail.
        #[arg(required_unless_present = "all_dead", conflicts_with = "all_dead")]
        id: Option<i64>,
        /// Every dead mail.
        #[arg(long)]
        all_dead: bool,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum State {
    Queued,
    Sending,
    Sent,
    Dead,
}

impl State {
    fn as_str(self) -> &'static str {
        match self {
            State::Queued => "queued",
            State::Sending => "sending",
            State::Sent => "sent",
            State::Dead => "dead",
        }
    }
}

pub fn run(args: Args, app: &App) -> Result<u8> {
    let mut conn = app.open()?;
    match args.command {
        MailCommand::Send {
            limit,
            dry_run,
            out,
            workers,
        } => {
            let summary = if dry_run {
                mail::dry_run(&app.ctx, &conn, &out, limit)?
            } else {
                let url = std::env::var("HAGAKI_SMTP_URL").map_err(|_| {
                    Error::Usage(
                        "HAGAKI_SMTP_URL is not set: name smtp://host:port, smtps://… or file:///DIR"
                            .into(),
                    )
                })?;
                let transport = Transport::from_url(&url, workers)?;
                let open = || app.open();
                mail::send(&app.ctx, &open, &transport, limit, workers as usize)?
            };
            app.out.data(&summary, |s| {
                let mut t =
                    Table::new(["id", "kind", "outcome", "attempts", "next attempt", "error"]);
                for m in &s.mails {
                    t.row([
                        m.id.to_string(),
                        m.kind.clone(),
                        m.outcome.to_string(),
                        m.attempts.to_string(),
                        m.next_attempt_at.clone().unwrap_or_default(),
                        m.error.clone().unwrap_or_default(),
                    ]);
                }
                t
            })?;
            if summary.dry_run {
                app.out.status(format!(
                    "{} mail(s) written to {}",
                    summary.written,
                    out.display()
                ));
                return Ok(exit::DONE);
            }
            app.out.status(format!(
                "sent {}, deferred {}, dead {}",
                summary.sent, summary.deferred, summary.dead
            ));
            Ok(if summary.partly_done() {
                exit::PARTIAL
            } else {
                exit::DONE
            })
        }
        MailCommand::List { state, limit } => {
            let rows = mail::list(&conn, state.map(State::as_str), limit)?;
            app.out.data(&rows, |rows| {
                let mut t = Table::new([
                    "id",
                    "kind",
                    "member",
                    "to",
                    "state",
                    "attempts",
                    "next attempt",
                    "sent",
                    "error",
                ]);
                for r in rows {
                    t.row([
                        r.id.to_string(),
                        r.kind.clone(),
                        r.member_id.map(|m| m.to_string()).unwrap_or_default(),
                        r.to_addr.clone(),
                        r.state.clone(),
                        r.attempts.to_string(),
                        r.next_attempt_at.clone(),
                        r.sent_at.clone().unwrap_or_default(),
                        r.last_error.clone().unwrap_or_default(),
                    ]);
                }
                t
            })?;
            Ok(exit::DONE)
        }
        MailCommand::Retry { id, all_dead } => {
            let target = match (id, all_dead) {
                (Some(id), false) => RetryTarget::One(id),
                _ => RetryTarget::AllDead,
            };
            let summary = mail::retry(&app.ctx, &mut conn, target)?;
            app.out.data(&summary, |s| {
                let mut t = Table::new(["requeued"]);
                for id in &s.requeued {
                    t.row([id]);
                }
                t
            })?;
            app.out
                .status(format!("{} mail(s) requeued", summary.requeued.len()));
            Ok(exit::DONE)
        }
    }
}
