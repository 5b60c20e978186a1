//! The flags of `run` and `batch`: the events, the study design (daily or intraday), the
//! data and the outputs, and their conversion into validated options.

use std::path::PathBuf;
use std::str::FromStr;

use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::Args;

use super::{one_of, parse_shares, PathList, StoreArgs, TickerList, WindowList};
use crate::error::{Error, Result};
use crate::event::{EventSpec, EventWhen};
use crate::options::{
    parse_event_when, parse_zone, store_mode, ChartFormats, ChartSize, ChartsMode, DataSettings,
    EventDefaults, EventInput, IntradaySettings, OutputFormat, OutputSettings, RunOptions,
    SharesSpec, SourceSpec, StudySettings, TableFormats,
};
use crate::study::adjust::PAdjust;
use crate::study::bars::{parse_timed_windows, Interval, TimedWindow, WindowEnd};
use crate::study::bhar::Bootstrap;
use crate::study::calendar_time::CalendarWeights;
use crate::study::regression::StandardErrors;
use crate::study::{ModelKind, NonTrading, RelWindow, ReturnKind, WindowSpec};
use crate::ticker::Ticker;

/// A comma-separated list of CAR windows, in periods or (intraday) in time (`0:0,0:15m`).
#[derive(Debug, Clone)]
pub struct TimedWindowList(pub Vec<TimedWindow>);

impl FromStr for TimedWindowList {
    type Err = Error;
    fn from_str(raw: &str) -> Result<Self> {
        parse_timed_windows(raw).map(TimedWindowList)
    }
}

/// `--window`: periods or dates (`-5:5`, `2025-01-20..2025-02-03`), or a time (`-30m:2h`).
#[derive(Debug, Clone)]
pub enum WindowArg {
    Spec(WindowSpec),
    Timed(TimedWindow),
}

impl FromStr for WindowArg {
    type Err = Error;
    fn from_str(raw: &str) -> Result<Self> {
        match raw.parse::<TimedWindow>() {
            Ok(timed) if timed.has_time() => Ok(WindowArg::Timed(timed)),
            _ => raw.parse::<WindowSpec>().map(WindowArg::Spec),
        }
    }
}

/// Which of the windows' flags took their built-in default (the intraday study has its own).
#[derive(Debug, Clone, Copy, Default)]
pub struct Defaulted {
    pub estimation: bool,
    pub window: bool,
    pub car: bool,
    pub min_estimation: bool,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Ticker symbol(s), comma-separated (e.g. NVDA or NVDA,AVGO,TSM): one event each
    #[arg(short, long, value_name = "SYMBOLS")]
    pub ticker: TickerList,

    /// Event date, YYYY-MM-DD (a weekend or holiday resolves per --non-trading), or the time
    /// the news came out with its UTC offset, 2025-01-29T01:00+08:00 or 2025-01-27T14:30Z
    /// (placed in the exchange's session: pre-market, in session, after close)
    #[arg(short, long, value_name = "DATE|TIME", value_parser = parse_event_when)]
    pub date: EventWhen,

    /// Benchmark symbol whose returns are the market and whose calendar is event time
    #[arg(short, long, value_name = "SYMBOL", default_value = "^GSPC")]
    pub benchmark: Ticker,

    /// Name of the run folder, letters, digits, - _ and . (default: portfolio_<DATE>)
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,

    #[command(flatten)]
    pub study: StudyArgs,
}

#[derive(Debug, Args)]
pub struct BatchArgs {
    /// CSV of events: ticker,date[,benchmark][,label][,estimation][,window] (a row's
    /// benchmark and windows override the flags)
    #[arg(short, long, value_name = "CSV")]
    pub events: PathBuf,

    /// Benchmark of the rows that name none
    #[arg(short, long, value_name = "SYMBOL", default_value = "^GSPC")]
    pub benchmark: Ticker,

    /// Name of the run folder, letters, digits, - _ and . (default: portfolio_<EVENTS FILE NAME>)
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,

    /// Regress each CAR window's CARs on these numeric columns of the events file,
    /// comma-separated (e.g. beta,log_mv); events with an empty cell are left out and counted
    #[arg(long, value_name = "COLUMNS")]
    pub cross_section: Option<String>,

    /// Standard errors of the cross-sectional regression: hc3 (MacKinnon-White), hc1, hc0
    /// (White) or ols
    #[arg(long, value_name = "KIND", default_value = "hc3", value_parser = PossibleValuesParser::new(StandardErrors::NAMES).try_map(|n| n.parse::<StandardErrors>()))]
    pub cross_section_se: StandardErrors,

    /// Calendar-time portfolio windows, comma-separated START:END trading days relative to
    /// day 0 (e.g. 0:20,0:60): each day's portfolio of the firms inside their window,
    /// regressed on the model's factors (market, capm, ff3, carhart, ff5)
    #[arg(long, value_name = "WINDOWS", allow_hyphen_values = true)]
    pub calendar_time: Option<WindowList>,

    /// Weights of the calendar-time portfolio: equal, or value (market value at day -1;
    /// needs share counts)
    #[arg(long, value_name = "WEIGHTS", default_value = "equal", value_parser = one_of::<CalendarWeights>(&CalendarWeights::NAMES))]
    pub calendar_weights: CalendarWeights,

    /// Compare the CARs of the groups named by this column of the events file (e.g.
    /// sector): each group's CAAR and t per CAR window, and the difference by Welch's t and
    /// the rank-sum test (two groups; with more, each group against the rest)
    #[arg(long, value_name = "COLUMN")]
    pub group_by: Option<String>,

    #[command(flatten)]
    pub study: StudyArgs,
}

/// The flags `run` and `batch` share.
#[derive(Debug, Args)]
pub struct StudyArgs {
    /// Where prices come from: yahoo (fetched into the local store, reused from it), or
    /// csv:DIR, which reads DIR/<SYMBOL>.csv (date,...,close,adj_close,...)
    #[arg(long, value_name = "SOURCE", default_value = "yahoo")]
    pub source: SourceSpec,

    #[command(flatten)]
    pub store: StoreArgs,

    /// Never touch the network: use only what the local store holds
    #[arg(long, conflicts_with = "refresh")]
    pub offline: bool,

    /// Fetch the prices again even when the store has them
    #[arg(long)]
    pub refresh: bool,

    /// Estimation window: START:END trading days relative to day 0 (inclusive), or dates
    /// FROM..TO (YYYY-MM-DD..YYYY-MM-DD)
    #[arg(
        long,
        value_name = "WINDOW",
        default_value = "-250:-11",
        allow_hyphen_values = true
    )]
    pub estimation: WindowSpec,

    /// Event window: START:END trading days relative to day 0 (inclusive), or dates FROM..TO;
    /// with --interval, bars or times (-30m:2h) relative to the event bar [intraday default:
    /// -30m:2h]
    #[arg(
        long,
        value_name = "WINDOW",
        default_value = "-5:5",
        allow_hyphen_values = true
    )]
    pub window: WindowArg,

    /// CAR windows, comma-separated START:END; a window that does not fit an event's own event
    /// window is left out (null, with a note) for that event [intraday default:
    /// 0:0,0:15m,0:1h and the event window]
    #[arg(
        long,
        value_name = "WINDOWS",
        default_value = "0:0,-1:1,0:1,-5:5",
        allow_hyphen_values = true
    )]
    pub car: TimedWindowList,

    /// Bar length: 1d (the daily study) or intraday bars. An intraday event is a time with its
    /// UTC offset; its windows count bars of the regular session or take a unit (-30m:2h)
    #[arg(long, value_name = "INTERVAL", default_value = "1d", value_parser = one_of::<Interval>(&Interval::NAMES))]
    pub interval: Interval,

    /// Intraday: fit the model on the within-session returns of this many sessions before the
    /// event's
    #[arg(long, value_name = "N", default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub estimation_sessions: u32,

    /// Intraday: scale each bar's variance by its time of day (the estimation sessions'
    /// profile: busy opens and closes, quiet lunches)
    #[arg(long)]
    pub tod_variance: bool,

    /// Intraday: whether the source stamps a bar with its start (Yahoo) or its end
    #[arg(long, value_name = "LABEL", default_value = "start", value_parser = ["start", "end"])]
    pub bar_label: String,

    /// Which window flags took their default (set after parsing).
    #[arg(skip)]
    pub defaulted: Defaulted,

    /// Buy-and-hold abnormal return windows, comma-separated START:END trading days relative
    /// to day 0 (e.g. 0:20,0:60,0:120); any span the data covers, not only the event window
    #[arg(long, value_name = "WINDOWS", allow_hyphen_values = true)]
    pub bhar: Option<WindowList>,

    /// Bootstrap resamples of the skewness-adjusted BHAR t (--bhar)
    #[arg(long, value_name = "B", default_value_t = 1000, value_parser = clap::value_parser!(u32).range(99..=1_000_000))]
    pub bootstrap: u32,

    /// Adjust each family of p-values for multiple testing (an event's days, its CAR
    /// windows, each portfolio test over the days and over the windows): holm, bh
    /// (Benjamini-Hochberg) or bonferroni; every p gains a p_adj, stars follow it
    #[arg(long, value_name = "METHOD", value_parser = one_of::<PAdjust>(&PAdjust::NAMES))]
    pub adjust: Option<PAdjust>,

    /// Seed of the bootstrap: the same seed gives the same p-values on every run
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub bootstrap_seed: u64,

    /// Normal-return model; capm, ff3, carhart and ff5 need --factors; scholes-williams and
    /// dimson correct beta for thin trading
    #[arg(long, value_name = "MODEL", default_value = "market", value_parser = one_of::<ModelKind>(&ModelKind::NAMES))]
    pub model: ModelKind,

    /// Lags (and leads) of the market in a Dimson beta (--model dimson)
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u8).range(1..=ModelKind::MAX_DIMSON_LAGS as i64))]
    pub dimson_lags: u8,

    /// Kenneth French daily factor file(s), comma-separated, as published (percent units):
    /// F-F_Research_Data_Factors_daily.CSV, ..._5_Factors_2x3_daily.CSV, F-F_Momentum_Factor_daily.CSV
    #[arg(long, value_name = "FILES")]
    pub factors: Option<PathList>,

    /// Return definition: simple P_t/P_{t-1}-1 or log ln(P_t/P_{t-1})
    #[arg(long, value_name = "KIND", default_value = "simple", value_parser = one_of::<ReturnKind>(&ReturnKind::NAMES))]
    pub returns: ReturnKind,

    /// Day 0 when the date is not a trading day: the next or previous trading day, or skip
    #[arg(long, value_name = "RULE", default_value = "next", value_parser = one_of::<NonTrading>(&NonTrading::NAMES))]
    pub non_trading: NonTrading,

    /// The news came after the close: day 0 is the next trading day (for plain dates; an
    /// instant is placed by its time)
    #[arg(long)]
    pub after_close: bool,

    /// The exchange's time zone for event instants (e.g. Asia/Hong_Kong); default: the
    /// store's record of the symbol's exchange, else America/New_York
    #[arg(long, value_name = "ZONE", value_parser = parse_zone)]
    pub exchange_tz: Option<chrono_tz::Tz>,

    /// Fewest valid estimation returns for an event to run [intraday default: half the
    /// sessions' within-session returns, at most 120]
    #[arg(long, value_name = "N", default_value_t = 120)]
    pub min_estimation: usize,

    /// Shares outstanding, for market value (overrides --shares-file and SEC EDGAR)
    #[arg(long, value_name = "N", conflicts_with = "shares_file", value_parser = parse_shares)]
    pub shares: Option<f64>,

    /// CSV of share counts: ticker,shares_outstanding,as_of[,adr_ratio]; the latest row on or
    /// before day -1 is used, else the earliest after. Without it (and with --source yahoo)
    /// the count comes from SEC EDGAR
    #[arg(long, value_name = "CSV")]
    pub shares_file: Option<PathBuf>,

    /// The CAR window of the market-value-by-ticker chart: one of --car (default: the first)
    #[arg(long, value_name = "START:END", allow_hyphen_values = true)]
    pub mv_window: Option<RelWindow>,

    /// Output folder: <OUT>/<TICKER>_<DATE>/ per event, <OUT>/<NAME>/ for the portfolio
    #[arg(short, long, value_name = "DIR", default_value = "output")]
    pub out: PathBuf,

    /// What to print on stdout: a readable table, the JSON summary, or the AR table as CSV
    #[arg(short, long, value_name = "FORMAT", default_value = "table", value_parser = one_of::<OutputFormat>(&OutputFormat::NAMES))]
    pub format: OutputFormat,

    /// Do not render PNG charts
    #[arg(long)]
    pub no_charts: bool,

    /// Render only the portfolio charts, not each event's (large batches)
    #[arg(long, conflicts_with = "no_charts")]
    pub no_event_charts: bool,

    /// A folder per event (summary, tables, charts) however many events the run has; by
    /// default runs of up to 50 events get them, larger ones only the run folder's tables
    #[arg(long, conflicts_with = "no_event_files")]
    pub event_files: bool,

    /// No folder per event, however few: the run folder's tables hold every event
    #[arg(long)]
    pub no_event_files: bool,

    /// Formats of the run folder's tables, comma-separated: parquet and csv (files in tables/),
    /// xlsx (tables.xlsx, a sheet per table, for Excel). A million events' CSV tables are
    /// 4.6 GB and half the run's time: `--tables parquet` leaves them out
    #[arg(long, value_name = "FORMATS", default_value = "parquet,csv")]
    pub tables: TableFormats,

    /// Chart size in pixels (an SVG's size in its user units)
    #[arg(long, value_name = "WxH", default_value = "1600x900")]
    pub size: ChartSize,

    /// Chart file formats: png, svg (vector, its text editable), or png,svg
    #[arg(long, value_name = "FORMATS", default_value = "png")]
    pub chart_format: ChartFormats,

    /// No progress or warnings on stderr, and no table on stdout (JSON/CSV still print)
    #[arg(short, long)]
    pub quiet: bool,
}

impl StudyArgs {
    /// Groups the values: the study design, the data sources and the outputs.
    pub(super) fn into_settings(
        self,
        portfolio_name: String,
    ) -> Result<(StudySettings, DataSettings, OutputSettings)> {
        let intraday = self.intraday_settings()?;
        let shares = match (self.shares, self.shares_file) {
            (Some(n), _) => SharesSpec::Count(n),
            (None, Some(path)) => SharesSpec::File(path),
            (None, None) => SharesSpec::None,
        };
        let (window, car_windows, min_estimation) = match &intraday {
            Some(bars) => {
                let minutes = bars.minutes();
                let car = bars
                    .car_windows
                    .iter()
                    .map(|w| w.resolve(bars.interval))
                    .collect::<Result<Vec<_>>>()?;
                let min = match self.defaulted.min_estimation {
                    true => intraday_min_estimation(minutes, bars.estimation_sessions),
                    false => self.min_estimation,
                };
                let window = bars.window.resolve(bars.interval)?;
                (WindowSpec::Relative(window), car, min)
            }
            None => {
                let window = match self.window {
                    WindowArg::Spec(spec) => spec,
                    WindowArg::Timed(w) => w.resolve(Interval::Day).map(WindowSpec::Relative)?,
                };
                let car = self
                    .car
                    .0
                    .iter()
                    .map(|w| w.resolve(Interval::Day))
                    .collect::<Result<Vec<_>>>()?;
                (window, car, self.min_estimation)
            }
        };
        // The estimation of an intraday event is its sessions before; the plan's checks see
        // every bar before the window.
        let estimation = match (&intraday, window) {
            (Some(_), WindowSpec::Relative(w)) => WindowSpec::Relative(RelWindow {
                start: w.start.saturating_sub(1_000_000),
                end: w.start - 1,
            }),
            _ => self.estimation,
        };
        // The market-value chart's window: the first CAR window unless named.
        let mv_window = self
            .mv_window
            .or(car_windows.first().copied())
            .unwrap_or(RelWindow { start: 0, end: 0 });
        let study = StudySettings {
            model: match self.model {
                ModelKind::Dimson(_) => ModelKind::Dimson(self.dimson_lags),
                model => model,
            },
            returns: self.returns,
            estimation,
            window,
            car_windows,
            min_estimation,
            factors: self.factors.map(|f| f.0).unwrap_or_default(),
            non_trading: self.non_trading,
            after_close: self.after_close,
            exchange_tz: self.exchange_tz,
            bhar_windows: self.bhar.map(|w| w.0).unwrap_or_default(),
            bootstrap: Bootstrap {
                draws: self.bootstrap as usize,
                seed: self.bootstrap_seed,
            },
            cross_section: Vec::new(),
            cross_section_se: StandardErrors::default(),
            group_by: None,
            intraday,
            adjust: self.adjust,
            calendar_time: Vec::new(),
            calendar_weights: CalendarWeights::default(),
        };
        let data = DataSettings {
            source: self.source,
            data_dir: self.store.data_dir,
            store_mode: store_mode(self.offline, self.refresh),
            shares,
        };
        let output = OutputSettings {
            out_dir: self.out,
            portfolio_name,
            format: self.format,
            charts: match (self.no_charts, self.no_event_charts) {
                (true, _) => ChartsMode::None,
                (false, true) => ChartsMode::PortfolioOnly,
                (false, false) => ChartsMode::All,
            },
            chart_files: crate::chart::ChartFiles {
                size: self.size,
                formats: self.chart_format,
            },
            mv_window,
            quiet: self.quiet,
            event_files: match (self.event_files, self.no_event_files) {
                (true, _) => Some(true),
                (false, true) => Some(false),
                (false, false) => None,
            },
            tables: self.tables,
        };
        Ok((study, data, output))
    }

    /// The intraday settings with `--interval 1m..90m`; the windows default to times (the
    /// first half hour before, two hours after; CARs over the event bar, 15 minutes and an
    /// hour), rounded up to whole bars. `--estimation` names days: refused with bars.
    fn intraday_settings(&self) -> Result<Option<IntradaySettings>> {
        let Interval::Minutes(minutes) = self.interval else {
            for flag in [
                (self.estimation_sessions != 20, "--estimation-sessions"),
                (self.tod_variance, "--tod-variance"),
                (self.bar_label != "start", "--bar-label"),
            ] {
                if flag.0 {
                    return Err(Error::usage(format!("{} needs --interval 1m..90m", flag.1)));
                }
            }
            return Ok(None);
        };
        if !self.defaulted.estimation {
            return Err(Error::usage(
                "--estimation names days: with --interval, use --estimation-sessions N",
            ));
        }
        if self.tables.xlsx() {
            return Err(Error::usage(
                "--tables xlsx is for daily studies: an intraday run's tables are bars.csv, car.csv and events.csv",
            ));
        }
        let window = match (&self.window, self.defaulted.window) {
            (_, true) => TimedWindow {
                start: time_in_bars(-30, minutes),
                end: time_in_bars(120, minutes),
            },
            (WindowArg::Timed(w), false) => *w,
            (WindowArg::Spec(WindowSpec::Relative(w)), false) => TimedWindow::from(*w),
            (WindowArg::Spec(WindowSpec::Dates { .. }), false) => {
                return Err(Error::usage(
                    "--window in dates is for daily studies: with --interval give bars or times (-30m:2h)",
                ))
            }
        };
        let car_windows = match self.defaulted.car {
            false => self.car.0.clone(),
            true => {
                let mut car: Vec<TimedWindow> = Vec::new();
                for end in [0, 15, 60] {
                    let w = TimedWindow {
                        start: WindowEnd::Periods(0),
                        end: time_in_bars(end, minutes),
                    };
                    if !car
                        .iter()
                        .any(|c| c.resolve(self.interval).ok() == w.resolve(self.interval).ok())
                    {
                        car.push(w);
                    }
                }
                if !car.contains(&window) {
                    car.push(window);
                }
                car
            }
        };
        Ok(Some(IntradaySettings {
            interval: self.interval,
            estimation_sessions: self.estimation_sessions as usize,
            tod_variance: self.tod_variance,
            bar_label_end: self.bar_label == "end",
            window,
            car_windows,
        }))
    }
}

/// `minutes_from_event` as a window end: the time when the interval divides it, else the
/// whole number of bars that covers it.
fn time_in_bars(minutes_from_event: i32, minutes: u32) -> WindowEnd {
    let m = minutes as i32;
    match minutes_from_event % m {
        _ if minutes_from_event == 0 => WindowEnd::Periods(0),
        0 => WindowEnd::Minutes(minutes_from_event),
        _ => {
            WindowEnd::Periods(minutes_from_event.signum() * (minutes_from_event.abs() + m - 1) / m)
        }
    }
}

/// The intraday `--min-estimation` default: half the within-session returns of the
/// estimation sessions (a session of 09:30-16:00 holds 390 / minutes bars, the first of
/// them overnight), at most 120, at least 10.
fn intraday_min_estimation(minutes: u32, sessions: usize) -> usize {
    let per_session = 390usize.div_ceil(minutes as usize) - 1;
    (per_session * sessions / 2).clamp(10, 120)
}

/// `--cross-section`: column names, comma-separated, each once.
fn parse_column_list(raw: &str) -> Result<Vec<String>> {
    let mut columns: Vec<String> = Vec::new();
    for name in raw.split(',').map(|c| c.trim().to_ascii_lowercase()) {
        if name.is_empty() {
            continue;
        }
        if columns.contains(&name) {
            return Err(Error::usage(format!(
                "--cross-section names the column '{name}' twice"
            )));
        }
        columns.push(name);
    }
    if columns.is_empty() {
        return Err(Error::usage(
            "--cross-section needs at least one column of the events file",
        ));
    }
    Ok(columns)
}

/// The run folder's name: `--name` as given, which must already be a plain folder name (a
/// path or odd characters are refused, not silently renamed); else `default`, cleaned.
pub(super) fn run_folder_name(given: Option<String>, default: String) -> Result<String> {
    let Some(given) = given else {
        return folder_name(&default);
    };
    let clean = folder_name(&given)?;
    if clean != given {
        return Err(Error::usage(format!(
            "--name '{}' may only use letters, digits, '-', '_' and '.' (a folder name, not a path: --out chooses where), e.g. '{clean}'",
            crate::util::cut_for_message(&given, 60)
        )));
    }
    Ok(clean)
}

/// A folder name from user text: letters, digits, `-`, `_`, `.`.
fn folder_name(raw: &str) -> Result<String> {
    let clean: String = raw
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    if clean.trim_matches('.').is_empty() {
        return Err(Error::usage(format!(
            "--name '{raw}' is not a usable folder name"
        )));
    }
    Ok(clean)
}

impl RunArgs {
    /// Validated options: one event per ticker.
    pub fn into_options(self) -> Result<RunOptions> {
        let date = self.date.date();
        let instant = self.date.instant();
        let name = run_folder_name(self.name, format!("portfolio_{date}"))?;
        let (study, data, output) = self.study.into_settings(name)?;
        let events = self
            .ticker
            .0
            .into_iter()
            .map(|ticker| EventSpec {
                ticker,
                date,
                instant: instant.clone(),
                benchmark: self.benchmark.clone(),
                label: None,
                row: None,
                estimation: study.estimation,
                window: study.window,
                characteristics: Vec::new(),
                group: None,
            })
            .collect();
        RunOptions::new(EventInput::List(events), study, data, output)
    }
}

impl BatchArgs {
    /// Validated options; the events file is read by the plan stage.
    pub fn into_options(self) -> Result<RunOptions> {
        let stem = self
            .events
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "batch".into());
        let name = run_folder_name(self.name, format!("portfolio_{stem}"))?;
        let (mut study, data, output) = self.study.into_settings(name)?;
        study.cross_section = match &self.cross_section {
            Some(raw) => parse_column_list(raw)?,
            None => Vec::new(),
        };
        study.cross_section_se = self.cross_section_se;
        study.calendar_time = self.calendar_time.map(|w| w.0).unwrap_or_default();
        study.calendar_weights = self.calendar_weights;
        study.group_by = self.group_by;
        let defaults = EventDefaults {
            benchmark: self.benchmark,
            estimation: study.estimation,
            window: study.window,
            characteristics: study.cross_section.clone(),
            group_by: study.group_by.clone(),
        };
        let events = EventInput::File {
            path: self.events,
            defaults,
            text: None,
        };
        RunOptions::new(events, study, data, output)
    }
}
