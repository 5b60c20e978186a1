//! The folders a study writes:
//!
//! - the run folder `<out>/<name>/`, for every run: `summary.json`, the run-level tables in
//!   `tables/` (Parquet and CSV) and, with an aggregate, `aar.csv`, `caar.csv`, `events.csv`
//!   (not in a large run: `tables/events.*` has its columns) and the three portfolio charts;
//! - `<out>/<TICKER>_<DATE>[_<LABEL>]/` per event, for small runs (or `--event-files`): its
//!   summary, AR and CAR tables and four charts.
//!
//! Every file is written atomically; a large run writes a fixed number of files.

use std::path::{Path, PathBuf};

use crate::chart;
use crate::error::{Error, Result};
use crate::export::settings::{ChartsMode, OutputSettings};
use crate::export::tables::{
    aggregate_tables, event_tables, write_aggregate_tables, write_event_tables, RunTable,
    BHAR_TABLES, TABLES,
};
use crate::export::xlsx::{self, LeftOut};
use crate::export::{csv as csv_out, json, markdown};
use crate::note::Warning;
use crate::report::{AggregateReport, EventReport, Summary};
use crate::util::{remove_stale_temps, replace_dir, staging_dir, write_atomic};
use polars::prelude::DataFrame;

/// The folder of one event's outputs.
pub fn event_dir(out_dir: &Path, report: &EventReport) -> PathBuf {
    out_dir.join(report.slug())
}

/// Writes the run folder and, for a small run, every event's folder. `aggregate` computes the
/// run's aggregate from the events while the run folder's per-event tables are written in its
/// staging folder (they do not show it); `summary` holds it before the files that do. If it
/// fails, nothing is written. Returns a warning for each chart skipped because its data cannot
/// be drawn.
pub fn write_run(
    settings: &OutputSettings,
    summary: &mut Summary,
    aggregate: impl FnOnce(&[EventReport]) -> Result<Option<AggregateReport>> + Send,
) -> Result<Vec<Warning>> {
    check_layout(settings, summary)?;
    let out = &settings.out_dir;
    if out.exists() && !out.is_dir() {
        return Err(Error::usage(format!(
            "--out {} is a file, not a folder",
            out.display()
        )));
    }
    std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
    // What a killed earlier run left here: temp files and staging folders (once per run).
    remove_stale_temps(out);
    let shared: &Summary = summary;
    let (computed, run_folder) = rayon::join(
        || aggregate(&shared.events),
        || -> Result<Staged> {
            let run_folder = Staged::new(&out.join(&settings.portfolio_name))?;
            write_event_tables(&run_folder.dir().join("tables"), shared, settings.tables)?;
            Ok(run_folder)
        },
    );
    let run_folder = run_folder?;
    summary.aggregate = computed?;
    forget_aggregate_tables(summary);
    let mut skipped = Vec::new();
    if !summary.compact {
        for event in &summary.events {
            for why in write_event(settings, summary, event)? {
                skipped.push(Warning::ChartSkipped {
                    subject: event.display_name(true),
                    why,
                });
            }
        }
    }
    let (charts, left_out) = run_files(settings, summary, run_folder.dir())?;
    run_folder.finish()?;
    skipped.extend(
        left_out
            .iter()
            .map(|l| Warning::TableLeftOut(l.to_string())),
    );
    for why in charts {
        skipped.push(Warning::ChartSkipped {
            subject: settings.portfolio_name.clone(),
            why,
        });
    }
    Ok(skipped)
}

/// The run folder must not be an event's folder: one would overwrite the other.
fn check_layout(settings: &OutputSettings, summary: &Summary) -> Result<()> {
    if summary.compact {
        return Ok(());
    }
    match summary
        .events
        .iter()
        .find(|e| e.slug() == settings.portfolio_name)
    {
        Some(e) => Err(Error::usage(format!(
            "--name '{}' is also the folder of the event {} {}: choose another name",
            settings.portfolio_name, e.ticker, e.event_date
        ))),
        None => Ok(()),
    }
}

/// The tables' paths as the summary names them, relative to the run folder: the Parquet
/// files, or the CSV ones when only they are written.
pub fn table_paths(
    bhar: bool,
    formats: crate::export::TableFormats,
) -> std::collections::BTreeMap<String, String> {
    let bhar_tables = if bhar { &BHAR_TABLES[..] } else { &[] };
    TABLES
        .iter()
        .chain(bhar_tables)
        .map(|t| (t.to_string(), formats.named_path(t)))
        .collect()
}

/// A run without an aggregate (fewer than two events) writes no aggregate table, so its
/// summary names none.
pub(crate) fn forget_aggregate_tables(summary: &mut Summary) {
    if summary.aggregate.is_none() {
        summary
            .tables
            .retain(|name, _| !name.starts_with("aggregate_"));
    }
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomic(path, bytes).map_err(|e| Error::io(path, e))
}

/// A folder built beside its target, in a hidden staging folder, then swapped in whole by
/// [`Staged::finish`]: a reader sees the old set of files or the new one, and no file of an
/// earlier run survives. Dropped unfinished (after a failure), it is removed.
struct Staged {
    staging: PathBuf,
    target: PathBuf,
}

impl Staged {
    fn new(target: &Path) -> Result<Staged> {
        let staging = staging_dir(target);
        let _ = std::fs::remove_dir_all(&staging);
        std::fs::create_dir(&staging).map_err(|e| Error::io(&staging, e))?;
        Ok(Staged {
            staging,
            target: target.to_path_buf(),
        })
    }

    /// Where its files are written.
    fn dir(&self) -> &Path {
        &self.staging
    }

    /// Swaps it in; the old folder is removed when `self` drops.
    fn finish(self) -> Result<()> {
        replace_dir(&self.staging, &self.target).map_err(|e| Error::io(&self.target, e))
    }
}

impl Drop for Staged {
    /// The old folder (after a swap) or the unfinished new one (after a failure).
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.staging);
    }
}

/// Builds the folder `target` with `build` and swaps it in (see [`Staged`]).
pub(super) fn build_folder<T>(target: &Path, build: impl FnOnce(&Path) -> Result<T>) -> Result<T> {
    let staged = Staged::new(target)?;
    let value = build(staged.dir())?;
    staged.finish()?;
    Ok(value)
}

fn write_event(
    settings: &OutputSettings,
    summary: &Summary,
    report: &EventReport,
) -> Result<Vec<String>> {
    build_folder(&event_dir(&settings.out_dir, report), |dir| {
        event_files(settings, summary, report, dir)
    })
}

fn event_files(
    settings: &OutputSettings,
    summary: &Summary,
    report: &EventReport,
    dir: &Path,
) -> Result<Vec<String>> {
    let events = std::slice::from_ref(report);
    write_file(
        &dir.join("summary.json"),
        json::event_json(summary, report)?.as_bytes(),
    )?;
    write_file(
        &dir.join("abnormal_returns.csv"),
        &csv_out::to_csv(&mut csv_out::abnormal_returns_frame(events)?)?,
    )?;
    write_file(
        &dir.join("car.csv"),
        &csv_out::to_csv(&mut csv_out::car_frame(events)?)?,
    )?;
    if !report.bhar.is_empty() {
        write_file(
            &dir.join("bhar.csv"),
            &csv_out::to_csv(&mut csv_out::bhar_frame(events)?)?,
        )?;
    }
    write_file(
        &dir.join("report.md"),
        markdown::event_report(summary, report, "").as_bytes(),
    )?;
    write_file(
        &dir.join("report.tex"),
        super::latex::event_document(summary, report).as_bytes(),
    )?;
    match (settings.charts, &report.price_path) {
        (ChartsMode::All, Some(path)) => chart::render_event_charts(
            dir,
            report,
            path,
            &summary.conventions,
            settings.chart_files,
        ),
        _ => Ok(Vec::new()),
    }
}

/// The run folder's files besides the per-event tables: the summary, the aggregate's tables,
/// the report and the portfolio charts.
/// Writes the run folder's files; returns the charts skipped (why) and the tables left out
/// of `tables.xlsx`.
fn run_files(
    settings: &OutputSettings,
    summary: &Summary,
    dir: &Path,
) -> Result<(Vec<String>, Vec<LeftOut>)> {
    write_file(
        &dir.join("summary.json"),
        (json::summary_json(summary)? + "\n").as_bytes(),
    )?;
    write_aggregate_tables(&dir.join("tables"), summary, settings.tables)?;
    let left_out = match settings.tables.xlsx() {
        true => write_workbook(settings, summary, dir)?,
        false => Vec::new(),
    };
    let charts = run_folder_files(settings, summary, dir)?;
    Ok((charts, left_out))
}

/// A portfolio table the run has beside `aar.csv` and `caar.csv`, and how it is made.
type Extra = (&'static str, fn(&AggregateReport) -> Result<DataFrame>);

/// The portfolio's tables that only some runs have (`--cross-section`, `--calendar-time`,
/// `--group-by`), those this run has: each is `<name>.csv` in the run folder and a sheet of
/// `tables.xlsx`.
fn portfolio_extras(a: &AggregateReport) -> Vec<Extra> {
    let extras: [(bool, Extra); 5] = [
        (
            !a.cross_section.is_empty(),
            ("cross_section", csv_out::cross_section_frame),
        ),
        (
            !a.calendar_time.is_empty(),
            ("calendar_time", super::calendar_time::summary_frame),
        ),
        (
            !a.calendar_time.is_empty(),
            ("calendar_time_days", super::calendar_time::days_frame),
        ),
        (
            !a.groups.is_empty(),
            ("groups", super::groups::groups_frame),
        ),
        (
            !a.group_difference.is_empty(),
            ("group_difference", super::groups::difference_frame),
        ),
    ];
    extras
        .into_iter()
        .filter(|(present, _)| *present)
        .map(|(_, e)| e)
        .collect()
}

/// Every table of a run: the run-level tables, then the portfolio's other tables when present
/// (the sheets of `tables.xlsx`, the Python package's `Result.table`).
pub fn run_tables(summary: &Summary) -> Vec<RunTable<'_>> {
    let mut tables = event_tables(summary);
    tables.extend(aggregate_tables(summary));
    if let Some(a) = &summary.aggregate {
        for (name, frame) in portfolio_extras(a) {
            tables.push(RunTable::whole(name, frame(a)));
        }
    }
    tables
}

/// `tables.xlsx`: the run-level tables, then the portfolio's other tables when present.
fn write_workbook(
    settings: &OutputSettings,
    summary: &Summary,
    dir: &Path,
) -> Result<Vec<LeftOut>> {
    let tables = run_tables(summary);
    let formats = settings.tables;
    xlsx::write_workbook(
        &dir.join("tables.xlsx"),
        tables,
        xlsx::SHEET_ROWS,
        |name| match formats.any_file() {
            true => format!("read {}", formats.named_path(name)),
            false => "add --tables parquet to have it as a file".to_string(),
        },
    )
}

/// The run folder's reports, portfolio tables and charts (with an aggregate); returns why
/// each chart skipped was.
fn run_folder_files(
    settings: &OutputSettings,
    summary: &Summary,
    dir: &Path,
) -> Result<Vec<String>> {
    let Some(aggregate) = &summary.aggregate else {
        return Ok(Vec::new());
    };
    write_file(
        &dir.join("report.md"),
        markdown::portfolio_report(summary, "").as_bytes(),
    )?;
    write_file(
        &dir.join("report.tex"),
        super::latex::portfolio_document(summary, aggregate).as_bytes(),
    )?;
    write_file(
        &dir.join("aar.csv"),
        &csv_out::to_csv(&mut csv_out::aggregate_days_frame(aggregate)?)?,
    )?;
    write_file(
        &dir.join("caar.csv"),
        &csv_out::to_csv(&mut csv_out::aggregate_car_frame(aggregate)?)?,
    )?;
    if !aggregate.bhar.is_empty() {
        write_file(
            &dir.join("bhar.csv"),
            &csv_out::to_csv(&mut csv_out::aggregate_bhar_frame(aggregate)?)?,
        )?;
    }
    for (name, frame) in portfolio_extras(aggregate) {
        write_file(
            &dir.join(format!("{name}.csv")),
            &csv_out::to_csv(&mut frame(aggregate)?)?,
        )?;
    }
    // A large run's list of events is `tables/events.*`, which has every column of this one.
    if !summary.compact {
        write_file(
            &dir.join("events.csv"),
            &csv_out::to_csv(&mut csv_out::events_frame(&summary.events)?)?,
        )?;
    }
    if settings.charts == ChartsMode::None {
        return Ok(Vec::new());
    }
    chart::render_portfolio_charts(
        dir,
        summary,
        &settings.mv_window.to_string(),
        settings.chart_files,
    )
}
