//! Intraday event time (METHODS, "Intraday: bars instead of days"): the interval, windows
//! written in bars or in time, and the calendar of bars a panel is laid on.
//!
//! A calendar of bars is the daily calendar's counterpart: one period per bar of the regular
//! session, each with its start (UTC seconds), the session it belongs to and its place in that
//! session. Relative bars count straight across nights, so bar -1 of a session's first bar is
//! the previous session's last. The engine still sees contiguous slices and indices.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveTime, Offset, TimeZone, Timelike};
use serde::Serialize;

use crate::error::Error;
use crate::study::calendar::{Day0Rule, Session};
use crate::study::window::RelWindow;

/// The bar length of a study (`--interval`): a day (the daily study) or minutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Interval {
    #[default]
    Day,
    Minutes(u32),
}

impl Interval {
    /// What `--interval` accepts, in order.
    pub const NAMES: [&'static str; 8] = ["1d", "1m", "2m", "5m", "15m", "30m", "60m", "90m"];

    pub fn is_intraday(self) -> bool {
        matches!(self, Interval::Minutes(_))
    }

    /// The bar length in minutes (`None` for a day).
    pub fn minutes(self) -> Option<u32> {
        match self {
            Interval::Day => None,
            Interval::Minutes(m) => Some(m),
        }
    }
}

impl FromStr for Interval {
    type Err = Error;
    fn from_str(raw: &str) -> Result<Self, Error> {
        match raw.trim() {
            "1d" => Ok(Interval::Day),
            text => text
                .strip_suffix('m')
                .and_then(|m| m.parse::<u32>().ok())
                .filter(|m| [1, 2, 5, 15, 30, 60, 90].contains(m))
                .map(Interval::Minutes)
                .ok_or_else(|| {
                    Error::usage(format!(
                        "--interval '{}' is not one of {}",
                        crate::util::cut_for_message(raw, 20),
                        Interval::NAMES.join(", ")
                    ))
                }),
        }
    }
}

impl fmt::Display for Interval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Interval::Day => f.write_str("1d"),
            Interval::Minutes(m) => write!(f, "{m}m"),
        }
    }
}

impl Serialize for Interval {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// One end of a window: a count of periods (`-30`) or a time (`-30m`, `2h`), which an
/// intraday interval turns into bars.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WindowEnd {
    Periods(i32),
    Minutes(i32),
}

impl WindowEnd {
    fn parse(raw: &str) -> Option<WindowEnd> {
        let text = raw.trim().trim_start_matches('+');
        let number = |s: &str| s.parse::<i32>().ok().filter(|n| n.abs() <= 100_000);
        if let Some(m) = text.strip_suffix('m') {
            return number(m).map(WindowEnd::Minutes);
        }
        if let Some(h) = text.strip_suffix('h') {
            return number(h)
                .and_then(|h| h.checked_mul(60))
                .map(WindowEnd::Minutes);
        }
        number(text).map(WindowEnd::Periods)
    }

    /// In bars of `minutes` minutes; a time the interval does not divide is an error.
    fn bars(self, minutes: u32) -> Result<i32, String> {
        match self {
            WindowEnd::Periods(n) => Ok(n),
            WindowEnd::Minutes(t) if t % minutes as i32 == 0 => Ok(t / minutes as i32),
            WindowEnd::Minutes(t) => Err(format!(
                "{t} minutes is not a whole number of {minutes}-minute bars"
            )),
        }
    }
}

impl fmt::Display for WindowEnd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WindowEnd::Periods(n) => write!(f, "{n}"),
            WindowEnd::Minutes(t) if t % 60 == 0 && *t != 0 => write!(f, "{}h", t / 60),
            WindowEnd::Minutes(t) => write!(f, "{t}m"),
        }
    }
}

/// A window as written: periods relative to day 0 or the event bar (`-30:120`), or times
/// (`-30m:2h`, `0:15m`) that become bars once the interval is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimedWindow {
    pub start: WindowEnd,
    pub end: WindowEnd,
}

impl TimedWindow {
    /// Whether either end is a time (only an intraday study takes one).
    pub fn has_time(&self) -> bool {
        matches!(self.start, WindowEnd::Minutes(_)) || matches!(self.end, WindowEnd::Minutes(_))
    }

    /// The window in periods: days for a daily study (no time allowed), bars for an intraday
    /// one.
    pub fn resolve(&self, interval: Interval) -> Result<RelWindow, Error> {
        let bars = |end: WindowEnd| match interval {
            Interval::Minutes(m) => end.bars(m),
            Interval::Day => match end {
                WindowEnd::Periods(n) => Ok(n),
                WindowEnd::Minutes(_) => Err("a window in time needs --interval".to_string()),
            },
        };
        let (start, end) = match (bars(self.start), bars(self.end)) {
            (Ok(s), Ok(e)) => (s, e),
            (Err(why), _) | (_, Err(why)) => {
                return Err(Error::usage(format!("window {self}: {why}")))
            }
        };
        RelWindow::new(start, end)
    }
}

impl FromStr for TimedWindow {
    type Err = Error;
    fn from_str(raw: &str) -> Result<Self, Error> {
        let bad = || {
            Error::usage(format!(
                "window '{}' is not START:END in periods (-30:120) or in time (-30m:2h)",
                crate::util::cut_for_message(raw, 40)
            ))
        };
        let (start, end) = raw.trim().split_once(':').ok_or_else(bad)?;
        let (start, end) = (
            WindowEnd::parse(start).ok_or_else(bad)?,
            WindowEnd::parse(end).ok_or_else(bad)?,
        );
        Ok(TimedWindow { start, end })
    }
}

impl fmt::Display for TimedWindow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.start, self.end)
    }
}

impl From<RelWindow> for TimedWindow {
    fn from(w: RelWindow) -> Self {
        TimedWindow {
            start: WindowEnd::Periods(w.start),
            end: WindowEnd::Periods(w.end),
        }
    }
}

/// A comma-separated list of windows (`0:0,0:15m,0:1h`).
pub fn parse_timed_windows(raw: &str) -> Result<Vec<TimedWindow>, Error> {
    let windows: Vec<TimedWindow> = raw
        .split(',')
        .filter(|w| !w.trim().is_empty())
        .map(str::parse)
        .collect::<Result<_, _>>()?;
    if windows.is_empty() {
        return Err(Error::usage("no window given"));
    }
    Ok(windows)
}

/// One bar as a source gives it: its start in UTC seconds, its close and the shares traded.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RawBar {
    pub start: i64,
    pub close: f64,
    pub volume: f64,
}

/// A series on a calendar of bars: each bar's last close and summed volume (NaN where the bar
/// had no trade).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BarSeries {
    pub close: Vec<f64>,
    pub volume: Vec<f64>,
}

/// The bars of the regular session, session by session (see the module's comment).
#[derive(Debug, Clone, PartialEq)]
pub struct BarCalendar {
    pub minutes: u32,
    pub session: Session,
    /// Each bar's start, UTC seconds.
    pub starts: Vec<i64>,
    /// Each bar's place in its session (0 = the first, which carries the overnight return).
    pub slot: Vec<u16>,
    /// Whether the bar is a session's first with a session before it: its return is overnight.
    pub overnight: Vec<bool>,
    /// Each session's date and its first bar's index, in order.
    pub sessions: Vec<(NaiveDate, usize)>,
}

/// Why bars cannot be laid on a calendar.
#[derive(Debug, Clone, PartialEq)]
pub enum BarError {
    /// The source's bars are coarser than the study asks for.
    TooCoarse { have: u32, want: u32 },
    /// The study's interval is not a whole number of the source's bars.
    NotAMultiple { have: u32, want: u32 },
    /// No bar falls in the regular session.
    NoSessionBars,
}

impl fmt::Display for BarError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BarError::TooCoarse { have, want } => write!(
                f,
                "the bars are {have}m, coarser than --interval {want}m: use --interval {have}m or finer data"
            ),
            BarError::NotAMultiple { have, want } => write!(
                f,
                "{want}m bars cannot be made of {have}m bars: use an interval that {have}m divides"
            ),
            BarError::NoSessionBars => f.write_str("no bar falls in the regular session"),
        }
    }
}

/// The bar spacing of a source in minutes: the most common gap between consecutive bars of
/// the same session (a quiet minute leaves a longer gap now and then). `None` with fewer than
/// two bars.
pub fn native_minutes(bars: &[RawBar]) -> Option<u32> {
    let mut counts: std::collections::BTreeMap<i64, usize> = Default::default();
    for w in bars.windows(2) {
        let gap = w[1].start - w[0].start;
        if gap > 0 && gap < 6 * 3600 && gap % 60 == 0 {
            *counts.entry(gap / 60).or_default() += 1;
        }
    }
    let (&best, _) = counts.iter().max_by_key(|(gap, n)| (**n, -**gap))?;
    u32::try_from(best).ok()
}

/// Checks that bars of `have` minutes make bars of `want` minutes.
pub fn check_resampling(have: u32, want: u32) -> Result<(), BarError> {
    if have > want {
        Err(BarError::TooCoarse { have, want })
    } else if !want.is_multiple_of(have) {
        Err(BarError::NotAMultiple { have, want })
    } else {
        Ok(())
    }
}

/// Where a bar falls on the session clock: its session date and slot, or `None` outside
/// the regular session.
fn locate(session: &Session, minutes: u32, start: i64) -> Option<(NaiveDate, u16)> {
    let at = session.zone.timestamp_opt(start, 0).single()?;
    let (date, time) = (at.date_naive(), at.time());
    if time < session.open || time >= session.close {
        return None;
    }
    let since_open = (time - session.open).num_seconds();
    u16::try_from(since_open / (60 * minutes as i64))
        .ok()
        .map(|slot| (date, slot))
}

impl BarCalendar {
    /// The calendar of `minutes`-minute bars that the series cover: every session in which
    /// any of them has a regular-session bar, each from the open to the last bar any of them
    /// has that day (a half day ends early). Bars outside the session are dropped. Each series
    /// is then resampled onto it: a bar's close is the last close inside it, volumes sum.
    pub fn build(
        series: &[&[RawBar]],
        minutes: u32,
        session: Session,
    ) -> Result<(BarCalendar, Vec<BarSeries>), BarError> {
        let mut lengths: std::collections::BTreeMap<NaiveDate, u16> = Default::default();
        for bars in series {
            for b in bars.iter() {
                if let Some((date, slot)) = locate(&session, minutes, b.start) {
                    let len = lengths.entry(date).or_default();
                    *len = (*len).max(slot + 1);
                }
            }
        }
        if lengths.is_empty() {
            return Err(BarError::NoSessionBars);
        }
        let mut calendar = BarCalendar {
            minutes,
            session,
            starts: Vec::new(),
            slot: Vec::new(),
            overnight: Vec::new(),
            sessions: Vec::with_capacity(lengths.len()),
        };
        for (k, (&date, &len)) in lengths.iter().enumerate() {
            calendar.sessions.push((date, calendar.starts.len()));
            let open = session
                .zone
                .from_local_datetime(&date.and_time(session.open))
                .earliest()
                .map_or(0, |t| t.timestamp());
            for slot in 0..len {
                calendar
                    .starts
                    .push(open + slot as i64 * 60 * minutes as i64);
                calendar.slot.push(slot);
                calendar.overnight.push(slot == 0 && k > 0);
            }
        }
        let laid = series.iter().map(|bars| calendar.lay(bars)).collect();
        Ok((calendar, laid))
    }

    /// Resamples one series onto the calendar (bars in any order: the latest close of a bar
    /// wins).
    fn lay(&self, bars: &[RawBar]) -> BarSeries {
        let n = self.starts.len();
        let mut out = BarSeries {
            close: vec![f64::NAN; n],
            volume: vec![f64::NAN; n],
        };
        let mut latest = vec![i64::MIN; n];
        for b in bars {
            let Some(i) = self.index_of_instant(b.start) else {
                continue;
            };
            if b.close.is_finite() && b.start >= latest[i] {
                out.close[i] = b.close;
                latest[i] = b.start;
            }
            if b.volume.is_finite() {
                let v = &mut out.volume[i];
                *v = if v.is_nan() { b.volume } else { *v + b.volume };
            }
        }
        out
    }

    /// The bar whose interval holds the instant (UTC seconds), if it is a bar of the calendar.
    pub fn index_of_instant(&self, at: i64) -> Option<usize> {
        let (date, slot) = locate(&self.session, self.minutes, at)?;
        let s = self.sessions.binary_search_by_key(&date, |s| s.0).ok()?;
        let first = self.sessions[s].1;
        let end = self.session_end(s);
        let i = first + slot as usize;
        (i < end).then_some(i)
    }

    pub fn len(&self) -> usize {
        self.starts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.starts.is_empty()
    }

    /// One past the last bar of session `s`.
    fn session_end(&self, s: usize) -> usize {
        self.sessions.get(s + 1).map_or(self.starts.len(), |n| n.1)
    }

    /// The session a bar belongs to.
    pub fn session_of(&self, index: usize) -> usize {
        self.sessions.partition_point(|s| s.1 <= index) - 1
    }

    /// The bar's start on the exchange's clock.
    pub fn local_start(&self, index: usize) -> DateTime<chrono_tz::Tz> {
        self.session
            .zone
            .timestamp_opt(self.starts[index], 0)
            .single()
            .expect("a bar's start is a valid instant")
    }

    /// The bar's start as ISO 8601 with the exchange's offset (`2025-01-27T09:30:00-05:00`),
    /// written field by field (a run writes a few hundred thousand of them).
    pub fn iso_start(&self, index: usize) -> String {
        let t = self.local_start(index);
        let offset = t.offset().fix().local_minus_utc();
        let (sign, offset) = if offset < 0 {
            ('-', -offset)
        } else {
            ('+', offset)
        };
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{sign}{:02}:{:02}",
            t.year(),
            t.month(),
            t.day(),
            t.hour(),
            t.minute(),
            t.second(),
            offset / 3600,
            offset % 3600 / 60
        )
    }

    /// `HH:MM` on the exchange's clock.
    pub fn clock(&self, index: usize) -> String {
        let t = self.local_start(index);
        format!("{:02}:{:02}", t.hour(), t.minute())
    }

    /// The event bar of news at `at` and the rule that placed it (METHODS): during the
    /// session the bar that holds it; before the open the session's first bar; after the
    /// close (or past a half day's last bar) the next session's first; on a day without a
    /// session, the next session's first.
    pub fn place(&self, at: DateTime<FixedOffset>) -> Result<(usize, Day0Rule), String> {
        let local = at.with_timezone(&self.session.zone);
        let (date, time) = (local.date_naive(), local.time());
        let (first, last) = (self.sessions[0].0, self.sessions[self.sessions.len() - 1].0);
        let next_session = |s: usize, rule: Day0Rule| match self.sessions.get(s) {
            Some(&(_, index)) => Ok((index, rule)),
            None => Err(format!(
                "{} is after the last session of the bars ({last}): no session to react in",
                local.format("%Y-%m-%d %H:%M %Z")
            )),
        };
        match self.sessions.binary_search_by_key(&date, |s| s.0) {
            Ok(s) if time < self.session.open => Ok((self.sessions[s].1, Day0Rule::PreMarket)),
            Ok(s) if time < self.session.close => match self.index_of_instant(at.timestamp()) {
                Some(i) => Ok((i, Day0Rule::InSession)),
                None => next_session(s + 1, Day0Rule::AfterClose),
            },
            Ok(s) => next_session(s + 1, Day0Rule::AfterClose),
            Err(_) if date < first => Err(format!(
                "{date} is before the first session of the bars ({first})"
            )),
            Err(s) => next_session(s, Day0Rule::NextTradingDay),
        }
    }

    /// The estimation bars of an event in session `s`: every bar of the `sessions` sessions
    /// before it (fewer when the data starts later), as a window relative to the event bar.
    /// `None` when no session comes before.
    pub fn estimation_window(&self, event_bar: usize, sessions: usize) -> Option<RelWindow> {
        let s = self.session_of(event_bar);
        if s == 0 {
            return None;
        }
        let first = self.sessions[s.saturating_sub(sessions)].1;
        let last = self.sessions[s].1 - 1;
        let rel = |i: usize| i as i32 - event_bar as i32;
        Some(RelWindow {
            start: rel(first),
            end: rel(last),
        })
    }
}

/// The regular session's open, for messages and the docs.
pub fn session_text(session: &Session) -> String {
    let hm = |t: NaiveTime| format!("{:02}:{:02}", t.hour(), t.minute());
    format!(
        "{}-{} {}",
        hm(session.open),
        hm(session.close),
        session.zone.name()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDateTime;

    fn ny(s: &str) -> i64 {
        let naive = NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap();
        chrono_tz::America::New_York
            .from_local_datetime(&naive)
            .unwrap()
            .timestamp()
    }

    fn bar(s: &str, close: f64) -> RawBar {
        RawBar {
            start: ny(s),
            close,
            volume: 10.0,
        }
    }

    #[test]
    fn intervals_and_windows_parse() {
        assert_eq!("5m".parse::<Interval>().unwrap(), Interval::Minutes(5));
        assert_eq!("1d".parse::<Interval>().unwrap(), Interval::Day);
        assert!("3m".parse::<Interval>().is_err());
        let w: TimedWindow = "-30m:2h".parse().unwrap();
        assert_eq!(
            w.resolve(Interval::Minutes(5)).unwrap(),
            RelWindow::new(-6, 24).unwrap()
        );
        assert_eq!(w.to_string(), "-30m:2h");
        let err = w.resolve(Interval::Minutes(90)).unwrap_err().to_string();
        assert!(
            err.contains("30 minutes is not a whole number of 90-minute bars"),
            "{err}"
        );
        assert!(w.resolve(Interval::Day).is_err());
        let plain: TimedWindow = "-5:+5".parse().unwrap();
        assert_eq!(
            plain.resolve(Interval::Day).unwrap(),
            RelWindow::new(-5, 5).unwrap()
        );
        assert!("0:15x".parse::<TimedWindow>().is_err());
        assert_eq!(parse_timed_windows("0:0,0:15m").unwrap().len(), 2);
    }

    /// Two sessions of 1-minute bars, one pre-market bar and one after-hours bar: the
    /// calendar keeps the regular bars, resamples to 5 minutes, and marks the overnight bar.
    #[test]
    fn calendar_resamples_and_marks_nights() {
        let mut bars = vec![bar("2025-01-24 09:00", 99.0), bar("2025-01-24 16:10", 98.0)];
        for (day, base) in [("2025-01-24", 100.0), ("2025-01-27", 90.0)] {
            for m in 0..10 {
                let t = format!("{day} 09:{:02}", 30 + m);
                bars.push(bar(&t, base + m as f64));
            }
        }
        bars.reverse(); // newest first, as some vendors write
        let (cal, laid) = BarCalendar::build(&[&bars], 5, Session::new_york()).unwrap();
        assert_eq!(cal.len(), 4);
        assert_eq!(cal.sessions.len(), 2);
        assert_eq!(cal.slot, [0, 1, 0, 1]);
        assert_eq!(cal.overnight, [false, false, true, false]);
        // A 5-minute bar's close is the last minute's; volumes sum.
        assert_eq!(laid[0].close, [104.0, 109.0, 94.0, 99.0]);
        assert_eq!(laid[0].volume, [50.0; 4]);
        assert_eq!(cal.clock(2), "09:30");
        assert_eq!(cal.iso_start(2), "2025-01-27T09:30:00-05:00");
        assert_eq!(cal.session_of(3), 1);
        assert_eq!(
            cal.estimation_window(3, 20),
            Some(RelWindow::new(-3, -2).unwrap())
        );
        assert_eq!(cal.estimation_window(1, 20), None);
    }

    #[test]
    fn events_are_placed_by_rule() {
        let bars: Vec<RawBar> = ["2025-01-24", "2025-01-27"]
            .iter()
            .flat_map(|d| {
                (0..390).map(move |m| {
                    let t = ny(&format!("{d} 09:30")) + 60 * m;
                    RawBar {
                        start: t,
                        close: 1.0,
                        volume: 1.0,
                    }
                })
            })
            .collect();
        let (cal, _) = BarCalendar::build(&[&bars], 1, Session::new_york()).unwrap();
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap();
        // 10:47:30 New York is minute 77 of the first session.
        assert_eq!(
            cal.place(at("2025-01-24T10:47:30-05:00")).unwrap(),
            (77, Day0Rule::InSession)
        );
        // The same instant in UTC.
        assert_eq!(
            cal.place(at("2025-01-24T15:47:30Z")).unwrap(),
            (77, Day0Rule::InSession)
        );
        assert_eq!(
            cal.place(at("2025-01-27T08:00:00-05:00")).unwrap(),
            (390, Day0Rule::PreMarket)
        );
        assert_eq!(
            cal.place(at("2025-01-24T16:05:00-05:00")).unwrap(),
            (390, Day0Rule::AfterClose)
        );
        assert_eq!(
            cal.place(at("2025-01-25T12:00:00-05:00")).unwrap(),
            (390, Day0Rule::NextTradingDay)
        );
        assert!(cal.place(at("2025-01-27T16:30:00-05:00")).is_err());
        assert!(cal.place(at("2025-01-20T12:00:00-05:00")).is_err());
    }

    #[test]
    fn spacing_and_resampling_rules() {
        let bars: Vec<RawBar> = [0, 5, 10, 20, 25]
            .iter()
            .map(|m| RawBar {
                start: 1_700_000_000 + 60 * m,
                close: 1.0,
                volume: 0.0,
            })
            .collect();
        assert_eq!(native_minutes(&bars), Some(5));
        assert_eq!(
            check_resampling(5, 1),
            Err(BarError::TooCoarse { have: 5, want: 1 })
        );
        assert_eq!(
            check_resampling(2, 5),
            Err(BarError::NotAMultiple { have: 2, want: 5 })
        );
        assert!(check_resampling(1, 90).is_ok());
    }
}
