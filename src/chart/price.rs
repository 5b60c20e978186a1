//! `price.png`: the stock and the benchmark rebased to 100 at day -1, event day marked.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{chart_err, date_label, frame, padded_range, Typography, BENCHMARK, EVENT, FIRM};
use crate::error::Result;
use crate::report::{EventReport, PricePath};

pub(super) fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    typo: &Typography,
    e: &EventReport,
    path: &PricePath,
    subtitle: &str,
) -> Result<()> {
    let title = format!(
        "{} and {} around {}, rebased to 100 at day -1",
        e.ticker, e.benchmark, e.day0
    );
    let body = frame(root, typo, &title, subtitle)?;
    let x0 = *path.rel.first().unwrap_or(&-1) as f64;
    let x1 = *path.rel.last().unwrap_or(&1) as f64;
    let (y0, y1) = padded_range(path.firm.iter().chain(&path.benchmark).copied(), false)?;

    let mut chart = super::plot_area(&body, typo, x0..x1 + 0.5, y0..y1, 4.6)?;
    chart
        .configure_mesh()
        .x_labels(8)
        .y_labels(8)
        .x_label_formatter(&|x| date_label(&path.rel, &path.dates, *x))
        .y_label_formatter(&|y| format!("{y:.0}"))
        .x_desc("trading days relative to the event (date)")
        .y_desc("price index (day -1 = 100)")
        .label_style(typo.font(typo.label))
        .axis_desc_style(typo.font(typo.axis))
        .light_line_style(WHITE.mix(0.0))
        .draw()
        .map_err(chart_err)?;

    // The event window, shaded.
    let (w0, w1) = (
        e.days.first().map_or(0, |d| d.rel),
        e.days.last().map_or(0, |d| d.rel),
    );
    chart
        .draw_series(std::iter::once(Rectangle::new(
            [(w0 as f64 - 0.5, y0), (w1 as f64 + 0.5, y1)],
            RGBColor(255, 235, 200).mix(0.6).filled(),
        )))
        .map_err(chart_err)?
        .label("event window")
        .legend(|(x, y)| {
            Rectangle::new(
                [(x, y - 6), (x + 20, y + 6)],
                RGBColor(255, 235, 200).filled(),
            )
        });

    let points = |values: &[f64]| -> Vec<(f64, f64)> {
        path.rel
            .iter()
            .zip(values)
            .filter(|(_, v)| v.is_finite())
            .map(|(&r, &v)| (r as f64, v))
            .collect()
    };
    let width = (typo.label / 6.0).max(1.0) as u32;
    chart
        .draw_series(LineSeries::new(
            points(&path.benchmark),
            BENCHMARK.stroke_width(width),
        ))
        .map_err(chart_err)?
        .label(format!("{} (benchmark)", e.benchmark))
        .legend(move |(x, y)| super::line((x, y), (x + 20, y), BENCHMARK.stroke_width(3)));
    chart
        .draw_series(LineSeries::new(
            points(&path.firm),
            FIRM.stroke_width(width + 1),
        ))
        .map_err(chart_err)?
        .label(e.ticker.clone())
        .legend(move |(x, y)| super::line((x, y), (x + 20, y), FIRM.stroke_width(3)));

    chart
        .draw_series(std::iter::once(super::line(
            (0.0, y0),
            (0.0, y1),
            EVENT.stroke_width(2),
        )))
        .map_err(chart_err)?;
    let day0_label = match e.day(0).and_then(|d| d.ret) {
        Some(r) => format!("day 0: {} ({:+.2}%)", e.day0, r * 100.0),
        None => format!("day 0: {}", e.day0),
    };
    chart
        .draw_series(std::iter::once(Text::new(
            day0_label,
            (0.0, y1 - (y1 - y0) * 0.02),
            (super::FAMILY, typo.label)
                .into_font()
                .color(&EVENT)
                .pos(Pos::new(HPos::Right, VPos::Top)),
        )))
        .map_err(chart_err)?;

    super::legend(&mut chart, typo, SeriesLabelPosition::UpperLeft)?;
    Ok(())
}
