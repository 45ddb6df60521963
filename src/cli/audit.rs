//! `hagaki audit`: list the audit trail, or verify its hash chain.

use chrono::{DateTime, Utc};
use clap::Subcommand;
use hagaki::ops::audit_trail::{self, ListOptions};
use hagaki::{Result, clock, error::exit};

use super::App;
use super::output::Table;

/// List the audit trail (oldest first), or check that no row was edited, inserted or deleted.
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Args {
    #[command(subcommand)]
    command: Option<AuditCommand>,
    /// Only this household's rows (member key, user ID, provisional ID or email).
    #[arg(long)]
    member: Option<String>,
    /// Only this action (for example `unlock`, `config.set`).
    #[arg(long)]
    action: Option<String>,
    /// Rows at or after DATE: YYYY-MM-DD (from midnight in Japan) or an RFC 3339 time.
    #[arg(long, value_name = "DATE", value_parser = audit_trail::parse_since)]
    since: Option<DateTime<Utc>>,
    /// Only the newest N matching rows.
    #[arg(long, value_name = "N")]
    limit: Option<u32>,
}

#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// Check the hash chain: exit 0 when intact, 3 when a row was edited, inserted or
    /// deleted (each problem is listed with its row).
    Verify,
}

pub fn run(args: Args, app: &App) -> Result<u8> {
    let conn = app.open()?;
    if let Some(AuditCommand::Verify) = args.command {
        let v = audit_trail::verify(&conn)?;
        app.out.data(&v, |v| {
            if v.ok {
                return Table::fields([("rows", v.rows.to_string()), ("ok", "true".into())]);
            }
            let mut t = Table::new(["row", "problem"]);
            for p in &v.problems {
                t.row([
                    p.row.map(|r| r.to_string()).unwrap_or_else(|| "end".into()),
                    p.what.clone(),
                ]);
            }
            t
        })?;
        if v.ok {
            app.out
                .status(format!("audit trail intact: {} row(s)", v.rows));
            return Ok(exit::DONE);
        }
        app.out.warn(format!(
            "audit trail broken: {} problem(s) in {} row(s)",
            v.problems.len(),
            v.rows
        ));
        return Ok(exit::BAD_INPUT);
    }
    let rows = audit_trail::list(
        &conn,
        &ListOptions {
            member: args.member,
            action: args.action,
            since: args.since,
            limit: args.limit.map(i64::from),
        },
    )?;
    app.out.data(&rows, |rows| {
        let mut t = Table::new(["id", "at", "actor", "action", "member", "outcome", "detail"]);
        for r in rows {
            t.row([
                r.id.to_string(),
                clock::from_db(&r.at)
                    .map(clock::show_jst)
                    .unwrap_or_else(|_| r.at.clone()),
                r.actor.clone(),
                r.action.clone(),
                r.member_id.map(|m| m.to_string()).unwrap_or_default(),
                r.outcome.clone(),
                r.detail.clone(),
            ]);
        }
        t
    })?;
    Ok(exit::DONE)
}
