//! Normal-return models, fitted over the estimation window (METHODS.md, "Normal-return models").
//!
//! Every estimated model is an OLS regression of the firm's (excess) return on an intercept and
//! m regressors: the market model (m = 1, the benchmark), mean-adjusted (m = 0), CAPM (m = 1,
//! Mkt-RF), Fama-French 3 (m = 3), Carhart (m = 4) and Fama-French 5 (m = 5). The fit keeps
//! the regressors' means and the inverse of their centred cross-product matrix, which give the
//! prediction-error variance of any day and any window:
//!
//! - C_t = 1 + 1/L + d_t' S^-1 d_t, d_t = x_t - mean x (market model: (R_mt - mean R_m)^2 / S_xx)
//! - Var(CAR) = sigma^2 [n + n^2/L + e' S^-1 e], e = sum_w x_t - n mean x.
//!
//! The market-adjusted model estimates nothing: alpha 0, beta 1, C_t = 1, Var(CAR) = n sigma^2.

// Matrix code reads best with index loops.
#![allow(clippy::needless_range_loop)]

use serde::Serialize;
use std::fmt;
use std::str::FromStr;

use crate::error::Error;

pub mod garch;
mod thin_trading;

/// The most regressors a model has (Fama-French 5).
pub const MAX_REGRESSORS: usize = 5;

/// Which normal-return model predicts the firm's return absent the event (`--model`).
#[derive(bincode::Encode, bincode::Decode, Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ModelKind {
    /// OLS of R_i on R_m: alpha, beta (k = 2).
    #[default]
    Market,
    /// alpha = 0, beta = 1 (k = 0).
    MarketAdjusted,
    /// The estimation-window mean of R_i (k = 1).
    MeanAdjusted,
    /// CAPM in excess returns: R_i - RF on Mkt-RF (k = 2).
    Capm,
    /// Fama-French 3: Mkt-RF, SMB, HML (k = 4).
    Ff3,
    /// Carhart 4: Mkt-RF, SMB, HML, Mom (k = 5).
    Carhart,
    /// Fama-French 5: Mkt-RF, SMB, HML, RMW, CMA (k = 6).
    Ff5,
    /// Scholes-Williams (1977) for thinly traded stocks: beta from the slopes on the market's
    /// previous, same and next day, over 1 + 2 rho_m (k = 2).
    ScholesWilliams,
    /// Dimson (1979) for thinly traded stocks: beta the sum of the slopes on the market's
    /// `lags` previous days, same day and `lags` next days (k = 2 lags + 2; `--dimson-lags`).
    Dimson(u8),
    /// The market model with GARCH(1,1) errors, all five parameters by maximum likelihood
    /// (k = 5; event-day variances from the GARCH forecast).
    Garch,
}

/// The model's name (`dimson` whatever its lags; the conventions carry `dimson_lags`).
impl Serialize for ModelKind {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl ModelKind {
    pub const NAMES: [&'static str; 10] = [
        "market",
        "market-adjusted",
        "mean-adjusted",
        "capm",
        "ff3",
        "carhart",
        "ff5",
        "scholes-williams",
        "dimson",
        "garch",
    ];

    /// The most lags (and leads) a Dimson beta takes: its regression has 2 lags + 1 slopes.
    pub const MAX_DIMSON_LAGS: u8 = ((MAX_REGRESSORS - 1) / 2) as u8;

    /// The name `--model` takes.
    pub fn name(self) -> &'static str {
        match self {
            ModelKind::Market => "market",
            ModelKind::MarketAdjusted => "market-adjusted",
            ModelKind::MeanAdjusted => "mean-adjusted",
            ModelKind::Capm => "capm",
            ModelKind::Ff3 => "ff3",
            ModelKind::Carhart => "carhart",
            ModelKind::Ff5 => "ff5",
            ModelKind::ScholesWilliams => "scholes-williams",
            ModelKind::Dimson(_) => "dimson",
            ModelKind::Garch => "garch",
        }
    }

    /// Whether the model corrects beta for thin trading (it reads the market's other days).
    pub fn is_thin_trading(self) -> bool {
        matches!(self, ModelKind::ScholesWilliams | ModelKind::Dimson(_))
    }

    /// Number of estimated parameters, k: it sets the degrees of freedom L - k.
    pub fn parameters(self) -> usize {
        match self {
            ModelKind::MarketAdjusted => 0,
            ModelKind::MeanAdjusted => 1,
            ModelKind::Market | ModelKind::Capm | ModelKind::ScholesWilliams => 2,
            ModelKind::Ff3 => 4,
            ModelKind::Carhart => 5,
            ModelKind::Ff5 => 6,
            ModelKind::Dimson(lags) => 2 * lags as usize + 2,
            ModelKind::Garch => 5,
        }
    }

    /// Number of regressors besides the intercept.
    pub fn regressors(self) -> usize {
        match self {
            ModelKind::MeanAdjusted => 0,
            ModelKind::Market
            | ModelKind::MarketAdjusted
            | ModelKind::Capm
            | ModelKind::ScholesWilliams
            | ModelKind::Dimson(_)
            | ModelKind::Garch => 1,
            ModelKind::Ff3 => 3,
            ModelKind::Carhart => 4,
            ModelKind::Ff5 => 5,
        }
    }

    /// The factor columns a factor model regresses on, in order (empty for the others).
    pub fn factor_columns(self) -> &'static [&'static str] {
        match self {
            ModelKind::Capm => &["Mkt-RF"],
            ModelKind::Ff3 => &["Mkt-RF", "SMB", "HML"],
            ModelKind::Carhart => &["Mkt-RF", "SMB", "HML", "Mom"],
            ModelKind::Ff5 => &["Mkt-RF", "SMB", "HML", "RMW", "CMA"],
            _ => &[],
        }
    }

    /// Whether the model needs a factor file (`--factors`).
    pub fn uses_factors(self) -> bool {
        !self.factor_columns().is_empty()
    }

    /// Whether the parameters are estimated (all but market-adjusted).
    pub fn is_estimated(self) -> bool {
        self != ModelKind::MarketAdjusted
    }

    /// Whether an AR's variance adds the estimation error of the OLS parameters (C_t > 1).
    /// Not for GARCH: METHODS gives its AR t as AR / sqrt(h_t), the forecast variance alone
    /// (the maximum-likelihood estimates' error is of a smaller order than h_t's changes).
    pub fn corrects_prediction_error(self) -> bool {
        self.is_estimated() && self != ModelKind::Garch
    }

    /// A human name for titles and the console header.
    pub fn describe(self) -> &'static str {
        match self {
            ModelKind::Market => "market model (OLS)",
            ModelKind::MarketAdjusted => "market-adjusted model",
            ModelKind::MeanAdjusted => "mean-adjusted model",
            ModelKind::Capm => "CAPM (excess returns)",
            ModelKind::Ff3 => "Fama-French 3-factor model",
            ModelKind::Carhart => "Carhart 4-factor model",
            ModelKind::Ff5 => "Fama-French 5-factor model",
            ModelKind::ScholesWilliams => "Scholes-Williams market model (thin trading)",
            ModelKind::Dimson(_) => "Dimson market model (thin trading)",
            ModelKind::Garch => "market model with GARCH(1,1) errors (ML)",
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
            "capm" => Ok(ModelKind::Capm),
            "ff3" => Ok(ModelKind::Ff3),
            "carhart" => Ok(ModelKind::Carhart),
            "ff5" => Ok(ModelKind::Ff5),
            "scholes-williams" => Ok(ModelKind::ScholesWilliams),
            "dimson" => Ok(ModelKind::Dimson(1)),
            "garch" => Ok(ModelKind::Garch),
            _ => Err(Error::usage(format!(
                "--model '{s}' is not one of {}",
                ModelKind::NAMES.join(", ")
            ))),
        }
    }
}

impl fmt::Display for ModelKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a model could not be fitted.
#[derive(Debug, Clone, PartialEq)]
pub enum FitError {
    /// Fewer valid estimation returns than asked for (`--min-estimation`) or than k + 1.
    TooFewReturns { valid: usize, required: usize },
    /// The benchmark did not move over the estimation window: beta is undefined.
    ConstantBenchmark,
    /// The regressors are collinear (or one is constant) over the estimation window.
    Singular,
    /// The model fits the firm's returns exactly, to rounding (sigma is zero beside the
    /// returns' own size): every t would be a division by rounding noise. A firm used as its
    /// own benchmark, or a price series copied from another.
    ExactFit,
}

use crate::study::stats::ROUNDING;

/// Below this sigma (0.0001% a day) a fit is checked for [`FitError::ExactFit`]: no stock's
/// residuals are that quiet, so the check costs nothing on real data.
const QUIET_SIGMA: f64 = 1e-6;

/// `model` with its sigma from `ssr`, or [`FitError::ExactFit`] when the residuals are rounding
/// beside the returns `y` they came from.
fn with_sigma(mut model: FittedModel, ssr: f64, y: &[f64]) -> Result<FittedModel, FitError> {
    model.sigma = (ssr / model.dof()).sqrt();
    check_not_exact(&model, ssr, y)?;
    Ok(model)
}

/// [`FitError::ExactFit`] when `ssr` is rounding beside the sum of squares of `y`.
fn check_not_exact(model: &FittedModel, ssr: f64, y: &[f64]) -> Result<(), FitError> {
    if model.sigma >= QUIET_SIGMA {
        return Ok(());
    }
    let yy: f64 = y.iter().filter(|v| v.is_finite()).map(|v| v * v).sum();
    if ssr <= ROUNDING * ROUNDING * yy {
        return Err(FitError::ExactFit);
    }
    Ok(())
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
            FitError::Singular => {
                f.write_str("the factors are collinear or constant over the estimation window")
            }
            FitError::ExactFit => f.write_str(
                "the model fits the firm's returns exactly over the estimation window (sigma is zero to rounding): is the firm its own benchmark, or its prices a copy of another's?",
            ),
        }
    }
}

/// A model that cannot be fitted leaves the study without data for that event.
impl From<FitError> for Error {
    fn from(e: FitError) -> Self {
        Error::data(e.to_string())
    }
}

/// A day's regressors, copied out of the panel's columns (no allocation).
pub type Regressors = [f64; MAX_REGRESSORS];

/// A fitted normal-return model and the moments its test statistics need.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FittedModel {
    pub kind: ModelKind,
    /// The intercept.
    pub alpha: f64,
    /// Slopes on the regressors (the first `kind.regressors()` are used).
    pub betas: Regressors,
    /// Residual standard deviation, sqrt(SSR / (L - k)) (market-adjusted: sqrt(SSR / L)).
    pub sigma: f64,
    /// L, the number of valid estimation returns.
    pub n: usize,
    /// Means of the regressors over the valid estimation days.
    pub x_mean: Regressors,
    /// Inverse of S = sum (x - mean x)(x - mean x)' over the valid estimation days.
    pub s_inv: [Regressors; MAX_REGRESSORS],
}

impl FittedModel {
    /// Fits `kind` of `y` on the regressor columns `x` (m = `kind.regressors()` of them); NaN
    /// marks a missing value and the day is left out (a missing day is never a zero).
    ///
    /// Three passes over the slices; nothing is allocated.
    pub fn fit(
        kind: ModelKind,
        y: &[f64],
        x: &[&[f64]],
        min_returns: usize,
    ) -> Result<FittedModel, FitError> {
        Self::fit_with_residuals(kind, y, x, min_returns, &mut Vec::new())
    }

    /// [`fit`](Self::fit), also writing into `residuals` each day's residual y - normal (NaN
    /// where the day is left out): the pass that sums the squared residuals for sigma produces
    /// them anyway, so the aggregate tests get them for free.
    pub fn fit_with_residuals(
        kind: ModelKind,
        y: &[f64],
        x: &[&[f64]],
        min_returns: usize,
        residuals: &mut Vec<f64>,
    ) -> Result<FittedModel, FitError> {
        // The number of regressors as a constant: the loops over them unroll (the fit is a
        // tenth of a large run's engine time); the arithmetic is the same, operation by
        // operation.
        match kind.regressors() {
            0 => Self::fit_m::<0>(kind, y, x, min_returns, residuals),
            1 => Self::fit_m::<1>(kind, y, x, min_returns, residuals),
            3 => Self::fit_m::<3>(kind, y, x, min_returns, residuals),
            4 => Self::fit_m::<4>(kind, y, x, min_returns, residuals),
            _ => Self::fit_m::<MAX_REGRESSORS>(kind, y, x, min_returns, residuals),
        }
    }

    fn fit_m<const M: usize>(
        kind: ModelKind,
        y: &[f64],
        x: &[&[f64]],
        min_returns: usize,
        residuals: &mut Vec<f64>,
    ) -> Result<FittedModel, FitError> {
        let m = M;
        debug_assert_eq!(m, kind.regressors());
        debug_assert!(x.len() >= m && x[..m].iter().all(|c| c.len() == y.len()));
        // The columns cut to y's length, so that indexing them needs no bounds check; validity
        // by `&`, not `&&`: no branch per column.
        let columns: [&[f64]; M] = std::array::from_fn(|j| &x[j][..y.len()]);
        let valid = |i: usize| {
            columns
                .iter()
                .fold(y[i].is_finite(), |ok, c| ok & c[i].is_finite())
        };
        let idx = || (0..y.len()).filter(move |&i| valid(i));
        let row = |i: usize| {
            let mut r = [0.0; MAX_REGRESSORS];
            for (j, c) in columns.iter().enumerate() {
                r[j] = c[i];
            }
            r
        };

        // One pass counts the valid days and sums them; the count is checked before use.
        let mut n = 0;
        let mut y_mean = 0.0;
        let mut x_mean = [0.0; MAX_REGRESSORS];
        // Each regressor's raw sum of squares: the level its variation is judged against.
        let mut x_level = [0.0; MAX_REGRESSORS];
        // Most windows have no gap: then the one-regressor loops below test no day. With one
        // regressor the sums come first: a missing value (NaN or an infinity) makes its
        // column's sum NaN or infinite, so finite sums mean no gap, and they are the fit's
        // (the same sums in the same order as the loop below). Otherwise the loops below test
        // each day (`all_valid ||`, which the compiler hoists out of the loop).
        let gapless = (M == 1)
            .then(|| column_sums(y, columns[0], |yi, xi| [yi, xi, xi * xi]))
            .filter(|[y_sum, x_sum, _]| y_sum.is_finite() & x_sum.is_finite());
        let all_valid = gapless.is_some();
        if let Some(sums) = gapless {
            [y_mean, x_mean[0], x_level[0]] = sums;
            n = y.len();
        } else if M == 1 {
            // One regressor (the market model, the default): the same sums in the same order,
            // by zipped loops the compiler keeps in registers, where the indexed loops below
            // check each index (valgrind, 10,000-event engine bench: the fit's instructions
            // from 458 to 362 million, with the columns cut to length and the residuals
            // extended).
            for (&yi, &xi) in y.iter().zip(columns[0]) {
                if all_valid || (yi.is_finite() & xi.is_finite()) {
                    n += 1;
                    y_mean += yi;
                    x_mean[0] += xi;
                    x_level[0] += xi * xi;
                }
            }
        } else {
            for i in idx() {
                n += 1;
                y_mean += y[i];
                let r = row(i);
                for j in 0..m {
                    x_mean[j] += r[j];
                    x_level[j] += r[j] * r[j];
                }
            }
        }
        let k = kind.parameters();
        let required = min_returns.max(k + 1);
        if n < required {
            return Err(FitError::TooFewReturns { valid: n, required });
        }
        let nf = n as f64;
        y_mean /= nf;
        x_mean.iter_mut().for_each(|v| *v /= nf);

        let mut s = [[0.0; MAX_REGRESSORS]; MAX_REGRESSORS];
        let mut sxy = [0.0; MAX_REGRESSORS];
        if M == 1 {
            let (mut s00, mut sxy0) = (0.0, 0.0);
            for (&yi, &xi) in y.iter().zip(columns[0]) {
                if all_valid || (yi.is_finite() & xi.is_finite()) {
                    let da = xi - x_mean[0];
                    sxy0 += da * (yi - y_mean);
                    s00 += da * da;
                }
            }
            (s[0][0], sxy[0]) = (s00, sxy0);
        } else {
            for i in idx() {
                let r = row(i);
                let dy = y[i] - y_mean;
                for a in 0..m {
                    let da = r[a] - x_mean[a];
                    sxy[a] += da * dy;
                    for b in 0..=a {
                        s[a][b] += da * (r[b] - x_mean[b]);
                    }
                }
            }
        }
        for a in 0..m {
            for b in 0..a {
                s[b][a] = s[a][b];
            }
        }

        let (alpha, betas, s_inv) = if kind.is_estimated() {
            let s_inv = invert_spd(&s, &x_level, m, n).ok_or(if kind == ModelKind::Market {
                FitError::ConstantBenchmark
            } else {
                FitError::Singular
            })?;
            let mut betas = [0.0; MAX_REGRESSORS];
            for a in 0..m {
                betas[a] = (0..m).map(|b| s_inv[a][b] * sxy[b]).sum();
            }
            let alpha = y_mean - (0..m).map(|j| betas[j] * x_mean[j]).sum::<f64>();
            (alpha, betas, s_inv)
        } else {
            let mut betas = [0.0; MAX_REGRESSORS];
            betas[0] = 1.0;
            (0.0, betas, [[0.0; MAX_REGRESSORS]; MAX_REGRESSORS])
        };

        let model = FittedModel {
            kind,
            alpha,
            betas,
            sigma: 0.0,
            n,
            x_mean,
            s_inv,
        };
        residuals.clear();
        let mut ssr = 0.0;
        // Extended from a range or a zip, so without a capacity check per residual.
        if M == 1 {
            // `normal_return` of one regressor, written out: a float sum of one term starts
            // from -0.0, which adds nothing, so alpha + beta x is the same to the bit; the
            // call's loop over the kind's regressors cost 30 instructions a residual.
            let (alpha, beta) = (model.alpha, model.betas[0]);
            residuals.extend(y.iter().zip(columns[0]).map(|(&yi, &xi)| {
                if all_valid || (yi.is_finite() & xi.is_finite()) {
                    let e = yi - (alpha + beta * xi);
                    ssr += e * e;
                    e
                } else {
                    f64::NAN
                }
            }));
        } else {
            residuals.extend((0..y.len()).map(|i| {
                if valid(i) {
                    let e = y[i] - model.normal_return(&row(i));
                    ssr += e * e;
                    e
                } else {
                    f64::NAN
                }
            }));
        }
        with_sigma(model, ssr, y)
    }

    /// The slope on the first regressor (the market's beta), or 0 for the mean-adjusted model.
    pub fn beta(&self) -> f64 {
        if self.kind.regressors() > 0 {
            self.betas[0]
        } else {
            0.0
        }
    }

    /// Degrees of freedom of the t statistics, L - k (market-adjusted: L).
    pub fn dof(&self) -> f64 {
        self.n.saturating_sub(self.kind.parameters()).max(1) as f64
    }

    /// The normal (expected) dependent return given the day's regressors.
    pub fn normal_return(&self, x: &Regressors) -> f64 {
        self.alpha
            + (0..self.kind.regressors())
                .map(|j| self.betas[j] * x[j])
                .sum::<f64>()
    }

    /// d' S^-1 d over the model's regressors.
    fn quadratic(&self, d: &Regressors) -> f64 {
        let m = self.kind.regressors();
        (0..m)
            .map(|a| (0..m).map(|b| d[a] * self.s_inv[a][b] * d[b]).sum::<f64>())
            .sum()
    }

    /// The prediction-error factor C_t: Var(AR_t) = sigma^2 C_t.
    pub fn prediction_factor(&self, x: &Regressors) -> f64 {
        self.prediction_factor_scaled(1.0, x)
    }

    /// C_t of a period whose disturbance variance is `scale` sigma^2 (an overnight bar, a
    /// time-of-day profile): Var(AR_t) = sigma^2 (scale + 1/L + d' S^-1 d). The estimation
    /// error keeps the estimation window's sigma^2; scale 1 is [`prediction_factor`](Self::prediction_factor).
    pub fn prediction_factor_scaled(&self, scale: f64, x: &Regressors) -> f64 {
        if !self.kind.corrects_prediction_error() {
            return scale;
        }
        let mut d = [0.0; MAX_REGRESSORS];
        for j in 0..self.kind.regressors() {
            d[j] = x[j] - self.x_mean[j];
        }
        scale + 1.0 / self.n as f64 + self.quadratic(&d)
    }

    /// Var(CAR) over `days` days whose regressors sum to `x_sum`, the covariances between the
    /// days' prediction errors included (Campbell, Lo & MacKinlay 1997, 4.4):
    /// sigma^2 [n + n^2/L + e' S^-1 e], e = x_sum - n mean x.
    pub fn car_variance(&self, days: usize, x_sum: &Regressors) -> f64 {
        self.car_variance_scaled(days, days as f64, x_sum)
    }

    /// Var(CAR) when the days' disturbance variances are sigma^2 times scales that sum to
    /// `scale_sum` (each day's scale is 1 in [`car_variance`](Self::car_variance)):
    /// sigma^2 [scale_sum + n^2/L + e' S^-1 e].
    pub fn car_variance_scaled(&self, days: usize, scale_sum: f64, x_sum: &Regressors) -> f64 {
        let n = days as f64;
        let s2 = self.sigma * self.sigma;
        if !self.kind.corrects_prediction_error() {
            return s2 * scale_sum;
        }
        let mut e = [0.0; MAX_REGRESSORS];
        for j in 0..self.kind.regressors() {
            e[j] = x_sum[j] - n * self.x_mean[j];
        }
        s2 * (scale_sum + n * n / self.n as f64 + self.quadratic(&e))
    }
}

/// The smallest daily move of a regressor that is a move: returns come from prices quoted to
/// about nine significant digits, so a benchmark (or factor) whose returns vary by less than
/// 1e-9 a day over the window does not move at all, whatever its own scale.
const PRICE_PRECISION: f64 = 1e-9;

/// Inverts the leading m x m block of a symmetric positive-definite matrix by Cholesky
/// factorisation; `None` when it is singular. A pivot is zero when it is negligible beside the
/// largest diagonal element (collinear regressors), beside its regressor's raw sum of squares
/// `level` (a regressor that barely moves: S_xx would otherwise only be compared with itself),
/// or below what `n` days of moves under [`PRICE_PRECISION`] add up to.
fn invert_spd(
    s: &[Regressors; MAX_REGRESSORS],
    level: &Regressors,
    m: usize,
    n: usize,
) -> Option<[Regressors; MAX_REGRESSORS]> {
    let mut l = [[0.0; MAX_REGRESSORS]; MAX_REGRESSORS];
    let scale = (0..m).map(|i| s[i][i].abs()).fold(0.0, f64::max);
    let precision = n as f64 * PRICE_PRECISION * PRICE_PRECISION;
    for i in 0..m {
        for j in 0..=i {
            let sum: f64 = s[i][j] - (0..j).map(|k| l[i][k] * l[j][k]).sum::<f64>();
            if i == j {
                let floor = (scale * 1e-12).max(level[i] * 1e-12).max(precision);
                if !sum.is_finite() || sum <= floor {
                    return None;
                }
                l[i][i] = sum.sqrt();
            } else {
                l[i][j] = sum / l[j][j];
            }
        }
    }
    // L^-1 by forward substitution, then S^-1 = L^-T L^-1.
    let mut li = [[0.0; MAX_REGRESSORS]; MAX_REGRESSORS];
    for i in 0..m {
        li[i][i] = 1.0 / l[i][i];
        for j in 0..i {
            let sum: f64 = (j..i).map(|k| l[i][k] * li[k][j]).sum();
            li[i][j] = -sum / l[i][i];
        }
    }
    let mut inv = [[0.0; MAX_REGRESSORS]; MAX_REGRESSORS];
    for a in 0..m {
        for b in 0..m {
            inv[a][b] = (a.max(b)..m).map(|k| li[k][a] * li[k][b]).sum();
        }
    }
    Some(inv)
}

/// The sums over the pairs (a_i, b_i) of each of `term`'s K values, in order: the fit's sums
/// to the bit as they ever were (sums in interleaved lanes were faster, but their last bits
/// moved the aggregate's chi-square p-values, whose statrs evaluation at 10,000 degrees of
/// freedom amplifies a last-bit change of its statistic 500 times, past 1e-12).
#[inline(always)]
fn column_sums<const K: usize>(
    a: &[f64],
    b: &[f64],
    term: impl Fn(f64, f64) -> [f64; K],
) -> [f64; K] {
    let mut total = [0.0; K];
    for (&ai, &bi) in a.iter().zip(b) {
        for (sum, value) in total.iter_mut().zip(term(ai, bi)) {
            *sum += value;
        }
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    fn x1(v: f64) -> Regressors {
        let mut r = [0.0; MAX_REGRESSORS];
        r[0] = v;
        r
    }

    /// The market model's fit, bit for bit the textbook two-pass OLS in its stated order:
    /// count and sums of the valid days, centered sums, beta = S^-1 Sxy, alpha = mean y - beta
    /// mean x, residuals y - (alpha + beta x) and sigma from their squares in day order. Random
    /// panels with missing firm and market days; the fit's one-regressor loops must not
    /// reorder any of it.
    #[test]
    fn market_fit_is_the_two_pass_ols_to_the_bit() {
        let mut word = crate::testing::xorshift(0x9e37_79b9_7f4a_7c15);
        let mut uniform = move || crate::testing::unit(word());
        for _ in 0..200 {
            let days = 30 + (uniform() * 300.0) as usize;
            let gap = |v: f64, u: f64| if u < 0.05 { f64::NAN } else { v };
            let x: Vec<f64> = (0..days)
                .map(|_| gap(0.02 * (uniform() - 0.5), uniform()))
                .collect();
            let y: Vec<f64> = x
                .iter()
                .map(|m| gap(0.001 + 1.3 * m + 0.03 * (uniform() - 0.5), uniform()))
                .collect();
            let mut residuals = Vec::new();
            let fit =
                FittedModel::fit_with_residuals(ModelKind::Market, &y, &[&x], 10, &mut residuals)
                    .unwrap();

            let valid: Vec<(f64, f64)> = y
                .iter()
                .zip(&x)
                .filter(|(a, b)| a.is_finite() && b.is_finite())
                .map(|(&a, &b)| (a, b))
                .collect();
            let n = valid.len() as f64;
            let (mut sy, mut sx, mut level) = (0.0, 0.0, 0.0);
            for &(a, b) in &valid {
                sy += a;
                sx += b;
                level += b * b;
            }
            let (y_mean, x_mean) = (sy / n, sx / n);
            let (mut sxx, mut sxy) = (0.0, 0.0);
            for &(a, b) in &valid {
                sxy += (b - x_mean) * (a - y_mean);
                sxx += (b - x_mean) * (b - x_mean);
            }
            let mut s = [[0.0; MAX_REGRESSORS]; MAX_REGRESSORS];
            s[0][0] = sxx;
            let s_inv = invert_spd(&s, &x1(level), 1, valid.len()).unwrap()[0][0];
            let beta = s_inv * sxy;
            let alpha = y_mean - beta * x_mean;
            let expected: Vec<f64> = y
                .iter()
                .zip(&x)
                .map(|(a, b)| a - (alpha + beta * b))
                .collect();
            let ssr: f64 = expected
                .iter()
                .filter(|e| e.is_finite())
                .map(|e| e * e)
                .sum();

            assert_eq!(fit.n, valid.len());
            assert_eq!(fit.x_mean[0].to_bits(), x_mean.to_bits());
            assert_eq!(fit.s_inv[0][0].to_bits(), s_inv.to_bits());
            assert_eq!(fit.beta().to_bits(), beta.to_bits());
            assert_eq!(fit.alpha.to_bits(), alpha.to_bits());
            assert_eq!(fit.sigma.to_bits(), (ssr / (n - 2.0)).sqrt().to_bits());
            assert_eq!(residuals.len(), days);
            for (got, want) in residuals.iter().zip(&expected) {
                match want.is_nan() {
                    true => assert!(got.is_nan()),
                    false => assert_eq!(got.to_bits(), want.to_bits(), "{got} against {want}"),
                }
            }
            // The event days' ARs come from `normal_return`: the same bits as the residuals.
            for ((&got, &a), &b) in residuals.iter().zip(&y).zip(&x) {
                if got.is_finite() {
                    let ar = a - fit.normal_return(&x1(b));
                    assert_eq!(got.to_bits(), ar.to_bits(), "{got} against {ar}");
                }
            }
        }
    }

    /// A five-point OLS done on paper:
    /// x = 1 2 3 4 5, y = 2 4 5 4 5; mean x = 3, mean y = 4, S_xx = 10, S_xy = 6,
    /// beta = 0.6, alpha = 2.2, residuals -0.8 0.6 1.0 -0.6 -0.2, SSR = 2.4, sigma^2 = 2.4/3 = 0.8.
    #[test]
    fn five_point_ols_by_hand() {
        let x = [1.0, 2.0, 3.0, 4.0, 5.0];
        let y = [2.0, 4.0, 5.0, 4.0, 5.0];
        let m = FittedModel::fit(ModelKind::Market, &y, &[&x], 3).unwrap();
        assert!(close(m.beta(), 0.6));
        assert!(close(m.alpha, 2.2));
        assert!(close(m.sigma * m.sigma, 0.8));
        assert_eq!(m.n, 5);
        assert!(close(m.x_mean[0], 3.0));
        assert!(close(1.0 / m.s_inv[0][0], 10.0));
        assert!(close(m.dof(), 3.0));
        // C_t at x = 6: 1 + 1/5 + 9/10 = 2.1.
        assert!(close(m.prediction_factor(&x1(6.0)), 2.1));
        assert!(close(m.normal_return(&x1(6.0)), 5.8));
    }

    #[test]
    fn missing_pairs_are_left_out_not_zeroed() {
        let x = [1.0, 2.0, f64::NAN, 3.0, 4.0, 5.0, 7.0];
        let y = [2.0, 4.0, 9.0, 5.0, 4.0, 5.0, f64::NAN];
        let m = FittedModel::fit(ModelKind::Market, &y, &[&x], 3).unwrap();
        assert_eq!(m.n, 5);
        assert!(close(m.beta(), 0.6));
        assert!(close(m.alpha, 2.2));
    }

    #[test]
    fn mean_and_market_adjusted() {
        let x = [1.0, 2.0, 3.0, 4.0, 5.0];
        let y = [2.0, 4.0, 5.0, 4.0, 5.0];
        let mean = FittedModel::fit(ModelKind::MeanAdjusted, &y, &[], 3).unwrap();
        assert!(close(mean.alpha, 4.0));
        // deviations -2 0 1 0 1: SSR 6, L - k = 4.
        assert!(close(mean.sigma * mean.sigma, 1.5));
        assert!(close(mean.normal_return(&x1(100.0)), 4.0));
        assert!(close(mean.prediction_factor(&x1(100.0)), 1.2));
        assert!(close(
            mean.car_variance(3, &x1(0.0)),
            1.5 * (3.0 + 9.0 / 5.0)
        ));

        let adj = FittedModel::fit(ModelKind::MarketAdjusted, &y, &[&x], 3).unwrap();
        // y - x = 1 2 2 0 0: SSR 9, divided by L = 5.
        assert!(close(adj.sigma * adj.sigma, 1.8));
        assert!(close(adj.normal_return(&x1(0.25)), 0.25));
        assert!(close(adj.car_variance(3, &x1(1.0)), 3.0 * 1.8));
        assert!(close(adj.prediction_factor(&x1(7.0)), 1.0));
    }

    /// For a one-day window the CAR variance is the AR variance, sigma^2 C_t; for two days it
    /// is Var1 + Var2 + 2 Cov with Cov = sigma^2 (1/L + d1 d2 / S_xx).
    #[test]
    fn car_variance_identities() {
        let x = [0.01, -0.02, 0.015, 0.003, -0.007, 0.02, -0.011];
        let y = [0.02, -0.03, 0.02, 0.001, -0.01, 0.035, -0.02];
        let m = FittedModel::fit(ModelKind::Market, &y, &[&x], 3).unwrap();
        let s2 = m.sigma * m.sigma;
        for rm in [-0.05, 0.0, 0.012] {
            assert!((m.car_variance(1, &x1(rm)) - s2 * m.prediction_factor(&x1(rm))).abs() < 1e-15);
        }
        let (r1, r2) = (0.01, -0.03);
        let (d1, d2) = (r1 - m.x_mean[0], r2 - m.x_mean[0]);
        let sxx = 1.0 / m.s_inv[0][0];
        let cov = s2 * (1.0 / m.n as f64 + d1 * d2 / sxx);
        let by_parts =
            s2 * m.prediction_factor(&x1(r1)) + s2 * m.prediction_factor(&x1(r2)) + 2.0 * cov;
        assert!((m.car_variance(2, &x1(r1 + r2)) - by_parts).abs() < 1e-15);
    }

    /// Three regressors: y = 1 + 2 a - 3 b + 0.5 c exactly, so the fit recovers the
    /// coefficients and leaves no residual. Then C_t is checked against 1 + z'(Z'Z)^-1 z with
    /// the intercept in z, computed independently by Gaussian elimination.
    #[test]
    fn three_factor_regression() {
        let a = [0.0, 1.0, 0.0, 1.0, 2.0, 0.5];
        let b = [0.0, 0.0, 1.0, 1.0, 0.5, 2.0];
        let c = [1.0, 0.0, 0.0, 2.0, 1.0, 0.0];
        let exact: Vec<f64> = (0..6)
            .map(|i| 1.0 + 2.0 * a[i] - 3.0 * b[i] + 0.5 * c[i])
            .collect();
        // An exact fit has no sigma to divide by: refused, not a t of 1e15.
        assert_eq!(
            FittedModel::fit(ModelKind::Ff3, &exact, &[&a, &b, &c], 5).unwrap_err(),
            FitError::ExactFit
        );
        let z_rows: Vec<[f64; 4]> = (0..6).map(|i| [1.0, a[i], b[i], c[i]]).collect();
        let mut ztz = [[0.0; 4]; 4];
        for r in &z_rows {
            for p in 0..4 {
                for q in 0..4 {
                    ztz[p][q] += r[p] * r[q];
                }
            }
        }
        // Noise orthogonal to the regressors leaves the coefficients as they are and gives a
        // sigma: e = v - Z (Z'Z)^-1 Z'v.
        let e = orthogonal_noise(&z_rows, ztz);
        let y3: Vec<f64> = (0..6).map(|i| exact[i] + 0.01 * e[i]).collect();
        let m = FittedModel::fit(ModelKind::Ff3, &y3, &[&a, &b, &c], 5).unwrap();
        assert!((m.alpha - 1.0).abs() < 1e-10);
        assert!(
            (m.betas[0] - 2.0).abs() < 1e-10
                && (m.betas[1] + 3.0).abs() < 1e-10
                && (m.betas[2] - 0.5).abs() < 1e-10
        );
        let ssr: f64 = e.iter().map(|v| 1e-4 * v * v).sum();
        assert!((m.sigma - (ssr / 2.0).sqrt()).abs() < 1e-12, "{}", m.sigma);
        let z = [1.0, 0.7, -0.2, 1.5];
        let w = solve4(ztz, z);
        let expected = 1.0 + (0..4).map(|i| z[i] * w[i]).sum::<f64>();
        let mut x = [0.0; MAX_REGRESSORS];
        x[..3].copy_from_slice(&z[1..]);
        assert!(
            (m.prediction_factor(&x) - expected).abs() < 1e-9,
            "{} vs {expected}",
            m.prediction_factor(&x)
        );
    }

    /// A vector orthogonal to every column of the rows `z` (whose cross-products are `ztz`):
    /// an alternating sign vector less its projection on them.
    pub(super) fn orthogonal_noise(z: &[[f64; 4]], ztz: [[f64; 4]; 4]) -> Vec<f64> {
        let v: Vec<f64> = (0..z.len())
            .map(|i| if i % 2 == 0 { 1.0 } else { -1.0 } * (1.0 + i as f64 / 7.0))
            .collect();
        let mut zv = [0.0; 4];
        for (row, vi) in z.iter().zip(&v) {
            for p in 0..4 {
                zv[p] += row[p] * vi;
            }
        }
        let w = solve4(ztz, zv);
        z.iter()
            .zip(&v)
            .map(|(row, vi)| vi - (0..4).map(|p| row[p] * w[p]).sum::<f64>())
            .collect()
    }

    pub(super) fn solve4(mut a: [[f64; 4]; 4], mut b: [f64; 4]) -> [f64; 4] {
        for col in 0..4 {
            let pivot = (col..4)
                .max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))
                .unwrap();
            a.swap(col, pivot);
            b.swap(col, pivot);
            for row in col + 1..4 {
                let f = a[row][col] / a[col][col];
                for k in col..4 {
                    a[row][k] -= f * a[col][k];
                }
                b[row] -= f * b[col];
            }
        }
        let mut x = [0.0; 4];
        for row in (0..4).rev() {
            x[row] = (b[row] - (row + 1..4).map(|k| a[row][k] * x[k]).sum::<f64>()) / a[row][row];
        }
        x
    }

    #[test]
    fn fit_failures() {
        let x = [0.01; 5];
        let y = [0.02, 0.01, 0.0, 0.03, 0.01];
        assert_eq!(
            FittedModel::fit(ModelKind::Market, &y, &[&x], 3),
            Err(FitError::ConstantBenchmark)
        );
        // A benchmark that moves by rounding noise only is constant too.
        let flat = [0.01, 0.01 + 1e-16, 0.01, 0.01 - 1e-16, 0.01];
        assert_eq!(
            FittedModel::fit(ModelKind::Market, &y, &[&flat], 3),
            Err(FitError::ConstantBenchmark)
        );
        assert_eq!(
            FittedModel::fit(ModelKind::Market, &y, &[&[0.1, 0.2, 0.3, 0.4, 0.5]], 10),
            Err(FitError::TooFewReturns {
                valid: 5,
                required: 10
            })
        );
        // Two identical factors: collinear.
        let f = [0.1, 0.3, 0.2, 0.5, 0.4, 0.6, 0.1];
        let g = [0.2, 0.1, 0.4, 0.3, 0.1, 0.5, 0.9];
        let yy = [0.1, 0.2, 0.3, 0.1, 0.2, 0.3, 0.4];
        assert_eq!(
            FittedModel::fit(ModelKind::Ff3, &yy, &[&f, &f, &g], 5),
            Err(FitError::Singular)
        );
    }

    #[test]
    fn names_round_trip() {
        for name in ModelKind::NAMES {
            assert_eq!(name.parse::<ModelKind>().unwrap().to_string(), name);
        }
    }
}
