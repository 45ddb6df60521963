//! Presentation: data to stdout as a table, JSON or CSV; status, warnings and errors to stderr.

use std::io::{self, IsTerminal, Write};

use clap::ValueEnum;
use comfy_table::{ContentArrangement, Table as Comfy, presets};
use hagaki::Error;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Aligned columns for people.
    Table,
    /// One JSON document, for scripts.
    Json,
    /// Comma-separated rows with a header line, for spreadsheets.
    Csv,
}

/// Rows for the table and CSV forms of a result.
#[derive(Debug, Default)]
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new<S: Into<String>>(headers: impl IntoIterator<Item = S>) -> Self {
        Table {
            headers: headers.into_iter().map(Into::into).collect(),
            rows: Vec::new(),
        }
    }

    pub fn row<S: ToString>(&mut self, cells: impl IntoIterator<Item = S>) {
        self.rows
            .push(cells.into_iter().map(|c| c.to_string()).collect());
    }

    /// A two-column key/value table, for one record.
    pub fn fields<K: ToString, V: ToString>(pairs: impl IntoIterator<Item = (K, V)>) -> Self {
        let mut t = Table::new(["field", "value"]);
        for (k, v) in pairs {
            t.row([k.to_string(), v.to_string()]);
        }
        t
    }
}

pub struct Output {
    pub format: Format,
    pub quiet: bool,
}

impl Output {
    pub fn new(format: Format, quiet: bool) -> Self {
        Output { format, quiet }
    }

    /// Writes a result to stdout: `value` as JSON, or `table` for the other forms.
    pub fn data<T: Serialize>(
        &self,
        value: &T,
        table: impl FnOnce(&T) -> Table,
    ) -> hagaki::Result<()> {
        let mut stdout = io::stdout().lock();
        let written = match self.format {
            Format::Json => serde_json::to_writer_pretty(&mut stdout, value)
                .map_err(io::Error::other)
                .and_then(|_| writeln!(stdout)),
            Format::Table => write_table(&mut stdout, &table(value)),
            Format::Csv => write_csv(&mut stdout, &table(value)),
        };
        match written {
            // A closed pipe (`hagaki … | head`) is the reader's choice, not an error.
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
            other => Ok(other?),
        }
    }

    /// A status line on stderr, unless `--quiet`.
    pub fn status(&self, line: impl AsRef<str>) {
        if !self.quiet {
            eprintln!("{}", line.as_ref());
        }
    }

    #[allow(dead_code)] // used by commands that warn (import, issue)
    pub fn warn(&self, line: impl AsRef<str>) {
        eprintln!("warning: {}", line.as_ref());
    }

    /// Whether a progress bar should be drawn: stderr is a terminal and not `--quiet`.
    #[allow(dead_code)] // used by long commands (import, issue, mail send)
    pub fn progress_wanted(&self) -> bool {
        !self.quiet && io::stderr().is_terminal()
    }
}

fn write_table(w: &mut impl Write, table: &Table) -> io::Result<()> {
    if table.rows.is_empty() && table.headers.len() != 2 {
        return writeln!(w, "(none)");
    }
    let mut t = Comfy::new();
    t.load_preset(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(&table.headers);
    for row in &table.rows {
        t.add_row(row);
    }
    writeln!(w, "{t}")
}

fn write_csv(w: &mut impl Write, table: &Table) -> io::Result<()> {
    let mut csv = csv::Writer::from_writer(w);
    csv.write_record(&table.headers)?;
    for row in &table.rows {
        csv.write_record(row)?;
    }
    csv.flush()
}

/// Prints an error the way every command does: `error: …`, the bad rows, then `help: …`.
pub fn report_error(err: &Error) {
    let mut e = io::stderr().lock();
    let _ = writeln!(e, "error: {err}");
    match err {
        Error::BadRows { rows, .. } => {
            for row in rows {
                let _ = writeln!(e, "  {row}");
            }
        }
        Error::Internal(inner) => {
            for cause in inner.chain().skip(1) {
                let _ = writeln!(e, "  caused by: {cause}");
            }
        }
        _ => {}
    }
    if let Some(hint) = err.hint() {
        let _ = writeln!(e, "help: {hint}");
    }
}
