//! `hagaki import`: load the member roster CSV.

use std::path::PathBuf;

use clap::ValueEnum;
use hagaki::ops::import::{self, ImportOptions, ImportSummary};
use hagaki::roster::EncodingChoice;
use hagaki::{Result, error::exit};
use indicatif::{ProgressBar, ProgressStyle};

use super::App;
use super::output::Table;

/// Import the member roster CSV: all rows or none. Re-importing the same roster changes
/// nothing; changed rows update members in place; households no longer in the roster are
/// listed as missing (and retired with --retire-missing).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The roster file (CSV with a header line; Japanese or English column names).
    roster: PathBuf,
    /// The file's character encoding.
    #[arg(long, value_enum, default_value_t = EncodingArg::Auto)]
    encoding: EncodingArg,
    /// Check the roster and report what would change, without writing anything.
    #[arg(long)]
    dry_run: bool,
    /// Retire the members of households that the roster no longer names.
    #[arg(long)]
    retire_missing: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum EncodingArg {
    /// UTF-8 (with or without BOM) or CP932, detected.
    Auto,
    /// UTF-8, with or without BOM.
    #[value(name = "utf-8", alias = "utf8")]
    Utf8,
    /// Shift_JIS as Windows writes it.
    #[value(name = "cp932", alias = "sjis", alias = "shift_jis")]
    Cp932,
}

pub fn run(args: Args, app: &App) -> Result<u8> {
    let mut conn = app.open()?;
    let opts = ImportOptions {
        path: args.roster.clone(),
        encoding: match args.encoding {
            EncodingArg::Auto => EncodingChoice::Auto,
            EncodingArg::Utf8 => EncodingChoice::Utf8,
            EncodingArg::Cp932 => EncodingChoice::Cp932,
        },
        dry_run: args.dry_run,
        retire_missing: args.retire_missing,
    };
    let bar = if app.out.progress_wanted() {
        let len = std::fs::metadata(&args.roster)
            .map(|m| m.len())
            .unwrap_or(0);
        let bar = ProgressBar::new(len);
        bar.set_style(
            ProgressStyle::with_template("{msg} [{bar:40}] {bytes}/{total_bytes} {eta}")
                .expect("template is valid")
                .progress_chars("=> "),
        );
        bar.set_message("importing");
        Some(bar)
    } else {
        None
    };
    let result = import::import(&app.ctx, &mut conn, &opts, &mut |bytes| {
        if let Some(bar) = &bar {
            bar.set_position(bytes);
        }
    });
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let summary = result?;
    if summary.dry_run {
        app.out.status("dry run: nothing was written");
    }
    if summary.missing > 0 && !args.retire_missing {
        app.out.warn(format!(
            "{} household(s) in the database are not in this roster; \
             run again with --retire-missing to retire them",
            summary.missing
        ));
    }
    app.out.data(&summary, table)?;
    Ok(exit::DONE)
}

fn table(s: &ImportSummary) -> Table {
    Table::fields([
        ("encoding", s.encoding.as_str().to_string()),
        ("rows", s.rows.to_string()),
        ("new", s.new.to_string()),
        ("updated", s.updated.to_string()),
        ("unchanged", s.unchanged.to_string()),
        ("missing", s.missing.to_string()),
        ("missing_dependents", s.missing_dependents.to_string()),
        ("retired", s.retired.to_string()),
        ("dry_run", s.dry_run.to_string()),
    ])
}
