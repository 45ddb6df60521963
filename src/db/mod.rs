//! Opening the database (pragmas, migrations) and every SQL statement hagaki runs.
//!
//! Each table group has its own file; no other module writes SQL.

pub mod accounts;
pub mod audit;
pub mod batches;
pub mod credentials;
pub mod housekeeping;
pub mod import;
pub mod members;
pub mod outbox;
pub mod portal;
pub mod secrets;
pub mod sessions;
pub mod settings;
pub mod status;
pub mod support;

use std::path::Path;
use std::time::Duration;

use anyhow::Context as _;
use rusqlite::{Connection, Transaction, TransactionBehavior};

use crate::error::{Error, Result};

/// Schema migrations, applied in order; `PRAGMA user_version` counts how many have run.
/// Never edit one that has landed: add the next file.
const MIGRATIONS: &[&str] = &[
    include_str!("../../sql/0001_init.sql"),
    include_str!("../../sql/0002_members_without_row_hash.sql"),
];

/// Page size of new databases. SQLite's default is 4 KiB; 8 KiB pages hold a million members
/// in half as many pages, and a million-row import came out a little faster with them
/// (README, "Performance").
const PAGE_SIZE: i64 = 8192;

/// How long a writer waits for another writer before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// Opens an existing hagaki database and brings its schema up to date.
pub fn open(path: &Path) -> Result<Connection> {
    if !path.exists() {
        return Err(Error::not_found(format!("database {}", path.display()))
            .with_hint("create it with `hagaki init`, or name another with --db / HAGAKI_DB"));
    }
    let mut conn = connect(path, None)?;
    migrate(&mut conn)?;
    if crate::db::settings::get(&conn, "insurer_number")?.is_none() {
        return Err(
            Error::not_found(format!("initialised hagaki database at {}", path.display()))
                .with_hint("run `hagaki init` first"),
        );
    }
    Ok(conn)
}

/// Creates a new database file; refuses to touch one that already exists.
pub fn create(path: &Path) -> Result<Connection> {
    if path.exists() {
        return Err(
            Error::refused(format!("{} already exists", path.display())).with_hint(
                "choose another path with --db, or use `hagaki config set` to change settings",
            ),
        );
    }
    let mut conn = connect(path, Some(PAGE_SIZE))?;
    migrate(&mut conn)?;
    Ok(conn)
}

/// An in-memory database with the full schema, for unit tests.
pub fn in_memory() -> Result<Connection> {
    let mut conn = Connection::open_in_memory()?;
    conn.execute_batch("PRAGMA foreign_keys = ON;")?;
    migrate(&mut conn)?;
    Ok(conn)
}

/// Opens `path` with hagaki's pragmas. `new_page_size` is for a file being created: the page
/// size can only be chosen before the first page is written.
fn connect(path: &Path, new_page_size: Option<i64>) -> Result<Connection> {
    let conn = Connection::open(path)
        .with_context(|| format!("cannot open database {}", path.display()))?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    if let Some(size) = new_page_size {
        conn.pragma_update(None, "page_size", size)?;
    }
    // WAL lets readers (status, backup) run while a writer works; NORMAL sync is durable
    // across a process crash, which is what the crash-safety guarantees need.
    conn.execute_batch(
        "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = NORMAL;
         PRAGMA foreign_keys = ON;",
    )?;
    Ok(conn)
}

fn migrate(conn: &mut Connection) -> Result<()> {
    // Most opens find the schema current: check without the write lock, so that read-only
    // commands (status, audit, backup) never wait for a writer.
    let current: usize = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if current == MIGRATIONS.len() {
        return Ok(());
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let applied: usize = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if applied > MIGRATIONS.len() {
        return Err(Error::refused(format!(
            "the database has schema version {applied}, newer than this hagaki ({})",
            MIGRATIONS.len()
        ))
        .with_hint("use a newer hagaki"));
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(applied) {
        tx.execute_batch(sql)
            .with_context(|| format!("migration {} failed", i + 1))?;
    }
    // Only when something was applied: writing it unconditionally rewrites the file header
    // on every open, and a refused import must leave the database file byte for byte as it was.
    if applied < MIGRATIONS.len() {
        // user_version cannot be bound as a parameter; the value is our own integer.
        tx.execute_batch(&format!("PRAGMA user_version = {}", MIGRATIONS.len()))?;
    }
    tx.commit()?;
    Ok(())
}

/// Starts a write transaction that takes the write lock at once, so that a read-then-write
/// inside it can never be overtaken by another writer.
pub fn write_tx(conn: &mut Connection) -> Result<Transaction<'_>> {
    Ok(conn.transaction_with_behavior(TransactionBehavior::Immediate)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_migration_applies_to_an_empty_database() {
        let conn = in_memory().unwrap();
        let version: usize = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(version, MIGRATIONS.len());
        let tables: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'members'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(tables, 1);
    }

    #[test]
    fn members_of_a_first_version_database_keep_their_fields_without_row_hash() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(MIGRATIONS[0]).unwrap();
        conn.execute_batch(
            "PRAGMA user_version = 1;
             INSERT INTO members (symbol, number, branch, name, birth_date, row_hash, created_at,
                                  updated_at)
             VALUES ('1201', '101', '00', '山田 太郎', '1971-06-03', 'ab12', 't', 't');",
        )
        .unwrap();
        migrate(&mut conn).unwrap();
        let row: (String, String) = conn
            .query_row("SELECT name, birth_date FROM members", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap();
        assert_eq!(row, ("山田 太郎".to_string(), "1971-06-03".to_string()));
        let hash_columns: i64 = conn
            .query_row(
                "SELECT count(*) FROM pragma_table_info('members') WHERE name = 'row_hash'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(hash_columns, 0);
    }

    #[test]
    fn migrating_twice_changes_nothing() {
        let mut conn = in_memory().unwrap();
        migrate(&mut conn).unwrap();
        let version: usize = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(version, MIGRATIONS.len());
    }
}
