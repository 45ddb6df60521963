//! `hagaki maintenance`: the coming monthly maintenance windows of the portal.

use hagaki::ops::portal;
use hagaki::settings::Settings;
use hagaki::{Result, clock, error::exit};

use super::App;
use super::output::Table;

/// List the coming portal maintenance windows (Japan time). Admin commands are never
/// affected by a window.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// How many windows to list, the current one included.
    #[arg(long, default_value_t = 6, value_parser = clap::value_parser!(u16).range(1..=120))]
    next: u16,
}

#[derive(serde::Serialize)]
struct Shown {
    date: String,
    /// The nominal day, when the window moved off a weekend or holiday.
    moved_from: Option<String>,
    start: String,
    end: String,
    in_progress: bool,
}

pub fn run(args: Args, app: &App) -> Result<u8> {
    let conn = app.open()?;
    let settings = Settings::load(&conn)?;
    if !settings.maintenance_window {
        app.out
            .warn("maintenance_window is off: portal steps are not refused in these windows");
    }
    let now = app.ctx.now();
    let shown: Vec<Shown> = portal::window_rule(&settings)
        .upcoming(now, usize::from(args.next))
        .into_iter()
        .map(|w| Shown {
            date: w.date.to_string(),
            moved_from: w.moved_from.map(|d| d.to_string()),
            start: clock::show_jst(w.start),
            end: clock::show_jst(w.end),
            in_progress: w.start <= now && now < w.end,
        })
        .collect();
    app.out.data(&shown, |rows| {
        let mut t = Table::new(["date", "start", "end", "moved from", "now"]);
        for r in rows {
            t.row([
                r.date.clone(),
                r.start.clone(),
                r.end.clone(),
                r.moved_from.clone().unwrap_or_default(),
                if r.in_progress { "in progress" } else { "" }.to_string(),
            ]);
        }
        t
    })?;
    Ok(exit::DONE)
}
