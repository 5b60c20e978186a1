//! The local price store (`notebooks-data/` by default): one Parquet file per symbol plus a
//! small JSON manifest, safe against crashes and concurrent runs.
//!
//! Layout, under the store root:
//!
//! ```text
//! prices/<SYMBOL>.parquet   date, open, high, low, close, adj_close, volume (one row a day)
//! prices/<SYMBOL>.json      the manifest: source, covered range, fetch times, splits, dividends
//! prices/<SYMBOL>.lock      held while a process fetches or writes the symbol
//! ```
//!
//! Every write goes to a temp file that is renamed over the old one (Parquet first, then the
//! manifest). The manifest records the Parquet file's size and row count, so a file that was
//! truncated or replaced behind the store's back is detected and refetched, never trusted.

use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, Utc};
use polars::prelude::*;
use serde::{Deserialize, Serialize};

use crate::data::prices::{date_column, epoch_days, f64_column, polars_err, PriceFrame};
use crate::data::yahoo::{Bar, DividendEvent, History, SplitEvent};
use crate::error::{Error, Result};
use crate::ticker::Ticker;
use crate::util::write_atomic;

/// An inclusive range of calendar dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DateRange {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl DateRange {
    pub fn new(from: NaiveDate, to: NaiveDate) -> Self {
        DateRange {
            from: from.min(to),
            to: from.max(to),
        }
    }

    pub fn union(self, other: DateRange) -> DateRange {
        DateRange {
            from: self.from.min(other.from),
            to: self.to.max(other.to),
        }
    }
}

impl std::fmt::Display for DateRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} to {}", self.from, self.to)
    }
}

/// One request the store made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FetchRecord {
    pub range: DateRange,
    pub at: DateTime<Utc>,
}

/// What the store knows about a symbol besides its bars.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub symbol: String,
    pub source: String,
    /// The dates the store has asked the source for (a day without a bar inside it had none).
    pub covered: DateRange,
    /// When the end of `covered` was last fetched: bars close to that moment may be revised.
    pub tail_fetched_at: DateTime<Utc>,
    pub fetched_at: DateTime<Utc>,
    /// The most recent requests, newest last.
    pub fetches: Vec<FetchRecord>,
    pub rows: usize,
    pub first: Option<NaiveDate>,
    pub last: Option<NaiveDate>,
    pub splits: Vec<SplitEvent>,
    pub dividends: Vec<DividendEvent>,
    pub timezone: Option<String>,
    pub currency: Option<String>,
    /// Size of the Parquet file as written, to detect truncation.
    pub parquet_bytes: u64,
}

/// How many requests a manifest remembers.
const FETCH_LOG: usize = 20;

/// A symbol's stored bars and manifest.
#[derive(Debug, Clone)]
pub struct Stored {
    pub manifest: Manifest,
    pub bars: Vec<Bar>,
}

impl Stored {
    /// Merges a fetched history: a bar of a date already held is replaced (revisions win),
    /// events are unioned by date.
    pub fn merge(&mut self, history: History, range: DateRange, at: DateTime<Utc>) {
        let mut by_date: BTreeMap<NaiveDate, Bar> =
            self.bars.drain(..).map(|b| (b.date, b)).collect();
        for bar in history.bars {
            by_date.insert(bar.date, bar);
        }
        self.bars = by_date.into_values().collect();
        let m = &mut self.manifest;
        merge_events(&mut m.splits, history.splits, |s| s.date);
        merge_events(&mut m.dividends, history.dividends, |d| d.date);
        if range.to >= m.covered.to {
            m.tail_fetched_at = at;
        }
        m.covered = m.covered.union(range);
        m.fetched_at = at;
        m.fetches.push(FetchRecord { range, at });
        if m.fetches.len() > FETCH_LOG {
            m.fetches.drain(..m.fetches.len() - FETCH_LOG);
        }
        m.timezone = history.timezone.or(m.timezone.take());
        m.currency = history.currency.or(m.currency.take());
        m.rows = self.bars.len();
        m.first = self.bars.first().map(|b| b.date);
        m.last = self.bars.last().map(|b| b.date);
    }

    /// An empty record for a symbol the store has never fetched.
    pub fn empty(symbol: &Ticker, source: &str, range: DateRange, at: DateTime<Utc>) -> Stored {
        Stored {
            manifest: Manifest {
                symbol: symbol.to_string(),
                source: source.to_string(),
                covered: range,
                tail_fetched_at: at,
                fetched_at: at,
                fetches: Vec::new(),
                rows: 0,
                first: None,
                last: None,
                splits: Vec::new(),
                dividends: Vec::new(),
                timezone: None,
                currency: None,
                parquet_bytes: 0,
            },
            bars: Vec::new(),
        }
    }
}

fn merge_events<T>(into: &mut Vec<T>, new: Vec<T>, date: impl Fn(&T) -> NaiveDate) {
    for event in new {
        into.retain(|e| date(e) != date(&event));
        into.push(event);
    }
    into.sort_by_key(|e| date(e));
}

/// Why stored data cannot be trusted.
#[derive(Debug, Clone, PartialEq)]
pub struct Corrupt(pub String);

/// An exclusive lock on one symbol of the store, released when dropped.
#[derive(Debug)]
pub struct SymbolLock {
    _file: File,
}

/// The price store.
#[derive(Debug, Clone)]
pub struct Store {
    root: PathBuf,
}

impl Store {
    /// Opens (and creates) a store rooted at `root`.
    pub fn open(root: impl Into<PathBuf>) -> Result<Self> {
        let root = root.into();
        let prices = root.join("prices");
        std::fs::create_dir_all(&prices).map_err(|e| Error::io(&prices, e))?;
        // What a writer killed mid-write left behind (the store itself is whole).
        crate::util::remove_stale_temps(&prices);
        Ok(Store { root })
    }

    /// A store rooted at `root` that is only read (nothing is created).
    pub fn at(root: impl Into<PathBuf>) -> Self {
        Store { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    fn file(&self, symbol: &Ticker, ext: &str) -> PathBuf {
        self.root
            .join("prices")
            .join(format!("{}.{ext}", symbol.as_str()))
    }

    pub fn parquet_path(&self, symbol: &Ticker) -> PathBuf {
        self.file(symbol, "parquet")
    }

    pub fn manifest_path(&self, symbol: &Ticker) -> PathBuf {
        self.file(symbol, "json")
    }

    /// Blocks until this process holds the symbol's lock: two cron jobs fetching the same
    /// symbol take turns instead of interleaving their writes.
    pub fn lock(&self, symbol: &Ticker) -> Result<SymbolLock> {
        self.lock_within(symbol, None, &|| {})
    }

    /// Takes the symbol's lock, waiting at most `timeout` (`None`: as long as it takes) for
    /// another process to release it; `waiting` is called once if it has to wait. A lock still
    /// held at the timeout is an error naming the lock file.
    pub fn lock_within(
        &self,
        symbol: &Ticker,
        timeout: Option<std::time::Duration>,
        waiting: &dyn Fn(),
    ) -> Result<SymbolLock> {
        let path = self.file(symbol, "lock");
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| Error::io(&path, e))?;
        let started = std::time::Instant::now();
        let mut said = false;
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(SymbolLock { _file: file }),
                Err(std::fs::TryLockError::WouldBlock) => {}
                Err(std::fs::TryLockError::Error(e)) => return Err(Error::io(&path, e)),
            }
            if !said {
                waiting();
                said = true;
            }
            if timeout.is_some_and(|t| started.elapsed() >= t) {
                return Err(Error::data(format!(
                    "another process has held the store's lock on {symbol} for {} s ({}); if no other eventstudy runs, remove that file",
                    started.elapsed().as_secs(),
                    path.display()
                )));
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    }

    /// The manifest of a symbol, if the store has one.
    pub fn manifest(&self, symbol: &Ticker) -> std::result::Result<Option<Manifest>, Corrupt> {
        let path = self.manifest_path(symbol);
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|e| Corrupt(format!("{} is not a valid manifest ({e})", path.display()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Corrupt(format!("{}: {e}", path.display()))),
        }
    }

    /// Loads a symbol: `Ok(None)` when never fetched, `Err(Corrupt)` when the files disagree
    /// with each other or cannot be read.
    pub fn load(&self, symbol: &Ticker) -> std::result::Result<Option<Stored>, Corrupt> {
        // A writer renames the Parquet file, then the manifest: a reader between the two sees
        // a new file with the old manifest. That lasts microseconds; a file that still
        // disagrees after a few looks is corrupt.
        let mut tries = 0;
        loop {
            match self.load_once(symbol) {
                Err(_) if tries < 3 => {
                    tries += 1;
                    std::thread::sleep(std::time::Duration::from_millis(20 * tries));
                }
                other => return other,
            }
        }
    }

    fn load_once(&self, symbol: &Ticker) -> std::result::Result<Option<Stored>, Corrupt> {
        let Some(manifest) = self.manifest(symbol)? else {
            return Ok(None);
        };
        let path = self.parquet_path(symbol);
        let size = std::fs::metadata(&path)
            .map_err(|e| Corrupt(format!("{}: {e}", path.display())))?
            .len();
        if size != manifest.parquet_bytes {
            return Err(Corrupt(format!(
                "{} has {size} bytes, the manifest says {}",
                path.display(),
                manifest.parquet_bytes
            )));
        }
        let df = read_parquet(&path)
            .map_err(|e| Corrupt(format!("{} cannot be read ({e})", path.display())))?;
        let bars = bars_from_frame(&df).map_err(|e| Corrupt(format!("{}: {e}", path.display())))?;
        if bars.len() != manifest.rows {
            return Err(Corrupt(format!(
                "{} has {} rows, the manifest says {}",
                path.display(),
                bars.len(),
                manifest.rows
            )));
        }
        Ok(Some(Stored { manifest, bars }))
    }

    /// Writes a symbol: the Parquet file, then the manifest, each atomically. Call it while
    /// holding the symbol's lock.
    pub fn save(&self, symbol: &Ticker, stored: &mut Stored) -> Result<()> {
        let mut df = frame_from_bars(&stored.bars)?;
        let mut bytes = Vec::new();
        ParquetWriter::new(&mut bytes)
            .finish(&mut df)
            .map_err(|e| polars_err("writing Parquet", e))?;
        stored.manifest.parquet_bytes = bytes.len() as u64;
        stored.manifest.rows = stored.bars.len();
        let parquet = self.parquet_path(symbol);
        write_atomic(&parquet, &bytes).map_err(|e| Error::io(&parquet, e))?;
        let json = serde_json::to_vec_pretty(&stored.manifest)
            .map_err(|e| Error::Internal(format!("manifest: {e}")))?;
        let manifest = self.manifest_path(symbol);
        write_atomic(&manifest, &json).map_err(|e| Error::io(&manifest, e))
    }

    /// Every symbol's manifest, sorted by symbol; unreadable ones are reported as such.
    pub fn list(&self) -> Result<Vec<(String, std::result::Result<Manifest, Corrupt>)>> {
        let dir = self.root.join("prices");
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(Error::io(&dir, e)),
        };
        let mut out = Vec::new();
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let Some(symbol) = name.strip_suffix(".json").filter(|s| !s.starts_with('.')) else {
                continue;
            };
            let Ok(ticker) = symbol.parse::<Ticker>() else {
                continue;
            };
            let state = self.load(&ticker).and_then(|s| {
                s.map(|s| s.manifest)
                    .ok_or_else(|| Corrupt("no manifest".into()))
            });
            out.push((symbol.to_string(), state));
        }
        out.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(out)
    }

    /// A symbol's prices as a `PriceFrame`, for the study.
    pub fn price_frame(&self, symbol: &Ticker) -> Result<(PriceFrame, Manifest)> {
        match self.load(symbol) {
            Ok(Some(stored)) if !stored.bars.is_empty() => {
                let frame = PriceFrame::with_volume(
                    stored.bars.iter().map(|b| b.date).collect(),
                    Some(stored.bars.iter().map(|b| b.close).collect()),
                    stored.bars.iter().map(|b| b.adj_close).collect(),
                    Some(
                        stored
                            .bars
                            .iter()
                            .map(|b| b.volume.map(|v| v as f64))
                            .collect(),
                    ),
                )?;
                Ok((frame, stored.manifest))
            }
            Ok(_) => Err(Error::data(format!(
                "no data for {symbol} in the store at {}",
                self.root.display()
            ))),
            Err(Corrupt(m)) => Err(Error::data(format!(
                "the store's copy of {symbol} is corrupt: {m}"
            ))),
        }
    }
}

fn read_parquet(path: &Path) -> PolarsResult<DataFrame> {
    let file = File::open(path)?;
    ParquetReader::new(file).finish()
}

fn frame_from_bars(bars: &[Bar]) -> Result<DataFrame> {
    let days: Vec<i32> = bars.iter().map(|b| epoch_days(b.date)).collect();
    let date = Series::new("date".into(), days)
        .cast(&DataType::Date)
        .map_err(|e| polars_err("date", e))?;
    let col = |name: &str, f: fn(&Bar) -> Option<f64>| -> Column {
        Series::new(name.into(), bars.iter().map(f).collect::<Vec<_>>()).into()
    };
    let volume: Vec<Option<i64>> = bars.iter().map(|b| b.volume.map(|v| v as i64)).collect();
    DataFrame::new(
        bars.len(),
        vec![
            date.into(),
            col("open", |b| b.open),
            col("high", |b| b.high),
            col("low", |b| b.low),
            col("close", |b| b.close),
            col("adj_close", |b| b.adj_close),
            Series::new("volume".into(), volume).into(),
        ],
    )
    .map_err(|e| polars_err("price table", e))
}

fn bars_from_frame(df: &DataFrame) -> Result<Vec<Bar>> {
    let dates = date_column(df, "date")?;
    let get = |name: &str| f64_column(df, name);
    let (open, high, low, close, adj) = (
        get("open")?,
        get("high")?,
        get("low")?,
        get("close")?,
        get("adj_close")?,
    );
    let volume = get("volume")?;
    let opt = |v: f64| v.is_finite().then_some(v);
    Ok((0..dates.len())
        .map(|i| Bar {
            date: dates[i],
            open: opt(open[i]),
            high: opt(high[i]),
            low: opt(low[i]),
            close: opt(close[i]),
            adj_close: opt(adj[i]),
            volume: opt(volume[i]).map(|v| v as u64),
        })
        .collect())
}

/// Days before the moment of a fetch whose bars may still be revised by the source.
pub const REVISION_DAYS: i64 = 5;
/// Days an increment overlaps the stored data, to check that both share one price basis.
pub const SEAM_DAYS: i64 = 10;

/// The requests needed to make the store cover `need`, each overlapping the stored data so the
/// seam can be checked. `None` for the store means nothing is held: one request for `need`.
///
/// The end of the covered range counts as settled only up to `REVISION_DAYS` before it was
/// fetched: a bar fetched the day it was made may be revised.
pub fn plan(manifest: Option<&Manifest>, need: DateRange, today: NaiveDate) -> Vec<DateRange> {
    let need = DateRange::new(need.from.min(today), need.to.min(today));
    let Some(m) = manifest else {
        return vec![need];
    };
    let mut increments = Vec::new();
    let seam = chrono::Duration::days(SEAM_DAYS);
    if need.from < m.covered.from {
        increments.push(DateRange::new(
            need.from,
            (m.covered.from + seam).min(m.covered.to),
        ));
    }
    // A manifest written while the clock ran ahead claims a fetch (and coverage) in the future:
    // nothing after today can be settled, or later runs would never fetch again.
    let fetched = m.tail_fetched_at.date_naive().min(today);
    let settled = m
        .covered
        .to
        .min(today)
        .min(fetched - chrono::Duration::days(REVISION_DAYS));
    if need.to > settled {
        let start = (settled - seam).max(m.covered.from).min(need.to);
        increments.push(DateRange::new(start, need.to));
    }
    increments
}

/// Whether a fetched history and the stored bars share one price basis on the dates both have.
///
/// Yahoo back-adjusts `adj_close` for every new dividend, and `close` and `adj_close` for every
/// new split. After either, stored bars and new bars no longer fit together: the whole range
/// must be fetched again. A relative difference above 1e-6 on a date both hold (the bars
/// closest to the stored data's edge, away from revisions of the latest bars) is such a change.
pub fn same_basis(stored: &[Bar], fetched: &[Bar], left_side: bool) -> bool {
    let held: BTreeMap<NaiveDate, &Bar> = stored.iter().map(|b| (b.date, b)).collect();
    let mut common = fetched
        .iter()
        .filter_map(|b| held.get(&b.date).map(|s| (*s, b)));
    let probe = if left_side {
        common.next_back()
    } else {
        common.next()
    };
    let Some((old, new)) = probe else {
        return true;
    };
    let close = |a: Option<f64>, b: Option<f64>| match (a, b) {
        (Some(a), Some(b)) => ((a - b) / a).abs() <= 1e-6,
        _ => true,
    };
    close(old.adj_close, new.adj_close) && close(old.close, new.close)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn at(s: &str) -> DateTime<Utc> {
        format!("{s}T22:00:00Z").parse().unwrap()
    }

    fn bar(date: &str, adj: f64) -> Bar {
        Bar {
            date: d(date),
            open: Some(adj),
            high: Some(adj),
            low: Some(adj),
            close: Some(adj * 1.01),
            adj_close: Some(adj),
            volume: Some(7),
        }
    }

    fn manifest(from: &str, to: &str, fetched: &str) -> Manifest {
        let mut s = Stored::empty(
            &"X".parse().unwrap(),
            "yahoo",
            DateRange::new(d(from), d(to)),
            at(fetched),
        );
        s.manifest.tail_fetched_at = at(fetched);
        s.manifest
    }

    #[test]
    fn plan_fetches_only_what_is_missing() {
        let today = d("2026-11-29");
        let need = DateRange::new(d("2024-01-01"), d("2025-02-15"));
        assert_eq!(plan(None, need, today), vec![need]);
        // Covered long ago and settled: nothing to do.
        let m = manifest("2023-06-01", "2025-06-30", "2025-08-01");
        assert!(plan(Some(&m), need, today).is_empty());
        // Missing the left part: one request that overlaps the stored start by SEAM_DAYS.
        let m = manifest("2024-06-01", "2025-06-30", "2025-08-01");
        assert_eq!(
            plan(Some(&m), need, today),
            vec![DateRange::new(d("2024-01-01"), d("2024-06-11"))]
        );
    }

    #[test]
    fn plan_refetches_a_recent_tail() {
        let today = d("2026-11-29");
        // Fetched on the 27th up to the 27th: the last REVISION_DAYS are unsettled.
        let m = manifest("2026-01-02", "2026-11-27", "2026-11-27");
        let need = DateRange::new(d("2026-03-01"), d("2026-12-31"));
        let inc = plan(Some(&m), need, today);
        // Settled up to the 22nd; refetch from SEAM_DAYS before that, up to today (not the future).
        assert_eq!(inc, vec![DateRange::new(d("2026-11-12"), d("2026-11-29"))]);
    }

    #[test]
    fn a_manifest_from_a_clock_ahead_does_not_stop_refetches() {
        let today = d("2026-11-29");
        // Written by a machine whose clock was a month ahead.
        let m = manifest("2026-01-02", "2026-12-29", "2026-12-29");
        let need = DateRange::new(d("2026-03-01"), d("2026-11-29"));
        let inc = plan(Some(&m), need, today);
        assert_eq!(inc, vec![DateRange::new(d("2026-11-14"), d("2026-11-29"))]);
    }

    #[test]
    fn merge_replaces_revised_bars_and_records_the_fetch() {
        let mut s = Stored::empty(
            &"X".parse().unwrap(),
            "yahoo",
            DateRange::new(d("2025-01-01"), d("2025-01-10")),
            at("2025-01-10"),
        );
        s.bars = vec![bar("2025-01-02", 10.0), bar("2025-01-03", 11.0)];
        let history = History {
            bars: vec![bar("2025-01-03", 11.5), bar("2025-01-06", 12.0)],
            splits: vec![SplitEvent {
                date: d("2025-01-06"),
                numerator: 2.0,
                denominator: 1.0,
            }],
            ..History::default()
        };
        s.merge(
            history,
            DateRange::new(d("2025-01-03"), d("2025-01-20")),
            at("2025-01-20"),
        );
        let adj: Vec<f64> = s.bars.iter().map(|b| b.adj_close.unwrap()).collect();
        assert_eq!(adj, [10.0, 11.5, 12.0]);
        assert_eq!(
            s.manifest.covered,
            DateRange::new(d("2025-01-01"), d("2025-01-20"))
        );
        assert_eq!(s.manifest.rows, 3);
        assert_eq!(s.manifest.last, Some(d("2025-01-06")));
        assert_eq!(s.manifest.splits.len(), 1);
        assert_eq!(s.manifest.tail_fetched_at, at("2025-01-20"));
    }

    #[test]
    fn a_reader_between_the_two_renames_waits_for_the_manifest() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let x: Ticker = "X".parse().unwrap();
        let range = DateRange::new(d("2025-01-01"), d("2025-01-10"));
        let mut old = Stored::empty(&x, "yahoo", range, at("2025-01-10"));
        old.bars = vec![bar("2025-01-02", 10.0)];
        store.save(&x, &mut old).unwrap();
        let old_manifest = std::fs::read(store.manifest_path(&x)).unwrap();
        let mut new = Stored::empty(&x, "yahoo", range, at("2025-01-10"));
        new.bars = vec![bar("2025-01-02", 10.0), bar("2025-01-03", 11.0)];
        store.save(&x, &mut new).unwrap();
        let new_manifest = std::fs::read(store.manifest_path(&x)).unwrap();
        // The moment between a writer's two renames: the new Parquet file, the old manifest.
        std::fs::write(store.manifest_path(&x), &old_manifest).unwrap();
        let path = store.manifest_path(&x);
        let writer = std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(15));
            crate::util::write_atomic(&path, &new_manifest).unwrap();
        });
        let loaded = store.load(&x).unwrap().unwrap();
        writer.join().unwrap();
        assert_eq!(
            loaded.bars.len(),
            2,
            "the reader saw the new pair, not corruption"
        );
    }

    #[test]
    fn seam_check_sees_a_new_basis() {
        let stored = vec![bar("2025-01-02", 10.0), bar("2025-01-03", 11.0)];
        assert!(same_basis(
            &stored,
            &[bar("2025-01-03", 11.0), bar("2025-01-06", 12.0)],
            false
        ));
        // After a 2:1 split every old price halves.
        assert!(!same_basis(
            &stored,
            &[bar("2025-01-03", 5.5), bar("2025-01-06", 6.0)],
            false
        ));
        assert!(
            same_basis(&stored, &[bar("2025-01-07", 1.0)], false),
            "no overlap, nothing to compare"
        );
    }

    #[test]
    fn save_load_and_detect_corruption() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let x: Ticker = "^X".parse().unwrap();
        assert!(store.load(&x).unwrap().is_none());
        let mut s = Stored::empty(
            &x,
            "yahoo",
            DateRange::new(d("2025-01-01"), d("2025-01-10")),
            at("2025-01-10"),
        );
        s.merge(
            History {
                bars: vec![bar("2025-01-02", 10.0), bar("2025-01-03", 11.0)],
                ..History::default()
            },
            s.manifest.covered,
            at("2025-01-10"),
        );
        let _lock = store.lock(&x).unwrap();
        store.save(&x, &mut s).unwrap();
        let back = store.load(&x).unwrap().unwrap();
        assert_eq!(back.bars, s.bars);
        assert_eq!(back.manifest, s.manifest);
        let (frame, _) = store.price_frame(&x).unwrap();
        assert_eq!(frame.len(), 2);

        // Truncate the Parquet file: detected.
        let path = store.parquet_path(&x);
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
        let err = store.load(&x).unwrap_err();
        assert!(err.0.contains("bytes"), "{err:?}");
        // Same size, garbage inside: detected by the reader.
        std::fs::write(&path, vec![b'x'; bytes.len()]).unwrap();
        assert!(store.load(&x).unwrap_err().0.contains("cannot be read"));
        let listed = store.list().unwrap();
        assert_eq!(listed.len(), 1);
        assert!(listed[0].1.is_err());
    }
}
