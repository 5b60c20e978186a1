//! A tolerant reader of Yahoo's chart JSON: it needs only what the study uses and ignores the
//! rest.
//!
//! `yahoo_finance_api` reads the chart answer into strict types whose metadata requires fields
//! the study never uses (`fullExchangeName`, `priceHint`, `hasPrePostMarketData`, ...). When
//! Yahoo drops or renames one of them, that reader fails on every symbol although the data is
//! all there. This reader is the fallback: timestamps, `close` (and `open`/`high`/`low`/`volume`
//! when present), `adjclose`, split and dividend events, and the exchange's clock (`gmtoffset`,
//! else `exchangeTimezoneName`). An answer without one of the required parts is a clear error
//! naming it.

use chrono::{NaiveDate, TimeZone};
use serde_json::Value;

use crate::data::chart::{
    local_date, Bar, DividendEvent, FetchFailure, History, SplitEvent, NO_ADJCLOSE,
};

/// How the exchange's dates are read from a bar's timestamp.
enum Clock {
    /// Seconds east of UTC, as Yahoo's `gmtoffset` gives them.
    Offset(i64),
    /// An IANA zone, when the offset is missing.
    Zone(chrono_tz::Tz),
}

impl Clock {
    /// The exchange's date of a timestamp; `None` for one that is no plausible date.
    fn date(&self, timestamp: i64) -> Option<NaiveDate> {
        match self {
            Clock::Offset(offset) => local_date(timestamp, (*offset).clamp(-86_400, 86_400) as i32),
            Clock::Zone(tz) => match tz.timestamp_opt(timestamp, 0).single() {
                Some(t) => local_date(timestamp, 0).and(Some(t.date_naive())),
                None => local_date(timestamp, 0),
            },
        }
    }
}

fn bad(symbol: &str, what: &str) -> FetchFailure {
    FetchFailure::missing(symbol, what)
}

/// A series of numbers where `null` (or anything not a number) is a missing value.
fn numbers(value: Option<&Value>) -> Option<Vec<Option<f64>>> {
    Some(value?.as_array()?.iter().map(Value::as_f64).collect())
}

fn positive(v: Option<f64>) -> Option<f64> {
    v.filter(|v| v.is_finite() && *v > 0.0)
}

/// Reads a chart answer into bars and events between `from` and `to` (the exchange's dates).
pub fn read_chart(
    json: &Value,
    symbol: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<History, FetchFailure> {
    let chart = json.get("chart").ok_or_else(|| bad(symbol, "`chart`"))?;
    let result = match chart.get("result").and_then(Value::as_array) {
        Some(results) if !results.is_empty() => &results[0],
        _ => {
            return Err(FetchFailure::NoData(format!(
                "no data for {symbol} on Yahoo Finance"
            )))
        }
    };
    let meta = result.get("meta").ok_or_else(|| bad(symbol, "`meta`"))?;
    let timezone = meta
        .get("exchangeTimezoneName")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    let clock = match meta.get("gmtoffset").and_then(Value::as_i64) {
        Some(offset) => Clock::Offset(offset),
        None => timezone
            .as_deref()
            .and_then(|name| name.parse::<chrono_tz::Tz>().ok())
            .map(Clock::Zone)
            .ok_or_else(|| {
                bad(
                    symbol,
                    "`meta.gmtoffset` nor a known `exchangeTimezoneName`",
                )
            })?,
    };
    let in_range = |d: NaiveDate| d >= from && d <= to;
    let bars = read_bars(result, symbol, &clock)?
        .into_iter()
        .filter(|b| in_range(b.date))
        .collect();
    let events = result.get("events");
    let event_list = |kind: &str| -> Vec<&Value> {
        events
            .and_then(|e| e.get(kind))
            .and_then(Value::as_object)
            .map(|m| m.values().collect())
            .unwrap_or_default()
    };
    let date_of = |timestamp: i64| {
        clock
            .date(timestamp)
            .ok_or_else(|| FetchFailure::bad_timestamp(symbol, timestamp))
    };
    let mut splits = Vec::new();
    for s in event_list("splits") {
        let fields = (|| {
            Some((
                s.get("date")?.as_i64()?,
                s.get("numerator")?.as_f64()?,
                s.get("denominator")?.as_f64()?,
            ))
        })();
        if let Some((timestamp, numerator, denominator)) = fields {
            if numerator > 0.0 && denominator > 0.0 {
                let date = date_of(timestamp)?;
                if in_range(date) {
                    splits.push(SplitEvent {
                        date,
                        numerator,
                        denominator,
                    });
                }
            }
        }
    }
    splits.sort_by_key(|s| s.date);
    let mut dividends = Vec::new();
    for d in event_list("dividends") {
        let fields = (|| Some((d.get("date")?.as_i64()?, d.get("amount")?.as_f64()?)))();
        if let Some((timestamp, amount)) = fields {
            let dividend = DividendEvent {
                date: date_of(timestamp)?,
                amount,
            };
            if in_range(dividend.date) {
                dividends.push(dividend);
            }
        }
    }
    dividends.sort_by_key(|d| d.date);
    Ok(History {
        bars,
        splits,
        dividends,
        timezone,
        currency: meta
            .get("currency")
            .and_then(Value::as_str)
            .map(str::to_string),
        tolerant: true,
    })
}

/// The bars: one per timestamp whose close is not null (as the typed reader does). A range
/// with no trading day has no timestamps at all, and no bars.
fn read_bars(result: &Value, symbol: &str, clock: &Clock) -> Result<Vec<Bar>, FetchFailure> {
    let Some(timestamps) = result.get("timestamp").and_then(Value::as_array) else {
        return Ok(Vec::new());
    };
    let indicators = result
        .get("indicators")
        .ok_or_else(|| bad(symbol, "`indicators`"))?;
    let quote = indicators
        .get("quote")
        .and_then(|q| q.get(0))
        .ok_or_else(|| bad(symbol, "`indicators.quote`"))?;
    let close = numbers(quote.get("close")).ok_or_else(|| bad(symbol, "close prices"))?;
    let adj_close = numbers(
        indicators
            .get("adjclose")
            .and_then(|a| a.get(0))
            .and_then(|a| a.get("adjclose")),
    )
    .ok_or_else(|| bad(symbol, NO_ADJCLOSE))?;
    let optional = |name: &str| numbers(quote.get(name)).unwrap_or_default();
    let (open, high, low, volume) = (
        optional("open"),
        optional("high"),
        optional("low"),
        optional("volume"),
    );
    if close.len() != timestamps.len() || adj_close.len() != timestamps.len() {
        return Err(FetchFailure::BadAnswer(format!(
            "Yahoo Finance's chart answer for {symbol} has {} timestamps but {} closes and {} adjusted closes",
            timestamps.len(),
            close.len(),
            adj_close.len()
        )));
    }
    let at = |series: &[Option<f64>], i: usize| series.get(i).copied().flatten();
    let mut bars = Vec::with_capacity(timestamps.len());
    for (i, ts) in timestamps.iter().enumerate() {
        let timestamp = ts.as_i64().ok_or_else(|| bad(symbol, "valid timestamps"))?;
        if close[i].is_none() {
            continue;
        }
        bars.push(Bar {
            date: clock
                .date(timestamp)
                .ok_or_else(|| FetchFailure::bad_timestamp(symbol, timestamp))?,
            open: positive(at(&open, i)),
            high: positive(at(&high, i)),
            low: positive(at(&low, i)),
            close: positive(close[i]),
            adj_close: positive(adj_close[i]),
            // A null volume is unknown, not a day without trades (abnormal volume tells them
            // apart).
            volume: at(&volume, i).map(|v| v.max(0.0) as u64),
        });
    }
    Ok(bars)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    /// A chart answer whose metadata lacks what the typed reader requires.
    fn drifted(adjclose: bool) -> Value {
        let ts = [1_737_988_200i64, 1_738_074_600, 1_738_161_000];
        let mut indicators = serde_json::json!({"quote":[{"close":[1.5,null,3.5],"volume":[10,null,30],
            "vwap":[1.0,2.0,3.0]}]});
        if adjclose {
            indicators["adjclose"] = serde_json::json!([{"adjclose":[1.4,null,0.0]}]);
        }
        serde_json::json!({"chart":{"result":[{"meta":{"symbol":"X","gmtoffset":-18000,
            "exchangeTimezoneName":"America/New_York","newField":{"a":1}},"timestamp":ts,
            "events":{"splits":{"1738074600":{"date":1738074600,"numerator":10,"denominator":1}}},
            "indicators":indicators}],"error":null}})
    }

    #[test]
    fn reads_what_the_study_needs_and_ignores_the_rest() {
        let h = read_chart(&drifted(true), "X", d("2025-01-01"), d("2025-02-01")).unwrap();
        assert_eq!(h.bars.len(), 2, "the null bar is skipped");
        assert_eq!(h.bars[0].date, d("2025-01-27"));
        assert_eq!(h.bars[0].close, Some(1.5));
        assert_eq!(h.bars[0].adj_close, Some(1.4));
        assert_eq!(h.bars[0].volume, Some(10));
        assert_eq!(h.bars[0].open, None, "no open in the answer");
        assert_eq!(h.bars[1].adj_close, None, "adjclose 0 means missing");
        assert_eq!(h.splits[0].date, d("2025-01-28"));
        assert_eq!(h.splits[0].factor(), 10.0);
        assert_eq!(h.timezone.as_deref(), Some("America/New_York"));
    }

    #[test]
    fn no_adjclose_is_an_error_naming_it() {
        let e = read_chart(&drifted(false), "X", d("2025-01-01"), d("2025-02-01")).unwrap_err();
        let FetchFailure::BadAnswer(m) = e else {
            panic!("{e:?}")
        };
        assert!(m.contains("adjusted close") && m.contains("X"), "{m}");
    }

    #[test]
    fn the_zone_dates_bars_when_the_offset_is_missing() {
        let mut json = drifted(true);
        json["chart"]["result"][0]["meta"]
            .as_object_mut()
            .unwrap()
            .remove("gmtoffset");
        let h = read_chart(&json, "X", d("2025-01-01"), d("2025-02-01")).unwrap();
        assert_eq!(h.bars[0].date, d("2025-01-27"));
        json["chart"]["result"][0]["meta"]["exchangeTimezoneName"] = Value::Null;
        assert!(read_chart(&json, "X", d("2025-01-01"), d("2025-02-01")).is_err());
    }

    #[test]
    fn an_empty_result_is_no_data_and_no_timestamps_no_bars() {
        let e = read_chart(
            &serde_json::json!({"chart":{"result":[],"error":null}}),
            "X",
            d("2025-01-01"),
            d("2025-01-02"),
        )
        .unwrap_err();
        assert!(matches!(e, FetchFailure::NoData(_)));
        let h = read_chart(
            &serde_json::json!({"chart":{"result":[{"meta":{"gmtoffset":0},
                "indicators":{"quote":[{}],"adjclose":[{}]}}]}}),
            "X",
            d("2025-01-01"),
            d("2025-01-02"),
        )
        .unwrap();
        assert!(h.bars.is_empty());
    }
}
