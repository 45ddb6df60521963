//! Where mail goes: the transport `HAGAKI_SMTP_URL` names, and how a failure is classed.
//!
//! - `smtp://[user[:pass]@]host[:port]`: STARTTLS when the server offers it (port 25 by
//!   default; `?tls=required` refuses a server without it). With a user and password,
//!   STARTTLS is required: a password never crosses the network in clear;
//! - `smtps://[user[:pass]@]host[:port]`: TLS from the first byte (port 465 by default);
//! - `file:///DIR`: each message written to DIR as one `.eml` file.
//!
//! SMTP connections are pooled, so a run of mails reuses one connection.

use std::path::{Path, PathBuf};
use std::time::Duration;

use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::transport::smtp::{PoolConfig, SmtpTransport};
use lettre::{Message, Transport as _};

use crate::error::{Error, Result};

/// Below the database busy timeout (30 s): a mail is sent inside a write transaction, and
/// another writer must not give up waiting for a slow server.
const SMTP_TIMEOUT: Duration = Duration::from_secs(20);

/// A configured transport.
pub enum Transport {
    Smtp(SmtpTransport),
    File(PathBuf),
}

/// Why a send failed, and whether trying again later can help.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub class: FailureClass,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureClass {
    /// The server refused this mail for good (5xx): the mail is dead.
    Permanent,
    /// This mail was refused for now (4xx): retry it later.
    Transient,
    /// The server could not be reached or the connection broke: retry later, and do not
    /// try the rest of the run against the same dead server.
    Unreachable,
}

impl Transport {
    /// Parses a transport URL (see the module doc).
    /// `connections` is the most SMTP connections kept open at once (one per worker).
    pub fn from_url(url: &str, connections: u32) -> Result<Self> {
        let bad = |why: &str| Error::Usage(format!("HAGAKI_SMTP_URL={:?}: {why}", redact(url)));
        let (scheme, rest) = url
            .split_once("://")
            .ok_or_else(|| bad("expected smtp://, smtps:// or file:///DIR"))?;
        if scheme == "file" {
            if !rest.starts_with('/') {
                return Err(bad("a file URL needs an absolute directory: file:///DIR"));
            }
            return Ok(Transport::File(PathBuf::from(percent_decode(rest))));
        }
        let implicit_tls = match scheme {
            "smtp" => false,
            "smtps" => true,
            _ => return Err(bad("the scheme must be smtp, smtps or file")),
        };
        let (authority, query) = rest
            .trim_end_matches('/')
            .split_once('?')
            .map_or((rest.trim_end_matches('/'), None), |(a, q)| (a, Some(q)));
        let (userinfo, hostport) = match authority.rsplit_once('@') {
            Some((u, h)) => (Some(u), h),
            None => (None, authority),
        };
        let (host, port) = match hostport.rsplit_once(':') {
            Some((h, p)) => (h, Some(p.parse::<u16>().map_err(|_| bad("bad port"))?)),
            None => (hostport, None),
        };
        if host.is_empty() {
            return Err(bad("no host"));
        }
        let tls_params =
            TlsParameters::new(host.to_string()).map_err(|e| bad(&format!("TLS: {e}")))?;
        let tls = match (implicit_tls, query) {
            (true, _) => Tls::Wrapper(tls_params),
            (false, Some("tls=required")) => Tls::Required(tls_params),
            (false, None) if userinfo.is_some() => Tls::Required(tls_params),
            (false, None) => Tls::Opportunistic(tls_params),
            (false, Some(_)) => return Err(bad("the only option is ?tls=required")),
        };
        let mut builder = SmtpTransport::builder_dangerous(host)
            .port(port.unwrap_or(if implicit_tls { 465 } else { 25 }))
            .tls(tls)
            .timeout(Some(SMTP_TIMEOUT))
            .pool_config(PoolConfig::new().max_size(connections.max(1)));
        if let Some(userinfo) = userinfo {
            let (user, pass) = userinfo.split_once(':').unwrap_or((userinfo, ""));
            builder =
                builder.credentials(Credentials::new(percent_decode(user), percent_decode(pass)));
        }
        Ok(Transport::Smtp(builder.build()))
    }

    /// Hands one message over. `file_name` names it in a file transport.
    pub fn send(&self, message: &Message, file_name: &str) -> std::result::Result<(), Failure> {
        match self {
            Transport::Smtp(smtp) => smtp.send(message).map(drop).map_err(|e| classify(&e)),
            Transport::File(dir) => write_eml(dir, file_name, &message.formatted())
                .map(drop)
                .map_err(|e| Failure {
                    class: FailureClass::Unreachable,
                    message: format!("cannot write to {}: {e}", dir.display()),
                }),
        }
    }

    /// Closes pooled connections politely (QUIT).
    pub fn shutdown(&self) {
        if let Transport::Smtp(smtp) = self {
            smtp.shutdown();
        }
    }
}

fn classify(e: &lettre::transport::smtp::Error) -> Failure {
    let class = if e.is_permanent() {
        FailureClass::Permanent
    } else if e.is_transient() {
        FailureClass::Transient
    } else {
        FailureClass::Unreachable
    };
    let mut message = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    Failure { class, message }
}

/// Writes a message as `DIR/NAME` through a temporary name, so a reader of DIR never sees
/// half a message.
pub fn write_eml(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let path = dir.join(name);
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    std::io::Write::write_all(&mut tmp, bytes)?;
    tmp.persist(&path).map_err(|e| e.error)?;
    Ok(path)
}

/// The URL with its password hidden, for error messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let userinfo = &url[s + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_each_scheme() {
        assert!(matches!(
            Transport::from_url("file:///var/spool/hagaki", 1).unwrap(),
            Transport::File(p) if p == Path::new("/var/spool/hagaki")
        ));
        assert!(matches!(
            Transport::from_url("smtp://127.0.0.1:2525", 1).unwrap(),
            Transport::Smtp(_)
        ));
        assert!(matches!(
            Transport::from_url("smtps://u%40x:p%3Aw@mail.example.jp", 1).unwrap(),
            Transport::Smtp(_)
        ));
        assert!(matches!(
            Transport::from_url("smtp://h:25?tls=required", 1).unwrap(),
            Transport::Smtp(_)
        ));
    }

    #[test]
    fn refuses_bad_urls_without_showing_the_password() {
        for url in [
            "http://x",
            "file://relative",
            "smtp://:25",
            "smtp://h:port",
            "smtp://h?tls=maybe",
            "mail.example.jp",
        ] {
            assert!(
                matches!(Transport::from_url(url, 1), Err(Error::Usage(_))),
                "{url}"
            );
        }
        let Err(err) = Transport::from_url("smtp://user:hunter2@h:bad", 1) else {
            panic!("a bad port must be refused");
        };
        let text = err.to_string();
        assert!(
            text.contains("user:***@h:bad") && !text.contains("hunter2"),
            "{text}"
        );
    }

    #[test]
    fn percent_decoding_handles_escapes_and_stray_percent_signs() {
        assert_eq!(percent_decode("a%40b%3Ac%"), "a@b:c%");
        assert_eq!(percent_decode("%e6%97%a5"), "日");
    }
}
