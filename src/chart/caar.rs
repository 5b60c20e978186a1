//! `caar.png`: the portfolio's CAAR path with its 95% band, and N per day.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{chart_err, frame, padded_range, Typography, EVENT};
use crate::error::Result;
use crate::report::AggregateReport;

pub(super) fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    typo: &Typography,
    a: &AggregateReport,
    title: &str,
    subtitle: &str,
) -> Result<()> {
    let body = frame(root, typo, title, subtitle)?;
    // (rel, CAAR %, half-width %, N)
    let path: Vec<(f64, f64, f64, usize)> = a
        .days
        .iter()
        .filter_map(|d| Some((d.rel as f64, d.caar? * 100.0, d.caar_band * 100.0, d.n)))
        .collect();
    let (y0, y1) = padded_range(path.iter().flat_map(|&(_, c, h, _)| [c - h, c + h]), true)?;
    let y0 = y0 - (y1 - y0) * 0.06; // room for the N labels
    let (x0, x1) = (
        a.days.first().map_or(-1, |d| d.rel) as f64 - 0.3,
        a.days.last().map_or(1, |d| d.rel) as f64 + 0.3,
    );
    // One decimal, as ever; more when the range is narrow (a large portfolio's CAAR).
    let places = super::percent_decimals(y0, y1).max(1);
    let mut chart = super::plot_area(&body, typo, x0..x1, y0..y1, 4.6)?;
    chart
        .configure_mesh()
        .x_labels(a.days.len().max(2))
        .x_label_formatter(&|x| {
            if (x - x.round()).abs() < 1e-6 {
                format!("{:+}", x.round() as i32)
            } else {
                String::new()
            }
        })
        .y_label_formatter(&|y| super::percent_label(*y, places))
        .x_desc("trading days relative to the event")
        .y_desc("cumulative average abnormal return (%)")
        .label_style(typo.font(typo.label))
        .axis_desc_style(typo.font(typo.axis))
        .light_line_style(WHITE.mix(0.0))
        .draw()
        .map_err(chart_err)?;

    let line: Vec<(f64, f64, f64)> = path.iter().map(|&(r, c, h, _)| (r, c, h)).collect();
    super::path_with_band(
        &mut chart,
        &line,
        (x0, x1),
        "95% band (cross-sectional s.d. of the CARs)",
        format!("CAAR ({} events)", a.n),
    )?;
    chart
        .draw_series(std::iter::once(super::line(
            (0.0, y0),
            (0.0, y1),
            EVENT.stroke_width(2),
        )))
        .map_err(chart_err)?
        .label("day 0")
        .legend(|(x, y)| super::line((x, y), (x + 20, y), EVENT.stroke_width(2)));
    let grey = (super::FAMILY, typo.label * 0.85)
        .into_font()
        .color(&RGBColor(90, 90, 90))
        .pos(Pos::new(HPos::Center, VPos::Bottom));
    chart
        .draw_series(path.iter().map(|&(r, _, _, n)| {
            Text::new(format!("N={n}"), (r, y0 + (y1 - y0) * 0.005), grey.clone())
        }))
        .map_err(chart_err)?;
    super::legend(&mut chart, typo, SeriesLabelPosition::UpperRight)?;
    Ok(())
}
