//! The typed results of an intraday study (`--interval 1m..90m`): what its JSON, CSVs,
//! tables, Markdown and charts show. The daily study's types are in the parent module; the
//! aggregate rows are shared (by relative bar instead of relative day).

use serde::Serialize;

use crate::note::Note;
use crate::report::{AggregateCarRow, AggregateDayRow, AggregateReport, Exclusion};
use crate::study::adjust::PAdjust;
use crate::study::bars::Interval;
use crate::study::calendar::Day0Rule;
use crate::study::{ModelKind, RelWindow, ReturnKind};

/// How an intraday study was run: every output prints these (METHODS, "Intraday").
#[derive(Debug, Clone, Serialize)]
pub struct BarConventions {
    pub interval: Interval,
    /// The regular session on the exchange's clock; only its bars count.
    pub session: String,
    /// Whether a bar's time in the source is its start or its end (it is reported as its
    /// start).
    pub bar_label: &'static str,
    pub model: ModelKind,
    pub returns: ReturnKind,
    /// The estimation: the within-session bar returns of this many sessions before the
    /// event's.
    pub estimation_sessions: usize,
    pub min_estimation: usize,
    /// The event window as written and in bars.
    pub window: String,
    pub window_bars: RelWindow,
    pub car_windows: Vec<String>,
    pub overnight: &'static str,
    pub tod_variance: bool,
    pub sigma_divisor: &'static str,
    pub prediction_error_correction: bool,
    pub market_value: &'static str,
    pub p_values: &'static str,
    /// `--adjust`: the method every family of p-values is adjusted by.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub adjust: Option<PAdjust>,
}

/// One bar of an event's window.
#[derive(Debug, Clone, Serialize)]
pub struct BarRow {
    pub rel: i32,
    /// The bar's start, ISO 8601 with the exchange's offset.
    pub time: String,
    /// `HH:MM` on the exchange's clock (tables and charts).
    #[serde(skip)]
    pub clock: String,
    #[serde(rename = "return")]
    pub ret: Option<f64>,
    pub benchmark_return: Option<f64>,
    pub normal_return: Option<f64>,
    pub ar: Option<f64>,
    pub ar_t: Option<f64>,
    pub ar_p: Option<f64>,
    /// With `--adjust`: the p adjusted over the event's bars (the inner None: no p).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ar_p_adj: Option<Option<f64>>,
    pub car: Option<f64>,
    /// sqrt(Var CAR) to this bar, for the chart's band.
    #[serde(skip)]
    pub car_sd: Option<f64>,
    /// The bar carries the return since the previous session's close.
    pub overnight: bool,
    pub market_value_change: Option<f64>,
    pub abnormal_market_value_change: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub volume: Option<f64>,
    /// The firm's close (the price chart).
    #[serde(skip)]
    pub close: Option<f64>,
}

/// One CAR window of an event.
#[derive(Debug, Clone, Serialize)]
pub struct BarCarRow {
    /// As written (`0:15m`).
    pub window: String,
    /// In bars relative to the event bar.
    pub bars: RelWindow,
    pub start: Option<String>,
    pub end: Option<String>,
    /// Bars with an AR.
    pub n: usize,
    pub car: Option<f64>,
    pub t: Option<f64>,
    pub p: Option<f64>,
    /// With `--adjust`: the p adjusted over the event's CAR windows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p_adj: Option<Option<f64>>,
    pub t_simple: Option<f64>,
    pub p_simple: Option<f64>,
    pub market_value_change: Option<f64>,
    pub abnormal_market_value_change: Option<f64>,
}

/// Where the cumulative abnormal return was largest in size inside the event window: how
/// fast the price adjusted.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Peak {
    pub rel: i32,
    /// The bar's start (an event's; the portfolio's bars have no one time).
    pub time: Option<String>,
    #[serde(skip)]
    pub clock: Option<String>,
    pub car: f64,
}

impl Peak {
    /// The bar where |CAR| is largest among `(rel, car, time, clock)` (the first of equals).
    pub fn of<'a>(
        path: impl Iterator<Item = (i32, Option<f64>, Option<&'a str>, Option<&'a str>)>,
    ) -> Option<Peak> {
        let mut best: Option<Peak> = None;
        for (rel, car, time, clock) in path {
            let Some(car) = car else { continue };
            if best.as_ref().is_none_or(|b| car.abs() > b.car.abs()) {
                best = Some(Peak {
                    rel,
                    time: time.map(str::to_string),
                    clock: clock.map(str::to_string),
                    car,
                });
            }
        }
        best
    }
}

/// One intraday event's results.
#[derive(Debug, Clone, Serialize)]
pub struct BarEventReport {
    pub id: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub row: Option<usize>,
    pub ticker: String,
    pub benchmark: String,
    /// The time as given.
    pub event_time: String,
    pub exchange_tz: String,
    /// The event bar's start, ISO 8601 with the exchange's offset.
    pub event_bar: String,
    pub day0_rule: Day0Rule,
    pub model: ModelKind,
    pub alpha: Option<f64>,
    pub beta: Option<f64>,
    pub sigma: Option<f64>,
    /// Valid within-session returns the model was fitted on.
    pub n_estimation: usize,
    pub degrees_of_freedom: usize,
    /// The sessions those returns come from, and the first and last bar.
    pub estimation_sessions: usize,
    pub estimation_start: String,
    pub estimation_end: String,
    /// sigma_on: the overnight residuals' root mean square over the estimation sessions, and
    /// how many there were.
    pub overnight_sigma: Option<f64>,
    pub overnight_n: usize,
    pub shares_outstanding: Option<f64>,
    /// Shares x the close of bar -1: every bar's dollars are measured from it.
    pub market_value_before: Option<f64>,
    pub bars: Vec<BarRow>,
    pub car: Vec<BarCarRow>,
    pub peak: Option<Peak>,
    pub notes: Vec<Note>,
    /// `--adjust`: its method (the rows carry the adjusted values).
    #[serde(skip)]
    pub adjust: Option<PAdjust>,
}

impl BarEventReport {
    /// `NVDA_2025-01-27T0930_1m`: the event folder's name (the event bar's local start).
    pub fn slug(&self, interval: Interval) -> String {
        let stamp: String = self
            .event_bar
            .get(..16)
            .unwrap_or(&self.event_bar)
            .chars()
            .filter(|c| *c != ':')
            .collect();
        let ticker: String = self
            .ticker
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        match &self.label {
            Some(_) => format!("{ticker}_{stamp}_{interval}_{}", self.id),
            None => format!("{ticker}_{stamp}_{interval}"),
        }
    }

    /// The event bar's row.
    pub fn bar(&self, rel: i32) -> Option<&BarRow> {
        self.bars.iter().find(|b| b.rel == rel)
    }

    /// `NVDA (2025-01-27 09:30)`.
    pub fn display_name(&self) -> String {
        let local = self.event_bar.get(..16).unwrap_or(&self.event_bar);
        format!("{} ({})", self.ticker, local.replace('T', " "))
    }
}

/// The portfolio of intraday events, by relative bar: the daily aggregate's rows (`rel` is a
/// relative bar), and where |CAAR| peaks.
#[derive(Debug, Clone)]
pub struct BarAggregateReport {
    pub report: AggregateReport,
    /// The relative bar where |CAAR| is largest.
    pub peak: Option<Peak>,
}

impl From<AggregateReport> for BarAggregateReport {
    fn from(report: AggregateReport) -> Self {
        let peak = Peak::of(report.days.iter().map(|d| (d.rel, d.caar, None, None)));
        BarAggregateReport { report, peak }
    }
}

/// The JSON of the portfolio: the daily aggregate's fields, `bars` for `days`.
#[derive(Serialize)]
struct BarAggregateJson<'a> {
    n: usize,
    n_with_market_value: usize,
    bars: &'a [AggregateDayRow],
    car: &'a [AggregateCarRow],
    peak: &'a Option<Peak>,
    /// The event bar's change in market value, summed over the events with a share count.
    market_value_change: Option<f64>,
    abnormal_market_value_change: Option<f64>,
    positive_share: Option<f64>,
    residual_correlation: Option<f64>,
    estimation_aar_sd: Option<f64>,
}

impl Serialize for BarAggregateReport {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let a = &self.report;
        BarAggregateJson {
            n: a.n,
            n_with_market_value: a.n_with_market_value,
            bars: &a.days,
            car: &a.car,
            peak: &self.peak,
            market_value_change: a.market_value_change,
            abnormal_market_value_change: a.abnormal_market_value_change,
            positive_share: a.positive_share,
            residual_correlation: a.residual_correlation,
            estimation_aar_sd: a.estimation_aar_sd,
        }
        .serialize(s)
    }
}

/// Where an intraday run's files go.
#[derive(Debug, Clone, Default)]
pub struct BarFolders {
    pub out_dir: std::path::PathBuf,
    pub run_name: String,
    pub event_charts: bool,
    pub portfolio_charts: bool,
    pub event_files: bool,
    /// The charts are SVG only: the reports link `.svg` files, not `.png`.
    pub svg_only: bool,
}

impl BarFolders {
    /// The extension the reports link the charts by.
    pub fn chart_extension(&self) -> &'static str {
        if self.svg_only {
            "svg"
        } else {
            "png"
        }
    }
}

/// An intraday run: the JSON contract's top level.
#[derive(Debug, Clone, Serialize)]
pub struct BarSummary {
    pub conventions: BarConventions,
    pub source: String,
    pub events: Vec<BarEventReport>,
    pub excluded: Vec<Exclusion>,
    pub aggregate: Option<BarAggregateReport>,
    #[serde(skip)]
    pub layout: BarFolders,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peak_is_the_largest_move_either_way() {
        let path = [
            (0, Some(-0.01)),
            (1, None),
            (2, Some(0.03)),
            (3, Some(-0.05)),
            (4, Some(0.05)),
        ];
        let p = Peak::of(path.iter().map(|&(r, c)| (r, c, None, None))).unwrap();
        assert_eq!((p.rel, p.car), (3, -0.05));
        assert!(Peak::of(std::iter::empty()).is_none());
    }
}
