//! `eventstudy simulate`: the rejection rate of every test per shock and CAR window, with its
//! Wilson interval, as the JSON, the console, `simulation.csv` and `power.png` show it.

use serde::Serialize;

use crate::study::aggregate::TestBattery;
use crate::study::simulate::{wilson_interval, Rejections};
use crate::study::{ModelKind, RelWindow};

/// One test in one window at one shock.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SimulationRow {
    pub shock: f64,
    pub window: String,
    pub test: &'static str,
    pub rejections: usize,
    /// rejections / trials.
    pub rate: f64,
    /// Wilson's 95% interval of the rate.
    pub ci_low: f64,
    pub ci_high: f64,
}

/// A simulation's settings and results: the JSON contract of `simulate`.
#[derive(Debug, Clone, Serialize)]
pub struct SimulationReport {
    pub trials: usize,
    pub events_per_trial: usize,
    pub seed: u64,
    pub level: f64,
    pub cluster: bool,
    pub shock_window: RelWindow,
    pub model: ModelKind,
    pub estimation: RelWindow,
    pub window: RelWindow,
    pub source: String,
    /// Firms with at least one day to draw, and the (firm, day) pairs drawn from.
    pub firms: usize,
    pub candidates: usize,
    pub results: Vec<SimulationRow>,
    /// Where the files went (the console says it).
    #[serde(skip)]
    pub folder: Option<std::path::PathBuf>,
}

impl SimulationReport {
    /// The rows of `counts` (`[shock][window][test]`), shock by shock, window by window,
    /// test by test in the battery's order.
    pub fn rows(
        counts: &Rejections,
        shocks: &[f64],
        windows: &[RelWindow],
        trials: usize,
    ) -> Vec<SimulationRow> {
        let mut rows = Vec::new();
        for (&shock, by_window) in shocks.iter().zip(counts) {
            for (window, by_test) in windows.iter().zip(by_window) {
                for (test, &k) in TestBattery::<f64>::NAMES.iter().zip(by_test) {
                    let (ci_low, ci_high) = wilson_interval(k, trials);
                    rows.push(SimulationRow {
                        shock,
                        window: window.to_string(),
                        test,
                        rejections: k,
                        rate: k as f64 / trials as f64,
                        ci_low,
                        ci_high,
                    });
                }
            }
        }
        rows
    }

    /// The distinct shocks and windows, in order.
    pub fn shocks(&self) -> Vec<f64> {
        let mut out: Vec<f64> = Vec::new();
        for r in &self.results {
            if !out.contains(&r.shock) {
                out.push(r.shock);
            }
        }
        out
    }

    pub fn windows(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for r in &self.results {
            if !out.contains(&r.window.as_str()) {
                out.push(&r.window);
            }
        }
        out
    }

    /// The row of (shock, window, test).
    pub fn row(&self, shock: f64, window: &str, test: &str) -> Option<&SimulationRow> {
        self.results
            .iter()
            .find(|r| r.shock == shock && r.window == window && r.test == test)
    }
}
