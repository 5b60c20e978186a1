//! A synthetic market of 1-minute bars: New York sessions of 390 bars, a U-shaped intraday
//! variance (three times the midday standard deviation at the open and the close), overnight
//! gaps, and shocks planted at chosen bars.

use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::America::New_York;
use rand::rngs::StdRng;
use rand::SeedableRng;

use super::{normal, trading_days};

/// Minutes per session, 09:30 to 16:00.
pub const BARS: usize = 390;

/// One symbol's bars: each bar's start (UTC) and close.
#[derive(Debug, Clone)]
pub struct Bars {
    pub starts: Vec<DateTime<Utc>>,
    pub closes: Vec<f64>,
}

/// A market and a firm that follows R = alpha + beta R_m + e on every bar.
#[derive(Debug, Clone)]
pub struct MinuteMarket {
    pub days: Vec<NaiveDate>,
    pub market: Bars,
    pub firm: Bars,
}

/// The standard deviation of a within-session bar in slot `k` relative to midday's: 1 at
/// midday, 3 at the open and the close.
pub fn u_shape(k: usize) -> f64 {
    let x = (k as f64 - 195.0) / 195.0;
    1.0 + 2.0 * x * x
}

/// `sessions` sessions from 2025-01-02; `shocks` are (session, slot, added return).
pub fn minute_market(
    seed: u64,
    sessions: usize,
    alpha: f64,
    beta: f64,
    shocks: &[(usize, usize, f64)],
) -> MinuteMarket {
    let start = NaiveDate::from_ymd_opt(2025, 1, 2).unwrap();
    minute_market_from(seed, start, sessions, alpha, beta, shocks)
}

/// [`minute_market`] with its first session on or after `start`.
pub fn minute_market_from(
    seed: u64,
    start: NaiveDate,
    sessions: usize,
    alpha: f64,
    beta: f64,
    shocks: &[(usize, usize, f64)],
) -> MinuteMarket {
    let days = trading_days(start, sessions, &[]);
    let mut rng = StdRng::seed_from_u64(seed);
    let (mut pm, mut pf) = (5000.0, 100.0);
    let mut market = Bars {
        starts: Vec::new(),
        closes: Vec::new(),
    };
    let mut firm = market.clone();
    for (s, day) in days.iter().enumerate() {
        let open = New_York
            .from_local_datetime(&day.and_time(NaiveTime::from_hms_opt(9, 30, 0).unwrap()))
            .unwrap()
            .with_timezone(&Utc);
        for k in 0..BARS {
            let (rm, e) = if k == 0 {
                (0.004 * normal(&mut rng), 0.008 * normal(&mut rng))
            } else {
                let sd = 0.0004 * u_shape(k);
                (sd * normal(&mut rng), 1.5 * sd * normal(&mut rng))
            };
            let mut rf = alpha + beta * rm + e;
            for &(at_s, at_k, shock) in shocks {
                if at_s == s && at_k == k {
                    rf += shock;
                }
            }
            if s > 0 || k > 0 {
                pm *= 1.0 + rm;
                pf *= 1.0 + rf;
            }
            let start = open + chrono::Duration::minutes(k as i64);
            market.starts.push(start);
            market.closes.push(pm);
            firm.starts.push(start);
            firm.closes.push(pf);
        }
    }
    MinuteMarket { days, market, firm }
}

/// How a bar file writes its times.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TimeStyle {
    /// `2025-01-27T09:30:00-05:00`
    NewYorkOffset,
    /// `2025-01-27T14:30:00Z`
    Utc,
}

/// A bar file's text: `datetime,close,volume`, oldest first unless `newest_first`.
pub fn bar_csv(bars: &Bars, style: TimeStyle, newest_first: bool) -> String {
    let mut rows: Vec<String> = bars
        .starts
        .iter()
        .zip(&bars.closes)
        .map(|(t, c)| {
            let time = match style {
                TimeStyle::NewYorkOffset => t
                    .with_timezone(&New_York)
                    .format("%Y-%m-%dT%H:%M:%S%:z")
                    .to_string(),
                TimeStyle::Utc => t.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            };
            format!("{time},{c:.10},1000")
        })
        .collect();
    if newest_first {
        rows.reverse();
    }
    format!("datetime,close,volume\n{}\n", rows.join("\n"))
}

/// Yahoo's chart answer for `bars` at `minutes` (resampled: a bar's close is its last
/// minute's) over `[period1, period2)`, with `tradingPeriods` and a null for each start in
/// `quiet` (a minute without a trade, as Yahoo sends it).
pub fn yahoo_bars_json(
    symbol: &str,
    bars: &Bars,
    minutes: usize,
    period1: i64,
    period2: i64,
    quiet: &[i64],
) -> String {
    let mut stamps = Vec::new();
    let mut closes = Vec::new();
    let mut volumes = Vec::new();
    let mut days: Vec<i64> = Vec::new();
    for chunk_start in (0..bars.starts.len()).step_by(minutes) {
        let t = bars.starts[chunk_start].timestamp();
        if !(period1..period2).contains(&t) {
            continue;
        }
        let last = (chunk_start + minutes - 1).min(bars.starts.len() - 1);
        stamps.push(t);
        if quiet.contains(&t) {
            closes.push(serde_json::Value::Null);
            volumes.push(serde_json::Value::Null);
        } else {
            closes.push(serde_json::json!(bars.closes[last]));
            volumes.push(serde_json::json!(1000 * minutes));
        }
        let day = bars.starts[chunk_start]
            .with_timezone(&New_York)
            .date_naive();
        let open = New_York
            .from_local_datetime(&day.and_time(NaiveTime::from_hms_opt(9, 30, 0).unwrap()))
            .unwrap()
            .timestamp();
        if !days.contains(&open) {
            days.push(open);
        }
    }
    let periods: Vec<serde_json::Value> = days
        .iter()
        .map(|&open| serde_json::json!([{"timezone":"EST","start":open,"end":open + 23_400,"gmtoffset":-18000}]))
        .collect();
    let meta = serde_json::json!({"currency":"USD","symbol":symbol,"exchangeName":"NMS",
        "instrumentType":"EQUITY","gmtoffset":-18000,"timezone":"EST",
        "exchangeTimezoneName":"America/New_York","dataGranularity":format!("{minutes}m"),
        "tradingPeriods":periods});
    let mut result = serde_json::json!({"meta": meta, "indicators":{"quote":[{}]}});
    if !stamps.is_empty() {
        result["timestamp"] = serde_json::json!(stamps);
        result["indicators"] = serde_json::json!({"quote":[{"open":closes,"high":closes,"low":closes,"close":closes,"volume":volumes}]});
    }
    serde_json::json!({"chart":{"result":[result],"error":null}}).to_string()
}
