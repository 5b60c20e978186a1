//! Validated, typed settings of every command, grouped by what they are for. The command line
//! ([`crate::cli`]) builds them, and so may a library user; nothing here reads a file.
//!
//! A study's settings come in three groups: [`StudySettings`] (the design; they also serialise
//! as the report's `Conventions`), [`DataSettings`] (where prices and share counts come from)
//! and [`OutputSettings`] (files, formats, charts), plus the events themselves.

use std::path::PathBuf;

use chrono::NaiveDate;

use crate::data::fetch::StoreMode;
pub use crate::doctor::DoctorOptions;
use crate::error::{Error, Result};
use crate::event::{EventSpec, EventWhen};
use crate::report::{BootstrapConventions, Conventions};
use crate::study::adjust::PAdjust;
use crate::study::bars::{Interval, TimedWindow};
use crate::study::bhar::Bootstrap;
use crate::study::calendar_time::CalendarWeights;
use crate::study::regression::StandardErrors;
use crate::study::{ModelKind, NonTrading, RelWindow, ReturnKind, StudyDesign, WindowSpec};
pub use crate::synthetic::SyntheticOptions;
use crate::ticker::Ticker;

pub use crate::chart::{ChartFiles, ChartFormats, ChartSize};
pub use crate::data::events::EventDefaults;
pub use crate::export::{ChartsMode, OutputFormat, OutputSettings, TableFormats};

/// Where prices come from (`--source`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceSpec {
    /// Yahoo Finance, through the local store.
    Yahoo,
    /// A folder of `<SYMBOL>.csv` files.
    CsvDir(PathBuf),
    /// A table handed over with the call (the Python package's `prices=`): no files and no
    /// network, so SEC EDGAR is not asked for share counts, as with a CSV folder.
    Memory,
}

impl SourceSpec {
    /// The error of a command that must find its prices itself, given a table in memory.
    pub fn memory_refused(what: &str) -> Error {
        Error::usage(format!(
            "{what} reads its prices from a source (csv:DIR or the store), not from a table in memory"
        ))
    }
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
    /// SEC EDGAR with the Yahoo source; none with a CSV source.
    #[default]
    None,
    /// `--shares N`: one count for every ticker.
    Count(f64),
    /// `--shares-file CSV`.
    File(PathBuf),
}

/// The study design shared by every event that does not override it.
#[derive(Debug, Clone)]
pub struct StudySettings {
    pub model: ModelKind,
    pub returns: ReturnKind,
    /// The estimation and event windows of events that do not override them.
    pub estimation: WindowSpec,
    pub window: WindowSpec,
    pub car_windows: Vec<RelWindow>,
    pub min_estimation: usize,
    /// Kenneth French factor files, for the factor models.
    pub factors: Vec<PathBuf>,
    pub non_trading: NonTrading,
    pub after_close: bool,
    /// The exchange's time zone for event instants, when the user names it (`--exchange-tz`).
    pub exchange_tz: Option<chrono_tz::Tz>,
    /// Buy-and-hold abnormal return windows (`--bhar`), relative to day 0.
    pub bhar_windows: Vec<RelWindow>,
    /// The bootstrap of the BHAR windows' skewness-adjusted t.
    pub bootstrap: Bootstrap,
    /// Columns of the batch file the CARs are regressed on (`--cross-section`).
    pub cross_section: Vec<String>,
    /// The column of the batch file that names each event's group (`--group-by`).
    pub group_by: Option<String>,
    pub cross_section_se: StandardErrors,
    /// An intraday study (`--interval 1m..90m`); `None` is the daily study. Its windows are
    /// `window` and `car_windows` above, in bars.
    pub intraday: Option<IntradaySettings>,
    /// Adjust each family of p-values for multiple testing (`--adjust`).
    pub adjust: Option<PAdjust>,
    /// Calendar-time portfolio windows (`--calendar-time`), relative to day 0, and how the
    /// firms of a day are weighted.
    pub calendar_time: Vec<RelWindow>,
    pub calendar_weights: CalendarWeights,
}

/// What an intraday study adds to the design (METHODS, "Intraday").
#[derive(Debug, Clone, PartialEq)]
pub struct IntradaySettings {
    pub interval: Interval,
    /// The estimation: the within-session returns of this many sessions before the event's.
    pub estimation_sessions: usize,
    /// Scale each bar's variance by its time of day (`--tod-variance`).
    pub tod_variance: bool,
    /// The source stamps a bar with its end, not its start (`--bar-label end`).
    pub bar_label_end: bool,
    /// The windows as written (`-30m:2h`), for the outputs.
    pub window: TimedWindow,
    pub car_windows: Vec<TimedWindow>,
}

impl IntradaySettings {
    pub fn minutes(&self) -> u32 {
        self.interval.minutes().unwrap_or(1)
    }
}

impl StudySettings {
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

    /// The conventions every output prints (METHODS.md).
    pub fn conventions(&self) -> Conventions {
        let model = self.model;
        Conventions {
            model,
            returns: self.returns,
            estimation: self.estimation,
            window: self.window,
            car_windows: self.car_windows.iter().map(ToString::to_string).collect(),
            non_trading: self.non_trading,
            after_close: self.after_close,
            min_estimation: self.min_estimation,
            sigma_divisor: match model {
                ModelKind::Garch => "none (sigma^2 = mean GARCH h_t)",
                _ if model.is_estimated() => "L-k",
                _ => "L",
            },
            prediction_error_correction: model.corrects_prediction_error(),
            calendar: "benchmark",
            return_price: "adj_close",
            p_values: "two-sided; Student t (L-k dof) for one event; t (N-1 dof) or normal for the aggregate tests",
            factors: self.factors.iter().map(|p| p.display().to_string()).collect(),
            dimson_lags: match model {
                ModelKind::Dimson(lags) => Some(lags),
                _ => None,
            },
            bhar_windows: self.bhar_windows.iter().map(ToString::to_string).collect(),
            bootstrap: (!self.bhar_windows.is_empty()).then_some(BootstrapConventions {
                draws: self.bootstrap.draws,
                seed: self.bootstrap.seed,
                sample: "N/4 events (at least 2), with replacement",
            }),
            cross_section: self.cross_section.clone(),
            cross_section_se: (!self.cross_section.is_empty()).then_some(self.cross_section_se),
            group_by: self.group_by.clone(),
            adjust: self.adjust,
            calendar_time: self.calendar_time.iter().map(ToString::to_string).collect(),
            calendar_weights: (!self.calendar_time.is_empty()).then_some(self.calendar_weights),
        }
    }

    /// Checks an event's windows as far as they are known before any data is read (relative
    /// windows; dated ones are checked once day 0 is known).
    pub fn validate_event(&self, event: &EventSpec) -> Result<()> {
        let (Some(estimation), Some(window)) =
            (event.estimation.relative(), event.window.relative())
        else {
            return Ok(());
        };
        validate_design(&self.design(estimation, window)).map_err(|e| match (&event.row, e) {
            (Some(row), Error::Usage(m)) => Error::usage(format!("row {row}: {m}")),
            (_, e) => e,
        })
    }
}

/// Where prices and share counts come from.
#[derive(Debug, Clone)]
pub struct DataSettings {
    pub source: SourceSpec,
    /// The local price store (`--data-dir`).
    pub data_dir: PathBuf,
    /// Fetch what is missing, never fetch, or fetch everything again.
    pub store_mode: StoreMode,
    pub shares: SharesSpec,
}

/// The events of a run: given on the command line, or a batch file the plan stage reads.
#[derive(Debug, Clone)]
pub enum EventInput {
    List(Vec<EventSpec>),
    /// A batch file; rows that name no benchmark or windows take these.
    File {
        path: PathBuf,
        defaults: EventDefaults,
        /// The file's text when it is in memory (a table handed over by the Python package,
        /// written as CSV): then `path` only names it, in messages and the run folder.
        text: Option<std::sync::Arc<[u8]>>,
    },
}

/// Everything `eventstudy run` and `eventstudy batch` need, validated.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub events: EventInput,
    pub study: StudySettings,
    pub data: DataSettings,
    pub output: OutputSettings,
}

impl RunOptions {
    /// Checks what can be checked before any file is read: the model against its parameters
    /// and factor files, the market-value window against the CAR windows, and the events'
    /// relative windows (a batch file's rows are checked when the plan reads them).
    pub fn new(
        events: EventInput,
        study: StudySettings,
        data: DataSettings,
        output: OutputSettings,
    ) -> Result<Self> {
        validate_model(study.model, study.min_estimation)?;
        if let Some(intraday) = &study.intraday {
            validate_intraday(&study, intraday)?;
        }
        if !study.car_windows.contains(&output.mv_window) {
            return Err(Error::usage(format!(
                "--mv-window {} is not one of the --car windows",
                output.mv_window
            )));
        }
        if study.model.uses_factors() && study.factors.is_empty() {
            return Err(Error::usage(format!(
                "--model {} needs --factors FILE (Kenneth French's daily CSV)",
                study.model
            )));
        }
        if let EventInput::List(events) = &events {
            for event in events {
                study.validate_event(event)?;
            }
        }
        Ok(RunOptions {
            events,
            study,
            data,
            output,
        })
    }
}

/// What `eventstudy simulate` draws and adds (METHODS, "Power and size by simulation").
#[derive(Debug, Clone, PartialEq)]
pub struct SimulationSettings {
    pub events: usize,
    pub trials: usize,
    pub shocks: Vec<f64>,
    pub shock_window: RelWindow,
    pub seed: u64,
    pub cluster: bool,
    pub level: f64,
}

/// Everything `eventstudy simulate` needs, validated.
#[derive(Debug, Clone)]
pub struct SimulateOptions {
    pub study: StudySettings,
    pub data: DataSettings,
    pub output: OutputSettings,
    pub benchmark: Ticker,
    /// The firms to draw from; `None`: every symbol of the source but the benchmark.
    pub tickers: Option<Vec<Ticker>>,
    pub simulation: SimulationSettings,
}

impl SimulateOptions {
    /// The study design every pseudo-event shares; a usage error when the windows conflict or
    /// the model lacks its factor file.
    pub fn design(&self) -> Result<StudyDesign> {
        let study = &self.study;
        validate_model(study.model, study.min_estimation)?;
        if study.model.uses_factors() && study.factors.is_empty() {
            return Err(Error::usage(format!(
                "--model {} needs --factors FILE (Kenneth French's daily CSV)",
                study.model
            )));
        }
        let (WindowSpec::Relative(estimation), WindowSpec::Relative(window)) =
            (study.estimation, study.window)
        else {
            return Err(Error::usage(
                "simulate needs --estimation and --window in trading days",
            ));
        };
        let design = study.design(estimation, window);
        validate_design(&design)?;
        Ok(design)
    }
}

/// Everything `eventstudy fetch` needs.
#[derive(Debug, Clone)]
pub struct FetchOptions {
    pub tickers: Vec<Ticker>,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Daily prices, or intraday bars into the store's archive.
    pub interval: Interval,
    pub data_dir: PathBuf,
    pub store_mode: StoreMode,
    pub format: OutputFormat,
    pub quiet: bool,
}

/// Everything `eventstudy store list` needs.
#[derive(Debug, Clone)]
pub struct StoreListOptions {
    pub data_dir: PathBuf,
    pub format: OutputFormat,
}

/// A command with its validated settings: what `main` hands to [`crate::commands`].
#[derive(Debug, Clone)]
pub enum CommandOptions {
    Study(Box<RunOptions>),
    Simulate(Box<SimulateOptions>),
    Fetch(FetchOptions),
    StoreList(StoreListOptions),
    Doctor(DoctorOptions, OutputFormat),
    Synthetic(SyntheticOptions),
    /// A text made from the command line itself (completions, the man page): printed as is.
    Text(String),
    /// `man --all DIR`: every manual page, as (file name, roff), to write into `dir`.
    ManPages {
        dir: PathBuf,
        pages: Vec<(String, String)>,
    },
    /// `config show`, with the `--config` file if one was named.
    ConfigShow(Option<PathBuf>),
}

impl CommandOptions {
    /// The stdout format, and whether `--quiet` silences stdout: it silences the readable
    /// table, never the JSON or CSV a script asked for.
    pub fn stdout(&self) -> (OutputFormat, bool) {
        let (format, quiet) = match self {
            CommandOptions::Study(o) => (o.output.format, o.output.quiet),
            CommandOptions::Simulate(o) => (o.output.format, o.output.quiet),
            CommandOptions::Fetch(o) => (o.format, o.quiet),
            CommandOptions::StoreList(o) => (o.format, false),
            CommandOptions::Doctor(_, format) => (*format, false),
            CommandOptions::Synthetic(_)
            | CommandOptions::Text(_)
            | CommandOptions::ManPages { .. }
            | CommandOptions::ConfigShow(_) => (OutputFormat::Table, false),
        };
        (format, quiet && format == OutputFormat::Table)
    }
}

/// The config file read when none is named.
pub const DEFAULT_CONFIG_FILE: &str = "eventstudy.toml";

/// The config file in effect: the one named (`--config`, `EVENTSTUDY_CONFIG`), else
/// `./eventstudy.toml` when it exists.
pub fn locate_config(named: Option<PathBuf>) -> Option<PathBuf> {
    named.or_else(|| {
        let default = PathBuf::from(DEFAULT_CONFIG_FILE);
        default.is_file().then_some(default)
    })
}

/// The store mode from `--offline` and `--refresh`.
pub fn store_mode(offline: bool, refresh: bool) -> StoreMode {
    match (offline, refresh) {
        (true, _) => StoreMode::Offline,
        (false, true) => StoreMode::Refresh,
        (false, false) => StoreMode::Update,
    }
}

/// Parses `--date`: a date, or an instant with a UTC offset.
pub fn parse_event_when(raw: &str) -> Result<EventWhen> {
    EventWhen::parse(raw).map_err(Error::usage)
}

/// Parses an IANA time zone name (`America/New_York`, `Asia/Hong_Kong`).
pub fn parse_zone(raw: &str) -> Result<chrono_tz::Tz> {
    raw.trim().parse().map_err(|_| {
        Error::usage(format!(
            "'{raw}' is not an IANA time zone (America/New_York, Asia/Hong_Kong, Europe/London)"
        ))
    })
}

/// Parses `YYYY-MM-DD`, in the years 1800 to 2200.
pub fn parse_date(raw: &str) -> Result<NaiveDate> {
    crate::util::parse_day(raw).map_err(|why| match why.contains("outside") {
        true => Error::usage(format!("date {why}")),
        false => Error::usage(format!("date '{raw}' is not a valid YYYY-MM-DD date")),
    })
}

/// Checks a design's windows against each other: the estimation window must end before the
/// event window starts, or the event would contaminate its own benchmark. A CAR window that
/// does not fit the event window is not an error: it is left out (null, with a note) for that
/// event ([`crate::study::engine`]), so that a batch row with a short window of its own still
/// runs.
pub fn validate_design(design: &StudyDesign) -> Result<()> {
    if design.estimation.end >= design.window.start {
        return Err(Error::usage(format!(
            "the estimation window {} must end before the event window {} starts",
            design.estimation, design.window
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

/// What an intraday study cannot do: factor models need intraday factors, the thin-trading
/// betas, GARCH and buy-and-hold windows are daily ideas, and dated windows name days.
fn validate_intraday(study: &StudySettings, intraday: &IntradaySettings) -> Result<()> {
    let interval = intraday.interval;
    // GARCH on bars would need the overnight bar and the time-of-day profile inside its
    // recursion: daily only.
    if study.model.uses_factors()
        || study.model.is_thin_trading()
        || study.model == ModelKind::Garch
    {
        return Err(Error::usage(format!(
            "--model {} is not available with --interval {interval}: use market, market-adjusted or mean-adjusted",
            study.model
        )));
    }
    if !study.bhar_windows.is_empty() {
        return Err(Error::usage(format!(
            "--bhar is for daily studies, not --interval {interval}"
        )));
    }
    if !study.cross_section.is_empty() {
        return Err(Error::usage(format!(
            "--cross-section is for daily studies, not --interval {interval}"
        )));
    }
    if study.group_by.is_some() {
        return Err(Error::usage(format!(
            "--group-by is for daily studies, not --interval {interval}"
        )));
    }
    if !study.calendar_time.is_empty() {
        return Err(Error::usage(format!(
            "--calendar-time is for daily studies, not --interval {interval}"
        )));
    }
    if intraday.estimation_sessions == 0 {
        return Err(Error::usage("--estimation-sessions must be at least 1"));
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
        // A CAR window outside the event window is left out per event, not refused.
        let mut d = default_design();
        d.car_windows.push(RelWindow::new(-20, 0).unwrap());
        assert!(validate_design(&d).is_ok());
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
