//! `eventstudy store list`.

use std::fmt::Write;
use std::path::Path;

use serde::Serialize;

use crate::data::store::Store;
use crate::error::{Error, Result};
use crate::options::OutputFormat;

/// One stored symbol as `store list` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct StoreEntry {
    pub symbol: String,
    pub first: Option<chrono::NaiveDate>,
    pub last: Option<chrono::NaiveDate>,
    pub rows: Option<usize>,
    pub fetched_at: Option<chrono::DateTime<chrono::Utc>>,
    pub splits: usize,
    pub dividends: usize,
    /// `ok`, or why the stored copy cannot be trusted.
    pub status: String,
}

pub fn list_store(data_dir: &Path) -> Result<Vec<StoreEntry>> {
    Ok(Store::at(data_dir)
        .list()?
        .into_iter()
        .map(|(symbol, state)| match state {
            Ok(m) => StoreEntry {
                symbol,
                first: m.first,
                last: m.last,
                rows: Some(m.rows),
                fetched_at: Some(m.fetched_at),
                splits: m.splits.len(),
                dividends: m.dividends.len(),
                status: "ok".into(),
            },
            Err(corrupt) => StoreEntry {
                symbol,
                first: None,
                last: None,
                rows: None,
                fetched_at: None,
                splits: 0,
                dividends: 0,
                status: format!("corrupt: {} (refetched on next use)", corrupt.0),
            },
        })
        .collect())
}

pub fn render_store_list(
    data_dir: &Path,
    entries: &[StoreEntry],
    format: OutputFormat,
) -> Result<String> {
    if format == OutputFormat::Json {
        return serde_json::to_string_pretty(entries)
            .map(|s| s + "\n")
            .map_err(|e| Error::Internal(format!("JSON: {e}")));
    }
    let mut out = String::new();
    if entries.is_empty() {
        let _ = writeln!(
            out,
            "the store at {} is empty (fill it with `eventstudy fetch`)",
            data_dir.display()
        );
        return Ok(out);
    }
    let _ = writeln!(out, "store: {}", data_dir.display());
    let _ = writeln!(
        out,
        "{:<10}  {:<10}  {:<10}  {:>6}  {:<20}  {:>6}  {:>9}  status",
        "symbol", "first", "last", "rows", "fetched at (UTC)", "splits", "dividends"
    );
    let show = |d: Option<chrono::NaiveDate>| d.map_or("-".into(), |d| d.to_string());
    for e in entries {
        let _ = writeln!(
            out,
            "{:<10}  {:<10}  {:<10}  {:>6}  {:<20}  {:>6}  {:>9}  {}",
            e.symbol,
            show(e.first),
            show(e.last),
            e.rows.map_or("-".into(), |r| r.to_string()),
            e.fetched_at
                .map_or("-".into(), |t| t.format("%Y-%m-%d %H:%M").to_string()),
            e.splits,
            e.dividends,
            e.status
        );
    }
    Ok(out)
}
