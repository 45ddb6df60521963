//! The error type every library operation returns, and the exit code each kind maps to.

use std::fmt;

/// One bad value in an input file: where it is and why it was refused.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RowError {
    /// 1-based line number in the file (the header is line 1).
    pub line: u64,
    /// The column as the file names it (for example `生年月日`), or empty for a whole-row problem.
    pub column: String,
    pub value: String,
    pub reason: String,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.column.is_empty() {
            write!(f, "line {}: {}", self.line, self.reason)
        } else {
            write!(
                f,
                "line {}, column {}: {:?} {}",
                self.line, self.column, self.value, self.reason
            )
        }
    }
}

/// What went wrong, typed by what the caller can do about it.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The input data is wrong; nothing was written.
    #[error("{message}")]
    BadInput {
        message: String,
        hint: Option<String>,
    },
    /// An input file has bad rows; every one is listed and nothing was written.
    #[error("{} has {} bad row(s); nothing was written", .file, .rows.len())]
    BadRows { file: String, rows: Vec<RowError> },
    #[error("{what} not found")]
    NotFound { what: String, hint: Option<String> },
    /// Refused: wrong credentials, locked, expired, already registered, conflict.
    #[error("{reason}")]
    Refused {
        reason: String,
        hint: Option<String>,
    },
    /// The portal is in its monthly maintenance window.
    #[error("the portal is in its maintenance window until {until}")]
    Maintenance { until: String },
    /// A usage mistake that clap cannot see (a combination of options, say).
    #[error("{0}")]
    Usage(String),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl Error {
    pub fn bad_input(message: impl Into<String>) -> Self {
        Error::BadInput {
            message: message.into(),
            hint: None,
        }
    }

    pub fn not_found(what: impl Into<String>) -> Self {
        Error::NotFound {
            what: what.into(),
            hint: None,
        }
    }

    pub fn refused(reason: impl Into<String>) -> Self {
        Error::Refused {
            reason: reason.into(),
            hint: None,
        }
    }

    /// Adds a `help:` line telling the user what to do next.
    pub fn with_hint(mut self, text: impl Into<String>) -> Self {
        let text = Some(text.into());
        match &mut self {
            Error::BadInput { hint, .. }
            | Error::NotFound { hint, .. }
            | Error::Refused { hint, .. } => *hint = text,
            _ => {}
        }
        self
    }

    pub fn hint(&self) -> Option<&str> {
        match self {
            Error::BadInput { hint, .. }
            | Error::NotFound { hint, .. }
            | Error::Refused { hint, .. } => hint.as_deref(),
            _ => None,
        }
    }

    /// The process exit code documented in the README.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Internal(_) => exit::INTERNAL,
            Error::Usage(_) => exit::USAGE,
            Error::BadInput { .. } | Error::BadRows { .. } => exit::BAD_INPUT,
            Error::NotFound { .. } => exit::NOT_FOUND,
            Error::Refused { .. } => exit::REFUSED,
            Error::Maintenance { .. } => exit::UNAVAILABLE,
        }
    }
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        Error::Internal(anyhow::Error::new(e).context("database error"))
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::Internal(e.into())
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Exit codes, the same for every command (README, "Exit codes").
pub mod exit {
    pub const DONE: u8 = 0;
    pub const INTERNAL: u8 = 1;
    pub const USAGE: u8 = 2;
    pub const BAD_INPUT: u8 = 3;
    pub const NOT_FOUND: u8 = 4;
    pub const REFUSED: u8 = 5;
    pub const UNAVAILABLE: u8 = 6;
    pub const PARTIAL: u8 = 7;
}
