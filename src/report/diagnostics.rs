//! An event's residual diagnostics and pre-trend as every output shows them (METHODS,
//! "Residual diagnostics"), and the portfolio's count of events that fail each test.

use serde::Serialize;

use crate::report::num;
use crate::study::diagnostics::{ChiSquareTest, Pretrend, ResidualTests};
use crate::study::RelWindow;

/// The level at which a diagnostic is said to reject (a warning on the console).
pub const REJECT_AT: f64 = 0.01;

/// A chi-square test: its statistic, upper-tail p and lags (or degrees of freedom).
#[derive(bincode::Encode, bincode::Decode, Debug, Clone, Copy, Serialize, PartialEq)]
pub struct LaggedTest {
    pub stat: Option<f64>,
    pub p: Option<f64>,
    pub lags: usize,
}

impl From<ChiSquareTest> for LaggedTest {
    fn from(t: ChiSquareTest) -> Self {
        LaggedTest {
            stat: num(t.stat),
            p: num(t.p),
            lags: t.df,
        }
    }
}

/// A test without lags: its statistic and p.
#[derive(bincode::Encode, bincode::Decode, Debug, Clone, Copy, Serialize, PartialEq)]
pub struct PlainTest {
    pub stat: Option<f64>,
    pub p: Option<f64>,
}

/// The event window's days before day 0.
#[derive(bincode::Encode, bincode::Decode, Debug, Clone, Copy, Serialize, PartialEq)]
pub struct PretrendReport {
    pub window: RelWindow,
    pub car: Option<f64>,
    pub t: Option<f64>,
    pub p: Option<f64>,
    pub chi2: Option<f64>,
    pub chi2_p: Option<f64>,
    pub df: usize,
}

/// An event's diagnostics.
#[derive(bincode::Encode, bincode::Decode, Debug, Clone, Copy, Serialize, PartialEq)]
pub struct DiagnosticsReport {
    pub jarque_bera: PlainTest,
    pub durbin_watson: Option<f64>,
    pub ljung_box: LaggedTest,
    pub arch_lm: LaggedTest,
    pub pretrend: Option<PretrendReport>,
}

impl DiagnosticsReport {
    pub fn new(tests: &ResidualTests, pretrend: Option<&Pretrend>) -> Self {
        DiagnosticsReport {
            jarque_bera: PlainTest {
                stat: num(tests.jarque_bera.stat),
                p: num(tests.jarque_bera.p),
            },
            durbin_watson: num(tests.durbin_watson),
            ljung_box: tests.ljung_box.into(),
            arch_lm: tests.arch_lm.into(),
            pretrend: pretrend.map(|p| PretrendReport {
                window: p.window,
                car: num(p.car),
                t: num(p.t),
                p: num(p.p),
                chi2: num(p.chi2.stat),
                chi2_p: num(p.chi2.p),
                df: p.chi2.df,
            }),
        }
    }

    /// The tests that reject at [`REJECT_AT`], by name (`pretrend` for either of its two).
    pub fn rejections(&self) -> Vec<&'static str> {
        let rejects = |p: Option<f64>| p.is_some_and(|p| p < REJECT_AT);
        let pre = self.pretrend.as_ref();
        [
            ("Jarque-Bera", rejects(self.jarque_bera.p)),
            ("Ljung-Box", rejects(self.ljung_box.p)),
            ("ARCH-LM", rejects(self.arch_lm.p)),
            (
                "pre-trend",
                pre.is_some_and(|p| rejects(p.p) || rejects(p.chi2_p)),
            ),
        ]
        .into_iter()
        .filter_map(|(name, r)| r.then_some(name))
        .collect()
    }
}

/// How many of the portfolio's events fail each diagnostic at 1%.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Default)]
pub struct DiagnosticsSummary {
    pub events: usize,
    pub level: f64,
    pub jarque_bera: usize,
    pub ljung_box: usize,
    pub arch_lm: usize,
    pub pretrend: usize,
}

impl DiagnosticsSummary {
    pub fn of<'a>(diagnostics: impl Iterator<Item = &'a DiagnosticsReport>) -> Self {
        let mut s = DiagnosticsSummary {
            level: REJECT_AT,
            ..Default::default()
        };
        for d in diagnostics {
            s.events += 1;
            for name in d.rejections() {
                match name {
                    "Jarque-Bera" => s.jarque_bera += 1,
                    "Ljung-Box" => s.ljung_box += 1,
                    "ARCH-LM" => s.arch_lm += 1,
                    _ => s.pretrend += 1,
                }
            }
        }
        s
    }
}
