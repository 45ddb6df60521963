//! Dates as rosters write them: western (19790822, 1979-08-22, 1979/8/22) and Japanese era
//! forms (昭和54年8月22日, S54.8.22, the 7-digit era code 3540822), with era bounds checked.
//!
//! 明治 is taken to begin on 1868-01-25 (Gregorian for 明治元年1月1日): the era name was
//! proclaimed on 1868-10-23 but applied to the whole of that year, and registers (戸籍) use
//! 明治元年 dates from January on. Nobody in a roster today was born then; the bound matters
//! only so that 明治 dates are checked like every other era.

use chrono::{Datelike, NaiveDate};

/// One Japanese era: its names, its 7-digit code and the days it covers.
struct Era {
    name: &'static str,
    initial: char,
    code: u32,
    first: (i32, u32, u32),
    last: Option<(i32, u32, u32)>,
}

const ERAS: &[Era] = &[
    Era {
        name: "明治",
        initial: 'M',
        code: 1,
        first: (1868, 1, 25),
        last: Some((1912, 7, 29)),
    },
    Era {
        name: "大正",
        initial: 'T',
        code: 2,
        first: (1912, 7, 30),
        last: Some((1926, 12, 24)),
    },
    Era {
        name: "昭和",
        initial: 'S',
        code: 3,
        first: (1926, 12, 25),
        last: Some((1989, 1, 7)),
    },
    Era {
        name: "平成",
        initial: 'H',
        code: 4,
        first: (1989, 1, 8),
        last: Some((2019, 4, 30)),
    },
    Era {
        name: "令和",
        initial: 'R',
        code: 5,
        first: (2019, 5, 1),
        last: None,
    },
];

fn ymd((y, m, d): (i32, u32, u32)) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("era bounds are real dates")
}

/// The reason a value is refused, phrased to follow the quoted value:
/// `"昭和65年1月1日" is not a date (昭和 ended on 1989-01-07)`.
pub type Reason = String;

const SHAPES: &str =
    "is not a date (write 19790822, 1979-08-22, 1979/8/22, 昭和54年8月22日, S54.8.22 or 3540822)";

/// Parses an already-normalised (NFKC, trimmed) date.
pub fn parse(text: &str) -> Result<NaiveDate, Reason> {
    let t = text.trim();
    if t.is_empty() {
        return Err("is empty".to_string());
    }
    if let Some((era, rest)) = ERAS
        .iter()
        .find_map(|e| t.strip_prefix(e.name).map(|r| (e, r)))
    {
        return era_date(era, rest);
    }
    let first = t.chars().next().expect("not empty");
    if let Some(era) = ERAS
        .iter()
        .find(|e| e.initial == first.to_ascii_uppercase())
    {
        return era_date(era, &t[first.len_utf8()..]);
    }
    if t.bytes().all(|b| b.is_ascii_digit()) {
        return match t.len() {
            8 => western(num(&t[..4])?, num(&t[4..6])?, num(&t[6..])?),
            7 => {
                let code = num(&t[..1])?;
                let era = ERAS.iter().find(|e| e.code == code).ok_or_else(|| {
                    format!("is not a date (era code {code} is not 1 明治 to 5 令和)")
                })?;
                in_era(era, num(&t[1..3])?, num(&t[3..5])?, num(&t[5..])?)
            }
            _ => Err(SHAPES.to_string()),
        };
    }
    let parts: Vec<&str> = t.split(['-', '/', '.']).collect();
    match parts.as_slice() {
        [y, m, d] if y.len() == 4 => western(num(y)?, num(m)?, num(d)?),
        _ => Err(SHAPES.to_string()),
    }
}

fn num(s: &str) -> Result<u32, Reason> {
    let s = s.trim();
    if s.is_empty() || s.len() > 4 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(SHAPES.to_string());
    }
    s.parse().map_err(|_| SHAPES.to_string())
}

fn western(y: u32, m: u32, d: u32) -> Result<NaiveDate, Reason> {
    NaiveDate::from_ymd_opt(y as i32, m, d)
        .ok_or_else(|| format!("is not a date (there is no {y:04}-{m:02}-{d:02})"))
}

/// The part after the era name or initial: `54年8月22日`, `元年8月22日`, `54.8.22`, `54/8/22`.
fn era_date(era: &Era, rest: &str) -> Result<NaiveDate, Reason> {
    let rest = rest.trim();
    let (year, rest) = if let Some(r) = rest.strip_prefix('元') {
        (1, r)
    } else {
        let end = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        (num(&rest[..end])?, &rest[end..])
    };
    let rest = rest.trim_start_matches(['年', '.', '/', '-']);
    let parts: Vec<&str> = rest
        .trim_end_matches('日')
        .split(['月', '.', '/', '-'])
        .collect();
    match parts.as_slice() {
        [m, d] => in_era(era, year, num(m)?, num(d)?),
        _ => Err(SHAPES.to_string()),
    }
}

fn in_era(era: &Era, year: u32, m: u32, d: u32) -> Result<NaiveDate, Reason> {
    if year == 0 {
        return Err(format!(
            "is not a date ({} has no year 0; its first is 元年)",
            era.name
        ));
    }
    let first = ymd(era.first);
    let y = first.year() + year as i32 - 1;
    let date = NaiveDate::from_ymd_opt(y, m, d).ok_or_else(|| {
        format!(
            "is not a date (there is no {}{}年{m}月{d}日)",
            era.name,
            year_text(year)
        )
    })?;
    if date < first {
        return Err(format!(
            "is not a date ({} began on {})",
            era.name,
            first.format("%Y-%m-%d")
        ));
    }
    if let Some(last) = era.last.map(ymd)
        && date > last
    {
        return Err(format!(
            "is not a date ({} ended on {})",
            era.name,
            last.format("%Y-%m-%d")
        ));
    }
    Ok(date)
}

fn year_text(year: u32) -> String {
    if year == 1 {
        "元".to_string()
    } else {
        year.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn reads_every_western_form() {
        assert_eq!(parse("19790822"), Ok(d(1979, 8, 22)));
        assert_eq!(parse("1979-08-22"), Ok(d(1979, 8, 22)));
        assert_eq!(parse("1979/8/22"), Ok(d(1979, 8, 22)));
        assert_eq!(parse("1979.8.2"), Ok(d(1979, 8, 2)));
    }

    #[test]
    fn reads_every_era_form() {
        assert_eq!(parse("昭和54年8月22日"), Ok(d(1979, 8, 22)));
        assert_eq!(parse("S54.8.22"), Ok(d(1979, 8, 22)));
        assert_eq!(parse("s54/08/22"), Ok(d(1979, 8, 22)));
        assert_eq!(parse("3540822"), Ok(d(1979, 8, 22)));
        assert_eq!(parse("平成元年1月8日"), Ok(d(1989, 1, 8)));
        assert_eq!(parse("H1.1.8"), Ok(d(1989, 1, 8)));
        assert_eq!(parse("R元.5.1"), Ok(d(2019, 5, 1)));
        assert_eq!(parse("5010501"), Ok(d(2019, 5, 1)));
        assert_eq!(parse("大正元年7月30日"), Ok(d(1912, 7, 30)));
        assert_eq!(parse("T15.12.24"), Ok(d(1926, 12, 24)));
        assert_eq!(parse("明治45年7月29日"), Ok(d(1912, 7, 29)));
        assert_eq!(parse("M1.1.25"), Ok(d(1868, 1, 25)));
    }

    #[test]
    fn refuses_dates_outside_their_era() {
        assert_eq!(
            parse("昭和65年1月1日"),
            Err("is not a date (昭和 ended on 1989-01-07)".to_string())
        );
        assert_eq!(
            parse("昭和64年1月8日"),
            Err("is not a date (昭和 ended on 1989-01-07)".to_string())
        );
        assert_eq!(parse("昭和64年1月7日"), Ok(d(1989, 1, 7)));
        assert_eq!(
            parse("平成元年1月7日"),
            Err("is not a date (平成 began on 1989-01-08)".to_string())
        );
        assert_eq!(
            parse("H31.5.1"),
            Err("is not a date (平成 ended on 2019-04-30)".to_string())
        );
        assert_eq!(
            parse("令和元年4月30日"),
            Err("is not a date (令和 began on 2019-05-01)".to_string())
        );
        assert_eq!(
            parse("大正元年7月29日"),
            Err("is not a date (大正 began on 1912-07-30)".to_string())
        );
        assert_eq!(
            parse("6010101"),
            Err("is not a date (era code 6 is not 1 明治 to 5 令和)".to_string())
        );
        assert_eq!(
            parse("S0.1.1"),
            Err("is not a date (昭和 has no year 0; its first is 元年)".to_string())
        );
    }

    #[test]
    fn refuses_days_that_do_not_exist() {
        assert_eq!(
            parse("19790230"),
            Err("is not a date (there is no 1979-02-30)".to_string())
        );
        assert_eq!(
            parse("昭和54年2月30日"),
            Err("is not a date (there is no 昭和54年2月30日)".to_string())
        );
        assert_eq!(
            parse("1979-13-01").unwrap_err(),
            "is not a date (there is no 1979-13-01)"
        );
        assert_eq!(parse("79/8/22"), Err(SHAPES.to_string()));
        assert_eq!(parse("yesterday"), Err(SHAPES.to_string()));
        assert_eq!(parse("昭和五十四年"), Err(SHAPES.to_string()));
    }
}
