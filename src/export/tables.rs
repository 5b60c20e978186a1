//! The run-level tables: everything a run computed as tidy tables, each written as Parquet
//! and CSV into `<run folder>/tables/` for polars, pandas or R. Column names are the JSON
//! contract's.
//!
//! | table | one row per |
//! |---|---|
//! | `events` | event, ran or excluded (`status`, `reason`): ids, dates, the fit, every CAR window's CAR, t, p and dollars |
//! | `days` | event x relative day of its event window |
//! | `cars` | event x CAR window |
//! | `aggregate_days` | relative day of the portfolio (AAR, CAAR, every test) |
//! | `aggregate_cars` | CAR window of the portfolio |

use std::path::Path;

use polars::prelude::*;

use crate::error::{polars_err, Error, Result};
use crate::export::csv::{
    abnormal_returns_frame, aggregate_car_frame, aggregate_days_frame, car_frame, date_series,
    float,
};
use crate::report::{EventReport, Exclusion, Summary};
use crate::util::write_atomic_with;

/// The tables' names, in the order they are written.
pub const TABLES: [&str; 5] = ["events", "days", "cars", "aggregate_days", "aggregate_cars"];

/// Writes every table of `summary` into `dir` (Parquet and CSV, each atomically).
pub fn write_tables(dir: &Path, summary: &Summary) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let ids = |events: &[EventReport], per: fn(&EventReport) -> usize| -> Vec<u32> {
        events
            .iter()
            .flat_map(|e| std::iter::repeat_n(e.id as u32, per(e)))
            .collect()
    };
    let mut days = abnormal_returns_frame(&summary.events)?;
    prepend(&mut days, "id", ids(&summary.events, |e| e.days.len()))?;
    let car_sd: Vec<Option<f64>> = summary
        .events
        .iter()
        .flat_map(|e| e.days.iter().map(|d| d.car_sd))
        .collect();
    days.with_column(Column::from(Series::new("car_sd".into(), car_sd)))
        .map_err(|e| polars_err("days", e))?;
    let mut cars = car_frame(&summary.events)?;
    prepend(&mut cars, "id", ids(&summary.events, |e| e.car.len()))?;
    let mut tables = vec![
        ("events", events_table(&summary.events, &summary.excluded)?),
        ("days", days),
        ("cars", cars),
    ];
    if let Some(a) = &summary.aggregate {
        tables.push(("aggregate_days", aggregate_days_frame(a)?));
        tables.push(("aggregate_cars", aggregate_car_frame(a)?));
    }
    // Each file waits on its own fsync: write them side by side.
    std::thread::scope(|scope| {
        let writers: Vec<_> = tables
            .iter()
            .flat_map(|(name, df)| {
                let name: &str = name;
                ["parquet", "csv"].map(|ext| scope.spawn(move || write(dir, name, ext, df)))
            })
            .collect();
        writers
            .into_iter()
            .map(|w| {
                w.join()
                    .unwrap_or_else(|_| Err(Error::Internal("a table writer panicked".into())))
            })
            .collect::<Result<Vec<()>>>()
    })?;
    Ok(())
}

fn prepend(df: &mut DataFrame, name: &str, values: Vec<u32>) -> Result<()> {
    df.insert_column(0, Column::from(Series::new(name.into(), values)))
        .map(|_| ())
        .map_err(|e| polars_err(name, e))
}

/// Writes one table in one format (`parquet` or `csv`), streamed into a temp file that is then
/// renamed over the old one: a large table never sits in memory as text.
fn write(dir: &Path, name: &str, ext: &str, df: &DataFrame) -> Result<()> {
    let path = dir.join(format!("{name}.{ext}"));
    write_atomic_with(
        &path,
        |tmp| {
            let file = std::fs::File::create(tmp).map_err(|e| Error::io(tmp, e))?;
            let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
            // The writers take the frame mutably (to rechunk it); a shallow clone is cheap.
            let mut df = df.clone();
            match ext {
                "parquet" => ParquetWriter::new(&mut out)
                    .finish(&mut df)
                    .map(|_| ())
                    .map_err(|e| polars_err("writing Parquet", e))?,
                _ => CsvWriter::new(&mut out)
                    .include_header(true)
                    .finish(&mut df)
                    .map_err(|e| polars_err("writing CSV", e))?,
            }
            let file = out
                .into_inner()
                .map_err(|e| Error::io(tmp, e.into_error()))?;
            file.sync_all().map_err(|e| Error::io(tmp, e))
        },
        |e| Error::io(&path, e),
    )
}

/// An event's CAR window by its name (`-1:1`).
fn of<'e>(e: &'e EventReport, w: &str) -> Option<&'e crate::report::CarRow> {
    e.car.iter().find(|c| c.window == w)
}

/// One row per event that ran, then one per excluded event (its fit and windows null).
fn events_table(events: &[EventReport], excluded: &[Exclusion]) -> Result<DataFrame> {
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
    let text = |name: &str, ran: Vec<Option<String>>, out: Vec<Option<String>>| -> Column {
        Series::new(
            name.into(),
            ran.into_iter().chain(out).collect::<Vec<Option<String>>>(),
        )
        .into()
    };
    let mut columns = vec![
        Column::from(Series::new(
            "id".into(),
            events
                .iter()
                .map(|e| Some(e.id as u32))
                .chain(std::iter::repeat_n(None, excluded.len()))
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
        text(
            "ticker",
            events.iter().map(|e| Some(e.ticker.clone())).collect(),
            excluded.iter().map(|x| Some(x.ticker.clone())).collect(),
        ),
        text(
            "label",
            events.iter().map(|e| e.label.clone()).collect(),
            excluded.iter().map(|x| x.label.clone()).collect(),
        ),
        text(
            "status",
            events.iter().map(|_| Some("ok".to_string())).collect(),
            excluded
                .iter()
                .map(|_| Some("excluded".to_string()))
                .collect(),
        ),
        text(
            "reason",
            events.iter().map(|_| None).collect(),
            excluded.iter().map(|x| Some(x.reason.clone())).collect(),
        ),
        date_series(
            "event_date",
            events
                .iter()
                .map(|e| Some(e.event_date))
                .chain(excluded.iter().map(|x| x.event_date))
                .collect(),
        )?,
        date_series("day0", ran_dates(&|e| Some(e.day0)))?,
        text(
            "benchmark",
            events.iter().map(|e| Some(e.benchmark.clone())).collect(),
            excluded.iter().map(|_| None).collect(),
        ),
        text(
            "model",
            events.iter().map(|e| Some(e.model.to_string())).collect(),
            excluded.iter().map(|_| None).collect(),
        ),
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
    let windows: Vec<String> = events
        .first()
        .map(|e| e.car.iter().map(|c| c.window.clone()).collect())
        .unwrap_or_default();
    for w in &windows {
        columns.push(float(&format!("car_{w}"), ran(&|e| of(e, w)?.car)));
        columns.push(float(&format!("t_{w}"), ran(&|e| of(e, w)?.t)));
        columns.push(float(&format!("p_{w}"), ran(&|e| of(e, w)?.p)));
        columns.push(float(
            &format!("abnormal_market_value_change_{w}"),
            ran(&|e| of(e, w)?.abnormal_market_value_change),
        ));
    }
    DataFrame::new(n, columns).map_err(|e| polars_err("events table", e))
}
