//! Library operations: each one validates its input, runs its rules and writes through `db`
//! inside one transaction, with its audit row. They never print and never parse flags.

pub mod import;
pub mod members;
pub mod batches;
pub mod issue;
pub mod audit_trail;
pub mod member_status;
pub mod mint;
pub mod reissue;
pub mod portal;
pub mod backup;
pub mod expire;
pub mod mail;
pub mod mint;
pub mod notify;
pub mod setup;
pub mod status;
pub mod unlock;
