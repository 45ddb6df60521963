//! Library operations: each one validates its input, runs its rules and writes through `db`
//! inside one transaction, with its audit row. They never print and never parse flags.

pub mod mint;
pub mod portal;
pub mod setup;
