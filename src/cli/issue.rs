//! `hagaki issue`: a postcard batch of provisional credentials and its print file.

use std::path::PathBuf;

use clap::ValueEnum;
use hagaki::member_key::MemberKey;
use hagaki::ops::issue::{self, Event, IssueOptions, IssueSummary};
use hagaki::printfile::Encoding;
use hagaki::{Error, Result, error::exit};
use indicatif::{ProgressBar, ProgressStyle};

use super::App;
use super::output::Table;

/// Issue provisional IDs and passwords to every eligible insured person (not retired, not
/// registered, no live provisional credential) and write the print file for the print vendor.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The print file to write (created readable by you only; never overwritten).
    #[arg(long)]
    out: PathBuf,
    /// Text encoding of the print file (lines end in CRLF either way).
    #[arg(long, value_enum, default_value_t = PrintEncoding::Cp932)]
    encoding: PrintEncoding,
    /// Issue to at most N members (the first N in roster order).
    #[arg(long)]
    limit: Option<usize>,
    /// Only these members (SYMBOL-NUMBER); repeat for more.
    #[arg(long = "member", value_name = "MEMBER")]
    members: Vec<String>,
    /// Days the credentials stay valid after the issue date [default: setting
    /// provisional_valid_days].
    #[arg(long)]
    valid_days: Option<i64>,
    /// Count who would get a postcard; write nothing.
    #[arg(long)]
    dry_run: bool,
}

/// The print file encodings, as the command line names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PrintEncoding {
    /// Shift_JIS as Windows writes it: what Japanese print vendors and Excel read.
    Cp932,
    #[value(name = "utf-8")]
    Utf8,
}

impl From<PrintEncoding> for Encoding {
    fn from(e: PrintEncoding) -> Self {
        match e {
            PrintEncoding::Cp932 => Encoding::Cp932,
            PrintEncoding::Utf8 => Encoding::Utf8,
        }
    }
}

pub fn run(args: Args, app: &App) -> Result<u8> {
    let members = args
        .members
        .iter()
        .map(|m| MemberKey::parse(m).map_err(|e| Error::bad_input(format!("--member: {e}"))))
        .collect::<Result<Vec<_>>>()?;
    let opts = IssueOptions {
        out: args.out,
        encoding: args.encoding.into(),
        limit: args.limit,
        members,
        valid_days: args.valid_days,
        dry_run: args.dry_run,
    };
    let mut conn = app.open()?;
    let mut progress = Progress::new(app);
    let summary = issue::issue(&app.ctx, &mut conn, &opts, &mut |e| progress.event(e))?;
    progress.done();
    for s in &summary.skipped {
        app.out.warn(format!(
            "member {} gets no postcard: {}",
            s.member_id, s.reason
        ));
    }
    present(app, &summary)?;
    Ok(exit::DONE)
}

/// Draws the progress bar (rate and ETA) and status lines of a batch run.
pub struct Progress<'a> {
    app: &'a App,
    bar: Option<ProgressBar>,
}

impl<'a> Progress<'a> {
    pub fn new(app: &'a App) -> Self {
        Progress { app, bar: None }
    }

    pub fn event(&mut self, event: Event<'_>) {
        match event {
            Event::WaitingForLock => self
                .app
                .out
                .status("waiting for another issuing run on this database to finish …"),
            Event::Recovered(r) => self.app.out.warn(format!(
                "batch {} was left unfinished by a run that stopped; {}",
                r.batch_id,
                match r.outcome {
                    "completed" => "its print file was whole, so it is now issued",
                    _ => "its credentials were revoked and its members can be issued again",
                }
            )),
            Event::Writing { total } if self.app.out.progress_wanted() => {
                let bar = ProgressBar::new(total);
                bar.set_style(
                    ProgressStyle::with_template(
                        "{bar:40} {pos}/{len} postcards  {per_sec}  ETA {eta}",
                    )
                    .expect("valid template"),
                );
                self.bar = Some(bar);
            }
            Event::Writing { .. } => {}
            Event::Wrote { rows } => {
                if let Some(bar) = &self.bar {
                    bar.inc(rows);
                }
            }
        }
    }

    pub fn done(self) {
        if let Some(bar) = self.bar {
            bar.finish_and_clear();
        }
    }
}

/// The summary of a batch run, as a table or JSON.
pub fn present(app: &App, s: &IssueSummary) -> Result<()> {
    match (&s.file, s.dry_run) {
        (_, true) => app
            .out
            .status(format!("dry run: {} would be issued", s.count)),
        (Some(file), _) => app.out.status(format!(
            "issued {} provisional credentials in batch {}: {file}",
            s.count,
            s.batch_id.unwrap_or_default()
        )),
        (None, _) => app.out.status("nobody is eligible: nothing was issued"),
    }
    app.out.data(s, |s| {
        let opt = |v: &Option<String>| v.clone().unwrap_or_default();
        Table::fields([
            (
                "batch",
                s.batch_id.map(|b| b.to_string()).unwrap_or_default(),
            ),
            ("kind", s.kind.to_string()),
            ("count", s.count.to_string()),
            ("file", opt(&s.file)),
            ("sha256", opt(&s.sha256)),
            ("encoding", s.encoding.as_str().to_string()),
            ("issued_on", s.issued_on.to_string()),
            ("expires_on", s.expires_on.to_string()),
            ("dry_run", s.dry_run.to_string()),
        ])
    })
}
