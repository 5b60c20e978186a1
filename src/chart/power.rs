//! `power.png` (`eventstudy simulate`): each test's rejection rate against the shock, in the
//! first CAR window, one line per test, the level marked.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{chart_err, frame, Typography, ABNORMAL, BENCHMARK, DOWN, FIRM, UP};
use crate::error::{Error, Result};
use crate::report::simulation::SimulationReport;
use crate::study::aggregate::TestBattery;

/// The nine tests' colours (the level's line is black, dashed).
const COLOURS: [RGBColor; 9] = [
    FIRM,
    ABNORMAL,
    UP,
    DOWN,
    RGBColor(120, 80, 160),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
    BENCHMARK,
    RGBColor(150, 140, 0),
];

pub(super) fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    typo: &Typography,
    report: &SimulationReport,
) -> Result<()> {
    let window = report
        .windows()
        .first()
        .map(|w| w.to_string())
        .ok_or_else(|| Error::data("no CAR window"))?;
    let shocks = report.shocks();
    let title = format!("Power and size: rejection rate against the shock, CAR {window}");
    let subtitle = format!(
        "{} trials x {} pseudo-events{} · {} · level {} (the dashed line)",
        report.trials,
        report.events_per_trial,
        if report.cluster {
            " on one date each"
        } else {
            ""
        },
        report.model.describe(),
        report.level
    );
    let body = frame(root, typo, &title, &subtitle)?;
    let x: Vec<f64> = shocks.iter().map(|s| s * 100.0).collect();
    let (lo, hi) = x
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(*v), b.max(*v))
        });
    let pad = ((hi - lo) * 0.05).max(0.05);
    let mut chart = super::plot_area(&body, typo, (lo - pad)..(hi + pad), -0.02..1.02, 4.0)?;
    chart
        .configure_mesh()
        .x_labels(shocks.len().clamp(2, 10))
        .x_label_formatter(&|v| format!("{v:.2}%"))
        .y_label_formatter(&|v| format!("{:.0}%", v * 100.0))
        .x_desc(format!(
            "abnormal return added over {} (%)",
            report.shock_window
        ))
        .y_desc("rejection rate")
        .label_style(typo.font(typo.label))
        .axis_desc_style(typo.font(typo.axis))
        .light_line_style(WHITE.mix(0.0))
        .draw()
        .map_err(chart_err)?;
    chart
        .draw_series(DashedLineSeries::new(
            [(lo - pad, report.level), (hi + pad, report.level)],
            10,
            6,
            BLACK.stroke_width(2),
        ))
        .map_err(chart_err)?
        .label(format!("the level, {}", report.level))
        .legend(|(x, y)| super::line((x, y), (x + 20, y), BLACK.stroke_width(2)));
    for (k, (test, label)) in TestBattery::<f64>::NAMES
        .iter()
        .zip(TestBattery::<f64>::LABELS)
        .enumerate()
    {
        let colour = COLOURS[k];
        let points: Vec<(f64, f64)> = shocks
            .iter()
            .filter_map(|&s| Some((s * 100.0, report.row(s, &window, test)?.rate)))
            .collect();
        chart
            .draw_series(LineSeries::new(points.clone(), colour.stroke_width(3)))
            .map_err(chart_err)?
            .label(label)
            .legend(move |(x, y)| super::line((x, y), (x + 20, y), colour.stroke_width(3)));
        chart
            .draw_series(
                points
                    .iter()
                    .map(|&p| Circle::new(p, (typo.label * 0.3) as i32, colour.filled())),
            )
            .map_err(chart_err)?;
    }
    super::legend(&mut chart, typo, SeriesLabelPosition::LowerRight)?;
    Ok(())
}
