//! `abnormal_returns.png`: AR bars over the event window with the 95% band from sigma.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{chart_err, frame, padded_range, Typography, DOWN, EVENT, UP};
use crate::error::Result;
use crate::report::EventReport;

pub(super) fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    typo: &Typography,
    e: &EventReport,
    subtitle: &str,
) -> Result<()> {
    let title = format!("{}: daily abnormal returns around {}", e.ticker, e.day0);
    let body = frame(root, typo, &title, subtitle)?;
    let sigma = e.sigma.unwrap_or(0.0) * 100.0;
    let band = e.ar_band * 100.0;
    let ars: Vec<(i32, f64)> = e
        .days
        .iter()
        .filter_map(|d| d.ar.map(|a| (d.rel, a * 100.0)))
        .collect();
    let (y0, y1) = padded_range(ars.iter().map(|a| a.1).chain([band, -band]), true)?;
    let (x0, x1) = (
        e.days.first().map_or(-1, |d| d.rel) as f64 - 0.6,
        e.days.last().map_or(1, |d| d.rel) as f64 + 0.6,
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
        .y_desc("abnormal return (%)")
        .label_style(typo.font(typo.label))
        .axis_desc_style(typo.font(typo.axis))
        .light_line_style(WHITE.mix(0.0))
        .draw()
        .map_err(chart_err)?;

    chart
        .draw_series(std::iter::once(Rectangle::new(
            [(x0, -band), (x1, band)],
            RGBColor(200, 200, 200).mix(0.35).filled(),
        )))
        .map_err(chart_err)?
        .label(format!("95% band (±{band:.2}%, from σ = {sigma:.2}%)"))
        .legend(|(x, y)| {
            Rectangle::new(
                [(x, y - 6), (x + 20, y + 6)],
                RGBColor(200, 200, 200).filled(),
            )
        });

    chart
        .draw_series(ars.iter().map(|&(r, a)| {
            let color = if a >= 0.0 { UP } else { DOWN };
            let style = if r == 0 {
                color.filled().stroke_width(3)
            } else {
                color.mix(0.85).filled()
            };
            Rectangle::new([(r as f64 - 0.35, 0.0), (r as f64 + 0.35, a)], style)
        }))
        .map_err(chart_err)?
        .label("abnormal return (AR)")
        .legend(|(x, y)| Rectangle::new([(x, y - 6), (x + 20, y + 6)], DOWN.filled()));

    // Values above or below each bar.
    chart
        .draw_series(ars.iter().map(|&(r, a)| {
            let offset = (y1 - y0) * 0.025;
            let y = if a >= 0.0 { a + offset } else { a - offset };
            let anchor = Pos::new(
                HPos::Center,
                if a >= 0.0 { VPos::Bottom } else { VPos::Top },
            );
            Text::new(
                format!("{a:+.1}%"),
                (r as f64, y),
                typo.font(typo.label * 0.85).pos(anchor),
            )
        }))
        .map_err(chart_err)?;
    chart
        .draw_series(std::iter::once(super::line(
            (x0, 0.0),
            (x1, 0.0),
            BLACK.stroke_width(1),
        )))
        .map_err(chart_err)?;
    chart
        .draw_series(std::iter::once(super::line(
            (0.0, y0),
            (0.0, y1),
            EVENT.mix(0.5).stroke_width(1),
        )))
        .map_err(chart_err)?
        .label(format!("day 0 ({})", e.day0))
        .legend(|(x, y)| super::line((x, y), (x + 20, y), EVENT.stroke_width(2)));

    super::legend(&mut chart, typo, SeriesLabelPosition::LowerLeft)?;
    Ok(())
}
