//! A small real SMTP server on loopback for the mail tests and the mail benchmark: it speaks
//! EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP and QUIT over TCP, and answers by recipient:
//! a local part starting `tempfail` gets 451 at RCPT, `reject` gets 550 at RCPT, and
//! and the next N messages after `fail_next_data(N)` get 451 after their data was received
//! (recorded in `rejected`). Everything else is accepted and recorded in `received`.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// One message as the server got it.
#[derive(Debug, Clone)]
pub struct Received {
    pub mail_from: String,
    pub rcpt_to: Vec<String>,
    pub data: Vec<u8>,
}

#[derive(Default)]
struct Shared {
    received: Mutex<Vec<Received>>,
    rejected: Mutex<Vec<Received>>,
    accepted_count: AtomicUsize,
    connections: AtomicUsize,
    stop: AtomicBool,
    /// Keep message bytes (tests) or only count them (benchmark).
    keep: AtomicBool,
    delay_ms: AtomicUsize,
    data_failures_left: AtomicUsize,
}

pub struct SmtpServer {
    pub addr: SocketAddr,
    shared: Arc<Shared>,
    accept: Option<JoinHandle<()>>,
}

impl SmtpServer {
    /// Listens on a free loopback port.
    pub fn start() -> Self {
        Self::start_on(0)
    }

    /// Listens on `port` (0: any free port).
    pub fn start_on(port: u16) -> Self {
        let listener = TcpListener::bind(("127.0.0.1", port)).expect("bind loopback");
        listener.set_nonblocking(true).expect("nonblocking");
        let addr = listener.local_addr().unwrap();
        let shared = Arc::new(Shared::default());
        shared.keep.store(true, Ordering::SeqCst);
        let s = Arc::clone(&shared);
        let accept = std::thread::spawn(move || {
            while !s.stop.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        s.connections.fetch_add(1, Ordering::SeqCst);
                        let s = Arc::clone(&s);
                        std::thread::spawn(move || {
                            let _ = serve(stream, &s);
                        });
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        SmtpServer {
            addr,
            shared,
            accept: Some(accept),
        }
    }

    /// The `HAGAKI_SMTP_URL` for this server.
    pub fn url(&self) -> String {
        format!("smtp://{}", self.addr)
    }

    /// Only count messages, do not keep them (benchmarks).
    pub fn discard_messages(&self) {
        self.shared.keep.store(false, Ordering::SeqCst);
    }

    /// Waits this long before answering each message's data (to make runs overlap).
    pub fn delay_each_message(&self, ms: usize) {
        self.shared.delay_ms.store(ms, Ordering::SeqCst);
    }

    /// The next `n` messages are refused with 451 after their data arrived.
    pub fn fail_next_data(&self, n: usize) {
        self.shared.data_failures_left.store(n, Ordering::SeqCst);
    }

    pub fn received(&self) -> Vec<Received> {
        self.shared.received.lock().unwrap().clone()
    }

    pub fn rejected(&self) -> Vec<Received> {
        self.shared.rejected.lock().unwrap().clone()
    }

    pub fn accepted_count(&self) -> usize {
        self.shared.accepted_count.load(Ordering::SeqCst)
    }

    /// TCP connections accepted so far (connection reuse shows as fewer than messages).
    pub fn connections(&self) -> usize {
        self.shared.connections.load(Ordering::SeqCst)
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        if let Some(h) = self.accept.take() {
            let _ = h.join();
        }
    }
}

fn serve(stream: TcpStream, s: &Shared) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut out = stream.try_clone()?;
    let mut input = BufReader::new(stream);
    out.write_all(b"220 127.0.0.1 hagaki-test ESMTP\r\n")?;
    let mut mail_from = String::new();
    let mut rcpt_to: Vec<String> = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        if input.read_line(&mut line)? == 0 || s.stop.load(Ordering::SeqCst) {
            return Ok(());
        }
        let cmd = line.trim_end().to_string();
        let upper = cmd.to_ascii_uppercase();
        let reply: String = if upper.starts_with("EHLO") {
            "250-127.0.0.1\r\n250-8BITMIME\r\n250 SIZE 10485760\r\n".into()
        } else if upper.starts_with("HELO") || upper == "NOOP" {
            "250 OK\r\n".into()
        } else if upper.starts_with("RSET") {
            mail_from.clear();
            rcpt_to.clear();
            "250 OK\r\n".into()
        } else if upper.starts_with("MAIL FROM:") {
            mail_from = angle(&cmd);
            rcpt_to.clear();
            "250 2.1.0 OK\r\n".into()
        } else if upper.starts_with("RCPT TO:") {
            let to = angle(&cmd);
            let local = to.split('@').next().unwrap_or("").to_ascii_lowercase();
            if local.starts_with("tempfail") {
                "451 4.3.0 mailbox busy, try again later\r\n".into()
            } else if local.starts_with("reject") {
                "550 5.1.1 no such user here\r\n".into()
            } else {
                rcpt_to.push(to);
                "250 2.1.5 OK\r\n".into()
            }
        } else if upper == "DATA" {
            if rcpt_to.is_empty() {
                "503 5.5.1 no valid recipients\r\n".into()
            } else {
                out.write_all(b"354 end data with <CR><LF>.<CR><LF>\r\n")?;
                let data = read_data(&mut input)?;
                let delay = s.delay_ms.load(Ordering::SeqCst);
                if delay > 0 {
                    std::thread::sleep(Duration::from_millis(delay as u64));
                }
                let msg = Received {
                    mail_from: mail_from.clone(),
                    rcpt_to: std::mem::take(&mut rcpt_to),
                    data,
                };
                let fail = s
                    .data_failures_left
                    .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                    .is_ok();
                if fail {
                    s.rejected.lock().unwrap().push(msg);
                    "451 4.7.1 delivery deferred after data\r\n".into()
                } else {
                    s.accepted_count.fetch_add(1, Ordering::SeqCst);
                    if s.keep.load(Ordering::SeqCst) {
                        s.received.lock().unwrap().push(msg);
                    }
                    "250 2.0.0 queued\r\n".into()
                }
            }
        } else if upper == "QUIT" {
            out.write_all(b"221 2.0.0 bye\r\n")?;
            return Ok(());
        } else {
            "500 5.5.2 unknown command\r\n".into()
        };
        out.write_all(reply.as_bytes())?;
    }
}

/// The address between angle brackets in `MAIL FROM:<a> …` / `RCPT TO:<a>`.
fn angle(cmd: &str) -> String {
    let start = cmd.find('<').map_or(0, |i| i + 1);
    let end = cmd[start..].find('>').map_or(cmd.len(), |i| start + i);
    cmd[start..end].to_string()
}

/// Reads message data up to the lone `.` line, undoing dot-stuffing; lines end in CRLF.
fn read_data(input: &mut impl BufRead) -> std::io::Result<Vec<u8>> {
    let mut data = Vec::new();
    let mut line = Vec::new();
    loop {
        line.clear();
        if input.read_until(b'\n', &mut line)? == 0 {
            return Err(std::io::Error::other("connection closed in DATA"));
        }
        if line == b".\r\n" || line == b".\n" {
            return Ok(data);
        }
        let content = if line.starts_with(b"..") {
            &line[1..]
        } else {
            &line[..]
        };
        data.extend_from_slice(content);
    }
}
pub mod parse;
