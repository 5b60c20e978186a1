//! `eventstudy run` and `eventstudy batch`, as four stages with typed hand-offs:
//!
//! ```text
//! RunOptions ─plan─▶ Plan ─load─▶ Loaded ─study─▶ Studied ─▶ Summary ─aggregate ‖ write─▶ files
//! ```
//!
//! - [`plan`]: the events (from the flags or the batch file), numbered and grouped by pair.
//! - [`load`]: prices (through the store or a CSV folder), factors and share counts; one
//!   aligned return panel per (firm, benchmark) pair.
//! - [`study`]: the engine over each event; the aggregate of the events.
//! - write: [`crate::export::write_run`], the event and portfolio folders. The aggregate is
//!   computed there, while the per-event tables are written.
//!
//! Printing to stdout is the caller's: [`crate::export::render_stdout`].

pub mod intraday;
pub mod load;
pub mod parts;
pub mod plan;
pub mod simulate;
pub mod study;

use crate::console::Console;
use crate::data::PriceSource;
use crate::error::{exit, Result};
use crate::export::{self, ChartsMode};
use crate::note::Warning;
use crate::options::{RunOptions, StudySettings};
use crate::report::calendar_time::CalendarTimeReport;
use crate::report::{AggregateReport, EventReport, Summary};
use crate::study::aggregate::Pool;
use crate::study::bhar::PathSums;
use crate::study::calendar_time::{self, CalendarPanel};
use rayon::prelude::*;

/// What a finished run hands back: the summary, the exit code it earned and, when no event
/// ran, the one-line error that says why (printed even under `--quiet`).
#[derive(Debug)]
pub struct RunOutcome {
    pub summary: Summary,
    pub exit_code: i32,
    pub failure: Option<String>,
}

/// How many reasons the error of a run in which no event ran names.
const NAMED_REASONS: usize = 3;

/// The error of a run in which no event ran: the count, and the first few reasons.
fn nothing_ran(excluded: &[crate::event::Exclusion]) -> String {
    if excluded.is_empty() {
        return "no event ran".to_string();
    }
    let reasons: Vec<String> = excluded
        .iter()
        .take(NAMED_REASONS)
        .map(|x| {
            let date = x.event_date.map(|d| format!(" {d}")).unwrap_or_default();
            format!("{}{date}: {}", x.ticker, x.reason)
        })
        .collect();
    let more = excluded.len().saturating_sub(NAMED_REASONS);
    let tail = if more > 0 {
        format!("; and {more} more")
    } else {
        String::new()
    };
    format!(
        "no event ran ({} excluded: {}{tail}); earlier results were left as they were",
        excluded.len(),
        reasons.join("; ")
    )
}

/// The threads that load and study in parallel, one per core. Their stacks are as large as
/// the main thread's: polars' readers and joins recurse deeper than a default worker allows.
fn workers() -> Result<rayon::ThreadPool> {
    rayon::ThreadPoolBuilder::new()
        .stack_size(16 << 20)
        .thread_name(|i| format!("eventstudy-{i}"))
        .build()
        .map_err(|e| crate::error::Error::Internal(format!("cannot start worker threads: {e}")))
}

/// With `EVENTSTUDY_TIMINGS` set, each stage's wall time on stderr (`timing: load 0.36 s`):
/// where a large run spends its time, without a profiler.
struct StageClock(Option<std::time::Instant>);

impl StageClock {
    fn from_env() -> Self {
        StageClock(std::env::var_os("EVENTSTUDY_TIMINGS").map(|_| std::time::Instant::now()))
    }

    fn lap(&mut self, stage: &str) {
        if let Some(started) = self.0 {
            eprintln!("timing: {stage} {:.2} s", started.elapsed().as_secs_f64());
            self.0 = Some(std::time::Instant::now());
        }
    }
}

/// Runs a study with the price source its settings name.
pub fn run(options: &RunOptions) -> Result<RunOutcome> {
    let console = Console::new(options.output.quiet);
    let mut clock = StageClock::from_env();
    let plan = plan::plan(&options.events, &options.study)?;
    clock.lap("plan");
    let source = load::price_source(&plan, &options.study, &options.data, &console)?;
    study_and_write(options, &plan, source.as_ref(), &console)
}

/// Runs a study on prices from `source` (each symbol is asked for once).
pub fn run_with_source(options: &RunOptions, source: &dyn PriceSource) -> Result<RunOutcome> {
    let console = Console::new(options.output.quiet);
    let plan = plan::plan(&options.events, &options.study)?;
    study_and_write(options, &plan, source, &console)
}

fn study_and_write(
    options: &RunOptions,
    plan: &plan::Plan,
    source: &dyn PriceSource,
    console: &Console,
) -> Result<RunOutcome> {
    workers()?.install(|| study_and_write_here(options, plan, source, console))
}

/// The run's aggregate with its long-horizon and cross-sectional parts; none with fewer than
/// two events.
fn aggregate_report(
    events: &[EventReport],
    pool: &Pool,
    bhar_path: &PathSums,
    calendar: &CalendarPanel,
    settings: &StudySettings,
    console: &Console,
) -> Result<Option<AggregateReport>> {
    let Some(aggregate) = study::aggregate(events, pool, &settings.car_windows) else {
        if !settings.cross_section.is_empty() {
            console.warn(&Warning::NoCrossSection {
                events: events.len(),
            });
        }
        return Ok(None);
    };
    let mut report = AggregateReport::from(&aggregate);
    (report.bhar, report.bhar_path) = study::long_horizon(events, bhar_path, settings);
    report.cross_section = study::cross_section(events, settings)?;
    report.diagnostics = Some(crate::report::diagnostics::DiagnosticsSummary::of(
        events.iter().filter_map(|e| e.diagnostics.as_ref()),
    ));
    if let Some(method) = settings.adjust {
        crate::report::adjust::adjust_aggregate(&mut report, method);
    }
    report.calendar_time = calendar_time_reports(calendar, settings);
    if settings.group_by.is_some() {
        let groups = crate::report::groups::Groups::of(events, &settings.car_windows);
        report.groups = groups.groups;
        report.group_difference = groups.differences;
        report.events_without_group = Some(groups.ungrouped);
    }
    Ok(Some(report))
}

/// Each `--calendar-time` window's portfolio and its regression, one per core.
fn calendar_time_reports(
    calendar: &CalendarPanel,
    settings: &StudySettings,
) -> Vec<CalendarTimeReport> {
    settings
        .calendar_time
        .par_iter()
        .zip(calendar.holdings.par_iter())
        .map(|(&window, holdings)| {
            let days = calendar_time::portfolio_days(
                holdings,
                &calendar.regressors,
                settings.calendar_weights,
            );
            CalendarTimeReport::new(
                window,
                settings.calendar_weights,
                settings.model,
                calendar_time::fit(days),
            )
        })
        .collect()
}

fn study_and_write_here(
    options: &RunOptions,
    plan: &plan::Plan,
    source: &dyn PriceSource,
    console: &Console,
) -> Result<RunOutcome> {
    let event_folders = options.output.event_folders(plan.jobs.len());
    let part = study_part(options, plan, source, console, event_folders)?;
    summarize_and_write(options, part, event_folders, console)
}

/// What the study stage hands on: every event studied, pooled, and where the prices came from.
pub(crate) struct StudiedPart {
    pub studied: study::Studied,
    pub source: String,
    pub fetched: std::collections::BTreeMap<String, chrono::NaiveDate>,
}

/// Loads the plan's prices and studies its events; `event_folders` says how the reports are
/// kept (charts' series, flat days).
pub(crate) fn study_part(
    options: &RunOptions,
    plan: &plan::Plan,
    source: &dyn PriceSource,
    console: &Console,
    event_folders: bool,
) -> Result<StudiedPart> {
    let mut clock = StageClock::from_env();
    let progress = console.progress("loading");
    let loaded = load::load(
        plan,
        &options.study,
        &options.data,
        source,
        progress.as_ref(),
    )?;
    clock.lap("load");
    let charts_per_event = event_folders && options.output.charts == ChartsMode::All;
    if charts_per_event && plan.jobs.len() > 100 {
        console.warn(&Warning::ManyEventCharts {
            events: plan.jobs.len(),
        });
    }
    let keep = study::Keep {
        price_paths: charts_per_event,
        compact_days: !event_folders,
    };
    let load::Loaded {
        pairs,
        shares,
        source,
        fetched,
    } = loaded;
    // The panels go in and are dropped pair by pair, as the reports come out.
    let studied = study::study_events(plan, pairs, &shares, &options.study, keep, console);
    clock.lap("study");
    Ok(StudiedPart {
        studied,
        source,
        fetched,
    })
}

/// The summary of the studied events (without their aggregate), and what the aggregate is
/// computed from.
fn new_summary(
    options: &RunOptions,
    part: StudiedPart,
    event_folders: bool,
) -> (Summary, Pool, PathSums, CalendarPanel) {
    let charts_per_event = event_folders && options.output.charts == ChartsMode::All;
    let StudiedPart {
        studied,
        source,
        fetched,
    } = part;
    let study::Studied {
        events,
        excluded,
        pool,
        bhar_path,
        calendar,
    } = studied;
    let summary = Summary {
        conventions: options.study.conventions(),
        source,
        fetched,
        events,
        excluded,
        aggregate: None,
        tables: export::table_paths(
            !options.study.bhar_windows.is_empty(),
            options.output.tables,
        ),
        compact: !event_folders,
        layout: crate::report::Layout {
            out_dir: options.output.out_dir.clone(),
            run_name: options.output.portfolio_name.clone(),
            event_charts: charts_per_event,
            portfolio_charts: options.output.charts != ChartsMode::None,
            mv_window: options.output.mv_window.to_string(),
            svg_only: !options.output.chart_files.formats.png(),
        },
    };
    (summary, pool, bhar_path, calendar)
}

/// The exit code and the error of a run in which no event ran: the worst of the exclusions'
/// codes (data, without any), and the reasons.
fn nothing_ran_exit(excluded: &[crate::event::Exclusion]) -> (i32, Option<String>) {
    let exit_code = excluded
        .iter()
        .map(|x| x.exit_code)
        .max()
        .unwrap_or(exit::DATA);
    (exit_code, Some(nothing_ran(excluded)))
}

/// The outcome of a run in which no event ran: its exit code and the error that says why.
fn nothing_ran_outcome(mut summary: Summary) -> RunOutcome {
    let (exit_code, failure) = nothing_ran_exit(&summary.excluded);
    summary.tables.clear();
    RunOutcome {
        summary,
        exit_code,
        failure,
    }
}

/// The summary of the studied events with their aggregate, in memory: no file is written
/// (the Python package's results; [`save`] writes them later).
pub(crate) fn summarize(
    options: &RunOptions,
    part: StudiedPart,
    event_folders: bool,
    console: &Console,
) -> Result<RunOutcome> {
    let (mut summary, pool, bhar_path, calendar) = new_summary(options, part, event_folders);
    if summary.events.is_empty() {
        return Ok(nothing_ran_outcome(summary));
    }
    summary.aggregate = aggregate_report(
        &summary.events,
        &pool,
        &bhar_path,
        &calendar,
        &options.study,
        console,
    )?;
    export::forget_aggregate_tables(&mut summary);
    Ok(RunOutcome {
        summary,
        exit_code: exit::OK,
        failure: None,
    })
}

/// Writes the folders of a summarized run (see [`summarize`]) under `output`'s folder, as the
/// run itself would have written them; returns the warnings of charts left out. A failed save
/// leaves the summary as it was (its aggregate is handed over as a copy), to be saved again.
pub fn save(output: &export::OutputSettings, summary: &mut Summary) -> Result<Vec<Warning>> {
    summary.layout.out_dir = output.out_dir.clone();
    let aggregate = summary.aggregate.clone();
    export::write_run(output, summary, move |_| Ok(aggregate))
}

/// Studies the events of `options` and keeps the result in memory: no file is written, nothing
/// is printed but warnings (unless quiet). Prices come from `prices` when given, else from the
/// source the settings name (the store, Yahoo, a CSV folder).
pub fn run_in_memory(options: &RunOptions, prices: Option<&dyn PriceSource>) -> Result<RunOutcome> {
    let console = Console::new(options.output.quiet);
    let plan = plan::plan(&options.events, &options.study)?;
    let source = Prices::given_or_named(prices, &plan, options, &console)?;
    workers()?.install(|| {
        let event_folders = options.output.event_folders(plan.jobs.len());
        let part = study_part(options, &plan, source.get(), &console, event_folders)?;
        summarize(options, part, event_folders, &console)
    })
}

/// The prices of an in-memory run: handed over, or from the source the settings name.
pub(crate) enum Prices<'a> {
    Given(&'a dyn PriceSource),
    Named(Box<dyn PriceSource>),
}

impl<'a> Prices<'a> {
    /// `prices`, or else the source of `options` (the store, Yahoo, a CSV folder) for `plan`.
    pub(crate) fn given_or_named(
        prices: Option<&'a dyn PriceSource>,
        plan: &plan::Plan,
        options: &RunOptions,
        console: &Console,
    ) -> Result<Self> {
        Ok(match prices {
            Some(source) => Prices::Given(source),
            None => Prices::Named(load::price_source(
                plan,
                &options.study,
                &options.data,
                console,
            )?),
        })
    }

    pub(crate) fn get(&self) -> &dyn PriceSource {
        match self {
            Prices::Given(source) => *source,
            Prices::Named(source) => source.as_ref(),
        }
    }
}

/// The summary of the studied events, their aggregate and the run's files.
pub(crate) fn summarize_and_write(
    options: &RunOptions,
    part: StudiedPart,
    event_folders: bool,
    console: &Console,
) -> Result<RunOutcome> {
    let mut clock = StageClock::from_env();
    let (mut summary, pool, bhar_path, calendar) = new_summary(options, part, event_folders);
    clock.lap("summary");
    if summary.events.is_empty() {
        // Nothing to put in the run folder: an earlier run's results stay as they were.
        return Ok(nothing_ran_outcome(summary));
    }
    // The aggregate is computed while the per-event tables are written: neither needs the
    // other, and each leaves a core idle at times (2 s of a million-event run).
    let aggregate = |events: &[EventReport]| {
        aggregate_report(
            events,
            &pool,
            &bhar_path,
            &calendar,
            &options.study,
            console,
        )
    };
    for warning in export::write_run(&options.output, &mut summary, aggregate)? {
        console.warn(&warning);
    }
    clock.lap("aggregate+write");
    Ok(RunOutcome {
        summary,
        exit_code: exit::OK,
        failure: None,
    })
}
