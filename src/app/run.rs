//! `eventstudy run` and `eventstudy batch`: load, align, study every event, aggregate, write.
//!
//! Events are grouped by (firm, benchmark): each symbol's prices are loaded and parsed once,
//! each pair aligned and turned into returns once, then every event of the pair runs through
//! the engine against that one panel.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use crate::app::portfolio;
use crate::app::Console;
use crate::chart;
use crate::data::factors::FactorTable;
use crate::data::fetch::{calendar_span, Fetcher};
use crate::data::http::NetworkSettings;
use crate::data::prices::epoch_days;
use crate::data::sec::{adjust_for_splits, SecClient};
use crate::data::store::{DateRange, Store};
use crate::data::yahoo::SplitEvent;
use crate::data::{
    align, csv::CsvDirSource, AlignedPrices, PriceFrame, PriceSource, ShareCount, SharesTable,
};
use crate::error::{exit, Error, Result};
use crate::export::{self, csv as csv_out, json, table, write_atomic};
use crate::options::{ChartsMode, EventSpec, OutputFormat, RunOptions, SharesSpec, SourceSpec};
use crate::report::{num, CarRow, Conventions, DayRow, EventReport, Exclusion, PricePath, Summary};
use crate::study::engine::FactorPanel;
use crate::study::model::MAX_REGRESSORS;
use crate::study::{self, EventResult, RelWindow, ReturnPanel, StudyDesign};
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

/// The calendar dates an event needs prices for: its windows, with room for holidays.
fn event_need(options: &RunOptions, event: &EventSpec) -> DateRange {
    let mut before = 1;
    let mut after = options.car_windows.iter().map(|w| w.end).max().unwrap_or(0);
    let mut range: Option<DateRange> = None;
    for spec in [event.estimation, event.window] {
        match spec {
            study::WindowSpec::Relative(w) => {
                before = before.max(-w.start + 1);
                after = after.max(w.end);
            }
            study::WindowSpec::Dates { from, to } => {
                let dated = DateRange::new(
                    from - chrono::Duration::days(10),
                    to + chrono::Duration::days(10),
                );
                range = Some(range.map_or(dated, |r| r.union(dated)));
            }
        }
    }
    let relative = calendar_span(event.date, before, after);
    range.map_or(relative, |r| r.union(relative))
}

/// Fills the store for every firm and benchmark. What cannot be had is remembered: the
/// events that need it are excluded with the reason (or the run fails, when that is its one
/// benchmark).
fn store_source(options: &RunOptions, console: &Console) -> Result<StoreSource> {
    let store = Store::open(&options.data_dir)?;
    let fetcher = Fetcher::new(
        store.clone(),
        NetworkSettings::from_env()?,
        options.store_mode,
    );
    // One request per symbol, for the union of what its events need.
    let mut requests: Vec<(Ticker, DateRange)> = Vec::new();
    let mut index: HashMap<Ticker, usize> = HashMap::new();
    for event in &options.events {
        let need = event_need(options, event);
        for symbol in [&event.benchmark, &event.ticker] {
            match index.get(symbol) {
                Some(&i) => requests[i].1 = requests[i].1.union(need),
                None => {
                    index.insert(symbol.clone(), requests.len());
                    requests.push((symbol.clone(), need));
                }
            }
        }
    }
    let progress = console.progress("fetching");
    let results = fetcher.ensure_ranges(&requests, progress.as_ref());
    let mut failures = HashMap::new();
    for ((symbol, _), result) in requests.iter().zip(results) {
        match result {
            Ok(report) => {
                for note in report.notes {
                    console.warn(&format!("{symbol}: {note}"));
                }
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
        day_before: NaiveDate,
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
                SharesSpec::File(path) => {
                    format!(
                        "no share count for {ticker} in {}: market value is null",
                        path.display()
                    )
                }
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

/// A firm and its benchmark, aligned and turned into returns once for all their events.
struct Pair {
    aligned: AlignedPrices,
    firm_returns: Vec<f64>,
    market_returns: Vec<f64>,
    /// The price market value is computed from (close, else adjusted close).
    close: Vec<f64>,
    close_note: Option<String>,
    /// The firm's return minus RF, and the model's factors, for a factor model.
    excess: Vec<f64>,
    factors: Vec<Vec<f64>>,
    /// Calendar keys (days since 1970) for the cross-event residual correlation.
    keys: Vec<i32>,
    splits: Vec<SplitEvent>,
}

impl Pair {
    fn new(
        options: &RunOptions,
        firm: &PriceFrame,
        benchmark: &PriceFrame,
        splits: Vec<SplitEvent>,
        factors: Option<&FactorTable>,
    ) -> Result<Pair> {
        let aligned = align(firm, benchmark)?;
        let firm_returns = study::returns(&aligned.firm_adj_close, options.returns);
        let market_returns = study::returns(&aligned.benchmark_adj_close, options.returns);
        let (close, close_note) = if firm.has_close() {
            (aligned.firm_close.clone(), None)
        } else {
            (
                aligned.firm_adj_close.clone(),
                Some("no close prices: market value uses adjusted close".to_string()),
            )
        };
        let (excess, factor_columns) = match factors {
            Some(table) => {
                let mut names: Vec<&str> = options.model.factor_columns().to_vec();
                names.push("RF");
                let mut columns = table.on_calendar(&aligned.calendar, &names)?;
                let rf = columns.pop().unwrap_or_default();
                let excess = firm_returns.iter().zip(&rf).map(|(r, f)| r - f).collect();
                (excess, columns)
            }
            None => (Vec::new(), Vec::new()),
        };
        let keys = aligned
            .calendar
            .dates()
            .iter()
            .copied()
            .map(epoch_days)
            .collect();
        Ok(Pair {
            aligned,
            firm_returns,
            market_returns,
            close,
            close_note,
            excess,
            factors: factor_columns,
            keys,
            splits,
        })
    }

    fn panel<'a>(&'a self, market_value: Option<&'a [f64]>) -> ReturnPanel<'a> {
        let mut panel = ReturnPanel::new(&self.firm_returns, &self.market_returns, market_value);
        if !self.factors.is_empty() {
            let empty: &[f64] = &[];
            let mut columns = [empty; MAX_REGRESSORS];
            for (slot, column) in columns.iter_mut().zip(&self.factors) {
                *slot = column;
            }
            panel.factors = Some(FactorPanel {
                excess_firm: &self.excess,
                columns,
            });
        }
        panel
    }
}

/// One event that ran: its report, what the charts and the aggregate need.
struct Studied {
    report: EventReport,
    result: EventResult,
    keys: Vec<i32>,
    price_path: Option<PricePath>,
}

/// Loads each symbol once; failures are remembered as messages with their exit codes.
struct PriceCache<'a> {
    source: &'a dyn PriceSource,
    frames: HashMap<Ticker, std::result::Result<PriceFrame, (String, i32)>>,
}

impl PriceCache<'_> {
    fn get(&mut self, ticker: &Ticker) -> std::result::Result<&PriceFrame, (String, i32)> {
        let source = self.source;
        self.frames
            .entry(ticker.clone())
            .or_insert_with(|| {
                source
                    .load(ticker)
                    .map_err(|e| (e.to_string(), e.exit_code()))
            })
            .as_ref()
            .map_err(Clone::clone)
    }
}

/// `eventstudy run` and `eventstudy batch`.
pub fn run(options: &RunOptions) -> Result<RunOutcome> {
    let console = Console::new(options.quiet);
    let source: Box<dyn PriceSource> = match &options.source {
        SourceSpec::CsvDir(dir) => Box::new(CsvDirSource::new(dir)),
        SourceSpec::Yahoo => Box::new(store_source(options, &console)?),
    };
    run_with_source(options, source.as_ref())
}

/// The study on prices from `source` (which each symbol is asked for once).
pub fn run_with_source(options: &RunOptions, source: &dyn PriceSource) -> Result<RunOutcome> {
    let console = Console::new(options.quiet);
    let factors = if options.model.uses_factors() {
        let table = FactorTable::read(&options.factors)?;
        table.require(options.model.factor_columns())?;
        Some(table)
    } else {
        None
    };
    let shares = ShareSources::new(options)?;
    let mut cache = PriceCache {
        source,
        frames: HashMap::new(),
    };

    // A single benchmark that cannot be loaded fails the whole run, as there is nothing to do.
    let benchmarks: Vec<&Ticker> = options.events.iter().map(|e| &e.benchmark).collect();
    if let Some(first) = benchmarks.first() {
        if benchmarks.iter().all(|b| b == first) {
            if let Err((m, code)) = cache.get(first) {
                let message = if m.starts_with("benchmark") {
                    m
                } else {
                    format!("benchmark {first}: {m}")
                };
                return Err(if code == exit::USAGE {
                    Error::usage(message)
                } else {
                    Error::data(message)
                });
            }
        }
    }

    let charts_per_event = options.charts == ChartsMode::All;
    if charts_per_event && options.events.len() > 100 {
        console.warn(&format!(
            "rendering 4 charts for each of {} events; --no-event-charts renders the portfolio's only",
            options.events.len()
        ));
    }

    // Group the events by (firm, benchmark), keeping their order for the outputs.
    let mut groups: Vec<((Ticker, Ticker), Vec<usize>)> = Vec::new();
    let mut group_of: HashMap<(Ticker, Ticker), usize> = HashMap::new();
    for (i, e) in options.events.iter().enumerate() {
        let key = (e.ticker.clone(), e.benchmark.clone());
        let g = *group_of.entry(key.clone()).or_insert_with(|| {
            groups.push((key, Vec::new()));
            groups.len() - 1
        });
        groups[g].1.push(i);
    }

    let mut outcomes: Vec<Option<std::result::Result<Studied, Exclusion>>> =
        options.events.iter().map(|_| None).collect();
    let progress = console.progress("studying");
    progress.start(groups.len());
    for ((ticker, benchmark), members) in &groups {
        let pair = match (cache.get(ticker).cloned(), cache.get(benchmark).cloned()) {
            (Ok(firm), Ok(bench)) => Pair::new(
                options,
                &firm,
                &bench,
                source.splits(ticker),
                factors.as_ref(),
            )
            .map_err(|e| (e.to_string(), e.exit_code())),
            (Err(e), _) => Err(e),
            (_, Err((m, code))) => Err((format!("benchmark {benchmark}: {m}"), code)),
        };
        for &i in members {
            let event = &options.events[i];
            let studied = match &pair {
                Ok(pair) => study_event(options, i + 1, event, pair, &shares, charts_per_event)
                    .map_err(|e| (e.to_string(), e.exit_code())),
                Err(e) => Err(e.clone()),
            };
            outcomes[i] =
                Some(studied.map_err(|(reason, exit_code)| exclusion(event, reason, exit_code)));
        }
        progress.done(ticker);
    }
    progress.finish();

    let mut summary = Summary {
        conventions: Conventions::new(options),
        source: source.describe(),
        events: Vec::new(),
        excluded: options.rejected.clone(),
        aggregate: None,
    };
    let mut studied = Vec::new();
    for outcome in outcomes.into_iter().flatten() {
        match outcome {
            Ok(s) => {
                for note in &s.report.notes {
                    console.warn(&format!("{}: {note}", s.report.display_name(false)));
                }
                studied.push(s);
            }
            Err(x) => {
                console.warn(&format!(
                    "{} {}: {}",
                    x.ticker,
                    x.event_date.map_or(String::new(), |d| d.to_string()),
                    x.reason
                ));
                summary.excluded.push(x);
            }
        }
    }
    summary.excluded.sort_by_key(|x| x.row.unwrap_or(0));
    disambiguate_slugs(&mut studied);
    summary.events = studied.iter().map(|s| s.report.clone()).collect();

    if studied.len() >= 2 {
        let samples: Vec<study::EventSample> = studied
            .iter()
            .map(|s| study::EventSample {
                result: &s.result,
                estimation_keys: &s.keys,
                has_market_value: s.report.market_value_before.is_some(),
            })
            .collect();
        let window = union_window(studied.iter().map(|s| s.report.event_window));
        let aggregate = study::aggregate(&samples, window, &options.car_windows);
        summary.aggregate = Some((&aggregate).into());
    }

    for s in &studied {
        write_event_outputs(options, &summary, &s.report, s.price_path.as_ref())?;
    }
    if summary.aggregate.is_some() {
        portfolio::write(options, &summary)?;
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

/// The smallest window holding every event's window.
fn union_window(windows: impl Iterator<Item = RelWindow>) -> RelWindow {
    windows
        .reduce(|a, b| RelWindow {
            start: a.start.min(b.start),
            end: a.end.max(b.end),
        })
        .unwrap_or(RelWindow { start: 0, end: 0 })
}

/// Two events of one ticker, date and label would share a folder: number the later ones.
fn disambiguate_slugs(studied: &mut [Studied]) {
    let mut seen: HashMap<String, usize> = HashMap::new();
    for s in studied.iter_mut() {
        let slug = s.report.slug();
        let count = seen.entry(slug).or_insert(0);
        *count += 1;
        if *count > 1 {
            let label = s.report.label.clone().unwrap_or_default();
            s.report.label = Some(format!(
                "{label}{}{}",
                if label.is_empty() { "" } else { "-" },
                count
            ));
        }
    }
}

fn exclusion(event: &EventSpec, reason: String, exit_code: i32) -> Exclusion {
    Exclusion {
        ticker: event.ticker.to_string(),
        event_date: Some(event.date),
        label: event.label.clone(),
        row: event.row,
        reason: match event.row {
            Some(row) => format!("row {row}: {reason}"),
            None => reason,
        },
        exit_code,
    }
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
    path: Option<&PricePath>,
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
    if let Some(path) = path {
        chart::render_event_charts(&dir, report, path, &summary.conventions, options.chart_size)?;
    }
    Ok(())
}

/// Studies one event on its pair's panel: day 0, windows, share count, engine, report.
fn study_event(
    options: &RunOptions,
    id: usize,
    event: &EventSpec,
    pair: &Pair,
    shares: &ShareSources,
    with_chart: bool,
) -> Result<Studied> {
    let calendar = &pair.aligned.calendar;
    let day0 = calendar
        .resolve_day0(event.date, options.non_trading, options.after_close)
        .map_err(|e| Error::data(e.to_string()))?;
    if pair.aligned.firm_adj_close[day0].is_nan() {
        return Err(Error::data(format!(
            "no {} price on day 0 ({})",
            event.ticker,
            calendar.date(day0)
        )));
    }
    let resolve = |spec: study::WindowSpec, name: &str| {
        spec.resolve(calendar, day0)
            .map_err(|m| Error::data(format!("{name} window {spec}: {m}")))
    };
    let design = options.design(
        resolve(event.estimation, "estimation")?,
        resolve(event.window, "event")?,
    );
    crate::options::validate_design(&design).map_err(|e| Error::data(e.to_string()))?;

    let mut notes = Vec::new();
    let day_before = calendar.date(day0.saturating_sub(1));
    let share_count = shares.count(options, &event.ticker, day_before, &pair.splits, &mut notes);
    let market_value = share_count.as_ref().map(|count| {
        notes.extend(pair.close_note.clone());
        pair.close
            .iter()
            .map(|p| p * count.listed_shares())
            .collect::<Vec<f64>>()
    });

    let panel = pair.panel(market_value.as_deref());
    let result = study::run_event(&panel, &design, day0).map_err(|e| Error::data(e.to_string()))?;
    let gaps = result.days.iter().filter(|d| d.ar.is_nan()).count();
    if gaps > 0 {
        notes.push(format!(
            "{gaps} event day(s) without a return: AR is null there"
        ));
    }
    if result.days.len() < design.window.len() {
        notes.push(format!(
            "the event window {} runs past the data: {} of {} days",
            design.window,
            result.days.len(),
            design.window.len()
        ));
    }
    let report = build_report(id, event, &design, calendar, &result, share_count, notes);
    let price_path = with_chart.then(|| price_path(calendar, &pair.aligned, &result, &design));
    let (lo, hi) = result.estimation_span;
    let keys = pair.keys[lo..=hi].to_vec();
    Ok(Studied {
        report,
        result,
        keys,
        price_path,
    })
}

fn build_report(
    id: usize,
    event: &EventSpec,
    design: &StudyDesign,
    calendar: &study::TradingCalendar,
    r: &EventResult,
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
        id,
        label: event.label.clone(),
        row: event.row,
        ticker: event.ticker.to_string(),
        event_date: event.date,
        day0: calendar.date(r.day0),
        benchmark: event.benchmark.to_string(),
        model: r.model.kind,
        factor_betas: design
            .model
            .factor_columns()
            .iter()
            .zip(&r.model.betas)
            .map(|(name, beta)| (name.to_string(), *beta))
            .collect(),
        alpha: num(r.model.alpha),
        beta: num(r.model.beta()),
        sigma: num(r.model.sigma),
        n_estimation: r.model.n,
        degrees_of_freedom: r.model.dof() as usize,
        estimation_start: calendar.date(r.estimation_span.0),
        estimation_end: calendar.date(r.estimation_span.1),
        estimation_window: design.estimation,
        event_window: design.window,
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
    calendar: &study::TradingCalendar,
    aligned: &AlignedPrices,
    r: &EventResult,
    design: &StudyDesign,
) -> PricePath {
    let lo = r.estimation_span.0;
    let hi = design
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
        firm: rebase(&aligned.firm_adj_close),
        benchmark: rebase(&aligned.benchmark_adj_close),
    }
}
