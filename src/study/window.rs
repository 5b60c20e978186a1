//! Windows in event time: trading days relative to day 0, both ends inclusive.

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use serde::Serialize;

use crate::error::Error;
use crate::study::calendar::TradingCalendar;

/// `[start, end]` in trading days relative to day 0, inclusive (`-5:5` is eleven days).
#[derive(bincode::Encode, bincode::Decode, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RelWindow {
    pub start: i32,
    pub end: i32,
}

impl RelWindow {
    /// `start:end`, without the formatting machinery (`Display` writes this too): every
    /// event's CAR rows are labelled with their window (four million labels in a large run).
    pub fn label(self) -> String {
        let mut digits = itoa::Buffer::new();
        let mut label = String::with_capacity(12);
        label.push_str(digits.format(self.start));
        label.push(':');
        label.push_str(digits.format(self.end));
        label
    }

    pub fn new(start: i32, end: i32) -> Result<Self, Error> {
        if start > end {
            return Err(Error::usage(format!(
                "window {start}:{end} ends before it starts"
            )));
        }
        Ok(RelWindow { start, end })
    }

    /// Number of trading days in the window.
    pub fn len(&self) -> usize {
        (self.end - self.start + 1) as usize
    }

    pub fn is_empty(&self) -> bool {
        false
    }

    /// Whether `other` lies wholly inside this window.
    pub fn contains(&self, other: RelWindow) -> bool {
        self.start <= other.start && other.end <= self.end
    }

    /// The calendar indices `[day0 + start, day0 + end]` clipped to `0..len`, or `None` when the
    /// window lies wholly outside the calendar.
    pub fn indices(&self, day0: usize, len: usize) -> Option<(usize, usize)> {
        let lo = (day0 as i64 + self.start as i64).max(0);
        let hi = (day0 as i64 + self.end as i64).min(len as i64 - 1);
        (lo <= hi).then_some((lo as usize, hi as usize))
    }
}

impl FromStr for RelWindow {
    type Err = Error;

    /// Accepts `START:END` (`-5:5`, `-250:-11`, `0:0`); `+` signs are allowed.
    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        let bad = || {
            Error::usage(format!(
                "window '{}' is not START:END in trading days, e.g. -5:5",
                crate::util::cut_for_message(raw, 40)
            ))
        };
        let (start, end) = raw.trim().split_once(':').ok_or_else(bad)?;
        let parse = |s: &str| s.trim().trim_start_matches('+').parse::<i32>();
        let (start, end) = (
            parse(start).map_err(|_| bad())?,
            parse(end).map_err(|_| bad())?,
        );
        if start.abs() > 100_000 || end.abs() > 100_000 {
            return Err(bad());
        }
        RelWindow::new(start, end)
    }
}

impl fmt::Display for RelWindow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label())
    }
}

impl Serialize for RelWindow {
    /// Serialised as `[start, end]`, as the JSON contract has it.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        [self.start, self.end].serialize(serializer)
    }
}

/// A window as trading days relative to day 0 (`-250:-11`) or as calendar dates
/// (`2019-04-01..2020-03-13`, both inclusive), resolved per event on its calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WindowSpec {
    Relative(RelWindow),
    Dates { from: NaiveDate, to: NaiveDate },
}

impl WindowSpec {
    /// The relative window of an event whose day 0 is `day0` on `calendar`: a date window
    /// covers the trading days from the first on or after `from` to the last on or before `to`.
    pub fn resolve(&self, calendar: &TradingCalendar, day0: usize) -> Result<RelWindow, String> {
        match *self {
            WindowSpec::Relative(w) => Ok(w),
            WindowSpec::Dates { from, to } => {
                let dates = calendar.dates();
                let first = dates.partition_point(|d| *d < from);
                let after_last = dates.partition_point(|d| *d <= to);
                if first >= after_last {
                    return Err(format!("no trading day between {from} and {to}"));
                }
                let rel = |i: usize| i as i32 - day0 as i32;
                Ok(RelWindow {
                    start: rel(first),
                    end: rel(after_last - 1),
                })
            }
        }
    }

    /// The relative window, when it does not depend on the event.
    pub fn relative(&self) -> Option<RelWindow> {
        match self {
            WindowSpec::Relative(w) => Some(*w),
            WindowSpec::Dates { .. } => None,
        }
    }
}

impl FromStr for WindowSpec {
    type Err = Error;

    /// `START:END` in trading days, or `YYYY-MM-DD..YYYY-MM-DD`.
    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        let Some((from, to)) = raw.trim().split_once("..") else {
            return raw.parse().map(WindowSpec::Relative);
        };
        let date = |s: &str| {
            crate::util::parse_day(s).map_err(|why| Error::usage(format!("window '{raw}': {why}")))
        };
        let (from, to) = (date(from)?, date(to)?);
        if from > to {
            return Err(Error::usage(format!(
                "window '{raw}' ends before it starts"
            )));
        }
        Ok(WindowSpec::Dates { from, to })
    }
}

impl fmt::Display for WindowSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WindowSpec::Relative(w) => w.fmt(f),
            WindowSpec::Dates { from, to } => write!(f, "{from}..{to}"),
        }
    }
}

impl Serialize for WindowSpec {
    /// `[start, end]` for a relative window, `"from..to"` for dates.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            WindowSpec::Relative(w) => w.serialize(serializer),
            WindowSpec::Dates { .. } => serializer.serialize_str(&self.to_string()),
        }
    }
}

/// Parses a comma-separated list of windows (`0:0,-1:1,0:1,-5:5`).
pub fn parse_window_list(raw: &str) -> Result<Vec<RelWindow>, Error> {
    let windows = raw
        .split(',')
        .filter(|p| !p.trim().is_empty())
        .map(str::parse)
        .collect::<Result<Vec<RelWindow>, _>>()?;
    if windows.is_empty() {
        return Err(Error::usage("no window given"));
    }
    // A window listed twice would be two columns of one name in every table.
    if let Some((_, w)) = windows
        .iter()
        .enumerate()
        .find(|(i, w)| windows[..*i].contains(w))
    {
        return Err(Error::usage(format!("window {w} is listed twice")));
    }
    Ok(windows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_label_is_start_colon_end() {
        for (start, end) in [
            (0, 0),
            (-1, 1),
            (-5, 5),
            (-250, -11),
            (i32::MIN, i32::MAX),
            (7, 12),
        ] {
            let w = RelWindow { start, end };
            assert_eq!(w.label(), format!("{start}:{end}"));
            assert_eq!(w.to_string(), w.label());
        }
        assert_eq!(RelWindow { start: -20, end: 3 }.label(), "-20:3");
    }

    #[test]
    fn parses_and_prints() {
        let w: RelWindow = "-250:-11".parse().unwrap();
        assert_eq!((w.start, w.end, w.len()), (-250, -11, 240));
        assert_eq!(
            "+0:+1".parse::<RelWindow>().unwrap(),
            RelWindow { start: 0, end: 1 }
        );
        assert_eq!(w.to_string(), "-250:-11");
        assert!(parse_window_list("0:0,-1:1,0:0")
            .unwrap_err()
            .to_string()
            .contains("0:0 is listed twice"));
        for bad in ["5", "a:b", "3:1", "-5..5", ""] {
            assert!(bad.parse::<RelWindow>().is_err(), "{bad}");
        }
    }

    #[test]
    fn indices_clip_to_calendar() {
        let w = RelWindow::new(-5, 5).unwrap();
        assert_eq!(w.indices(10, 100), Some((5, 15)));
        assert_eq!(w.indices(2, 100), Some((0, 7)));
        assert_eq!(w.indices(98, 100), Some((93, 99)));
        assert_eq!(RelWindow::new(-30, -20).unwrap().indices(5, 100), None);
    }

    #[test]
    fn date_windows_resolve_on_the_calendar() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        let cal = TradingCalendar::new(vec![
            d("2020-03-12"),
            d("2020-03-13"),
            d("2020-03-16"),
            d("2020-03-17"),
        ])
        .unwrap();
        let spec: WindowSpec = "2020-03-14..2020-03-17".parse().unwrap();
        // Day 0 = 2020-03-13 (index 1): the window starts Monday the 16th (+1) and ends the 17th (+2).
        assert_eq!(spec.resolve(&cal, 1), Ok(RelWindow { start: 1, end: 2 }));
        let before: WindowSpec = "2019-01-01..2020-03-12".parse().unwrap();
        assert_eq!(
            before.resolve(&cal, 2),
            Ok(RelWindow { start: -2, end: -2 })
        );
        let empty: WindowSpec = "2020-03-14..2020-03-15".parse().unwrap();
        assert!(empty.resolve(&cal, 1).is_err());
        assert_eq!(
            "-5:5".parse::<WindowSpec>().unwrap(),
            WindowSpec::Relative(RelWindow { start: -5, end: 5 })
        );
        assert!("2020-03-17..2020-03-01".parse::<WindowSpec>().is_err());
        assert!("2020-13-01..2020-03-01".parse::<WindowSpec>().is_err());
        assert_eq!(spec.to_string(), "2020-03-14..2020-03-17");
    }

    #[test]
    fn list() {
        let list = parse_window_list("0:0,-1:1,0:1,-5:5").unwrap();
        assert_eq!(list.len(), 4);
        assert_eq!(list[1], RelWindow { start: -1, end: 1 });
    }
}
