//! `market_value.png`: daily and cumulative change in market value in $bn, raw vs abnormal.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{chart_err, frame, padded_range, Typography, ABNORMAL, BENCHMARK, EVENT};
use crate::error::Result;
use crate::report::{DayRow, EventReport};

/// (relative day, raw change $bn, abnormal change $bn)
type DailyChange = (f64, Option<f64>, Option<f64>);

pub(super) fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    typo: &Typography,
    e: &EventReport,
    subtitle: &str,
) -> Result<()> {
    let mv = e.market_value_before.unwrap_or(f64::NAN) / 1e9;
    let title = format!(
        "{}: change in market value around {} (day -1: ${mv:.0}bn)",
        e.ticker, e.day0
    );
    let body = frame(root, typo, &title, subtitle)?;
    let bn = |x: Option<f64>| x.map(|v| v / 1e9);
    let daily: Vec<DailyChange> = e
        .days
        .iter()
        .map(|d| {
            (
                d.rel as f64,
                bn(d.market_value_change),
                bn(d.abnormal_market_value_change),
            )
        })
        .collect();
    let cumulative = |pick: fn(&DayRow) -> Option<f64>| {
        e.days
            .iter()
            .filter_map(|d| Some((d.rel as f64, pick(d)? / 1e9)))
            .collect::<Vec<(f64, f64)>>()
    };
    let raw_cum = cumulative(|d| d.cumulative_market_value_change);
    let abn_cum = cumulative(|d| d.cumulative_abnormal_market_value_change);
    let (y0, y1) = padded_range(
        daily
            .iter()
            .flat_map(|r| [r.1, r.2])
            .flatten()
            .chain(raw_cum.iter().chain(&abn_cum).map(|p| p.1)),
        true,
    )?;
    let (x0, x1) = (
        e.days.first().map_or(-1, |d| d.rel) as f64 - 0.6,
        e.days.last().map_or(1, |d| d.rel) as f64 + 0.6,
    );
    let rel: Vec<i32> = e.days.iter().map(|d| d.rel).collect();
    let dates: Vec<chrono::NaiveDate> = e.days.iter().map(|d| d.date).collect();

    let mut chart = super::plot_area(&body, typo, x0..x1, y0..y1, 4.6)?;
    chart
        .configure_mesh()
        .x_labels(rel.len().max(2))
        .x_label_formatter(&|x| super::date_label(&rel, &dates, *x))
        .y_label_formatter(&|y| format!("{y:.0}"))
        .x_desc("trading days relative to the event (date)")
        .y_desc("change in market value ($ billion)")
        .label_style(typo.font(typo.label))
        .axis_desc_style(typo.font(typo.axis))
        .light_line_style(WHITE.mix(0.0))
        .draw()
        .map_err(chart_err)?;

    let bars = |offset: f64, color: RGBColor, values: Vec<(f64, f64)>| {
        values.into_iter().map(move |(r, v)| {
            Rectangle::new(
                [(r + offset - 0.17, 0.0), (r + offset + 0.17, v)],
                color.mix(0.8).filled(),
            )
        })
    };
    chart
        .draw_series(bars(
            -0.18,
            BENCHMARK,
            daily.iter().filter_map(|r| Some((r.0, r.1?))).collect(),
        ))
        .map_err(chart_err)?
        .label("daily change (raw)")
        .legend(|(x, y)| Rectangle::new([(x, y - 6), (x + 20, y + 6)], BENCHMARK.filled()));
    chart
        .draw_series(bars(
            0.18,
            ABNORMAL,
            daily.iter().filter_map(|r| Some((r.0, r.2?))).collect(),
        ))
        .map_err(chart_err)?
        .label("daily change (abnormal)")
        .legend(|(x, y)| Rectangle::new([(x, y - 6), (x + 20, y + 6)], ABNORMAL.filled()));
    chart
        .draw_series(LineSeries::new(raw_cum, BENCHMARK.stroke_width(3)))
        .map_err(chart_err)?
        .label("cumulative (raw)")
        .legend(|(x, y)| super::line((x, y), (x + 20, y), BENCHMARK.stroke_width(3)));
    chart
        .draw_series(LineSeries::new(abn_cum, ABNORMAL.stroke_width(3)))
        .map_err(chart_err)?
        .label("cumulative (abnormal)")
        .legend(|(x, y)| super::line((x, y), (x + 20, y), ABNORMAL.stroke_width(3)));
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
            EVENT.mix(0.6).stroke_width(2),
        )))
        .map_err(chart_err)?
        .label(format!("day 0 ({})", e.day0))
        .legend(|(x, y)| super::line((x, y), (x + 20, y), EVENT.stroke_width(2)));
    if let Some(d0) = e.day(0).and_then(|d| d.abnormal_market_value_change) {
        chart
            .draw_series(std::iter::once(Text::new(
                format!("day 0 abnormal: {:+.1} $bn", d0 / 1e9),
                (0.25, d0 / 1e9),
                typo.font(typo.label),
            )))
            .map_err(chart_err)?;
    }
    super::legend(&mut chart, typo, SeriesLabelPosition::LowerLeft)?;
    Ok(())
}
