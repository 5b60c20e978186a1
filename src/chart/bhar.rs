//! `bhar.png`: buy-and-hold returns over the `--bhar` windows. For one event, the firm's and
//! the benchmark's cumulative buy-and-hold returns and their gap (the BHAR to each day); for a
//! portfolio, the mean BHAR path with its 95% band.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{chart_err, frame, padded_range, Chart, Typography, ABNORMAL, BENCHMARK, EVENT, FIRM};
use crate::error::{Error, Result};
use crate::report::{EventReport, MeanBharPath};
use crate::study::bhar::BuyAndHoldPath;

/// The mesh of both charts: relative days on x (about a dozen labels), percent on y.
fn mesh<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    typo: &Typography,
    y_desc: &str,
    (y0, y1): (f64, f64),
) -> Result<()> {
    let places = super::percent_decimals(y0, y1);
    chart
        .configure_mesh()
        .x_labels(12)
        .x_label_formatter(&|x| format!("{:+}", x.round() as i32))
        .y_label_formatter(&|y| super::percent_label(*y, places))
        .x_desc("trading days relative to the event")
        .y_desc(y_desc)
        .label_style(typo.font(typo.label))
        .axis_desc_style(typo.font(typo.axis))
        .light_line_style(WHITE.mix(0.0))
        .draw()
        .map_err(chart_err)
}

/// The zero line and day 0.
fn marks<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    (x0, x1): (f64, f64),
    (y0, y1): (f64, f64),
    day0: String,
) -> Result<()> {
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
            EVENT.stroke_width(2),
        )))
        .map_err(chart_err)?
        .label(day0)
        .legend(|(x, y)| super::line((x, y), (x + 20, y), EVENT.stroke_width(2)));
    Ok(())
}

/// The x range of a path's relative days, padded.
fn x_range(rel: &[i32]) -> Result<(f64, f64)> {
    match (rel.first(), rel.last()) {
        (Some(&a), Some(&b)) => Ok((a as f64 - 0.5, b as f64 + 0.5)),
        _ => Err(Error::data("no BHAR window to draw")),
    }
}

/// One event: the firm's and the benchmark's cumulative buy-and-hold returns and their gap.
pub(super) fn draw_event<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    typo: &Typography,
    e: &EventReport,
    path: &BuyAndHoldPath,
    subtitle: &str,
) -> Result<()> {
    let title = format!(
        "{}: buy-and-hold return after {} against {}",
        e.ticker, e.day0, e.benchmark
    );
    let body = frame(root, typo, &title, subtitle)?;
    let pct = |v: &[f64]| -> Vec<(f64, f64)> {
        path.rel
            .iter()
            .zip(v)
            .filter(|(_, y)| y.is_finite())
            .map(|(&r, y)| (r as f64, y * 100.0))
            .collect()
    };
    let gap: Vec<f64> = path
        .firm
        .iter()
        .zip(&path.benchmark)
        .map(|(f, b)| f - b)
        .collect();
    let (firm, benchmark, gap) = (pct(&path.firm), pct(&path.benchmark), pct(&gap));
    let (y0, y1) = padded_range(firm.iter().chain(&benchmark).chain(&gap).map(|p| p.1), true)?;
    let (x0, x1) = x_range(&path.rel)?;
    let mut chart = super::plot_area(&body, typo, x0..x1, y0..y1, 4.6)?;
    mesh(
        &mut chart,
        typo,
        "cumulative buy-and-hold return (%)",
        (y0, y1),
    )?;
    marks(
        &mut chart,
        (x0, x1),
        (y0, y1),
        format!("day 0 ({})", e.day0),
    )?;
    let series = [
        (&firm, FIRM, 3, format!("{} buy-and-hold", e.ticker)),
        (
            &benchmark,
            BENCHMARK,
            2,
            format!("{} buy-and-hold", e.benchmark),
        ),
        (&gap, ABNORMAL, 3, "BHAR (the gap)".to_string()),
    ];
    for (points, color, width, label) in series {
        chart
            .draw_series(LineSeries::new(
                points.iter().copied(),
                color.stroke_width(width),
            ))
            .map_err(chart_err)?
            .label(label)
            .legend(move |(x, y)| super::line((x, y), (x + 20, y), color.stroke_width(width)));
        if let Some(&(r, v)) = points.last() {
            chart
                .draw_series(std::iter::once(Text::new(
                    format!("{v:+.1}%"),
                    (r, v),
                    typo.font(typo.label)
                        .pos(Pos::new(HPos::Right, VPos::Bottom)),
                )))
                .map_err(chart_err)?;
        }
    }
    super::legend(&mut chart, typo, SeriesLabelPosition::LowerLeft)
}

/// A portfolio: the mean BHAR to each day with its 95% band.
pub(super) fn draw_portfolio<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    typo: &Typography,
    path: &MeanBharPath,
    title: &str,
    subtitle: &str,
) -> Result<()> {
    let body = frame(root, typo, title, subtitle)?;
    let line: Vec<(f64, f64, f64)> = path
        .rel
        .iter()
        .zip(path.mean.iter().zip(&path.band))
        .filter(|(_, (m, _))| m.is_finite())
        .map(|(&r, (m, b))| {
            (
                r as f64,
                m * 100.0,
                if b.is_finite() { b * 100.0 } else { 0.0 },
            )
        })
        .collect();
    let (y0, y1) = padded_range(line.iter().flat_map(|&(_, m, h)| [m - h, m + h]), true)?;
    let (x0, x1) = x_range(&path.rel)?;
    let mut chart = super::plot_area(&body, typo, x0..x1, y0..y1, 4.6)?;
    mesh(
        &mut chart,
        typo,
        "mean buy-and-hold abnormal return (%)",
        (y0, y1),
    )?;
    let events = path.n.iter().copied().max().unwrap_or(0);
    super::path_with_band(
        &mut chart,
        &line,
        (x0, x1),
        "95% band (cross-sectional s.d. of the BHARs)",
        format!(
            "mean BHAR from day {} ({events} events)",
            path.rel.first().map_or(0, |r| r + 1)
        ),
    )?;
    marks(&mut chart, (x0, x1), (y0, y1), "day 0".into())?;
    if let Some(&(r, m, _)) = line.last() {
        chart
            .draw_series(std::iter::once(Text::new(
                format!("{m:+.1}%"),
                (r, m),
                typo.font(typo.label)
                    .pos(Pos::new(HPos::Right, VPos::Bottom)),
            )))
            .map_err(chart_err)?;
    }
    super::legend(&mut chart, typo, SeriesLabelPosition::LowerLeft)
}
