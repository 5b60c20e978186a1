//! CSV through polars: `abnormal_returns.csv` (one row per event day), `car.csv` (one row per
//! CAR window), the portfolio's tables, and `--format csv` for every command. Missing values
//! are empty cells.

use polars::prelude::*;

use crate::error::{polars_err, Result};
use crate::export::output::Output;
use crate::report::diagnostics::DiagnosticsReport;
use crate::report::GarchReport;
use crate::report::{
    AggregateReport, Check, CrossSection, DayValues, EventReport, FetchedSymbol, StoreEntry,
    TestsReport,
};
use crate::util::epoch_days;

/// What a command prints with `--format csv`: a study's daily AR table, or one row per symbol.
pub fn render(output: Output<'_>) -> Result<String> {
    let mut df = match output {
        Output::Study(summary) => abnormal_returns_frame(&summary.events)?,
        Output::Bars(summary) => return Ok(super::bars::bars_csv(&summary.events)),
        Output::Simulation(report) => return Ok(super::simulation::csv(report)),
        Output::Fetch(rows) => fetch_frame(rows)?,
        Output::StoreList { entries, .. } => store_frame(entries)?,
        Output::Doctor(checks) => doctor_frame(checks)?,
        Output::Message(message) | Output::Text(message) => {
            DataFrame::new(1, vec![text("message", vec![message.to_string()])])
                .map_err(|e| polars_err("message", e))?
        }
    };
    Ok(String::from_utf8_lossy(&to_csv(&mut df)?).into_owned())
}

fn optional_count(name: &str, values: impl Iterator<Item = Option<usize>>) -> Column {
    Series::new(
        name.into(),
        values.map(|v| v.map(|n| n as u64)).collect::<Vec<_>>(),
    )
    .into()
}

fn optional_text(name: &str, values: impl Iterator<Item = Option<String>>) -> Column {
    Series::new(name.into(), values.collect::<Vec<_>>()).into()
}

fn fetch_frame(rows: &[FetchedSymbol]) -> Result<DataFrame> {
    let columns = vec![
        text("symbol", rows.iter().map(|r| r.symbol.clone()).collect()),
        Series::new("ok".into(), rows.iter().map(|r| r.ok).collect::<Vec<_>>()).into(),
        optional_count("requests", rows.iter().map(|r| Some(r.requests))),
        optional_count("rows", rows.iter().map(|r| r.rows)),
        date_series("first", rows.iter().map(|r| r.first).collect())?,
        date_series("last", rows.iter().map(|r| r.last).collect())?,
        optional_text(
            "notes",
            rows.iter().map(|r| {
                let notes: Vec<String> = r.notes.iter().map(ToString::to_string).collect();
                (!notes.is_empty()).then(|| notes.join("; "))
            }),
        ),
        optional_text("error", rows.iter().map(|r| r.error.clone())),
    ];
    DataFrame::new(rows.len(), columns).map_err(|e| polars_err("fetch", e))
}

fn doctor_frame(checks: &[Check]) -> Result<DataFrame> {
    let columns = vec![
        text("check", checks.iter().map(|c| c.name.clone()).collect()),
        text(
            "status",
            checks
                .iter()
                .map(|c| c.status.as_str().to_ascii_lowercase())
                .collect(),
        ),
        text("detail", checks.iter().map(|c| c.detail.clone()).collect()),
        optional_text("fix", checks.iter().map(|c| c.fix.clone())),
    ];
    DataFrame::new(checks.len(), columns).map_err(|e| polars_err("doctor", e))
}

fn store_frame(entries: &[StoreEntry]) -> Result<DataFrame> {
    let columns = vec![
        text("symbol", entries.iter().map(|e| e.symbol.clone()).collect()),
        date_series("first", entries.iter().map(|e| e.first).collect())?,
        date_series("last", entries.iter().map(|e| e.last).collect())?,
        optional_count("rows", entries.iter().map(|e| e.rows)),
        optional_text(
            "fetched_at",
            entries.iter().map(|e| e.fetched_at.map(|t| t.to_rfc3339())),
        ),
        optional_count("splits", entries.iter().map(|e| Some(e.splits))),
        optional_count("dividends", entries.iter().map(|e| Some(e.dividends))),
        text("status", entries.iter().map(|e| e.status.clone()).collect()),
        // Last: the columns a script reads by position stay where they were.
        text(
            "interval",
            entries.iter().map(|e| e.interval.clone()).collect(),
        ),
    ];
    DataFrame::new(entries.len(), columns).map_err(|e| polars_err("store", e))
}

pub(super) fn date_series(name: &str, dates: Vec<Option<chrono::NaiveDate>>) -> Result<Column> {
    let days: Vec<Option<i32>> = dates.into_iter().map(|d| d.map(epoch_days)).collect();
    Ok(Series::new(name.into(), days)
        .cast(&DataType::Date)
        .map_err(|e| polars_err(name, e))?
        .into())
}

pub(super) use crate::util::float_column as float;

fn text(name: &str, values: Vec<String>) -> Column {
    Series::new(name.into(), values).into()
}

/// The `ticker` column of a table with many rows per event (see [`repeated_text`]).
fn tickers<'a>(values: impl Iterator<Item = &'a str>) -> Result<Column> {
    repeated_text("ticker", values.map(Some))
}

/// A text column of many rows and few values in a row (an event's ticker on each of its rows,
/// the run's CAR windows on each event's, `ok` on every event's), null where `None`: each value
/// is stored once for the rows in a row that repeat it, and the column gathered from them,
/// which copies polars' 16-byte views rather than pushing a string per row. With the other
/// builders' changes of that session, building the 100,000-event run's per-event frames went
/// from 0.63 s to 0.40 to 0.45 s of one core.
pub(super) fn repeated_text<'a>(
    name: &str,
    values: impl Iterator<Item = Option<&'a str>>,
) -> Result<Column> {
    repeated_text_by(name, values.map(|v| v.map(|text| (SameText(text), text))))
}

/// [`repeated_text`] of rows that each carry a key standing for their text (one key, one
/// text): rows are compared by key, and a text is read only when its key is new among the
/// latest. A CAR window's label lives in its own allocation in each event's row, cold by the
/// time the tables are written; its `RelWindow` sits in the row itself.
pub(super) fn repeated_text_by<'a, K: PartialEq + Copy>(
    name: &str,
    values: impl Iterator<Item = Option<(K, &'a str)>>,
) -> Result<Column> {
    /// How many of the latest stored values a row is compared with.
    const RECENT: usize = 8;
    let mut stored: Vec<(K, &str)> = Vec::new();
    let mut rows: Vec<Option<IdxSize>> = Vec::with_capacity(values.size_hint().0);
    for value in values {
        rows.push(value.map(|(key, text)| {
            let recent = stored.len().saturating_sub(RECENT)..stored.len();
            let at = recent
                .rev()
                .find(|&i| stored[i].0 == key)
                .unwrap_or_else(|| {
                    stored.push((key, text));
                    stored.len() - 1
                });
            at as IdxSize
        }));
    }
    let rows = if rows.iter().all(Option::is_some) {
        IdxCa::from_vec("".into(), rows.into_iter().flatten().collect())
    } else {
        IdxCa::from_iter_options("".into(), rows.into_iter())
    };
    let texts: Vec<&str> = stored.iter().map(|&(_, text)| text).collect();
    let column = StringChunked::from_slice(name.into(), &texts)
        .take(&rows)
        .map_err(|e| polars_err(name, e))?;
    Ok(column.into_column())
}

/// A text compared by address and length first: the rows of one event hold the very same
/// string (its ticker), which then needs no byte compared.
#[derive(Clone, Copy)]
struct SameText<'a>(&'a str);

impl PartialEq for SameText<'_> {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self.0, other.0) || self.0 == other.0
    }
}

/// One row per event day of every event.
pub fn abnormal_returns_frame(events: &[EventReport]) -> Result<DataFrame> {
    daily_frame(events, false)
}

/// One row per event day of every event: `ticker`, `event_date`, `rel`, `date` and the numbers;
/// `tidy` (the run-level table) adds the event's `id` first and `car_sd` last.
///
/// Each column is built in one pass over the events, straight from their rows: a large run's
/// eleven million rows never exist as row structs.
pub fn daily_frame(events: &[EventReport], tidy: bool) -> Result<DataFrame> {
    let n: usize = events.iter().map(EventReport::day_count).sum();
    // Which of the day's numbers are columns: all in the run-level table; an event's CSV
    // leaves out `car_sd` (its JSON has it). `ar_p_adj` follows `ar_p` when the run adjusts.
    let adjusted = events.first().is_some_and(|e| e.adjust.is_some());
    let kept: Vec<usize> = (0..DayValues::NAMES.len())
        .filter(|&i| tidy || i != DayValues::CAR_SD)
        .filter(|&i| i != DayValues::AR_P_ADJ)
        .flat_map(|i| match (i, adjusted) {
            (DayValues::AR_P, true) => vec![i, DayValues::AR_P_ADJ],
            _ => vec![i],
        })
        .collect();
    let numbers = kept.len();
    // One pass over the rows into plain vectors; the columns are made from them.
    let (mut ids, mut tickers_, mut event_dates) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    let (mut rels, mut dates) = (Vec::with_capacity(n), Vec::with_capacity(n));
    // The numbers are stored by row index into columns made whole up front: a push per
    // number, with its capacity check, was most of building a large run's table.
    let mut values: Vec<Vec<f64>> = (0..numbers).map(|_| vec![0.0; n]).collect();
    let mut row = 0;
    for e in events {
        let event_date = epoch_days(e.event_date);
        for d in e.day_values() {
            ids.push(e.id as u32);
            tickers_.push(e.ticker.as_str());
            event_dates.push(event_date);
            rels.push(d.rel);
            dates.push(epoch_days(d.date));
            for (column, &i) in values.iter_mut().zip(&kept) {
                column[row] = d.values[i];
            }
            row += 1;
        }
    }
    let mut columns = Vec::with_capacity(numbers + 5);
    if tidy {
        columns.push(Column::from(Series::new("id".into(), ids)));
    }
    columns.push(tickers(tickers_.into_iter())?);
    columns.push(day_column("event_date", event_dates)?);
    columns.push(Series::new("rel".into(), rels).into());
    columns.push(day_column("date", dates)?);
    for (&i, column) in kept.iter().zip(values) {
        let name = &DayValues::NAMES[i];
        columns.push(finite_column(name, column));
    }
    DataFrame::new(n, columns).map_err(|e| polars_err("abnormal_returns", e))
}

/// A column of numbers with null for each one that is not finite (as [`crate::report::num`]).
/// A column that is all finite (most) or all missing (the dollars without a share count) is
/// made whole, without a builder's push per value.
fn finite_column(name: &str, values: Vec<f64>) -> Column {
    let finite = values.iter().filter(|v| v.is_finite()).count();
    let column = if finite == values.len() {
        Float64Chunked::from_vec(name.into(), values)
    } else if finite == 0 {
        Float64Chunked::full_null(name.into(), values.len())
    } else {
        Float64Chunked::from_iter_options(name.into(), values.into_iter().map(crate::report::num))
    };
    column.into_column()
}

/// A date column from days since 1970 (never null).
fn day_column(name: &str, days: Vec<i32>) -> Result<Column> {
    Ok(Series::new(name.into(), days)
        .cast(&DataType::Date)
        .map_err(|e| polars_err(name, e))?
        .into())
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
    let mut columns = vec![
        tickers(rows.iter().map(|(e, _)| e.ticker.as_str()))?,
        date_series(
            "event_date",
            rows.iter().map(|(e, _)| Some(e.event_date)).collect(),
        )?,
        repeated_text_by(
            "window",
            rows.iter()
                .map(|(_, c)| Some((c.rel_window, c.window.as_str()))),
        )?,
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
    ];
    if rows.iter().any(|(e, _)| e.adjust.is_some()) {
        columns.push(float("p_adj", f(|c| c.p_adj.flatten())));
    }
    columns.extend([
        float("t_simple", f(|c| c.t_simple)),
        float("p_simple", f(|c| c.p_simple)),
        float("market_value_change", f(|c| c.market_value_change)),
        float(
            "abnormal_market_value_change",
            f(|c| c.abnormal_market_value_change),
        ),
        float("volatility_ratio", f(|c| c.volatility_ratio)),
        float("abnormal_volume", f(|c| c.abnormal_volume)),
        float("abnormal_volume_t", f(|c| c.abnormal_volume_t)),
    ]);
    DataFrame::new(rows.len(), columns).map_err(|e| polars_err("car", e))
}

/// One row per BHAR window of every event (`bhar.csv`).
pub fn bhar_frame(events: &[EventReport]) -> Result<DataFrame> {
    let rows: Vec<(&EventReport, &crate::report::BharRow)> = events
        .iter()
        .flat_map(|e| e.bhar.iter().map(move |b| (e, b)))
        .collect();
    let f = |get: fn(&crate::report::BharRow) -> Option<f64>| {
        rows.iter().map(|(_, b)| get(b)).collect::<Vec<_>>()
    };
    let columns = vec![
        tickers(rows.iter().map(|(e, _)| e.ticker.as_str()))?,
        date_series(
            "event_date",
            rows.iter().map(|(e, _)| Some(e.event_date)).collect(),
        )?,
        repeated_text_by(
            "window",
            rows.iter()
                .map(|(_, b)| Some((b.rel_window, b.window.as_str()))),
        )?,
        date_series("start", rows.iter().map(|(_, b)| b.start).collect())?,
        date_series("end", rows.iter().map(|(_, b)| b.end).collect())?,
        Series::new(
            "days".into(),
            rows.iter()
                .map(|(_, b)| b.days as u32)
                .collect::<Vec<u32>>(),
        )
        .into(),
        Series::new(
            "cut_short".into(),
            rows.iter().map(|(_, b)| b.cut_short).collect::<Vec<bool>>(),
        )
        .into(),
        float("bhar", f(|b| b.bhar)),
        float("firm_bh_return", f(|b| b.firm_bh_return)),
        float("benchmark_bh_return", f(|b| b.benchmark_bh_return)),
        float(
            "abnormal_market_value_change",
            f(|b| b.abnormal_market_value_change),
        ),
    ];
    DataFrame::new(rows.len(), columns).map_err(|e| polars_err("bhar", e))
}

/// The portfolio's `bhar.csv`: one row per BHAR window.
pub fn aggregate_bhar_frame(a: &AggregateReport) -> Result<DataFrame> {
    let rows = &a.bhar;
    let count = |name: &str, get: fn(&crate::report::AggregateBharRow) -> usize| -> Column {
        Series::new(
            name.into(),
            rows.iter().map(|r| get(r) as u32).collect::<Vec<u32>>(),
        )
        .into()
    };
    let value = |name: &str, get: fn(&crate::report::AggregateBharRow) -> Option<f64>| {
        float(name, rows.iter().map(get).collect())
    };
    let columns = vec![
        text("window", rows.iter().map(|r| r.window.clone()).collect()),
        count("n", |r| r.n),
        count("cut_short", |r| r.cut_short),
        value("mean_bhar", |r| r.mean_bhar),
        value("median_bhar", |r| r.median_bhar),
        value("sd", |r| r.sd),
        value("skewness", |r| r.skewness),
        value("t", |r| r.t.stat),
        value("t_p", |r| r.t.p),
        value("t_sa", |r| r.t_sa.stat),
        value("t_sa_p", |r| r.t_sa.p),
        value("bootstrap_p", |r| r.bootstrap_p),
        count("bootstrap_draws", |r| r.bootstrap_draws),
        count("bootstrap_sample", |r| r.bootstrap_sample),
        count("n_with_market_value", |r| r.n_with_market_value),
        value("abnormal_market_value_change", |r| {
            r.abnormal_market_value_change
        }),
    ];
    DataFrame::new(rows.len(), columns).map_err(|e| polars_err("aggregate bhar", e))
}

/// `cross_section.csv`: one row per CAR window and coefficient (`const` first).
pub fn cross_section_frame(a: &AggregateReport) -> Result<DataFrame> {
    let rows: Vec<(
        &crate::report::CrossSectionReport,
        &crate::report::CoefficientReport,
    )> = a
        .cross_section
        .iter()
        .flat_map(|r| r.coefficients.iter().map(move |c| (r, c)))
        .collect();
    let columns = vec![
        text(
            "window",
            rows.iter().map(|(r, _)| r.window.clone()).collect(),
        ),
        Series::new(
            "n".into(),
            rows.iter().map(|(r, _)| r.n as u32).collect::<Vec<u32>>(),
        )
        .into(),
        Series::new(
            "left_out".into(),
            rows.iter()
                .map(|(r, _)| r.left_out as u32)
                .collect::<Vec<u32>>(),
        )
        .into(),
        float("r2", rows.iter().map(|(r, _)| r.r2).collect()),
        float("adj_r2", rows.iter().map(|(r, _)| r.adj_r2).collect()),
        text(
            "se_kind",
            rows.iter().map(|(r, _)| r.se_kind.to_string()).collect(),
        ),
        text("name", rows.iter().map(|(_, c)| c.name.clone()).collect()),
        float("estimate", rows.iter().map(|(_, c)| c.estimate).collect()),
        float("se", rows.iter().map(|(_, c)| c.se).collect()),
        float("t", rows.iter().map(|(_, c)| c.t).collect()),
        float("p", rows.iter().map(|(_, c)| c.p).collect()),
    ];
    DataFrame::new(rows.len(), columns).map_err(|e| polars_err("cross_section", e))
}

/// Appends what every cross-section row has: each test as `<name>` and `<name>_p`, then
/// `positive`, `wilcoxon_w` and the dollars.
fn cross_section_columns<T: CrossSection>(columns: &mut Vec<Column>, rows: &[T]) {
    for (k, name) in TestsReport::NAMES.iter().enumerate() {
        columns.push(float(
            name,
            rows.iter().map(|r| r.tests().named()[k].1.stat).collect(),
        ));
        columns.push(float(
            &format!("{name}_p"),
            rows.iter().map(|r| r.tests().named()[k].1.p).collect(),
        ));
        if rows.iter().any(|r| r.tests().named()[k].1.p_adj.is_some()) {
            columns.push(float(
                &format!("{name}_p_adj"),
                rows.iter()
                    .map(|r| r.tests().named()[k].1.p_adj.flatten())
                    .collect(),
            ));
        }
    }
    columns.push(
        Series::new(
            "positive".into(),
            rows.iter()
                .map(|r| r.positive() as u32)
                .collect::<Vec<u32>>(),
        )
        .into(),
    );
    columns.push(float(
        "wilcoxon_w",
        rows.iter().map(|r| r.wilcoxon_w()).collect(),
    ));
    columns.push(float(
        "market_value_change",
        rows.iter().map(|r| r.market_value_change()).collect(),
    ));
    columns.push(float(
        "abnormal_market_value_change",
        rows.iter()
            .map(|r| r.abnormal_market_value_change())
            .collect(),
    ));
    columns.push(float("mean_u", rows.iter().map(|r| r.mean_u()).collect()));
    columns.push(float(
        "volatility_chi2",
        rows.iter().map(|r| r.volatility_chi2().stat).collect(),
    ));
    columns.push(float(
        "volatility_chi2_p",
        rows.iter().map(|r| r.volatility_chi2().p).collect(),
    ));
    columns.push(
        Series::new(
            "volatility_chi2_df".into(),
            rows.iter()
                .map(|r| r.volatility_chi2().df as u32)
                .collect::<Vec<u32>>(),
        )
        .into(),
    );
    columns.push(float("aav", rows.iter().map(|r| r.volume().0).collect()));
    for (name, test) in [("aav_csect_t", 1), ("aav_std_t", 2)] {
        let pick = |r: &T| match test {
            1 => r.volume().1,
            _ => r.volume().2,
        };
        columns.push(float(name, rows.iter().map(|r| pick(r).stat).collect()));
        columns.push(float(
            &format!("{name}_p"),
            rows.iter().map(|r| pick(r).p).collect(),
        ));
    }
}

/// `aar.csv`: one row per relative day of the portfolio.
pub fn aggregate_days_frame(a: &AggregateReport) -> Result<DataFrame> {
    let mut columns = vec![
        Column::from(Series::new(
            "rel".into(),
            a.days.iter().map(|d| d.rel).collect::<Vec<i32>>(),
        )),
        Series::new(
            "n".into(),
            a.days.iter().map(|d| d.n as u32).collect::<Vec<u32>>(),
        )
        .into(),
        float("aar", a.days.iter().map(|d| d.aar).collect()),
        float("caar", a.days.iter().map(|d| d.caar).collect()),
        float("car_sd", a.days.iter().map(|d| d.car_sd).collect()),
    ];
    cross_section_columns(&mut columns, &a.days);
    DataFrame::new(a.days.len(), columns).map_err(|e| polars_err("aar", e))
}

/// `caar.csv`: one row per CAR window of the portfolio.
pub fn aggregate_car_frame(a: &AggregateReport) -> Result<DataFrame> {
    let mut columns = vec![
        text("window", a.car.iter().map(|c| c.window.clone()).collect()),
        Series::new(
            "n".into(),
            a.car.iter().map(|c| c.n as u32).collect::<Vec<u32>>(),
        )
        .into(),
        float("caar", a.car.iter().map(|c| c.caar).collect()),
    ];
    cross_section_columns(&mut columns, &a.car);
    DataFrame::new(a.car.len(), columns).map_err(|e| polars_err("caar", e))
}

/// The diagnostics' columns of the events tables: name and value.
pub type DiagnosticColumn = (&'static str, fn(&DiagnosticsReport) -> Option<f64>);

pub const DIAGNOSTIC_COLUMNS: [DiagnosticColumn; 12] = [
    ("jarque_bera", |d| d.jarque_bera.stat),
    ("jarque_bera_p", |d| d.jarque_bera.p),
    ("durbin_watson", |d| d.durbin_watson),
    ("ljung_box", |d| d.ljung_box.stat),
    ("ljung_box_p", |d| d.ljung_box.p),
    ("arch_lm", |d| d.arch_lm.stat),
    ("arch_lm_p", |d| d.arch_lm.p),
    ("pretrend_car", |d| d.pretrend.and_then(|p| p.car)),
    ("pretrend_t", |d| d.pretrend.and_then(|p| p.t)),
    ("pretrend_p", |d| d.pretrend.and_then(|p| p.p)),
    ("pretrend_chi2", |d| d.pretrend.and_then(|p| p.chi2)),
    ("pretrend_chi2_p", |d| d.pretrend.and_then(|p| p.chi2_p)),
];

/// The GARCH fit's columns of the events tables (`--model garch` only): name and value.
pub type GarchColumn = (&'static str, fn(&GarchReport) -> Option<f64>);

pub const GARCH_COLUMNS: [GarchColumn; 5] = [
    ("garch_omega", |g| g.omega),
    ("garch_arch", |g| g.arch),
    ("garch_garch", |g| g.garch),
    ("garch_persistence", |g| g.persistence),
    ("garch_loglik", |g| g.loglik),
];

/// The GARCH columns, and `garch_converged`, of events that may have a fit; none unless
/// `present` (the run's model is GARCH).
pub fn garch_columns<'a>(
    present: bool,
    fits: impl Iterator<Item = Option<&'a GarchReport>> + Clone,
) -> Vec<Column> {
    if !present {
        return Vec::new();
    }
    let mut columns: Vec<Column> = GARCH_COLUMNS
        .iter()
        .map(|(name, pick)| float(name, fits.clone().map(|g| g.and_then(pick)).collect()))
        .collect();
    columns.push(
        Series::new(
            "garch_converged".into(),
            fits.map(|g| g.map(|g| g.converged))
                .collect::<Vec<Option<bool>>>(),
        )
        .into(),
    );
    columns
}

/// `events.csv`: one row per event, with its fit and every CAR window.
pub fn events_frame<'a>(events: &'a [EventReport]) -> Result<DataFrame> {
    let mut columns = vec![
        Column::from(Series::new(
            "id".into(),
            events.iter().map(|e| e.id as u32).collect::<Vec<u32>>(),
        )),
        text("ticker", events.iter().map(|e| e.ticker.clone()).collect()),
        Series::new(
            "label".into(),
            events
                .iter()
                .map(|e| e.label.clone())
                .collect::<Vec<Option<String>>>(),
        )
        .into(),
        date_series(
            "event_date",
            events.iter().map(|e| Some(e.event_date)).collect(),
        )?,
        date_series("day0", events.iter().map(|e| Some(e.day0)).collect())?,
        text(
            "day0_rule",
            events.iter().map(|e| e.day0_rule.to_string()).collect(),
        ),
        text(
            "benchmark",
            events.iter().map(|e| e.benchmark.clone()).collect(),
        ),
        float("alpha", events.iter().map(|e| e.alpha).collect()),
        float("beta", events.iter().map(|e| e.beta).collect()),
        float("sigma", events.iter().map(|e| e.sigma).collect()),
        Series::new(
            "n_estimation".into(),
            events
                .iter()
                .map(|e| e.n_estimation as u32)
                .collect::<Vec<u32>>(),
        )
        .into(),
        float(
            "market_value_before",
            events.iter().map(|e| e.market_value_before).collect(),
        ),
    ];
    for (name, pick) in DIAGNOSTIC_COLUMNS {
        columns.push(float(
            name,
            events
                .iter()
                .map(|e| e.diagnostics.as_ref().and_then(pick))
                .collect(),
        ));
    }
    let garch = events.iter().any(|e| e.garch.is_some());
    columns.extend(garch_columns(
        garch,
        events.iter().map(|e| e.garch.as_ref()),
    ));
    let windows: Vec<String> = events
        .first()
        .map(|e| e.car.iter().map(|c| c.window.clone()).collect())
        .unwrap_or_default();
    for w in &windows {
        let of = |e: &'a EventReport| e.car.iter().find(|c| &c.window == w);
        columns.push(float(
            &format!("car_{w}"),
            events.iter().map(|e| of(e).and_then(|c| c.car)).collect(),
        ));
        columns.push(float(
            &format!("t_{w}"),
            events.iter().map(|e| of(e).and_then(|c| c.t)).collect(),
        ));
        columns.push(float(
            &format!("abnormal_mv_{w}"),
            events
                .iter()
                .map(|e| of(e).and_then(|c| c.abnormal_market_value_change))
                .collect(),
        ));
    }
    DataFrame::new(events.len(), columns).map_err(|e| polars_err("events", e))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::study::RelWindow;

    /// The column polars builds from the values one by one.
    fn plain(values: &[Option<&str>]) -> Series {
        Series::new("t".into(), values.to_vec())
    }

    #[test]
    fn a_gathered_column_is_the_column_of_its_values() {
        let long = "a label longer than twelve bytes";
        let cycle = ["0:0", "-1:1", "0:1", "-5:5"];
        let mut cases: Vec<Vec<Option<&str>>> = vec![
            vec![],
            vec![None, None],
            vec![Some(""), Some(""), None, Some("x")],
            // A ticker on each of its event's rows.
            ["NVDA", "NVDA", "AVGO", "AVGO", "NVDA", long, long]
                .iter()
                .map(|s| Some(*s))
                .collect(),
            // The run's windows on each event's rows.
            cycle.iter().cycle().take(40).map(|s| Some(*s)).collect(),
        ];
        // More distinct values in turn than are compared with (each stored again).
        let many: Vec<String> = (0..30).map(|i| format!("W{i}")).collect();
        cases.push(
            many.iter()
                .cycle()
                .take(95)
                .map(|s| Some(s.as_str()))
                .collect(),
        );
        // Equal texts in their own allocations, and a text that starts where another does.
        let owned: Vec<String> = ["NVDA", "NVDA", "NVDAX", "NVDA"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        cases.push(owned.iter().map(|s| Some(s.as_str())).collect());
        cases.push(vec![
            Some(&owned[2][..4]),
            Some(&owned[2]),
            Some(&owned[2][..4]),
        ]);
        for values in cases {
            let column = repeated_text("t", values.iter().copied()).unwrap();
            let series = column.as_materialized_series();
            assert_eq!(series.dtype(), &DataType::String);
            assert_eq!(series.len(), values.len());
            assert!(series.equals_missing(&plain(&values)), "{values:?}");
        }
    }

    /// Rows compared by their window, each window's label in a string of each row's own: the
    /// column of the labels.
    #[test]
    fn a_column_gathered_by_key_is_the_column_of_its_texts() {
        let windows: Vec<RelWindow> = [(0, 0), (-1, 1), (0, 1), (-5, 5)]
            .iter()
            .map(|&(a, b)| RelWindow::new(a, b).unwrap())
            .collect();
        let rows: Vec<(RelWindow, String)> = (0..60)
            .map(|i| windows[(i + i / 7) % 4])
            .map(|w| (w, w.label()))
            .collect();
        let column = repeated_text_by(
            "t",
            rows.iter()
                .enumerate()
                .map(|(i, (w, label))| (i % 11 != 3).then_some((*w, label.as_str()))),
        )
        .unwrap();
        let values: Vec<Option<&str>> = rows
            .iter()
            .enumerate()
            .map(|(i, (_, label))| (i % 11 != 3).then_some(label.as_str()))
            .collect();
        assert!(column
            .as_materialized_series()
            .equals_missing(&plain(&values)));
    }

    #[test]
    fn floats_are_null_exactly_where_missing() {
        for values in [
            vec![Some(1.5), Some(f64::NAN), Some(-0.0)],
            vec![None, None],
            vec![Some(2.0), None, Some(f64::INFINITY)],
            vec![],
        ] {
            let column = float("x", values.clone());
            let got: Vec<Option<f64>> = column.f64().unwrap().iter().collect();
            let bits = |v: &[Option<f64>]| -> Vec<Option<u64>> {
                v.iter().map(|x| x.map(f64::to_bits)).collect()
            };
            assert_eq!(bits(&got), bits(&values));
        }
    }
}
