//! Notice mail: one queued mail per registered member with a confirmed email who opted in
//! to notices (the portal's 通知情報更新時のメール通知).

use rusqlite::Connection;

use crate::Context;
use crate::db::{self, outbox, outbox::MailKind};
use crate::error::{Error, Result};

/// Longest subject line; mail clients cut longer ones anyway.
pub const MAX_SUBJECT_CHARS: usize = 100;
/// Longest body line in bytes, so the body travels as 8bit text (RFC 5322 allows 998).
pub const MAX_LINE_BYTES: usize = 900;

#[derive(Debug, Clone, serde::Serialize)]
pub struct NotifySummary {
    pub queued: usize,
    pub subject: String,
}

/// Checks the notice text: a one-line subject and a non-empty body without over-long lines.
pub fn check(subject: &str, body: &str) -> Result<()> {
    let subject = subject.trim();
    if subject.is_empty() || subject.contains(['\r', '\n']) {
        return Err(Error::bad_input("--subject: must be one non-empty line"));
    }
    if subject.chars().count() > MAX_SUBJECT_CHARS {
        return Err(Error::bad_input(format!(
            "--subject: {} characters, more than {MAX_SUBJECT_CHARS}",
            subject.chars().count()
        )));
    }
    if body.trim().is_empty() {
        return Err(Error::bad_input("--body-file: the body is empty"));
    }
    if let Some((n, line)) = body
        .lines()
        .enumerate()
        .find(|(_, l)| l.len() > MAX_LINE_BYTES)
    {
        return Err(Error::bad_input(format!(
            "--body-file: line {}: {} bytes, more than {MAX_LINE_BYTES}",
            n + 1,
            line.len()
        ))
        .with_hint("break the line"));
    }
    Ok(())
}

/// Queues the notice to every opted-in member in one transaction, with one audit row.
pub fn notify(
    ctx: &Context,
    conn: &mut Connection,
    subject: &str,
    body: &str,
) -> Result<NotifySummary> {
    check(subject, body)?;
    let subject = subject.trim().to_string();
    let payload = serde_json::json!({ "subject": subject, "body": body });
    let now = ctx.now();
    let tx = db::write_tx(conn)?;
    let recipients = outbox::notice_recipients(&tx)?;
    for (member_id, email) in &recipients {
        outbox::enqueue(
            &tx,
            MailKind::Notice,
            Some(*member_id),
            email,
            &payload,
            now,
        )?;
    }
    ctx.audit(
        &tx,
        "notify",
        None,
        "ok",
        format!("{} notice mail(s) queued: {subject}", recipients.len()),
    )?;
    tx.commit()?;
    Ok(NotifySummary {
        queued: recipients.len(),
        subject,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_empty_multiline_or_long_text() {
        assert!(check("健診のご案内", "本文").is_ok());
        for (subject, body) in [
            ("", "本文"),
            ("a\nb", "本文"),
            ("件名", "  \n"),
            ("件名", &"あ".repeat(301)),
        ] {
            assert!(
                matches!(check(subject, body), Err(Error::BadInput { .. })),
                "{subject:?}"
            );
        }
        assert!(check(&"あ".repeat(101), "本文").is_err());
    }
}
