//! Report-ready charts: PNG (plotters' bitmap backend, a bundled font: no system fonts needed)
//! and, with `--chart-format svg`, SVG twins drawn by the same code on plotters' SVG backend,
//! whose text is `<text>` (editable, searchable) in the same family.
//!
//! Every chart has a title, a subtitle naming the model and windows, axis labels with units
//! and a legend, and marks the event. The x axis is trading days relative to day 0 (plotting
//! against dates would open gaps for weekends and holidays), labelled with the dates.

mod abnormal;
pub mod bars;
mod bhar;
mod caar;
mod calendar_time;
mod car;
mod groups;
mod heatmap;
mod market_value;
mod market_value_by_ticker;
mod power;
mod price;
mod volume;

use std::path::Path;
use std::sync::Once;

use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::{FontStyle, RGBColor};

use crate::error::{Error, Result};
use crate::report::{Conventions, EventReport, PricePath, Summary};
use crate::util::write_atomic_with;

/// Pixel size of the PNG charts (`--size WxH`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChartSize {
    pub width: u32,
    pub height: u32,
}

impl Default for ChartSize {
    fn default() -> Self {
        ChartSize {
            width: 1600,
            height: 900,
        }
    }
}

impl std::str::FromStr for ChartSize {
    type Err = Error;
    fn from_str(raw: &str) -> Result<Self> {
        let bad = || Error::usage(format!("--size '{raw}' is not WIDTHxHEIGHT, e.g. 1600x900"));
        let (w, h) = raw
            .to_ascii_lowercase()
            .split_once('x')
            .map(|(w, h)| (w.trim().to_string(), h.trim().to_string()))
            .ok_or_else(bad)?;
        let (width, height) = (
            w.parse::<u32>().map_err(|_| bad())?,
            h.parse::<u32>().map_err(|_| bad())?,
        );
        if !(320..=8000).contains(&width) || !(240..=8000).contains(&height) {
            return Err(Error::usage(format!(
                "--size {width}x{height} is out of range (320x240 to 8000x8000)"
            )));
        }
        Ok(ChartSize { width, height })
    }
}

/// The file formats of the charts (`--chart-format png|svg|png,svg`): PNG by default.
///
/// At least one format is on: the fields are private, and only the default and parsing make
/// a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChartFormats {
    png: bool,
    svg: bool,
}

impl Default for ChartFormats {
    fn default() -> Self {
        ChartFormats {
            png: true,
            svg: false,
        }
    }
}

impl ChartFormats {
    pub fn png(&self) -> bool {
        self.png
    }

    pub fn svg(&self) -> bool {
        self.svg
    }
}

impl std::str::FromStr for ChartFormats {
    type Err = Error;
    fn from_str(raw: &str) -> Result<Self> {
        let mut formats = ChartFormats {
            png: false,
            svg: false,
        };
        for name in raw.split(',').map(str::trim) {
            match name.to_ascii_lowercase().as_str() {
                "png" => formats.png = true,
                "svg" => formats.svg = true,
                _ => {
                    return Err(Error::usage(format!(
                        "--chart-format '{raw}' is not png, svg or png,svg"
                    )))
                }
            }
        }
        Ok(formats)
    }
}

impl std::fmt::Display for ChartFormats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.png, self.svg) {
            (true, true) => write!(f, "png,svg"),
            (false, true) => write!(f, "svg"),
            _ => write!(f, "png"),
        }
    }
}

/// How the charts are written: their size and their formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ChartFiles {
    pub size: ChartSize,
    pub formats: ChartFormats,
}

/// DejaVu Sans (Bitstream Vera licence, see assets/fonts/LICENSE-DejaVu.txt).
static FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
const FAMILY: &str = "sans-serif";

pub(crate) const FIRM: RGBColor = RGBColor(0, 114, 178);
pub(crate) const BENCHMARK: RGBColor = RGBColor(120, 120, 120);
pub(crate) const ABNORMAL: RGBColor = RGBColor(213, 94, 0);
pub(crate) const UP: RGBColor = RGBColor(0, 158, 115);
pub(crate) const DOWN: RGBColor = RGBColor(204, 51, 51);
pub(crate) const EVENT: RGBColor = RGBColor(200, 30, 30);

fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The font is bundled and valid; a failure would show as missing text, not a crash.
        let _ = plotters::style::register_font(FAMILY, FontStyle::Normal, FONT);
    });
}

/// Plotters' errors carry the backend's error type; reduce them to one line.
pub(crate) fn chart_err<E: std::fmt::Debug>(e: E) -> Error {
    Error::Internal(format!("drawing a chart: {e:?}"))
}

/// Font sizes scaled to the image height (designed at 900 px).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Typography {
    pub title: f64,
    pub subtitle: f64,
    pub label: f64,
    pub axis: f64,
    pub margin: u32,
}

impl Typography {
    fn for_height(height: u32) -> Self {
        let s = height as f64 / 900.0;
        Typography {
            title: 38.0 * s,
            subtitle: 22.0 * s,
            label: 18.0 * s,
            axis: 22.0 * s,
            margin: (24.0 * s).round() as u32,
        }
    }

    pub fn font(&self, size: f64) -> TextStyle<'static> {
        (FAMILY, size).into_font().color(&BLACK)
    }
}

/// Draws the white background, title and subtitle, and returns the area left for the plot.
pub(crate) fn frame<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    typo: &Typography,
    title: &str,
    subtitle: &str,
) -> Result<DrawingArea<DB, Shift>> {
    root.fill(&WHITE).map_err(chart_err)?;
    let header = (typo.title + typo.subtitle * 1.6 + typo.margin as f64 * 1.5) as u32;
    let (top, body) = root.split_vertically(header);
    let x = typo.margin as i32 * 2;
    top.draw(&Text::new(
        title.to_string(),
        (x, typo.margin as i32),
        typo.font(typo.title),
    ))
    .map_err(chart_err)?;
    let grey = (FAMILY, typo.subtitle)
        .into_font()
        .color(&RGBColor(80, 80, 80));
    top.draw(&Text::new(
        subtitle.to_string(),
        (x, (typo.margin as f64 + typo.title * 1.25) as i32),
        grey,
    ))
    .map_err(chart_err)?;
    Ok(body.margin(0, typo.margin, typo.margin, typo.margin * 2))
}

/// The subtitle every chart of an event shares.
pub(crate) fn subtitle(c: &Conventions, e: &EventReport) -> String {
    format!(
        "{} vs {} · estimation {} ({} days) · event window {} · {} returns · day 0 = {}",
        c.model.describe(),
        e.benchmark,
        c.estimation,
        e.n_estimation,
        c.window,
        c.returns,
        e.day0
    )
}

/// The charts' coordinate system: f64 on both axes.
pub(crate) type Chart<'a, DB> =
    ChartContext<'a, DB, plotters::coord::cartesian::Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// The plot area in the house margins; `y_label_chars` sizes the room for the y labels.
pub(crate) fn plot_area<'a, DB: DrawingBackend>(
    body: &'a DrawingArea<DB, Shift>,
    typo: &Typography,
    x: std::ops::Range<f64>,
    y: std::ops::Range<f64>,
    y_label_chars: f64,
) -> Result<Chart<'a, DB>> {
    ChartBuilder::on(body)
        .x_label_area_size((typo.label * 3.5) as u32)
        .y_label_area_size(
            (typo.label * (0.65 * y_label_chars + 2.0)).min(typo.label * 20.0) as u32,
        )
        .build_cartesian_2d(x, y)
        .map_err(chart_err)
}

/// The legend, in the house style.
pub(crate) fn legend<'a, DB: DrawingBackend + 'a>(
    chart: &mut Chart<'a, DB>,
    typo: &Typography,
    position: SeriesLabelPosition,
) -> Result<()> {
    chart
        .configure_series_labels()
        .position(position)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.4))
        .label_font(typo.font(typo.label))
        .draw()
        .map_err(chart_err)
}

/// A cumulative path `(x, value, half-width of its 95% band)`: the band, the zero line, and
/// the line with a marker on each day.
pub(crate) fn path_with_band<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    path: &[(f64, f64, f64)],
    (x0, x1): (f64, f64),
    band_label: &str,
    line_label: String,
) -> Result<()> {
    let band: Vec<(f64, f64)> = path
        .iter()
        .map(|&(r, c, h)| (r, c + h))
        .chain(path.iter().rev().map(|&(r, c, h)| (r, c - h)))
        .collect();
    chart
        .draw_series(std::iter::once(Polygon::new(
            band,
            ABNORMAL.mix(0.18).filled(),
        )))
        .map_err(chart_err)?
        .label(band_label)
        .legend(|(x, y)| {
            Rectangle::new([(x, y - 6), (x + 20, y + 6)], ABNORMAL.mix(0.25).filled())
        });
    chart
        .draw_series(std::iter::once(line(
            (x0, 0.0),
            (x1, 0.0),
            BLACK.stroke_width(1),
        )))
        .map_err(chart_err)?;
    chart
        .draw_series(LineSeries::new(
            path.iter().map(|&(r, c, _)| (r, c)),
            ABNORMAL.stroke_width(3),
        ))
        .map_err(chart_err)?
        .label(line_label)
        .legend(|(x, y)| line((x, y), (x + 20, y), ABNORMAL.stroke_width(3)));
    chart
        .draw_series(
            path.iter()
                .map(|&(r, c, _)| Circle::new((r, c), 5, ABNORMAL.filled())),
        )
        .map_err(chart_err)?;
    Ok(())
}

/// A straight line between two points (the zero line, the event day, a legend's swatch).
pub(crate) fn line<C>(from: C, to: C, style: ShapeStyle) -> PathElement<C> {
    PathElement::new(vec![from, to], style)
}

/// Labels a relative-day position with its date, when it is a whole day of the series.
pub(crate) fn date_label(rel: &[i32], dates: &[chrono::NaiveDate], x: f64) -> String {
    let r = x.round();
    if (x - r).abs() > 1e-6 {
        return String::new();
    }
    match rel.iter().position(|&v| v as f64 == r) {
        Some(i) => format!("{:+} {}", r as i32, dates[i].format("%b %d")),
        None => String::new(),
    }
}

/// Decimals for percent labels over `y0..y1`: enough to tell about five steps apart (a
/// portfolio of thousands of events moves by hundredths of a percent, one stock by tens).
pub(crate) fn percent_decimals(y0: f64, y1: f64) -> usize {
    let step = (y1 - y0).abs() / 5.0;
    (-step.log10()).ceil().clamp(0.0, 3.0) as usize
}

/// `y` as a percent label with `places` decimals; a tick a hair below zero reads 0, not -0.
pub(crate) fn percent_label(y: f64, places: usize) -> String {
    let rounded_to_zero = y.abs() < 0.5 * 10f64.powi(-(places as i32));
    let y = if rounded_to_zero { 0.0 } else { y };
    format!("{y:.places$}%")
}

/// The largest magnitude a chart draws (in its units: %, an index of 100, $bn). Beyond it the
/// data is corrupt (a price of 1e306), and an axis over such a range cannot be laid out.
const DRAWABLE: f64 = 1e12;

/// (min, max) of the finite values, padded by 8% (and never empty); a data error when they are
/// too large to draw, so the chart is skipped rather than drawn wrong or not at all.
pub(crate) fn padded_range(
    values: impl IntoIterator<Item = f64>,
    include_zero: bool,
) -> Result<(f64, f64)> {
    let (mut lo, mut hi) = values
        .into_iter()
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    if !lo.is_finite() {
        (lo, hi) = (-1.0, 1.0);
    }
    if include_zero {
        (lo, hi) = (lo.min(0.0), hi.max(0.0));
    }
    if lo.abs().max(hi.abs()) > DRAWABLE {
        return Err(Error::data(format!(
            "its values reach {:e}, too large to draw",
            if hi.abs() > lo.abs() { hi } else { lo }
        )));
    }
    let pad = ((hi - lo) * 0.08).max(1e-9);
    Ok((lo - pad, hi + pad))
}

/// The result of rendering chart `path`: a chart whose data cannot be drawn is skipped and
/// said in `skipped`. Any other failure (a disk error) fails the run. (Folders are built
/// afresh and swapped in whole, so a chart not drawn now leaves no older one behind.)
pub(crate) fn skip_undrawable(
    path: &Path,
    skipped: &mut Vec<String>,
    result: Result<()>,
) -> Result<()> {
    match result {
        Err(Error::Data(why)) => {
            let name = path.file_name().unwrap_or_default().to_string_lossy();
            skipped.push(format!("{name} skipped: {why}"));
            Ok(())
        }
        other => other,
    }
}

/// Renders chart `$stem` (a path without its extension) in each format `$files` asks, from
/// one drawing expression typed once per backend: `$stem.png` and/or `$stem.svg`. A chart
/// whose data cannot be drawn is skipped and said in `$skipped` (once per format). Evaluates
/// to `Result<()>`.
macro_rules! render_chart {
    ($files:expr, $stem:expr, $skipped:expr, |$root:ident, $t:ident| $draw:expr $(,)?) => {{
        let files: $crate::chart::ChartFiles = $files;
        let stem: std::path::PathBuf = $stem;
        let png = stem.with_extension("png");
        let svg = stem.with_extension("svg");
        let png_done = match files.formats.png() {
            true => $crate::chart::skip_undrawable(
                &png,
                $skipped,
                $crate::chart::render_png(&png, files.size, |$root, $t| $draw),
            ),
            false => Ok(()),
        };
        png_done.and_then(|()| match files.formats.svg() {
            true => $crate::chart::skip_undrawable(
                &svg,
                $skipped,
                $crate::chart::render_svg(&svg, files.size, |$root, $t| $draw),
            ),
            false => Ok(()),
        })
    }};
}
pub(crate) use render_chart;

/// `power` (`.png`, `.svg`) of a simulation.
pub fn render_power_chart(
    stem: &Path,
    report: &crate::report::simulation::SimulationReport,
    files: ChartFiles,
) -> Result<()> {
    // Not skipped when undrawable: the simulation's only chart, its failure is the command's.
    if files.formats.png() {
        render_png(&stem.with_extension("png"), files.size, |root, t| {
            power::draw(root, t, report)
        })?;
    }
    if files.formats.svg() {
        render_svg(&stem.with_extension("svg"), files.size, |root, t| {
            power::draw(root, t, report)
        })?;
    }
    Ok(())
}

/// Renders one PNG atomically with a fresh bitmap backend.
pub(crate) fn render_png(
    path: &Path,
    size: ChartSize,
    draw: impl FnOnce(&DrawingArea<BitMapBackend<'_>, Shift>, &Typography) -> Result<()>,
) -> Result<()> {
    register_font();
    write_atomic_with(
        path,
        |tmp| {
            let root = BitMapBackend::new(tmp, (size.width, size.height)).into_drawing_area();
            draw(&root, &Typography::for_height(size.height))?;
            // Writing the PNG can fail like any write (a full disk): name the file.
            root.present()
                .map_err(|e| Error::io(path, std::io::Error::other(e.to_string())))
        },
        |e| Error::io(path, e),
    )
}

/// Renders one SVG atomically: the PNG's drawing at the same size in user units, its text as
/// text in the same family (the bundled font measures it, so the layout is the PNG's).
pub(crate) fn render_svg(
    path: &Path,
    size: ChartSize,
    draw: impl FnOnce(&DrawingArea<SVGBackend<'_>, Shift>, &Typography) -> Result<()>,
) -> Result<()> {
    register_font();
    write_atomic_with(
        path,
        |tmp| {
            let root = SVGBackend::new(tmp, (size.width, size.height)).into_drawing_area();
            draw(&root, &Typography::for_height(size.height))?;
            root.present()
                .map_err(|e| Error::io(path, std::io::Error::other(e.to_string())))
        },
        |e| Error::io(path, e),
    )
}

/// Writes `price.png`, `abnormal_returns.png`, `car.png` and (with a share count)
/// `market_value.png` into `dir`. Returns the charts skipped because their data cannot be
/// drawn, with why.
pub fn render_event_charts(
    dir: &Path,
    report: &EventReport,
    path: &PricePath,
    conventions: &Conventions,
    files: ChartFiles,
) -> Result<Vec<String>> {
    let sub = subtitle(conventions, report);
    let mut skipped = Vec::new();
    render_chart!(files, dir.join("price"), &mut skipped, |root, t| {
        price::draw(root, t, report, path, &sub)
    })?;
    render_chart!(
        files,
        dir.join("abnormal_returns"),
        &mut skipped,
        |root, t| abnormal::draw(root, t, report, &sub),
    )?;
    render_chart!(files, dir.join("car"), &mut skipped, |root, t| {
        car::draw(root, t, report, &sub)
    })?;
    if path.volume_normal.is_some() {
        render_chart!(files, dir.join("volume"), &mut skipped, |root, t| {
            volume::draw(root, t, report, path, &sub)
        })?;
    }
    if let Some(path) = &report.bhar_path {
        render_chart!(files, dir.join("bhar"), &mut skipped, |root, t| {
            bhar::draw_event(root, t, report, path, &sub)
        })?;
    }
    if report.market_value_before.is_some() {
        render_chart!(files, dir.join("market_value"), &mut skipped, |root, t| {
            market_value::draw(root, t, report, &sub)
        })?;
    }
    Ok(skipped)
}

/// The most rows the heatmap shows (the events with the largest |CAR| over the event window).
const HEATMAP_ROWS: usize = 40;

/// Writes `caar.png`, `abnormal_returns_heatmap.png` and (with share counts)
/// `market_value_by_ticker.png` into `dir`. Returns the charts skipped, with why.
pub fn render_portfolio_charts(
    dir: &Path,
    summary: &Summary,
    mv_window: &str,
    files: ChartFiles,
) -> Result<Vec<String>> {
    let mut skipped = Vec::new();
    let Some(aggregate) = &summary.aggregate else {
        return Ok(skipped);
    };
    let c = &summary.conventions;
    let events = &summary.events;
    let several_dates = events.iter().any(|e| e.event_date != events[0].event_date);
    let subtitle = format!(
        "{} · estimation {} · event window {} · {} returns · {} events",
        c.model.describe(),
        c.estimation,
        c.window,
        c.returns,
        aggregate.n
    );

    let title = if several_dates {
        format!(
            "Cumulative average abnormal return of {} events",
            aggregate.n
        )
    } else {
        format!(
            "Cumulative average abnormal return of {} stocks around {}",
            aggregate.n, events[0].event_date
        )
    };
    render_chart!(files, dir.join("caar"), &mut skipped, |root, t| {
        caar::draw(root, t, aggregate, &title, &subtitle)
    })?;

    // Each event's |CAR| once, then a stable sort (ties keep the events' order).
    let mut by_car: Vec<(f64, &EventReport)> = events
        .iter()
        .map(|e| (e.final_car().unwrap_or(0.0).abs(), e))
        .collect();
    by_car.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut ranked: Vec<&EventReport> = by_car.into_iter().map(|p| p.1).collect();
    ranked.truncate(HEATMAP_ROWS);
    ranked.sort_by_key(|e| e.id);
    let rels: Vec<i32> = aggregate.days.iter().map(|d| d.rel).collect();
    let rows: Vec<heatmap::Row> = ranked
        .iter()
        .map(|e| {
            let cells = rels.iter().map(|&r| (r, e.ar_on(r))).collect();
            (e.display_name(several_dates), cells)
        })
        .collect();
    let shown = if rows.len() < events.len() {
        format!(
            " (the {} with the largest |CAR| of {})",
            rows.len(),
            events.len()
        )
    } else {
        String::new()
    };
    let title = format!("Daily abnormal returns (%) by event{shown}");
    render_chart!(
        files,
        dir.join("abnormal_returns_heatmap"),
        &mut skipped,
        |root, t| heatmap::draw(root, t, &rows, &rels, &title, &subtitle),
    )?;

    if !aggregate.calendar_time.is_empty() {
        let first = &aggregate.calendar_time[0];
        let subtitle = format!(
            "{} model regression · {} weights · {} events · alpha: the intercept, the mean daily abnormal return",
            first.model, first.weights, aggregate.n
        );
        let event_days: Vec<chrono::NaiveDate> = {
            let mut d: Vec<_> = events.iter().map(|e| e.day0).collect();
            d.sort_unstable();
            d.dedup();
            d
        };
        render_chart!(files, dir.join("calendar_time"), &mut skipped, |root, t| {
            calendar_time::draw(root, t, &aggregate.calendar_time, &event_days, &subtitle)
        })?;
    }

    if !aggregate.groups.is_empty() {
        let subtitle = format!(
            "{} events by {} · the groups' differences: group_difference.csv",
            aggregate.n,
            c.group_by.as_deref().unwrap_or("group")
        );
        render_chart!(
            files,
            dir.join("car_distribution"),
            &mut skipped,
            |root, t| groups::draw(root, t, events, &aggregate.groups, &subtitle),
        )?;
    }

    if aggregate.days.iter().any(|d| d.aav.is_some()) {
        let title = format!(
            "Abnormal volume and volatility of {} events, by trading day",
            aggregate.n
        );
        render_chart!(
            files,
            dir.join("abnormal_volume"),
            &mut skipped,
            |root, t| volume::draw_portfolio(root, t, aggregate, &title, &subtitle),
        )?;
    }

    if let Some(path) = aggregate.bhar_path.as_ref().filter(|p| !p.rel.is_empty()) {
        let title = format!(
            "Mean buy-and-hold abnormal return of {} events, days {} to {:+}",
            aggregate.n,
            path.rel[0] + 1,
            path.rel[path.rel.len() - 1]
        );
        let subtitle = format!(
            "BHAR = each firm's buy-and-hold return less its benchmark's · simple returns compounded · {} events",
            aggregate.n
        );
        render_chart!(files, dir.join("bhar"), &mut skipped, |root, t| {
            bhar::draw_portfolio(root, t, path, &title, &subtitle)
        })?;
    }

    let bars: Vec<market_value_by_ticker::Row> = events
        .iter()
        .filter_map(|e| {
            let car = e.car.iter().find(|c| c.window == mv_window)?;
            Some((
                e.display_name(several_dates),
                car.abnormal_market_value_change?,
                car.market_value_change?,
            ))
        })
        .collect();
    let total = aggregate
        .car
        .iter()
        .find(|c| c.window == mv_window)
        .and_then(|c| c.abnormal_market_value_change);
    if let (false, Some(total)) = (bars.is_empty(), total) {
        let title = format!(
            "Change in market value, days {mv_window}: abnormal {:+.1} $bn in all",
            total / 1e9
        );
        let subtitle = format!("{subtitle} · {} of them with a share count", bars.len());
        render_chart!(
            files,
            dir.join("market_value_by_ticker"),
            &mut skipped,
            |root, t| market_value_by_ticker::draw(root, t, &bars, &title, &subtitle),
        )?;
    }
    Ok(skipped)
}

#[cfg(test)]
mod tests {
    use super::percent_decimals;

    #[test]
    fn label_decimals_follow_the_range() {
        assert_eq!(percent_decimals(-40.0, 25.0), 0);
        assert_eq!(percent_decimals(-0.6, 1.3), 1);
        assert_eq!(percent_decimals(-0.05, 0.1), 2);
        assert_eq!(percent_decimals(0.0, 1e-9), 3);
    }

    #[test]
    fn a_tick_just_below_zero_reads_zero() {
        assert_eq!(super::percent_label(-1e-17, 2), "0.00%");
        assert_eq!(super::percent_label(-0.004, 2), "0.00%");
        assert_eq!(super::percent_label(-0.006, 2), "-0.01%");
        assert_eq!(super::percent_label(12.34, 1), "12.3%");
    }
}
