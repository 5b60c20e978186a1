//! The trading calendar event time runs on (the benchmark's), and day-0 resolution.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime};
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
    /// The news came after the close of the data's last day: day 0, the next trading day, is
    /// not in the data yet.
    AfterTheLastDay { date: NaiveDate },
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
            ResolveError::AfterTheLastDay { date } => write!(
                f,
                "the news came after the close of {date}, the data's last day: day 0 is the next trading day, which the data does not have yet"
            ),
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

    /// [`resolve_day0`](Self::resolve_day0) and the rule that placed day 0.
    pub fn resolve_day0_with_rule(
        &self,
        date: NaiveDate,
        rule: NonTrading,
        after_close: bool,
    ) -> Result<(usize, Day0Rule), ResolveError> {
        let day0 = self.resolve_day0(date, rule, after_close)?;
        let applied = match self.dates.binary_search(&date) {
            Ok(_) if after_close => Day0Rule::AfterClose,
            Ok(_) => Day0Rule::TradingDay,
            Err(_) if rule == NonTrading::Previous => Day0Rule::PreviousTradingDay,
            Err(_) => Day0Rule::NextTradingDay,
        };
        Ok((day0, applied))
    }

    /// Day 0 of news that came out at the instant `at` (METHODS, "Event time with a clock"):
    /// placed in `session` in the exchange's time zone, before the open it is that day (if the
    /// day trades), during the session that day, after the close the next trading day; on a
    /// day without trading, the next trading day, the first session that could react. Returns
    /// day 0, the date of the instant on the exchange's clock, and the rule that applied.
    pub fn place_instant(
        &self,
        at: DateTime<FixedOffset>,
        session: &Session,
    ) -> Result<(usize, NaiveDate, Day0Rule), ResolveError> {
        let local = at.with_timezone(&session.zone);
        let (date, time) = (local.date_naive(), local.time());
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
        let (day0, rule) = match self.dates.binary_search(&date) {
            Ok(i) if time < session.open => (i, Day0Rule::PreMarket),
            Ok(i) if time < session.close => (i, Day0Rule::InSession),
            Ok(i) => (i + 1, Day0Rule::AfterClose),
            Err(_) if date < first || date > last => return Err(outside),
            Err(i) => (i, Day0Rule::NextTradingDay),
        };
        if day0 >= self.dates.len() {
            return Err(ResolveError::AfterTheLastDay { date });
        }
        Ok((day0, date, rule))
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
                    Err(ResolveError::AfterTheLastDay { date })
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

/// Which rule placed day 0, reported with it.
#[derive(bincode::Encode, bincode::Decode, Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Day0Rule {
    /// A date that is a trading day.
    #[serde(rename = "trading day")]
    TradingDay,
    /// A date or an instant on a day without trading (`--non-trading next`).
    #[serde(rename = "next trading day")]
    NextTradingDay,
    /// A date on a day without trading, `--non-trading previous`.
    #[serde(rename = "previous trading day")]
    PreviousTradingDay,
    /// An instant before the open of a trading day: that day.
    #[serde(rename = "pre-market")]
    PreMarket,
    /// An instant during the session: that day.
    #[serde(rename = "in session")]
    InSession,
    /// An instant after the close, or a date with `--after-close`: the next trading day.
    #[serde(rename = "after close")]
    AfterClose,
}

impl Day0Rule {
    pub fn as_str(self) -> &'static str {
        match self {
            Day0Rule::TradingDay => "trading day",
            Day0Rule::NextTradingDay => "next trading day",
            Day0Rule::PreviousTradingDay => "previous trading day",
            Day0Rule::PreMarket => "pre-market",
            Day0Rule::InSession => "in session",
            Day0Rule::AfterClose => "after close",
        }
    }
}

impl fmt::Display for Day0Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An exchange's regular session on its own clock.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Session {
    pub zone: chrono_tz::Tz,
    pub open: NaiveTime,
    pub close: NaiveTime,
}

impl Session {
    /// The regular hours METHODS assumes when the exchange says nothing else, 09:30 to 16:00
    /// on `zone`'s clock (half days are not known: news after 13:00 on one counts as in session).
    pub fn regular(zone: chrono_tz::Tz) -> Self {
        Session {
            zone,
            open: NaiveTime::from_hms_opt(9, 30, 0).expect("a valid time"),
            close: NaiveTime::from_hms_opt(16, 0, 0).expect("a valid time"),
        }
    }

    /// The default exchange: New York (NYSE, Nasdaq).
    pub fn new_york() -> Self {
        Session::regular(chrono_tz::America::New_York)
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

    /// The week of DeepSeek: Friday 24 January 2025, the weekend, Monday 27 to Wednesday 29.
    fn deepseek_week() -> TradingCalendar {
        let days = ["2025-01-24", "2025-01-27", "2025-01-28", "2025-01-29"];
        TradingCalendar::new(days.iter().map(|s| d(s)).collect()).unwrap()
    }

    fn placed(at: &str) -> (NaiveDate, NaiveDate, Day0Rule) {
        let cal = deepseek_week();
        let at = DateTime::parse_from_rfc3339(at).unwrap();
        let (day0, local, rule) = cal.place_instant(at, &Session::new_york()).unwrap();
        (cal.date(day0), local, rule)
    }

    /// Each case with the day 0 a reader of the news would pick (New York is UTC-5 in January).
    #[test]
    fn instants_are_placed_in_the_new_york_session() {
        // Sunday noon UTC: no session that day, Monday is the first to react.
        assert_eq!(
            placed("2025-01-26T12:00:00Z"),
            (d("2025-01-27"), d("2025-01-26"), Day0Rule::NextTradingDay)
        );
        // 08:00 in New York, before the open: that day.
        assert_eq!(
            placed("2025-01-27T13:00:00Z"),
            (d("2025-01-27"), d("2025-01-27"), Day0Rule::PreMarket)
        );
        // 09:30 sharp is the open: in session.
        assert_eq!(
            placed("2025-01-27T14:30:00Z"),
            (d("2025-01-27"), d("2025-01-27"), Day0Rule::InSession)
        );
        // 16:00 sharp is the close: after it, the next trading day.
        assert_eq!(
            placed("2025-01-27T21:00:00Z"),
            (d("2025-01-28"), d("2025-01-27"), Day0Rule::AfterClose)
        );
        // Friday 16:30: the next trading day is Monday.
        assert_eq!(
            placed("2025-01-24T16:30:00-05:00"),
            (d("2025-01-27"), d("2025-01-24"), Day0Rule::AfterClose)
        );
        // Qwen 2.5-Max: 01:00 on the 29th in Beijing is noon on the 28th in New York.
        assert_eq!(
            placed("2025-01-29T01:00:00+08:00"),
            (d("2025-01-28"), d("2025-01-28"), Day0Rule::InSession)
        );
        // 23:30 on the 27th in Los Angeles is 02:30 on the 28th in New York: pre-market.
        assert_eq!(
            placed("2025-01-27T23:30:00-08:00"),
            (d("2025-01-28"), d("2025-01-28"), Day0Rule::PreMarket)
        );
    }

    #[test]
    fn instants_past_the_data_or_after_its_last_close_are_outside() {
        let cal = deepseek_week();
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap();
        let ny = Session::new_york();
        assert!(cal.place_instant(at("2025-01-29T21:30:00Z"), &ny).is_err());
        assert!(cal.place_instant(at("2025-02-03T15:00:00Z"), &ny).is_err());
        // Another exchange's clock: 15:00 UTC is 16:00 in Frankfurt, after its close.
        let frankfurt = Session::regular(chrono_tz::Europe::Berlin);
        let (day0, _, rule) = cal
            .place_instant(at("2025-01-27T15:00:00Z"), &frankfurt)
            .unwrap();
        assert_eq!(
            (cal.date(day0), rule),
            (d("2025-01-28"), Day0Rule::AfterClose)
        );
    }

    #[test]
    fn dates_report_their_rule() {
        let cal = deepseek_week();
        let rule = |date: &str, non_trading, after_close| {
            cal.resolve_day0_with_rule(d(date), non_trading, after_close)
                .map(|(i, r)| (cal.date(i), r))
        };
        assert_eq!(
            rule("2025-01-27", NonTrading::Next, false),
            Ok((d("2025-01-27"), Day0Rule::TradingDay))
        );
        assert_eq!(
            rule("2025-01-25", NonTrading::Next, false),
            Ok((d("2025-01-27"), Day0Rule::NextTradingDay))
        );
        assert_eq!(
            rule("2025-01-25", NonTrading::Previous, false),
            Ok((d("2025-01-24"), Day0Rule::PreviousTradingDay))
        );
        assert_eq!(
            rule("2025-01-27", NonTrading::Next, true),
            Ok((d("2025-01-28"), Day0Rule::AfterClose))
        );
    }
}
