//! Reads a received message back: unfolds headers, decodes RFC 2047 encoded words (B and Q)
//! and the body's transfer encoding (8bit, 7bit, base64, quoted-printable).

use base64::Engine as _;

#[derive(Debug, Clone)]
pub struct Parsed {
    /// Header names lower-cased, values unfolded and decoded, in order.
    pub headers: Vec<(String, String)>,
    /// Raw (undecoded, unfolded) header values, for checking the wire form.
    pub raw_headers: Vec<(String, String)>,
    /// The body as text, line ends as `\n`.
    pub body: String,
}

impl Parsed {
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn raw_header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.raw_headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }
}

pub fn parse(data: &[u8]) -> Parsed {
    let text = String::from_utf8(data.to_vec()).expect("message is UTF-8 or ASCII");
    let (head, body) = text
        .split_once("\r\n\r\n")
        .expect("a blank line between header and body");
    assert!(head.is_ascii(), "header section must be ASCII:\n{head}");
    let unfolded = head.replace("\r\n ", " ").replace("\r\n\t", " ");
    let raw_headers: Vec<(String, String)> = unfolded
        .split("\r\n")
        .map(|l| {
            let (n, v) = l.split_once(':').expect("header line has a colon");
            (n.trim().to_ascii_lowercase(), v.trim().to_string())
        })
        .collect();
    let headers = raw_headers
        .iter()
        .map(|(n, v)| (n.clone(), decode_words(v)))
        .collect();
    let mut parsed = Parsed {
        headers,
        raw_headers,
        body: String::new(),
    };
    let encoding = parsed
        .header("content-transfer-encoding")
        .unwrap_or("7bit")
        .to_ascii_lowercase();
    let bytes = match encoding.as_str() {
        "base64" => base64::engine::general_purpose::STANDARD
            .decode(body.split_whitespace().collect::<String>())
            .expect("base64 body"),
        "quoted-printable" => decode_qp(body),
        _ => body.as_bytes().to_vec(),
    };
    parsed.body = String::from_utf8(bytes)
        .expect("UTF-8 body")
        .replace("\r\n", "\n");
    parsed
}

/// Decodes `=?charset?B|Q?text?=` words; whitespace between two encoded words is dropped.
pub fn decode_words(value: &str) -> String {
    let mut out = String::new();
    let mut pending: Vec<u8> = Vec::new();
    let mut rest = value;
    while let Some(start) = rest.find("=?") {
        let before = &rest[..start];
        let word = &rest[start + 2..];
        let mut fields = word.splitn(3, '?');
        let (Some(_charset), Some(enc), Some(tail)) = (fields.next(), fields.next(), fields.next())
        else {
            break;
        };
        let Some(end) = tail.find("?=") else { break };
        let encoded = &tail[..end];
        // Text between two encoded words that is only whitespace belongs to neither.
        let between_words = before.trim().is_empty() && !pending.is_empty();
        if !between_words {
            out.push_str(&String::from_utf8(std::mem::take(&mut pending)).expect("UTF-8 word"));
            out.push_str(before);
        }
        match enc {
            "b" | "B" => pending.extend(
                base64::engine::general_purpose::STANDARD
                    .decode(encoded)
                    .expect("base64 word"),
            ),
            _ => pending.extend(decode_qp(&encoded.replace('_', " "))),
        }
        rest = &tail[end + 2..];
    }
    out.push_str(&String::from_utf8(pending).expect("UTF-8 word"));
    out.push_str(rest);
    out
}

fn decode_qp(text: &str) -> Vec<u8> {
    let text = text.replace("=\r\n", "");
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'='
            && let Some(b) = bytes
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok())
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}
