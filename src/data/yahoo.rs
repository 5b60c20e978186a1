//! Daily bars from Yahoo Finance's chart API, through the `yahoo_finance_api` crate, with the
//! tolerant reader ([`crate::data::tolerant`]) as the fallback when the crate's strict types
//! cannot read an answer.

use chrono::{Duration, NaiveDate};
use yahoo_finance_api::{time::OffsetDateTime, YResponse, YahooConnector, YahooError};

use crate::data::chart::NO_ADJCLOSE;
pub use crate::data::chart::{local_date, Bar, DividendEvent, FetchFailure, History, SplitEvent};
use crate::data::http::{read_capped, root_cause, Attempt, BodyError, MAX_ANSWER_BYTES};
use crate::data::tolerant::read_chart;
use crate::ticker::Ticker;

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
    if !quotes.is_empty() && !has_adjclose(response) {
        return Err(FetchFailure::missing(symbol, NO_ADJCLOSE));
    }
    let date_of = |timestamp: i64| {
        local_date(timestamp, offset).ok_or_else(|| FetchFailure::bad_timestamp(symbol, timestamp))
    };
    let mut bars = Vec::with_capacity(quotes.len());
    for q in &quotes {
        bars.push(Bar {
            date: date_of(q.timestamp)?,
            open: missing_if_zero(q.open),
            high: missing_if_zero(q.high),
            low: missing_if_zero(q.low),
            close: missing_if_zero(q.close),
            adj_close: missing_if_zero(q.adjclose),
            // The crate turns a null volume into 0: on a day without a close that is a day
            // without data, not one without trades.
            volume: (q.volume > 0 || q.close > 0.0).then_some(q.volume),
        });
    }
    bars.retain(|b| in_range(b.date));
    let mut splits = Vec::new();
    for s in response.splits().unwrap_or_default() {
        if s.numerator > 0.0 && s.denominator > 0.0 {
            splits.push(SplitEvent {
                date: date_of(s.date)?,
                numerator: s.numerator,
                denominator: s.denominator,
            });
        }
    }
    splits.retain(|s| in_range(s.date));
    let mut dividends = Vec::new();
    for d in response.dividends().unwrap_or_default() {
        dividends.push(DividendEvent {
            date: date_of(d.date)?,
            amount: d.amount,
        });
    }
    dividends.retain(|d| in_range(d.date));
    Ok(History {
        bars,
        splits,
        dividends,
        timezone: Some(meta.exchange_timezone_name.clone()).filter(|s| !s.is_empty()),
        currency: meta.currency.clone(),
        tolerant: false,
    })
}

/// Whether the answer carries an `adjclose` series at all: the typed reader reads a missing
/// one as zeros, which would pass for missing days.
fn has_adjclose(response: &YResponse) -> bool {
    let Some(block) = response.chart.result.as_ref().and_then(|r| r.first()) else {
        return false;
    };
    serde_json::to_value(&block.indicators)
        .ok()
        .and_then(|v| {
            v.get("adjclose")?
                .get(0)?
                .get("adjclose")
                .map(|a| a.is_array())
        })
        .unwrap_or(false)
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
        // A connection that cannot be made, in time or at all, is no network: the other
        // symbols are not retried (a connect timeout is a timeout and a connect error; it is
        // sorted here first, so it does not hold every symbol's lock for a minute each).
        YahooError::ConnectionFailed(e) if e.is_connect() => {
            Transient(FetchFailure::Offline(format!(
                "cannot connect to Yahoo Finance for {symbol} ({})",
                root_cause(&e)
            )))
        }
        YahooError::ConnectionFailed(e) if e.is_timeout() => Transient(FetchFailure::Unreachable(
            format!("Yahoo Finance did not answer in time for {symbol}"),
        )),
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

fn utc_midnight(date: NaiveDate) -> OffsetDateTime {
    let ts = date
        .and_hms_opt(0, 0, 0)
        .expect("midnight")
        .and_utc()
        .timestamp();
    OffsetDateTime::from_unix_timestamp(ts).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// Yahoo's chart endpoint, as `yahoo_finance_api` asks it.
pub const CHART_URL: &str = "https://query1.finance.yahoo.com/v8/finance/chart";

/// The two ways to a chart answer: the crate's typed request, and a plain HTTP client for the
/// same request when the typed answer cannot be read.
pub struct ChartClient {
    pub connector: YahooConnector,
    pub http: reqwest::Client,
}

/// The URL of a daily chart request, as the crate builds it.
pub fn chart_url(symbol: &str, start: i64, end: i64) -> String {
    let encoded: String = symbol
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'.' | b'-' | b'_' => (b as char).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect();
    format!(
        "{CHART_URL}/{encoded}?symbol={encoded}&period1={start}&period2={end}&interval=1d&events=div|split|capitalGains"
    )
}

/// One chart request for `symbol` covering the local dates `from..=to`.
///
/// The request window is padded by a day on each side (time zones run from UTC-10 to UTC+14),
/// then the bars are filtered on their local dates. When the crate cannot read the answer into
/// its types, the same request is read by the tolerant reader.
pub async fn fetch_history(
    client: &ChartClient,
    symbol: &Ticker,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<History, Attempt<FetchFailure>> {
    let start = utc_midnight(from - Duration::days(1));
    let end = utc_midnight(to + Duration::days(2));
    match client
        .connector
        .get_quote_history(symbol.as_str(), start, end)
        .await
    {
        // A response that arrived but does not parse will not parse better the next time.
        Ok(response) => {
            parse_history(&response, symbol.as_str(), from, to).map_err(Attempt::Permanent)
        }
        // Valid JSON that does not fit the crate's types: Yahoo changed its format. (A body
        // that is not JSON at all, a truncated answer, is a transient fault, sorted below.)
        Err(YahooError::DeserializeFailed(e))
            if e.classify() == serde_json::error::Category::Data =>
        {
            let url = chart_url(
                symbol.as_str(),
                start.unix_timestamp(),
                end.unix_timestamp(),
            );
            let json = get_json(&client.http, &url, symbol.as_str()).await?;
            read_chart(&json, symbol.as_str(), from, to).map_err(Attempt::Permanent)
        }
        Err(e) => Err(classify(e, symbol.as_str())),
    }
}

/// A chart answer as plain JSON, its failures sorted as the typed request's are.
pub async fn get_json(
    http: &reqwest::Client,
    url: &str,
    symbol: &str,
) -> Result<serde_json::Value, Attempt<FetchFailure>> {
    use Attempt::{Permanent, Transient};
    let unreachable = |why: String| {
        Transient(FetchFailure::Unreachable(format!(
            "the connection to Yahoo Finance failed for {symbol}: {why}"
        )))
    };
    let response = http.get(url).send().await.map_err(|e| {
        if e.is_connect() {
            Transient(FetchFailure::Offline(format!(
                "cannot connect to Yahoo Finance for {symbol} ({})",
                root_cause(&e)
            )))
        } else {
            unreachable(root_cause(&e))
        }
    })?;
    let status = response.status();
    if status == reqwest::StatusCode::NOT_FOUND {
        return Err(Permanent(FetchFailure::NoData(format!(
            "no data for {symbol} on Yahoo Finance"
        ))));
    }
    if status == reqwest::StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
        return Err(unreachable(format!("it answered {status}")));
    }
    let body = read_capped(response, MAX_ANSWER_BYTES)
        .await
        .map_err(|e| match e {
            BodyError::Broken(e) => unreachable(root_cause(&e)),
            BodyError::TooLarge(cap) => Permanent(FetchFailure::BadAnswer(format!(
                "Yahoo Finance's answer for {symbol} is larger than {} MB",
                cap >> 20
            ))),
        })?;
    serde_json::from_slice(&body).map_err(|e| {
        Transient(FetchFailure::BadAnswer(format!(
            "Yahoo Finance's answer for {symbol} is not valid chart JSON ({e})"
        )))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_are_dated_in_the_exchange_time_zone() {
        // 2025-01-27 09:30 New York = 14:30 UTC; offset -5 h.
        assert_eq!(
            local_date(1_737_988_200, -18_000),
            Some("2025-01-27".parse().unwrap())
        );
        // 2025-01-27 09:00 Tokyo = 2025-01-27 00:00 UTC... and 2025-01-28 09:00 Tokyo is
        // 2025-01-28 00:00 UTC; a bar stamped 23:00 UTC on the 27th is the 28th in Tokyo.
        assert_eq!(
            local_date(1_738_018_800, 32_400),
            Some("2025-01-28".parse().unwrap())
        );
        assert_eq!(
            local_date(1_738_018_800, 0),
            Some("2025-01-27".parse().unwrap())
        );
        // Found by fuzzing: a timestamp 264,000 years back is no date, not a panic.
        assert_eq!(local_date(-8_334_601_210_801, -18_000), None);
        assert_eq!(local_date(i64::MAX, 3_600), None);
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
