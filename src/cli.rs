//! The command line: clap definitions and their conversion into validated [`crate::options`].

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::error::{Error, Result};
use crate::options::{
    default_design, parse_date, validate_design, ChartSize, OutputFormat, RunOptions, SharesSpec,
    SourceSpec,
};
use crate::study::{window::parse_window_list, ModelKind, NonTrading, RelWindow, ReturnKind};
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
  # Nvidia on the DeepSeek news, from a folder of <SYMBOL>.csv files
  eventstudy run --ticker NVDA --date 2025-01-27 --source csv:../shared/data/prices \\
      --shares-file ../shared/data/shares_outstanding.csv

  # Several tickers, one output folder each, JSON on stdout for a script
  eventstudy run --ticker NVDA,AVGO,TSM --date 2025-01-27 --source csv:prices --format json

  # Log returns, a Nasdaq benchmark, a three-day CAR only, no charts
  eventstudy run --ticker BABA --date 2025-01-29 --benchmark ^IXIC --returns log \\
      --car -1:1 --no-charts --source csv:prices";

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
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run an event study for one or more tickers around one date
    #[command(after_help = format!("{RUN_EXAMPLES}\n\n{EXIT_CODES}"))]
    Run(RunArgs),
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Ticker symbol(s), comma-separated (e.g. NVDA or NVDA,AVGO,TSM)
    #[arg(short, long, value_name = "SYMBOLS")]
    pub ticker: String,

    /// Event date, YYYY-MM-DD (a weekend or holiday resolves per --non-trading)
    #[arg(short, long, value_name = "DATE")]
    pub date: String,

    /// Benchmark symbol whose returns are the market and whose calendar is event time
    #[arg(short, long, value_name = "SYMBOL", default_value = "^GSPC")]
    pub benchmark: String,

    /// Where prices come from: csv:DIR reads DIR/<SYMBOL>.csv (date,...,close,adj_close,...)
    #[arg(
        long,
        value_name = "SOURCE",
        default_value = "csv:notebooks-data/prices"
    )]
    pub source: String,

    /// Estimation window in trading days relative to day 0, START:END inclusive
    #[arg(
        long,
        value_name = "START:END",
        default_value = "-250:-11",
        allow_hyphen_values = true
    )]
    pub estimation: String,

    /// Event window in trading days relative to day 0, START:END inclusive
    #[arg(
        long,
        value_name = "START:END",
        default_value = "-5:5",
        allow_hyphen_values = true
    )]
    pub window: String,

    /// CAR windows, comma-separated START:END
    #[arg(
        long,
        value_name = "WINDOWS",
        default_value = "0:0,-1:1,0:1,-5:5",
        allow_hyphen_values = true
    )]
    pub car: String,

    /// Normal-return model
    #[arg(long, value_name = "MODEL", default_value = "market", value_parser = ModelKind::NAMES)]
    pub model: String,

    /// Return definition: simple P_t/P_{t-1}-1 or log ln(P_t/P_{t-1})
    #[arg(long, value_name = "KIND", default_value = "simple", value_parser = ReturnKind::NAMES)]
    pub returns: String,

    /// Day 0 when the date is not a trading day: the next or previous trading day, or skip
    #[arg(long, value_name = "RULE", default_value = "next", value_parser = NonTrading::NAMES)]
    pub non_trading: String,

    /// The news came after the close: day 0 is the next trading day
    #[arg(long)]
    pub after_close: bool,

    /// Fewest valid estimation returns for an event to run
    #[arg(long, value_name = "N", default_value_t = 120)]
    pub min_estimation: usize,

    /// Shares outstanding, for market value (overrides --shares-file)
    #[arg(long, value_name = "N", conflicts_with = "shares_file")]
    pub shares: Option<f64>,

    /// CSV of share counts: ticker,shares_outstanding,as_of[,adr_ratio]; the latest row on or
    /// before day -1 is used, else the earliest after
    #[arg(long, value_name = "CSV")]
    pub shares_file: Option<PathBuf>,

    /// Output folder; each event gets <OUT>/<TICKER>_<DATE>/
    #[arg(short, long, value_name = "DIR", default_value = "output")]
    pub out: PathBuf,

    /// What to print on stdout: a readable table, the JSON summary, or the AR table as CSV
    #[arg(short, long, value_name = "FORMAT", default_value = "table", value_parser = ["table", "json", "csv"])]
    pub format: String,

    /// Do not render PNG charts
    #[arg(long)]
    pub no_charts: bool,

    /// Chart size in pixels
    #[arg(long, value_name = "WxH", default_value = "1600x900")]
    pub size: String,

    /// No progress or warnings on stderr, and no table on stdout (JSON/CSV still print)
    #[arg(short, long)]
    pub quiet: bool,
}

impl RunArgs {
    /// Validates every value and builds the typed options.
    pub fn into_options(self) -> Result<RunOptions> {
        let mut design = default_design();
        design.model = self.model.parse()?;
        design.estimation = self
            .estimation
            .parse::<RelWindow>()
            .map_err(|e| flag("--estimation", e))?;
        design.window = self
            .window
            .parse::<RelWindow>()
            .map_err(|e| flag("--window", e))?;
        design.car_windows = parse_window_list(&self.car).map_err(|e| flag("--car", e))?;
        design.min_estimation = self.min_estimation;
        validate_design(&design)?;

        let shares = match (self.shares, self.shares_file) {
            (Some(n), _) if !(n.is_finite() && n > 0.0) => {
                return Err(Error::usage(format!(
                    "--shares {n} is not a positive number"
                )))
            }
            (Some(n), _) => SharesSpec::Count(n),
            (None, Some(path)) => SharesSpec::File(path),
            (None, None) => SharesSpec::None,
        };
        Ok(RunOptions {
            tickers: parse_ticker_list(&self.ticker)?,
            event_date: parse_date(&self.date).map_err(|e| flag("--date", e))?,
            benchmark: self
                .benchmark
                .parse::<Ticker>()
                .map_err(|e| flag("--benchmark", e))?,
            source: self.source.parse::<SourceSpec>()?,
            design,
            returns: self.returns.parse()?,
            non_trading: self.non_trading.parse()?,
            after_close: self.after_close,
            shares,
            out_dir: self.out,
            format: self.format.parse::<OutputFormat>()?,
            charts: !self.no_charts,
            chart_size: self.size.parse::<ChartSize>()?,
            quiet: self.quiet,
        })
    }
}

/// Prefixes a usage error with the flag it came from.
fn flag(name: &str, e: Error) -> Error {
    match e {
        Error::Usage(m) => Error::usage(format!("{name}: {m}")),
        other => other,
    }
}
