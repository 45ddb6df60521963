//! Mail: the Japanese templates, MIME messages, the transports, and the outbox sender.

pub mod compose;
pub mod message;
pub mod sender;
pub mod templates;
pub mod transport;
