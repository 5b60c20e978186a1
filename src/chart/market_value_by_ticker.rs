//! `market_value_by_ticker.png`: each event's abnormal and raw change in market value over
//! one CAR window, as horizontal bars sorted by the abnormal change, labelled in $bn.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{chart_err, frame, padded_range, Typography, ABNORMAL, BENCHMARK};
use crate::error::Result;

/// (name, abnormal $, raw $)
pub(super) type Row = (String, f64, f64);

pub(super) fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    typo: &Typography,
    rows: &[Row],
    title: &str,
    subtitle: &str,
) -> Result<()> {
    let body = frame(root, typo, title, subtitle)?;
    let mut rows: Vec<Row> = rows.to_vec();
    // Largest loss at the top.
    rows.sort_by(|a, b| b.1.total_cmp(&a.1));
    let n = rows.len();
    let (x0, x1) = padded_range(rows.iter().flat_map(|r| [r.1 / 1e9, r.2 / 1e9]), true)?;
    let pad = (x1 - x0) * 0.12;
    let names: Vec<String> = rows.iter().map(|r| r.0.clone()).collect();
    let longest = names.iter().map(|s| s.chars().count()).max().unwrap_or(4) as f64;
    let mut chart = super::plot_area(
        &body,
        typo,
        x0 - pad..x1 + pad,
        -0.5..n as f64 - 0.5,
        longest,
    )?;
    chart
        .configure_mesh()
        .y_labels(n.max(1))
        .y_label_formatter(&|y| {
            let i = y.round();
            if (y - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < n {
                names[i as usize].clone()
            } else {
                String::new()
            }
        })
        .x_label_formatter(&|x| format!("{x:.0}"))
        .x_desc("change in market value ($ billion)")
        .label_style(typo.font(typo.label))
        .axis_desc_style(typo.font(typo.axis))
        .light_line_style(WHITE.mix(0.0))
        .disable_y_mesh()
        .draw()
        .map_err(chart_err)?;

    let h = 0.36;
    chart
        .draw_series(rows.iter().enumerate().map(|(i, r)| {
            Rectangle::new(
                [(0.0, i as f64 - h), (r.1 / 1e9, i as f64)],
                ABNORMAL.mix(0.9).filled(),
            )
        }))
        .map_err(chart_err)?
        .label("abnormal change")
        .legend(|(x, y)| Rectangle::new([(x, y - 6), (x + 20, y + 6)], ABNORMAL.filled()));
    chart
        .draw_series(rows.iter().enumerate().map(|(i, r)| {
            Rectangle::new(
                [(0.0, i as f64), (r.2 / 1e9, i as f64 + h)],
                BENCHMARK.mix(0.7).filled(),
            )
        }))
        .map_err(chart_err)?
        .label("raw change")
        .legend(|(x, y)| Rectangle::new([(x, y - 6), (x + 20, y + 6)], BENCHMARK.filled()));
    let label = |value: f64, y: f64| {
        let anchor = Pos::new(
            if value < 0.0 { HPos::Right } else { HPos::Left },
            VPos::Center,
        );
        let x = value / 1e9 + if value < 0.0 { -pad * 0.1 } else { pad * 0.1 };
        Text::new(
            format!("{:+.1}", value / 1e9),
            (x, y),
            typo.font(typo.label * 0.8).pos(anchor),
        )
    };
    chart
        .draw_series(rows.iter().enumerate().flat_map(|(i, r)| {
            [
                label(r.1, i as f64 - h / 2.0),
                label(r.2, i as f64 + h / 2.0),
            ]
        }))
        .map_err(chart_err)?;
    chart
        .draw_series(std::iter::once(super::line(
            (0.0, -0.5),
            (0.0, n as f64 - 0.5),
            BLACK.stroke_width(1),
        )))
        .map_err(chart_err)?;
    super::legend(&mut chart, typo, SeriesLabelPosition::LowerRight)?;
    Ok(())
}
