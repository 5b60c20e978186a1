//! What one chart request yields, whichever reader read it: daily bars, splits, dividends,
//! and why a request failed.

use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};

/// One daily bar. Yahoo reports a missing value as 0 in some fields; those are `None` here.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub date: NaiveDate,
    pub open: Option<f64>,
    pub high: Option<f64>,
    pub low: Option<f64>,
    /// Split-adjusted close (as Yahoo's chart API reports it): market value.
    pub close: Option<f64>,
    /// Split- and dividend-adjusted close: returns.
    pub adj_close: Option<f64>,
    pub volume: Option<u64>,
}

/// A split: `numerator` new shares for every `denominator` old ones (NVDA 2024: 10 for 1).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SplitEvent {
    pub date: NaiveDate,
    pub numerator: f64,
    pub denominator: f64,
}

impl SplitEvent {
    /// Shares after the split per share before it.
    pub fn factor(&self) -> f64 {
        self.numerator / self.denominator
    }
}

/// A cash dividend on its ex-date.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DividendEvent {
    pub date: NaiveDate,
    pub amount: f64,
}

/// What one chart request returned.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct History {
    pub bars: Vec<Bar>,
    pub splits: Vec<SplitEvent>,
    pub dividends: Vec<DividendEvent>,
    pub timezone: Option<String>,
    pub currency: Option<String>,
    /// The answer was read by the tolerant reader: the typed one could not read it.
    pub tolerant: bool,
}

/// Why a fetch failed, as the user should read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchFailure {
    /// Yahoo has no such symbol (or no data for it).
    NoData(String),
    /// No connection could be made at all (no network, DNS failure, nothing listening).
    Offline(String),
    /// The server failed or did not answer in time; the message says how.
    Unreachable(String),
    /// Yahoo answered something unusable.
    BadAnswer(String),
}

impl FetchFailure {
    /// An answer that lacks a part the study needs.
    pub fn missing(symbol: &str, what: &str) -> Self {
        FetchFailure::BadAnswer(format!(
            "Yahoo Finance's chart answer for {symbol} has no {what}"
        ))
    }
}

/// The adjusted close is what returns are computed from; a close is no substitute.
pub const NO_ADJCLOSE: &str =
    "adjusted close (`indicators.adjclose`): returns need it, and the close is not a substitute";

/// Daily bars need a date in the exchange's time zone: a bar stamped at the open in Tokyo
/// (00:00 UTC) or New York (14:30 UTC) belongs to that local day, never to UTC midnight.
/// `None` for a timestamp outside the years a price can have (a corrupt answer).
pub fn local_date(timestamp: i64, gmtoffset: i32) -> Option<NaiveDate> {
    use chrono::Datelike;
    let secs = timestamp.checked_add(gmtoffset as i64)?;
    let date = NaiveDate::from_ymd_opt(1970, 1, 1)?
        .checked_add_signed(Duration::try_days(secs.div_euclid(86_400))?)?;
    crate::util::YEARS.contains(&date.year()).then_some(date)
}

impl FetchFailure {
    /// A timestamp that is no date: the answer is corrupt.
    pub fn bad_timestamp(symbol: &str, timestamp: i64) -> Self {
        FetchFailure::BadAnswer(format!(
            "Yahoo Finance's chart answer for {symbol} has a timestamp that is no date ({timestamp})"
        ))
    }
}
