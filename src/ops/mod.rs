//! Library operations: each one validates its input, runs its rules and writes through `db`
//! inside one transaction, with its audit row. They never print and never parse flags.

pub mod audit_trail;
pub mod member_status;
pub mod mint;
pub mod setup;
pub mod status;
pub mod unlock;
