//! `run` and `batch` with `--interval 1m..90m` (METHODS, "Intraday: bars instead of days").
//!
//! The same stages as the daily study on a calendar of bars: the plan (the same events), the
//! bars of each symbol once (a CSV folder, the store, Yahoo), one panel per (firm, benchmark)
//! pair on the regular session's bars (resampled to the interval, the overnight bars marked),
//! the engine per event, and the aggregate by relative bar.

use std::collections::HashMap;

use rayon::prelude::*;

use crate::console::Console;
use crate::data::bar_fetch::BarFetcher;
use crate::data::bar_store::BarStore;
use crate::data::bars::{BarSource, CsvBarSource};
use crate::data::http::NetworkSettings;
use crate::error::{exit, Error, Result};
use crate::event::Exclusion;
use crate::note::Note;
use crate::options::{IntradaySettings, RunOptions, SourceSpec, StudySettings};
use crate::pipeline::load::ShareSources;
use crate::pipeline::plan::{self, EventJob, Plan};
use crate::report::bars::{
    BarAggregateReport, BarCarRow, BarConventions, BarEventReport, BarFolders, BarRow, BarSummary,
    Peak,
};
use crate::report::{num, AggregateReport};
use crate::study::bars::{
    check_resampling, native_minutes, session_text, BarCalendar, BarSeries, RawBar,
};
use crate::study::calendar::Session;
use crate::study::engine::BarLayout;
use crate::study::{self, EventResult, EventSample, ReturnPanel, StudyDesign, WindowSpec};
use crate::ticker::Ticker;

/// What a finished intraday run hands back (as [`super::RunOutcome`] for days).
#[derive(Debug)]
pub struct BarOutcome {
    pub summary: BarSummary,
    pub exit_code: i32,
    pub failure: Option<String>,
}

/// Runs an intraday study with the bar source its settings name.
pub fn run(options: &RunOptions) -> Result<BarOutcome> {
    let console = Console::new(options.output.quiet);
    let plan = plan::plan(&options.events, &options.study)?;
    let source = bar_source(options, &plan, &console)?;
    super::workers()?.install(|| run_on(options, &plan, source.as_ref(), &console))
}

/// As [`run`], in memory: the summary and aggregate, no file written ([`save`] writes them).
pub fn run_in_memory(options: &RunOptions) -> Result<BarOutcome> {
    let console = Console::new(options.output.quiet);
    let plan = plan::plan(&options.events, &options.study)?;
    let source = bar_source(options, &plan, &console)?;
    super::workers()?.install(|| study_bars(options, &plan, source.as_ref(), &console))
}

/// Writes the folders of an intraday run studied in memory under `output`'s folder, as the
/// run would have written them.
pub fn save(
    output: &crate::export::OutputSettings,
    summary: &mut BarSummary,
) -> Result<Vec<crate::note::Warning>> {
    summary.layout.out_dir = output.out_dir.clone();
    crate::export::write_bar_run(output, summary)
}

/// The bars' source the settings name: a CSV folder, or the store (filled from Yahoo).
fn bar_source(options: &RunOptions, plan: &Plan, console: &Console) -> Result<Box<dyn BarSource>> {
    let zone = exchange_zone(&options.study);
    Ok(match &options.data.source {
        SourceSpec::CsvDir(dir) => Box::new(CsvBarSource::new(dir, zone)),
        SourceSpec::Yahoo => Box::new(StoreBars::fill(
            plan,
            &options.study,
            &options.data,
            console,
        )?),
        SourceSpec::Memory => return Err(SourceSpec::memory_refused("an intraday study")),
    })
}

/// Runs an intraday study on bars from `source`.
pub fn run_with_bar_source(options: &RunOptions, source: &dyn BarSource) -> Result<BarOutcome> {
    let console = Console::new(options.output.quiet);
    let plan = plan::plan(&options.events, &options.study)?;
    super::workers()?.install(|| run_on(options, &plan, source, &console))
}

fn intraday(study: &StudySettings) -> Result<&IntradaySettings> {
    study
        .intraday
        .as_ref()
        .ok_or_else(|| Error::Internal("an intraday run without an interval".into()))
}

/// The exchange's zone: `--exchange-tz`, else New York.
fn exchange_zone(study: &StudySettings) -> chrono_tz::Tz {
    study.exchange_tz.unwrap_or(chrono_tz::America::New_York)
}

/// Bars from the store's archive, fetched from Yahoo first where it lacks them (unless
/// offline).
struct StoreBars {
    store: BarStore,
    root: std::path::PathBuf,
    /// Symbols whose fetch failed, and why.
    failures: HashMap<Ticker, Error>,
    /// Symbols whose older bars are beyond Yahoo's limit and not in the store, and the
    /// sentence that says so.
    beyond: HashMap<Ticker, String>,
}

impl StoreBars {
    /// Fills the store with each symbol's bars over the sessions its events need: the
    /// estimation sessions before (with room for weekends and holidays) and the window after.
    fn fill(
        plan: &Plan,
        study: &StudySettings,
        data: &crate::options::DataSettings,
        console: &Console,
    ) -> Result<StoreBars> {
        let bars = intraday(study)?;
        let store = crate::data::store::Store::open(&data.data_dir)?;
        let fetcher = BarFetcher::new(
            store.clone(),
            NetworkSettings::from_env()?,
            data.store_mode,
            bars.interval,
        );
        let before = (bars.estimation_sessions as u64 * 7).div_ceil(5) as i64 + 5;
        let after = match study.window {
            WindowSpec::Relative(w) => {
                (w.end.max(0) as u64 * bars.minutes() as u64).div_ceil(390) as i64 * 7 / 5 + 5
            }
            WindowSpec::Dates { .. } => 5,
        };
        let mut needs: Vec<(Ticker, i64, i64)> = Vec::new();
        for job in &plan.jobs {
            let Some(instant) = &job.spec.instant else {
                continue;
            };
            let at = instant.at.timestamp();
            let (from, to) = (at - before * 86_400, at + after * 86_400);
            for symbol in [&job.spec.ticker, &job.spec.benchmark] {
                match needs.iter_mut().find(|n| &n.0 == symbol) {
                    Some(n) => (n.1, n.2) = (n.1.min(from), n.2.max(to)),
                    None => needs.push((symbol.clone(), from, to)),
                }
            }
        }
        let progress = console.progress("fetching bars");
        let results = fetcher.ensure(&needs, progress.as_ref());
        let mut failures = HashMap::new();
        let mut beyond = HashMap::new();
        for ((symbol, _, _), result) in needs.iter().zip(results) {
            match result {
                Ok(report) => {
                    for note in &report.notes {
                        console.note_on_symbol(symbol.as_str(), note);
                    }
                    if let Some(why) = report.beyond_limit {
                        beyond.insert(symbol.clone(), why);
                    }
                }
                Err(e) => {
                    failures.insert(symbol.clone(), e);
                }
            }
        }
        console.flush();
        Ok(StoreBars {
            store: BarStore::new(store.root(), bars.interval),
            root: store.root().to_path_buf(),
            failures,
            beyond,
        })
    }
}

impl BarSource for StoreBars {
    fn load_bars(&self, ticker: &Ticker, _minutes: u32) -> Result<Vec<RawBar>> {
        if let Some(failure) = self.failures.get(ticker) {
            return Err(failure.clone());
        }
        match self.store.load(ticker) {
            Ok(Some((_, bars))) if !bars.is_empty() => Ok(bars),
            Ok(_) => Err(Error::data(format!("no bars for {ticker} in the store"))),
            Err(crate::data::store::Corrupt(m)) => Err(Error::data(format!(
                "the store's bars of {ticker} are corrupt: {m}"
            ))),
        }
    }

    fn describe(&self) -> String {
        format!("yahoo (store: {})", self.root.display())
    }

    fn exchange_zone(&self, ticker: &Ticker) -> Option<String> {
        self.store.load(ticker).ok().flatten()?.0.exchange_tz
    }

    fn beyond_limit(&self, ticker: &Ticker) -> Option<String> {
        self.beyond.get(ticker).cloned()
    }
}

/// The conventions every output prints.
pub fn conventions(study: &StudySettings, bars: &IntradaySettings) -> BarConventions {
    let model = study.model;
    let window = match study.window {
        WindowSpec::Relative(w) => w,
        WindowSpec::Dates { .. } => study::RelWindow { start: 0, end: 0 },
    };
    BarConventions {
        interval: bars.interval,
        session: session_text(&Session::regular(exchange_zone(study))),
        bar_label: if bars.bar_label_end { "end" } else { "start" },
        model,
        returns: study.returns,
        estimation_sessions: bars.estimation_sessions,
        min_estimation: study.min_estimation,
        window: bars.window.to_string(),
        window_bars: window,
        car_windows: bars.car_windows.iter().map(ToString::to_string).collect(),
        overnight: "left out of the estimation; tested on its own variance",
        tod_variance: bars.tod_variance,
        sigma_divisor: if model.is_estimated() { "L-k" } else { "L" },
        prediction_error_correction: model.is_estimated(),
        market_value: "shares x the close of bar -1, for every bar",
        p_values: "two-sided; Student t (L-k dof) for one event; t (N-1 dof) or normal for the aggregate tests",
        adjust: study.adjust,
    }
}

/// One symbol's bars as loaded (or why not), shared by the pairs that use it.
type Loaded = HashMap<Ticker, Result<Vec<RawBar>>>;

/// Loads each symbol of the plan once, in parallel: its bars, checked against the interval,
/// their times moved to the bar's start when the source stamps the end.
fn load_symbols(plan: &Plan, source: &dyn BarSource, bars: &IntradaySettings) -> Loaded {
    let mut symbols: Vec<&Ticker> = Vec::new();
    for job in &plan.jobs {
        for s in [&job.spec.ticker, &job.spec.benchmark] {
            if !symbols.contains(&s) {
                symbols.push(s);
            }
        }
    }
    symbols
        .par_iter()
        .map(|&symbol| {
            let loaded = source
                .load_bars(symbol, bars.minutes())
                .and_then(|raw| checked_bars(symbol, raw, bars));
            (symbol.clone(), loaded)
        })
        .collect()
}

fn checked_bars(
    symbol: &Ticker,
    mut raw: Vec<RawBar>,
    bars: &IntradaySettings,
) -> Result<Vec<RawBar>> {
    let native = native_minutes(&raw).unwrap_or(bars.minutes());
    check_resampling(native, bars.minutes()).map_err(|e| Error::data(format!("{symbol}: {e}")))?;
    if bars.bar_label_end {
        for b in raw.iter_mut() {
            b.start -= 60 * native as i64;
        }
    }
    let closes: Vec<f64> = raw.iter().map(|b| b.close).collect();
    if let Some((i, r)) = study::first_implausible_move(&closes) {
        let at = chrono::DateTime::from_timestamp(raw[i].start, 0)
            .map(|t| t.format("%Y-%m-%dT%H:%MZ").to_string())
            .unwrap_or_default();
        return Err(Error::usage(match r.is_nan() {
            true => format!("{symbol}: the close at {at} is {}, not a positive price", closes[i]),
            false => format!(
                "{symbol}: the close moves {:+.0}% into {at}: not a price series (a wrong column or unit?)",
                r * 100.0
            ),
        }));
    }
    Ok(raw)
}

/// A pair's panel: the calendar of bars and both series' returns on it.
struct BarPanel {
    calendar: BarCalendar,
    firm: BarSeries,
    firm_returns: Vec<f64>,
    market_returns: Vec<f64>,
}

fn pair_panel(
    firm: &[RawBar],
    benchmark: &[RawBar],
    zone: chrono_tz::Tz,
    study: &StudySettings,
    bars: &IntradaySettings,
) -> Result<BarPanel> {
    let session = Session::regular(zone);
    let (calendar, mut laid) = BarCalendar::build(&[firm, benchmark], bars.minutes(), session)
        .map_err(|e| Error::data(e.to_string()))?;
    let market = laid.pop().unwrap_or_default();
    let firm = laid.pop().unwrap_or_default();
    Ok(BarPanel {
        firm_returns: study::returns(&firm.close, study.returns),
        market_returns: study::returns(&market.close, study.returns),
        calendar,
        firm,
    })
}

/// The time-of-day profile of a bar pools the bars within this many minutes either side
/// (METHODS' v_k from 20 sessions has 20 squared residuals a slot: too few for a variance).
pub const TOD_POOL_MINUTES: usize = 15;

/// One event's result, or its exclusion; with what the aggregate needs.
struct Studied {
    report: BarEventReport,
    result: EventResult,
    keys: Vec<i32>,
}

fn run_on(
    options: &RunOptions,
    plan: &Plan,
    source: &dyn BarSource,
    console: &Console,
) -> Result<BarOutcome> {
    let mut outcome = study_bars(options, plan, source, console)?;
    if outcome.failure.is_none() {
        for warning in crate::export::write_bar_run(&options.output, &mut outcome.summary)? {
            console.warn(&warning);
        }
    }
    Ok(outcome)
}

/// The events studied on their bars, with the aggregate; nothing written.
fn study_bars(
    options: &RunOptions,
    plan: &Plan,
    source: &dyn BarSource,
    console: &Console,
) -> Result<BarOutcome> {
    let study = &options.study;
    let bars = intraday(study)?;
    let progress = console.progress("loading bars");
    let loaded = load_symbols(plan, source, bars);
    progress.finish();
    let shares = ShareSources::new(&options.data)?;
    let progress = console.progress("studying");
    let mut outcomes: Vec<(usize, std::result::Result<Studied, Exclusion>)> = plan
        .pairs
        .par_iter()
        .flat_map_iter(|pair| {
            let jobs: Vec<&EventJob> = pair.jobs.iter().map(|&i| &plan.jobs[i]).collect();
            let panel = match (&loaded[&pair.firm], &loaded[&pair.benchmark]) {
                (Ok(f), Ok(b)) => {
                    let zone = study.exchange_tz.unwrap_or_else(|| {
                        source
                            .exchange_zone(&pair.firm)
                            .and_then(|z| z.parse().ok())
                            .unwrap_or(chrono_tz::America::New_York)
                    });
                    pair_panel(f, b, zone, study, bars)
                }
                (Err(e), _) | (_, Err(e)) => Err(e.clone()),
            };
            let out: Vec<_> = jobs
                .iter()
                .map(|job| {
                    let studied = panel
                        .as_ref()
                        .map_err(Clone::clone)
                        .and_then(|p| study_event(p, job, study, bars, &shares, source))
                        .map_err(|e| job.spec.exclusion(Some(job.id), &e));
                    progress.done(&job.spec.ticker);
                    (job.id, studied)
                })
                .collect();
            out
        })
        .collect();
    progress.finish();
    outcomes.sort_by_key(|(id, _)| *id);
    let mut excluded = plan.rejected.clone();
    let mut studied: Vec<Studied> = Vec::new();
    for (_, outcome) in outcomes {
        match outcome {
            Ok(s) => studied.push(s),
            Err(x) => excluded.push(x),
        }
    }
    excluded.sort_by_key(|x| x.id);
    for s in &studied {
        for note in &s.report.notes {
            console.note_on_event(&s.report.display_name(), note);
        }
    }
    console.flush();
    let aggregate = aggregate(&studied, study);
    let events: Vec<BarEventReport> = studied.into_iter().map(|s| s.report).collect();
    let event_files = options.output.event_folders(events.len());
    let summary = BarSummary {
        conventions: conventions(study, bars),
        source: source.describe(),
        events,
        excluded,
        aggregate,
        layout: BarFolders {
            out_dir: options.output.out_dir.clone(),
            run_name: options.output.portfolio_name.clone(),
            event_charts: event_files && options.output.charts == crate::export::ChartsMode::All,
            portfolio_charts: options.output.charts != crate::export::ChartsMode::None,
            event_files,
            svg_only: !options.output.chart_files.formats.png(),
        },
    };
    if summary.events.is_empty() {
        let (exit_code, failure) = super::nothing_ran_exit(&summary.excluded);
        return Ok(BarOutcome {
            summary,
            exit_code,
            failure,
        });
    }
    Ok(BarOutcome {
        summary,
        exit_code: exit::OK,
        failure: None,
    })
}

/// The aggregate by relative bar, with two events or more.
fn aggregate(studied: &[Studied], study: &StudySettings) -> Option<BarAggregateReport> {
    if studied.len() < 2 {
        return None;
    }
    let WindowSpec::Relative(window) = study.window else {
        return None;
    };
    let samples: Vec<EventSample<'_>> = studied
        .iter()
        .map(|s| EventSample {
            result: &s.result,
            estimation_keys: &s.keys,
            has_market_value: s.report.market_value_before.is_some(),
        })
        .collect();
    let a = study::aggregate(&samples, window, &study.car_windows);
    let mut report = AggregateReport::from(&a);
    // The windows as written (`0:15m`), as each event's are.
    if let Some(bars) = &study.intraday {
        for (row, written) in report.car.iter_mut().zip(&bars.car_windows) {
            row.window = written.to_string();
        }
    }
    if let Some(method) = study.adjust {
        crate::report::adjust::adjust_aggregate(&mut report, method);
    }
    Some(BarAggregateReport::from(report))
}

/// Studies one event on its pair's panel.
fn study_event(
    panel: &BarPanel,
    job: &EventJob,
    study: &StudySettings,
    bars: &IntradaySettings,
    shares: &ShareSources,
    source: &dyn BarSource,
) -> Result<Studied> {
    let spec = &job.spec;
    let Some(instant) = &spec.instant else {
        return Err(Error::usage(format!(
            "{}: an intraday event needs the time the news came out, with its UTC offset (e.g. {}T09:30-05:00), not a date",
            spec.ticker, spec.date
        )));
    };
    let (WindowSpec::Relative(window), WindowSpec::Relative(_)) = (spec.window, spec.estimation)
    else {
        return Err(Error::usage(
            "a row's own windows in dates are for daily studies, not --interval",
        ));
    };
    if spec.window != study.window || spec.estimation != study.estimation {
        return Err(Error::usage(
            "a row's own windows are for daily studies: an intraday run uses --window and --estimation-sessions",
        ));
    }
    let cal = &panel.calendar;
    // Older bars that only an archive could have: say so, rather than fit on fewer sessions.
    let beyond = || {
        source
            .beyond_limit(&spec.ticker)
            .or_else(|| source.beyond_limit(&spec.benchmark))
    };
    let (event_bar, rule) = cal
        .place(instant.at)
        .map_err(|why| Error::data(beyond().unwrap_or(why)))?;
    let available = cal.session_of(event_bar);
    let mut notes = Vec::new();
    if available < bars.estimation_sessions {
        if let Some(why) = beyond() {
            return Err(Error::data(why));
        }
        notes.push(Note::FewerEstimationSessions {
            sessions: available,
            of: bars.estimation_sessions,
        });
    }
    let estimation = cal
        .estimation_window(event_bar, bars.estimation_sessions)
        .ok_or_else(|| {
            Error::data(format!(
                "no session before the event's ({}) to estimate on",
                cal.sessions[cal.session_of(event_bar)].0
            ))
        })?;
    let design = StudyDesign {
        model: study.model,
        estimation,
        window,
        car_windows: study.car_windows.clone(),
        min_estimation: study.min_estimation,
    };
    let session_date = cal.sessions[cal.session_of(event_bar)].0;
    let count = shares.count(
        &spec.ticker,
        session_date - chrono::Duration::days(1),
        &[],
        &mut notes,
    );
    let market_value: Option<Vec<f64>> = count.as_ref().map(|c| {
        let listed = c.listed_shares();
        panel.firm.close.iter().map(|p| p * listed).collect()
    });
    let volume_known = panel.firm.volume.iter().any(|v| v.is_finite());
    let mut returns = ReturnPanel::new(
        &panel.firm_returns,
        &panel.market_returns,
        market_value.as_deref(),
    );
    returns.volume = volume_known.then_some(&panel.firm.volume[..]);
    returns.bars = Some(BarLayout {
        overnight: &cal.overnight,
        slot: &cal.slot,
        tod_variance: bars.tod_variance,
        tod_pool: TOD_POOL_MINUTES / bars.minutes() as usize,
    });
    let result = study::run_event(&returns, &design, event_bar)?;
    let keys: Vec<i32> = (result.estimation_span.0..=result.estimation_span.1)
        .map(|i| (cal.starts[i] / (60 * bars.minutes() as i64)) as i32)
        .collect();
    let mut report = event_report(
        job,
        panel,
        &result,
        rule,
        bars,
        count.map(|c| c.listed_shares()),
        notes,
    );
    if let Some(method) = study.adjust {
        crate::report::adjust::adjust_bar_event(&mut report, method);
    }
    Ok(Studied {
        report,
        result,
        keys,
    })
}

/// The report of one event from the engine's result.
fn event_report(
    job: &EventJob,
    panel: &BarPanel,
    r: &EventResult,
    rule: study::calendar::Day0Rule,
    bars: &IntradaySettings,
    shares: Option<f64>,
    mut notes: Vec<Note>,
) -> BarEventReport {
    let cal = &panel.calendar;
    let spec = &job.spec;
    let rows: Vec<BarRow> = r
        .days
        .iter()
        .map(|d| BarRow {
            rel: d.rel,
            time: cal.iso_start(d.index),
            clock: cal.clock(d.index),
            ret: num(d.ret),
            benchmark_return: num(d.market),
            normal_return: num(d.normal),
            ar: num(d.ar),
            ar_t: num(d.ar_t),
            ar_p: num(d.ar_p),
            ar_p_adj: None,
            car: num(d.car),
            car_sd: num(d.car_variance.sqrt()),
            overnight: cal.overnight[d.index],
            market_value_change: num(d.market_value_change),
            abnormal_market_value_change: num(d.abnormal_market_value_change),
            volume: num(d.volume),
            close: num(panel.firm.close[d.index]),
        })
        .collect();
    let written = &bars.car_windows;
    let cars: Vec<BarCarRow> = r
        .cars
        .iter()
        .enumerate()
        .map(|(k, c)| BarCarRow {
            window: written
                .get(k)
                .map_or_else(|| c.window.to_string(), ToString::to_string),
            bars: c.window,
            start: c.span.map(|(lo, _)| cal.iso_start(lo)),
            end: c.span.map(|(_, hi)| cal.iso_start(hi)),
            n: c.days,
            car: num(c.car),
            t: num(c.t),
            p: num(c.p),
            p_adj: None,
            t_simple: num(c.t_simple),
            p_simple: num(c.p_simple),
            market_value_change: num(c.market_value_change),
            abnormal_market_value_change: num(c.abnormal_market_value_change),
        })
        .collect();
    let left_out: Vec<String> = cars
        .iter()
        .filter(|c| c.start.is_none())
        .map(|c| c.window.clone())
        .collect();
    if !left_out.is_empty() {
        notes.push(Note::CarWindowsLeftOut {
            windows: left_out,
            window: bars.window.to_string(),
        });
    }
    let expected = match spec.window {
        WindowSpec::Relative(w) => w.len(),
        WindowSpec::Dates { .. } => 0,
    };
    if !r.days.is_empty() && r.days.len() < expected {
        notes.push(Note::WindowPastData {
            window: bars.window.to_string(),
            days: r.days.len(),
            of: expected,
        });
    }
    let peak = Peak::of(
        rows.iter()
            .map(|b| (b.rel, b.car, Some(b.time.as_str()), Some(b.clock.as_str()))),
    );
    let (lo, hi) = r.estimation_span;
    let variance = r.period_variance.clone().unwrap_or_default();
    let model = &r.model;
    let mv_before = shares.and_then(|s| {
        let i = r.day0.checked_sub(1)?;
        num(panel.firm.close[i] * s)
    });
    BarEventReport {
        id: job.id,
        label: spec.label.clone(),
        row: spec.row,
        ticker: spec.ticker.to_string(),
        benchmark: spec.benchmark.to_string(),
        event_time: spec
            .instant
            .as_ref()
            .map_or_else(String::new, |i| i.given.clone()),
        exchange_tz: cal.session.zone.name().to_string(),
        event_bar: cal.iso_start(r.day0),
        day0_rule: rule,
        model: model.kind,
        alpha: num(model.alpha),
        beta: model
            .kind
            .regressors()
            .ge(&1)
            .then(|| num(model.betas[0]))
            .flatten(),
        sigma: num(model.sigma),
        n_estimation: model.n,
        degrees_of_freedom: model.dof() as usize,
        estimation_sessions: cal.session_of(r.day0) - cal.session_of(lo),
        estimation_start: cal.iso_start(lo),
        estimation_end: cal.iso_start(hi),
        overnight_sigma: num(variance.overnight_variance.sqrt()),
        overnight_n: variance.overnight_n,
        shares_outstanding: shares,
        market_value_before: mv_before,
        bars: rows,
        car: cars,
        peak,
        notes,
        adjust: None,
    }
}
