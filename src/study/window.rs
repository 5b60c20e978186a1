//! Windows in event time: trading days relative to day 0, both ends inclusive.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use crate::error::Error;

/// `[start, end]` in trading days relative to day 0, inclusive (`-5:5` is eleven days).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RelWindow {
    pub start: i32,
    pub end: i32,
}

impl RelWindow {
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

    pub fn contains(&self, rel: i32) -> bool {
        (self.start..=self.end).contains(&rel)
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
                "window '{raw}' is not START:END in trading days, e.g. -5:5"
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
        write!(f, "{}:{}", self.start, self.end)
    }
}

impl Serialize for RelWindow {
    /// Serialised as `[start, end]`, as the JSON contract has it.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        [self.start, self.end].serialize(serializer)
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
        return Err(Error::usage("no CAR window given"));
    }
    Ok(windows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints() {
        let w: RelWindow = "-250:-11".parse().unwrap();
        assert_eq!((w.start, w.end, w.len()), (-250, -11, 240));
        assert_eq!(
            "+0:+1".parse::<RelWindow>().unwrap(),
            RelWindow { start: 0, end: 1 }
        );
        assert_eq!(w.to_string(), "-250:-11");
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
    fn list() {
        let list = parse_window_list("0:0,-1:1,0:1,-5:5").unwrap();
        assert_eq!(list.len(), 4);
        assert_eq!(list[1], RelWindow { start: -1, end: 1 });
    }
}
