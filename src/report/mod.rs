//! The typed results of a run: what the JSON contract, the CSV tables, the console table and
//! the charts all show. Numbers that do not exist are `None` (JSON `null`), never NaN.

use chrono::NaiveDate;
use serde::Serialize;

pub mod adjust;
pub mod aggregate;
pub mod bars;
pub mod calendar_time;
pub mod diagnostics;
pub mod groups;
pub mod simulation;

pub use crate::event::Exclusion;
use crate::note::Note;
use crate::study::adjust::PAdjust;
use crate::study::bhar::BuyAndHoldPath;
use crate::study::calendar::Day0Rule;
use crate::study::calendar_time::CalendarWeights;
use crate::study::regression::StandardErrors;
use crate::study::{ModelKind, NonTrading, RelWindow, ReturnKind, WindowSpec};
pub use aggregate::{
    AggregateBharRow, AggregateCarRow, AggregateDayRow, AggregateReport, ChiSquareReport,
    CoefficientReport, CrossSection, CrossSectionReport, MeanBharPath, TestReport, TestsReport,
};

/// FNV-1a, 32 bits: a short, stable hash for folder names.
fn fnv1a(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811c_9dc5u32, |h, &b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    })
}

/// NaN (and infinities) become `None`.
pub fn num(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

/// The conventions a run used, printed with every output (METHODS.md).
#[derive(Debug, Clone, Serialize)]
pub struct Conventions {
    pub model: ModelKind,
    pub returns: ReturnKind,
    /// `[start, end]` in trading days, or `"from..to"` dates (events may override it).
    pub estimation: WindowSpec,
    pub window: WindowSpec,
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
    /// The factor files of a factor model.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub factors: Vec<String>,
    /// A Dimson beta's lags and leads of the market.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dimson_lags: Option<u8>,
    /// Buy-and-hold abnormal return windows (`--bhar`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub bhar_windows: Vec<String>,
    /// How the BHAR bootstrap was drawn.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bootstrap: Option<BootstrapConventions>,
    /// The batch file's columns the CARs are regressed on, and the standard errors.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cross_section: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cross_section_se: Option<StandardErrors>,
    /// The batch file's column that names the groups compared (`--group-by`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_by: Option<String>,
    /// How each family of p-values was adjusted (`--adjust`): every p then has a `p_adj`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub adjust: Option<PAdjust>,
    /// Calendar-time portfolio windows (`--calendar-time`) and their weights.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub calendar_time: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub calendar_weights: Option<CalendarWeights>,
}

/// The BHAR bootstrap as the conventions print it.
#[derive(Debug, Clone, Serialize)]
pub struct BootstrapConventions {
    pub draws: usize,
    pub seed: u64,
    pub sample: &'static str,
}

impl Conventions {
    /// One line for the console header.
    pub fn describe(&self) -> String {
        format!(
            "{}, {} returns from adjusted close, estimation {}, event window {}, non-trading day -> {}{}, sigma divisor {}{}",
            self.model.describe(),
            self.returns,
            self.estimation,
            self.window,
            self.non_trading,
            if self.after_close { ", after close" } else { "" },
            self.sigma_divisor,
            if self.prediction_error_correction { ", t with prediction-error correction" } else { "" },
        ) + &self.adjust.map_or(String::new(), |a| format!(", p-values adjusted by {} (stars on the adjusted p)", a.describe()))
    }
}

/// One day of the event window.
#[derive(bincode::Encode, bincode::Decode, Debug, Clone, Copy, Serialize)]
pub struct DayRow {
    pub rel: i32,
    #[bincode(with_serde)]
    pub date: NaiveDate,
    #[serde(rename = "return")]
    pub ret: Option<f64>,
    pub benchmark_return: Option<f64>,
    pub normal_return: Option<f64>,
    pub ar: Option<f64>,
    pub ar_t: Option<f64>,
    pub ar_p: Option<f64>,
    /// `ar_p` adjusted over the event window's days (`--adjust`; absent without).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ar_p_adj: Option<Option<f64>>,
    pub car: Option<f64>,
    /// Standard deviation of `car` (for its confidence band).
    pub car_sd: Option<f64>,
    pub market_value_change: Option<f64>,
    pub abnormal_market_value_change: Option<f64>,
    /// U = SAR^2 = `ar_t`^2, Beaver's abnormal volatility (about 1 under the null).
    pub sar_squared: Option<f64>,
    /// Shares traded, the abnormal log volume (ln(1 + volume) less its estimation mean) and
    /// its t; null without volume.
    pub volume: Option<f64>,
    pub abnormal_volume: Option<f64>,
    pub abnormal_volume_t: Option<f64>,
    /// Half-width of the CAR's 95% confidence band (t critical value x `car_sd`), for the
    /// chart; not in the JSON, which carries `car_sd`.
    #[serde(skip)]
    pub car_band: Option<f64>,
    /// The dollar changes summed from the window's first day to this one (null on a day
    /// without a change), for the market-value chart.
    #[serde(skip)]
    pub cumulative_market_value_change: Option<f64>,
    #[serde(skip)]
    pub cumulative_abnormal_market_value_change: Option<f64>,
}

/// One CAR window.
#[derive(bincode::Encode, bincode::Decode, Debug, Clone, Serialize)]
pub struct CarRow {
    pub window: String,
    /// The same window, typed (the aggregate finds an event's windows by it).
    #[serde(skip)]
    pub rel_window: RelWindow,
    #[bincode(with_serde)]
    pub start: Option<NaiveDate>,
    #[bincode(with_serde)]
    pub end: Option<NaiveDate>,
    /// Days with a valid AR in the window.
    pub days: usize,
    pub car: Option<f64>,
    pub t: Option<f64>,
    pub p: Option<f64>,
    /// `p` adjusted over the event's CAR windows (`--adjust`; absent without).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p_adj: Option<Option<f64>>,
    pub t_simple: Option<f64>,
    pub p_simple: Option<f64>,
    pub abnormal_market_value_change: Option<f64>,
    pub market_value_change: Option<f64>,
    /// The mean of U = SAR^2 over the window's days (about 1 under the null).
    pub volatility_ratio: Option<f64>,
    /// The window's summed abnormal log volume and its t.
    pub abnormal_volume: Option<f64>,
    pub abnormal_volume_t: Option<f64>,
}

/// One buy-and-hold window of an event (METHODS, "Long horizons").
#[derive(bincode::Encode, bincode::Decode, Debug, Clone, Serialize)]
pub struct BharRow {
    pub window: String,
    #[serde(skip)]
    pub rel_window: RelWindow,
    /// The first and last day compounded.
    #[bincode(with_serde)]
    pub start: Option<NaiveDate>,
    #[bincode(with_serde)]
    pub end: Option<NaiveDate>,
    /// Days compounded (the window's days with a firm return).
    pub days: usize,
    /// The window runs past the firm's last return: compounded to that day.
    pub cut_short: bool,
    /// Firm's buy-and-hold return less the benchmark's.
    pub bhar: Option<f64>,
    pub firm_bh_return: Option<f64>,
    pub benchmark_bh_return: Option<f64>,
    /// MV at the close of day -1 x BHAR, in dollars.
    pub abnormal_market_value_change: Option<f64>,
}

/// An event's GARCH(1,1) fit (METHODS, "GARCH(1,1) market model"): omega, a (`arch`), b
/// (`garch`), a + b, the maximised log-likelihood (decimal returns), and whether the search
/// converged.
#[derive(bincode::Encode, bincode::Decode, Debug, Clone, Copy, Serialize, PartialEq)]
pub struct GarchReport {
    pub omega: Option<f64>,
    pub arch: Option<f64>,
    pub garch: Option<f64>,
    pub persistence: Option<f64>,
    pub loglik: Option<f64>,
    pub converged: bool,
    /// The fixed start of the variance recursion: the mean squared OLS residual.
    pub backcast: Option<f64>,
}

impl From<&crate::study::model::garch::GarchFit> for GarchReport {
    fn from(g: &crate::study::model::garch::GarchFit) -> Self {
        GarchReport {
            omega: num(g.omega),
            arch: num(g.arch),
            garch: num(g.garch),
            persistence: num(g.persistence()),
            loglik: num(g.loglik),
            converged: g.converged,
            backcast: num(g.backcast),
        }
    }
}

/// One event that ran.
#[derive(bincode::Encode, bincode::Decode, Debug, Clone, Serialize)]
pub struct EventReport {
    /// The event's position in the run (1-based): events, not tickers, are the unit.
    pub id: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// The batch file's line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub row: Option<usize>,
    pub ticker: String,
    /// The event's date: as given, or an instant's date on the exchange's clock.
    #[bincode(with_serde)]
    pub event_date: NaiveDate,
    /// The instant as given, when the event was given as one (`2025-01-29T01:00+08:00`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_time: Option<String>,
    /// The exchange's time zone the instant was placed in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exchange_tz: Option<String>,
    #[bincode(with_serde)]
    pub day0: NaiveDate,
    /// Why day 0 is that day: `trading day`, `next trading day`, `previous trading day`,
    /// `pre-market`, `in session` or `after close`.
    pub day0_rule: Day0Rule,
    pub benchmark: String,
    pub model: ModelKind,
    pub alpha: Option<f64>,
    /// The slope on the benchmark (market model) or on Mkt-RF (factor models).
    pub beta: Option<f64>,
    /// A factor model's slopes by factor (empty for the other models).
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub factor_betas: std::collections::BTreeMap<String, f64>,
    pub sigma: Option<f64>,
    /// Half-width of a day's 95% AR band (t critical value x sigma), for the chart.
    #[serde(skip)]
    pub ar_band: f64,
    pub n_estimation: usize,
    pub degrees_of_freedom: usize,
    #[bincode(with_serde)]
    pub estimation_start: NaiveDate,
    #[bincode(with_serde)]
    pub estimation_end: NaiveDate,
    /// The windows this event used, in trading days relative to day 0.
    pub estimation_window: RelWindow,
    pub event_window: RelWindow,
    /// Shares of the listed security (ADS-equivalent for an ADR).
    pub shares_outstanding: Option<f64>,
    #[bincode(with_serde)]
    pub shares_as_of: Option<NaiveDate>,
    pub shares_source: Option<String>,
    /// Market value at the close of day -1, in dollars.
    pub market_value_before: Option<f64>,
    /// The estimation residuals' tests and the pre-trend.
    pub diagnostics: Option<diagnostics::DiagnosticsReport>,
    /// With `--model garch`: the GARCH(1,1) fit (when it did not converge, `model` says
    /// `market`: the event fell back to OLS).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub garch: Option<GarchReport>,
    /// Every day of the event window; empty in a large run (no event folders), whose days
    /// are in `day_values`: read them with [`EventReport::day`] or [`EventReport::day_values`].
    pub days: Vec<DayRow>,
    pub car: Vec<CarRow>,
    /// The `--bhar` windows.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub bhar: Vec<BharRow>,
    /// The `--cross-section` columns' values from the batch file, in their order.
    #[serde(skip)]
    pub characteristics: Vec<Option<f64>>,
    /// The `--group-by` column's value from the batch file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// Warnings about this event (fallbacks taken, data gaps).
    pub notes: Vec<Note>,
    /// Both price series rebased for the price chart, when the event's charts are drawn.
    /// Boxed, as is `bhar_path`: a large run draws no event chart, and a million reports
    /// carried 216 bytes each of empty paths.
    #[serde(skip)]
    pub price_path: Option<Box<PricePath>>,
    /// The firm's and the benchmark's buy-and-hold paths over the BHAR windows, for the
    /// event's BHAR chart.
    #[serde(skip)]
    pub bhar_path: Option<Box<BuyAndHoldPath>>,
    /// A large run's daily rows, kept flat instead of `days`; empty otherwise.
    #[serde(skip)]
    pub day_values: Box<[StoredDay]>,
    /// Their volume, abnormal log volume and its t, day by day; empty when the firm has no
    /// volume (most of a large synthetic run's memory would otherwise hold NaN).
    #[serde(skip)]
    pub day_volumes: Box<[[f64; 3]]>,
    /// How its p-values are adjusted (`--adjust`): a large run's `ar_p_adj` is computed
    /// from `day_values` when read.
    #[serde(skip)]
    pub adjust: Option<PAdjust>,
}

/// How a large run stores a day: the ten numbers every event has (`sar_squared` is computed
/// from `ar_t`; the volume is in [`EventReport::day_volumes`]).
#[derive(bincode::Encode, bincode::Decode, Debug, Clone, Copy, PartialEq)]
pub struct StoredDay {
    pub rel: i32,
    #[bincode(with_serde)]
    pub date: NaiveDate,
    /// The first ten of [`DayValues::NAMES`].
    pub values: [f64; 10],
}

impl StoredDay {
    /// The whole day, with its volume numbers (NaN without).
    fn view(&self, volume: Option<&[f64; 3]>) -> DayValues {
        let mut values = [f64::NAN; DayValues::NAMES.len()];
        values[..10].copy_from_slice(&self.values);
        let t = self.values[DayValues::AR_T];
        values[10] = t * t;
        if let Some(v) = volume {
            values[DayValues::VOLUME..DayValues::VOLUME + 3].copy_from_slice(v);
        }
        DayValues {
            rel: self.rel,
            date: self.date,
            values,
        }
    }
}

/// One event day as a flat array of numbers (NaN where [`DayRow`] has `None`): a large run
/// keeps its daily rows this way, at less than half the memory of a [`DayRow`] (a million
/// events have eleven million of them).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DayValues {
    pub rel: i32,
    pub date: NaiveDate,
    /// In the order of [`DayValues::NAMES`].
    pub values: [f64; 15],
}

impl DayValues {
    /// The columns of the daily tables, in the JSON contract's names.
    pub const NAMES: [&'static str; 15] = [
        "return",
        "benchmark_return",
        "normal_return",
        "ar",
        "ar_t",
        "ar_p",
        "car",
        "market_value_change",
        "abnormal_market_value_change",
        "car_sd",
        "sar_squared",
        "volume",
        "abnormal_volume",
        "abnormal_volume_t",
        "ar_p_adj",
    ];
    pub const CAR_SD: usize = 9;
    pub const AR: usize = 3;
    pub const AR_T: usize = 4;
    pub const CAR: usize = 6;
    pub const MARKET_VALUE_CHANGE: usize = 7;
    pub const ABNORMAL_MARKET_VALUE_CHANGE: usize = 8;
    pub const VOLUME: usize = 11;
    pub const AR_P: usize = 5;
    pub const AR_P_ADJ: usize = 14;
}

impl From<&DayValues> for DayRow {
    fn from(d: &DayValues) -> Self {
        let v = |i: usize| num(d.values[i]);
        DayRow {
            rel: d.rel,
            date: d.date,
            ret: v(0),
            benchmark_return: v(1),
            normal_return: v(2),
            ar: v(3),
            ar_t: v(4),
            ar_p: v(5),
            car: v(6),
            market_value_change: v(7),
            abnormal_market_value_change: v(8),
            car_sd: v(9),
            sar_squared: v(10),
            volume: v(11),
            abnormal_volume: v(12),
            abnormal_volume_t: v(13),
            // Set by the report that knows whether the run adjusts.
            ar_p_adj: None,
            car_band: None,
            cumulative_market_value_change: None,
            cumulative_abnormal_market_value_change: None,
        }
    }
}

impl From<&DayRow> for DayValues {
    fn from(d: &DayRow) -> Self {
        let v = |x: Option<f64>| x.unwrap_or(f64::NAN);
        DayValues {
            rel: d.rel,
            date: d.date,
            values: [
                v(d.ret),
                v(d.benchmark_return),
                v(d.normal_return),
                v(d.ar),
                v(d.ar_t),
                v(d.ar_p),
                v(d.car),
                v(d.market_value_change),
                v(d.abnormal_market_value_change),
                v(d.car_sd),
                v(d.sar_squared),
                v(d.volume),
                v(d.abnormal_volume),
                v(d.abnormal_volume_t),
                v(d.ar_p_adj.flatten()),
            ],
        }
    }
}

impl EventReport {
    /// The day `rel` of the event window, whichever way the report keeps its days (a large
    /// run's has no chart fields: `car_band` and the cumulative dollars are `None`).
    pub fn day(&self, rel: i32) -> Option<DayRow> {
        match self.days.iter().find(|d| d.rel == rel) {
            Some(d) => Some(*d),
            None => self.day_values().find(|d| d.rel == rel).map(|d| DayRow {
                ar_p_adj: self.adjust.map(|_| num(d.values[DayValues::AR_P_ADJ])),
                ..DayRow::from(&d)
            }),
        }
    }

    /// The day at position `i` of the event window, flat (what the aggregate reads).
    pub fn day_at(&self, i: usize) -> Option<DayValues> {
        match self.day_values.get(i) {
            Some(d) => Some(d.view(self.day_volumes.get(i))),
            None if self.day_values.is_empty() => self.days.get(i).map(DayValues::from),
            None => None,
        }
    }

    /// How many days [`day_values`](Self::day_values) yields, without making them (a large
    /// run's adjusted p-values are made as they are read).
    pub fn day_count(&self) -> usize {
        match self.day_values.len() {
            0 => self.days.len(),
            n => n,
        }
    }

    /// Every day of the event window, flat, whichever way the report keeps them.
    pub fn day_values(&self) -> impl Iterator<Item = DayValues> + '_ {
        let rows = if self.day_values.is_empty() {
            &self.days[..]
        } else {
            &[]
        };
        // A large run's adjusted p-values are made here, a family (the event's days) at once.
        let adjusted = match self.adjust {
            Some(method) if !self.day_values.is_empty() => {
                let p: Vec<f64> = self
                    .day_values
                    .iter()
                    .map(|d| d.values[DayValues::AR_P])
                    .collect();
                crate::study::adjust::adjust(&p, method)
            }
            _ => Vec::new(),
        };
        self.day_values
            .iter()
            .enumerate()
            .map(move |(i, d)| {
                let mut day = d.view(self.day_volumes.get(i));
                if let Some(&p) = adjusted.get(i) {
                    day.values[DayValues::AR_P_ADJ] = p;
                }
                day
            })
            .chain(rows.iter().map(DayValues::from))
    }

    /// The AR on relative day `rel`, if the event has one.
    pub fn ar_on(&self, rel: i32) -> Option<f64> {
        self.day_values()
            .find(|d| d.rel == rel)
            .and_then(|d| num(d.values[DayValues::AR]))
    }

    /// The CAR on the last day of the event window (read in place: the heatmap asks it of
    /// every event of a large run).
    pub fn final_car(&self) -> Option<f64> {
        match self.day_values.last() {
            Some(d) => num(d.values[DayValues::CAR]),
            None => self.days.last().and_then(|d| d.car),
        }
    }

    /// The date as given (`--date`, the batch file): an instant's date in its own offset,
    /// which may differ from `event_date`, the date on the exchange's clock. Folders are named
    /// by it, as the run folder of `run` is, so a user finds them under the date they typed.
    pub fn given_date(&self) -> NaiveDate {
        self.event_time
            .as_deref()
            .and_then(|t| crate::event::EventWhen::parse(t).ok())
            .map_or(self.event_date, |when| when.date())
    }

    /// The folder name of this event's outputs: `TICKER_DATE` (the date as given, see
    /// [`EventReport::given_date`]), with the label when there is one (kept to letters,
    /// digits, `-`, `_` and `.`). A label longer than 40 characters is cut and followed by a
    /// hash of the whole label, so two long labels that differ only at their end still get two
    /// folders.
    pub fn slug(&self) -> String {
        const KEPT: usize = 40;
        let base = format!("{}_{}", self.ticker, self.given_date());
        let Some(label) = &self.label else {
            return base;
        };
        let clean: String = label
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                    c
                } else {
                    '-'
                }
            })
            .collect();
        if clean.chars().count() <= KEPT {
            return format!("{base}_{}", clean.trim_matches('-'));
        }
        let cut: String = clean.chars().take(KEPT - 9).collect();
        format!(
            "{base}_{}-{:08x}",
            cut.trim_matches('-'),
            fnv1a(label.as_bytes())
        )
    }

    /// A short name for chart labels: the ticker, with the label or date when needed.
    pub fn display_name(&self, with_date: bool) -> String {
        match (&self.label, with_date) {
            (Some(l), _) => format!("{} ({l})", self.ticker),
            (None, true) => format!("{} {}", self.ticker, self.event_date),
            (None, false) => self.ticker.clone(),
        }
    }
}

/// Everything a run produced: `summary.json` and `--format json` print this.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub conventions: Conventions,
    pub source: String,
    /// When each symbol's prices were fetched into the store (empty for a CSV source).
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub fetched: std::collections::BTreeMap<String, NaiveDate>,
    pub events: Vec<EventReport>,
    pub excluded: Vec<Exclusion>,
    /// The portfolio of all events (null with fewer than two).
    pub aggregate: Option<AggregateReport>,
    /// The run-level tables, as paths relative to the run folder (Parquet; a CSV beside each).
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub tables: std::collections::BTreeMap<String, String>,
    /// A large run: `summary.json` and `--format json` leave the events to the tables.
    #[serde(skip)]
    pub compact: bool,
    /// Where the run's files are, for the reports that link its charts.
    #[serde(skip)]
    pub layout: Layout,
}

/// Where a run's folders and charts are.
#[derive(Debug, Clone, Default)]
pub struct Layout {
    /// The output folder; the run folder and the event folders are in it.
    pub out_dir: std::path::PathBuf,
    /// The run folder's name.
    pub run_name: String,
    pub event_charts: bool,
    pub portfolio_charts: bool,
    /// The window of the market-value-by-ticker chart.
    pub mv_window: String,
    /// The charts are SVG only: the reports link `.svg` files, not `.png`.
    pub svg_only: bool,
}

impl Layout {
    /// The extension the reports link the charts by.
    pub fn chart_extension(&self) -> &'static str {
        if self.svg_only {
            "svg"
        } else {
            "png"
        }
    }
}

/// Prices rebased for the price chart: the stock and the benchmark from the estimation window's
/// start to the event window's end.
#[derive(bincode::Encode, bincode::Decode, Debug, Clone)]
pub struct PricePath {
    pub rel: Vec<i32>,
    #[bincode(with_serde)]
    pub dates: Vec<NaiveDate>,
    /// Rebased to 100 at day -1; NaN where missing.
    pub firm: Vec<f64>,
    pub benchmark: Vec<f64>,
    /// Shares of the firm traded each day (NaN where unknown).
    pub volume: Vec<f64>,
    /// Normal volume and its 95% band, in shares: exp(mean log volume +- t sd sqrt(1 + 1/L))
    /// less one; `None` without a volume model.
    pub volume_normal: Option<[f64; 3]>,
}

/// One symbol's outcome in `eventstudy fetch`.
#[derive(Debug, Clone, Serialize)]
pub struct FetchedSymbol {
    pub symbol: String,
    pub ok: bool,
    pub requests: usize,
    pub rows: Option<usize>,
    pub first: Option<NaiveDate>,
    pub last: Option<NaiveDate>,
    pub notes: Vec<Note>,
    pub error: Option<String>,
}

/// One stored symbol as `eventstudy store list` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct StoreEntry {
    pub symbol: String,
    /// `1d` for daily prices, `1m`..`90m` for the archive of intraday bars.
    pub interval: String,
    pub first: Option<NaiveDate>,
    pub last: Option<NaiveDate>,
    pub rows: Option<usize>,
    pub fetched_at: Option<chrono::DateTime<chrono::Utc>>,
    pub splits: usize,
    pub dividends: usize,
    /// `ok`, or why the stored copy cannot be trusted.
    pub status: String,
}

/// One check of `eventstudy doctor`.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub name: String,
    pub status: CheckStatus,
    pub detail: String,
    /// What to do about a failure (or a risk).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

/// How a check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckStatus {
    Ok,
    Fail,
    Skipped,
    Info,
}

impl CheckStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            CheckStatus::Ok => "ok",
            CheckStatus::Fail => "FAIL",
            CheckStatus::Skipped => "skipped",
            CheckStatus::Info => "info",
        }
    }
}
