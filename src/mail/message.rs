//! Turning a rendered mail into a MIME message: UTF-8 text/plain body, RFC 2047 encoded
//! Subject and From name, Date and Message-ID (lettre's builder does the encoding).

use chrono::{DateTime, Utc};
use lettre::Message;
use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::{Body, Mailbox, SinglePart};

use crate::error::{Error, Result};
use crate::mail::templates::Rendered;

/// Who the mail is from and to, and its identity.
#[derive(Debug, Clone)]
pub struct Addressing<'a> {
    pub from_name: &'a str,
    pub from_addr: &'a str,
    pub to_addr: &'a str,
    pub message_id: &'a str,
    pub date: DateTime<Utc>,
}

/// A Message-ID for an outbox row: unique per attempt (a retry is a new message), and in
/// the sender's domain as RFC 5322 asks.
pub fn message_id(outbox_id: i64, from_addr: &str) -> String {
    let domain = from_addr
        .rsplit_once('@')
        .map_or("hagaki.invalid", |(_, d)| d);
    let nonce = &crate::secret::random_token()[..12];
    format!("<hagaki.{outbox_id}.{nonce}@{domain}>")
}

/// Builds the message. A bad address is a [`Error::BadInput`]: the mail can never be sent.
pub fn build(a: &Addressing<'_>, mail: &Rendered) -> Result<Message> {
    let from_addr = a
        .from_addr
        .parse()
        .map_err(|e| Error::bad_input(format!("sender address {:?}: {e}", a.from_addr)))?;
    let to: Mailbox = a
        .to_addr
        .parse()
        .map_err(|e| Error::bad_input(format!("recipient address {:?}: {e}", a.to_addr)))?;
    // 8bit keeps the text (and the confirmation URL) readable in the .eml files and costs
    // nothing: every server we hand mail to announces 8BITMIME. A line too long for 8bit
    // (a notice body) falls back to the encoding lettre finds best.
    let body = Body::new_with_encoding(mail.body.clone(), ContentTransferEncoding::EightBit)
        .unwrap_or_else(|_| Body::new(mail.body.clone()));
    Message::builder()
        .from(Mailbox::new(Some(a.from_name.to_string()), from_addr))
        .to(to)
        .subject(mail.subject.clone())
        .date(a.date.into())
        .message_id(Some(a.message_id.to_string()))
        .singlepart(
            SinglePart::builder()
                .header(ContentType::TEXT_PLAIN)
                .body(body),
        )
        .map_err(|e| Error::bad_input(format!("cannot build the message: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addressing<'a>(to: &'a str, id: &'a str) -> Addressing<'a> {
        Addressing {
            from_name: "ひまわり健康保険組合",
            from_addr: "portal@himawari.example.jp",
            to_addr: to,
            message_id: id,
            date: crate::clock::from_db("2026-11-18T01:00:00Z").unwrap(),
        }
    }

    #[test]
    fn headers_are_encoded_and_the_body_is_utf8_text() {
        let mail = Rendered {
            subject: "【ひまわり健康保険組合】お知らせ".into(),
            body: "本文\n".into(),
        };
        let id = message_id(7, "portal@himawari.example.jp");
        assert!(id.starts_with("<hagaki.7.") && id.ends_with("@himawari.example.jp>"));
        let raw = build(&addressing("taro@example.jp", &id), &mail)
            .unwrap()
            .formatted();
        let text = String::from_utf8(raw).unwrap();
        let head = text.split("\r\n\r\n").next().unwrap();
        assert!(head.is_ascii(), "headers must be ASCII: {head}");
        assert!(head.contains("Subject: =?utf-8?b?"), "{head}");
        assert!(head.contains("From: =?utf-8?b?"), "{head}");
        assert!(head.contains("<portal@himawari.example.jp>"));
        assert!(head.contains(&format!("Message-ID: {id}")));
        assert!(
            head.contains("Date: Wed, 18 Nov 2026 01:00:00 +0000"),
            "{head}"
        );
        assert!(head.contains("Content-Type: text/plain; charset=utf-8"));
        assert!(head.contains("Content-Transfer-Encoding: 8bit"));
        let body = text.split_once("\r\n\r\n").unwrap().1;
        assert_eq!(body.trim_end_matches("\r\n"), "本文", "{text}");
    }

    #[test]
    fn a_bad_recipient_address_is_bad_input() {
        let mail = Rendered {
            subject: "s".into(),
            body: "b".into(),
        };
        let err = build(&addressing("not an address", "<x@y>"), &mail).unwrap_err();
        assert!(matches!(err, Error::BadInput { .. }), "{err}");
    }
}
