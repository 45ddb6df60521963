//! Library operations: each one validates its input, runs its rules and writes through `db`
//! inside one transaction, with its audit row. They never print and never parse flags.

pub mod audit_trail;
pub mod backup;
pub mod batches;
pub mod expire;
pub mod import;
pub mod issue;
pub mod mail;
pub mod member_status;
pub mod members;
pub mod mint;
pub mod notify;
pub mod portal;
pub mod reissue;
pub mod setup;
pub mod status;
pub mod unlock;
