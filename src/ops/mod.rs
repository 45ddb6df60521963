//! Library operations: each one validates its input, runs its rules and writes through `db`
//! inside one transaction, with its audit row. They never print and never parse flags.

pub mod backup;
pub mod expire;
pub mod mail;
pub mod mint;
pub mod notify;
pub mod setup;
