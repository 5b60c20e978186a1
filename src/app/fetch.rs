//! `eventstudy fetch`: fill the store ahead of time.

use std::fmt::Write;

use serde::Serialize;

use crate::app::Console;
use crate::data::fetch::Fetcher;
use crate::data::http::NetworkSettings;
use crate::data::store::{DateRange, Store};
use crate::error::{exit, Error, Result};
use crate::options::{FetchOptions, OutputFormat};

/// One symbol's outcome.
#[derive(Debug, Clone, Serialize)]
pub struct FetchedSymbol {
    pub symbol: String,
    pub ok: bool,
    pub requests: usize,
    pub rows: Option<usize>,
    pub first: Option<chrono::NaiveDate>,
    pub last: Option<chrono::NaiveDate>,
    pub notes: Vec<String>,
    pub error: Option<String>,
}

/// Fetches every symbol; the exit code is 0 when all succeeded, else the worst failure's.
pub fn fetch(options: &FetchOptions) -> Result<(Vec<FetchedSymbol>, i32)> {
    let console = Console::new(options.quiet);
    let store = Store::open(&options.data_dir)?;
    let fetcher = Fetcher::new(store, NetworkSettings::from_env()?, options.store_mode);
    let progress = console.progress("fetching");
    let results = fetcher.ensure(
        &options.tickers,
        DateRange::new(options.from, options.to),
        progress.as_ref(),
    );
    let mut code = exit::OK;
    let rows = options
        .tickers
        .iter()
        .zip(results)
        .map(|(symbol, result)| match result {
            Ok(r) => {
                for note in &r.notes {
                    console.warn(&format!("{symbol}: {note}"));
                }
                FetchedSymbol {
                    symbol: symbol.to_string(),
                    ok: true,
                    requests: r.requests,
                    rows: Some(r.rows),
                    first: r.first,
                    last: r.last,
                    notes: r.notes,
                    error: None,
                }
            }
            Err(e) => {
                console.warn(&format!("{symbol}: {e}"));
                code = code.max(e.exit_code());
                FetchedSymbol {
                    symbol: symbol.to_string(),
                    ok: false,
                    requests: 0,
                    rows: None,
                    first: None,
                    last: None,
                    notes: Vec::new(),
                    error: Some(e.to_string()),
                }
            }
        })
        .collect();
    Ok((rows, code))
}

pub fn render_fetch(rows: &[FetchedSymbol], format: OutputFormat) -> Result<String> {
    if format == OutputFormat::Json {
        return serde_json::to_string_pretty(rows)
            .map(|s| s + "\n")
            .map_err(|e| Error::Internal(format!("JSON: {e}")));
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<10}  {:<12}  {:>6}  {:<10}  {:<10}",
        "symbol", "status", "rows", "first", "last"
    );
    let show = |d: Option<chrono::NaiveDate>| d.map_or("-".into(), |d| d.to_string());
    for r in rows {
        let status = match (&r.error, r.requests) {
            (Some(_), _) => "failed".to_string(),
            (None, 0) => "up to date".to_string(),
            (None, n) => format!("{n} request{}", if n == 1 { "" } else { "s" }),
        };
        let _ = writeln!(
            out,
            "{:<10}  {:<12}  {:>6}  {:<10}  {:<10}{}",
            r.symbol,
            status,
            r.rows.map_or("-".into(), |n| n.to_string()),
            show(r.first),
            show(r.last),
            r.error.as_ref().map_or(String::new(), |e| format!("  {e}"))
        );
    }
    Ok(out)
}
