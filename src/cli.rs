//! The command line: clap definitions and their conversion into validated [`crate::options`].
//!
//! Each flag is parsed once, by clap, into its type (a value that does not parse is a usage
//! error naming the flag); the conversion below only groups the values and runs the checks
//! that involve several flags ([`RunOptions::new`]). Nothing here reads a file.

use std::path::PathBuf;
use std::str::FromStr;

use chrono::NaiveDate;
use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{Args, Parser, Subcommand};

use crate::error::{Error, Result};
use crate::event::{EventSpec, EventWhen};
use crate::options::IntradaySettings;
use crate::options::{
    parse_date, parse_event_when, parse_zone, store_mode, ChartSize, ChartsMode, CommandOptions,
    DataSettings, DoctorOptions, EventDefaults, EventInput, FetchOptions, OutputFormat,
    OutputSettings, RunOptions, SharesSpec, SourceSpec, StoreListOptions, StudySettings,
    SyntheticOptions, TableFormats,
};
use crate::study::bars::{parse_timed_windows, Interval, TimedWindow, WindowEnd};
use crate::study::bhar::Bootstrap;
use crate::study::regression::StandardErrors;
use crate::study::{
    window::parse_window_list, ModelKind, NonTrading, RelWindow, ReturnKind, WindowSpec,
};
use crate::ticker::{parse_ticker_list, Ticker};

const EXIT_CODES: &str = "\
Exit codes:
  0  success (with several tickers: at least one event ran; the others are listed as excluded)
  1  an output could not be written, or an internal error
  2  usage or input error: a bad flag or value, an unreadable or malformed file
  3  data missing or insufficient: no prices for a symbol, event outside the data,
     too few estimation days";

const RUN_EXAMPLES: &str = "\
Examples:
  # Nvidia on the DeepSeek news: prices from Yahoo (kept in notebooks-data/), shares from SEC
  eventstudy run --ticker NVDA --date 2025-01-27

  # The AI trade on that day: one event per ticker, plus the portfolio (AAR, CAAR, tests)
  eventstudy run --ticker NVDA,AVGO,TSM,MRVL,ARM,MU,ASML,VST,CEG --date 2025-01-27

  # The same offline, from the example data in the repository (a folder of <SYMBOL>.csv files)
  eventstudy run --ticker NVDA --date 2025-01-27 --source csv:examples/prices \\
      --shares-file examples/shares_outstanding.csv

  # From cron: only what the store already holds, JSON for a script
  eventstudy run --ticker NVDA --date 2025-01-27 --offline --format json --quiet

  # Several tickers, one output folder each, JSON on stdout for a script
  eventstudy run --ticker NVDA,AVGO,TSM --date 2025-01-27 --source csv:prices --format json

  # Log returns, a Nasdaq benchmark, a three-day CAR only, no charts
  eventstudy run --ticker BABA --date 2025-01-29 --benchmark ^IXIC --returns log \\
      --car -1:1 --no-charts --source csv:prices

  # News at a time, in Beijing: placed in the New York session (noon on the 28th)
  eventstudy run --ticker BABA --date 2025-01-29T01:00+08:00

  # A thinly traded stock: Dimson's beta with two lags and leads of the market
  eventstudy run --ticker ARM --date 2025-01-27 --model dimson --dimson-lags 2";

#[derive(Debug, Parser)]
#[command(
    name = "eventstudy",
    version,
    about = "Measure how much a piece of news moved a stock beyond what the market did",
    long_about = "Measure how much a piece of news moved a stock beyond what the market did.\n\n\
        eventstudy fits a normal-return model over an estimation window, then reports abnormal \
        returns (AR), cumulative abnormal returns (CAR) with significance tests, the change in \
        market value in dollars, report-ready PNG charts and tables a script can read. The \
        conventions follow Campbell, Lo & MacKinlay (1997) and are printed with every output.",
    after_help = EXIT_CODES,
    propagate_version = true
)]
pub struct Cli {
    /// A TOML file of defaults for any flag of run, batch and fetch (default: ./eventstudy.toml
    /// when present); the command line and the environment win over it
    #[arg(long, global = true, value_name = "FILE", env = "EVENTSTUDY_CONFIG")]
    pub config: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

impl Cli {
    /// Records which window flags of `run` and `batch` took their built-in default: an
    /// intraday study has defaults of its own.
    pub fn mark_defaults(&mut self, matches: &clap::ArgMatches) {
        let Some((_, sub)) = matches.subcommand() else {
            return;
        };
        let defaulted = |id: &str| {
            matches!(
                sub.try_get_raw(id)
                    .ok()
                    .flatten()
                    .map(|_| sub.value_source(id)),
                None | Some(Some(clap::parser::ValueSource::DefaultValue))
            )
        };
        let study = match &mut self.command {
            Command::Run(args) => &mut args.study,
            Command::Batch(args) => &mut args.study,
            _ => return,
        };
        study.defaulted = Defaulted {
            estimation: defaulted("estimation"),
            window: defaulted("window"),
            car: defaulted("car"),
            min_estimation: defaulted("min_estimation"),
        };
    }

    /// The validated options of the command.
    pub fn into_options(self) -> Result<CommandOptions> {
        match self.command {
            Command::Config {
                command: ConfigCommand::Show,
            } => Ok(CommandOptions::ConfigShow(self.config)),
            command => {
                let mut options = command.into_options()?;
                if let CommandOptions::Doctor(doctor, _) = &mut options {
                    doctor.config_file = crate::options::locate_config(self.config);
                }
                Ok(options)
            }
        }
    }
}

const BATCH_EXAMPLES: &str = "\
Examples:
  # The DeepSeek shock across the AI trade, and Alibaba's Qwen answer two days later
  #   events.csv:
  #     ticker,date,label
  #     NVDA,2025-01-27,DeepSeek
  #     AVGO,2025-01-27,DeepSeek
  #     BABA,2025-01-29,Qwen 2.5-Max
  eventstudy batch --events events.csv

  # The same from the example data in the repository, offline
  eventstudy batch --events examples/deepseek.csv --source csv:examples/prices \\
      --shares-file examples/shares_outstanding.csv

  # Did they recover? Buy-and-hold abnormal returns over a month and three months, and why
  # some fell more: CAR regressed on columns of the events file (HC3 standard errors)
  eventstudy batch --events examples/deepseek_characteristics.csv --source csv:examples/prices \\
      --bhar 0:20,0:60 --cross-section beta,power

  # Fama-French 3 factors, dated estimation window, portfolio charts only
  eventstudy batch --events events.csv --model ff3 --factors F-F_Research_Data_Factors_daily.CSV \\
      --estimation 2024-01-02..2024-12-31 --no-event-charts

The run folder <OUT>/portfolio_<EVENTS FILE NAME>/ holds summary.json, the portfolio (AAR, CAAR,
the test battery, dollars) and tables/ (every event, day and CAR window as Parquet and CSV).
Runs of up to 50 events also write <OUT>/<TICKER>_<DATE>[_<LABEL>]/ per event (--event-files,
--no-event-files). A row that cannot be read or run is listed in `excluded` with its line
number; the rest still runs.";

const FETCH_EXAMPLES: &str = "\
Examples:
  # Fill the store ahead of time (the stock, its peers and the benchmark)
  eventstudy fetch --ticker NVDA,AVGO,TSM,^GSPC --from 2024-01-01

  # Fetch a range again from scratch, into another store
  eventstudy fetch --ticker NVDA --from 2020-01-01 --to 2025-12-31 --refresh --data-dir /srv/prices";

const NETWORK_ENV: &str = "\
Environment:
  EVENTSTUDY_DATA_DIR        the local store (default notebooks-data)
  EVENTSTUDY_CA_CERT=FILE    also trust this root certificate (PEM), e.g. a TLS-inspecting proxy's
  EVENTSTUDY_YAHOO_HOST=A:P  send Yahoo's requests to this address (testing, mirrors)
  EVENTSTUDY_SEC_HOST=A:P    send SEC EDGAR's requests to this address
  EVENTSTUDY_SEC_USER_AGENT  the User-Agent SEC asks for: a name and a contact e-mail
  EVENTSTUDY_LOCK_TIMEOUT    the longest wait, in seconds, for another process's lock (300)
  EVENTSTUDY_CONFIG=FILE     the config file (as --config; default ./eventstudy.toml if present)
  EVENTSTUDY_TIMINGS=1       print each stage's wall time on stderr (run, batch)";

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run an event study for one or more tickers around one date
    #[command(after_help = format!("{RUN_EXAMPLES}\n\n{NETWORK_ENV}\n\n{EXIT_CODES}"))]
    Run(Box<RunArgs>),
    /// Run many events from a CSV file (ticker,date[,benchmark][,label][,estimation][,window])
    #[command(after_help = format!("{BATCH_EXAMPLES}\n\n{NETWORK_ENV}\n\n{EXIT_CODES}"))]
    Batch(Box<BatchArgs>),
    /// Download price histories into the local store ahead of time
    #[command(after_help = format!("{FETCH_EXAMPLES}\n\n{NETWORK_ENV}\n\n{EXIT_CODES}"))]
    Fetch(FetchArgs),
    /// Check the network, Yahoo's and SEC's answers and the store: which side broke
    #[command(after_help = format!("{DOCTOR_EXAMPLES}\n\n{NETWORK_ENV}\n\n{DOCTOR_EXIT}"))]
    Doctor(DoctorArgs),
    /// Write a synthetic market (prices and events) for benchmarks and scale tests
    #[command(after_help = SYNTHETIC_EXAMPLES)]
    Synthetic(SyntheticArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish)
    #[command(after_help = COMPLETIONS_EXAMPLES)]
    Completions {
        /// The shell
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff), or write one page per command with --all DIR
    #[command(after_help = MAN_EXAMPLES)]
    Man {
        /// Write eventstudy.1 and a page per subcommand (eventstudy-run.1, ...) into DIR
        #[arg(long, value_name = "DIR")]
        all: Option<PathBuf>,
    },
    /// The config file: `eventstudy config show` prints the settings in effect and their source
    #[command(after_help = CONFIG_HELP)]
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// Show what the local store holds
    Store {
        #[command(subcommand)]
        command: StoreCommand,
    },
}

impl Command {
    /// The subcommand's name as typed (`run`, `batch`, `store`, ...).
    pub fn name(&self) -> &'static str {
        match self {
            Command::Run(_) => "run",
            Command::Batch(_) => "batch",
            Command::Fetch(_) => "fetch",
            Command::Doctor(_) => "doctor",
            Command::Synthetic(_) => "synthetic",
            Command::Completions { .. } => "completions",
            Command::Man { .. } => "man",
            Command::Config { .. } => "config",
            Command::Store { .. } => "store",
        }
    }

    /// The validated options of the command.
    pub fn into_options(self) -> Result<CommandOptions> {
        Ok(match self {
            Command::Run(args) => CommandOptions::Study(Box::new(args.into_options()?)),
            Command::Batch(args) => CommandOptions::Study(Box::new(args.into_options()?)),
            Command::Fetch(args) => CommandOptions::Fetch(args.into_options()?),
            Command::Doctor(args) => CommandOptions::Doctor(
                DoctorOptions {
                    data_dir: args.store.data_dir,
                    symbol: args.symbol,
                    offline: args.offline,
                    config_file: None,
                },
                args.format,
            ),
            Command::Synthetic(args) => CommandOptions::Synthetic(SyntheticOptions {
                firms: args.firms,
                days: args.days,
                events: args.events,
                seed: args.seed,
                out: args.out,
                interval: args.interval,
            }),
            Command::Config { .. } => CommandOptions::ConfigShow(None),
            Command::Completions { shell } => CommandOptions::Text(completions(shell)),
            Command::Man { all: None } => CommandOptions::Text(man_page()?),
            Command::Man { all: Some(dir) } => CommandOptions::ManPages {
                dir,
                pages: man_pages()?,
            },
            Command::Store {
                command: StoreCommand::List(args),
            } => CommandOptions::StoreList(StoreListOptions {
                data_dir: args.store.data_dir,
                format: args.format,
            }),
        })
    }
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print every setting of run (and the SEC identity) with its value and where it comes from
    Show,
}

const CONFIG_HELP: &str = "\
The config file (--config FILE, EVENTSTUDY_CONFIG, or ./eventstudy.toml) sets defaults for any
flag of run, batch and fetch, by its long name; sec-user-agent sets EVENTSTUDY_SEC_USER_AGENT.
The command line wins over the environment, which wins over the file. An unknown key or a bad
value is an error naming the key and the file. Example:

  # eventstudy.toml
  source = \"csv:examples/prices\"
  shares-file = \"examples/shares_outstanding.csv\"
  car = \"0:0,-1:1,0:1,-5:5\"
  no-charts = true
  out = \"/srv/reports\"
  sec-user-agent = \"Jane Doe jane@example.com\"";

#[derive(Debug, Subcommand)]
pub enum StoreCommand {
    /// List the stored symbols: first and last date, rows, when fetched
    List(StoreListArgs),
}

/// A comma-separated list of symbols (`NVDA,AVGO,^GSPC`), duplicates dropped.
#[derive(Debug, Clone)]
pub struct TickerList(pub Vec<Ticker>);

impl FromStr for TickerList {
    type Err = Error;
    fn from_str(raw: &str) -> Result<Self> {
        parse_ticker_list(raw).map(TickerList)
    }
}

/// A comma-separated list of windows in days (`0:0,-1:1`).
#[derive(Debug, Clone)]
pub struct WindowList(pub Vec<RelWindow>);

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

impl FromStr for WindowList {
    type Err = Error;
    fn from_str(raw: &str) -> Result<Self> {
        parse_window_list(raw).map(WindowList)
    }
}

/// A comma-separated list of files.
#[derive(Debug, Clone)]
pub struct PathList(pub Vec<PathBuf>);

impl FromStr for PathList {
    type Err = Error;
    fn from_str(raw: &str) -> Result<Self> {
        Ok(PathList(
            raw.split(',')
                .filter(|s| !s.trim().is_empty())
                .map(|s| PathBuf::from(s.trim()))
                .collect(),
        ))
    }
}

/// A positive share count.
fn parse_shares(raw: &str) -> Result<f64> {
    match raw.trim().parse::<f64>() {
        Ok(n) if n.is_finite() && n > 0.0 => Ok(n),
        _ => Err(Error::usage(format!("{raw} is not a positive number"))),
    }
}

/// A parser that offers `names` (shown in `--help`) and builds the type from the chosen one.
fn one_of<T>(names: &'static [&'static str]) -> impl TypedValueParser<Value = T>
where
    T: FromStr<Err = Error> + Clone + Send + Sync + 'static,
{
    PossibleValuesParser::new(names).try_map(|name| name.parse::<T>())
}

/// The local store's location, shared by every command.
#[derive(Debug, Args)]
pub struct StoreArgs {
    /// The local price store (Parquet files readable from notebooks)
    #[arg(
        long,
        value_name = "DIR",
        env = "EVENTSTUDY_DATA_DIR",
        default_value = "notebooks-data"
    )]
    pub data_dir: PathBuf,
}

#[derive(Debug, Args)]
pub struct StoreListArgs {
    #[command(flatten)]
    pub store: StoreArgs,

    /// A readable table, JSON or CSV
    #[arg(short, long, value_name = "FORMAT", default_value = "table", value_parser = one_of::<OutputFormat>(&OutputFormat::NAMES))]
    pub format: OutputFormat,
}

const COMPLETIONS_EXAMPLES: &str = "\
Examples:
  eventstudy completions bash > ~/.local/share/bash-completion/completions/eventstudy
  eventstudy completions zsh > ~/.zfunc/_eventstudy        # with fpath+=(~/.zfunc)
  eventstudy completions fish > ~/.config/fish/completions/eventstudy.fish";

/// The completion script for `shell`.
fn completions(shell: clap_complete::Shell) -> String {
    use clap::CommandFactory;
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "eventstudy", &mut out);
    String::from_utf8_lossy(&out).into_owned()
}

const MAN_EXAMPLES: &str = "\
Examples:
  eventstudy man > ~/.local/share/man/man1/eventstudy.1
  # every page: eventstudy(1), eventstudy-run(1), eventstudy-batch(1), ...
  eventstudy man --all ~/.local/share/man/man1";

/// The manual page, in roff.
fn man_page() -> Result<String> {
    use clap::CommandFactory;
    render_man(Cli::command())
}

fn render_man(command: clap::Command) -> Result<String> {
    let mut out = Vec::new();
    clap_mangen::Man::new(command)
        .render(&mut out)
        .map_err(|e| Error::Internal(format!("man page: {e}")))?;
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// Every manual page, as (file name, roff): `eventstudy.1` and one per subcommand at any
/// depth (`eventstudy-run.1`, `eventstudy-store-list.1`), which the pages above name in their
/// SUBCOMMANDS sections (clap_mangen's own naming, as its `generate_to` writes them).
fn man_pages() -> Result<Vec<(String, String)>> {
    use clap::CommandFactory;
    fn walk(command: clap::Command, pages: &mut Vec<(String, String)>) -> Result<()> {
        for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
            walk(sub.clone(), pages)?;
        }
        let name = clap_mangen::Man::new(command.clone()).get_filename();
        pages.push((name, render_man(command)?));
        Ok(())
    }
    let mut command = Cli::command().disable_help_subcommand(true);
    command.build();
    let mut pages = Vec::new();
    walk(command, &mut pages)?;
    pages.sort();
    Ok(pages)
}

const SYNTHETIC_EXAMPLES: &str = "\
Examples:
  # The README's benchmark: 500 firms, 2,500 days, 10,000 events, then the study
  eventstudy synthetic --firms 500 --days 2500 --events 10000 --out /tmp/panel
  eventstudy batch --events /tmp/panel/events.csv --source csv:/tmp/panel/prices \\
      --benchmark ^MKT --no-charts --out /tmp/panel/out";

#[derive(Debug, Args)]
pub struct SyntheticArgs {
    /// Firms in the panel
    #[arg(long, default_value_t = 500)]
    pub firms: usize,
    /// Trading days of every series
    #[arg(long, default_value_t = 2500)]
    pub days: usize,
    /// Events, on random firms and days
    #[arg(long, default_value_t = 10_000)]
    pub events: usize,
    /// The random seed: the same seed writes the same files
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// The folder to write: prices/ (a csv: source) and events.csv
    #[arg(short, long, value_name = "DIR")]
    pub out: PathBuf,
    /// 1d (daily prices) or intraday bars (1m..90m) of New York sessions: --days counts
    /// sessions, the events are times with their offset, and each event's firm falls 3% in its
    /// bar and 1% more over the hour after
    #[arg(long, value_name = "INTERVAL", default_value = "1d", value_parser = one_of::<Interval>(&Interval::NAMES))]
    pub interval: Interval,
}

const DOCTOR_EXAMPLES: &str = "\
Examples:
  # Before the first run on a new machine, or when a run fails and it is not clear why
  eventstudy doctor

  # Only the store (no network), as JSON for a monitoring script
  eventstudy doctor --offline --format json";

const DOCTOR_EXIT: &str = "\
Exit codes:
  0  every check passed
  2  usage error: a bad flag or value
  3  a service or the store failed a check (each failed line says what to do)";

#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// A symbol Yahoo certainly has, for the chart checks
    #[arg(long, value_name = "SYMBOL", default_value = "^GSPC")]
    pub symbol: Ticker,

    /// Check only the settings and the store: no network
    #[arg(long)]
    pub offline: bool,

    #[command(flatten)]
    pub store: StoreArgs,

    /// A readable table, JSON or CSV
    #[arg(short, long, value_name = "FORMAT", default_value = "table", value_parser = one_of::<OutputFormat>(&OutputFormat::NAMES))]
    pub format: OutputFormat,
}

#[derive(Debug, Args)]
pub struct FetchArgs {
    /// Symbols, comma-separated (e.g. NVDA,AVGO,^GSPC)
    #[arg(short, long, value_name = "SYMBOLS")]
    pub ticker: TickerList,

    /// First date, YYYY-MM-DD (with --interval: default, the oldest day Yahoo keeps)
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub from: Option<NaiveDate>,

    /// Last date, YYYY-MM-DD (default: today)
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub to: Option<NaiveDate>,

    /// Fetch the whole range again instead of only what is missing
    #[arg(long)]
    pub refresh: bool,

    /// Bars to fetch: 1d (daily prices) or intraday 1m, 2m, 5m, 15m, 30m, 60m, 90m, kept in
    /// the store beyond what Yahoo keeps (a daily `fetch --interval 1m` from cron archives)
    #[arg(long, value_name = "INTERVAL", default_value = "1d", value_parser = one_of::<Interval>(&Interval::NAMES))]
    pub interval: Interval,

    #[command(flatten)]
    pub store: StoreArgs,

    /// A readable table, JSON or CSV
    #[arg(short, long, value_name = "FORMAT", default_value = "table", value_parser = one_of::<OutputFormat>(&OutputFormat::NAMES))]
    pub format: OutputFormat,

    /// No progress bar or warnings on stderr, and no table on stdout
    #[arg(short, long)]
    pub quiet: bool,
}

impl FetchArgs {
    pub fn into_options(self) -> Result<FetchOptions> {
        let to = self.to.unwrap_or_else(|| chrono::Utc::now().date_naive());
        let from = match (self.from, self.interval) {
            (Some(from), _) => from,
            (None, Interval::Minutes(m)) => {
                let back = crate::data::bar_fetch::YahooLimits::of(m).days_back;
                chrono::Utc::now().date_naive() - chrono::Duration::days(back)
            }
            (None, Interval::Day) => {
                return Err(Error::usage(
                    "fetch needs --from DATE for daily prices (intraday bars, --interval, default to what Yahoo keeps)",
                ))
            }
        };
        if to < from {
            return Err(Error::usage(format!("--to {to} is before --from {from}")));
        }
        Ok(FetchOptions {
            tickers: self.ticker.0,
            from,
            to,
            interval: self.interval,
            data_dir: self.store.data_dir,
            store_mode: store_mode(false, self.refresh),
            format: self.format,
            quiet: self.quiet,
        })
    }
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

    /// Formats of the run folder's tables: parquet, csv, or both. A million events' CSV tables
    /// are 4.6 GB and half the run's time: `--tables parquet` leaves them out
    #[arg(long, value_name = "FORMATS", default_value = "parquet,csv")]
    pub tables: TableFormats,

    /// Chart size in pixels
    #[arg(long, value_name = "WxH", default_value = "1600x900")]
    pub size: ChartSize,

    /// No progress or warnings on stderr, and no table on stdout (JSON/CSV still print)
    #[arg(short, long)]
    pub quiet: bool,
}

impl StudyArgs {
    /// Groups the values: the study design, the data sources and the outputs.
    fn into_settings(
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
            intraday,
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
            chart_size: self.size,
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
fn run_folder_name(given: Option<String>, default: String) -> Result<String> {
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
        let defaults = EventDefaults {
            benchmark: self.benchmark,
            estimation: study.estimation,
            window: study.window,
            characteristics: study.cross_section.clone(),
        };
        let events = EventInput::File {
            path: self.events,
            defaults,
        };
        RunOptions::new(events, study, data, output)
    }
}
