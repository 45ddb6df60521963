//! `hagaki members`: one member with their household and account, or a search.

use clap::Subcommand;
use hagaki::db::members::Member;
use hagaki::ops::members::{self, FindBy, FoundHousehold, MemberView};
use hagaki::{Result, error::exit};

use super::App;
use super::output::Table;

/// Look members up: one by key, or search by name.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: MembersCommand,
}

#[derive(Debug, Subcommand)]
enum MembersCommand {
    /// One member, their household (dependents under the insured person) and the account.
    Show {
        /// SYMBOL-NUMBER (the insured person) or SYMBOL-NUMBER-BRANCH.
        member: String,
    },
    /// Search by part of the name or the kana name; dependents are shown with their household.
    Find {
        /// Part of the name (氏名); full-/half-width forms and spaces are ignored.
        #[arg(long, conflicts_with = "kana", required_unless_present = "kana")]
        name: Option<String>,
        /// Part of the kana name (カナ氏名); width, hiragana/katakana and spaces are ignored.
        #[arg(long)]
        kana: Option<String>,
        /// At most this many matching members.
        #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..))]
        limit: u32,
    },
}

pub fn run(args: Args, app: &App) -> Result<u8> {
    let conn = app.open()?;
    match args.command {
        MembersCommand::Show { member } => {
            let key = members::parse_key(&member)?;
            let view = members::show(&app.ctx, &conn, &key)?;
            app.out.data(&view, show_table)?;
        }
        MembersCommand::Find { name, kana, limit } => {
            let by = match (name, kana) {
                (Some(n), _) => FindBy::Name(n),
                (None, Some(k)) => FindBy::Kana(k),
                (None, None) => unreachable!("clap requires --name or --kana"),
            };
            let found = members::find(&conn, &by, limit)?;
            let matched: usize = found
                .iter()
                .map(|h| h.members.iter().filter(|m| m.matched).count())
                .sum();
            if matched as u32 == limit {
                app.out.warn(format!(
                    "showing the first {limit} matches; raise --limit for more"
                ));
            }
            app.out.data(&found, find_table)?;
        }
    }
    Ok(exit::DONE)
}

fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

fn status(m: &Member) -> String {
    match (&m.retired_at, &m.lost_on) {
        (Some(at), _) => format!("retired {}", &at[..10]),
        (None, Some(lost)) => format!("active (資格喪失日 {lost})"),
        (None, None) => "active".to_string(),
    }
}

fn show_table(v: &MemberView) -> Table {
    let m = &v.member;
    let mut t = Table::fields([
        ("member", m.key.clone()),
        ("member id", m.id.to_string()),
        ("name", m.name.clone()),
        ("kana", m.name_kana.clone()),
        ("birth date", m.birth_date.clone()),
        ("postal code", m.postal_code.clone()),
        (
            "address",
            format!("{} {}", m.address1, m.address2).trim().to_string(),
        ),
        ("status", status(m)),
    ]);
    match &v.account {
        Some(a) => {
            t.row(["account registered", yes_no(a.registered)]);
            t.row(["user ID", a.user_id.as_deref().unwrap_or("-")]);
            t.row(["email confirmed", yes_no(a.email_confirmed)]);
            t.row(["locked", yes_no(a.locked)]);
        }
        None => t.row(["account", "none (the household has no insured person)"]),
    }
    for h in &v.household {
        let role = if h.branch == "00" {
            "insured"
        } else {
            "dependent"
        };
        t.row([
            format!("household {role}"),
            format!("{} {} ({}) {}", h.key, h.name, h.birth_date, status(h)),
        ]);
    }
    t
}

fn find_table(found: &Vec<FoundHousehold>) -> Table {
    let mut t = Table::new(["member", "name", "kana", "birth date", "status", "match"]);
    for h in found {
        for m in &h.members {
            let member = &m.member;
            let key = if member.branch == "00" {
                member.key.clone()
            } else {
                format!("  └ {}", member.key)
            };
            t.row([
                key,
                member.name.clone(),
                member.name_kana.clone(),
                member.birth_date.clone(),
                status(member),
                if m.matched { "*" } else { "" }.to_string(),
            ]);
        }
    }
    t
}
