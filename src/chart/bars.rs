//! The intraday charts: an event's `price.png`, `abnormal_returns.png`, `car.png` and
//! `market_value.png`, and the run's `caar.png`, on a clock axis. The x axis counts bars of the
//! regular session relative to the event bar, so nights and weekends take no room; each label
//! is the bar's start on the exchange's clock (with the date at a session's first bar), the
//! nights are thin grey lines and the event bar is marked.

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{chart_err, frame, padded_range, render_chart, ChartFiles, Typography};
use super::{BENCHMARK, DOWN, EVENT, FIRM, UP};
use crate::error::Result;
use crate::report::bars::{BarConventions, BarEventReport, BarRow, BarSummary};
use crate::study::stats::student_t_critical;

/// Writes an event's four charts into `dir` (the market value's with a share count);
/// returns the ones skipped because their data cannot be drawn.
pub fn render_event_charts(
    dir: &Path,
    e: &BarEventReport,
    c: &BarConventions,
    files: ChartFiles,
) -> Result<Vec<String>> {
    let sub = subtitle(c, e);
    let mut skipped = Vec::new();
    render_chart!(files, dir.join("price"), &mut skipped, |root, t| {
        price(root, t, e, &sub)
    })?;
    render_chart!(
        files,
        dir.join("abnormal_returns"),
        &mut skipped,
        |root, t| abnormal(root, t, e, &sub),
    )?;
    render_chart!(files, dir.join("car"), &mut skipped, |root, t| {
        car(root, t, e, &sub)
    })?;
    if e.market_value_before.is_some() {
        render_chart!(files, dir.join("market_value"), &mut skipped, |root, t| {
            market_value(root, t, e, &sub)
        })?;
    }
    Ok(skipped)
}

/// Writes the run's `caar.png`.
pub fn render_portfolio_chart(
    dir: &Path,
    summary: &BarSummary,
    files: ChartFiles,
) -> Result<Vec<String>> {
    let mut skipped = Vec::new();
    render_chart!(files, dir.join("caar"), &mut skipped, |root, t| {
        caar(root, t, summary)
    })?;
    Ok(skipped)
}

fn subtitle(c: &BarConventions, e: &BarEventReport) -> String {
    format!(
        "{} bars · {} model vs {} · estimation: {} sessions ({} returns) · news at {} ({})",
        c.interval,
        c.model,
        e.benchmark,
        e.estimation_sessions,
        e.n_estimation,
        e.event_time,
        e.day0_rule
    )
}

/// The clock label of a bar position: `HH:MM`, with the date at a session's first bar.
fn clock_label(bars: &[BarRow], x: f64) -> String {
    let r = x.round();
    if (x - r).abs() > 1e-6 {
        return String::new();
    }
    let Some(first) = bars.first() else {
        return String::new();
    };
    let Some(b) = usize::try_from(r as i64 - first.rel as i64)
        .ok()
        .and_then(|i| bars.get(i))
    else {
        return String::new();
    };
    let new_session = b.overnight || b.rel == first.rel;
    match (new_session, b.time.get(5..10)) {
        (true, Some(day)) => format!("{day} {}", b.clock),
        _ => b.clock.clone(),
    }
}

/// The x range of an event's bars, padded.
fn x_range(bars: &[BarRow], pad: f64) -> (f64, f64) {
    (
        bars.first().map_or(-1, |b| b.rel) as f64 - pad,
        bars.last().map_or(1, |b| b.rel) as f64 + pad,
    )
}

/// How many x labels fit: one per bar up to a dozen, else about a dozen.
fn label_count(bars: usize) -> usize {
    bars.clamp(2, 12)
}

/// The nights (a thin grey line before each overnight bar) and the event bar (red).
fn marks<DB: DrawingBackend>(
    chart: &mut super::Chart<'_, DB>,
    bars: &[BarRow],
    (y0, y1): (f64, f64),
    event_label: String,
) -> Result<()> {
    chart
        .draw_series(bars.iter().filter(|b| b.overnight).map(|b| {
            let x = b.rel as f64 - 0.5;
            super::line((x, y0), (x, y1), BENCHMARK.mix(0.5).stroke_width(1))
        }))
        .map_err(chart_err)?;
    chart
        .draw_series(std::iter::once(super::line(
            (0.0, y0),
            (0.0, y1),
            EVENT.stroke_width(2),
        )))
        .map_err(chart_err)?
        .label(event_label)
        .legend(|(x, y)| super::line((x, y), (x + 20, y), EVENT.stroke_width(2)));
    Ok(())
}

/// The event bar's local start, `2025-01-27 09:30`.
fn when(e: &BarEventReport) -> String {
    e.event_bar
        .get(..16)
        .unwrap_or(&e.event_bar)
        .replace('T', " ")
}

fn event_label(e: &BarEventReport) -> String {
    let clock = e.bar(0).map_or("", |b| b.clock.as_str());
    format!("event bar {clock} ({})", e.day0_rule)
}

fn mesh<DB: DrawingBackend>(
    chart: &mut super::Chart<'_, DB>,
    typo: &Typography,
    bars: &[BarRow],
    y_desc: &str,
    y_format: &dyn Fn(&f64) -> String,
) -> Result<()> {
    chart
        .configure_mesh()
        .x_labels(label_count(bars.len()))
        .x_label_formatter(&|x| clock_label(bars, *x))
        .y_label_formatter(y_format)
        .x_desc("bars relative to the event (exchange time; nights compressed)")
        .y_desc(y_desc)
        .label_style(typo.font(typo.label))
        .axis_desc_style(typo.font(typo.axis))
        .light_line_style(WHITE.mix(0.0))
        .draw()
        .map_err(chart_err)
}

fn price<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    typo: &Typography,
    e: &BarEventReport,
    subtitle: &str,
) -> Result<()> {
    let title = format!("{}: price by bar around {}", e.ticker, when(e));
    let body = frame(root, typo, &title, subtitle)?;
    let path: Vec<(f64, f64)> = e
        .bars
        .iter()
        .filter_map(|b| Some((b.rel as f64, b.close?)))
        .collect();
    let (y0, y1) = padded_range(path.iter().map(|p| p.1), false)?;
    let (x0, x1) = x_range(&e.bars, 0.5);
    let mut chart = super::plot_area(&body, typo, x0..x1, y0..y1, 8.0)?;
    mesh(&mut chart, typo, &e.bars, "close ($)", &|y| {
        format!("{y:.2}")
    })?;
    marks(&mut chart, &e.bars, (y0, y1), event_label(e))?;
    chart
        .draw_series(LineSeries::new(path.iter().copied(), FIRM.stroke_width(3)))
        .map_err(chart_err)?
        .label(format!("{} close", e.ticker))
        .legend(|(x, y)| super::line((x, y), (x + 20, y), FIRM.stroke_width(3)));
    super::legend(&mut chart, typo, SeriesLabelPosition::UpperRight)
}

fn abnormal<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    typo: &Typography,
    e: &BarEventReport,
    subtitle: &str,
) -> Result<()> {
    let title = format!("{}: abnormal return by bar around {}", e.ticker, when(e));
    let body = frame(root, typo, &title, subtitle)?;
    let ars: Vec<(i32, f64)> = e
        .bars
        .iter()
        .filter_map(|b| Some((b.rel, b.ar? * 100.0)))
        .collect();
    let critical = student_t_critical(0.05, e.degrees_of_freedom.max(1) as f64);
    let band = critical * e.sigma.unwrap_or(0.0) * 100.0;
    let (y0, y1) = padded_range(ars.iter().map(|a| a.1).chain([band, -band]), true)?;
    let (x0, x1) = x_range(&e.bars, 0.6);
    let places = super::percent_decimals(y0, y1).max(1);
    let mut chart = super::plot_area(&body, typo, x0..x1, y0..y1, 4.6)?;
    mesh(&mut chart, typo, &e.bars, "abnormal return (%)", &|y| {
        super::percent_label(*y, places)
    })?;
    chart
        .draw_series(std::iter::once(Rectangle::new(
            [(x0, -band), (x1, band)],
            RGBColor(200, 200, 200).mix(0.35).filled(),
        )))
        .map_err(chart_err)?
        .label(format!("95% band of a within-session bar (±{band:.2}%)"))
        .legend(|(x, y)| {
            Rectangle::new(
                [(x, y - 6), (x + 20, y + 6)],
                RGBColor(200, 200, 200).filled(),
            )
        });
    // The marks first: the event bar's own AR is drawn over its line.
    marks(&mut chart, &e.bars, (y0, y1), event_label(e))?;
    chart
        .draw_series(ars.iter().map(|&(r, a)| {
            let color = if a >= 0.0 { UP } else { DOWN };
            Rectangle::new([(r as f64 - 0.4, 0.0), (r as f64 + 0.4, a)], color.filled())
        }))
        .map_err(chart_err)?
        .label("abnormal return (AR)")
        .legend(|(x, y)| Rectangle::new([(x, y - 6), (x + 20, y + 6)], DOWN.filled()));
    super::legend(&mut chart, typo, SeriesLabelPosition::LowerLeft)
}

fn car<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    typo: &Typography,
    e: &BarEventReport,
    subtitle: &str,
) -> Result<()> {
    let title = format!(
        "{}: cumulative abnormal return around {}",
        e.ticker,
        when(e)
    );
    let body = frame(root, typo, &title, subtitle)?;
    let critical = student_t_critical(0.05, e.degrees_of_freedom.max(1) as f64);
    let path: Vec<(f64, f64, f64)> = e
        .bars
        .iter()
        .filter_map(|b| Some((b.rel as f64, b.car? * 100.0, critical * b.car_sd? * 100.0)))
        .collect();
    let (y0, y1) = padded_range(path.iter().flat_map(|&(_, c, h)| [c - h, c + h]), true)?;
    let (x0, x1) = x_range(&e.bars, 0.5);
    let places = super::percent_decimals(y0, y1).max(1);
    let mut chart = super::plot_area(&body, typo, x0..x1, y0..y1, 4.6)?;
    mesh(
        &mut chart,
        typo,
        &e.bars,
        "cumulative abnormal return (%)",
        &|y| super::percent_label(*y, places),
    )?;
    super::path_with_band(
        &mut chart,
        &path,
        (x0, x1),
        "95% confidence band (prediction-error variance)",
        format!("CAR from bar {:+}", e.bars.first().map_or(0, |b| b.rel)),
    )?;
    marks(&mut chart, &e.bars, (y0, y1), event_label(e))?;
    if let Some(p) = &e.peak {
        chart
            .draw_series(std::iter::once(Circle::new(
                (p.rel as f64, p.car * 100.0),
                9,
                EVENT.stroke_width(3),
            )))
            .map_err(chart_err)?
            .label(format!(
                "largest |CAR|: {:+.2}% at {}",
                p.car * 100.0,
                p.clock.as_deref().unwrap_or("")
            ))
            .legend(|(x, y)| Circle::new((x + 10, y), 6, EVENT.stroke_width(3)));
    }
    super::legend(&mut chart, typo, SeriesLabelPosition::LowerLeft)
}

/// Dollars in the unit their size calls for: ($bn, "bn") or ($m, "m").
fn dollar_unit(largest: f64) -> (f64, &'static str) {
    if largest >= 1e9 {
        (1e9, "bn")
    } else {
        (1e6, "m")
    }
}

fn market_value<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    typo: &Typography,
    e: &BarEventReport,
    subtitle: &str,
) -> Result<()> {
    let title = format!(
        "{}: abnormal change in market value around {}",
        e.ticker,
        when(e)
    );
    let body = frame(root, typo, &title, subtitle)?;
    let mut total = 0.0;
    let raw: Vec<(f64, f64)> = e
        .bars
        .iter()
        .filter_map(|b| {
            total += b.abnormal_market_value_change?;
            Some((b.rel as f64, total))
        })
        .collect();
    let largest = raw.iter().map(|p| p.1.abs()).fold(0.0, f64::max);
    let (scale, unit) = dollar_unit(largest);
    let path: Vec<(f64, f64)> = raw.iter().map(|&(x, v)| (x, v / scale)).collect();
    let (y0, y1) = padded_range(path.iter().map(|p| p.1), true)?;
    let (x0, x1) = x_range(&e.bars, 0.5);
    let mut chart = super::plot_area(&body, typo, x0..x1, y0..y1, 7.0)?;
    let y_desc = format!("cumulative abnormal change in market value ($ {unit})");
    mesh(&mut chart, typo, &e.bars, &y_desc, &|y| format!("{y:.1}"))?;
    chart
        .draw_series(std::iter::once(super::line(
            (x0, 0.0),
            (x1, 0.0),
            BLACK.stroke_width(1),
        )))
        .map_err(chart_err)?;
    marks(&mut chart, &e.bars, (y0, y1), event_label(e))?;
    chart
        .draw_series(LineSeries::new(path.iter().copied(), DOWN.stroke_width(3)))
        .map_err(chart_err)?
        .label(format!(
            "shares x the close of bar -1 ({}) x the cumulative AR",
            crate::export::table::billions(e.market_value_before)
        ))
        .legend(|(x, y)| super::line((x, y), (x + 20, y), DOWN.stroke_width(3)));
    super::legend(&mut chart, typo, SeriesLabelPosition::LowerLeft)
}

fn caar<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    typo: &Typography,
    summary: &BarSummary,
) -> Result<()> {
    let Some(a) = &summary.aggregate else {
        return Ok(());
    };
    let c = &summary.conventions;
    let title = format!(
        "Cumulative average abnormal return of {} events, {} bars",
        a.report.n, c.interval
    );
    let sub = format!(
        "{} model · estimation: {} sessions before each event · 95% band from the cross-section of CARs",
        c.model, c.estimation_sessions
    );
    let body = frame(root, typo, &title, &sub)?;
    let path: Vec<(f64, f64, f64)> = a
        .report
        .days
        .iter()
        .filter_map(|d| Some((d.rel as f64, d.caar? * 100.0, d.caar_band * 100.0)))
        .collect();
    let (y0, y1) = padded_range(path.iter().flat_map(|&(_, c, h)| [c - h, c + h]), true)?;
    let first = a.report.days.first().map_or(-1, |d| d.rel) as f64;
    let last = a.report.days.last().map_or(1, |d| d.rel) as f64;
    let (x0, x1) = (first - 0.5, last + 0.5);
    let places = super::percent_decimals(y0, y1).max(1);
    let mut chart = super::plot_area(&body, typo, x0..x1, y0..y1, 4.6)?;
    chart
        .configure_mesh()
        .x_labels(12)
        .x_label_formatter(&|x| format!("{:+}", x.round() as i64))
        .y_label_formatter(&|y| super::percent_label(*y, places))
        .x_desc(format!("{} bars relative to each event's bar", c.interval))
        .y_desc("CAAR (%)")
        .label_style(typo.font(typo.label))
        .axis_desc_style(typo.font(typo.axis))
        .light_line_style(WHITE.mix(0.0))
        .draw()
        .map_err(chart_err)?;
    super::path_with_band(
        &mut chart,
        &path,
        (x0, x1),
        "95% band (t, N-1 dof, cross-sectional sd)",
        "CAAR".to_string(),
    )?;
    chart
        .draw_series(std::iter::once(super::line(
            (0.0, y0),
            (0.0, y1),
            EVENT.stroke_width(2),
        )))
        .map_err(chart_err)?
        .label("event bar")
        .legend(|(x, y)| super::line((x, y), (x + 20, y), EVENT.stroke_width(2)));
    super::legend(&mut chart, typo, SeriesLabelPosition::LowerLeft)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(rel: i32, time: &str, clock: &str, overnight: bool) -> BarRow {
        BarRow {
            rel,
            time: time.into(),
            clock: clock.into(),
            ret: None,
            benchmark_return: None,
            normal_return: None,
            ar: None,
            ar_t: None,
            ar_p: None,
            ar_p_adj: None,
            car: None,
            car_sd: None,
            overnight,
            market_value_change: None,
            abnormal_market_value_change: None,
            volume: None,
            close: None,
        }
    }

    #[test]
    fn clock_labels_name_the_session_at_its_first_bar() {
        let bars = [
            row(-1, "2025-01-24T15:59:00-05:00", "15:59", false),
            row(0, "2025-01-27T09:30:00-05:00", "09:30", true),
            row(1, "2025-01-27T09:31:00-05:00", "09:31", false),
        ];
        assert_eq!(clock_label(&bars, -1.0), "01-24 15:59");
        assert_eq!(clock_label(&bars, 0.0), "01-27 09:30");
        assert_eq!(clock_label(&bars, 1.0), "09:31");
        assert_eq!(clock_label(&bars, 0.5), "");
        assert_eq!(clock_label(&bars, 7.0), "");
    }
}
