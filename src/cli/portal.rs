//! `hagaki portal …`: the member-side steps, for support staff walking a member through them
//! and for scripted checks. Passwords come from stdin (or a prompt), never from arguments.

use std::io::{self, BufRead, IsTerminal, Write};

use clap::Subcommand;
use hagaki::ops::portal::{self, ForgotId, IdentityCheck, Registration};
use hagaki::settings::Settings;
use hagaki::{Error, Result, error::exit};
use serde::Serialize;

use super::App;
use super::output::Table;

/// The member portal's steps: login, identity check, registration, email confirmation,
/// forgot ID, forgot password, password change.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: PortalCommand,
}

#[derive(Debug, Subcommand)]
enum PortalCommand {
    /// Log in with a provisional ID or a user ID; the password is read from stdin. Prints a
    /// session token once.
    Login {
        /// Provisional ID (from the postcard) or the member's own user ID.
        #[arg(long)]
        id: String,
    },
    /// Identity check after a provisional login: insurer number, birth date, terms.
    Verify {
        #[arg(long)]
        session: String,
        /// 保険者番号, 8 digits (full-width digits accepted).
        #[arg(long)]
        insurer_number: String,
        /// Birth date of the insured person, YYYYMMDD.
        #[arg(long)]
        birth_date: String,
        /// Agree to the terms of use (required).
        #[arg(long)]
        agree_terms: bool,
    },
    /// Register the member's own user ID, password (stdin) and email.
    Register {
        #[arg(long)]
        session: String,
        #[arg(long)]
        user_id: String,
        #[arg(long)]
        email: String,
        /// Receive notice mail from the society.
        #[arg(long)]
        notice_mail: bool,
    },
    /// Confirm the email address with the code from the confirmation mail.
    ConfirmEmail { token: String },
    /// Mail the user ID to the confirmed address (the answer never says whether it matched).
    ForgotId {
        #[arg(long)]
        insurer_number: String,
        /// 記号 on the insurance card.
        #[arg(long)]
        symbol: String,
        /// 番号 on the insurance card.
        #[arg(long)]
        number: String,
        /// YYYYMMDD.
        #[arg(long)]
        birth_date: String,
    },
    /// Mail a temporary password to the confirmed address (the answer never says whether it
    /// matched).
    ForgotPassword {
        #[arg(long)]
        user_id: String,
        #[arg(long)]
        email: String,
    },
    /// Change the password. stdin: the new password, or the current one then the new one on
    /// the next line (needed unless the session came from a temporary-password login).
    ChangePassword {
        #[arg(long)]
        session: String,
    },
}

pub fn run(args: Args, app: &App) -> Result<u8> {
    let mut conn = app.open()?;
    let settings = Settings::load(&conn)?;
    let ctx = &app.ctx;
    let c = &mut conn;
    match args.command {
        PortalCommand::Login { id } => {
            let password = read_secret("password")?;
            let opened = portal::login(ctx, c, &settings, &id, &password)?;
            app.out.status(opened.next);
            show(app, &opened)?;
        }
        PortalCommand::Verify {
            session,
            insurer_number,
            birth_date,
            agree_terms,
        } => {
            let input = IdentityCheck {
                session: &session,
                insurer_number: &insurer_number,
                birth_date: &birth_date,
                agree_terms,
            };
            let verified = portal::verify(ctx, c, &settings, &input)?;
            app.out.status(verified.next);
            show(app, &verified)?;
        }
        PortalCommand::Register {
            session,
            user_id,
            email,
            notice_mail,
        } => {
            let password = read_new_password()?;
            let input = Registration {
                session: &session,
                user_id: &user_id,
                email: &email,
                password: &password,
                notice_mail,
            };
            let registered = portal::register(ctx, c, &settings, &input)?;
            app.out.status(registered.next);
            show(app, &registered)?;
        }
        PortalCommand::ConfirmEmail { token } => {
            show(app, &portal::confirm_email(ctx, c, &settings, &token)?)?;
        }
        PortalCommand::ForgotId {
            insurer_number,
            symbol,
            number,
            birth_date,
        } => {
            let input = ForgotId {
                insurer_number: &insurer_number,
                symbol: &symbol,
                number: &number,
                birth_date: &birth_date,
            };
            show(app, &portal::forgot_id(ctx, c, &settings, &input)?)?;
        }
        PortalCommand::ForgotPassword { user_id, email } => {
            show(
                app,
                &portal::forgot_password(ctx, c, &settings, &user_id, &email)?,
            )?;
        }
        PortalCommand::ChangePassword { session } => {
            let (current, new) = read_change()?;
            let changed =
                portal::change_password(ctx, c, &settings, &session, current.as_deref(), &new)?;
            show(app, &changed)?;
        }
    }
    Ok(exit::DONE)
}

/// A one-record result: JSON as is, a field/value table otherwise.
fn show<T: Serialize>(app: &App, value: &T) -> Result<()> {
    app.out.data(value, |v| {
        let json = serde_json::to_value(v).unwrap_or_default();
        let pairs = json.as_object().cloned().unwrap_or_default();
        Table::fields(pairs.into_iter().map(|(k, v)| match v {
            serde_json::Value::String(s) => (k, s),
            other => (k, other.to_string()),
        }))
    })
}

/// Reads one line from stdin; on a terminal, prompts on stderr with echo off.
fn read_secret(prompt: &str) -> Result<String> {
    let stdin = io::stdin();
    if stdin.is_terminal() {
        eprint!("{prompt}: ");
        io::stderr().flush()?;
        let _echo = EchoOff::new();
        let line = read_line(&mut stdin.lock())?;
        eprintln!();
        return Ok(line);
    }
    read_line(&mut stdin.lock())
}

fn read_line(input: &mut impl BufRead) -> Result<String> {
    let mut line = String::new();
    if input.read_line(&mut line)? == 0 {
        return Err(Error::bad_input("no password on stdin").with_hint("give it on one line"));
    }
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

/// A new password: typed twice on a terminal, one line from a pipe.
fn read_new_password() -> Result<String> {
    let first = read_secret("new password")?;
    if io::stdin().is_terminal() && read_secret("new password again")? != first {
        return Err(Error::bad_input("the two passwords differ"));
    }
    Ok(first)
}

/// For change-password: one line (new) or two (current, new) from a pipe; on a terminal,
/// the current password (empty after a temporary-password login) and the new one twice.
fn read_change() -> Result<(Option<String>, String)> {
    if io::stdin().is_terminal() {
        let current = read_secret("current password (empty after a temporary password)")?;
        let new = read_new_password()?;
        return Ok(((!current.is_empty()).then_some(current), new));
    }
    let lines: Vec<String> = io::stdin()
        .lock()
        .lines()
        .take(2)
        .collect::<io::Result<_>>()?;
    match lines.as_slice() {
        [new] => Ok((None, new.trim_end_matches('\r').to_string())),
        [current, new] => Ok((
            Some(current.trim_end_matches('\r').to_string()),
            new.trim_end_matches('\r').to_string(),
        )),
        _ => Err(Error::bad_input("no password on stdin")
            .with_hint("give the new password, or the current one then the new one, one a line")),
    }
}

/// Turns terminal echo off while a password is typed (through stty: no extra crate), and
/// back on when dropped.
struct EchoOff(bool);

impl EchoOff {
    fn new() -> Self {
        EchoOff(stty("-echo"))
    }
}

impl Drop for EchoOff {
    fn drop(&mut self) {
        if self.0 {
            stty("echo");
        }
    }
}

fn stty(arg: &str) -> bool {
    std::process::Command::new("stty")
        .arg(arg)
        .stdin(std::process::Stdio::inherit())
        .status()
        .is_ok_and(|s| s.success())
}
