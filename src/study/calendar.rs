//! The trading calendar event time runs on (the benchmark's), and day-0 resolution.

use chrono::NaiveDate;
use serde::Serialize;
use std::fmt;
use std::str::FromStr;

use crate::error::Error;

/// What to do when the event date is not a trading day (`--non-trading`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum NonTrading {
    /// Day 0 is the next trading day (news on a Saturday moves Monday's price).
    #[default]
    Next,
    /// Day 0 is the previous trading day.
    Previous,
    /// The event is excluded.
    Skip,
}

impl NonTrading {
    pub const NAMES: [&'static str; 3] = ["next", "previous", "skip"];
}

impl FromStr for NonTrading {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        match s {
            "next" => Ok(NonTrading::Next),
            "previous" => Ok(NonTrading::Previous),
            "skip" => Ok(NonTrading::Skip),
            _ => Err(Error::usage(format!(
                "--non-trading '{s}' is not one of next, previous, skip"
            ))),
        }
    }
}

impl fmt::Display for NonTrading {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NonTrading::Next => "next",
            NonTrading::Previous => "previous",
            NonTrading::Skip => "skip",
        })
    }
}

/// Why an event date could not be placed on the calendar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResolveError {
    /// The date is before the first or after the last trading day of the data.
    OutsideData { first: NaiveDate, last: NaiveDate },
    /// Not a trading day and `--non-trading skip` was asked for.
    NotTradingDay,
}

impl fmt::Display for ResolveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResolveError::OutsideData { first, last } => {
                write!(f, "event date is outside the data ({first} to {last})")
            }
            ResolveError::NotTradingDay => {
                write!(f, "event date is not a trading day (--non-trading skip)")
            }
        }
    }
}

/// Sorted, distinct trading dates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TradingCalendar {
    dates: Vec<NaiveDate>,
}

impl TradingCalendar {
    /// Builds a calendar; the dates must be strictly increasing.
    pub fn new(dates: Vec<NaiveDate>) -> Result<Self, Error> {
        if let Some(pair) = dates.windows(2).find(|p| p[0] >= p[1]) {
            return Err(Error::data(format!(
                "trading calendar is not strictly increasing at {} -> {}",
                pair[0], pair[1]
            )));
        }
        Ok(TradingCalendar { dates })
    }

    pub fn dates(&self) -> &[NaiveDate] {
        &self.dates
    }

    pub fn len(&self) -> usize {
        self.dates.len()
    }

    pub fn is_empty(&self) -> bool {
        self.dates.is_empty()
    }

    pub fn date(&self, index: usize) -> NaiveDate {
        self.dates[index]
    }

    /// The calendar index of day 0 for an event on `date`.
    ///
    /// A trading day is its own day 0. Otherwise `rule` picks the next or previous trading day,
    /// or skips the event. `after_close` (news after the closing bell) moves day 0 of a trading
    /// day to the next trading day; on a non-trading day there was no close that day, so only
    /// `rule` applies.
    pub fn resolve_day0(
        &self,
        date: NaiveDate,
        rule: NonTrading,
        after_close: bool,
    ) -> Result<usize, ResolveError> {
        let (first, last) = match (self.dates.first(), self.dates.last()) {
            (Some(&f), Some(&l)) => (f, l),
            _ => {
                return Err(ResolveError::OutsideData {
                    first: date,
                    last: date,
                })
            }
        };
        let outside = ResolveError::OutsideData { first, last };
        match self.dates.binary_search(&date) {
            Ok(i) if after_close => {
                if i + 1 < self.dates.len() {
                    Ok(i + 1)
                } else {
                    Err(outside)
                }
            }
            Ok(i) => Ok(i),
            Err(insert_at) => {
                if date < first || date > last {
                    return Err(outside);
                }
                match rule {
                    NonTrading::Next => Ok(insert_at),
                    NonTrading::Previous => Ok(insert_at - 1),
                    NonTrading::Skip => Err(ResolveError::NotTradingDay),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    /// Mid-January 2025: the weekend of the 11th-12th, and Thursday the 9th (markets closed for
    /// the national day of mourning) missing from the calendar.
    fn january_2025() -> TradingCalendar {
        let days = [
            "2025-01-06",
            "2025-01-07",
            "2025-01-08",
            "2025-01-10",
            "2025-01-13",
            "2025-01-14",
        ];
        TradingCalendar::new(days.iter().map(|s| d(s)).collect()).unwrap()
    }

    #[test]
    fn trading_day_is_its_own_day0() {
        let cal = january_2025();
        assert_eq!(
            cal.resolve_day0(d("2025-01-08"), NonTrading::Next, false),
            Ok(2)
        );
    }

    #[test]
    fn weekend_resolves_to_monday_or_friday() {
        let cal = january_2025();
        assert_eq!(
            cal.resolve_day0(d("2025-01-11"), NonTrading::Next, false),
            Ok(4)
        );
        assert_eq!(
            cal.resolve_day0(d("2025-01-12"), NonTrading::Previous, false),
            Ok(3)
        );
        assert_eq!(
            cal.resolve_day0(d("2025-01-12"), NonTrading::Skip, false),
            Err(ResolveError::NotTradingDay)
        );
    }

    #[test]
    fn holiday_resolves_around_the_gap() {
        let cal = january_2025();
        assert_eq!(
            cal.date(
                cal.resolve_day0(d("2025-01-09"), NonTrading::Next, false)
                    .unwrap()
            ),
            d("2025-01-10")
        );
        assert_eq!(
            cal.date(
                cal.resolve_day0(d("2025-01-09"), NonTrading::Previous, false)
                    .unwrap()
            ),
            d("2025-01-08")
        );
    }

    #[test]
    fn after_close_moves_to_the_next_trading_day() {
        let cal = january_2025();
        // Wednesday after the close: Thursday is a holiday, so Friday.
        assert_eq!(
            cal.resolve_day0(d("2025-01-08"), NonTrading::Next, true),
            Ok(3)
        );
        // A Saturday has no close: after-close changes nothing.
        assert_eq!(
            cal.resolve_day0(d("2025-01-11"), NonTrading::Next, true),
            Ok(4)
        );
        // After the close on the last day of the data: day 0 is not in the data yet.
        assert!(cal
            .resolve_day0(d("2025-01-14"), NonTrading::Next, true)
            .is_err());
    }

    #[test]
    fn outside_the_data() {
        let cal = january_2025();
        for date in ["2025-01-01", "2025-01-20"] {
            assert!(matches!(
                cal.resolve_day0(d(date), NonTrading::Next, false),
                Err(ResolveError::OutsideData { .. })
            ));
        }
    }

    #[test]
    fn rejects_unsorted_dates() {
        assert!(TradingCalendar::new(vec![d("2025-01-02"), d("2025-01-02")]).is_err());
    }
}
