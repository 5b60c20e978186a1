//! Each command, from its validated options to what it prints and the exit code it earned.
//! `run` and `batch` are the [`crate::pipeline`], `doctor` is [`crate::doctor`]; `fetch` and
//! `store list` are short enough to live here.

use std::path::{Path, PathBuf};

use crate::console::Console;
use crate::data::bar_fetch::BarFetcher;
use crate::data::fetch::{Fetcher, SymbolReport};
use crate::data::http::NetworkSettings;
use crate::data::store::{DateRange, Store};
use crate::doctor;
use crate::error::{exit, Result};
use crate::export::Output;
use crate::note::Warning;
use crate::options::{CommandOptions, FetchOptions};
use crate::pipeline;
use crate::report::{Check, CheckStatus, FetchedSymbol, StoreEntry, Summary};
use crate::synthetic;

/// What a command produced.
#[derive(Debug)]
pub enum Produced {
    Study(Box<Summary>),
    /// `simulate`.
    Simulation(Box<crate::report::simulation::SimulationReport>),
    /// An intraday study.
    Bars(Box<crate::report::bars::BarSummary>),
    Fetch(Vec<FetchedSymbol>),
    StoreList {
        data_dir: PathBuf,
        entries: Vec<StoreEntry>,
    },
    Doctor(Vec<Check>),
    /// A line saying what was written.
    Message(String),
    /// A text printed as is (completions, the man page).
    Text(String),
}

impl Produced {
    /// The view the output layer prints.
    pub fn output(&self) -> Output<'_> {
        match self {
            Produced::Study(summary) => Output::Study(summary),
            Produced::Simulation(report) => Output::Simulation(report),
            Produced::Bars(summary) => Output::Bars(summary),
            Produced::Fetch(rows) => Output::Fetch(rows),
            Produced::StoreList { data_dir, entries } => Output::StoreList { data_dir, entries },
            Produced::Doctor(checks) => Output::Doctor(checks),
            Produced::Message(text) => Output::Message(text),
            Produced::Text(text) => Output::Text(text),
        }
    }
}

/// A finished command: its results and its exit code (0, or the worst failure's when nothing
/// useful was produced).
#[derive(Debug)]
pub struct Outcome {
    pub produced: Produced,
    pub exit_code: i32,
    /// The one-line error of a command that produced nothing useful (no event ran, no symbol
    /// was fetched): `main` prints it last, on stderr, even under `--quiet`.
    pub failure: Option<String>,
}

/// Runs one command.
pub fn execute(options: &CommandOptions) -> Result<Outcome> {
    match options {
        CommandOptions::Study(options) if options.study.intraday.is_some() => {
            let outcome = pipeline::intraday::run(options)?;
            Ok(Outcome {
                produced: Produced::Bars(Box::new(outcome.summary)),
                exit_code: outcome.exit_code,
                failure: outcome.failure,
            })
        }
        CommandOptions::Study(options) => {
            let outcome = pipeline::run(options)?;
            Ok(Outcome {
                produced: Produced::Study(Box::new(outcome.summary)),
                exit_code: outcome.exit_code,
                failure: outcome.failure,
            })
        }
        CommandOptions::Simulate(options) => Ok(Outcome {
            produced: Produced::Simulation(Box::new(pipeline::simulate::run(options)?)),
            exit_code: exit::OK,
            failure: None,
        }),
        CommandOptions::Fetch(options) => fetch(options),
        CommandOptions::StoreList(options) => Ok(Outcome {
            produced: Produced::StoreList {
                data_dir: options.data_dir.clone(),
                entries: list_store(&options.data_dir)?,
            },
            exit_code: exit::OK,
            failure: None,
        }),
        CommandOptions::ConfigShow(named) => Ok(Outcome {
            produced: Produced::Text(crate::config::show(named.clone())?),
            exit_code: exit::OK,
            failure: None,
        }),
        CommandOptions::Text(text) => Ok(Outcome {
            produced: Produced::Text(text.clone()),
            exit_code: exit::OK,
            failure: None,
        }),
        CommandOptions::ManPages { dir, pages } => Ok(Outcome {
            produced: Produced::Message(write_man_pages(dir, pages)?),
            exit_code: exit::OK,
            failure: None,
        }),
        CommandOptions::Synthetic(options) => {
            let panel = synthetic::generate(options)?;
            let days = match options.interval {
                crate::study::bars::Interval::Day => format!("{} days", options.days),
                bars => format!("{} sessions of {bars} bars", options.days),
            };
            Ok(Outcome {
                produced: Produced::Message(format!(
                    "wrote {} firms x {days} and {} events ({:.0} MB): --source csv:{} --events {} --benchmark {}",
                    options.firms,
                    options.events,
                    panel.bytes as f64 / 1e6,
                    panel.prices.display(),
                    panel.events.display(),
                    synthetic::BENCHMARK
                )),
                exit_code: exit::OK,
                failure: None,
            })
        }
        CommandOptions::Doctor(options, _) => {
            let checks = doctor::examine(options)?;
            let failed = checks.iter().any(|c| c.status == CheckStatus::Fail);
            Ok(Outcome {
                produced: Produced::Doctor(checks),
                exit_code: if failed { exit::DATA } else { exit::OK },
                failure: None,
            })
        }
    }
}

/// `eventstudy fetch`: every symbol over the range; the exit code is 0 when all succeeded,
/// else the worst failure's.
/// The day of a bar's start (UTC seconds) on its exchange's clock (New York without one).
fn bar_day(start: Option<i64>, zone: Option<&str>) -> Option<chrono::NaiveDate> {
    let zone: chrono_tz::Tz = zone
        .and_then(|z| z.parse().ok())
        .unwrap_or(chrono_tz::America::New_York);
    let utc = chrono::DateTime::from_timestamp(start?, 0)?;
    Some(utc.with_timezone(&zone).date_naive())
}

/// `fetch --interval 1m..90m`: bars into the store's archive, what Yahoo still has of the
/// range (the rest is said in a note).
fn fetch_bars(
    options: &FetchOptions,
    store: Store,
    console: &Console,
) -> Result<Vec<Result<SymbolReport>>> {
    let mut fetcher = BarFetcher::new(
        store,
        NetworkSettings::from_env()?,
        options.store_mode,
        options.interval,
    );
    fetcher.quiet_about_limits = false;
    let midnight = |d: chrono::NaiveDate| {
        d.and_hms_opt(0, 0, 0)
            .map_or(0, |t| t.and_utc().timestamp())
    };
    let (from, to) = (midnight(options.from), midnight(options.to) + 2 * 86_400);
    let needs: Vec<_> = options
        .tickers
        .iter()
        .map(|t| (t.clone(), from, to))
        .collect();
    let progress = console.progress("fetching bars");
    Ok(fetcher
        .ensure(&needs, progress.as_ref())
        .into_iter()
        .map(|r| {
            r.map(|b| SymbolReport {
                first: bar_day(b.first, b.exchange_tz.as_deref()),
                last: bar_day(b.last, b.exchange_tz.as_deref()),
                symbol: b.symbol,
                requests: b.requests,
                rows: b.rows,
                notes: b.notes,
            })
        })
        .collect())
}

fn fetch(options: &FetchOptions) -> Result<Outcome> {
    let console = Console::new(options.quiet);
    let store = Store::open(&options.data_dir)?;
    let results = if options.interval.is_intraday() {
        fetch_bars(options, store, &console)?
    } else {
        let fetcher = Fetcher::new(store, NetworkSettings::from_env()?, options.store_mode);
        let progress = console.progress("fetching");
        fetcher.ensure(
            &options.tickers,
            DateRange::new(options.from, options.to),
            progress.as_ref(),
        )
    };
    let mut code = exit::OK;
    let rows: Vec<FetchedSymbol> = options
        .tickers
        .iter()
        .zip(results)
        .map(|(symbol, result)| match result {
            Ok(r) => {
                for note in &r.notes {
                    console.note_on_symbol(symbol.as_str(), note);
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
                console.warn(&Warning::FetchFailed {
                    symbol: symbol.to_string(),
                    reason: e.to_string(),
                });
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
    console.flush();
    let failed: Vec<&FetchedSymbol> = rows.iter().filter(|r| !r.ok).collect();
    let failure = failed.first().map(|first| {
        format!(
            "{} of {} symbols could not be fetched (first: {}: {})",
            failed.len(),
            rows.len(),
            first.symbol,
            first.error.as_deref().unwrap_or("unknown")
        )
    });
    Ok(Outcome {
        produced: Produced::Fetch(rows),
        exit_code: code,
        failure,
    })
}

/// `eventstudy store list`: every stored symbol, and whether its copy can be trusted.
pub fn list_store(data_dir: &Path) -> Result<Vec<StoreEntry>> {
    let mut entries: Vec<StoreEntry> = Store::at(data_dir)
        .list()?
        .into_iter()
        .map(|(symbol, state)| match state {
            Ok(m) => StoreEntry {
                symbol,
                interval: "1d".into(),
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
                interval: "1d".into(),
                first: None,
                last: None,
                rows: None,
                fetched_at: None,
                splits: 0,
                dividends: 0,
                status: format!("corrupt: {} (refetched on next use)", corrupt.0),
            },
        })
        .collect();
    for interval in crate::data::bar_store::stored_intervals(data_dir) {
        let bars = crate::data::bar_store::BarStore::new(data_dir, interval);
        entries.extend(bars.list().into_iter().map(|(symbol, state)| {
            let (first, last, rows, fetched_at, status) = match state {
                Ok(m) => {
                    let zone = m.exchange_tz.as_deref();
                    (
                        bar_day(Some(m.first), zone),
                        bar_day(Some(m.last), zone),
                        Some(m.rows),
                        Some(m.fetched_at),
                        "ok".to_string(),
                    )
                }
                Err(corrupt) => (
                    None,
                    None,
                    None,
                    None,
                    format!("corrupt: {} (refetched on next use)", corrupt.0),
                ),
            };
            StoreEntry {
                symbol,
                interval: interval.to_string(),
                first,
                last,
                rows,
                fetched_at,
                splits: 0,
                dividends: 0,
                status,
            }
        }));
    }
    Ok(entries)
}

/// Writes each manual page into `dir` (created if need be), atomically; says what it wrote.
fn write_man_pages(dir: &Path, pages: &[(String, String)]) -> Result<String> {
    std::fs::create_dir_all(dir).map_err(|e| crate::error::Error::io(dir, e))?;
    for (name, roff) in pages {
        let path = dir.join(name);
        crate::util::write_atomic(&path, roff.as_bytes())
            .map_err(|e| crate::error::Error::io(&path, e))?;
    }
    let names: Vec<&str> = pages.iter().map(|(name, _)| name.as_str()).collect();
    Ok(format!(
        "wrote {} manual pages to {}: {}",
        pages.len(),
        dir.display(),
        names.join(", ")
    ))
}
