//! Daily bars from Yahoo Finance's chart API, through the `yahoo_finance_api` crate.

use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};
use yahoo_finance_api::{time::OffsetDateTime, YResponse, YahooConnector, YahooError};

use crate::data::http::Attempt;
use crate::ticker::Ticker;

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

/// Daily bars need a date in the exchange's time zone: a bar stamped at the open in Tokyo
/// (00:00 UTC) or New York (14:30 UTC) belongs to that local day, never to UTC midnight.
pub fn local_date(timestamp: i64, gmtoffset: i32) -> NaiveDate {
    let secs = timestamp + gmtoffset as i64;
    NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch") + Duration::days(secs.div_euclid(86_400))
}

fn missing_if_zero(v: f64) -> Option<f64> {
    (v.is_finite() && v > 0.0).then_some(v)
}

/// Turns a chart response into bars and events between `from` and `to` (local dates).
pub fn parse_history(
    response: &YResponse,
    symbol: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<History, FetchFailure> {
    let meta = response
        .metadata()
        .map_err(|e| classify(e, symbol).into_failure())?;
    let offset = meta.gmtoffset;
    let in_range = |d: NaiveDate| d >= from && d <= to;
    let quotes = match response.quotes() {
        Ok(q) => q,
        // A range with no trading day (a holiday week) answers with no timestamps at all.
        Err(YahooError::NoQuotes) => Vec::new(),
        Err(e) => return Err(classify(e, symbol).into_failure()),
    };
    let bars = quotes
        .iter()
        .map(|q| Bar {
            date: local_date(q.timestamp, offset),
            open: missing_if_zero(q.open),
            high: missing_if_zero(q.high),
            low: missing_if_zero(q.low),
            close: missing_if_zero(q.close),
            adj_close: missing_if_zero(q.adjclose),
            volume: Some(q.volume),
        })
        .filter(|b| in_range(b.date))
        .collect();
    let splits = response
        .splits()
        .unwrap_or_default()
        .iter()
        .filter(|s| s.numerator > 0.0 && s.denominator > 0.0)
        .map(|s| SplitEvent {
            date: local_date(s.date, offset),
            numerator: s.numerator,
            denominator: s.denominator,
        })
        .filter(|s| in_range(s.date))
        .collect();
    let dividends = response
        .dividends()
        .unwrap_or_default()
        .iter()
        .map(|d| DividendEvent {
            date: local_date(d.date, offset),
            amount: d.amount,
        })
        .filter(|d| in_range(d.date))
        .collect();
    Ok(History {
        bars,
        splits,
        dividends,
        timezone: Some(meta.exchange_timezone_name.clone()).filter(|s| !s.is_empty()),
        currency: meta.currency.clone(),
    })
}

/// Sorts a Yahoo error into retry-or-not, with a message that names the symbol.
fn classify(error: YahooError, symbol: &str) -> Attempt<FetchFailure> {
    use Attempt::{Permanent, Transient};
    let no_data = || {
        Permanent(FetchFailure::NoData(format!(
            "no data for {symbol} on Yahoo Finance"
        )))
    };
    match error {
        YahooError::ConnectionFailed(e) if e.is_timeout() => Transient(FetchFailure::Unreachable(
            format!("Yahoo Finance did not answer in time for {symbol}"),
        )),
        YahooError::ConnectionFailed(e) if e.is_connect() => {
            Transient(FetchFailure::Offline(format!(
                "cannot connect to Yahoo Finance for {symbol} ({})",
                root_cause(&e)
            )))
        }
        YahooError::ConnectionFailed(e) => Transient(FetchFailure::Unreachable(format!(
            "the connection to Yahoo Finance failed for {symbol}: {}",
            root_cause(&e)
        ))),
        YahooError::TooManyRequests(_) => Transient(FetchFailure::Unreachable(format!(
            "Yahoo Finance kept answering 429 Too Many Requests for {symbol}"
        ))),
        YahooError::ServerError(m) => Transient(FetchFailure::Unreachable(format!(
            "Yahoo Finance answered a server error for {symbol} ({})",
            m.split(',').next().unwrap_or(&m)
        ))),
        YahooError::EmptyResponse | YahooError::HtmlResponse | YahooError::NoResponse => {
            Transient(FetchFailure::BadAnswer(format!(
                "Yahoo Finance sent an empty or HTML page for {symbol}"
            )))
        }
        YahooError::DeserializeFailed(e) => Transient(FetchFailure::BadAnswer(format!(
            "Yahoo Finance's answer for {symbol} is not valid chart JSON ({e})"
        ))),
        YahooError::FetchFailed(m) if m.contains("404") => no_data(),
        YahooError::ApiError(m) if m.code.as_deref() == Some("Not Found") => no_data(),
        YahooError::NoResult => no_data(),
        other => Permanent(FetchFailure::BadAnswer(format!(
            "Yahoo Finance for {symbol}: {other}"
        ))),
    }
}

impl Attempt<FetchFailure> {
    fn into_failure(self) -> FetchFailure {
        match self {
            Attempt::Transient(f) | Attempt::Permanent(f) => f,
        }
    }
}

fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

fn utc_midnight(date: NaiveDate) -> OffsetDateTime {
    let ts = date
        .and_hms_opt(0, 0, 0)
        .expect("midnight")
        .and_utc()
        .timestamp();
    OffsetDateTime::from_unix_timestamp(ts).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// One chart request for `symbol` covering the local dates `from..=to`.
///
/// The request window is padded by a day on each side (time zones run from UTC-10 to UTC+14),
/// then the bars are filtered on their local dates.
pub async fn fetch_history(
    connector: &YahooConnector,
    symbol: &Ticker,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<History, Attempt<FetchFailure>> {
    let start = utc_midnight(from - Duration::days(1));
    let end = utc_midnight(to + Duration::days(2));
    let response = connector
        .get_quote_history(symbol.as_str(), start, end)
        .await
        .map_err(|e| classify(e, symbol.as_str()))?;
    // A response that arrived but does not parse will not parse better the next time.
    parse_history(&response, symbol.as_str(), from, to).map_err(Attempt::Permanent)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_are_dated_in_the_exchange_time_zone() {
        // 2025-01-27 09:30 New York = 14:30 UTC; offset -5 h.
        assert_eq!(
            local_date(1_737_988_200, -18_000),
            "2025-01-27".parse().unwrap()
        );
        // 2025-01-27 09:00 Tokyo = 2025-01-27 00:00 UTC... and 2025-01-28 09:00 Tokyo is
        // 2025-01-28 00:00 UTC; a bar stamped 23:00 UTC on the 27th is the 28th in Tokyo.
        assert_eq!(
            local_date(1_738_018_800, 32_400),
            "2025-01-28".parse().unwrap()
        );
        assert_eq!(local_date(1_738_018_800, 0), "2025-01-27".parse().unwrap());
    }

    fn response(json: serde_json::Value) -> YResponse {
        YResponse::from_json(json).unwrap()
    }

    fn meta() -> serde_json::Value {
        serde_json::json!({"currency":"USD","symbol":"X","exchangeName":"NMS","fullExchangeName":"Nasdaq",
            "instrumentType":"EQUITY","gmtoffset":-18000,"timezone":"EST","exchangeTimezoneName":"America/New_York",
            "hasPrePostMarketData":false,"priceHint":2,
            "currentTradingPeriod":{"pre":{"timezone":"EST","start":0,"end":0,"gmtoffset":-18000},
              "regular":{"timezone":"EST","start":0,"end":0,"gmtoffset":-18000},
              "post":{"timezone":"EST","start":0,"end":0,"gmtoffset":-18000}},
            "dataGranularity":"1d","range":"","validRanges":["1d"]})
    }

    #[test]
    fn null_holes_are_missing_days_and_zero_is_missing() {
        let ts = [1_737_988_200i64, 1_738_074_600, 1_738_161_000];
        let r = response(
            serde_json::json!({"chart":{"result":[{"meta":meta(),"timestamp":ts,
            "events":{"splits":{"1738074600":{"date":1738074600,"numerator":10,"denominator":1,"splitRatio":"10:1"}},
                      "dividends":{"1738161000":{"amount":0.01,"date":1738161000}}},
            "indicators":{"quote":[{"open":[1.0,null,3.0],"high":[1.0,null,3.0],"low":[1.0,null,3.0],
                "close":[1.5,null,3.5],"volume":[10,null,30]}],
              "adjclose":[{"adjclose":[1.4,null,0.0]}]}}],"error":null}}),
        );
        let h = parse_history(
            &r,
            "X",
            "2025-01-01".parse().unwrap(),
            "2025-02-01".parse().unwrap(),
        )
        .unwrap();
        assert_eq!(h.bars.len(), 2, "the null bar is skipped, not zero");
        assert_eq!(h.bars[0].date, "2025-01-27".parse().unwrap());
        assert_eq!(h.bars[0].adj_close, Some(1.4));
        assert_eq!(h.bars[1].date, "2025-01-29".parse().unwrap());
        assert_eq!(h.bars[1].adj_close, None, "adjclose 0 means missing");
        assert_eq!(
            h.splits,
            [SplitEvent {
                date: "2025-01-28".parse().unwrap(),
                numerator: 10.0,
                denominator: 1.0
            }]
        );
        assert_eq!(h.dividends[0].amount, 0.01);
        assert_eq!(h.timezone.as_deref(), Some("America/New_York"));
    }

    #[test]
    fn a_range_without_bars_is_empty_not_an_error() {
        let r = response(serde_json::json!({"chart":{"result":[{"meta":meta(),
            "indicators":{"quote":[{}],"adjclose":[{}]}}],"error":null}}));
        let h = parse_history(
            &r,
            "X",
            "2025-01-01".parse().unwrap(),
            "2025-01-02".parse().unwrap(),
        )
        .unwrap();
        assert!(h.bars.is_empty());
    }

    #[test]
    fn an_empty_result_is_no_data() {
        let r = response(serde_json::json!({"chart":{"result":[],"error":null}}));
        let e = parse_history(
            &r,
            "X",
            "2025-01-01".parse().unwrap(),
            "2025-01-02".parse().unwrap(),
        )
        .unwrap_err();
        assert!(matches!(e, FetchFailure::NoData(_)), "{e:?}");
    }
}
