//! Shares outstanding, point in time, from SEC EDGAR's XBRL API (cover-page
//! `dei:EntityCommonStockSharesOutstanding` of 10-Q/10-K/20-F filings), cached in the store.
//!
//! - ticker to CIK: `https://www.sec.gov/files/company_tickers.json`
//! - counts: `https://data.sec.gov/api/xbrl/companyconcept/CIK##########/dei/EntityCommonStockSharesOutstanding.json`
//!
//! SEC asks every client for a User-Agent naming a contact: `EVENTSTUDY_SEC_USER_AGENT`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;

use crate::data::fetch::StoreMode;
use crate::data::http::{
    read_capped, retry, Attempt, BodyError, NetworkSettings, MAX_ANSWER_BYTES,
};
use crate::data::shares::ShareCount;
use crate::data::yahoo::SplitEvent;
use crate::error::{Error, Result};
use crate::ticker::Ticker;
use crate::util::write_atomic;

const TICKERS_URL: &str = "https://www.sec.gov/files/company_tickers.json";
const CONCEPT_URL: &str = "https://data.sec.gov/api/xbrl/companyconcept";
const DEFAULT_AGENT: &str = "eventstudy/0.1 (set EVENTSTUDY_SEC_USER_AGENT to 'name email')";
/// Cover-page forms whose share count is a point-in-time count.
const FORMS: [&str; 8] = [
    "10-Q", "10-K", "20-F", "40-F", "10-Q/A", "10-K/A", "20-F/A", "40-F/A",
];
/// Cached answers older than this are fetched again when a newer filing could exist.
const MAX_AGE_DAYS: i64 = 7;
/// The ticker table is fetched again when older than this.
const TICKER_TABLE_MAX_AGE_DAYS: i64 = 30;

/// Days since `path` was written (a missing file is infinitely old).
fn file_age_days(path: &std::path::Path, now: DateTime<Utc>) -> i64 {
    std::fs::metadata(path)
        .and_then(|m| m.modified())
        .map(|t| {
            now.signed_duration_since(DateTime::<Utc>::from(t))
                .num_days()
        })
        .unwrap_or(i64::MAX)
}

/// One reported value of the concept.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Fact {
    pub end: NaiveDate,
    pub val: f64,
    pub accn: String,
    pub form: String,
    pub filed: NaiveDate,
}

#[derive(Debug, Deserialize)]
struct Concept {
    units: BTreeMap<String, Vec<Fact>>,
}

/// A count picked from the facts: the sum of a filing's share classes as of one date.
#[derive(Debug, Clone, PartialEq)]
pub struct PickedCount {
    pub as_of: NaiveDate,
    pub shares: f64,
    pub form: String,
    pub filed: NaiveDate,
    pub classes: usize,
}

/// The count as of `day_before` (day -1): the latest cover-page date on or before it, else the
/// earliest after it. A filing that reports several share classes (GOOGL, META) as of one date
/// gives their sum; of two filings for one date the later-filed (an amendment) wins.
pub fn pick_count(facts: &[Fact], day_before: NaiveDate) -> Option<PickedCount> {
    // (end, accn) -> distinct values
    let mut filings: BTreeMap<(NaiveDate, &str), (Vec<f64>, &Fact)> = BTreeMap::new();
    for f in facts
        .iter()
        .filter(|f| FORMS.contains(&f.form.as_str()) && f.val > 0.0)
    {
        let entry = filings
            .entry((f.end, f.accn.as_str()))
            .or_insert_with(|| (Vec::new(), f));
        if !entry.0.contains(&f.val) {
            entry.0.push(f.val);
        }
    }
    let best_for = |end: NaiveDate| {
        filings
            .iter()
            .filter(|((e, _), _)| *e == end)
            .max_by_key(|(_, (_, f))| f.filed)
            .map(|((end, _), (vals, f))| PickedCount {
                as_of: *end,
                shares: vals.iter().sum(),
                form: f.form.clone(),
                filed: f.filed,
                classes: vals.len(),
            })
    };
    let ends: Vec<NaiveDate> = filings.keys().map(|(e, _)| *e).collect();
    let on_or_before = ends.iter().filter(|e| **e <= day_before).max();
    let after = ends.iter().filter(|e| **e > day_before).min();
    on_or_before.or(after).and_then(|e| best_for(*e))
}

/// Puts a count as of `as_of` on the basis of split-adjusted prices: Yahoo's close is adjusted
/// for every split up to today, so every split after `as_of` multiplies the count. Returns the
/// count and the factor applied.
pub fn adjust_for_splits(shares: f64, as_of: NaiveDate, splits: &[SplitEvent]) -> (f64, f64) {
    let factor: f64 = splits
        .iter()
        .filter(|s| s.date > as_of)
        .map(SplitEvent::factor)
        .product();
    (shares * factor, factor)
}

/// Fetches and caches SEC data under `<store>/sec/`. It may be shared by threads: lookups take
/// turns (SEC is asked one request at a time, within its rate limit).
#[derive(Debug)]
pub struct SecClient {
    pub cache_dir: PathBuf,
    pub network: NetworkSettings,
    pub user_agent: String,
    pub mode: StoreMode,
    pub now: DateTime<Utc>,
    /// What this process has read already: a batch asks for the same firms again and again.
    memo: std::sync::Mutex<Memo>,
    /// Held for a whole lookup, so two threads never ask SEC for the same thing at once.
    serial: std::sync::Mutex<()>,
}

#[derive(Debug, Clone, Default)]
struct Memo {
    /// Upper-case ticker -> CIK.
    ciks: Option<std::collections::HashMap<String, u64>>,
    facts: std::collections::HashMap<u64, Vec<Fact>>,
    /// Why SEC could not be reached, once it could not.
    unreachable: Option<String>,
    /// The status of SEC's refusal (403 or 401), once it refused: a missing identity.
    refused: Option<String>,
    /// When the last request left, for the rate limit.
    last_request: Option<std::time::Instant>,
    /// SEC could not be reached but the cache could stand in: no more requests this run.
    cache_only: bool,
}

/// SEC's fair-access policy allows 10 requests a second; this keeps under it.
const MIN_INTERVAL: std::time::Duration = std::time::Duration::from_millis(100);

/// How long to wait before the next request, the last one having left at `last`.
fn wait_before_next(
    last: Option<std::time::Instant>,
    now: std::time::Instant,
    interval: std::time::Duration,
) -> std::time::Duration {
    last.map_or(std::time::Duration::ZERO, |last| {
        (last + interval).saturating_duration_since(now)
    })
}

/// The User-Agent for SEC: `EVENTSTUDY_SEC_USER_AGENT`, else a generic one that SEC may
/// refuse; and whether it declares a contact (an e-mail address), as SEC asks.
pub fn user_agent() -> (String, bool) {
    let agent = std::env::var("EVENTSTUDY_SEC_USER_AGENT")
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| DEFAULT_AGENT.to_string());
    let declared = agent.contains('@');
    (agent, declared)
}

/// The address of SEC's ticker table, the first thing a run asks SEC for.
pub const TICKER_TABLE_URL: &str = TICKERS_URL;

impl SecClient {
    pub fn new(store_root: &std::path::Path, network: NetworkSettings, mode: StoreMode) -> Self {
        SecClient {
            cache_dir: store_root.join("sec"),
            network,
            user_agent: user_agent().0,
            mode,
            now: Utc::now(),
            memo: Default::default(),
            serial: Default::default(),
        }
    }

    /// The memo (a lookup that panicked leaves it usable: it holds only cached answers).
    fn memo(&self) -> std::sync::MutexGuard<'_, Memo> {
        self.memo.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The status SEC refused this run's requests with (403 or 401), if it did: the identity
    /// in `EVENTSTUDY_SEC_USER_AGENT` is missing or not accepted.
    pub fn refused(&self) -> Option<String> {
        self.memo().refused.clone()
    }

    /// The count for `ticker` as of `day_before`, or `Ok(None)` when SEC has none.
    pub fn share_count(
        &self,
        ticker: &Ticker,
        day_before: NaiveDate,
    ) -> Result<Option<ShareCount>> {
        let _turn = self.serial.lock().unwrap_or_else(|e| e.into_inner());
        // Once SEC could not be reached, the rest of the run does not wait for it again.
        if let Some(reason) = &self.memo().unreachable {
            return Err(Error::Network(reason.clone()));
        }
        let facts = self
            .cik(ticker)
            .and_then(|cik| cik.map(|c| self.facts(c, day_before)).transpose());
        let facts = match facts {
            Ok(Some(facts)) => facts,
            Ok(None) => return Ok(None),
            Err(Error::Network(reason)) => {
                self.memo().unreachable = Some(reason.clone());
                return Err(Error::Network(reason));
            }
            Err(e) => return Err(e),
        };
        Ok(pick_count(&facts, day_before).map(|p| ShareCount {
            shares: p.shares,
            as_of: Some(p.as_of),
            adr_ratio: 1.0,
            source: format!(
                "SEC EDGAR {} filed {} (as of {}{})",
                p.form,
                p.filed,
                p.as_of,
                if p.classes > 1 {
                    format!(", {} share classes summed", p.classes)
                } else {
                    String::new()
                }
            ),
        }))
    }

    fn cik(&self, ticker: &Ticker) -> Result<Option<u64>> {
        if self.memo().ciks.is_none() {
            let path = self.cache_dir.join("company_tickers.json");
            // Tickers change (listings, renames): a table older than a month is fetched again,
            // and kept if SEC cannot be reached.
            let now = self.now;
            let stale = |_: &[u8]| file_age_days(&path, now) > TICKER_TABLE_MAX_AGE_DAYS;
            let bytes = match self.cached_or_fetch(&path, TICKERS_URL, stale) {
                Err(e @ Error::Network(_)) => match std::fs::read(&path) {
                    // SEC is out of reach: this run makes do with what the cache holds.
                    Ok(cached) => {
                        self.memo().cache_only = true;
                        cached
                    }
                    Err(_) => return Err(e),
                },
                other => other?,
            };
            let map: BTreeMap<String, serde_json::Value> =
                serde_json::from_slice(&bytes).map_err(|e| {
                    Error::Network(format!(
                        "SEC's company_tickers.json is not valid JSON ({e})"
                    ))
                })?;
            let ciks = map
                .values()
                .filter_map(|v| {
                    Some((
                        v.get("ticker")?.as_str()?.to_ascii_uppercase(),
                        v.get("cik_str")?.as_u64()?,
                    ))
                })
                .collect();
            self.memo().ciks = Some(ciks);
        }
        // SEC writes class shares with a dash (BRK-B), as Yahoo does; some users write a dot.
        let wanted = ticker.as_str().replace('.', "-");
        Ok(self
            .memo()
            .ciks
            .as_ref()
            .and_then(|m| m.get(&wanted).copied()))
    }

    fn facts(&self, cik: u64, day_before: NaiveDate) -> Result<Vec<Fact>> {
        if let Some(facts) = self.memo().facts.get(&cik) {
            return Ok(facts.clone());
        }
        let facts = self.read_facts(cik, day_before)?;
        self.memo().facts.insert(cik, facts.clone());
        Ok(facts)
    }

    fn read_facts(&self, cik: u64, day_before: NaiveDate) -> Result<Vec<Fact>> {
        let path = self.cache_dir.join(format!(
            "CIK{cik:010}-EntityCommonStockSharesOutstanding.json"
        ));
        let url = format!("{CONCEPT_URL}/CIK{cik:010}/dei/EntityCommonStockSharesOutstanding.json");
        let now = self.now;
        // A cached answer whose newest count precedes day -1 may miss a later filing: refresh
        // it when it is more than a week old.
        let stale = |bytes: &[u8]| {
            let newest = parse_facts(bytes)
                .ok()
                .and_then(|f| f.iter().map(|f| f.filed).max());
            let age = std::fs::metadata(&path)
                .and_then(|m| m.modified())
                .map(|t| {
                    now.signed_duration_since(DateTime::<Utc>::from(t))
                        .num_days()
                })
                .unwrap_or(i64::MAX);
            newest.is_none_or(|n| n < day_before) && age > MAX_AGE_DAYS
        };
        match self.cached_or_fetch(&path, &url, stale) {
            Ok(bytes) => parse_facts(&bytes),
            Err(Error::Data(_)) => Ok(Vec::new()),
            Err(e) => Err(e),
        }
    }

    /// The cached file when present (and not `stale`), else a fetch that is then cached.
    fn cached_or_fetch(
        &self,
        path: &PathBuf,
        url: &str,
        stale: impl Fn(&[u8]) -> bool,
    ) -> Result<Vec<u8>> {
        let cached = std::fs::read(path).ok();
        let mode = if self.memo().cache_only {
            StoreMode::Offline
        } else {
            self.mode
        };
        match (&cached, mode) {
            (Some(bytes), StoreMode::Offline) => return Ok(bytes.clone()),
            (None, StoreMode::Offline) => {
                return Err(Error::data(format!(
                    "no cached SEC data at {} (--offline)",
                    path.display()
                )));
            }
            (Some(bytes), StoreMode::Update) if !stale(bytes) => return Ok(bytes.clone()),
            _ => {}
        }
        let bytes = self.get(url)?;
        std::fs::create_dir_all(&self.cache_dir).map_err(|e| Error::io(&self.cache_dir, e))?;
        write_atomic(path, &bytes).map_err(|e| Error::io(path, e))?;
        Ok(bytes)
    }

    fn get(&self, url: &str) -> Result<Vec<u8>> {
        let client = self.network.client()?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Error::Internal(format!("cannot start the async runtime: {e}")))?;
        let result = runtime.block_on(retry(&self.network.retry, || async {
            let wait = wait_before_next(
                self.memo().last_request,
                std::time::Instant::now(),
                MIN_INTERVAL,
            );
            tokio::time::sleep(wait).await;
            self.memo().last_request = Some(std::time::Instant::now());
            let response = client
                .get(url)
                .header(reqwest::header::USER_AGENT, &self.user_agent)
                .send()
                .await
                .map_err(|e| {
                    Attempt::Transient(Error::Network(format!(
                        "cannot reach SEC EDGAR ({})",
                        describe(&e)
                    )))
                })?;
            let status = response.status();
            if status == reqwest::StatusCode::NOT_FOUND {
                return Err(Attempt::Permanent(Error::data(format!(
                    "SEC EDGAR has no {url}"
                ))));
            }
            if status == reqwest::StatusCode::FORBIDDEN
                || status == reqwest::StatusCode::UNAUTHORIZED
            {
                self.memo().refused = Some(status.to_string());
                return Err(Attempt::Permanent(Error::Network(format!(
                    "SEC EDGAR refused the request ({status})"
                ))));
            }
            if status == reqwest::StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
                return Err(Attempt::Transient(Error::Network(format!(
                    "SEC EDGAR answered {status}"
                ))));
            }
            if !status.is_success() {
                return Err(Attempt::Permanent(Error::Network(format!(
                    "SEC EDGAR answered {status} for {url}"
                ))));
            }
            let body = read_capped(response, MAX_ANSWER_BYTES)
                .await
                .map_err(|e| match e {
                    BodyError::Broken(e) => Attempt::Transient(Error::Network(format!(
                        "SEC EDGAR's answer broke off ({})",
                        describe(&e)
                    ))),
                    BodyError::TooLarge(cap) => Attempt::Permanent(Error::Network(format!(
                        "SEC EDGAR's answer for {url} is larger than {} MB",
                        cap >> 20
                    ))),
                })?;
            // A truncated answer is caught here, before it reaches the cache.
            serde_json::from_slice::<serde_json::Value>(&body).map_err(|e| {
                Attempt::Transient(Error::Network(format!(
                    "SEC EDGAR's answer is not valid JSON ({e})"
                )))
            })?;
            Ok(body.to_vec())
        }));
        result.map_err(|(e, _)| e)
    }
}

fn describe(e: &reqwest::Error) -> &'static str {
    if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "connection failed: no network?"
    } else {
        "request failed"
    }
}

/// One company's counts. An answer in another form is that company's problem (a data error),
/// not SEC's: the other firms of the run still get their counts.
pub fn parse_facts(bytes: &[u8]) -> Result<Vec<Fact>> {
    let concept: Concept = serde_json::from_slice(bytes).map_err(|e| {
        Error::data(format!(
            "SEC's share counts for this company are not in the expected form ({e})"
        ))
    })?;
    Ok(concept.units.get("shares").cloned().unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn one_company_in_an_odd_form_does_not_switch_sec_off() {
        let store = tempfile::tempdir().unwrap();
        let sec = store.path().join("sec");
        std::fs::create_dir_all(&sec).unwrap();
        std::fs::write(
            sec.join("company_tickers.json"),
            r#"{"0":{"cik_str":1,"ticker":"BAD","title":"Bad"},"1":{"cik_str":2,"ticker":"GOOD","title":"Good"}}"#,
        )
        .unwrap();
        let name = |cik: u64| format!("CIK{cik:010}-EntityCommonStockSharesOutstanding.json");
        std::fs::write(sec.join(name(1)), r#"{"units":"not a map"}"#).unwrap();
        std::fs::write(
            sec.join(name(2)),
            r#"{"units":{"shares":[{"end":"2024-06-30","val":5e8,"accn":"a","form":"10-Q","filed":"2024-07-30"}]}}"#,
        )
        .unwrap();
        let client = SecClient::new(store.path(), NetworkSettings::default(), StoreMode::Offline);
        let day = d("2024-12-31");
        let bad = client
            .share_count(&"BAD".parse().unwrap(), day)
            .unwrap_err();
        assert_eq!(bad.exit_code(), crate::error::exit::DATA);
        assert!(bad.to_string().contains("not in the expected form"));
        let good = client.share_count(&"GOOD".parse().unwrap(), day).unwrap();
        assert_eq!(good.map(|c| c.shares), Some(5e8));
    }

    fn fact(end: &str, val: f64, accn: &str, form: &str, filed: &str) -> Fact {
        Fact {
            end: d(end),
            val,
            accn: accn.into(),
            form: form.into(),
            filed: d(filed),
        }
    }

    #[test]
    fn picks_the_latest_count_on_or_before_day_minus_1() {
        let facts = vec![
            fact("2024-08-21", 24.53e9, "a1", "10-Q", "2024-08-28"),
            fact("2024-11-15", 24.49e9, "a2", "10-Q", "2024-11-20"),
            fact("2025-02-21", 24.40e9, "a3", "10-K", "2025-02-26"),
            fact("2024-12-01", 1.0, "a4", "8-K", "2024-12-02"),
        ];
        let p = pick_count(&facts, d("2025-01-24")).unwrap();
        assert_eq!(
            (p.as_of, p.shares, p.form.as_str()),
            (d("2024-11-15"), 24.49e9, "10-Q")
        );
        // Before the first count: the earliest after.
        assert_eq!(
            pick_count(&facts, d("2024-01-02")).unwrap().as_of,
            d("2024-08-21")
        );
        assert!(pick_count(&[], d("2024-01-02")).is_none());
    }

    #[test]
    fn share_classes_of_one_filing_are_summed() {
        // Alphabet's 10-K of 2025-02-05: class A, B and C as of 2025-01-28.
        let facts = vec![
            fact("2025-01-28", 5_833e6, "g1", "10-K", "2025-02-05"),
            fact("2025-01-28", 860e6, "g1", "10-K", "2025-02-05"),
            fact("2025-01-28", 5_497e6, "g1", "10-K", "2025-02-05"),
        ];
        let p = pick_count(&facts, d("2025-03-01")).unwrap();
        assert_eq!(p.shares, 12_190e6);
        assert_eq!(p.classes, 3);
    }

    #[test]
    fn an_amendment_wins_over_the_original() {
        let facts = vec![
            fact("2024-11-15", 100.0, "orig", "10-Q", "2024-11-20"),
            fact("2024-11-15", 120.0, "amend", "10-Q/A", "2024-12-20"),
        ];
        assert_eq!(pick_count(&facts, d("2025-01-01")).unwrap().shares, 120.0);
    }

    #[test]
    fn requests_are_spaced_for_the_rate_limit() {
        use std::time::{Duration, Instant};
        let now = Instant::now();
        let interval = Duration::from_millis(100);
        assert_eq!(wait_before_next(None, now, interval), Duration::ZERO);
        assert_eq!(
            wait_before_next(Some(now), now + Duration::from_millis(30), interval),
            Duration::from_millis(70)
        );
        assert_eq!(
            wait_before_next(Some(now), now + Duration::from_millis(250), interval),
            Duration::ZERO
        );
        assert_eq!(MIN_INTERVAL, interval, "10 requests a second at most");
    }

    #[test]
    fn counts_move_to_the_split_adjusted_basis() {
        // NVDA: 2.46 bn shares as of 2024-05-17, 10-for-1 split on 2024-06-10.
        let splits = [SplitEvent {
            date: d("2024-06-10"),
            numerator: 10.0,
            denominator: 1.0,
        }];
        let (shares, factor) = adjust_for_splits(2.46e9, d("2024-05-17"), &splits);
        assert_eq!((shares, factor), (24.6e9, 10.0));
        // A count taken after the split is already on the new basis.
        assert_eq!(
            adjust_for_splits(24.49e9, d("2024-11-15"), &splits),
            (24.49e9, 1.0)
        );
    }
}
