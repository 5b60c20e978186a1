//! Normal-return models for thinly traded stocks, whose prices react to the market a day
//! late: Scholes & Williams (1977) and Dimson (1979) (docs/METHODS.md, "Normal-return
//! models"). Both report the market model's alpha and beta form and keep its prediction-error
//! factor C_t.

use super::*;

impl FittedModel {
    /// Scholes-Williams (1977), METHODS "Thin trading": `y` the firm's returns over the
    /// estimation days, `market` the market's on the same days, `before` and `after` the
    /// market's on the day before and after each (NaN where missing or outside the data, so a
    /// lag may reach the day before the window). b_-1, b_0, b_+1 are the simple OLS slopes of
    /// y on each over the days where both are valid; rho_m is the correlation of the market's
    /// return with its previous day's over the days where both are valid; beta = (b_-1 + b_0 +
    /// b_+1) / (1 + 2 rho_m), alpha = mean y - beta mean R_m over the L days where y and R_m
    /// are valid, sigma^2 = sum of their squared ARs / (L - 2). C_t is the market model's.
    pub fn fit_scholes_williams(
        y: &[f64],
        before: &[f64],
        market: &[f64],
        after: &[f64],
        min_returns: usize,
        residuals: &mut Vec<f64>,
    ) -> Result<FittedModel, FitError> {
        let kind = ModelKind::ScholesWilliams;
        let days = MarketDays::new(kind, y, market, min_returns)?;
        let slopes = [before, market, after].map(|x| simple_slope(y, x));
        let rho = correlation(market, before);
        let (Some(b_before), Some(b_same), Some(b_after), Some(rho)) =
            (slopes[0], slopes[1], slopes[2], rho)
        else {
            return Err(FitError::ConstantBenchmark);
        };
        let beta = (b_before + b_same + b_after) / (1.0 + 2.0 * rho);
        let alpha = days.y_mean - beta * days.x_mean;
        days.finish(kind, alpha, beta, None, y, market, residuals)
    }

    /// Dimson (1979), METHODS "Thin trading": the OLS of `y` on the market's returns of `lags`
    /// days before to `lags` days after (`shifted`, 2 lags + 1 columns, the same day in the
    /// middle; NaN where missing or outside the data) with one intercept, over the days where
    /// all are valid; beta = the sum of the slopes, alpha = the intercept, sigma^2 = that
    /// regression's SSR / (L - 2 lags - 2). ARs use R_mt alone; C_t is the market model's over
    /// the regression's days.
    pub fn fit_dimson(
        lags: u8,
        y: &[f64],
        shifted: &[&[f64]],
        min_returns: usize,
        residuals: &mut Vec<f64>,
    ) -> Result<FittedModel, FitError> {
        let kind = ModelKind::Dimson(lags);
        let width = 2 * lags as usize + 1;
        if lags == 0 || width > MAX_REGRESSORS || shifted.len() != width {
            return Err(FitError::Singular);
        }
        // The regression is an OLS with 2 lags + 1 regressors: the factor models' code (its
        // k = regressors + 1 is 2 lags + 2, the Dimson divisor).
        let as_ols = if width == 3 {
            ModelKind::Ff3
        } else {
            ModelKind::Ff5
        };
        let regression = FittedModel::fit(as_ols, y, shifted, min_returns)?;
        let market = shifted[lags as usize];
        // The market model's moments over the regression's days.
        let on_regression_days: Vec<f64> = (0..y.len())
            .map(|i| {
                let used = y[i].is_finite() && shifted.iter().all(|c| c[i].is_finite());
                if used {
                    market[i]
                } else {
                    f64::NAN
                }
            })
            .collect();
        let days = MarketDays::new(kind, y, &on_regression_days, min_returns)?;
        let beta = regression.betas[..width].iter().sum();
        days.finish(
            kind,
            regression.alpha,
            beta,
            Some(regression.sigma),
            y,
            market,
            residuals,
        )
    }
}

/// The valid (y, R_m) days of a thin-trading fit and the market model's moments over them.
struct MarketDays {
    n: usize,
    y_mean: f64,
    x_mean: f64,
    s_inv: f64,
}

impl MarketDays {
    /// Over the days where `y` and `market` are valid; an error when too few, or when the
    /// market does not move.
    fn new(
        kind: ModelKind,
        y: &[f64],
        market: &[f64],
        min_returns: usize,
    ) -> Result<MarketDays, FitError> {
        let pairs = || {
            y.iter()
                .zip(market)
                .filter(|(a, b)| a.is_finite() && b.is_finite())
        };
        let n = pairs().count();
        let required = min_returns.max(kind.parameters() + 1);
        if n < required {
            return Err(FitError::TooFewReturns { valid: n, required });
        }
        let nf = n as f64;
        let y_mean = pairs().map(|p| p.0).sum::<f64>() / nf;
        let x_mean = pairs().map(|p| p.1).sum::<f64>() / nf;
        let level: f64 = pairs().map(|p| p.1 * p.1).sum();
        let sxx: f64 = pairs().map(|p| (p.1 - x_mean) * (p.1 - x_mean)).sum();
        let mut s = [[0.0; MAX_REGRESSORS]; MAX_REGRESSORS];
        s[0][0] = sxx;
        let mut levels = [0.0; MAX_REGRESSORS];
        levels[0] = level;
        let s_inv = invert_spd(&s, &levels, 1, n).ok_or(FitError::ConstantBenchmark)?[0][0];
        Ok(MarketDays {
            n,
            y_mean,
            x_mean,
            s_inv,
        })
    }

    /// The fitted model: ARs y - alpha - beta R_m on the valid days into `residuals`, and sigma
    /// (given, or from those ARs over L - k).
    #[allow(clippy::too_many_arguments)]
    fn finish(
        &self,
        kind: ModelKind,
        alpha: f64,
        beta: f64,
        sigma: Option<f64>,
        y: &[f64],
        market: &[f64],
        residuals: &mut Vec<f64>,
    ) -> Result<FittedModel, FitError> {
        let mut betas = [0.0; MAX_REGRESSORS];
        betas[0] = beta;
        let mut x_mean = [0.0; MAX_REGRESSORS];
        x_mean[0] = self.x_mean;
        let mut s_inv = [[0.0; MAX_REGRESSORS]; MAX_REGRESSORS];
        s_inv[0][0] = self.s_inv;
        let mut model = FittedModel {
            kind,
            alpha,
            betas,
            sigma: 0.0,
            n: self.n,
            x_mean,
            s_inv,
        };
        residuals.clear();
        let mut ssr = 0.0;
        for (&yi, &xi) in y.iter().zip(market) {
            if yi.is_finite() && xi.is_finite() {
                let e = yi - alpha - beta * xi;
                residuals.push(e);
                ssr += e * e;
            } else {
                residuals.push(f64::NAN);
            }
        }
        match sigma {
            Some(sigma) => {
                model.sigma = sigma;
                check_not_exact(&model, ssr, y)?;
                Ok(model)
            }
            None => with_sigma(model, ssr, y),
        }
    }
}

/// The OLS slope of `y` on `x` over the days where both are valid; `None` when `x` does not
/// move there.
fn simple_slope(y: &[f64], x: &[f64]) -> Option<f64> {
    let (sxy, sxx) = centred_sums(y, x)?;
    (sxx > 0.0).then(|| sxy / sxx).filter(|b| b.is_finite())
}

/// Pearson's correlation of `a` and `b` over the days where both are valid.
fn correlation(a: &[f64], b: &[f64]) -> Option<f64> {
    let (sab, sbb) = centred_sums(a, b)?;
    let (_, saa) = centred_sums(b, a)?;
    let r = sab / (saa * sbb).sqrt();
    r.is_finite().then_some(r)
}

/// (S_yx, S_xx) centred on the means of the days where both are valid.
fn centred_sums(y: &[f64], x: &[f64]) -> Option<(f64, f64)> {
    let pairs = || {
        y.iter()
            .zip(x)
            .filter(|(a, b)| a.is_finite() && b.is_finite())
    };
    let n = pairs().count();
    if n < 2 {
        return None;
    }
    let y_mean = pairs().map(|p| p.0).sum::<f64>() / n as f64;
    let x_mean = pairs().map(|p| p.1).sum::<f64>() / n as f64;
    Some(pairs().fold((0.0, 0.0), |(sxy, sxx), (yi, xi)| {
        let dx = xi - x_mean;
        (sxy + (yi - y_mean) * dx, sxx + dx * dx)
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// y = 0.001 + 0.3 m_{t-1} + 0.9 m_t + 0.2 m_{t+1} exactly: Dimson's beta is the sum of the
    /// three slopes, 1.4, its intercept 0.001, and nothing is left over.
    #[test]
    fn dimson_recovers_summed_slopes() {
        let m: Vec<f64> = (0..40)
            .map(|i| ((i * 37 % 17) as f64 - 8.0) / 400.0 + ((i * 11 % 7) as f64) / 900.0)
            .collect();
        let at = |i: i64| usize::try_from(i).ok().and_then(|j| m.get(j).copied());
        let days: Vec<i64> = (5..35).collect();
        let y: Vec<f64> = days
            .iter()
            .map(|&t| {
                0.001 + 0.3 * at(t - 1).unwrap() + 0.9 * at(t).unwrap() + 0.2 * at(t + 1).unwrap()
            })
            .collect();
        let shifted: Vec<Vec<f64>> = (-1..=1)
            .map(|k| {
                days.iter()
                    .map(|&t| at(t + k).unwrap_or(f64::NAN))
                    .collect()
            })
            .collect();
        let columns: Vec<&[f64]> = shifted.iter().map(Vec::as_slice).collect();
        let mut residuals = Vec::new();
        // Exactly so, there is no sigma: the fit is refused rather than divided by rounding.
        assert_eq!(
            FittedModel::fit_dimson(1, &y, &columns, 10, &mut residuals).unwrap_err(),
            FitError::ExactFit
        );
        // With noise orthogonal to the regressors the slopes stay, and sigma is the noise's.
        let rows: Vec<[f64; 4]> = (0..y.len())
            .map(|t| [1.0, shifted[0][t], shifted[1][t], shifted[2][t]])
            .collect();
        let mut ztz = [[0.0; 4]; 4];
        for r in &rows {
            for p in 0..4 {
                for q in 0..4 {
                    ztz[p][q] += r[p] * r[q];
                }
            }
        }
        let e = super::super::tests::orthogonal_noise(&rows, ztz);
        let y: Vec<f64> = y.iter().zip(&e).map(|(v, e)| v + 1e-3 * e).collect();
        let fit = FittedModel::fit_dimson(1, &y, &columns, 10, &mut residuals).unwrap();
        assert!((fit.beta() - 1.4).abs() < 1e-9, "{}", fit.beta());
        assert!((fit.alpha - 0.001).abs() < 1e-9);
        let ssr: f64 = e.iter().map(|v| 1e-6 * v * v).sum();
        assert!(
            (fit.sigma - (ssr / 26.0).sqrt()).abs() < 1e-12,
            "{}",
            fit.sigma
        );
        assert_eq!(fit.dof(), 30.0 - 4.0);
        // The ARs use the same day's market only: y - alpha - 1.4 m_t.
        let t = 3;
        let expected = y[t] - 0.001 - 1.4 * shifted[1][t];
        assert!((residuals[t] - expected).abs() < 1e-9);
    }
}
