//! `volume.png` (one event): the shares traded each day over the estimation and event windows,
//! the estimation window's normal volume with its 95% band, day 0 marked; and
//! `abnormal_volume.png` (a portfolio): the mean abnormal log volume and the mean U = SAR^2 by
//! relative day, one panel each.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{chart_err, date_label, frame, padded_range, Typography, ABNORMAL, EVENT, FIRM};
use crate::error::{Error, Result};
use crate::report::{AggregateReport, EventReport, PricePath};

pub(super) fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    typo: &Typography,
    e: &EventReport,
    path: &PricePath,
    subtitle: &str,
) -> Result<()> {
    let Some([normal, low, high]) = path.volume_normal else {
        return Err(Error::data(
            "no volume that varies over the estimation window",
        ));
    };
    let title = format!("{}: shares traded around {}", e.ticker, e.day0);
    let body = frame(root, typo, &title, subtitle)?;
    let millions = |v: f64| v / 1e6;
    let bars: Vec<(i32, f64)> = path
        .rel
        .iter()
        .zip(&path.volume)
        .filter(|(_, v)| v.is_finite())
        .map(|(&r, &v)| (r, millions(v)))
        .collect();
    let x0 = *path.rel.first().unwrap_or(&-1) as f64 - 0.5;
    let x1 = *path.rel.last().unwrap_or(&1) as f64 + 0.5;
    let (_, y1) = padded_range(bars.iter().map(|b| b.1).chain([millions(high), 0.0]), true)?;
    let mut chart = super::plot_area(&body, typo, x0..x1, 0.0..y1, 6.0)?;
    chart
        .configure_mesh()
        .x_labels(8)
        .y_labels(8)
        .x_label_formatter(&|x| date_label(&path.rel, &path.dates, *x))
        .y_label_formatter(&|y| format!("{y:.0}"))
        .x_desc("trading days relative to the event (date)")
        .y_desc("shares traded (millions)")
        .label_style(typo.font(typo.label))
        .axis_desc_style(typo.font(typo.axis))
        .light_line_style(WHITE.mix(0.0))
        .draw()
        .map_err(chart_err)?;
    chart
        .draw_series(std::iter::once(Rectangle::new(
            [(x0, millions(low)), (x1, millions(high))],
            RGBColor(200, 200, 200).mix(0.35).filled(),
        )))
        .map_err(chart_err)?
        .label(format!(
            "95% band of normal volume ({:.1} to {:.1} M)",
            millions(low),
            millions(high)
        ))
        .legend(|(x, y)| {
            Rectangle::new(
                [(x, y - 6), (x + 20, y + 6)],
                RGBColor(200, 200, 200).filled(),
            )
        });
    chart
        .draw_series(bars.iter().map(|&(r, v)| {
            let style = if r == 0 {
                EVENT.filled()
            } else {
                FIRM.mix(0.7).filled()
            };
            Rectangle::new([(r as f64 - 0.4, 0.0), (r as f64 + 0.4, v)], style)
        }))
        .map_err(chart_err)?
        .label("shares traded")
        .legend(|(x, y)| Rectangle::new([(x, y - 6), (x + 20, y + 6)], FIRM.filled()));
    chart
        .draw_series(std::iter::once(super::line(
            (x0, millions(normal)),
            (x1, millions(normal)),
            BLACK.stroke_width(2),
        )))
        .map_err(chart_err)?
        .label(format!(
            "normal volume, estimation window ({:.1} M)",
            millions(normal)
        ))
        .legend(|(x, y)| super::line((x, y), (x + 20, y), BLACK.stroke_width(2)));
    let day0 = bars.iter().find(|b| b.0 == 0).map_or(0.0, |b| b.1);
    chart
        .draw_series(std::iter::once(super::line(
            (0.0, 0.0),
            (0.0, y1),
            EVENT.mix(0.5).stroke_width(1),
        )))
        .map_err(chart_err)?
        .label(format!("day 0 ({}): {day0:.1} M", e.day0))
        .legend(|(x, y)| super::line((x, y), (x + 20, y), EVENT.stroke_width(2)));
    super::legend(&mut chart, typo, SeriesLabelPosition::UpperLeft)?;
    Ok(())
}

/// The portfolio's mean abnormal log volume (top) and mean U (bottom) by relative day.
pub(super) fn draw_portfolio<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    typo: &Typography,
    a: &AggregateReport,
    title: &str,
    subtitle: &str,
) -> Result<()> {
    let body = frame(root, typo, title, subtitle)?;
    let volume: Vec<(i32, f64)> = a
        .days
        .iter()
        .filter_map(|d| Some((d.rel, d.aav?)))
        .collect();
    let volatility: Vec<(i32, f64)> = a
        .days
        .iter()
        .filter_map(|d| Some((d.rel, d.mean_u?)))
        .collect();
    if volume.is_empty() && volatility.is_empty() {
        return Err(Error::data("no event has volume or a SAR"));
    }
    let rel: Vec<i32> = a.days.iter().map(|d| d.rel).collect();
    // Dates differ between events: the x axis is relative days only.
    let (x0, x1) = (
        *rel.first().unwrap_or(&-1) as f64 - 0.6,
        *rel.last().unwrap_or(&1) as f64 + 0.6,
    );
    let (top, bottom) = body.split_vertically(body.dim_in_pixel().1 / 2);

    let (y0, y1) = padded_range(volume.iter().map(|v| v.1).chain([0.0]), true)?;
    let mut chart = super::plot_area(&top, typo, x0..x1, y0..y1, 5.0)?;
    chart
        .configure_mesh()
        .x_labels(rel.len().max(2))
        .x_label_formatter(&|x| format!("{:+}", x.round() as i32))
        .y_label_formatter(&|y| format!("{y:.1}"))
        .y_desc("mean abnormal log volume")
        .label_style(typo.font(typo.label))
        .axis_desc_style(typo.font(typo.axis))
        .light_line_style(WHITE.mix(0.0))
        .draw()
        .map_err(chart_err)?;
    chart
        .draw_series(volume.iter().map(|&(r, v)| {
            let style = if r == 0 {
                EVENT.filled()
            } else {
                FIRM.mix(0.7).filled()
            };
            Rectangle::new([(r as f64 - 0.35, 0.0), (r as f64 + 0.35, v)], style)
        }))
        .map_err(chart_err)?
        .label("mean of ln(1 + volume) less its estimation mean (0 = normal; ln 2 = twice)")
        .legend(|(x, y)| Rectangle::new([(x, y - 6), (x + 20, y + 6)], FIRM.filled()));
    chart
        .draw_series(std::iter::once(super::line(
            (x0, 0.0),
            (x1, 0.0),
            BLACK.stroke_width(1),
        )))
        .map_err(chart_err)?;
    super::legend(&mut chart, typo, SeriesLabelPosition::UpperLeft)?;

    let (_, y1) = padded_range(volatility.iter().map(|v| v.1).chain([0.0, 1.0]), true)?;
    let mut chart = super::plot_area(&bottom, typo, x0..x1, 0.0..y1, 5.0)?;
    chart
        .configure_mesh()
        .x_labels(rel.len().max(2))
        .x_label_formatter(&|x| format!("{:+}", x.round() as i32))
        .y_label_formatter(&|y| format!("{y:.0}"))
        .x_desc("trading days relative to the event")
        .y_desc("mean U = SAR²")
        .label_style(typo.font(typo.label))
        .axis_desc_style(typo.font(typo.axis))
        .light_line_style(WHITE.mix(0.0))
        .draw()
        .map_err(chart_err)?;
    chart
        .draw_series(std::iter::once(super::line(
            (x0, 1.0),
            (x1, 1.0),
            BLACK.stroke_width(1),
        )))
        .map_err(chart_err)?
        .label("1: no abnormal volatility")
        .legend(|(x, y)| super::line((x, y), (x + 20, y), BLACK.stroke_width(1)));
    chart
        .draw_series(LineSeries::new(
            volatility.iter().map(|&(r, u)| (r as f64, u)),
            ABNORMAL.stroke_width(3),
        ))
        .map_err(chart_err)?
        .label("mean U = SAR² (abnormal volatility)")
        .legend(|(x, y)| super::line((x, y), (x + 20, y), ABNORMAL.stroke_width(3)));
    chart
        .draw_series(
            volatility
                .iter()
                .map(|&(r, u)| Circle::new((r as f64, u), 5, ABNORMAL.filled())),
        )
        .map_err(chart_err)?;
    chart
        .draw_series(std::iter::once(super::line(
            (0.0, 0.0),
            (0.0, y1),
            EVENT.mix(0.5).stroke_width(1),
        )))
        .map_err(chart_err)?
        .label("day 0")
        .legend(|(x, y)| super::line((x, y), (x + 20, y), EVENT.stroke_width(2)));
    super::legend(&mut chart, typo, SeriesLabelPosition::UpperLeft)?;
    Ok(())
}
