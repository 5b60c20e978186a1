//! `abnormal_returns.csv` (one row per event day) and `car.csv` (one row per CAR window),
//! written through polars. Missing values are empty cells.

use polars::prelude::*;

use crate::data::prices::{epoch_days, polars_err};
use crate::error::Result;
use crate::report::EventReport;

fn date_series(name: &str, dates: Vec<Option<chrono::NaiveDate>>) -> Result<Column> {
    let days: Vec<Option<i32>> = dates.into_iter().map(|d| d.map(epoch_days)).collect();
    Ok(Series::new(name.into(), days)
        .cast(&DataType::Date)
        .map_err(|e| polars_err(name, e))?
        .into())
}

fn float(name: &str, values: Vec<Option<f64>>) -> Column {
    Series::new(name.into(), values).into()
}

fn text(name: &str, values: Vec<String>) -> Column {
    Series::new(name.into(), values).into()
}

/// One row per event day of every event.
pub fn abnormal_returns_frame(events: &[EventReport]) -> Result<DataFrame> {
    let rows: Vec<(&EventReport, &crate::report::DayRow)> = events
        .iter()
        .flat_map(|e| e.days.iter().map(move |d| (e, d)))
        .collect();
    let f = |get: fn(&crate::report::DayRow) -> Option<f64>| {
        rows.iter().map(|(_, d)| get(d)).collect::<Vec<_>>()
    };
    let columns = vec![
        text(
            "ticker",
            rows.iter().map(|(e, _)| e.ticker.clone()).collect(),
        ),
        date_series(
            "event_date",
            rows.iter().map(|(e, _)| Some(e.event_date)).collect(),
        )?,
        Series::new(
            "rel".into(),
            rows.iter().map(|(_, d)| d.rel).collect::<Vec<i32>>(),
        )
        .into(),
        date_series("date", rows.iter().map(|(_, d)| Some(d.date)).collect())?,
        float("return", f(|d| d.ret)),
        float("benchmark_return", f(|d| d.benchmark_return)),
        float("normal_return", f(|d| d.normal_return)),
        float("ar", f(|d| d.ar)),
        float("ar_t", f(|d| d.ar_t)),
        float("ar_p", f(|d| d.ar_p)),
        float("car", f(|d| d.car)),
        float("market_value_change", f(|d| d.market_value_change)),
        float(
            "abnormal_market_value_change",
            f(|d| d.abnormal_market_value_change),
        ),
    ];
    DataFrame::new(rows.len(), columns).map_err(|e| polars_err("abnormal_returns", e))
}

/// One row per CAR window of every event.
pub fn car_frame(events: &[EventReport]) -> Result<DataFrame> {
    let rows: Vec<(&EventReport, &crate::report::CarRow)> = events
        .iter()
        .flat_map(|e| e.car.iter().map(move |c| (e, c)))
        .collect();
    let f = |get: fn(&crate::report::CarRow) -> Option<f64>| {
        rows.iter().map(|(_, c)| get(c)).collect::<Vec<_>>()
    };
    let columns = vec![
        text(
            "ticker",
            rows.iter().map(|(e, _)| e.ticker.clone()).collect(),
        ),
        date_series(
            "event_date",
            rows.iter().map(|(e, _)| Some(e.event_date)).collect(),
        )?,
        text(
            "window",
            rows.iter().map(|(_, c)| c.window.clone()).collect(),
        ),
        date_series("start", rows.iter().map(|(_, c)| c.start).collect())?,
        date_series("end", rows.iter().map(|(_, c)| c.end).collect())?,
        Series::new(
            "days".into(),
            rows.iter()
                .map(|(_, c)| c.days as u32)
                .collect::<Vec<u32>>(),
        )
        .into(),
        float("car", f(|c| c.car)),
        float("t", f(|c| c.t)),
        float("p", f(|c| c.p)),
        float("t_simple", f(|c| c.t_simple)),
        float("p_simple", f(|c| c.p_simple)),
        float("market_value_change", f(|c| c.market_value_change)),
        float(
            "abnormal_market_value_change",
            f(|c| c.abnormal_market_value_change),
        ),
    ];
    DataFrame::new(rows.len(), columns).map_err(|e| polars_err("car", e))
}

/// A frame as CSV text (header, comma-separated, empty cells for missing values).
pub fn to_csv(df: &mut DataFrame) -> Result<Vec<u8>> {
    let mut buffer = Vec::new();
    CsvWriter::new(&mut buffer)
        .include_header(true)
        .finish(df)
        .map_err(|e| polars_err("writing CSV", e))?;
    Ok(buffer)
}
