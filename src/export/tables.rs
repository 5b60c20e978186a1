//! The run-level tables: everything a run computed as tidy tables, each written as Parquet
//! and CSV (or one of them, `--tables`) into `<run folder>/tables/` for polars, pandas or R.
//! Column names are the JSON contract's.
//!
//! | table | one row per |
//! |---|---|
//! | `events` | event, ran or excluded (`status`, `reason`): ids, dates, the fit, every CAR window's CAR, t, p and dollars |
//! | `days` | event x relative day of its event window |
//! | `cars` | event x CAR window |
//! | `aggregate_days` | relative day of the portfolio (AAR, CAAR, every test) |
//! | `aggregate_cars` | CAR window of the portfolio |
//! | `bhar` | event x BHAR window (with `--bhar`) |
//! | `aggregate_bhar` | BHAR window of the portfolio (with `--bhar`) |

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, Sender};

use polars::prelude::*;

use crate::error::{polars_err, Error, Result};
use crate::export::csv::{
    aggregate_bhar_frame, aggregate_car_frame, aggregate_days_frame, bhar_frame, car_frame,
    daily_frame, date_series, float, repeated_text,
};
use crate::export::direct::DirectFile;
use crate::export::{csv_writer, TableFormats};
use crate::report::{EventReport, Exclusion, Summary};
use crate::study::RelWindow;
use crate::util::temp_sibling;

/// The tables' names, as the summary lists them.
pub const TABLES: [&str; 5] = ["events", "days", "cars", "aggregate_days", "aggregate_cars"];

/// The tables of a run with `--bhar`, besides [`TABLES`].
pub const BHAR_TABLES: [&str; 2] = ["bhar", "aggregate_bhar"];

/// Events per batch of the per-event tables: a batch's rows are built, written to both files
/// and dropped, so a million events' eleven million daily rows never sit in memory at once.
const BATCH_EVENTS: usize = 25_000;

/// The tables' Parquet codec. Snappy rather than polars' default zstd: the tables are mostly
/// full-precision floats, which compress little either way, and on the 100,000-event synthetic
/// batch Snappy's files were 13% larger (115 MB against 101 MB) while the write stage took
/// 1.87 to 2.03 s against 2.07 to 2.28 s. Every Parquet reader reads Snappy.
const TABLE_CODEC: ParquetCompression = ParquetCompression::Snappy;

/// Writes the per-event tables of `summary` (`events`, `days`, `cars`, with `--bhar` `bhar`)
/// into `dir` in `formats`, each file atomically: written to a temp file, synced, renamed into
/// place. They need no aggregate, so they can be written while it is computed.
pub fn write_event_tables(dir: &Path, summary: &Summary, formats: TableFormats) -> Result<()> {
    if !formats.any_file() {
        return Ok(());
    }
    with_finisher(dir, |written| {
        write_each_event_table(dir, summary, formats, written)
    })
}

/// Writes the aggregate's tables (`aggregate_days`, `aggregate_cars`, with `--bhar`
/// `aggregate_bhar`), if the run has an aggregate, as [`write_event_tables`] does.
pub fn write_aggregate_tables(dir: &Path, summary: &Summary, formats: TableFormats) -> Result<()> {
    let tables = aggregate_tables(summary);
    if tables.is_empty() || !formats.any_file() {
        return Ok(());
    }
    with_finisher(dir, |written| {
        for table in tables {
            write_batched(dir, formats, written, table.name, table.batches)?;
        }
        Ok(())
    })
}

/// A run-level table about to be built: its name, its number of rows (known before any is
/// built) and its rows in batches, built as they are taken.
pub struct RunTable<'a> {
    pub name: &'static str,
    pub rows: usize,
    pub batches: Box<dyn Iterator<Item = Result<DataFrame>> + Send + 'a>,
}

impl<'a> RunTable<'a> {
    fn new(
        name: &'static str,
        rows: usize,
        batches: impl Iterator<Item = Result<DataFrame>> + Send + 'a,
    ) -> Self {
        RunTable {
            name,
            rows,
            batches: Box::new(batches),
        }
    }

    /// A table of one frame.
    pub fn whole(name: &'static str, frame: Result<DataFrame>) -> Self {
        let rows = frame.as_ref().map_or(0, DataFrame::height);
        RunTable::new(name, rows, std::iter::once(frame))
    }
}

/// The aggregate's run-level tables, none without an aggregate.
pub fn aggregate_tables(summary: &Summary) -> Vec<RunTable<'_>> {
    let Some(a) = &summary.aggregate else {
        return Vec::new();
    };
    let mut tables = vec![
        RunTable::whole("aggregate_days", aggregate_days_frame(a)),
        RunTable::whole("aggregate_cars", aggregate_car_frame(a)),
    ];
    if summary.tables.contains_key("bhar") {
        tables.push(RunTable::whole("aggregate_bhar", aggregate_bhar_frame(a)));
    }
    tables
}

/// Runs `write` with a thread that syncs each file it hands over and renames it into place:
/// one table's wait for the disk overlaps the next table's formatting. Every file is in place
/// (or its temp file removed) when this returns.
fn with_finisher(dir: &Path, write: impl FnOnce(&Sender<Written>) -> Result<()>) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    std::thread::scope(|scope| {
        let (written, to_finish) = std::sync::mpsc::channel();
        let finisher = scope.spawn(move || finish(to_finish));
        let tables = write(&written);
        drop(written);
        tables.and(joined(finisher))
    })
}

/// A table's file, written to its temp path, waiting for its sync and rename.
struct Written {
    file: File,
    tmp: PathBuf,
    path: PathBuf,
}

/// Syncs each file received and renames it into place, in the order received. After a
/// failure the files still to come are not renamed: their temp files are removed.
fn finish(files: Receiver<Written>) -> Result<()> {
    let mut result = Ok(());
    for Written { file, tmp, path } in files {
        let done = match result {
            Ok(()) => file
                .sync_all()
                .and_then(|()| std::fs::rename(&tmp, &path))
                .map_err(|e| Error::io(&path, e)),
            Err(_) => Ok(()),
        };
        if result.is_err() || done.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        result = result.and(done);
    }
    result
}

/// The result of a scoped thread; its panic as an internal error.
fn joined<T>(handle: std::thread::ScopedJoinHandle<'_, Result<T>>) -> Result<T> {
    handle
        .join()
        .unwrap_or_else(|_| Err(Error::Internal("a table writer panicked".into())))
}

fn write_each_event_table(
    dir: &Path,
    summary: &Summary,
    formats: TableFormats,
    written: &Sender<Written>,
) -> Result<()> {
    for table in event_tables(summary) {
        write_batched(dir, formats, written, table.name, table.batches)?;
    }
    Ok(())
}

/// The per-event run-level tables: `days`, `cars`, `events` and, with `--bhar`, `bhar`.
pub fn event_tables(summary: &Summary) -> Vec<RunTable<'_>> {
    let events = &summary.events;
    let rows = |per_event: fn(&EventReport) -> usize| events.iter().map(per_event).sum();
    // Every event has the run's CAR windows: the first one names the columns.
    let windows = first_windows(events, |e| {
        e.car
            .iter()
            .map(|c| (c.window.clone(), c.rel_window))
            .collect()
    });
    let bhar_windows = first_windows(events, |e| {
        e.bhar
            .iter()
            .map(|b| (b.window.clone(), b.rel_window))
            .collect()
    });
    let (windows_x, bhar_x) = (windows.clone(), bhar_windows.clone());
    // The GARCH columns in every batch or none, so that the batches share one schema.
    let garch = events.iter().any(|e| e.garch.is_some());
    let ran = batches(events)
        .map(move |b| events_table(b, &[], (&windows[..], &bhar_windows[..]), garch));
    let mut tables = vec![
        RunTable::new(
            "days",
            rows(EventReport::day_count),
            batches(events).map(|b| daily_frame(b, true)),
        ),
        RunTable::new(
            "cars",
            rows(|e| e.car.len()),
            batches(events).map(cars_table),
        ),
    ];
    // The excluded events' rows share the column windows: a batch of their own, last.
    let excluded = std::iter::once(&summary.excluded[..])
        .filter(|x| !x.is_empty())
        .map(move |x| events_table(&[], x, (&windows_x[..], &bhar_x[..]), garch));
    tables.push(RunTable::new(
        "events",
        events.len() + summary.excluded.len(),
        ran.chain(excluded),
    ));
    if summary.tables.contains_key("bhar") {
        tables.push(RunTable::new(
            "bhar",
            rows(|e| e.bhar.len()),
            batches(events).map(bhar_table),
        ));
    }
    tables
}

/// The column windows the first event names (`windows` of it), none without an event.
fn first_windows(events: &[EventReport], windows: fn(&EventReport) -> Vec<Window>) -> Vec<Window> {
    events.first().map(windows).unwrap_or_default()
}

/// The events in batches of [`BATCH_EVENTS`]; one empty batch when there are none (a table
/// with its columns and no rows).
fn batches(events: &[EventReport]) -> impl Iterator<Item = &[EventReport]> {
    let empty = events.is_empty().then_some(&events[..0]);
    events.chunks(BATCH_EVENTS).chain(empty)
}

fn bhar_table(events: &[EventReport]) -> Result<DataFrame> {
    let mut rows = bhar_frame(events)?;
    let ids: Vec<u32> = events
        .iter()
        .flat_map(|e| std::iter::repeat_n(e.id as u32, e.bhar.len()))
        .collect();
    prepend(&mut rows, "id", ids)?;
    Ok(rows)
}

fn cars_table(events: &[EventReport]) -> Result<DataFrame> {
    let mut cars = car_frame(events)?;
    let ids: Vec<u32> = events
        .iter()
        .flat_map(|e| std::iter::repeat_n(e.id as u32, e.car.len()))
        .collect();
    prepend(&mut cars, "id", ids)?;
    Ok(cars)
}

/// Writes one table in `formats` from its batches of rows, each batch to every file side by
/// side; each file is streamed into a temp file and handed to [`finish`] through `written`.
fn write_batched(
    dir: &Path,
    formats: TableFormats,
    written: &Sender<Written>,
    name: &str,
    batches: impl Iterator<Item = Result<DataFrame>> + Send,
) -> Result<()> {
    let path = |extension: &str| dir.join(format!("{name}.{extension}"));
    let csv = formats.csv().then(|| path("csv"));
    let parquet = formats.parquet().then(|| path("parquet"));
    let tmp = |path: &Option<PathBuf>| path.as_deref().map(temp_sibling);
    let (csv_tmp, parquet_tmp) = (tmp(&csv), tmp(&parquet));
    match write_formats(csv_tmp.as_deref(), parquet_tmp.as_deref(), batches) {
        Ok((csv_file, parquet_file)) => {
            let files = [
                (csv_file, csv_tmp, csv),
                (parquet_file, parquet_tmp, parquet),
            ];
            for (file, tmp, path) in files {
                if let (Some(file), Some(tmp), Some(path)) = (file, tmp, path) {
                    // The finisher drains every file it is sent, so a send fails only if it
                    // panicked, which `with_finisher` reports.
                    let _ = written.send(Written { file, tmp, path });
                }
            }
            Ok(())
        }
        Err(e) => {
            for tmp in [csv_tmp, parquet_tmp].into_iter().flatten() {
                let _ = std::fs::remove_file(tmp);
            }
            Err(e)
        }
    }
}

/// The batches are built on one thread while the CSV and the Parquet writers (those asked
/// for) each take them on their own: building, formatting and compressing overlap. At most two
/// batches wait.
fn write_formats(
    csv_path: Option<&Path>,
    parquet_path: Option<&Path>,
    batches: impl Iterator<Item = Result<DataFrame>> + Send,
) -> Result<(Option<File>, Option<File>)> {
    use std::sync::mpsc::sync_channel;
    let (csv_tx, csv_rx) = sync_channel::<DataFrame>(1);
    let (parquet_tx, parquet_rx) = sync_channel::<DataFrame>(1);
    let csv_tx = csv_path.map(|_| csv_tx);
    let parquet_tx = parquet_path.map(|_| parquet_tx);
    std::thread::scope(|scope| {
        let produce = scope.spawn(move || -> Result<()> {
            for batch in batches {
                let batch = batch?;
                // A writer that stopped has its error to tell: stop building.
                let sent = |tx: &Option<_>| match tx {
                    Some(tx) => std::sync::mpsc::SyncSender::send(tx, batch.clone()).is_ok(),
                    None => true,
                };
                if !(sent(&parquet_tx) && sent(&csv_tx)) {
                    break;
                }
            }
            Ok(())
        });
        let parquet = parquet_path
            .map(|path| scope.spawn(move || write_stream(path, parquet_rx, Format::Parquet)));
        let csv = csv_path
            .map(|path| write_stream(path, csv_rx, Format::Csv))
            .transpose();
        let parquet = parquet.map(joined).transpose();
        let produce = joined(produce);
        produce.and(csv).and_then(|csv| Ok((csv, parquet?)))
    })
}

#[derive(Clone, Copy)]
enum Format {
    Csv,
    Parquet,
}

/// Writes every batch received into `path` in `format`; returns the file, flushed but not yet
/// synced. With no batch at all (the producer failed first) the file is left empty.
fn write_stream(path: &Path, batches: Receiver<DataFrame>, format: Format) -> Result<File> {
    let mut out = DirectFile::create(path).map_err(|e| Error::io(path, e))?;
    match format {
        Format::Csv => {
            for (i, batch) in batches.into_iter().enumerate() {
                csv_writer::write_batch(&batch, i == 0, &mut out)?;
            }
        }
        Format::Parquet => write_parquet(&mut out, batches.into_iter())?,
    }
    out.finish().map_err(|e| Error::io(path, e))
}

/// The batches as one Parquet file, one row group or more per batch; nothing without a batch.
fn write_parquet(out: &mut DirectFile, mut batches: impl Iterator<Item = DataFrame>) -> Result<()> {
    let what = "writing Parquet";
    let Some(first) = batches.next() else {
        return Ok(());
    };
    let mut writer = ParquetWriter::new(out)
        .with_compression(TABLE_CODEC)
        .batched(first.schema())
        .map_err(|e| polars_err(what, e))?;
    for batch in std::iter::once(first).chain(batches) {
        writer
            .write_batch(&batch)
            .map_err(|e| polars_err(what, e))?;
    }
    writer.finish().map(|_| ()).map_err(|e| polars_err(what, e))
}

fn prepend(df: &mut DataFrame, name: &str, values: Vec<u32>) -> Result<()> {
    df.insert_column(0, Column::from(Series::new(name.into(), values)))
        .map(|_| ())
        .map_err(|e| polars_err(name, e))
}

/// A column window of the `events` table: its label (`-1:1`) and the window it stands for.
type Window = (String, RelWindow);

/// Event `e`'s CAR row of window `w`, the run's `i`-th: every event has the run's windows in
/// the run's order, so the search is the fallback. Checked by the typed window, which sits in
/// the row, not by the label, a string of its own and cold by the time the table is made (its
/// compare was 2.5% of the million-event write stage's samples).
fn of(e: &EventReport, i: usize, w: RelWindow) -> Option<&crate::report::CarRow> {
    match e.car.get(i) {
        Some(c) if c.rel_window == w => Some(c),
        _ => e.car.iter().find(|c| c.rel_window == w),
    }
}

/// One row per event that ran, then one per excluded event (its fit and windows null).
fn events_table<'e>(
    events: &'e [EventReport],
    excluded: &'e [Exclusion],
    (windows, bhar_windows): (&[Window], &[Window]),
    garch: bool,
) -> Result<DataFrame> {
    let n = events.len() + excluded.len();
    let ran = |f: &dyn Fn(&EventReport) -> Option<f64>| -> Vec<Option<f64>> {
        events
            .iter()
            .map(f)
            .chain(std::iter::repeat_n(None, excluded.len()))
            .collect()
    };
    let ran_dates = |f: &dyn Fn(&EventReport) -> Option<chrono::NaiveDate>| {
        events
            .iter()
            .map(f)
            .chain(std::iter::repeat_n(None, excluded.len()))
            .collect::<Vec<_>>()
    };
    let text = |name: &str,
                ran: &dyn Fn(&'e EventReport) -> Option<&'e str>,
                out: &dyn Fn(&'e Exclusion) -> Option<&'e str>| {
        let ran = events.iter().map(ran);
        repeated_text(name, ran.chain(excluded.iter().map(out)))
    };
    let mut columns = vec![
        Column::from(Series::new(
            "id".into(),
            events
                .iter()
                .map(|e| Some(e.id as u32))
                .chain(excluded.iter().map(|x| x.id.map(|id| id as u32)))
                .collect::<Vec<Option<u32>>>(),
        )),
        Series::new(
            "row".into(),
            events
                .iter()
                .map(|e| e.row.map(|r| r as u32))
                .chain(excluded.iter().map(|x| x.row.map(|r| r as u32)))
                .collect::<Vec<Option<u32>>>(),
        )
        .into(),
        text("ticker", &|e| Some(&e.ticker), &|x| Some(&x.ticker))?,
        text("label", &|e| e.label.as_deref(), &|x| x.label.as_deref())?,
        text("status", &|_| Some("ok"), &|_| Some("excluded"))?,
        text("reason", &|_| None, &|x| Some(&x.reason))?,
        date_series(
            "event_date",
            events
                .iter()
                .map(|e| Some(e.event_date))
                .chain(excluded.iter().map(|x| x.event_date))
                .collect(),
        )?,
        text("event_time", &|e| e.event_time.as_deref(), &|_| None)?,
        date_series("day0", ran_dates(&|e| Some(e.day0)))?,
        text("day0_rule", &|e| Some(e.day0_rule.as_str()), &|_| None)?,
        text("benchmark", &|e| Some(&e.benchmark), &|_| None)?,
        text("model", &|e| Some(e.model.name()), &|_| None)?,
        float("alpha", ran(&|e| e.alpha)),
        float("beta", ran(&|e| e.beta)),
        float("sigma", ran(&|e| e.sigma)),
        float("n_estimation", ran(&|e| Some(e.n_estimation as f64))),
        float(
            "degrees_of_freedom",
            ran(&|e| Some(e.degrees_of_freedom as f64)),
        ),
        date_series("estimation_start", ran_dates(&|e| Some(e.estimation_start)))?,
        date_series("estimation_end", ran_dates(&|e| Some(e.estimation_end)))?,
        float("shares_outstanding", ran(&|e| e.shares_outstanding)),
        float("market_value_before", ran(&|e| e.market_value_before)),
    ];
    for (name, pick) in crate::export::csv::DIAGNOSTIC_COLUMNS {
        columns.push(float(name, ran(&|e| e.diagnostics.as_ref().and_then(pick))));
    }
    columns.extend(crate::export::csv::garch_columns(
        garch,
        (events.iter().map(|e| e.garch.as_ref())).chain(std::iter::repeat_n(None, excluded.len())),
    ));
    for (i, (label, w)) in windows.iter().enumerate() {
        let w = *w;
        columns.push(float(&format!("car_{label}"), ran(&|e| of(e, i, w)?.car)));
        columns.push(float(&format!("t_{label}"), ran(&|e| of(e, i, w)?.t)));
        columns.push(float(&format!("p_{label}"), ran(&|e| of(e, i, w)?.p)));
        columns.push(float(
            &format!("abnormal_market_value_change_{label}"),
            ran(&|e| of(e, i, w)?.abnormal_market_value_change),
        ));
    }
    for (i, (label, w)) in bhar_windows.iter().enumerate() {
        let bhar = |e: &EventReport| e.bhar.get(i).filter(|b| b.rel_window == *w)?.bhar;
        columns.push(float(&format!("bhar_{label}"), ran(&bhar)));
    }
    DataFrame::new(n, columns).map_err(|e| polars_err("events table", e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listing(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    /// A file written at its temp path, for `finish`.
    fn written(dir: &Path, name: &str, text: &str) -> Written {
        let path = dir.join(name);
        let tmp = temp_sibling(&path);
        std::fs::write(&tmp, text).unwrap();
        let file = File::open(&tmp).unwrap();
        Written { file, tmp, path }
    }

    #[test]
    fn finished_files_are_renamed_into_place_in_order_and_stop_at_a_failure() {
        let dir = tempfile::tempdir().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        tx.send(written(dir.path(), "a.csv", "a")).unwrap();
        // Its rename fails: a folder holds its name.
        std::fs::create_dir(dir.path().join("b.csv")).unwrap();
        tx.send(written(dir.path(), "b.csv", "b")).unwrap();
        tx.send(written(dir.path(), "c.csv", "c")).unwrap();
        drop(tx);
        let err = finish(rx).unwrap_err().to_string();
        assert!(err.contains("b.csv"), "{err}");
        // a is in place; b's and c's temp files are gone and c is not renamed.
        assert_eq!(listing(dir.path()), ["a.csv", "b.csv"]);
        assert!(dir.path().join("b.csv").is_dir());
        assert_eq!(
            std::fs::read_to_string(dir.path().join("a.csv")).unwrap(),
            "a"
        );
    }

    #[test]
    fn a_table_whose_rows_fail_leaves_no_file() {
        let dir = tempfile::tempdir().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let failing = std::iter::once(Err(Error::Internal("rows".into())));
        let result = write_batched(dir.path(), TableFormats::default(), &tx, "days", failing);
        assert!(result.unwrap_err().to_string().contains("rows"));
        drop(tx);
        assert!(rx.iter().next().is_none(), "nothing to rename");
        assert!(listing(dir.path()).is_empty(), "{:?}", listing(dir.path()));
    }

    #[test]
    fn a_table_is_handed_over_written_and_renamed_by_finish() {
        let dir = tempfile::tempdir().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let frame = df!("x" => [1.5f64, 2.0]).unwrap();
        write_batched(
            dir.path(),
            TableFormats::default(),
            &tx,
            "t",
            std::iter::once(Ok(frame)),
        )
        .unwrap();
        drop(tx);
        // Before `finish` only the two temp files exist.
        assert_eq!(listing(dir.path()).len(), 2);
        assert!(listing(dir.path()).iter().all(|n| n.starts_with(".t.")));
        finish(rx).unwrap();
        assert_eq!(listing(dir.path()), ["t.csv", "t.parquet"]);
        let csv = std::fs::read_to_string(dir.path().join("t.csv")).unwrap();
        assert_eq!(csv, "x\n1.5\n2.0\n");
    }
}
