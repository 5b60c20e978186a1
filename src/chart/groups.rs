//! `car_distribution.png` (`batch --group-by`): each event's CAR in the first CAR window, one
//! column of points per group (spread sideways so that equal CARs stay visible), each group's
//! mean (its CAAR) marked with a bar.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{chart_err, frame, padded_range, Typography, ABNORMAL, FIRM};
use crate::error::{Error, Result};
use crate::report::groups::GroupReport;
use crate::report::EventReport;

/// The sideways offset of the `k`-th point of a group, within +-0.25 of its column: a fixed
/// low-discrepancy sequence, so the same run draws the same chart.
fn spread(k: usize) -> f64 {
    let golden = 0.618_033_988_749_895;
    ((k as f64 * golden).fract() - 0.5) * 0.5
}

pub(super) fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    typo: &Typography,
    events: &[EventReport],
    groups: &[GroupReport],
    subtitle: &str,
) -> Result<()> {
    let window = groups
        .first()
        .and_then(|g| g.car.first())
        .map(|c| c.window.clone())
        .ok_or_else(|| Error::data("no group has a CAR window"))?;
    // Each group's CARs in that window, in percent.
    let points: Vec<Vec<f64>> = groups
        .iter()
        .map(|g| {
            events
                .iter()
                .filter(|e| e.group.as_deref() == Some(g.group.as_str()))
                .filter_map(|e| e.car.iter().find(|c| c.window == window)?.car)
                .map(|car| car * 100.0)
                .collect()
        })
        .collect();
    let title = format!("CAR {window} by group: each event, and the group's mean");
    let body = frame(root, typo, &title, subtitle)?;
    let (y0, y1) = padded_range(points.iter().flatten().copied(), true)?;
    let (x0, x1) = (-0.6, groups.len() as f64 - 0.4);
    let places = super::percent_decimals(y0, y1);
    let mut chart = super::plot_area(&body, typo, x0..x1, y0..y1, 4.6)?;
    let names: Vec<String> = groups
        .iter()
        .map(|g| format!("{} (n {})", g.group, g.n))
        .collect();
    chart
        .configure_mesh()
        .x_labels(groups.len().max(2))
        .x_label_formatter(&|x| {
            let i = x.round();
            match (i >= 0.0 && (x - i).abs() < 1e-6).then(|| names.get(i as usize)) {
                Some(Some(name)) => name.clone(),
                _ => String::new(),
            }
        })
        .y_label_formatter(&|y| super::percent_label(*y, places))
        .x_desc("group")
        .y_desc(format!("CAR {window} (%)"))
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
    let radius = (typo.label * 0.35).max(3.0) as i32;
    chart
        .draw_series(points.iter().enumerate().flat_map(|(g, cars)| {
            cars.iter().enumerate().map(move |(k, &y)| {
                Circle::new((g as f64 + spread(k), y), radius, FIRM.mix(0.7).filled())
            })
        }))
        .map_err(chart_err)?
        .label("an event's CAR")
        .legend(move |(x, y)| Circle::new((x + 10, y), radius, FIRM.filled()));
    chart
        .draw_series(groups.iter().enumerate().filter_map(|(g, report)| {
            let mean = report.car.iter().find(|c| c.window == window)?.caar? * 100.0;
            let x = g as f64;
            Some(super::line(
                (x - 0.35, mean),
                (x + 0.35, mean),
                ABNORMAL.stroke_width(4),
            ))
        }))
        .map_err(chart_err)?
        .label("the group's mean CAR (CAAR)")
        .legend(|(x, y)| super::line((x, y), (x + 20, y), ABNORMAL.stroke_width(4)));
    super::legend(&mut chart, typo, SeriesLabelPosition::UpperRight)?;
    Ok(())
}
