//! The store's intraday bars, beside the daily prices: `<data-dir>/bars/<interval>/<SYMBOL>.parquet`
//! (columns `timestamp`, Unix seconds UTC of the bar's start, `close`, `volume`) and its
//! manifest `<SYMBOL>.json`. Every bar it is given is kept, so a daily `fetch --interval 1m`
//! from cron builds an archive longer than Yahoo keeps. Writes are atomic and made under the
//! symbol's lock (the daily prices' lock), the Parquet file first, then the manifest.

use std::fs::File;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use polars::prelude::*;
use serde::{Deserialize, Serialize};

use crate::data::prices::polars_err;
use crate::data::store::Corrupt;
use crate::error::{Error, Result};
use crate::study::bars::{Interval, RawBar};
use crate::ticker::Ticker;
use crate::util::write_atomic;

/// What the store knows of one symbol's bars at one interval.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BarManifest {
    pub symbol: String,
    pub interval: String,
    pub source: String,
    /// The first and last bar's start, Unix seconds UTC.
    pub first: i64,
    pub last: i64,
    /// The span asked of the source so far (Unix seconds): a range without sessions in it
    /// (a weekend, a holiday) is not asked for again.
    pub covered: (i64, i64),
    pub rows: usize,
    pub parquet_bytes: u64,
    pub fetched_at: DateTime<Utc>,
    /// The exchange's IANA zone, as the source named it.
    pub exchange_tz: Option<String>,
}

/// The bars of one interval in the store.
#[derive(Debug, Clone)]
pub struct BarStore {
    dir: PathBuf,
    interval: Interval,
}

impl BarStore {
    /// The store's folder of `interval` bars under `root` (nothing is created until a save).
    pub fn new(root: &Path, interval: Interval) -> BarStore {
        BarStore {
            dir: root.join("bars").join(interval.to_string()),
            interval,
        }
    }

    fn file(&self, symbol: &Ticker, ext: &str) -> PathBuf {
        self.dir.join(format!("{}.{ext}", symbol.as_str()))
    }

    pub fn parquet_path(&self, symbol: &Ticker) -> PathBuf {
        self.file(symbol, "parquet")
    }

    /// The manifest and the bars, oldest first: `Ok(None)` when never stored.
    pub fn load(
        &self,
        symbol: &Ticker,
    ) -> std::result::Result<Option<(BarManifest, Vec<RawBar>)>, Corrupt> {
        let path = self.file(symbol, "json");
        let manifest: BarManifest = match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
                Corrupt(format!("{} is not a valid manifest ({e})", path.display()))
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Corrupt(format!("{}: {e}", path.display()))),
        };
        let parquet = self.parquet_path(symbol);
        let size = std::fs::metadata(&parquet)
            .map_err(|e| Corrupt(format!("{}: {e}", parquet.display())))?
            .len();
        if size != manifest.parquet_bytes {
            return Err(Corrupt(format!(
                "{} has {size} bytes, the manifest says {}",
                parquet.display(),
                manifest.parquet_bytes
            )));
        }
        let bars = read_bars(&parquet)
            .map_err(|e| Corrupt(format!("{} cannot be read ({e})", parquet.display())))?;
        if bars.len() != manifest.rows {
            return Err(Corrupt(format!(
                "{} has {} rows, the manifest says {}",
                parquet.display(),
                bars.len(),
                manifest.rows
            )));
        }
        Ok(Some((manifest, bars)))
    }

    /// Merges `new` into what is stored (a bar given again replaces the stored one) and
    /// writes both files atomically. Call it holding the symbol's lock. Returns the manifest.
    pub fn merge_and_save(
        &self,
        symbol: &Ticker,
        stored: Vec<RawBar>,
        new: Vec<RawBar>,
        covered: (i64, i64),
        exchange_tz: Option<String>,
        at: DateTime<Utc>,
    ) -> Result<BarManifest> {
        let mut bars = merge(stored, new);
        bars.retain(|b| b.close.is_finite());
        let (Some(first), Some(last)) = (bars.first(), bars.last()) else {
            return Err(Error::data(format!(
                "no {} bars for {symbol}",
                self.interval
            )));
        };
        let (first, last) = (first.start, last.start);
        let mut df = frame(&bars)?;
        let mut bytes = Vec::new();
        ParquetWriter::new(&mut bytes)
            .finish(&mut df)
            .map_err(|e| polars_err("writing Parquet", e))?;
        std::fs::create_dir_all(&self.dir).map_err(|e| Error::io(&self.dir, e))?;
        let manifest = BarManifest {
            symbol: symbol.to_string(),
            interval: self.interval.to_string(),
            source: "yahoo".into(),
            first,
            last,
            covered: (covered.0.min(first), covered.1.max(last)),
            rows: bars.len(),
            parquet_bytes: bytes.len() as u64,
            fetched_at: at,
            exchange_tz,
        };
        let parquet = self.parquet_path(symbol);
        write_atomic(&parquet, &bytes).map_err(|e| Error::io(&parquet, e))?;
        let json = serde_json::to_vec_pretty(&manifest)
            .map_err(|e| Error::Internal(format!("manifest: {e}")))?;
        let path = self.file(symbol, "json");
        write_atomic(&path, &json).map_err(|e| Error::io(&path, e))?;
        Ok(manifest)
    }

    /// Every symbol's manifest at this interval, sorted; unreadable ones as such.
    pub fn list(&self) -> Vec<(String, std::result::Result<BarManifest, Corrupt>)> {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return Vec::new();
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
                s.map(|(m, _)| m)
                    .ok_or_else(|| Corrupt("no manifest".into()))
            });
            out.push((symbol.to_string(), state));
        }
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }
}

/// The intervals the store holds bars of, in `Interval::NAMES` order.
pub fn stored_intervals(root: &Path) -> Vec<Interval> {
    Interval::NAMES
        .iter()
        .filter_map(|n| n.parse::<Interval>().ok())
        .filter(|i| i.is_intraday() && root.join("bars").join(i.to_string()).is_dir())
        .collect()
}

/// `stored` and `new` as one series by start, oldest first; `new` wins a shared start.
pub fn merge(stored: Vec<RawBar>, new: Vec<RawBar>) -> Vec<RawBar> {
    let mut by_start: std::collections::BTreeMap<i64, RawBar> = Default::default();
    for b in stored.into_iter().chain(new) {
        by_start.insert(b.start, b);
    }
    by_start.into_values().collect()
}

fn frame(bars: &[RawBar]) -> Result<DataFrame> {
    let columns = vec![
        Column::new(
            "timestamp".into(),
            bars.iter().map(|b| b.start).collect::<Vec<i64>>(),
        ),
        Column::new(
            "close".into(),
            bars.iter().map(|b| b.close).collect::<Vec<f64>>(),
        ),
        Column::new(
            "volume".into(),
            bars.iter()
                .map(|b| b.volume.is_finite().then_some(b.volume))
                .collect::<Vec<Option<f64>>>(),
        ),
    ];
    DataFrame::new(bars.len(), columns).map_err(|e| polars_err("bars", e))
}

fn read_bars(path: &Path) -> PolarsResult<Vec<RawBar>> {
    let df = ParquetReader::new(File::open(path)?).finish()?;
    let start = df.column("timestamp")?.i64()?;
    let close = df.column("close")?.f64()?;
    let volume = df.column("volume")?.f64()?;
    Ok(start
        .iter()
        .zip(close.iter())
        .zip(volume.iter())
        .filter_map(|((s, c), v)| {
            Some(RawBar {
                start: s?,
                close: c.unwrap_or(f64::NAN),
                volume: v.unwrap_or(f64::NAN),
            })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bar(start: i64, close: f64) -> RawBar {
        RawBar {
            start,
            close,
            volume: 10.0,
        }
    }

    #[test]
    fn saves_merges_and_detects_corruption() {
        let dir = tempfile::tempdir().unwrap();
        let store = BarStore::new(dir.path(), Interval::Minutes(1));
        let t: Ticker = "NVDA".parse().unwrap();
        let at = Utc::now();
        let m = store
            .merge_and_save(
                &t,
                vec![],
                vec![bar(60, 1.0), bar(0, 2.0)],
                (0, 100),
                None,
                at,
            )
            .unwrap();
        assert_eq!((m.first, m.last, m.rows), (0, 60, 2));
        let (_, stored) = store.load(&t).unwrap().unwrap();
        // A second fetch overlaps the first: the new value of a shared bar wins.
        let m = store
            .merge_and_save(
                &t,
                stored,
                vec![bar(60, 3.0), bar(120, 4.0)],
                (-50, 100),
                Some("America/New_York".into()),
                at,
            )
            .unwrap();
        assert_eq!((m.first, m.last, m.rows), (0, 120, 3));
        assert_eq!(m.covered, (-50, 120));
        let (manifest, bars) = store.load(&t).unwrap().unwrap();
        assert_eq!(
            bars.iter().map(|b| b.close).collect::<Vec<_>>(),
            [2.0, 3.0, 4.0]
        );
        assert_eq!(manifest.exchange_tz.as_deref(), Some("America/New_York"));
        assert_eq!(stored_intervals(dir.path()), [Interval::Minutes(1)]);
        assert_eq!(store.list().len(), 1);
        std::fs::write(store.parquet_path(&t), b"not parquet").unwrap();
        assert!(store.load(&t).is_err());
    }
}
