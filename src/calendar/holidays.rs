//! Japanese public holidays, computed offline by the rules of 国民の祝日に関する法律.
//!
//! No maintained, offline holiday crate exists (holiday_jp 0.1.2 is a frozen data snapshot),
//! so the law's rules are computed here and pinned by tables of known years in the tests.
//! The equinox formula holds for 1980–2099; earlier years are not needed by a portal.

use chrono::{Datelike, Duration, NaiveDate, Weekday};

pub(super) fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a real calendar date")
}

/// The `nth` (1-based) Monday of a month: the Happy Monday holidays.
fn nth_monday(y: i32, m: u32, nth: u32) -> NaiveDate {
    let first = ymd(y, m, 1);
    let offset = (7 - i64::from(first.weekday().num_days_from_monday())) % 7;
    first + Duration::days(offset + 7 * (i64::from(nth) - 1))
}

/// 春分日 and 秋分日 by the usual approximation of the astronomical equinox (valid 1980–2099).
fn equinox_day(y: i32, base: f64) -> u32 {
    let n = f64::from(y - 1980);
    (base + 0.242194 * n - (n / 4.0).floor()).floor() as u32
}

/// The days named by the law itself (国民の祝日), without substitute or sandwiched days.
fn national_holidays(y: i32) -> Vec<NaiveDate> {
    let mut days = vec![ymd(y, 1, 1), ymd(y, 2, 11), ymd(y, 5, 3), ymd(y, 5, 5)];
    days.push(if y >= 2000 {
        nth_monday(y, 1, 2)
    } else {
        ymd(y, 1, 15)
    });
    // 天皇誕生日 follows the reigning emperor; 2019 had none.
    match y {
        ..=1988 => days.push(ymd(y, 4, 29)),
        1989..=2018 => days.push(ymd(y, 12, 23)),
        2019 => {}
        _ => days.push(ymd(y, 2, 23)),
    }
    days.push(ymd(y, 3, equinox_day(y, 20.8431)));
    days.push(ymd(y, 9, equinox_day(y, 23.2488)));
    // 4/29: 天皇誕生日 → みどりの日 (1989) → 昭和の日 (2007); 5/4 みどりの日 from 2007.
    if y >= 1989 {
        days.push(ymd(y, 4, 29));
    }
    if y >= 2007 {
        days.push(ymd(y, 5, 4));
    }
    // 海の日, 山の日 and スポーツの日 moved for the Tokyo Olympics in 2020 and 2021.
    match y {
        2020 => days.extend([ymd(y, 7, 23), ymd(y, 7, 24), ymd(y, 8, 10)]),
        2021 => days.extend([ymd(y, 7, 22), ymd(y, 7, 23), ymd(y, 8, 8)]),
        _ => {
            match y {
                1996..=2002 => days.push(ymd(y, 7, 20)),
                2003.. => days.push(nth_monday(y, 7, 3)),
                _ => {}
            }
            if y >= 2016 {
                days.push(ymd(y, 8, 11));
            }
            days.push(if y >= 2000 {
                nth_monday(y, 10, 2)
            } else {
                ymd(y, 10, 10)
            });
        }
    }
    days.push(if y >= 2003 {
        nth_monday(y, 9, 3)
    } else {
        ymd(y, 9, 15)
    });
    days.extend([ymd(y, 11, 3), ymd(y, 11, 23)]);
    // One-off holidays for the accession of the present emperor.
    if y == 2019 {
        days.extend([ymd(y, 5, 1), ymd(y, 10, 22)]);
    }
    days.sort();
    days.dedup();
    days
}

/// Every public holiday of a year, sorted: the law's days, 振替休日 (a holiday on a Sunday
/// moves the rest to the next day that is not a holiday) and 国民の休日 (a day between two
/// holidays).
pub fn holidays(y: i32) -> Vec<NaiveDate> {
    let named = national_holidays(y);
    let mut all = named.clone();
    // 国民の休日: an ordinary day whose day before and day after are both 国民の祝日.
    for pair in named.windows(2) {
        if pair[1] - pair[0] == Duration::days(2) {
            let between = pair[0] + Duration::days(1);
            if between.weekday() != Weekday::Sun {
                all.push(between);
            }
        }
    }
    for &day in &named {
        if day.weekday() == Weekday::Sun {
            let mut substitute = day + Duration::days(1);
            while all.contains(&substitute) {
                substitute += Duration::days(1);
            }
            all.push(substitute);
        }
    }
    all.sort();
    all.dedup();
    all
}

pub fn is_holiday(day: NaiveDate) -> bool {
    holidays(day.year()).contains(&day)
}

/// A weekday that is not a public holiday.
pub fn is_business_day(day: NaiveDate) -> bool {
    !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) && !is_holiday(day)
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

    // Cabinet Office (内閣府) lists of 国民の祝日 and 休日.
    #[test]
    fn holidays_of_2019_with_the_accession_days() {
        assert_eq!(
            holidays(2019),
            year(&[
                "2019-01-01",
                "2019-01-14",
                "2019-02-11",
                "2019-03-21",
                "2019-04-29",
                "2019-04-30",
                "2019-05-01",
                "2019-05-02",
                "2019-05-03",
                "2019-05-04",
                "2019-05-05",
                "2019-05-06",
                "2019-07-15",
                "2019-08-11",
                "2019-08-12",
                "2019-09-16",
                "2019-09-23",
                "2019-10-14",
                "2019-10-22",
                "2019-11-03",
                "2019-11-04",
                "2019-11-23",
            ])
        );
    }

    #[test]
    fn holidays_of_2020_and_2021_with_the_olympic_moves() {
        assert_eq!(
            holidays(2020),
            year(&[
                "2020-01-01",
                "2020-01-13",
                "2020-02-11",
                "2020-02-23",
                "2020-02-24",
                "2020-03-20",
                "2020-04-29",
                "2020-05-03",
                "2020-05-04",
                "2020-05-05",
                "2020-05-06",
                "2020-07-23",
                "2020-07-24",
                "2020-08-10",
                "2020-09-21",
                "2020-09-22",
                "2020-11-03",
                "2020-11-23",
            ])
        );
        assert_eq!(
            holidays(2021),
            year(&[
                "2021-01-01",
                "2021-01-11",
                "2021-02-11",
                "2021-02-23",
                "2021-03-20",
                "2021-04-29",
                "2021-05-03",
                "2021-05-04",
                "2021-05-05",
                "2021-07-22",
                "2021-07-23",
                "2021-08-08",
                "2021-08-09",
                "2021-09-20",
                "2021-09-23",
                "2021-11-03",
                "2021-11-23",
            ])
        );
    }

    #[test]
    fn holidays_of_2026_with_a_sandwiched_day() {
        assert_eq!(
            holidays(2026),
            year(&[
                "2026-01-01",
                "2026-01-12",
                "2026-02-11",
                "2026-02-23",
                "2026-03-20",
                "2026-04-29",
                "2026-05-03",
                "2026-05-04",
                "2026-05-05",
                "2026-05-06",
                "2026-07-20",
                "2026-08-11",
                "2026-09-21",
                "2026-09-22",
                "2026-09-23",
                "2026-10-12",
                "2026-11-03",
                "2026-11-23",
            ])
        );
    }

    #[test]
    fn holidays_of_2029() {
        assert_eq!(
            holidays(2029),
            year(&[
                "2029-01-01",
                "2029-01-08",
                "2029-02-11",
                "2029-02-12",
                "2029-02-23",
                "2029-03-20",
                "2029-04-29",
                "2029-04-30",
                "2029-05-03",
                "2029-05-04",
                "2029-05-05",
                "2029-07-16",
                "2029-08-11",
                "2029-09-17",
                "2029-09-23",
                "2029-09-24",
                "2029-10-08",
                "2029-11-03",
                "2029-11-23",
            ])
        );
    }

    #[test]
    fn equinoxes_match_the_published_days() {
        for (y, spring, autumn) in [
            (2000, 20, 23),
            (2012, 20, 22),
            (2024, 20, 22),
            (2025, 20, 23),
            (2027, 21, 23),
            (2030, 20, 23),
        ] {
            assert_eq!(equinox_day(y, 20.8431), spring, "{y} spring");
            assert_eq!(equinox_day(y, 23.2488), autumn, "{y} autumn");
        }
    }
}
