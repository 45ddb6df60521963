//! Composing one outbox mail: reading what it needs, minting its secret (or a placeholder in
//! a dry run), rendering the template and building the MIME message. Also the dry run, which
//! writes what `mail send` would send.

use chrono::{DateTime, Utc};
use rusqlite::Connection;

use crate::Context;
use crate::clock;
use crate::db::{outbox, outbox::MailKind, outbox::OutboxRow};
use crate::error::{Error, Result};
use crate::mail::message::{self, Addressing};
use crate::mail::templates::{self, MailData, SECRET_PLACEHOLDER};
use crate::ops::mint;
use crate::settings::Settings;

/// What happened to one mail in a run.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MailOutcome {
    pub id: i64,
    pub kind: String,
    /// `sent`, `deferred`, `dead`, or `written` (dry run).
    pub outcome: &'static str,
    /// Attempts made so far, this one included.
    pub attempts: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_attempt_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
}

/// One mail rendered into a message, with the Message-ID it carries.
pub struct Prepared {
    pub message: lettre::Message,
    pub message_id: String,
}

/// Mints (unless `dry_run`), reads and renders one mail.
pub fn prepare(
    conn: &Connection,
    settings: &Settings,
    now: DateTime<Utc>,
    row: &OutboxRow,
    dry_run: bool,
) -> Result<Prepared> {
    let kind = MailKind::parse(&row.kind)
        .ok_or_else(|| Error::bad_input(format!("unknown mail kind {:?}", row.kind)))?;
    let recipient =
        match row.member_id {
            Some(m) => Some(outbox::recipient(conn, m)?.ok_or_else(|| {
                Error::bad_input(format!("member {m} of the mail no longer exists"))
            })?),
            None => None,
        };
    let member = || {
        row.member_id
            .ok_or_else(|| Error::bad_input(format!("{} mail has no member", row.kind)))
    };
    let (secret, valid_hours) = match kind {
        MailKind::ConfirmEmail if dry_run => (
            Some(SECRET_PLACEHOLDER.to_string()),
            settings.email_token_valid_hours,
        ),
        MailKind::TemporaryPassword if dry_run => (
            Some(SECRET_PLACEHOLDER.to_string()),
            settings.temporary_password_valid_hours,
        ),
        MailKind::ConfirmEmail => (
            Some(mint::confirmation_token(
                conn,
                settings,
                now,
                member()?,
                row.id,
                &row.to_addr,
            )?),
            settings.email_token_valid_hours,
        ),
        MailKind::TemporaryPassword => (
            Some(mint::temporary_password(
                conn,
                settings,
                now,
                member()?,
                row.id,
            )?),
            settings.temporary_password_valid_hours,
        ),
        _ => (None, 0),
    };
    let payload: serde_json::Value = serde_json::from_str(&row.payload)
        .map_err(|e| Error::bad_input(format!("payload is not JSON: {e}")))?;
    let rendered = templates::render(
        kind,
        &MailData {
            insurer_name: &settings.insurer_name,
            portal_url: &settings.portal_url,
            member_name: recipient.as_ref().map(|r| r.name.as_str()),
            user_id: recipient.as_ref().and_then(|r| r.user_id.as_deref()),
            secret: secret.as_deref(),
            valid_hours,
            now,
            payload: &payload,
        },
    )?;
    let message_id = message::message_id(row.id, &settings.mail_from);
    let message = message::build(
        &Addressing {
            from_name: &settings.insurer_name,
            from_addr: &settings.mail_from,
            to_addr: &row.to_addr,
            message_id: &message_id,
            date: now,
        },
        &rendered,
    )?;
    Ok(Prepared {
        message,
        message_id,
    })
}

/// The `.eml` file name of an outbox row.
pub fn file_name(id: i64) -> String {
    format!("mail-{id:08}.eml")
}

/// Renders due mail into `dir` as .eml files without sending, minting or changing the
/// outbox: secrets appear as a placeholder.
pub fn dry_run(
    ctx: &Context,
    conn: &Connection,
    dir: &std::path::Path,
    limit: Option<i64>,
) -> Result<Vec<MailOutcome>> {
    let settings = Settings::load(conn)?;
    let now = ctx.now();
    let rows = outbox::due(conn, &clock::to_db(now), limit.unwrap_or(i64::MAX))?;
    let mut outcomes = Vec::with_capacity(rows.len());
    for row in rows {
        let (file, error) = match prepare(conn, &settings, now, &row, true) {
            Ok(p) => {
                let path = crate::mail::transport::write_eml(
                    dir,
                    &file_name(row.id),
                    &p.message.formatted(),
                )?;
                (Some(path.display().to_string()), None)
            }
            Err(Error::BadInput { message, .. }) => (None, Some(message)),
            Err(e) => return Err(e),
        };
        outcomes.push(MailOutcome {
            id: row.id,
            kind: row.kind.clone(),
            outcome: if file.is_some() { "written" } else { "invalid" },
            attempts: row.attempts,
            next_attempt_at: None,
            error,
            message_id: None,
            file,
        });
    }
    Ok(outcomes)
}
