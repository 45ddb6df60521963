//! `hagaki batches`: list, show and void postcard batches.

use clap::Subcommand;
use hagaki::ops::batches::{self, BatchView};
use hagaki::{Result, error::exit};

use super::App;
use super::output::Table;

/// Postcard batches: list them, show one, or void a lost one.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: BatchesCommand,
}

#[derive(Debug, Subcommand)]
enum BatchesCommand {
    /// Every batch, newest first, with its credentials by state.
    List,
    /// One batch: its file, SHA-256, dates and credentials by state.
    Show { id: i64 },
    /// Void an issued batch: every credential of it not yet used is revoked.
    Void {
        id: i64,
        /// Why (kept with the batch and in the audit trail).
        #[arg(long)]
        reason: String,
    },
}

pub fn run(args: Args, app: &App) -> Result<u8> {
    let mut conn = app.open()?;
    match args.command {
        BatchesCommand::List => {
            let all = batches::list(&conn)?;
            app.out.data(&all, |all| {
                let mut t = Table::new([
                    "id",
                    "kind",
                    "state",
                    "issued_on",
                    "expires_on",
                    "count",
                    "live",
                    "used",
                    "revoked",
                    "file",
                ]);
                for b in all {
                    let n = |s: &str| b.credentials.get(s).copied().unwrap_or(0);
                    t.row([
                        b.batch.id.to_string(),
                        b.batch.kind.clone(),
                        b.batch.state.clone(),
                        b.batch.issued_on.clone(),
                        b.batch.expires_on.clone(),
                        b.batch.member_count.to_string(),
                        n("live").to_string(),
                        n("used").to_string(),
                        n("revoked").to_string(),
                        b.batch.file_name.clone().unwrap_or_default(),
                    ]);
                }
                t
            })?;
        }
        BatchesCommand::Show { id } => {
            let shown = batches::show(&conn, id)?;
            app.out.data(&shown, one)?;
        }
        BatchesCommand::Void { id, reason } => {
            let shown = batches::void(&app.ctx, &mut conn, id, &reason)?;
            let revoked = shown.credentials.get("revoked").copied().unwrap_or(0);
            app.out
                .status(format!("voided batch {id}: {revoked} credentials revoked"));
            app.out.data(&shown, one)?;
        }
    }
    Ok(exit::DONE)
}

fn one(b: &BatchView) -> Table {
    let o = |v: &Option<String>| v.clone().unwrap_or_default();
    let mut pairs = vec![
        ("id".to_string(), b.batch.id.to_string()),
        ("kind".into(), b.batch.kind.clone()),
        ("state".into(), b.batch.state.clone()),
        ("created_at".into(), b.batch.created_at.clone()),
        ("actor".into(), b.batch.actor.clone()),
        ("issued_on".into(), b.batch.issued_on.clone()),
        ("expires_on".into(), b.batch.expires_on.clone()),
        ("count".into(), b.batch.member_count.to_string()),
        ("file".into(), o(&b.batch.file_name)),
        ("sha256".into(), o(&b.batch.file_sha256)),
        ("encoding".into(), o(&b.batch.encoding)),
        ("reason".into(), o(&b.batch.reason)),
        ("voided_at".into(), o(&b.batch.voided_at)),
        ("void_reason".into(), o(&b.batch.void_reason)),
    ];
    for (state, n) in &b.credentials {
        pairs.push((format!("credentials {state}"), n.to_string()));
    }
    Table::fields(pairs)
}
