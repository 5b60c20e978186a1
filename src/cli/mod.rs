//! The command line: clap definitions and their conversion into validated [`crate::options`].
//!
//! Each flag is parsed once, by clap, into its type (a value that does not parse is a usage
//! error naming the flag); the conversion below only groups the values and runs the checks
//! that involve several flags ([`RunOptions::new`]). Nothing here reads a file.

mod simulate;
mod study;

use std::path::PathBuf;
use std::str::FromStr;

use chrono::NaiveDate;
use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{Args, Parser, Subcommand};

use crate::error::{Error, Result};
use crate::options::{
    parse_date, store_mode, CommandOptions, DoctorOptions, FetchOptions, OutputFormat,
    StoreListOptions, SyntheticOptions,
};
use crate::study::bars::Interval;
use crate::study::{window::parse_window_list, RelWindow};
use crate::ticker::{parse_ticker_list, Ticker};

pub use study::{BatchArgs, Defaulted, RunArgs, StudyArgs, TimedWindowList, WindowArg};

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
  eventstudy run --ticker ARM --date 2025-01-27 --model dimson --dimson-lags 2

  # Volatility clusters: each event day tested on its GARCH(1,1) forecast variance
  eventstudy run --ticker ARM --date 2025-01-27 --model garch

  # The minute the news hit: 1-minute bars around 10:47 New York time, CARs over 15 minutes
  # and an hour, each bar's variance by its time of day
  eventstudy run --ticker NVDA --date 2026-11-27T10:47-05:00 --interval 1m \\
      --car 0:0,0:15m,0:1h --tod-variance";

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

/// `--flag: why`, from the flag clap names and the parser's own message (which may name the
/// flag already): a value that does not parse, in one line.
pub fn invalid_value_line(e: &clap::Error) -> Option<String> {
    use clap::error::{ContextKind, ContextValue};
    let ContextValue::String(arg) = e.get(ContextKind::InvalidArg)? else {
        return None;
    };
    let flag = arg.split_whitespace().next().unwrap_or(arg);
    let why = std::error::Error::source(e)?.to_string();
    Some(if why.starts_with(flag) {
        why
    } else {
        format!("{flag}: {why}")
    })
}

/// A parse error in one line, without `error: ` (for callers that are not a terminal: the
/// Python package's exceptions).
pub fn one_line_error(e: &clap::Error) -> String {
    if e.kind() == clap::error::ErrorKind::ValueValidation {
        if let Some(line) = invalid_value_line(e) {
            return line;
        }
    }
    let rendered = e.render().to_string();
    let first = rendered
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("");
    first.trim_start_matches("error: ").trim().to_string()
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
            Command::Simulate(args) => &mut args.study,
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

const SIMULATE_EXAMPLES: &str = "\
Examples:
  # Size and power of the nine tests: 1,000 trials of 50 pseudo-events from a CSV folder
  eventstudy simulate --source csv:prices --events 50 --trials 1000 --shock 0,0.005,0.01

  # Events clustered on one date (as nine AI stocks on 2025-01-27): which test keeps its size?
  eventstudy simulate --source csv:prices --cluster --shock 0 --car 0:0,-1:1

  # A shock spread over three days, the Fama-French three-factor model
  eventstudy simulate --source csv:prices --shock 0,0.01 --shock-window 0:2 --car 0:2 \\
      --model ff3 --factors F-F_Research_Data_Factors_daily.CSV";

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

  # A month and three months after the news, in calendar time: the portfolio of the firms
  # inside their window each day, its alpha against the market
  eventstudy batch --events examples/deepseek9.csv --source csv:examples/prices \
      --calendar-time 0:20,0:60

  # Eleven days and four windows per event, nine tests: p-values adjusted by Holm's method
  eventstudy batch --events examples/deepseek.csv --source csv:examples/prices --adjust holm

  # For a paper, a spreadsheet and slides: LaTeX tables on stdout (and report.tex in every
  # folder), tables.xlsx beside the Parquet files, every chart as PNG and SVG
  eventstudy batch --events examples/deepseek9.csv --source csv:examples/prices --format latex \\
      --tables parquet,xlsx --chart-format png,svg

  # Fama-French 3 factors, dated estimation window, portfolio charts only
  eventstudy batch --events events.csv --model ff3 --factors F-F_Research_Data_Factors_daily.CSV \\
      --estimation 2024-01-02..2024-12-31 --no-event-charts

The run folder <OUT>/portfolio_<EVENTS FILE NAME>/ holds summary.json, the portfolio (AAR, CAAR,
the test battery, dollars), report.md and report.tex, and tables/ (every event, day and CAR
window as Parquet and CSV).
Runs of up to 50 events also write <OUT>/<TICKER>_<DATE>[_<LABEL>]/ per event (--event-files,
--no-event-files). A row that cannot be read or run is listed in `excluded` with its line
number; the rest still runs.";

const FETCH_EXAMPLES: &str = "\
Examples:
  # Fill the store ahead of time (the stock, its peers and the benchmark)
  eventstudy fetch --ticker NVDA,AVGO,TSM,^GSPC --from 2024-01-01

  # Fetch a range again from scratch, into another store
  eventstudy fetch --ticker NVDA --from 2020-01-01 --to 2025-12-31 --refresh --data-dir /srv/prices

  # Keep Yahoo's 1-minute bars (it serves about 30 days): daily from cron builds an archive
  eventstudy fetch --ticker NVDA,^GSPC --interval 1m --quiet";

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
    /// Power and size of every test by simulation on your own prices: pseudo-events drawn
    /// from the firms' days, a shock added, the rejection rates counted
    #[command(after_help = format!("{SIMULATE_EXAMPLES}\n\n{EXIT_CODES}"))]
    Simulate(Box<simulate::SimulateArgs>),
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
            Command::Simulate(_) => "simulate",
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
            Command::Simulate(args) => CommandOptions::Simulate(Box::new(args.into_options()?)),
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
