//! Intraday bars from Yahoo's chart API (`interval=1m..90m`) into the store's archive
//! ([`crate::data::bar_store`]).
//!
//! Yahoo serves 1-minute bars for about the last 30 days, 8 days a request; 2- to 30-minute
//! bars for 60 days; hourly and 90-minute bars for 730 days (METHODS, "Intraday"). A request
//! is cut into pieces within the per-request limit. What lies beyond the range limit can only
//! come from the store: a study that needs it fails with one line saying both limits and how
//! to keep an archive; `fetch` takes what Yahoo still has and says what it left out.

use chrono::{DateTime, Duration, Utc};
use serde_json::Value;

use crate::data::bar_store::BarStore;
use crate::data::chart::FetchFailure;
use crate::data::fetch::{Progress, StoreMode};
use crate::data::http::{retry, NetworkSettings};
use crate::data::store::{Corrupt, Store};
use crate::data::yahoo::{get_json, CHART_URL};
use crate::error::{Error, Result};
use crate::note::Note;
use crate::study::bars::{Interval, RawBar};
use crate::ticker::Ticker;

/// What Yahoo keeps of an interval, and how much one request may ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct YahooLimits {
    pub days_back: i64,
    pub days_per_request: i64,
}

impl YahooLimits {
    pub fn of(minutes: u32) -> YahooLimits {
        match minutes {
            1 => YahooLimits {
                days_back: 30,
                days_per_request: 8,
            },
            m if m <= 30 => YahooLimits {
                days_back: 60,
                days_per_request: 60,
            },
            _ => YahooLimits {
                days_back: 730,
                days_per_request: 730,
            },
        }
    }

    /// `1m: about the last 30 days, 8 days a request`.
    pub fn describe(&self, interval: Interval) -> String {
        format!(
            "{interval}: about the last {} days, {} days a request",
            self.days_back, self.days_per_request
        )
    }
}

/// The URL of an intraday chart request (regular session only, as the study uses).
pub fn bars_url(symbol: &str, start: i64, end: i64, interval: Interval) -> String {
    let encoded: String = symbol
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'.' | b'-' | b'_' => (b as char).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect();
    format!(
        "{CHART_URL}/{encoded}?symbol={encoded}&period1={start}&period2={end}&interval={interval}&includePrePost=false"
    )
}

/// The bars of an intraday chart answer and the exchange's zone. A quiet minute comes as a
/// timestamp with nulls: it is left out (no trade, no bar).
pub fn parse_bars(
    json: &Value,
    symbol: &str,
) -> std::result::Result<(Vec<RawBar>, Option<String>), FetchFailure> {
    let chart = &json["chart"];
    if let Some(error) = chart["error"].as_object() {
        let code = error.get("code").and_then(Value::as_str).unwrap_or("");
        return Err(match code {
            "Not Found" => FetchFailure::NoData(format!("no data for {symbol} on Yahoo Finance")),
            _ => FetchFailure::BadAnswer(format!(
                "Yahoo Finance for {symbol}: {}",
                error
                    .get("description")
                    .and_then(Value::as_str)
                    .unwrap_or(code)
            )),
        });
    }
    let Some(result) = chart["result"].get(0) else {
        return Err(FetchFailure::NoData(format!(
            "no data for {symbol} on Yahoo Finance"
        )));
    };
    let zone = result["meta"]["exchangeTimezoneName"]
        .as_str()
        .filter(|z| !z.is_empty())
        .map(str::to_string);
    let Some(stamps) = result["timestamp"].as_array() else {
        // A range without a session answers without timestamps.
        return Ok((Vec::new(), zone));
    };
    let quote = &result["indicators"]["quote"][0];
    let (close, volume) = (&quote["close"], &quote["volume"]);
    if !close.is_array() {
        return Err(FetchFailure::missing(symbol, "close prices"));
    }
    let mut bars = Vec::with_capacity(stamps.len());
    for (i, t) in stamps.iter().enumerate() {
        let Some(start) = t.as_i64() else {
            return Err(FetchFailure::BadAnswer(format!(
                "Yahoo Finance's answer for {symbol} has a timestamp that is not a number"
            )));
        };
        let Some(c) = close[i].as_f64().filter(|c| c.is_finite() && *c > 0.0) else {
            continue;
        };
        bars.push(RawBar {
            start,
            close: c,
            volume: volume[i].as_f64().unwrap_or(f64::NAN),
        });
    }
    Ok((bars, zone))
}

/// What a symbol's fetch did.
#[derive(Debug, Clone)]
pub struct BarReport {
    pub symbol: Ticker,
    pub requests: usize,
    pub rows: usize,
    pub first: Option<i64>,
    pub last: Option<i64>,
    pub exchange_tz: Option<String>,
    pub notes: Vec<Note>,
    /// Part of the range asked for is older than Yahoo keeps and not in the store: why, in
    /// one sentence that says both limits and how to keep an archive.
    pub beyond_limit: Option<String>,
}

/// Fetches bars of one interval into the store.
#[derive(Debug, Clone)]
pub struct BarFetcher {
    pub store: Store,
    pub network: NetworkSettings,
    pub mode: StoreMode,
    pub interval: Interval,
    /// "Now", for Yahoo's range limit; tests pin it.
    pub now: DateTime<Utc>,
    /// A study says nothing of a range cut to Yahoo's limit (the events that needed the
    /// older bars say it); `fetch` notes it.
    pub quiet_about_limits: bool,
    /// Least time between two requests.
    pub min_interval: std::time::Duration,
}

impl BarFetcher {
    pub fn new(
        store: Store,
        network: NetworkSettings,
        mode: StoreMode,
        interval: Interval,
    ) -> Self {
        BarFetcher {
            store,
            network,
            mode,
            interval,
            now: Utc::now(),
            quiet_about_limits: true,
            min_interval: std::time::Duration::from_millis(250),
        }
    }

    fn bars(&self) -> BarStore {
        BarStore::new(self.store.root(), self.interval)
    }

    fn limits(&self) -> YahooLimits {
        YahooLimits::of(self.interval.minutes().unwrap_or(1))
    }

    /// Makes the store hold each symbol's bars over `[from, to]` (UTC seconds), one result
    /// per request, in order.
    pub fn ensure(
        &self,
        needs: &[(Ticker, i64, i64)],
        progress: &dyn Progress,
    ) -> Vec<Result<BarReport>> {
        let runtime = match tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        {
            Ok(rt) => rt,
            Err(e) => {
                let e = Error::Internal(format!("cannot start the async runtime: {e}"));
                return needs.iter().map(|_| Err(e.clone())).collect();
            }
        };
        let client = match self.network.client() {
            Ok(c) => c,
            Err(e) => return needs.iter().map(|_| Err(e.clone())).collect(),
        };
        progress.start(needs.len());
        let out = needs
            .iter()
            .map(|(symbol, from, to)| {
                let report =
                    runtime.block_on(self.ensure_one(&client, symbol, *from, *to, progress));
                progress.done(symbol);
                report
            })
            .collect();
        progress.finish();
        out
    }

    async fn ensure_one(
        &self,
        client: &reqwest::Client,
        symbol: &Ticker,
        from: i64,
        to: i64,
        progress: &dyn Progress,
    ) -> Result<BarReport> {
        let offline = self.mode == StoreMode::Offline;
        let _lock = match offline {
            true => None,
            false => Some(self.store.lock_within(
                symbol,
                Some(std::time::Duration::from_secs(300)),
                &|| progress.waiting_for(symbol),
            )?),
        };
        let store = self.bars();
        let mut notes = Vec::new();
        let stored = match store.load(symbol) {
            Ok(s) => s,
            Err(Corrupt(m)) if offline => {
                return Err(Error::data(format!(
                    "the store's {} bars of {symbol} are corrupt ({m}) and --offline forbids refetching them",
                    self.interval
                )))
            }
            Err(Corrupt(m)) => {
                notes.push(Note::CorruptStoreRefetched { reason: m });
                None
            }
        };
        let (manifest, bars) = match stored {
            Some((m, b)) => (Some(m), b),
            None => (None, Vec::new()),
        };
        let to = to.min(self.now.timestamp());
        if offline {
            return match manifest {
                Some(m) => Ok(report(symbol, 0, &m.exchange_tz, &bars, notes)),
                None => Err(Error::data(format!(
                    "no {} bars for {symbol} in the store at {} (--offline): run `eventstudy fetch --interval {} --ticker {symbol}` first",
                    self.interval,
                    self.store.root().display(),
                    self.interval
                ))),
            };
        }
        let gaps = self.gaps(manifest.as_ref().map(|m| (m.covered, m.last)), from, to);
        let (gaps, beyond_limit) =
            self.within_limit(symbol, gaps, manifest.as_ref().map(|m| m.first), &mut notes);
        let asked = gaps.clone();
        let mut fetched = Vec::new();
        let mut zone = manifest.as_ref().and_then(|m| m.exchange_tz.clone());
        let mut requests = 0;
        let per_request = self.limits().days_per_request * 86_400;
        for (a, b) in gaps {
            let mut start = a;
            while start <= b {
                let end = (start + per_request).min(b + 1);
                let (got, z) = self.request(client, symbol, start, end).await?;
                requests += 1;
                zone = zone.or(z);
                fetched.extend(got);
                start = end;
            }
        }
        let nothing = |why: String| match &beyond_limit {
            Some(limit) => Error::data(limit.clone()),
            None => Error::data(why),
        };
        if requests == 0 {
            return match manifest {
                Some(m) => Ok(BarReport {
                    beyond_limit,
                    ..report(symbol, 0, &m.exchange_tz, &bars, notes)
                }),
                None => Err(nothing(format!("no {} bars for {symbol}", self.interval))),
            };
        }
        if fetched.is_empty() && manifest.is_none() {
            return Err(nothing(format!(
                "no {} bars for {symbol} on Yahoo Finance in the range asked",
                self.interval
            )));
        }
        let asked = gaps_span(&asked);
        let covered = match (&manifest, asked) {
            (Some(m), Some((a, b))) => (m.covered.0.min(a), m.covered.1.max(b)),
            (None, Some(span)) => span,
            (Some(m), None) => m.covered,
            (None, None) => (from, to),
        };
        let saved = store.merge_and_save(symbol, bars, fetched, covered, zone.clone(), self.now)?;
        let all = store
            .load(symbol)
            .map_err(|Corrupt(m)| Error::data(m))?
            .map(|(_, b)| b)
            .unwrap_or_default();
        let mut r = report(symbol, requests, &saved.exchange_tz, &all, notes);
        r.exchange_tz = zone;
        r.beyond_limit = beyond_limit;
        Ok(r)
    }

    /// The ranges to ask for: all of `[from, to]` without a stored copy (or with
    /// `--refresh`); else what lies before the span asked so far, and what lies after it,
    /// from the stored last bar on (the last session may have been partial).
    fn gaps(&self, stored: Option<((i64, i64), i64)>, from: i64, to: i64) -> Vec<(i64, i64)> {
        if from > to {
            return Vec::new();
        }
        match (stored, self.mode) {
            (None, _) | (_, StoreMode::Refresh) => vec![(from, to)],
            (Some(((covered_from, covered_to), last)), _) => {
                let mut gaps = Vec::new();
                if from < covered_from {
                    gaps.push((from, covered_from - 1));
                }
                if to > covered_to {
                    gaps.push((last.min(covered_to), to));
                }
                gaps
            }
        }
    }

    /// The gaps cut to what Yahoo still keeps, and, when that cut something the store lacks,
    /// the sentence that says so (and, for `fetch`, a note).
    fn within_limit(
        &self,
        symbol: &Ticker,
        gaps: Vec<(i64, i64)>,
        stored_first: Option<i64>,
        notes: &mut Vec<Note>,
    ) -> (Vec<(i64, i64)>, Option<String>) {
        let limits = self.limits();
        let earliest =
            (self.now - Duration::days(limits.days_back) + Duration::hours(1)).timestamp();
        let day = |t: i64| {
            DateTime::from_timestamp(t, 0).map_or(String::new(), |d| d.date_naive().to_string())
        };
        let mut kept = Vec::new();
        let mut beyond = None;
        for (a, b) in gaps {
            if a < earliest {
                let has = match stored_first {
                    Some(f) => format!("the store has them from {}", day(f)),
                    None => "the store has none".into(),
                };
                beyond = Some(format!(
                    "{symbol}: {} bars from {} are older than Yahoo keeps ({}) and {has}: keep an archive with a daily `eventstudy fetch --interval {} --ticker {symbol}` from cron",
                    self.interval,
                    day(a),
                    limits.describe(self.interval),
                    self.interval
                ));
                if !self.quiet_about_limits {
                    notes.push(Note::BeyondYahooLimit {
                        interval: self.interval.to_string(),
                        from: day(a),
                        kept_from: day(earliest),
                        limit: limits.describe(self.interval),
                    });
                }
            }
            let a = a.max(earliest);
            if a <= b {
                kept.push((a, b));
            }
        }
        (kept, beyond)
    }

    async fn request(
        &self,
        client: &reqwest::Client,
        symbol: &Ticker,
        start: i64,
        end: i64,
    ) -> Result<(Vec<RawBar>, Option<String>)> {
        let url = bars_url(symbol.as_str(), start, end, self.interval);
        let result = retry(&self.network.retry, || async {
            tokio::time::sleep(self.min_interval).await;
            let json = get_json(client, &url, symbol.as_str()).await?;
            parse_bars(&json, symbol.as_str()).map_err(crate::data::http::Attempt::Permanent)
        })
        .await;
        result.map_err(|(failure, _)| match failure {
            FetchFailure::NoData(m) => Error::data(m),
            FetchFailure::Offline(m) => Error::Network(format!(
                "{m}: no network? Work offline with --offline (the local store) or --source csv:DIR"
            )),
            FetchFailure::Unreachable(m) | FetchFailure::BadAnswer(m) => Error::Network(m),
        })
    }
}

/// The span of the ranges asked for.
fn gaps_span(gaps: &[(i64, i64)]) -> Option<(i64, i64)> {
    let from = gaps.iter().map(|g| g.0).min()?;
    let to = gaps.iter().map(|g| g.1).max()?;
    Some((from, to))
}

fn report(
    symbol: &Ticker,
    requests: usize,
    zone: &Option<String>,
    bars: &[RawBar],
    notes: Vec<Note>,
) -> BarReport {
    BarReport {
        symbol: symbol.clone(),
        requests,
        rows: bars.len(),
        first: bars.first().map(|b| b.start),
        last: bars.last().map(|b| b.start),
        exchange_tz: zone.clone(),
        notes,
        beyond_limit: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intraday_answers_read_with_their_holes() {
        let json = serde_json::json!({"chart":{"result":[{
            "meta":{"exchangeTimezoneName":"America/New_York","dataGranularity":"1m",
                "tradingPeriods":[[{"start":1737988200,"end":1738011600,"timezone":"EST","gmtoffset":-18000}]]},
            "timestamp":[1737988200,1737988260,1737988320],
            "indicators":{"quote":[{"close":[120.5,null,121.0],"volume":[1000,null,0]}]}}],"error":null}});
        let (bars, zone) = parse_bars(&json, "NVDA").unwrap();
        assert_eq!(zone.as_deref(), Some("America/New_York"));
        assert_eq!(bars.len(), 2, "a quiet minute is no bar");
        assert_eq!(
            (bars[1].start, bars[1].close, bars[1].volume),
            (1737988320, 121.0, 0.0)
        );
        let none = serde_json::json!({"chart":{"result":null,"error":{"code":"Not Found","description":"No data found"}}});
        assert!(matches!(
            parse_bars(&none, "X"),
            Err(FetchFailure::NoData(_))
        ));
        let empty = serde_json::json!({"chart":{"result":[{"meta":{},"indicators":{"quote":[{}]}}],"error":null}});
        assert!(parse_bars(&empty, "X").unwrap().0.is_empty());
    }

    #[test]
    fn limits_and_urls() {
        assert_eq!(YahooLimits::of(1).days_per_request, 8);
        assert_eq!(YahooLimits::of(5).days_back, 60);
        assert_eq!(YahooLimits::of(90).days_back, 730);
        let url = bars_url("^GSPC", 1, 2, Interval::Minutes(5));
        assert!(
            url.ends_with(
                "/%5EGSPC?symbol=%5EGSPC&period1=1&period2=2&interval=5m&includePrePost=false"
            ),
            "{url}"
        );
    }
}
