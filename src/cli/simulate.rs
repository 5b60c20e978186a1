//! `eventstudy simulate`: its arguments and their validation into [`SimulateOptions`].

use std::str::FromStr;

use clap::Args;

use super::study::StudyArgs;
use super::TickerList;
use crate::error::{Error, Result};
use crate::options::{SimulateOptions, SimulationSettings};
use crate::study::{RelWindow, WindowSpec};
use crate::ticker::Ticker;

/// Shocks, comma-separated decimals (`0,0.005,0.01`).
#[derive(Debug, Clone)]
pub struct ShockList(pub Vec<f64>);

impl FromStr for ShockList {
    type Err = Error;
    fn from_str(raw: &str) -> Result<Self> {
        let shocks = raw
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| match s.parse::<f64>() {
                Ok(v) if v.is_finite() && v.abs() < 1.0 => Ok(v),
                _ => Err(Error::usage(format!(
                    "--shock '{s}' is not a return between -1 and 1 (0.01 is 1%)"
                ))),
            })
            .collect::<Result<Vec<f64>>>()?;
        if shocks.is_empty() {
            return Err(Error::usage(
                "--shock needs at least one value, e.g. 0,0.01",
            ));
        }
        Ok(ShockList(shocks))
    }
}

#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// Pseudo-events per trial, drawn from the firms' days that have the full windows
    #[arg(long, value_name = "N", default_value_t = 50, value_parser = clap::value_parser!(u32).range(2..=100_000))]
    pub events: u32,

    /// Trials (each a study of --events pseudo-events)
    #[arg(long, value_name = "T", default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub trials: u32,

    /// Abnormal returns added to each pseudo-event, comma-separated decimals (0.01 is 1%)
    #[arg(
        long,
        value_name = "SHOCKS",
        default_value = "0,0.005,0.01,0.02",
        allow_hyphen_values = true
    )]
    pub shock: ShockList,

    /// The days the shock is spread over, evenly (START:END relative to day 0)
    #[arg(
        long,
        value_name = "WINDOW",
        default_value = "0:0",
        allow_hyphen_values = true
    )]
    pub shock_window: RelWindow,

    /// Seed of the draws: the same seed gives the same results on any number of threads
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub seed: u64,

    /// All events of a trial share one date (events clustered in calendar time)
    #[arg(long)]
    pub cluster: bool,

    /// Two-sided level of the tests
    #[arg(long, value_name = "ALPHA", default_value_t = 0.05)]
    pub level: f64,

    /// The firms to draw from (default: every symbol of the source but the indices, ^...)
    #[arg(long, value_name = "SYMBOLS")]
    pub tickers: Option<TickerList>,

    /// The benchmark every firm is studied against
    #[arg(short, long, value_name = "SYMBOL", default_value = "^GSPC")]
    pub benchmark: Ticker,

    /// Name of the output folder, letters, digits, - _ and . (default: simulation)
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,

    #[command(flatten)]
    pub study: StudyArgs,
}

impl SimulateArgs {
    pub fn into_options(self) -> Result<SimulateOptions> {
        if !(self.level > 0.0 && self.level < 1.0) {
            return Err(Error::usage(format!(
                "--level {} is not between 0 and 1",
                self.level
            )));
        }
        let name = super::study::run_folder_name(self.name, "simulation".into())?;
        let (study, data, output) = self.study.into_settings(name)?;
        if study.intraday.is_some() {
            return Err(Error::usage(
                "simulate is for daily studies, not --interval",
            ));
        }
        let (WindowSpec::Relative(window), WindowSpec::Relative(_)) =
            (study.window, study.estimation)
        else {
            return Err(Error::usage(
                "simulate draws its own dates: give --estimation and --window in trading days (-250:-11), not dates",
            ));
        };
        if !window.contains(self.shock_window) {
            return Err(Error::usage(format!(
                "--shock-window {} is not inside the event window {window}",
                self.shock_window
            )));
        }
        Ok(SimulateOptions {
            study,
            data,
            output,
            benchmark: self.benchmark,
            tickers: self.tickers.map(|t| t.0),
            simulation: SimulationSettings {
                events: self.events as usize,
                trials: self.trials as usize,
                shocks: self.shock.0,
                shock_window: self.shock_window,
                seed: self.seed,
                cluster: self.cluster,
                level: self.level,
            },
        })
    }
}
