//! The typed results of a run: what the JSON contract, the CSV tables, the console table and
//! the charts all show. Numbers that do not exist are `None` (JSON `null`), never NaN.

use chrono::NaiveDate;
use serde::Serialize;

use crate::study::ModelKind;
use crate::study::{NonTrading, RelWindow, ReturnKind, StudyDesign};

/// NaN (and infinities) become `None`.
pub fn num(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

/// The conventions a run used, printed with every output (METHODS.md).
#[derive(Debug, Clone, Serialize)]
pub struct Conventions {
    pub model: ModelKind,
    pub returns: ReturnKind,
    pub estimation: RelWindow,
    pub window: RelWindow,
    pub car_windows: Vec<String>,
    pub non_trading: NonTrading,
    pub after_close: bool,
    pub min_estimation: usize,
    /// `L-k` (market-adjusted: `L`, nothing is estimated).
    pub sigma_divisor: &'static str,
    pub prediction_error_correction: bool,
    /// Event time runs on the benchmark's trading calendar.
    pub calendar: &'static str,
    /// Returns come from this price field; market value from `close`.
    pub return_price: &'static str,
    pub p_values: &'static str,
}

impl Conventions {
    pub fn new(
        design: &StudyDesign,
        returns: ReturnKind,
        non_trading: NonTrading,
        after_close: bool,
    ) -> Self {
        Conventions {
            model: design.model,
            returns,
            estimation: design.estimation,
            window: design.window,
            car_windows: design.car_windows.iter().map(ToString::to_string).collect(),
            non_trading,
            after_close,
            min_estimation: design.min_estimation,
            sigma_divisor: if design.model == ModelKind::MarketAdjusted {
                "L"
            } else {
                "L-k"
            },
            prediction_error_correction: design.model != ModelKind::MarketAdjusted,
            calendar: "benchmark",
            return_price: "adj_close",
            p_values: "two-sided, Student t with L-k degrees of freedom",
        }
    }

    /// One line for the console header.
    pub fn describe(&self) -> String {
        format!(
            "{}, {} returns from adjusted close, estimation {}, event window {}, non-trading day -> {}{}, sigma divisor {}, t with prediction-error correction",
            self.model.describe(),
            self.returns,
            self.estimation,
            self.window,
            self.non_trading,
            if self.after_close { ", after close" } else { "" },
            self.sigma_divisor,
        )
    }
}

/// One day of the event window.
#[derive(Debug, Clone, Serialize)]
pub struct DayRow {
    pub rel: i32,
    pub date: NaiveDate,
    #[serde(rename = "return")]
    pub ret: Option<f64>,
    pub benchmark_return: Option<f64>,
    pub normal_return: Option<f64>,
    pub ar: Option<f64>,
    pub ar_t: Option<f64>,
    pub ar_p: Option<f64>,
    pub car: Option<f64>,
    /// Standard deviation of `car` (for its confidence band).
    pub car_sd: Option<f64>,
    pub market_value_change: Option<f64>,
    pub abnormal_market_value_change: Option<f64>,
}

/// One CAR window.
#[derive(Debug, Clone, Serialize)]
pub struct CarRow {
    pub window: String,
    pub start: Option<NaiveDate>,
    pub end: Option<NaiveDate>,
    /// Days with a valid AR in the window.
    pub days: usize,
    pub car: Option<f64>,
    pub t: Option<f64>,
    pub p: Option<f64>,
    pub t_simple: Option<f64>,
    pub p_simple: Option<f64>,
    pub abnormal_market_value_change: Option<f64>,
    pub market_value_change: Option<f64>,
}

/// One event that ran.
#[derive(Debug, Clone, Serialize)]
pub struct EventReport {
    pub ticker: String,
    pub event_date: NaiveDate,
    pub day0: NaiveDate,
    pub benchmark: String,
    pub model: ModelKind,
    pub alpha: Option<f64>,
    pub beta: Option<f64>,
    pub sigma: Option<f64>,
    pub n_estimation: usize,
    pub degrees_of_freedom: usize,
    pub estimation_start: NaiveDate,
    pub estimation_end: NaiveDate,
    /// Shares of the listed security (ADS-equivalent for an ADR).
    pub shares_outstanding: Option<f64>,
    pub shares_as_of: Option<NaiveDate>,
    pub shares_source: Option<String>,
    /// Market value at the close of day -1, in dollars.
    pub market_value_before: Option<f64>,
    pub days: Vec<DayRow>,
    pub car: Vec<CarRow>,
    /// Warnings about this event (fallbacks taken, data gaps).
    pub notes: Vec<String>,
}

impl EventReport {
    pub fn day(&self, rel: i32) -> Option<&DayRow> {
        self.days.iter().find(|d| d.rel == rel)
    }

    /// The folder name of this event's outputs.
    pub fn slug(&self) -> String {
        format!("{}_{}", self.ticker, self.event_date)
    }
}

/// An event that could not run, and why.
#[derive(Debug, Clone, Serialize)]
pub struct Exclusion {
    pub ticker: String,
    pub event_date: NaiveDate,
    pub reason: String,
    /// The exit code this failure would have on its own (2 input, 3 data).
    #[serde(skip)]
    pub exit_code: i32,
}

/// Everything a run produced: `summary.json` and `--format json` print this.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub conventions: Conventions,
    pub source: String,
    pub events: Vec<EventReport>,
    pub excluded: Vec<Exclusion>,
}

/// Prices rebased for the price chart: the stock and the benchmark from the estimation window's
/// start to the event window's end.
#[derive(Debug, Clone)]
pub struct PricePath {
    pub rel: Vec<i32>,
    pub dates: Vec<NaiveDate>,
    /// Rebased to 100 at day -1; NaN where missing.
    pub firm: Vec<f64>,
    pub benchmark: Vec<f64>,
}
