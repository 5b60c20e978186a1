//! The folders of an intraday study (`--interval 1m..90m`):
//!
//! - `<out>/<TICKER>_<YYYY-MM-DDTHHMM>_<interval>/` per event (small runs or `--event-files`):
//!   `summary.json`, `bars.csv`, `car.csv`, `report.md`, `report.tex` and four charts (`price.png`,
//!   `abnormal_returns.png`, `car.png`, `market_value.png` with a share count);
//! - the run folder `<out>/<name>/`: `summary.json`, `events.csv`, `bars.csv` and `car.csv`
//!   of every event, `report.md`, `report.tex` and, with two events or more, `aar.csv`, `caar.csv` (by
//!   relative bar) and `caar.png`.
//!
//! Every file is written atomically and every folder is swapped in whole.

use std::path::Path;

use crate::chart;
use crate::error::{Error, Result};
use crate::export::bars::{bars_csv, car_csv, event_report, events_csv, json, portfolio_report};
use crate::export::csv::{aggregate_car_frame, aggregate_days_frame, to_csv};
use crate::export::folder::build_folder;
use crate::export::latex::markdown_document;
use crate::export::settings::OutputSettings;
use crate::note::Warning;
use crate::report::bars::{BarEventReport, BarSummary};
use crate::util::{remove_stale_temps, write_atomic};
use polars::prelude::{CsvReadOptions, DataFrame, SerReader};

/// One event's `summary.json`: the run's schema with the one event.
fn event_json(summary: &BarSummary, event: &BarEventReport) -> Result<String> {
    json(&BarSummary {
        conventions: summary.conventions.clone(),
        source: summary.source.clone(),
        events: vec![event.clone()],
        excluded: Vec::new(),
        aggregate: None,
        layout: summary.layout.clone(),
    })
}

/// Writes the event folders (when the run has them) and the run folder. Returns a warning
/// for each chart that could not be drawn.
pub fn write_run(settings: &OutputSettings, summary: &mut BarSummary) -> Result<Vec<Warning>> {
    let out = &settings.out_dir;
    if out.exists() && !out.is_dir() {
        return Err(Error::usage(format!(
            "--out {} is a file, not a folder",
            out.display()
        )));
    }
    std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
    remove_stale_temps(out);
    let interval = summary.conventions.interval;
    if let Some(e) = summary
        .events
        .iter()
        .find(|e| summary.layout.event_files && e.slug(interval) == settings.portfolio_name)
    {
        return Err(Error::usage(format!(
            "--name '{}' is also the folder of the event {}: choose another name",
            settings.portfolio_name,
            e.display_name()
        )));
    }
    let mut skipped = Vec::new();
    if summary.layout.event_files {
        for e in &summary.events {
            let dir = out.join(e.slug(interval));
            let why = build_folder(&dir, |staging| write_event(settings, summary, e, staging))?;
            skipped.extend(why.into_iter().map(|why| Warning::ChartSkipped {
                subject: e.display_name(),
                why,
            }));
        }
    }
    let run_dir = out.join(&settings.portfolio_name);
    let why = build_folder(&run_dir, |staging| {
        write_portfolio(settings, summary, staging)
    })?;
    skipped.extend(why.into_iter().map(|why| Warning::ChartSkipped {
        subject: settings.portfolio_name.clone(),
        why,
    }));
    Ok(skipped)
}

/// The run folder's tables as frames (the Python package's `Result.table`): `events`, `bars`,
/// `cars` from the CSV text the folder holds, and with an aggregate `aggregate_days` and
/// `aggregate_cars` (`aar.csv`, `caar.csv`).
pub fn bar_tables(summary: &BarSummary) -> Result<Vec<(&'static str, DataFrame)>> {
    let read = |name: &'static str, text: String| -> Result<(&'static str, DataFrame)> {
        let frame = CsvReadOptions::default()
            .with_infer_schema_length(None)
            .into_reader_with_file_handle(std::io::Cursor::new(text.into_bytes()))
            .finish()
            .map_err(|e| Error::Internal(format!("the {name} table: {e}")))?;
        Ok((name, frame))
    };
    let mut tables = vec![
        read("events", events_csv(summary))?,
        read("bars", bars_csv(&summary.events))?,
        read("cars", car_csv(&summary.events))?,
    ];
    if let Some(a) = &summary.aggregate {
        tables.push(("aggregate_days", aggregate_days_frame(&a.report)?));
        tables.push(("aggregate_cars", aggregate_car_frame(&a.report)?));
    }
    Ok(tables)
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> Result<()> {
    let path = dir.join(name);
    write_atomic(&path, bytes).map_err(|e| Error::io(&path, e))
}

fn write_event(
    settings: &OutputSettings,
    summary: &BarSummary,
    e: &BarEventReport,
    dir: &Path,
) -> Result<Vec<String>> {
    write(dir, "summary.json", event_json(summary, e)?.as_bytes())?;
    write(
        dir,
        "bars.csv",
        bars_csv(std::slice::from_ref(e)).as_bytes(),
    )?;
    write(dir, "car.csv", car_csv(std::slice::from_ref(e)).as_bytes())?;
    let charts = summary.layout.event_charts;
    let report = event_report(summary, e, charts);
    write(dir, "report.md", report.as_bytes())?;
    write(dir, "report.tex", markdown_document(&report).as_bytes())?;
    match charts {
        true => {
            chart::bars::render_event_charts(dir, e, &summary.conventions, settings.chart_files)
        }
        false => Ok(Vec::new()),
    }
}

fn write_portfolio(
    settings: &OutputSettings,
    summary: &BarSummary,
    dir: &Path,
) -> Result<Vec<String>> {
    write(dir, "summary.json", (json(summary)? + "\n").as_bytes())?;
    write(dir, "events.csv", events_csv(summary).as_bytes())?;
    write(dir, "bars.csv", bars_csv(&summary.events).as_bytes())?;
    write(dir, "car.csv", car_csv(&summary.events).as_bytes())?;
    let mut skipped = Vec::new();
    if let Some(a) = &summary.aggregate {
        write(
            dir,
            "aar.csv",
            &to_csv(&mut aggregate_days_frame(&a.report)?)?,
        )?;
        write(
            dir,
            "caar.csv",
            &to_csv(&mut aggregate_car_frame(&a.report)?)?,
        )?;
        if summary.layout.portfolio_charts {
            skipped = chart::bars::render_portfolio_chart(dir, summary, settings.chart_files)?;
        }
    }
    let report = match summary.aggregate {
        Some(_) => portfolio_report(summary),
        None => summary
            .events
            .iter()
            .map(|e| event_report(summary, e, false))
            .collect::<Vec<_>>()
            .join("\n"),
    };
    write(dir, "report.md", report.as_bytes())?;
    write(dir, "report.tex", markdown_document(&report).as_bytes())?;
    Ok(skipped)
}
