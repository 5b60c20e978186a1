//! The calendar-time portfolios (`aggregate.calendar_time`) in the readable outputs and the
//! tables: a console block and a Markdown table (a line per window: its days, firms, alpha
//! with its t and p, R² and the slopes), `calendar_time.csv` (a row per window, every
//! coefficient's columns) and `calendar_time_days.csv` (the portfolio day by day).

use std::fmt::Write;

use polars::prelude::*;

use crate::error::{polars_err, Result};
use crate::export::csv::float;
use crate::export::numbers::{fixed, p_value, pct};
use crate::report::calendar_time::CalendarTimeReport;
use crate::report::AggregateReport;

/// A window's cells: window, days, mean firms, alpha (% a day), its t and p, R², the slopes.
fn line(r: &CalendarTimeReport) -> [String; 8] {
    let slopes: Vec<String> = r
        .coefficients
        .iter()
        .skip(1)
        .map(|c| format!("{} {}", c.name, fixed(c.estimate, 3)))
        .collect();
    [
        r.window.clone(),
        r.n_days.to_string(),
        fixed(r.mean_firms, 1),
        r.alpha.map_or("-".into(), |a| format!("{:.3}%", a * 100.0)),
        fixed(r.alpha_t, 2),
        p_value(r.alpha_p),
        fixed(r.r2, 3),
        match &r.note {
            Some(note) => note.clone(),
            None => slopes.join(", "),
        },
    ]
}

/// The heading both readable outputs give the block.
fn heading(first: &CalendarTimeReport) -> String {
    format!(
        "calendar-time portfolios ({} weights, {} model): alpha is the mean daily abnormal return",
        first.weights, first.model
    )
}

/// The console block, after the portfolio's tests.
pub(super) fn render_table(out: &mut String, a: &AggregateReport) {
    let Some(first) = a.calendar_time.first() else {
        return;
    };
    let _ = writeln!(out);
    let _ = writeln!(out, "  {}", heading(first));
    let _ = writeln!(
        out,
        "    {:<9}  {:>5}  {:>6}  {:>9}  {:>7}  {:>10}  {:>6}  slopes",
        "window", "days", "firms", "alpha", "t", "p", "R2"
    );
    for r in &a.calendar_time {
        let [window, days, firms, alpha, t, p, r2, slopes] = line(r);
        let _ = writeln!(
            out,
            "    {window:<9}  {days:>5}  {firms:>6}  {alpha:>9}  {t:>7}  {p:>10}  {r2:>6}  {slopes}"
        );
    }
}

/// The Markdown section of the portfolio's `report.md`.
pub(super) fn render_markdown(out: &mut String, a: &AggregateReport) {
    let Some(first) = a.calendar_time.first() else {
        return;
    };
    let mut title = heading(first);
    title[..1].make_ascii_uppercase();
    let _ = writeln!(out, "\n## {title}\n");
    let _ = writeln!(
        out,
        "| window | days | mean firms | alpha (daily) | t | p | R² | slopes |\n|---|---:|---:|---:|---:|---:|---:|---|"
    );
    for r in &a.calendar_time {
        let cells = line(r).join(" | ").replace('*', "\\*");
        let _ = writeln!(out, "| {cells} |");
    }
    // The whole window's abnormal return, for a reader who thinks in CARs.
    for r in &a.calendar_time {
        if let Some(last) = r.days.last() {
            let _ = writeln!(
                out,
                "\nOver {} days in window {}, the portfolio's abnormal returns sum to {}.",
                r.n_days,
                r.window,
                pct(Some(last.cumulative_abnormal))
            );
        }
    }
}

/// `calendar_time.csv`: a row per window; `alpha`, `alpha_se`, `alpha_t`, `alpha_p`, then
/// each slope's `<name>`, `<name>_se`, `<name>_t`, `<name>_p`.
pub fn summary_frame(a: &AggregateReport) -> Result<DataFrame> {
    let rows = &a.calendar_time;
    let text = |name: &str, f: &dyn Fn(&CalendarTimeReport) -> String| -> Column {
        Series::new(name.into(), rows.iter().map(f).collect::<Vec<String>>()).into()
    };
    let mut columns = vec![
        text("window", &|r| r.window.clone()),
        text("weights", &|r| r.weights.to_string()),
        text("model", &|r| r.model.clone()),
        Series::new(
            "n_days".into(),
            rows.iter().map(|r| r.n_days as u32).collect::<Vec<u32>>(),
        )
        .into(),
        float("mean_firms", rows.iter().map(|r| r.mean_firms).collect()),
        float("r2", rows.iter().map(|r| r.r2).collect()),
    ];
    let names: Vec<String> = rows
        .iter()
        .find(|r| !r.coefficients.is_empty())
        .map(|r| r.coefficients.iter().map(|c| c.name.clone()).collect())
        .unwrap_or_else(|| vec!["alpha".into()]);
    for (k, name) in names.iter().enumerate() {
        let pick = |f: fn(&crate::report::CoefficientReport) -> Option<f64>| {
            rows.iter()
                .map(|r| r.coefficients.get(k).and_then(f))
                .collect::<Vec<_>>()
        };
        columns.push(float(name, pick(|c| c.estimate)));
        columns.push(float(&format!("{name}_se"), pick(|c| c.se)));
        columns.push(float(&format!("{name}_t"), pick(|c| c.t)));
        columns.push(float(&format!("{name}_p"), pick(|c| c.p)));
    }
    DataFrame::new(rows.len(), columns).map_err(|e| polars_err("calendar_time", e))
}

/// `calendar_time_days.csv`: the portfolio day by day, each window's days in turn: `window`,
/// `date`, `firms`, `return`, `abnormal_return`, `cumulative_abnormal_return`.
pub fn days_frame(a: &AggregateReport) -> Result<DataFrame> {
    let rows: Vec<(&str, &crate::report::calendar_time::CalendarDay)> = a
        .calendar_time
        .iter()
        .flat_map(|r| r.days.iter().map(move |d| (r.window.as_str(), d)))
        .collect();
    let dates =
        crate::export::csv::date_series("date", rows.iter().map(|(_, d)| Some(d.date)).collect())?;
    let columns = vec![
        Series::new(
            "window".into(),
            rows.iter().map(|(w, _)| *w).collect::<Vec<&str>>(),
        )
        .into(),
        dates,
        Series::new(
            "firms".into(),
            rows.iter()
                .map(|(_, d)| d.firms as u32)
                .collect::<Vec<u32>>(),
        )
        .into(),
        float("return", rows.iter().map(|(_, d)| Some(d.ret)).collect()),
        float(
            "abnormal_return",
            rows.iter().map(|(_, d)| Some(d.abnormal)).collect(),
        ),
        float(
            "cumulative_abnormal_return",
            rows.iter()
                .map(|(_, d)| Some(d.cumulative_abnormal))
                .collect(),
        ),
    ];
    DataFrame::new(rows.len(), columns).map_err(|e| polars_err("calendar_time_days", e))
}
