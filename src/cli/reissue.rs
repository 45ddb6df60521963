//! `hagaki reissue`: a member's credential again, by postcard or by mail, or a reminder batch.

use std::path::PathBuf;

use clap::ValueEnum;
use hagaki::member_key::MemberKey;
use hagaki::ops::reissue::{self, Via};
use hagaki::{Error, Result, error::exit};

use super::App;
use super::issue::{PrintEncoding, Progress, present};
use super::output::Table;

/// Reissue a provisional credential by postcard (a batch of one), a temporary password by
/// mail (registered members), or reminder postcards (`--reminder`) to everyone who never
/// passed the identity check.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The member (SYMBOL-NUMBER); not with --reminder.
    #[arg(required_unless_present = "reminder", conflicts_with = "reminder")]
    member: Option<String>,
    /// postcard: a new provisional ID and password on a print file; email: a temporary
    /// password to the member's confirmed email.
    #[arg(
        long,
        value_enum,
        required_unless_present = "reminder",
        conflicts_with = "reminder"
    )]
    via: Option<ViaArg>,
    /// A reminder batch: every unregistered member who never passed the identity check.
    #[arg(long)]
    reminder: bool,
    /// With --reminder: only members of this batch.
    #[arg(long, requires = "reminder")]
    batch: Option<i64>,
    /// Why (kept in the audit trail).
    #[arg(long)]
    reason: String,
    /// The print file (postcard and reminder).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Text encoding of the print file.
    #[arg(long, value_enum, default_value_t = PrintEncoding::Cp932)]
    encoding: PrintEncoding,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ViaArg {
    Postcard,
    Email,
}

pub fn run(args: Args, app: &App) -> Result<u8> {
    let via = match args.via {
        Some(ViaArg::Email) => Via::Email,
        _ => Via::Postcard,
    };
    let out = match (&args.out, via) {
        (Some(out), Via::Postcard) => Some(out.clone()),
        (None, Via::Postcard) => {
            return Err(Error::Usage("--out FILE is needed for a print file".into()));
        }
        (Some(_), Via::Email) => {
            return Err(Error::Usage(
                "--out is for postcards; --via email writes no file".into(),
            ));
        }
        (None, Via::Email) => None,
    };
    let mut conn = app.open()?;
    let mut progress = Progress::new(app);
    let summary = if args.reminder {
        reissue::reminder(
            &app.ctx,
            &mut conn,
            args.batch,
            &args.reason,
            out.expect("checked above"),
            args.encoding.into(),
            &mut |e| progress.event(e),
        )?
    } else {
        let key = args.member.as_deref().expect("clap requires it");
        let key = MemberKey::parse(key).map_err(|e| Error::bad_input(e.to_string()))?;
        match via {
            Via::Email => {
                let queued = reissue::by_email(&app.ctx, &mut conn, &key, &args.reason)?;
                app.out.status(format!(
                    "temporary password mail queued for member {}",
                    queued.member_id
                ));
                app.out.data(&queued, |q| {
                    Table::fields([
                        ("member_id", q.member_id.to_string()),
                        ("outbox_id", q.outbox_id.to_string()),
                        ("to", q.to.clone()),
                    ])
                })?;
                return Ok(exit::DONE);
            }
            Via::Postcard => reissue::by_postcard(
                &app.ctx,
                &mut conn,
                &key,
                &args.reason,
                out.expect("checked above"),
                args.encoding.into(),
                &mut |e| progress.event(e),
            )?,
        }
    };
    progress.done();
    present(app, &summary)?;
    Ok(exit::DONE)
}
