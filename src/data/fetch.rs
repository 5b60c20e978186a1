//! Fills the store from Yahoo: only the missing ranges, many symbols at once with a bound on
//! requests in flight and a rate limit, retries on transient faults, one lock per symbol.
//!
//! The network part runs on a current-thread tokio runtime; polars (Parquet writes) runs
//! outside it, after `block_on` returns (polars must not block inside a current-thread runtime).

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use tokio::sync::{Mutex, Semaphore};
use yahoo_finance_api::YahooConnectorBuilder;

use crate::data::http::{retry, Attempt, NetworkSettings};
use crate::data::store::{plan, same_basis, Corrupt, DateRange, Store, Stored};
use crate::data::yahoo::{fetch_history, ChartClient, FetchFailure, History};
use crate::error::{Error, Result};
use crate::note::Note;
use crate::ticker::Ticker;

/// How to treat the store (`--offline`, `--refresh`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StoreMode {
    /// Fetch what the store lacks.
    #[default]
    Update,
    /// Never touch the network.
    Offline,
    /// Fetch the whole range again.
    Refresh,
}

/// What happened to one symbol.
#[derive(Debug, Clone, PartialEq)]
pub struct SymbolReport {
    pub symbol: Ticker,
    /// Chart requests made (0: the store already had it).
    pub requests: usize,
    /// Rows the store holds now.
    pub rows: usize,
    pub first: Option<NaiveDate>,
    pub last: Option<NaiveDate>,
    /// Problems met and handled (a corrupt file refetched, a new price basis).
    pub notes: Vec<Note>,
}

/// Progress shown while fetching (a bar on a terminal, nothing otherwise).
pub trait Progress: Sync {
    fn start(&self, _symbols: usize) {}
    fn done(&self, _symbol: &Ticker) {}
    fn finish(&self) {}
    /// Another process holds the symbol's lock: this one waits for it.
    fn waiting_for(&self, _symbol: &Ticker) {}
    /// One more unit done that is not a symbol (a simulation's trial).
    fn step(&self) {}
}

/// No progress output.
pub struct Silent;
impl Progress for Silent {}

/// Fetcher settings.
#[derive(Debug, Clone)]
pub struct Fetcher {
    pub store: Store,
    pub network: NetworkSettings,
    pub mode: StoreMode,
    /// Symbols fetched at once.
    pub concurrency: usize,
    /// Least time between two requests' starts (the rate limit).
    pub min_interval: Duration,
    /// "Today", for the revision window; tests pin it.
    pub now: DateTime<Utc>,
    /// The longest wait for another process's lock on a symbol (`EVENTSTUDY_LOCK_TIMEOUT`
    /// seconds, 300 by default).
    pub lock_timeout: Duration,
}

impl Fetcher {
    pub fn new(store: Store, network: NetworkSettings, mode: StoreMode) -> Self {
        Fetcher {
            store,
            network,
            mode,
            concurrency: 4,
            min_interval: Duration::from_millis(250),
            now: Utc::now(),
            lock_timeout: Duration::from_secs(
                std::env::var("EVENTSTUDY_LOCK_TIMEOUT")
                    .ok()
                    .and_then(|v| v.trim().parse().ok())
                    .unwrap_or(300),
            ),
        }
    }

    /// Makes the store cover `need` for every symbol; one result per symbol, in order.
    pub fn ensure(
        &self,
        symbols: &[Ticker],
        need: DateRange,
        progress: &dyn Progress,
    ) -> Vec<Result<SymbolReport>> {
        let requests: Vec<(Ticker, DateRange)> =
            symbols.iter().map(|s| (s.clone(), need)).collect();
        self.ensure_ranges(&requests, progress)
    }

    /// Makes the store cover each symbol's range (a symbol named twice gets the union of its
    /// ranges); one result per request, in order.
    pub fn ensure_ranges(
        &self,
        requests: &[(Ticker, DateRange)],
        progress: &dyn Progress,
    ) -> Vec<Result<SymbolReport>> {
        let symbols: Vec<Ticker> = requests.iter().map(|(s, _)| s.clone()).collect();
        let mut need_of: std::collections::HashMap<&Ticker, DateRange> =
            std::collections::HashMap::new();
        for (symbol, range) in requests {
            need_of
                .entry(symbol)
                .and_modify(|r| *r = r.union(*range))
                .or_insert(*range);
        }
        // Lock in sorted order so two processes never deadlock on each other's symbols.
        let mut order: Vec<usize> = (0..symbols.len()).collect();
        order.sort_by(|&a, &b| symbols[a].cmp(&symbols[b]));
        order.dedup_by(|a, b| symbols[*a] == symbols[*b]);
        let mut locks = Vec::new();
        let mut jobs: Vec<Job> = Vec::new();
        let mut results: Vec<Option<Result<SymbolReport>>> = symbols.iter().map(|_| None).collect();
        for &i in &order {
            let symbol = &symbols[i];
            // Offline, nothing is written: no lock (a read-only store stays usable); a reader
            // sees whole files thanks to the atomic renames.
            if self.mode != StoreMode::Offline {
                let waiting = || progress.waiting_for(symbol);
                match self
                    .store
                    .lock_within(symbol, Some(self.lock_timeout), &waiting)
                {
                    Ok(lock) => locks.push(lock),
                    Err(e) => {
                        results[i] = Some(Err(e));
                        continue;
                    }
                }
            }
            match self.prepare(symbol, need_of[symbol]) {
                Ok(job) => jobs.push(Job { index: i, ..job }),
                Err(e) => results[i] = Some(Err(e)),
            }
        }

        let network_jobs: Vec<&mut Job> = jobs
            .iter_mut()
            .filter(|j| !j.increments.is_empty())
            .collect();
        if !network_jobs.is_empty() {
            progress.start(network_jobs.len());
            if let Err(e) = self.fetch_all(network_jobs, progress) {
                return symbols.iter().map(|_| Err(e.clone())).collect();
            }
            progress.finish();
        }

        for job in jobs {
            let index = job.index;
            results[index] = Some(self.finish(job));
        }
        drop(locks);
        // Duplicated symbols share the first one's result.
        (0..symbols.len())
            .map(|i| {
                results[i].take().unwrap_or_else(|| {
                    let first = symbols.iter().position(|s| s == &symbols[i]).unwrap_or(i);
                    match &results[first] {
                        Some(Ok(r)) => Ok(r.clone()),
                        Some(Err(e)) => Err(e.clone()),
                        None => Err(Error::Internal("fetch result missing".into())),
                    }
                })
            })
            .collect()
    }

    /// Loads what the store holds and plans the requests.
    fn prepare(&self, symbol: &Ticker, need: DateRange) -> Result<Job> {
        let mut notes = Vec::new();
        let stored = match self.store.load(symbol) {
            Ok(s) => s,
            Err(Corrupt(m)) if self.mode == StoreMode::Offline => {
                return Err(Error::data(format!("the store's copy of {symbol} is corrupt ({m}) and --offline forbids refetching it")));
            }
            Err(Corrupt(m)) => {
                notes.push(Note::CorruptStoreRefetched { reason: m });
                None
            }
        };
        let today = self.now.date_naive();
        let increments = match self.mode {
            StoreMode::Offline => {
                if stored.as_ref().is_none_or(|s| s.bars.is_empty()) {
                    return Err(Error::data(format!(
                        "no data for {symbol} in the store at {} (--offline): run `eventstudy fetch --ticker {symbol}` first",
                        self.store.root().display()
                    )));
                }
                Vec::new()
            }
            StoreMode::Refresh => {
                let whole = stored
                    .as_ref()
                    .map_or(need, |s| s.manifest.covered.union(need));
                vec![DateRange::new(whole.from, whole.to.min(today))]
            }
            StoreMode::Update => plan(stored.as_ref().map(|s| &s.manifest), need, today),
        };
        let refresh = self.mode == StoreMode::Refresh;
        Ok(Job {
            index: 0,
            symbol: symbol.clone(),
            stored: if refresh { None } else { stored },
            increments,
            fetched: Vec::new(),
            failure: None,
            notes,
        })
    }

    fn connector(&self) -> Result<ChartClient> {
        let http = self.network.client()?;
        let connector = YahooConnectorBuilder::build_with_client(http.clone())
            .map_err(|e| Error::Internal(format!("cannot set up the Yahoo client: {e}")))?;
        Ok(ChartClient { connector, http })
    }

    fn fetch_all(&self, jobs: Vec<&mut Job>, progress: &dyn Progress) -> Result<()> {
        let connector = self.connector()?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Error::Internal(format!("cannot start the async runtime: {e}")))?;
        let gate = Arc::new(Semaphore::new(self.concurrency.max(1)));
        let shared = Shared {
            pacer: Mutex::new(tokio::time::Instant::now()),
            offline: std::sync::Mutex::new(None),
        };
        runtime.block_on(async {
            let tasks = jobs.into_iter().map(|job| {
                let (gate, shared, connector) = (gate.clone(), &shared, &connector);
                async move {
                    let _permit = gate.acquire().await.expect("semaphore open");
                    self.fetch_job(connector, job, shared).await;
                    progress.done(&job.symbol);
                }
            });
            futures_util::future::join_all(tasks).await;
        });
        Ok(())
    }

    /// Waits for the rate limit's next slot.
    async fn pace(&self, pacer: &Mutex<tokio::time::Instant>) {
        let wait_until = {
            let mut next = pacer.lock().await;
            let now = tokio::time::Instant::now();
            let slot = (*next).max(now);
            *next = slot + self.min_interval;
            slot
        };
        tokio::time::sleep_until(wait_until).await;
    }

    async fn request(
        &self,
        connector: &ChartClient,
        symbol: &Ticker,
        range: DateRange,
        shared: &Shared,
    ) -> std::result::Result<History, FetchFailure> {
        let result = retry(&self.network.retry, || async {
            // No network for one symbol is no network for all: the others do not retry.
            if let Some(reason) = shared.offline.lock().expect("not poisoned").clone() {
                let skipped = format!(
                    "{reason} (not tried for {symbol}: an earlier symbol could not connect)"
                );
                return Err(Attempt::Permanent(FetchFailure::Offline(skipped)));
            }
            self.pace(&shared.pacer).await;
            fetch_history(connector, symbol, range.from, range.to).await
        })
        .await;
        if let Err((FetchFailure::Offline(reason), _)) = &result {
            shared
                .offline
                .lock()
                .expect("not poisoned")
                .get_or_insert_with(|| reason.clone());
        }
        result.map_err(|(failure, attempts)| {
            let tried = |m: String| {
                if attempts > 1 {
                    format!("{m} after {attempts} attempts")
                } else {
                    m
                }
            };
            match failure {
                FetchFailure::Offline(m) => FetchFailure::Offline(tried(m)),
                FetchFailure::Unreachable(m) => FetchFailure::Unreachable(tried(m)),
                FetchFailure::BadAnswer(m) => FetchFailure::BadAnswer(tried(m)),
                no_data => no_data,
            }
        })
    }

    async fn fetch_job(&self, connector: &ChartClient, job: &mut Job, shared: &Shared) {
        for range in job.increments.clone() {
            match self.request(connector, &job.symbol, range, shared).await {
                Ok(history) => {
                    let seam_ok = job.stored.as_ref().is_none_or(|s| {
                        let left = range.from < s.manifest.covered.from;
                        same_basis(&s.bars, &history.bars, left)
                    });
                    if !seam_ok {
                        // A split or dividend since the last fetch changed every stored price:
                        // refetch the whole range in one request.
                        let whole = job
                            .stored
                            .as_ref()
                            .map_or(range, |s| s.manifest.covered.union(range));
                        job.notes.push(Note::PricesRebased);
                        job.stored = None;
                        job.fetched.clear();
                        match self.request(connector, &job.symbol, whole, shared).await {
                            Ok(h) => job.fetched.push((whole, h)),
                            Err(f) => job.failure = Some(f),
                        }
                        return;
                    }
                    job.fetched.push((range, history));
                }
                Err(failure) => {
                    job.failure = Some(failure);
                    return;
                }
            }
        }
    }

    /// Merges and writes a symbol (outside the async runtime).
    fn finish(&self, job: Job) -> Result<SymbolReport> {
        let Job {
            symbol,
            stored,
            fetched,
            failure,
            mut notes,
            increments,
            ..
        } = job;
        if let Some(failure) = failure {
            return Err(match failure {
                FetchFailure::NoData(m) => Error::data(m),
                FetchFailure::Offline(m) => Error::Network(format!(
                    "{m}: no network? Work offline with --offline (the local store) or --source csv:DIR"
                )),
                FetchFailure::Unreachable(m) => Error::Network(m),
                FetchFailure::BadAnswer(m) => Error::Network(m),
            });
        }
        let requests = fetched.len();
        if fetched.iter().any(|(_, history)| history.tolerant) {
            notes.push(Note::TolerantChartReader);
        }
        let mut stored = stored;
        if !fetched.is_empty() {
            let first_range = fetched[0].0;
            let mut record =
                stored.unwrap_or_else(|| Stored::empty(&symbol, "yahoo", first_range, self.now));
            for (range, history) in fetched {
                record.merge(history, range, self.now);
            }
            if record.bars.is_empty() {
                return Err(Error::data(format!(
                    "no data for {symbol} on Yahoo Finance between {}",
                    record.manifest.covered
                )));
            }
            self.store.save(&symbol, &mut record)?;
            stored = Some(record);
        } else if !increments.is_empty() {
            notes.push(Note::NothingFetched);
        }
        let Some(stored) = stored else {
            return Err(Error::data(format!("no data for {symbol}")));
        };
        Ok(SymbolReport {
            symbol,
            requests,
            rows: stored.bars.len(),
            first: stored.manifest.first,
            last: stored.manifest.last,
            notes,
        })
    }
}

/// What the concurrent fetches share: the rate limit's clock, and whether the network is gone.
struct Shared {
    pacer: Mutex<tokio::time::Instant>,
    offline: std::sync::Mutex<Option<String>>,
}

#[derive(Debug)]
struct Job {
    index: usize,
    symbol: Ticker,
    stored: Option<Stored>,
    increments: Vec<DateRange>,
    fetched: Vec<(DateRange, History)>,
    failure: Option<FetchFailure>,
    notes: Vec<Note>,
}

/// The calendar range that holds `trading_days` trading days before `date` and `after` after
/// it, with room for holidays (5 trading days per 7 calendar days, plus a month: a year of
/// weekdays holds only about 251 trading days).
pub fn calendar_span(date: NaiveDate, before: i32, after: i32) -> DateRange {
    let to_days = |n: i32| chrono::Duration::days((n.max(0) as u64 * 7).div_ceil(5) as i64 + 30);
    // Saturating: a date at the calendar's edge must not overflow (dates are checked on entry,
    // this is the second line of defence).
    DateRange::new(
        date.checked_sub_signed(to_days(before))
            .unwrap_or(NaiveDate::MIN),
        date.checked_add_signed(to_days(after))
            .unwrap_or(NaiveDate::MAX),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar_span_covers_the_trading_days() {
        let r = calendar_span("2025-01-27".parse().unwrap(), 250, 5);
        // 250 trading days: 350 + 30 calendar days; 5 after: 7 + 30.
        assert_eq!(r.from, "2024-01-13".parse::<NaiveDate>().unwrap());
        assert_eq!(r.to, "2025-03-05".parse().unwrap());
    }
}
