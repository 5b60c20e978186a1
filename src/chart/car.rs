//! `car.png`: the CAR path over the event window with its 95% confidence band.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{chart_err, frame, padded_range, Typography, EVENT};
use crate::error::Result;
use crate::report::EventReport;

pub(super) fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    typo: &Typography,
    e: &EventReport,
    subtitle: &str,
) -> Result<()> {
    let title = format!("{}: cumulative abnormal return around {}", e.ticker, e.day0);
    let body = frame(root, typo, &title, subtitle)?;
    // (rel, CAR %, half-width %)
    let path: Vec<(f64, f64, f64)> = e
        .days
        .iter()
        .filter_map(|d| Some((d.rel as f64, d.car? * 100.0, d.car_band? * 100.0)))
        .collect();
    let (y0, y1) = padded_range(path.iter().flat_map(|&(_, c, h)| [c - h, c + h]), true)?;
    let (x0, x1) = (
        e.days.first().map_or(-1, |d| d.rel) as f64 - 0.3,
        e.days.last().map_or(1, |d| d.rel) as f64 + 0.3,
    );
    let rel: Vec<i32> = e.days.iter().map(|d| d.rel).collect();
    let dates: Vec<chrono::NaiveDate> = e.days.iter().map(|d| d.date).collect();

    // One decimal, as ever; more when the range is narrow (a large portfolio's CAAR).
    let places = super::percent_decimals(y0, y1).max(1);
    let mut chart = super::plot_area(&body, typo, x0..x1, y0..y1, 4.6)?;
    chart
        .configure_mesh()
        .x_labels(rel.len().max(2))
        .x_label_formatter(&|x| super::date_label(&rel, &dates, *x))
        .y_label_formatter(&|y| super::percent_label(*y, places))
        .x_desc("trading days relative to the event (date)")
        .y_desc("cumulative abnormal return (%)")
        .label_style(typo.font(typo.label))
        .axis_desc_style(typo.font(typo.axis))
        .light_line_style(WHITE.mix(0.0))
        .draw()
        .map_err(chart_err)?;

    super::path_with_band(
        &mut chart,
        &path,
        (x0, x1),
        "95% confidence band (prediction-error variance)",
        format!("CAR from day {}", e.days.first().map_or(0, |d| d.rel)),
    )?;
    chart
        .draw_series(std::iter::once(super::line(
            (0.0, y0),
            (0.0, y1),
            EVENT.stroke_width(2),
        )))
        .map_err(chart_err)?
        .label(format!("day 0 ({})", e.day0))
        .legend(|(x, y)| super::line((x, y), (x + 20, y), EVENT.stroke_width(2)));
    if let Some(&(r, c, _)) = path.last() {
        chart
            .draw_series(std::iter::once(Text::new(
                format!("{c:+.1}%"),
                (r, c),
                typo.font(typo.label)
                    .pos(Pos::new(HPos::Right, VPos::Bottom)),
            )))
            .map_err(chart_err)?;
    }
    super::legend(&mut chart, typo, SeriesLabelPosition::LowerLeft)?;
    Ok(())
}
