//! Normal-return models, fitted over the estimation window (METHODS.md, "Normal-return models").

use serde::Serialize;
use std::fmt;
use std::str::FromStr;

use crate::error::Error;

/// Which normal-return model predicts the firm's return absent the event (`--model`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum ModelKind {
    /// OLS of R_i on R_m: alpha, beta (k = 2).
    #[default]
    Market,
    /// alpha = 0, beta = 1 (k = 0).
    MarketAdjusted,
    /// The estimation-window mean of R_i (k = 1).
    MeanAdjusted,
}

impl ModelKind {
    pub const NAMES: [&'static str; 3] = ["market", "market-adjusted", "mean-adjusted"];

    /// Number of estimated parameters, k: it sets the degrees of freedom L - k.
    pub fn parameters(self) -> usize {
        match self {
            ModelKind::Market => 2,
            ModelKind::MeanAdjusted => 1,
            ModelKind::MarketAdjusted => 0,
        }
    }

    /// Whether a day needs a benchmark return for this model.
    pub fn uses_market(self) -> bool {
        !matches!(self, ModelKind::MeanAdjusted)
    }

    /// A human name for titles and the console header.
    pub fn describe(self) -> &'static str {
        match self {
            ModelKind::Market => "market model (OLS)",
            ModelKind::MarketAdjusted => "market-adjusted model",
            ModelKind::MeanAdjusted => "mean-adjusted model",
        }
    }
}

impl FromStr for ModelKind {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        match s {
            "market" => Ok(ModelKind::Market),
            "market-adjusted" => Ok(ModelKind::MarketAdjusted),
            "mean-adjusted" => Ok(ModelKind::MeanAdjusted),
            _ => Err(Error::usage(format!(
                "--model '{s}' is not one of market, market-adjusted, mean-adjusted"
            ))),
        }
    }
}

impl fmt::Display for ModelKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ModelKind::Market => "market",
            ModelKind::MarketAdjusted => "market-adjusted",
            ModelKind::MeanAdjusted => "mean-adjusted",
        })
    }
}

/// Why a model could not be fitted.
#[derive(Debug, Clone, PartialEq)]
pub enum FitError {
    /// Fewer valid estimation returns than asked for (`--min-estimation`) or than k + 1.
    TooFewReturns { valid: usize, required: usize },
    /// The benchmark did not move over the estimation window: beta is undefined.
    ConstantBenchmark,
}

impl fmt::Display for FitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FitError::TooFewReturns { valid, required } => write!(
                f,
                "only {valid} valid estimation returns, {required} required (--min-estimation)"
            ),
            FitError::ConstantBenchmark => {
                f.write_str("benchmark returns are constant over the estimation window")
            }
        }
    }
}

/// A fitted normal-return model and the moments its test statistics need.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FittedModel {
    pub kind: ModelKind,
    pub alpha: f64,
    pub beta: f64,
    /// Residual standard deviation, sqrt(SSR / (L - k)) (market-adjusted: sqrt(SSR / L)).
    pub sigma: f64,
    /// L, the number of valid estimation returns.
    pub n: usize,
    /// Mean benchmark return over the valid estimation days.
    pub market_mean: f64,
    /// S_xx = sum (R_m - mean R_m)^2 over the valid estimation days.
    pub market_sxx: f64,
}

impl FittedModel {
    /// Fits `kind` on paired estimation returns; NaN marks a missing return and the pair is
    /// left out (a missing day is never a zero).
    ///
    /// Runs in three passes over the slices and allocates nothing.
    pub fn fit(
        kind: ModelKind,
        firm: &[f64],
        market: &[f64],
        min_returns: usize,
    ) -> Result<FittedModel, FitError> {
        debug_assert_eq!(firm.len(), market.len());
        let valid =
            |i: usize| firm[i].is_finite() && (!kind.uses_market() || market[i].is_finite());
        let idx = || (0..firm.len()).filter(move |&i| valid(i));

        let n = idx().count();
        let k = kind.parameters();
        let required = min_returns.max(k + 1);
        if n < required {
            return Err(FitError::TooFewReturns { valid: n, required });
        }
        let nf = n as f64;

        let (sum_y, sum_x) = idx().fold((0.0, 0.0), |(sy, sx), i| {
            (
                sy + firm[i],
                sx + if kind.uses_market() { market[i] } else { 0.0 },
            )
        });
        let (mean_y, mean_x) = (sum_y / nf, sum_x / nf);
        let (sxx, sxy) = idx().fold((0.0, 0.0), |(sxx, sxy), i| {
            let dx = if kind.uses_market() {
                market[i] - mean_x
            } else {
                0.0
            };
            (sxx + dx * dx, sxy + dx * (firm[i] - mean_y))
        });

        let (alpha, beta) = match kind {
            ModelKind::Market => {
                if sxx <= 0.0 || !sxx.is_finite() {
                    return Err(FitError::ConstantBenchmark);
                }
                let beta = sxy / sxx;
                (mean_y - beta * mean_x, beta)
            }
            ModelKind::MarketAdjusted => (0.0, 1.0),
            ModelKind::MeanAdjusted => (mean_y, 0.0),
        };

        let ssr: f64 = idx()
            .map(|i| {
                let m = if kind.uses_market() { market[i] } else { 0.0 };
                let e = firm[i] - alpha - beta * m;
                e * e
            })
            .sum();
        // METHODS.md: sigma^2 = SSR / (L - k); market-adjusted estimates nothing, so SSR / L.
        let dof = (n - k).max(1) as f64;
        Ok(FittedModel {
            kind,
            alpha,
            beta,
            sigma: (ssr / dof).sqrt(),
            n,
            market_mean: mean_x,
            market_sxx: sxx,
        })
    }

    /// Degrees of freedom of the t statistics, L - k.
    pub fn dof(&self) -> f64 {
        (self.n - self.kind.parameters()).max(1) as f64
    }

    /// The normal (expected) return given the benchmark's return that day.
    pub fn normal_return(&self, market: f64) -> f64 {
        match self.kind {
            ModelKind::MeanAdjusted => self.alpha,
            _ => self.alpha + self.beta * market,
        }
    }

    /// The prediction-error factor C_t: Var(AR_t) = sigma^2 C_t.
    ///
    /// Market model: 1 + 1/L + (R_mt - mean R_m)^2 / S_xx. Mean-adjusted: 1 + 1/L (the mean is
    /// estimated). Market-adjusted: 1 (nothing is estimated).
    pub fn prediction_factor(&self, market: f64) -> f64 {
        let l = self.n as f64;
        match self.kind {
            ModelKind::Market => {
                let dx = market - self.market_mean;
                1.0 + 1.0 / l + dx * dx / self.market_sxx
            }
            ModelKind::MeanAdjusted => 1.0 + 1.0 / l,
            ModelKind::MarketAdjusted => 1.0,
        }
    }

    /// Var(CAR) over `days` days whose benchmark returns sum to `market_sum`, the covariance
    /// between the days' prediction errors included (Campbell, Lo & MacKinlay 1997, 4.4):
    /// sigma^2 [n + n^2/L + (sum R_m - n mean R_m)^2 / S_xx].
    pub fn car_variance(&self, days: usize, market_sum: f64) -> f64 {
        let n = days as f64;
        let l = self.n as f64;
        let s2 = self.sigma * self.sigma;
        match self.kind {
            ModelKind::Market => {
                let dx = market_sum - n * self.market_mean;
                s2 * (n + n * n / l + dx * dx / self.market_sxx)
            }
            ModelKind::MeanAdjusted => s2 * (n + n * n / l),
            ModelKind::MarketAdjusted => s2 * n,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    /// A five-point OLS done on paper:
    /// x = 1 2 3 4 5, y = 2 4 5 4 5; mean x = 3, mean y = 4, S_xx = 10, S_xy = 6,
    /// beta = 0.6, alpha = 2.2, residuals -0.8 0.6 1.0 -0.6 -0.2, SSR = 2.4, sigma^2 = 2.4/3 = 0.8.
    #[test]
    fn five_point_ols_by_hand() {
        let x = [1.0, 2.0, 3.0, 4.0, 5.0];
        let y = [2.0, 4.0, 5.0, 4.0, 5.0];
        let m = FittedModel::fit(ModelKind::Market, &y, &x, 3).unwrap();
        assert!(close(m.beta, 0.6));
        assert!(close(m.alpha, 2.2));
        assert!(close(m.sigma * m.sigma, 0.8));
        assert_eq!(m.n, 5);
        assert!(close(m.market_mean, 3.0));
        assert!(close(m.market_sxx, 10.0));
        assert!(close(m.dof(), 3.0));
        // C_t at x = 6: 1 + 1/5 + 9/10 = 2.1.
        assert!(close(m.prediction_factor(6.0), 2.1));
        assert!(close(m.normal_return(6.0), 5.8));
    }

    #[test]
    fn missing_pairs_are_left_out_not_zeroed() {
        let x = [1.0, 2.0, f64::NAN, 3.0, 4.0, 5.0, 7.0];
        let y = [2.0, 4.0, 9.0, 5.0, 4.0, 5.0, f64::NAN];
        let m = FittedModel::fit(ModelKind::Market, &y, &x, 3).unwrap();
        assert_eq!(m.n, 5);
        assert!(close(m.beta, 0.6));
        assert!(close(m.alpha, 2.2));
    }

    #[test]
    fn mean_and_market_adjusted() {
        let x = [1.0, 2.0, 3.0, 4.0, 5.0];
        let y = [2.0, 4.0, 5.0, 4.0, 5.0];
        let mean = FittedModel::fit(ModelKind::MeanAdjusted, &y, &x, 3).unwrap();
        assert!(close(mean.alpha, 4.0));
        // deviations -2 0 1 0 1: SSR 6, L - k = 4.
        assert!(close(mean.sigma * mean.sigma, 1.5));
        assert!(close(mean.normal_return(100.0), 4.0));
        assert!(close(mean.prediction_factor(100.0), 1.2));

        let adj = FittedModel::fit(ModelKind::MarketAdjusted, &y, &x, 3).unwrap();
        // y - x = 1 2 2 0 0: SSR 9, divided by L = 5.
        assert!(close(adj.sigma * adj.sigma, 1.8));
        assert!(close(adj.normal_return(0.25), 0.25));
        assert!(close(adj.car_variance(3, 1.0), 3.0 * 1.8));
    }

    /// For a one-day window the CAR variance is the AR variance, sigma^2 C_t; for n days with
    /// no estimation error (L, S_xx -> infinity) it tends to n sigma^2.
    #[test]
    fn car_variance_identities() {
        let x = [0.01, -0.02, 0.015, 0.003, -0.007, 0.02, -0.011];
        let y = [0.02, -0.03, 0.02, 0.001, -0.01, 0.035, -0.02];
        let m = FittedModel::fit(ModelKind::Market, &y, &x, 3).unwrap();
        let s2 = m.sigma * m.sigma;
        for rm in [-0.05, 0.0, 0.012] {
            assert!((m.car_variance(1, rm) - s2 * m.prediction_factor(rm)).abs() < 1e-15);
        }
        // Two days: Var(AR1 + AR2) = Var1 + Var2 + 2 Cov, Cov = sigma^2 (1/L + dx1 dx2 / S_xx).
        let (r1, r2) = (0.01, -0.03);
        let (d1, d2) = (r1 - m.market_mean, r2 - m.market_mean);
        let cov = s2 * (1.0 / m.n as f64 + d1 * d2 / m.market_sxx);
        let by_parts = s2 * m.prediction_factor(r1) + s2 * m.prediction_factor(r2) + 2.0 * cov;
        assert!((m.car_variance(2, r1 + r2) - by_parts).abs() < 1e-15);
    }

    #[test]
    fn fit_failures() {
        let x = [0.01; 5];
        let y = [0.02, 0.01, 0.0, 0.03, 0.01];
        assert_eq!(
            FittedModel::fit(ModelKind::Market, &y, &x, 3),
            Err(FitError::ConstantBenchmark)
        );
        assert_eq!(
            FittedModel::fit(ModelKind::Market, &y, &[0.1, 0.2, 0.3, 0.4, 0.5], 10),
            Err(FitError::TooFewReturns {
                valid: 5,
                required: 10
            })
        );
    }
}
