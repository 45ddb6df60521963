//! hagaki: the back office of a Japanese health insurance society's member portal.
//!
//! Everything a web front end would also call lives here; the `hagaki` binary is a thin
//! command line over it. Data flows one way: `ops` (operations) → pure rule modules → `db`.

pub mod audit;
pub mod calendar;
pub mod clock;
pub mod credential;
pub mod db;
pub mod email;
pub mod error;
pub mod insurer;
pub mod lifecycle;
pub mod mail;
pub mod member_key;
pub mod ops;
pub mod policy;
pub mod printfile;
pub mod roster;
pub mod secret;
pub mod settings;
pub mod text;

pub use error::{Error, Result};

/// Who is acting and when: passed to every operation so that time and the audit actor come
/// from one place.
#[derive(Debug, Clone)]
pub struct Context {
    pub clock: clock::Clock,
    /// Recorded in the audit trail: a staff name, `portal`, or a job name.
    pub actor: String,
}

impl Context {
    pub fn new(clock: clock::Clock, actor: impl Into<String>) -> Self {
        Context {
            clock,
            actor: actor.into(),
        }
    }

    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }

    /// Appends an audit row (inside the caller's transaction).
    pub fn audit(
        &self,
        conn: &rusqlite::Connection,
        action: &str,
        member_id: Option<i64>,
        outcome: &str,
        detail: impl Into<String>,
    ) -> Result<i64> {
        audit::record(
            conn,
            self.now(),
            audit::Entry {
                actor: &self.actor,
                action,
                member_id,
                outcome,
                detail: detail.into(),
            },
        )
    }
}
