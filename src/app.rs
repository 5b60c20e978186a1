//! Runs a command from validated options: load, align, study, write. The only module that ties
//! the data layer, the engine and the outputs together.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use crate::chart;
use crate::data::{align, csv::CsvDirSource, PriceFrame, PriceSource, ShareCount, SharesTable};
use crate::error::{exit, Error, Result};
use crate::export::{self, csv as csv_out, json, table, write_atomic};
use crate::options::{OutputFormat, RunOptions, SharesSpec, SourceSpec};
use crate::report::{num, CarRow, Conventions, DayRow, EventReport, Exclusion, PricePath, Summary};
use crate::study::{self, ReturnPanel, TradingCalendar};
use crate::ticker::Ticker;

/// What a finished run hands back to `main`: the summary and the exit code it earned.
#[derive(Debug)]
pub struct RunOutcome {
    pub summary: Summary,
    pub exit_code: i32,
}

/// Status lines on stderr: only on a terminal and never under `--quiet`, so cron mail stays
/// clean. Warnings are shown unless `--quiet`.
#[derive(Debug, Clone, Copy)]
pub struct Console {
    quiet: bool,
    interactive: bool,
}

impl Console {
    pub fn new(quiet: bool) -> Self {
        Console {
            quiet,
            interactive: std::io::stderr().is_terminal(),
        }
    }

    pub fn status(&self, message: &str) {
        if self.interactive && !self.quiet {
            eprintln!("{message}");
        }
    }

    pub fn warn(&self, message: &str) {
        if !self.quiet {
            eprintln!("warning: {message}");
        }
    }
}

fn make_source(spec: &SourceSpec) -> Box<dyn PriceSource> {
    match spec {
        SourceSpec::CsvDir(dir) => Box::new(CsvDirSource::new(dir)),
    }
}

/// `eventstudy run`: every ticker around one date.
pub fn run(options: &RunOptions) -> Result<RunOutcome> {
    let console = Console::new(options.quiet);
    let source = make_source(&options.source);
    let shares = match &options.shares {
        SharesSpec::File(path) => Some(SharesTable::read_csv(path)?),
        _ => None,
    };
    console.status(&format!(
        "loading {} from {}",
        options.benchmark,
        source.describe()
    ));
    let benchmark = source.load(&options.benchmark).map_err(|e| match e {
        Error::Data(m) => Error::Data(format!("benchmark: {m}")),
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
        let studied = source
            .load(ticker)
            .and_then(|firm| study_one(options, ticker, &firm, &benchmark, shares.as_ref()));
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
    shares: Option<&SharesTable>,
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
    let share_count = match &options.shares {
        SharesSpec::Count(n) => Some(ShareCount {
            shares: *n,
            as_of: None,
            adr_ratio: 1.0,
            source: "--shares".into(),
        }),
        SharesSpec::File(_) => shares.and_then(|t| t.lookup(ticker, day_before)),
        SharesSpec::None => None,
    };
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
    if share_count.is_none() {
        notes.push("no share count (--shares or --shares-file): market value is null".into());
    }

    let panel = ReturnPanel {
        firm: &firm_returns,
        market: &market_returns,
        market_value: market_value.as_deref(),
    };
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
        beta: num(r.model.beta),
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
