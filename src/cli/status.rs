//! `hagaki status`: the registration funnel, or one member's place in the lifecycle.

use hagaki::clock;
use hagaki::ops::member_status::{MemberStatus, member_status};
use hagaki::ops::status::{Funnel, funnel};
use hagaki::{Result, error::exit};

use super::App;
use super::output::Table;

/// The registration funnel (households, issued, provisional expired, identity checked,
/// registered, email confirmed, locked, retired) overall and per batch; or, given MEMBER,
/// where that household is stuck and what support can do next.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A member key (SYMBOL-NUMBER[-BRANCH]), user ID, provisional ID or email. A dependent
    /// shows their household's account.
    #[arg(conflicts_with = "batch")]
    member: Option<String>,
    /// Only the households whose newest postcard is from this batch.
    #[arg(long, value_name = "ID")]
    batch: Option<i64>,
}

pub fn run(args: Args, app: &App) -> Result<u8> {
    let conn = app.open()?;
    match args.member {
        Some(member) => {
            let status = member_status(&app.ctx, &conn, &member)?;
            app.out.data(&status, member_table)?;
        }
        None => {
            let funnel = funnel(&app.ctx, &conn, args.batch)?;
            app.out.data(&funnel, funnel_table)?;
        }
    }
    Ok(exit::DONE)
}

fn percent(rate: Option<f64>) -> String {
    rate.map(|r| format!("{:.1}%", r * 100.0))
        .unwrap_or_default()
}

fn funnel_table(f: &Funnel) -> Table {
    let mut t = Table::new([
        "scope",
        "step",
        "count",
        "of households",
        "of previous",
        "previous",
    ]);
    for scope in &f.scopes {
        for s in &scope.steps {
            t.row([
                scope.scope.clone(),
                s.step.to_string(),
                s.count.to_string(),
                percent(s.of_households),
                percent(s.of_previous),
                s.previous.unwrap_or("").to_string(),
            ]);
        }
    }
    t
}

/// An RFC 3339 JST time as people read it, or empty.
fn when(t: &Option<String>) -> String {
    t.as_deref()
        .and_then(|t| clock::from_db(t).ok())
        .map(clock::show_jst)
        .unwrap_or_default()
}

fn member_table(s: &MemberStatus) -> Table {
    let d = &s.dates;
    let mut rows: Vec<(String, String)> = vec![
        (
            "member".into(),
            format!("{} (member id {})", s.key, s.member_id),
        ),
        ("name".into(), s.name.clone()),
        ("stage".into(), s.stage_text.to_string()),
        ("next action".into(), s.next_action.text.clone()),
        ("failed attempts".into(), s.failed_attempts.to_string()),
        (
            "locked until".into(),
            if s.locked {
                when(&s.locked_until)
            } else {
                String::new()
            },
        ),
        ("user id".into(), s.user_id.clone().unwrap_or_default()),
        ("email".into(), s.email.clone().unwrap_or_default()),
        ("imported".into(), when(&d.imported)),
        ("issued".into(), when(&d.issued)),
        ("expires".into(), when(&d.expires)),
        ("identity checked".into(), when(&d.identity_checked)),
        ("registered".into(), when(&d.registered)),
        ("email confirmed".into(), when(&d.email_confirmed)),
        ("retired".into(), when(&d.retired)),
        (
            "batch".into(),
            s.batch
                .as_ref()
                .map(|b| {
                    format!(
                        "{} ({}, {}, issued on {})",
                        b.id, b.kind, b.state, b.issued_on
                    )
                })
                .unwrap_or_default(),
        ),
        (
            "mail".into(),
            format!(
                "{} queued, {} sending, {} sent, {} dead",
                s.mail.queued, s.mail.sending, s.mail.sent, s.mail.dead
            ),
        ),
    ];
    if let Some(dep) = s.dependent_id {
        rows.insert(
            1,
            (
                "dependent".into(),
                format!("member id {dep} (shown: their household)"),
            ),
        );
    }
    for c in &s.credentials {
        let batch = c
            .batch_id
            .map(|b| format!(", batch {b}"))
            .unwrap_or_default();
        rows.push((
            format!("credential {}", c.id),
            format!(
                "{} {} {}{batch}, expires {}",
                c.kind,
                c.login_id.as_deref().unwrap_or("-"),
                c.state,
                when(&Some(c.expires_at.clone()))
            ),
        ));
    }
    for m in &s.mails {
        rows.push((
            format!("mail {}", m.id),
            format!(
                "{} to {}: {} ({} attempts)",
                m.kind, m.to_addr, m.state, m.attempts
            ),
        ));
    }
    Table::fields(rows)
}
