//! The calendar the portal runs by: Japanese public holidays (`holidays`) and the monthly
//! maintenance window, which moves back off weekends and holidays.

mod holidays;

pub use holidays::{holidays, is_business_day, is_holiday};

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};

use self::holidays::ymd;
use crate::clock;

/// The window's shape, from the settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WindowRule {
    pub day: u32,
    pub start_hour: u32,
    /// 24 means midnight at the end of the day.
    pub end_hour: u32,
}

/// One month's maintenance window.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Window {
    /// The JST date the window falls on (after any move).
    pub date: NaiveDate,
    /// The nominal date, when the window was moved off a weekend or holiday.
    pub moved_from: Option<NaiveDate>,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

fn jst_hour(date: NaiveDate, hour: u32) -> DateTime<Utc> {
    let midnight = date.and_hms_opt(0, 0, 0).expect("midnight exists");
    clock::jst()
        .from_local_datetime(&midnight)
        .single()
        .expect("JST has no gaps")
        .with_timezone(&Utc)
        + Duration::hours(i64::from(hour))
}

impl WindowRule {
    /// The window of a month: on `day`, moved back to the previous business day when that
    /// day is a Saturday, Sunday or public holiday.
    pub fn window(&self, year: i32, month: u32) -> Window {
        let nominal = ymd(year, month, self.day);
        let mut date = nominal;
        while !is_business_day(date) {
            date -= Duration::days(1);
        }
        Window {
            date,
            moved_from: (date != nominal).then_some(nominal),
            start: jst_hour(date, self.start_hour),
            end: jst_hour(date, self.end_hour),
        }
    }

    /// The window `now` falls in, if any.
    pub fn containing(&self, now: DateTime<Utc>) -> Option<Window> {
        let today = now.with_timezone(&clock::jst()).date_naive();
        let w = self.window(today.year(), today.month());
        (w.start <= now && now < w.end).then_some(w)
    }

    /// The next `count` windows that have not ended by `now` (the current one included).
    pub fn upcoming(&self, now: DateTime<Utc>, count: usize) -> Vec<Window> {
        let today = now.with_timezone(&clock::jst()).date_naive();
        let (mut y, mut m) = (today.year(), today.month());
        let mut out = Vec::with_capacity(count);
        while out.len() < count {
            let w = self.window(y, m);
            if w.end > now {
                out.push(w);
            }
            (y, m) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    fn year(list: &[&str]) -> Vec<NaiveDate> {
        list.iter().map(|t| d(t)).collect()
    }

    fn rule() -> WindowRule {
        WindowRule {
            day: 25,
            start_hour: 21,
            end_hour: 24,
        }
    }

    #[test]
    fn the_window_moves_back_off_weekends_and_holidays() {
        for (y, m, want) in [
            (2026, 1, "2026-01-23"),
            (2026, 4, "2026-04-24"),
            (2026, 10, "2026-10-23"),
            (2029, 2, "2029-02-22"),
            (2029, 11, "2029-11-22"),
        ] {
            let w = rule().window(y, m);
            assert_eq!(w.date, d(want), "{y}-{m}");
            assert_eq!(w.moved_from, Some(ymd(y, m, 25)));
        }
    }

    #[test]
    fn an_ordinary_month_keeps_the_25th_from_21_to_midnight_jst() {
        let w = rule().window(2026, 11);
        assert_eq!(w.date, d("2026-11-25"));
        assert_eq!(w.moved_from, None);
        assert_eq!(clock::to_db(w.start), "2026-11-25T12:00:00Z");
        assert_eq!(clock::to_db(w.end), "2026-11-25T15:00:00Z");
        assert_eq!(rule().window(2026, 2).date, d("2026-02-25"));
        assert_eq!(rule().window(2026, 12).date, d("2026-12-25"));
    }

    #[test]
    fn now_inside_the_window_is_found_and_its_edges_are_exact() {
        let at = |t: &str| DateTime::parse_from_rfc3339(t).unwrap().with_timezone(&Utc);
        assert!(rule().containing(at("2026-11-25T20:59:59+09:00")).is_none());
        assert!(rule().containing(at("2026-11-25T21:00:00+09:00")).is_some());
        assert!(rule().containing(at("2026-11-25T23:59:59+09:00")).is_some());
        assert!(rule().containing(at("2026-11-26T00:00:00+09:00")).is_none());
        assert!(rule().containing(at("2026-01-25T22:00:00+09:00")).is_none());
        assert!(rule().containing(at("2026-01-23T22:00:00+09:00")).is_some());
    }

    #[test]
    fn upcoming_lists_windows_that_have_not_ended() {
        let now = DateTime::parse_from_rfc3339("2026-11-25T22:00:00+09:00")
            .unwrap()
            .with_timezone(&Utc);
        let dates: Vec<NaiveDate> = rule().upcoming(now, 3).iter().map(|w| w.date).collect();
        assert_eq!(dates, year(&["2026-11-25", "2026-12-25", "2027-01-25"]));
    }
}
