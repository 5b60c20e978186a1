//! The market model with GARCH(1,1) errors (METHODS.md, "GARCH(1,1) market model"; Bollerslev
//! 1986): R_t = alpha + beta R_mt + e_t, e_t | past ~ N(0, h_t),
//! h_t = omega + a e_{t-1}^2 + b h_{t-1}, all five parameters by joint Gaussian maximum
//! likelihood over the estimation window's valid days (gaps closed up). h_1 and e_0^2 start at
//! the backcast, the mean squared OLS residual of the same window, held fixed: h_1 = omega +
//! (a + b) backcast, as Python's `arch` does when given the backcast.
//!
//! The optimiser works on unconstrained parameters that map onto omega > 0, a >= 0, b >= 0,
//! a + b < 1: the mean's two in units of the residual's size, omega by its log (relative to
//! the backcast), the persistence a + b by its logit and a's share of it by its logit. (Not
//! the unconditional variance omega / (1 - a - b) by its log: at the integrated corner, a
//! variance that trends over the window, it runs off to infinity with the persistence.) The likelihood's gradient is analytic (the recursion's derivatives carried
//! along with h_t).

use crate::study::model::{FittedModel, ModelKind};
use crate::study::optimize::{bfgs, Minimum, Tolerance};

/// One event's fitted GARCH(1,1) market model.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GarchFit {
    pub alpha: f64,
    pub beta: f64,
    pub omega: f64,
    /// a, the weight of yesterday's squared residual.
    pub arch: f64,
    /// b, the weight of yesterday's variance.
    pub garch: f64,
    /// The maximised log-likelihood (decimal returns).
    pub loglik: f64,
    pub converged: bool,
    pub iterations: usize,
    /// The fixed start of the recursion: the mean squared OLS residual.
    pub backcast: f64,
}

/// The five parameters on their own scales.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GarchParams {
    pub alpha: f64,
    pub beta: f64,
    pub omega: f64,
    pub arch: f64,
    pub garch: f64,
}

impl GarchFit {
    /// a + b: how slowly a shock to the variance fades.
    pub fn persistence(&self) -> f64 {
        self.arch + self.garch
    }

    pub fn params(&self) -> GarchParams {
        GarchParams {
            alpha: self.alpha,
            beta: self.beta,
            omega: self.omega,
            arch: self.arch,
            garch: self.garch,
        }
    }
}

/// The log-likelihood of the valid pairs (y_t, x_t) at `p` and its gradient in (alpha, beta,
/// omega, a, b); -infinity where a variance is not positive and finite.
pub fn log_likelihood(p: &GarchParams, y: &[f64], x: &[f64], backcast: f64) -> (f64, [f64; 5]) {
    const LN_2PI: f64 = 1.837_877_066_409_345_5;
    let mut total = 0.0;
    let mut grad = [0.0; 5];
    // e_{t-1}, h_{t-1} and their derivatives; before the first day, the backcast (whose
    // derivatives are zero: it is held fixed).
    let (mut e_prev, mut e2_prev, mut h_prev) = (0.0, backcast, backcast);
    let (mut x_prev, mut dh_prev) = (0.0, [0.0; 5]);
    for (t, (&yt, &xt)) in y.iter().zip(x).enumerate() {
        let h = p.omega + p.arch * e2_prev + p.garch * h_prev;
        let mut dh = [
            p.garch * dh_prev[0],
            p.garch * dh_prev[1],
            1.0 + p.garch * dh_prev[2],
            e2_prev + p.garch * dh_prev[3],
            h_prev + p.garch * dh_prev[4],
        ];
        if t > 0 {
            // d(e_{t-1}^2) = 2 e_{t-1} d e_{t-1}, d e = (-1, -x, 0, 0, 0).
            dh[0] -= 2.0 * p.arch * e_prev;
            dh[1] -= 2.0 * p.arch * e_prev * x_prev;
        }
        if !(h > 0.0 && h.is_finite()) {
            return (f64::NEG_INFINITY, [f64::NAN; 5]);
        }
        let e = yt - p.alpha - p.beta * xt;
        let e2 = e * e;
        total -= 0.5 * (LN_2PI + h.ln() + e2 / h);
        // dl_t = -1/2 [(1/h - e^2/h^2) dh + 2 e de / h].
        let w = 0.5 * (e2 / h - 1.0) / h;
        for (g, d) in grad.iter_mut().zip(&dh) {
            *g += w * d;
        }
        grad[0] += e / h;
        grad[1] += e * xt / h;
        (e_prev, e2_prev, h_prev, x_prev, dh_prev) = (e, e2, h, xt, dh);
    }
    (total, grad)
}

/// The conditional variances h_1..h_n of the valid pairs at `p`.
pub fn conditional_variances(p: &GarchParams, y: &[f64], x: &[f64], backcast: f64) -> Vec<f64> {
    let (mut e2_prev, mut h_prev) = (backcast, backcast);
    y.iter()
        .zip(x)
        .map(|(&yt, &xt)| {
            let h = p.omega + p.arch * e2_prev + p.garch * h_prev;
            let e = yt - p.alpha - p.beta * xt;
            (e2_prev, h_prev) = (e * e, h);
            h
        })
        .collect()
}

/// The variance forecasts h_{n+1}, h_{n+2}, ... from the last day's residual and variance:
/// h_{n+1} = omega + a e_n^2 + b h_n, then h_{n+k} = omega + (a + b) h_{n+k-1}.
pub fn forecast(p: &GarchParams, e_last: f64, h_last: f64) -> impl Iterator<Item = f64> {
    let p = *p;
    let first = p.omega + p.arch * e_last * e_last + p.garch * h_last;
    std::iter::successors(Some(first), move |h| Some(p.omega + (p.arch + p.garch) * h))
}

fn logistic(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

/// The map from the optimiser's unconstrained parameters to the model's.
struct Transform {
    alpha0: f64,
    beta0: f64,
    /// The residual's size (sqrt of the backcast) and its size over the regressor's.
    alpha_unit: f64,
    beta_unit: f64,
    backcast: f64,
}

impl Transform {
    fn params(&self, z: &[f64; 5]) -> GarchParams {
        let p = logistic(z[3]);
        let q = logistic(z[4]);
        GarchParams {
            alpha: self.alpha0 + self.alpha_unit * z[0],
            beta: self.beta0 + self.beta_unit * z[1],
            omega: self.backcast * z[2].exp(),
            arch: p * q,
            garch: p * logistic(-z[4]),
        }
    }

    fn start(&self, persistence: f64, arch_share: f64) -> [f64; 5] {
        let logit = |u: f64| (u / (1.0 - u)).ln();
        // omega at the backcast's share of the unconditional variance: (1 - a - b) backcast.
        [
            0.0,
            0.0,
            (1.0 - persistence).ln(),
            logit(persistence),
            logit(arch_share),
        ]
    }

    /// The chain rule from the model's gradient `g` to the unconstrained one.
    fn gradient(&self, z: &[f64; 5], g: &[f64; 5]) -> [f64; 5] {
        let omega = self.backcast * z[2].exp();
        let (p, one_minus_p) = (logistic(z[3]), logistic(-z[3]));
        let (q, one_minus_q) = (logistic(z[4]), logistic(-z[4]));
        let dp = p * one_minus_p;
        [
            self.alpha_unit * g[0],
            self.beta_unit * g[1],
            omega * g[2],
            dp * (q * g[3] + one_minus_q * g[4]),
            p * q * one_minus_q * (g[3] - g[4]),
        ]
    }
}

/// The searches' starting points: (a + b, a / (a + b)).
const STARTS: [(f64, f64); 11] = [
    (0.5, 0.1),
    (0.8, 0.1),
    (0.9, 0.05),
    (0.9, 0.1),
    (0.9, 0.3),
    (0.95, 0.05),
    (0.97, 0.1),
    (0.99, 0.03),
    (0.99, 0.1),
    (0.999, 0.01),
    (0.999, 0.1),
];

/// Fits the GARCH(1,1) market model to the valid pairs (y_t, x_t), gaps already closed up,
/// starting the mean at the OLS (alpha, beta) with `backcast` the mean squared OLS residual.
/// The search runs from each of a small grid of (a + b, a's share) and keeps the highest
/// likelihood: the likelihood can have a local maximum inside the parameter space and its
/// supremum on the boundary (a = 0 and a + b -> 1: a variance that trends over the window), and
/// searches from the best few starting values miss the one or the other.
pub fn fit(y: &[f64], x: &[f64], ols: (f64, f64), backcast: f64) -> GarchFit {
    let n = y.len().max(1) as f64;
    let x_mean = x.iter().sum::<f64>() / n;
    let x_sd = (x.iter().map(|v| (v - x_mean).powi(2)).sum::<f64>() / n).sqrt();
    let unit = backcast.sqrt();
    let transform = Transform {
        alpha0: ols.0,
        beta0: ols.1,
        alpha_unit: unit,
        beta_unit: if x_sd > 0.0 { unit / x_sd } else { 1.0 },
        backcast,
    };
    // The mean negative log-likelihood per day: its gradient's size does not grow with n.
    let objective = |z: &[f64; 5]| {
        let (l, g) = log_likelihood(&transform.params(z), y, x, backcast);
        if !l.is_finite() {
            return (f64::INFINITY, [f64::NAN; 5]);
        }
        let gz = transform.gradient(z, &g);
        (-l / n, gz.map(|v| -v / n))
    };
    let tolerance = Tolerance::default();
    let best: Option<Minimum<5>> = STARTS
        .iter()
        .map(|&(p, q)| transform.start(p, q))
        .filter(|z| objective(z).0.is_finite())
        .map(|z| bfgs(objective, z, tolerance))
        .filter(|m| m.value.is_finite())
        .min_by(|a, b| a.value.total_cmp(&b.value));
    let Some(best) = best else {
        return GarchFit {
            alpha: ols.0,
            beta: ols.1,
            omega: f64::NAN,
            arch: f64::NAN,
            garch: f64::NAN,
            loglik: f64::NAN,
            converged: false,
            iterations: 0,
            backcast,
        };
    };
    let p = transform.params(&best.x);
    GarchFit {
        alpha: p.alpha,
        beta: p.beta,
        omega: p.omega,
        arch: p.arch,
        garch: p.garch,
        loglik: -best.value * n,
        converged: best.converged,
        iterations: best.iterations,
        backcast,
    }
}

/// The GARCH(1,1) market model over the estimation days (`y`, `x` from calendar index `lo`),
/// from the OLS fit `ols` and its `residuals`: the model whose t statistics read the forecast
/// variances of the days after the estimation window up to `event_end`, with the GARCH
/// mean's residuals in `residuals`; or, when the search did not converge, `ols` as it was.
pub(crate) fn fit_event(
    (y, x): (&[f64], &[f64]),
    ols: FittedModel,
    (lo, event_end): (usize, usize),
    residuals: &mut [f64],
) -> (FittedModel, GarchFit, Option<GarchForecast>) {
    let valid: Vec<usize> = (0..y.len()).filter(|&i| residuals[i].is_finite()).collect();
    let y_valid: Vec<f64> = valid.iter().map(|&i| y[i]).collect();
    let x_valid: Vec<f64> = valid.iter().map(|&i| x[i]).collect();
    let backcast = valid.iter().map(|&i| residuals[i].powi(2)).sum::<f64>() / valid.len() as f64;
    let fit = fit(&y_valid, &x_valid, (ols.alpha, ols.beta()), backcast);
    let (model, forecast) = garch_model(
        &fit,
        (y, x),
        (&y_valid, &x_valid, &valid),
        ols,
        (lo, event_end),
        residuals,
    );
    (model, fit, forecast)
}

/// The model a GARCH `fit` gives, its forecasts and residuals (see [`fit_event`]); `ols`
/// untouched when the fit did not converge.
fn garch_model(
    fit: &GarchFit,
    (y, x): (&[f64], &[f64]),
    (y_valid, x_valid, valid): (&[f64], &[f64], &[usize]),
    ols: FittedModel,
    (lo, event_end): (usize, usize),
    residuals: &mut [f64],
) -> (FittedModel, Option<GarchForecast>) {
    if !fit.converged {
        return (ols, None);
    }
    let (params, backcast) = (fit.params(), fit.backcast);
    let h = conditional_variances(&params, y_valid, x_valid, backcast);
    let sigma2 = h.iter().sum::<f64>() / h.len() as f64;
    let mut model = ols;
    model.kind = ModelKind::Garch;
    model.alpha = fit.alpha;
    model.betas[0] = fit.beta;
    model.sigma = sigma2.sqrt();
    for &i in valid {
        residuals[i] = y[i] - fit.alpha - fit.beta * x[i];
    }
    // The forecast runs on from the last valid estimation day, a step per calendar day.
    let last = *valid.last().expect("a fit has valid days");
    let e_last = residuals[last];
    let first = lo + last + 1;
    let scales = forecast(&params, e_last, h[h.len() - 1])
        .take((event_end + 1).saturating_sub(first))
        .map(|v| v / sigma2)
        .collect();
    (model, Some(GarchForecast { first, scales }))
}

/// The GARCH variance forecasts of the days after the estimation window, over sigma^2.
#[derive(Debug, Clone)]
pub(crate) struct GarchForecast {
    /// The calendar index of the first forecast day.
    first: usize,
    scales: Vec<f64>,
}

impl GarchForecast {
    /// Calendar day `index`'s forecast variance over sigma^2 (NaN outside the forecast).
    pub(crate) fn scale(&self, index: usize) -> f64 {
        index
            .checked_sub(self.first)
            .and_then(|k| self.scales.get(k))
            .copied()
            .unwrap_or(f64::NAN)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A GARCH(1,1) market-model sample from a fixed linear congruential generator.
    pub(crate) fn simulate(n: usize, seed: u64, truth: &GarchParams) -> (Vec<f64>, Vec<f64>) {
        let mut state = seed;
        let mut uniform = move || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            ((state >> 11) as f64 + 0.5) / (1u64 << 53) as f64
        };
        let mut normal = move || {
            let (u, v) = (uniform(), uniform());
            (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
        };
        let mut h = truth.omega / (1.0 - truth.arch - truth.garch);
        let mut e: f64 = 0.0;
        let (mut y, mut x) = (Vec::new(), Vec::new());
        for _ in 0..n {
            h = truth.omega + truth.arch * e * e + truth.garch * h;
            e = h.sqrt() * normal();
            let xt = 0.01 * normal();
            x.push(xt);
            y.push(truth.alpha + truth.beta * xt + e);
        }
        (y, x)
    }

    const TRUTH: GarchParams = GarchParams {
        alpha: 0.0005,
        beta: 1.2,
        omega: 2e-6,
        arch: 0.08,
        garch: 0.9,
    };

    #[test]
    fn likelihood_by_hand_for_two_days() {
        // backcast 1: h_1 = 0.1 + (0.2 + 0.5) = 0.8; e_1 = 1 - 0 - 0.5 * 2 = 0;
        // h_2 = 0.1 + 0.2 * 0 + 0.5 * 0.8 = 0.5; e_2 = 2 - 0.5 = 1.5.
        let p = GarchParams {
            alpha: 0.0,
            beta: 0.5,
            omega: 0.1,
            arch: 0.2,
            garch: 0.5,
        };
        let (l, _) = log_likelihood(&p, &[1.0, 2.0], &[2.0, 1.0], 1.0);
        let ln2pi = (2.0 * std::f64::consts::PI).ln();
        let expected = -0.5 * (ln2pi + 0.8f64.ln()) - 0.5 * (ln2pi + 0.5f64.ln() + 2.25 / 0.5);
        assert!((l - expected).abs() < 1e-14, "{l} {expected}");
        let h = conditional_variances(&p, &[1.0, 2.0], &[2.0, 1.0], 1.0);
        assert!((h[0] - 0.8).abs() < 1e-15 && (h[1] - 0.5).abs() < 1e-15);
        let f: Vec<f64> = forecast(&p, 1.5, 0.5).take(2).collect();
        // h_3 = 0.1 + 0.2 * 2.25 + 0.5 * 0.5 = 0.8; h_4 = 0.1 + 0.7 * 0.8 = 0.66.
        assert!((f[0] - 0.8).abs() < 1e-15 && (f[1] - 0.66).abs() < 1e-15);
    }

    #[test]
    fn gradient_matches_central_differences() {
        let (y, x) = simulate(120, 7, &TRUTH);
        let p = GarchParams {
            alpha: 0.0003,
            beta: 1.1,
            omega: 3e-6,
            arch: 0.1,
            garch: 0.85,
        };
        let bc = 4e-5;
        let (_, g) = log_likelihood(&p, &y, &x, bc);
        let bump = |i: usize, d: f64| {
            let mut q = p;
            match i {
                0 => q.alpha += d,
                1 => q.beta += d,
                2 => q.omega += d,
                3 => q.arch += d,
                _ => q.garch += d,
            }
            log_likelihood(&q, &y, &x, bc).0
        };
        let steps = [1e-7, 1e-5, 1e-10, 1e-6, 1e-6];
        for (i, &d) in steps.iter().enumerate() {
            let numeric = (bump(i, d) - bump(i, -d)) / (2.0 * d);
            assert!(
                (numeric - g[i]).abs() <= 1e-5 * g[i].abs().max(1.0),
                "parameter {i}: analytic {} numeric {numeric}",
                g[i]
            );
        }
    }

    #[test]
    fn recovers_the_parameters_of_a_long_sample() {
        let (y, x) = simulate(5000, 11, &TRUTH);
        let ols_beta = {
            let n = y.len() as f64;
            let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
            let sxy: f64 = x.iter().zip(&y).map(|(a, b)| (a - mx) * (b - my)).sum();
            let sxx: f64 = x.iter().map(|a| (a - mx).powi(2)).sum();
            let beta = sxy / sxx;
            (my - beta * mx, beta)
        };
        let bc = y
            .iter()
            .zip(&x)
            .map(|(a, b)| (a - ols_beta.0 - ols_beta.1 * b).powi(2))
            .sum::<f64>()
            / y.len() as f64;
        let fit = fit(&y, &x, ols_beta, bc);
        assert!(fit.converged, "{fit:?}");
        assert!((fit.beta - 1.2).abs() < 0.05, "{fit:?}");
        assert!((fit.arch - 0.08).abs() < 0.03, "{fit:?}");
        assert!((fit.garch - 0.9).abs() < 0.04, "{fit:?}");
        // The optimum: the likelihood is no higher a small step away in any parameter.
        let best = log_likelihood(&fit.params(), &y, &x, bc).0;
        assert!((best - fit.loglik).abs() < 1e-9 * best.abs());
        let truth_l = log_likelihood(&TRUTH, &y, &x, bc).0;
        assert!(best >= truth_l, "{best} < {truth_l}");
    }
}
