//! Validated, typed settings of a run, built from the command line (or by a library user).

use std::path::PathBuf;

use chrono::NaiveDate;

use crate::data::fetch::StoreMode;
use crate::error::{Error, Result};
use crate::report::Exclusion;
use crate::study::{ModelKind, NonTrading, RelWindow, ReturnKind, StudyDesign, WindowSpec};
use crate::ticker::Ticker;

/// Where prices come from (`--source`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceSpec {
    /// Yahoo Finance, through the local store.
    Yahoo,
    /// A folder of `<SYMBOL>.csv` files.
    CsvDir(PathBuf),
}

impl std::str::FromStr for SourceSpec {
    type Err = Error;
    fn from_str(raw: &str) -> Result<Self> {
        match raw.split_once(':') {
            None if raw == "yahoo" => Ok(SourceSpec::Yahoo),
            Some(("csv", dir)) if !dir.is_empty() => Ok(SourceSpec::CsvDir(PathBuf::from(dir))),
            _ => Err(Error::usage(format!(
                "--source '{raw}' is not yahoo or csv:DIR"
            ))),
        }
    }
}

/// Where share counts come from.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum SharesSpec {
    #[default]
    None,
    /// `--shares N`: one count for every ticker.
    Count(f64),
    /// `--shares-file CSV`.
    File(PathBuf),
}

/// How the summary is printed on stdout (`--format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OutputFormat {
    #[default]
    Table,
    Json,
    Csv,
}

impl std::str::FromStr for OutputFormat {
    type Err = Error;
    fn from_str(raw: &str) -> Result<Self> {
        match raw {
            "table" => Ok(OutputFormat::Table),
            "json" => Ok(OutputFormat::Json),
            "csv" => Ok(OutputFormat::Csv),
            _ => Err(Error::usage(format!(
                "--format '{raw}' is not one of table, json, csv"
            ))),
        }
    }
}

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

/// One event to study: a firm, a date, its benchmark and windows.
#[derive(Debug, Clone, PartialEq)]
pub struct EventSpec {
    pub ticker: Ticker,
    pub date: NaiveDate,
    pub benchmark: Ticker,
    /// A free label kept in the outputs (batch files).
    pub label: Option<String>,
    /// The batch file's line, for messages.
    pub row: Option<usize>,
    pub estimation: WindowSpec,
    pub window: WindowSpec,
}

/// Which charts to render.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ChartsMode {
    /// Every event's four charts and the portfolio's three.
    #[default]
    All,
    /// Only the portfolio charts (large batches).
    PortfolioOnly,
    None,
}

/// Everything `eventstudy run` and `eventstudy batch` need, validated.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub events: Vec<EventSpec>,
    /// Batch rows that could not be read: reported in `excluded`, never fatal.
    pub rejected: Vec<Exclusion>,
    /// The portfolio folder's name under `out_dir`.
    pub portfolio_name: String,
    pub source: SourceSpec,
    /// The local price store (`--data-dir`).
    pub data_dir: PathBuf,
    /// Fetch what is missing, never fetch, or fetch everything again.
    pub store_mode: StoreMode,
    pub model: ModelKind,
    /// The estimation and event windows of events that do not override them.
    pub estimation: WindowSpec,
    pub window: WindowSpec,
    pub car_windows: Vec<RelWindow>,
    pub min_estimation: usize,
    /// Kenneth French factor files, for the factor models.
    pub factors: Vec<PathBuf>,
    pub returns: ReturnKind,
    pub non_trading: NonTrading,
    pub after_close: bool,
    pub shares: SharesSpec,
    /// The window of the market-value-by-ticker chart (one of the CAR windows).
    pub mv_window: RelWindow,
    pub out_dir: PathBuf,
    pub format: OutputFormat,
    pub charts: ChartsMode,
    pub chart_size: ChartSize,
    pub quiet: bool,
}

impl RunOptions {
    /// The design of one event once its windows are relative days.
    pub fn design(&self, estimation: RelWindow, window: RelWindow) -> StudyDesign {
        StudyDesign {
            model: self.model,
            estimation,
            window,
            car_windows: self.car_windows.clone(),
            min_estimation: self.min_estimation,
        }
    }

    /// Checks what can be checked before any data is read: relative windows against each
    /// other (date windows are checked per event), the factor files against the model.
    pub fn validate(&self) -> Result<()> {
        validate_model(self.model, self.min_estimation)?;
        if !self.car_windows.contains(&self.mv_window) {
            return Err(Error::usage(format!(
                "--mv-window {} is not one of the --car windows",
                self.mv_window
            )));
        }
        if self.model.uses_factors() && self.factors.is_empty() {
            return Err(Error::usage(format!(
                "--model {} needs --factors FILE (Kenneth French's daily CSV)",
                self.model
            )));
        }
        for event in &self.events {
            if let (Some(estimation), Some(window)) =
                (event.estimation.relative(), event.window.relative())
            {
                validate_design(&self.design(estimation, window)).map_err(|e| {
                    match (&event.row, e) {
                        (Some(row), Error::Usage(m)) => Error::usage(format!("row {row}: {m}")),
                        (_, e) => e,
                    }
                })?;
            }
        }
        Ok(())
    }
}

/// Everything `eventstudy fetch` needs.
#[derive(Debug, Clone)]
pub struct FetchOptions {
    pub tickers: Vec<Ticker>,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub data_dir: PathBuf,
    pub store_mode: StoreMode,
    pub format: OutputFormat,
    pub quiet: bool,
}

/// The store mode from `--offline` and `--refresh`.
pub fn store_mode(offline: bool, refresh: bool) -> StoreMode {
    match (offline, refresh) {
        (true, _) => StoreMode::Offline,
        (false, true) => StoreMode::Refresh,
        (false, false) => StoreMode::Update,
    }
}

/// Parses `YYYY-MM-DD`.
pub fn parse_date(raw: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d")
        .map_err(|_| Error::usage(format!("date '{raw}' is not a valid YYYY-MM-DD date")))
}

/// Checks a design's windows against each other: the estimation window must end before the
/// event window starts, or the event would contaminate its own benchmark, and the CAR windows
/// lie inside the event window (the daily table, the charts and the rank test cover them).
pub fn validate_design(design: &StudyDesign) -> Result<()> {
    if let Some(w) = design
        .car_windows
        .iter()
        .find(|w| w.start < design.window.start || w.end > design.window.end)
    {
        return Err(Error::usage(format!(
            "the CAR window {w} is not inside the event window {}",
            design.window
        )));
    }
    let first_event_day = design
        .car_windows
        .iter()
        .map(|w| w.start)
        .chain([design.window.start])
        .min()
        .unwrap_or(design.window.start);
    if design.estimation.end >= first_event_day {
        return Err(Error::usage(format!(
            "the estimation window {} must end before the event window and CAR windows start (day {first_event_day})",
            design.estimation
        )));
    }
    if design.min_estimation > design.estimation.len() {
        return Err(Error::usage(format!(
            "--min-estimation {} exceeds the {} days of the estimation window {}",
            design.min_estimation,
            design.estimation.len(),
            design.estimation
        )));
    }
    Ok(())
}

/// Checks `--min-estimation` against the model's parameters: L - k must leave room for the
/// variance (and for Patell's (L - k) / (L - k - 2)).
pub fn validate_model(model: ModelKind, min_estimation: usize) -> Result<()> {
    let k = model.parameters();
    if min_estimation < k + 3 {
        return Err(Error::usage(format!(
            "--min-estimation {min_estimation} is too small: the {model} model needs at least {} returns",
            k + 3
        )));
    }
    Ok(())
}

/// The default design of METHODS.md: estimation -250:-11, event -5:5, CARs 0:0,-1:1,0:1,-5:5.
pub fn default_design() -> StudyDesign {
    let w = |a, b| RelWindow { start: a, end: b };
    StudyDesign {
        model: Default::default(),
        estimation: w(-250, -11),
        window: w(-5, 5),
        car_windows: vec![w(0, 0), w(-1, 1), w(0, 1), w(-5, 5)],
        min_estimation: 120,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_design_is_valid() {
        validate_design(&default_design()).unwrap();
    }

    #[test]
    fn overlapping_windows_are_refused() {
        let mut d = default_design();
        d.estimation = RelWindow::new(-250, 0).unwrap();
        assert!(validate_design(&d).is_err());
        let mut d = default_design();
        d.car_windows.push(RelWindow::new(-20, 0).unwrap());
        assert!(validate_design(&d)
            .unwrap_err()
            .to_string()
            .contains("not inside the event window"));
        let mut d = default_design();
        d.min_estimation = 300;
        assert!(validate_design(&d).is_err());
    }

    #[test]
    fn parses_values() {
        assert_eq!(
            "640x480".parse::<ChartSize>().unwrap(),
            ChartSize {
                width: 640,
                height: 480
            }
        );
        assert!("10x10".parse::<ChartSize>().is_err());
        assert!("big".parse::<ChartSize>().is_err());
        assert_eq!(
            "csv:/tmp/p".parse::<SourceSpec>().unwrap(),
            SourceSpec::CsvDir("/tmp/p".into())
        );
        assert!("ftp:x".parse::<SourceSpec>().is_err());
        assert!(parse_date("2025-02-30").is_err());
        assert_eq!(
            parse_date("2025-01-27").unwrap(),
            NaiveDate::from_ymd_opt(2025, 1, 27).unwrap()
        );
    }
}
