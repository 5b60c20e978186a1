//! `calendar_time.png`: each calendar-time portfolio's abnormal returns summed over calendar
//! time, one line per window, the events' days 0 marked.

use chrono::NaiveDate;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::{chart_err, frame, padded_range, Typography, ABNORMAL, EVENT, FIRM, UP};
use crate::error::{Error, Result};
use crate::report::calendar_time::CalendarTimeReport;

/// The windows' colours, in order (then grey).
const COLOURS: [RGBColor; 4] = [FIRM, ABNORMAL, UP, RGBColor(120, 80, 160)];

pub(super) fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    typo: &Typography,
    portfolios: &[CalendarTimeReport],
    event_days: &[NaiveDate],
    subtitle: &str,
) -> Result<()> {
    // The x axis: every date any window holds a firm on, in order, one step each (trading
    // days, weekends and empty days closed up).
    let mut dates: Vec<NaiveDate> = portfolios
        .iter()
        .flat_map(|p| p.days.iter().map(|d| d.date))
        .collect();
    dates.sort_unstable();
    dates.dedup();
    if dates.is_empty() {
        return Err(Error::data("no day with a firm in any window"));
    }
    let x_of = |d: NaiveDate| dates.binary_search(&d).unwrap_or_else(|i| i) as f64;
    let first = portfolios[0].weights;
    let title = format!("Calendar-time portfolios ({first} weights): cumulative abnormal return");
    let body = frame(root, typo, &title, subtitle)?;
    let (y0, y1) = padded_range(
        portfolios
            .iter()
            .flat_map(|p| p.days.iter().map(|d| d.cumulative_abnormal * 100.0)),
        true,
    )?;
    let (x0, x1) = (-0.5, dates.len() as f64 - 0.5);
    let places = super::percent_decimals(y0, y1).max(1);
    let mut chart = super::plot_area(&body, typo, x0..x1, y0..y1, 4.6)?;
    chart
        .configure_mesh()
        .x_labels(8)
        .x_label_formatter(&|x| {
            let i = x.round();
            match (i >= 0.0 && (x - i).abs() < 1e-6).then(|| dates.get(i as usize)) {
                Some(Some(d)) => d.format("%Y-%m-%d").to_string(),
                _ => String::new(),
            }
        })
        .y_label_formatter(&|y| super::percent_label(*y, places))
        .x_desc("calendar date (days with a firm held)")
        .y_desc("cumulative abnormal return (%)")
        .label_style(typo.font(typo.label))
        .axis_desc_style(typo.font(typo.axis))
        .light_line_style(WHITE.mix(0.0))
        .draw()
        .map_err(chart_err)?;
    chart
        .draw_series(std::iter::once(super::line(
            (x0, 0.0),
            (x1, 0.0),
            BLACK.stroke_width(1),
        )))
        .map_err(chart_err)?;
    // Each event's day 0 (once per date), thin.
    let mut marked: Vec<f64> = event_days
        .iter()
        .filter(|d| dates.first() <= Some(d) && Some(*d) <= dates.last())
        .map(|&d| x_of(d))
        .collect();
    marked.dedup();
    if !marked.is_empty() {
        chart
            .draw_series(
                marked
                    .iter()
                    .map(|&x| super::line((x, y0), (x, y1), EVENT.mix(0.35).stroke_width(1))),
            )
            .map_err(chart_err)?
            .label("an event's day 0")
            .legend(|(x, y)| super::line((x, y), (x + 20, y), EVENT.stroke_width(1)));
    }
    for (k, p) in portfolios.iter().enumerate() {
        let colour = COLOURS.get(k).copied().unwrap_or(RGBColor(90, 90, 90));
        let points: Vec<(f64, f64)> = p
            .days
            .iter()
            .map(|d| (x_of(d.date), d.cumulative_abnormal * 100.0))
            .collect();
        let label = format!(
            "window {}: alpha {} a day (t {})",
            p.window,
            p.alpha.map_or("-".into(), |a| format!("{:.3}%", a * 100.0)),
            p.alpha_t.map_or("-".into(), |t| format!("{t:.2}"))
        );
        chart
            .draw_series(LineSeries::new(points, colour.stroke_width(3)))
            .map_err(chart_err)?
            .label(label)
            .legend(move |(x, y)| super::line((x, y), (x + 20, y), colour.stroke_width(3)));
    }
    super::legend(&mut chart, typo, SeriesLabelPosition::LowerLeft)?;
    Ok(())
}
