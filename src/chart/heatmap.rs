//! `abnormal_returns_heatmap.png`: events x event days, diverging colours (red down, green up),
//! the AR in % printed in each cell.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{chart_err, frame, Typography};
use crate::error::Result;

/// (row name, [(rel, AR)])
pub(super) type Row = (String, Vec<(i32, Option<f64>)>);

/// White at zero, saturated red or green at +-`scale`.
fn colour(ar: f64, scale: f64) -> RGBColor {
    let t = (ar.abs() / scale).min(1.0);
    let mix = |a: u8, b: u8| (a as f64 + (b as f64 - a as f64) * t).round() as u8;
    if ar < 0.0 {
        RGBColor(mix(255, 178), mix(255, 24), mix(255, 43))
    } else {
        RGBColor(mix(255, 26), mix(255, 150), mix(255, 65))
    }
}

pub(super) fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    typo: &Typography,
    rows: &[Row],
    rels: &[i32],
    title: &str,
    subtitle: &str,
) -> Result<()> {
    let body = frame(root, typo, title, subtitle)?;
    let n = rows.len();
    let (r0, r1) = (*rels.first().unwrap_or(&0), *rels.last().unwrap_or(&0));
    // The colour scale: the largest |AR| but for outliers (the 95th percentile), at least 1%.
    let mut magnitudes: Vec<f64> = rows
        .iter()
        .flat_map(|r| r.1.iter().filter_map(|c| c.1.map(f64::abs)))
        .collect();
    magnitudes.sort_by(f64::total_cmp);
    let scale = magnitudes
        .get(((magnitudes.len() as f64 * 0.95) as usize).min(magnitudes.len().saturating_sub(1)))
        .copied()
        .unwrap_or(0.01)
        .max(0.01);
    let names: Vec<String> = rows.iter().map(|r| r.0.clone()).collect();
    let longest = names.iter().map(|s| s.chars().count()).max().unwrap_or(4) as f64;
    let mut chart = super::plot_area(
        &body,
        typo,
        r0 as f64 - 0.5..r1 as f64 + 0.5,
        n as f64 - 0.5..-0.5,
        longest,
    )?;
    chart
        .configure_mesh()
        .disable_mesh()
        .x_labels(rels.len().max(2))
        .y_labels(n.max(1))
        .x_label_formatter(&|x| {
            if (x - x.round()).abs() < 1e-6 {
                format!("{:+}", x.round() as i32)
            } else {
                String::new()
            }
        })
        .y_label_formatter(&|y| {
            let i = y.round();
            if (y - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < n {
                names[i as usize].clone()
            } else {
                String::new()
            }
        })
        .x_desc(format!(
            "trading days relative to the event (colour scale ±{:.1}%)",
            scale * 100.0
        ))
        .label_style(typo.font(typo.label))
        .axis_desc_style(typo.font(typo.axis))
        .draw()
        .map_err(chart_err)?;

    let cells = rows
        .iter()
        .enumerate()
        .flat_map(|(i, (_, days))| days.iter().map(move |&(rel, ar)| (i, rel, ar)));
    chart
        .draw_series(cells.clone().map(|(i, rel, ar)| {
            let fill = ar.map_or(RGBColor(230, 230, 230), |a| colour(a, scale));
            Rectangle::new(
                [
                    (rel as f64 - 0.5, i as f64 - 0.5),
                    (rel as f64 + 0.5, i as f64 + 0.5),
                ],
                fill.filled(),
            )
        }))
        .map_err(chart_err)?;
    let cell_font = typo.label * (0.9f64).min(28.0 / n.max(1) as f64 + 0.3);
    chart
        .draw_series(cells.map(|(i, rel, ar)| {
            let (text, dark) = match ar {
                Some(a) => (format!("{:.1}", a * 100.0), a.abs() / scale > 0.6),
                None => ("-".to_string(), false),
            };
            let colour = if dark { WHITE } else { BLACK };
            let style = (super::FAMILY, cell_font)
                .into_font()
                .color(&colour)
                .pos(Pos::new(HPos::Center, VPos::Center));
            Text::new(text, (rel as f64, i as f64), style)
        }))
        .map_err(chart_err)?;
    Ok(())
}
