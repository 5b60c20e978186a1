//! `eventstudy run`: load, align, study, write.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::app::Console;
use crate::chart;
use crate::data::fetch::{calendar_span, Fetcher};
use crate::data::http::NetworkSettings;
use crate::data::sec::{adjust_for_splits, SecClient};
use crate::data::store::Store;
use crate::data::yahoo::SplitEvent;
use crate::data::{align, csv::CsvDirSource, PriceFrame, PriceSource, ShareCount, SharesTable};
use crate::error::{exit, Error, Result};
use crate::export::{self, csv as csv_out, json, table, write_atomic};
use crate::options::{OutputFormat, RunOptions, SharesSpec, SourceSpec};
use crate::report::{num, CarRow, Conventions, DayRow, EventReport, Exclusion, PricePath, Summary};
use crate::study::{self, ReturnPanel, StudyDesign, TradingCalendar};
use crate::ticker::Ticker;

/// What a finished run hands back to `main`: the summary and the exit code it earned.
#[derive(Debug)]
pub struct RunOutcome {
    pub summary: Summary,
    pub exit_code: i32,
}

/// Prices from the local store, filled from Yahoo first (unless offline).
struct StoreSource {
    store: Store,
    /// Symbols whose fetch failed, and why: their loads report that, not "not in the store".
    failures: HashMap<Ticker, String>,
}

impl PriceSource for StoreSource {
    fn load(&self, ticker: &Ticker) -> Result<PriceFrame> {
        if let Some(reason) = self.failures.get(ticker) {
            return Err(Error::data(reason.clone()));
        }
        self.store.price_frame(ticker).map(|(frame, _)| frame)
    }

    fn splits(&self, ticker: &Ticker) -> Vec<SplitEvent> {
        self.store
            .manifest(ticker)
            .ok()
            .flatten()
            .map(|m| m.splits)
            .unwrap_or_default()
    }

    fn describe(&self) -> String {
        format!("yahoo (store: {})", self.store.root().display())
    }
}

/// Trading days the design reaches before and after day 0 (one more before: a return needs
/// the previous price).
fn design_reach(design: &StudyDesign) -> (i32, i32) {
    let starts = design
        .car_windows
        .iter()
        .map(|w| w.start)
        .chain([design.estimation.start, design.window.start]);
    let ends = design
        .car_windows
        .iter()
        .map(|w| w.end)
        .chain([design.estimation.end, design.window.end]);
    (-starts.min().unwrap_or(0) + 1, ends.max().unwrap_or(0))
}

/// Fills the store for the benchmark and the tickers. A benchmark that cannot be had fails the
/// run; a ticker that cannot is excluded later, with the reason.
fn store_source(options: &RunOptions, console: &Console) -> Result<StoreSource> {
    let store = Store::open(&options.data_dir)?;
    let fetcher = Fetcher::new(
        store.clone(),
        NetworkSettings::from_env()?,
        options.store_mode,
    );
    let (before, after) = design_reach(&options.design);
    let need = calendar_span(options.event_date, before, after);
    let mut symbols = vec![options.benchmark.clone()];
    symbols.extend(options.tickers.iter().cloned());
    let progress = console.progress("fetching");
    let results = fetcher.ensure(&symbols, need, progress.as_ref());
    let mut failures = HashMap::new();
    for (symbol, result) in symbols.iter().zip(results) {
        match result {
            Ok(report) => {
                for note in report.notes {
                    console.warn(&format!("{symbol}: {note}"));
                }
            }
            Err(e) if *symbol == options.benchmark => {
                return Err(match e {
                    Error::Data(m) => Error::Data(format!("benchmark {symbol}: {m}")),
                    Error::Network(m) => Error::Network(format!("benchmark {symbol}: {m}")),
                    other => other,
                });
            }
            Err(e) => {
                failures.insert(symbol.clone(), e.to_string());
            }
        }
    }
    Ok(StoreSource { store, failures })
}

/// Where share counts come from, in order of precedence.
struct ShareSources {
    table: Option<SharesTable>,
    sec: Option<SecClient>,
}

impl ShareSources {
    fn new(options: &RunOptions) -> Result<Self> {
        let table = match &options.shares {
            SharesSpec::File(path) => Some(SharesTable::read_csv(path)?),
            _ => None,
        };
        // SEC EDGAR goes with the network source; a CSV run stays off the network.
        let sec = match (&options.shares, &options.source) {
            (SharesSpec::None, SourceSpec::Yahoo) => Some(SecClient::new(
                &options.data_dir,
                NetworkSettings::from_env()?,
                options.store_mode,
            )),
            _ => None,
        };
        Ok(ShareSources { table, sec })
    }

    /// The count for `ticker` as of `day_before`, on the price basis of `splits` (the
    /// source's split history: a count dated before a split is scaled by it). Notes say what
    /// was done or why there is no count.
    fn count(
        &self,
        options: &RunOptions,
        ticker: &Ticker,
        day_before: chrono::NaiveDate,
        splits: &[SplitEvent],
        notes: &mut Vec<String>,
    ) -> Option<ShareCount> {
        let dated = match &options.shares {
            SharesSpec::Count(n) => {
                return Some(ShareCount {
                    shares: *n,
                    as_of: None,
                    adr_ratio: 1.0,
                    source: "--shares".into(),
                })
            }
            SharesSpec::File(_) => self
                .table
                .as_ref()
                .and_then(|t| t.lookup(ticker, day_before)),
            SharesSpec::None => match self
                .sec
                .as_ref()
                .map(|sec| sec.share_count(ticker, day_before))
            {
                Some(Ok(count)) => count,
                Some(Err(e)) => {
                    notes.push(format!(
                        "no share count from SEC EDGAR ({e}): market value is null"
                    ));
                    return None;
                }
                None => None,
            },
        };
        let Some(mut count) = dated else {
            notes.push(match &options.shares {
                SharesSpec::File(path) => format!(
                    "no share count for {ticker} in {}: market value is null",
                    path.display()
                ),
                _ if self.sec.is_some() => {
                    format!("SEC EDGAR has no share count for {ticker}: market value is null")
                }
                _ => "no share count (--shares or --shares-file): market value is null".into(),
            });
            return None;
        };
        if let Some(as_of) = count.as_of {
            let (shares, factor) = adjust_for_splits(count.shares, as_of, splits);
            if factor != 1.0 {
                notes.push(format!(
                    "share count as of {as_of} scaled by {factor} for the split(s) since, to match split-adjusted prices"
                ));
                count.shares = shares;
                count.source = format!("{}, split-adjusted x{factor}", count.source);
            }
        }
        Some(count)
    }
}

/// `eventstudy run`: every ticker around one date.
pub fn run(options: &RunOptions) -> Result<RunOutcome> {
    let console = Console::new(options.quiet);
    let source: Box<dyn PriceSource> = match &options.source {
        SourceSpec::CsvDir(dir) => Box::new(CsvDirSource::new(dir)),
        SourceSpec::Yahoo => Box::new(store_source(options, &console)?),
    };
    let shares = ShareSources::new(options)?;
    console.status(&format!(
        "loading {} from {}",
        options.benchmark,
        source.describe()
    ));
    let benchmark = source.load(&options.benchmark).map_err(|e| match e {
        Error::Data(m) if !m.starts_with("benchmark") => Error::Data(format!("benchmark: {m}")),
        other => other,
    })?;

    let conventions = Conventions::new(
        &options.design,
        options.returns,
        options.non_trading,
        options.after_close,
    );
    let mut summary = Summary {
        conventions,
        source: source.describe(),
        events: Vec::new(),
        excluded: Vec::new(),
    };
    for ticker in &options.tickers {
        console.status(&format!("studying {ticker} around {}", options.event_date));
        let studied = source.load(ticker).and_then(|firm| {
            let splits = source.splits(ticker);
            study_one(options, ticker, &firm, &benchmark, &splits, &shares)
        });
        match studied {
            Ok((report, path)) => {
                for note in &report.notes {
                    console.warn(&format!("{ticker}: {note}"));
                }
                write_event_outputs(options, &summary, &report, &path)?;
                summary.events.push(report);
            }
            Err(e) => {
                console.warn(&format!("{ticker}: {e}"));
                summary.excluded.push(Exclusion {
                    ticker: ticker.to_string(),
                    event_date: options.event_date,
                    reason: e.to_string(),
                    exit_code: e.exit_code(),
                });
            }
        }
    }
    let exit_code = if summary.events.is_empty() {
        summary
            .excluded
            .iter()
            .map(|x| x.exit_code)
            .max()
            .unwrap_or(exit::DATA)
    } else {
        exit::OK
    };
    Ok(RunOutcome { summary, exit_code })
}

/// What `run` prints on stdout in the chosen format.
pub fn render_stdout(summary: &Summary, format: OutputFormat) -> Result<String> {
    match format {
        OutputFormat::Table => Ok(table::render(summary)),
        OutputFormat::Json => json::summary_json(summary).map(|s| s + "\n"),
        OutputFormat::Csv => {
            let mut df = csv_out::abnormal_returns_frame(&summary.events)?;
            let bytes = csv_out::to_csv(&mut df)?;
            Ok(String::from_utf8_lossy(&bytes).into_owned())
        }
    }
}

/// The folder of one event's outputs.
pub fn event_dir(out_dir: &Path, report: &EventReport) -> PathBuf {
    out_dir.join(report.slug())
}

fn write_event_outputs(
    options: &RunOptions,
    summary: &Summary,
    report: &EventReport,
    path: &PricePath,
) -> Result<()> {
    let dir = event_dir(&options.out_dir, report);
    export::ensure_dir(&dir)?;
    let events = std::slice::from_ref(report);
    write_atomic(
        &dir.join("summary.json"),
        json::event_json(summary, report)?.as_bytes(),
    )?;
    write_atomic(
        &dir.join("abnormal_returns.csv"),
        &csv_out::to_csv(&mut csv_out::abnormal_returns_frame(events)?)?,
    )?;
    write_atomic(
        &dir.join("car.csv"),
        &csv_out::to_csv(&mut csv_out::car_frame(events)?)?,
    )?;
    if options.charts {
        chart::render_event_charts(&dir, report, path, &summary.conventions, options.chart_size)?;
    }
    Ok(())
}

/// Studies one firm: align on the benchmark calendar, returns, day 0, engine, report.
fn study_one(
    options: &RunOptions,
    ticker: &Ticker,
    firm: &PriceFrame,
    benchmark: &PriceFrame,
    splits: &[SplitEvent],
    shares: &ShareSources,
) -> Result<(EventReport, PricePath)> {
    let aligned = align(firm, benchmark)?;
    let calendar = &aligned.calendar;
    let day0 = calendar
        .resolve_day0(options.event_date, options.non_trading, options.after_close)
        .map_err(|e| Error::data(e.to_string()))?;
    if aligned.firm_adj_close[day0].is_nan() {
        return Err(Error::data(format!(
            "no {ticker} price on day 0 ({})",
            calendar.date(day0)
        )));
    }

    let firm_returns = study::returns(&aligned.firm_adj_close, options.returns);
    let market_returns = study::returns(&aligned.benchmark_adj_close, options.returns);

    let mut notes = Vec::new();
    let day_before = calendar.date(day0.saturating_sub(1));
    let share_count = shares.count(options, ticker, day_before, splits, &mut notes);
    let market_value = share_count.as_ref().map(|count| {
        let close = if firm.has_close() {
            &aligned.firm_close
        } else {
            notes.push("no close prices: market value uses adjusted close".to_string());
            &aligned.firm_adj_close
        };
        close
            .iter()
            .map(|p| p * count.listed_shares())
            .collect::<Vec<f64>>()
    });

    let panel = ReturnPanel::new(&firm_returns, &market_returns, market_value.as_deref());
    let result =
        study::run_event(&panel, &options.design, day0).map_err(|e| Error::data(e.to_string()))?;
    let gaps = result.days.iter().filter(|d| d.ar.is_nan()).count();
    if gaps > 0 {
        notes.push(format!(
            "{gaps} event day(s) without a return: AR is null there"
        ));
    }
    if result.days.len() < options.design.window.len() {
        notes.push(format!(
            "the event window {} runs past the data: {} of {} days",
            options.design.window,
            result.days.len(),
            options.design.window.len()
        ));
    }
    let report = build_report(options, ticker, calendar, &result, share_count, notes);
    let path = price_path(
        calendar,
        &aligned.firm_adj_close,
        &aligned.benchmark_adj_close,
        &result,
        options,
    );
    Ok((report, path))
}

fn build_report(
    options: &RunOptions,
    ticker: &Ticker,
    calendar: &TradingCalendar,
    r: &study::EventResult,
    share_count: Option<ShareCount>,
    notes: Vec<String>,
) -> EventReport {
    let days = r
        .days
        .iter()
        .map(|d| DayRow {
            rel: d.rel,
            date: calendar.date(d.index),
            ret: num(d.ret),
            benchmark_return: num(d.market),
            normal_return: num(d.normal),
            ar: num(d.ar),
            ar_t: num(d.ar_t),
            ar_p: num(d.ar_p),
            car: num(d.car),
            car_sd: num(d.car_variance.sqrt()),
            market_value_change: num(d.market_value_change),
            abnormal_market_value_change: num(d.abnormal_market_value_change),
        })
        .collect();
    let car = r
        .cars
        .iter()
        .map(|c| CarRow {
            window: c.window.to_string(),
            start: c.span.map(|(s, _)| calendar.date(s)),
            end: c.span.map(|(_, e)| calendar.date(e)),
            days: c.days,
            car: num(c.car),
            t: num(c.t),
            p: num(c.p),
            t_simple: num(c.t_simple),
            p_simple: num(c.p_simple),
            abnormal_market_value_change: num(c.abnormal_market_value_change),
            market_value_change: num(c.market_value_change),
        })
        .collect();
    let market_value_before = r
        .days
        .iter()
        .find(|d| d.rel == 0)
        .and_then(|d| num(d.market_value_before));
    EventReport {
        ticker: ticker.to_string(),
        event_date: options.event_date,
        day0: calendar.date(r.day0),
        benchmark: options.benchmark.to_string(),
        model: r.model.kind,
        alpha: num(r.model.alpha),
        beta: num(r.model.beta()),
        sigma: num(r.model.sigma),
        n_estimation: r.model.n,
        degrees_of_freedom: r.model.dof() as usize,
        estimation_start: calendar.date(r.estimation_span.0),
        estimation_end: calendar.date(r.estimation_span.1),
        shares_outstanding: share_count.as_ref().map(ShareCount::listed_shares),
        shares_as_of: share_count.as_ref().and_then(|c| c.as_of),
        shares_source: share_count.map(|c| c.source),
        market_value_before,
        days,
        car,
        notes,
    }
}

/// Both price series rebased to 100 at day -1, from the estimation start to the window end.
fn price_path(
    calendar: &TradingCalendar,
    firm: &[f64],
    benchmark: &[f64],
    r: &study::EventResult,
    options: &RunOptions,
) -> PricePath {
    let lo = r.estimation_span.0;
    let hi = options
        .design
        .window
        .indices(r.day0, calendar.len())
        .map_or(r.day0, |(_, hi)| hi);
    let base = r.day0.saturating_sub(1);
    let rebase = |series: &[f64]| {
        // The last price on or before day -1: a firm's gap at day -1 must not blank the chart.
        let b = series[..=base]
            .iter()
            .rev()
            .copied()
            .find(|p| p.is_finite())
            .unwrap_or(f64::NAN);
        (lo..=hi)
            .map(|i| 100.0 * series[i] / b)
            .collect::<Vec<f64>>()
    };
    PricePath {
        rel: (lo..=hi).map(|i| i as i32 - r.day0 as i32).collect(),
        dates: (lo..=hi).map(|i| calendar.date(i)).collect(),
        firm: rebase(firm),
        benchmark: rebase(benchmark),
    }
}
