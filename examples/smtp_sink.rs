//! A loopback SMTP server for `scripts/bench-mail.sh`: the same server the mail tests use.
//! Writes its port to the file named by the first argument, then runs until it has
//! accepted the number of messages given as the second argument, and prints that count.

#[path = "../tests/mail_smtp/mod.rs"]
mod mail_smtp;

fn main() {
    let mut args = std::env::args().skip(1);
    let port_file = args.next().expect("usage: smtp_sink PORT_FILE EXPECTED");
    let expected: usize = args
        .next()
        .and_then(|n| n.parse().ok())
        .expect("usage: smtp_sink PORT_FILE EXPECTED");
    let server = mail_smtp::SmtpServer::start();
    server.discard_messages();
    std::fs::write(&port_file, server.addr.port().to_string()).expect("write port file");
    while server.accepted_count() < expected {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    println!("{}", server.accepted_count());
}
