//! Why some firms moved more: OLS of the events' CARs on firm characteristics, with
//! heteroskedasticity-consistent standard errors (METHODS.md, "Why some firms moved more").
//!
//! The engine's own OLS (`model.rs`) is fixed at five regressors on the stack, the size of its
//! hot loop; a cross-section takes any number of columns, so this one is a small dense solver
//! on the normal equations (Cholesky), run once per CAR window.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use crate::study::stats::student_t_p;

/// The standard errors: White's HC0, its n / (n - k) version HC1, MacKinnon & White's HC3
/// (residuals scaled by 1 / (1 - h_ii)), or the classical OLS ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StandardErrors {
    Hc0,
    Hc1,
    #[default]
    Hc3,
    Ols,
}

impl StandardErrors {
    pub const NAMES: [&'static str; 4] = ["hc0", "hc1", "hc3", "ols"];

    pub fn as_str(&self) -> &'static str {
        match self {
            StandardErrors::Hc0 => "hc0",
            StandardErrors::Hc1 => "hc1",
            StandardErrors::Hc3 => "hc3",
            StandardErrors::Ols => "ols",
        }
    }
}

impl FromStr for StandardErrors {
    type Err = String;
    fn from_str(raw: &str) -> Result<Self, String> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "hc0" => Ok(StandardErrors::Hc0),
            "hc1" => Ok(StandardErrors::Hc1),
            "hc3" => Ok(StandardErrors::Hc3),
            "ols" => Ok(StandardErrors::Ols),
            _ => Err(format!("'{raw}' is not hc0, hc1, hc3 or ols")),
        }
    }
}

impl fmt::Display for StandardErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for StandardErrors {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// Why a regression cannot be run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegressionError {
    /// No more observations than coefficients.
    TooFew { n: usize, k: usize },
    /// A column is (numerically) a combination of the others, the constant among them.
    Singular,
}

impl fmt::Display for RegressionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RegressionError::TooFew { n, k } => write!(
                f,
                "{n} events for {k} coefficients: a regression needs more events than coefficients"
            ),
            RegressionError::Singular => f.write_str(
                "the design is singular: a column is constant or a combination of the others",
            ),
        }
    }
}

/// One coefficient: estimate, standard error, t and its two-sided p (Student t, n - k dof).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Coefficient {
    pub estimate: f64,
    pub se: f64,
    pub t: f64,
    pub p: f64,
}

/// An OLS fit with a constant first.
#[derive(Debug, Clone, PartialEq)]
pub struct OlsFit {
    pub n: usize,
    pub r2: f64,
    pub adj_r2: f64,
    pub se_kind: StandardErrors,
    /// The constant, then one per column, in their order.
    pub coefficients: Vec<Coefficient>,
}

/// Square matrices, row-major, of side `k`.
struct Square {
    k: usize,
    a: Vec<f64>,
}

impl Square {
    fn zero(k: usize) -> Self {
        Square {
            k,
            a: vec![0.0; k * k],
        }
    }
    fn at(&self, i: usize, j: usize) -> f64 {
        self.a[i * self.k + j]
    }
    fn at_mut(&mut self, i: usize, j: usize) -> &mut f64 {
        &mut self.a[i * self.k + j]
    }

    /// The inverse of a symmetric positive-definite matrix by Cholesky; `None` when a pivot is
    /// negligible beside its column's own sum of squares (the column is, to 1e-10, a
    /// combination of the ones before it).
    fn inverse_spd(&self) -> Option<Square> {
        let k = self.k;
        let mut l = Square::zero(k);
        for i in 0..k {
            for j in 0..=i {
                let sum = self.at(i, j) - (0..j).map(|m| l.at(i, m) * l.at(j, m)).sum::<f64>();
                if i == j {
                    if !sum.is_finite() || sum <= 1e-10 * self.at(i, i) || sum <= 0.0 {
                        return None;
                    }
                    *l.at_mut(i, i) = sum.sqrt();
                } else {
                    *l.at_mut(i, j) = sum / l.at(j, j);
                }
            }
        }
        // L^-1 by forward substitution, then A^-1 = L^-T L^-1.
        let mut li = Square::zero(k);
        for i in 0..k {
            *li.at_mut(i, i) = 1.0 / l.at(i, i);
            for j in 0..i {
                let sum: f64 = (j..i).map(|m| l.at(i, m) * li.at(m, j)).sum();
                *li.at_mut(i, j) = -sum / l.at(i, i);
            }
        }
        let mut inv = Square::zero(k);
        for a in 0..k {
            for b in 0..k {
                *inv.at_mut(a, b) = (a.max(b)..k).map(|m| li.at(m, a) * li.at(m, b)).sum();
            }
        }
        Some(inv)
    }

    fn times(&self, v: &[f64]) -> Vec<f64> {
        (0..self.k)
            .map(|i| (0..self.k).map(|j| self.at(i, j) * v[j]).sum())
            .collect()
    }
}

/// OLS of `y` on a constant and `columns` (each as long as `y`; every value finite), with
/// standard errors of kind `se`.
pub fn ols(y: &[f64], columns: &[Vec<f64>], se: StandardErrors) -> Result<OlsFit, RegressionError> {
    let n = y.len();
    let k = columns.len() + 1;
    if n <= k {
        return Err(RegressionError::TooFew { n, k });
    }
    // Row i of the design: 1, then the columns' values.
    let row = |i: usize| std::iter::once(1.0).chain(columns.iter().map(move |c| c[i]));
    let mut xtx = Square::zero(k);
    let mut xty = vec![0.0; k];
    for (i, yi) in y.iter().enumerate() {
        let x: Vec<f64> = row(i).collect();
        for a in 0..k {
            xty[a] += x[a] * yi;
            for b in 0..k {
                *xtx.at_mut(a, b) += x[a] * x[b];
            }
        }
    }
    let inverse = xtx.inverse_spd().ok_or(RegressionError::Singular)?;
    let beta = inverse.times(&xty);
    let residuals: Vec<f64> = (0..n)
        .map(|i| y[i] - row(i).zip(&beta).map(|(x, b)| x * b).sum::<f64>())
        .collect();
    let ssr: f64 = residuals.iter().map(|e| e * e).sum();
    let y_mean = y.iter().sum::<f64>() / n as f64;
    let sst: f64 = y.iter().map(|v| (v - y_mean) * (v - y_mean)).sum();
    let dof = (n - k) as f64;
    let r2 = 1.0 - ssr / sst;
    let adj_r2 = 1.0 - (1.0 - r2) * (n as f64 - 1.0) / dof;

    let covariance = match se {
        StandardErrors::Ols => {
            let sigma2 = ssr / dof;
            Square {
                k,
                a: inverse.a.iter().map(|v| v * sigma2).collect(),
            }
        }
        _ => sandwich(&inverse, n, &row, &residuals, se),
    };
    let coefficients = beta
        .iter()
        .enumerate()
        .map(|(j, &estimate)| {
            let se = covariance.at(j, j).sqrt();
            let t = estimate / se;
            Coefficient {
                estimate,
                se,
                t,
                p: student_t_p(t, dof),
            }
        })
        .collect();
    Ok(OlsFit {
        n,
        r2,
        adj_r2,
        se_kind: se,
        coefficients,
    })
}

/// (X'X)^-1 (sum w_i x_i x_i') (X'X)^-1 with w_i = e_i^2 (HC0), e_i^2 n / (n - k) (HC1) or
/// e_i^2 / (1 - h_ii)^2 (HC3), h_ii = x_i' (X'X)^-1 x_i the leverage.
fn sandwich<I: Iterator<Item = f64>>(
    inverse: &Square,
    n: usize,
    row: &impl Fn(usize) -> I,
    residuals: &[f64],
    se: StandardErrors,
) -> Square {
    let k = inverse.k;
    let mut meat = Square::zero(k);
    for (i, e) in residuals.iter().enumerate() {
        let x: Vec<f64> = row(i).collect();
        let weight = match se {
            StandardErrors::Hc3 => {
                let h: f64 = inverse.times(&x).iter().zip(&x).map(|(a, b)| a * b).sum();
                e * e / ((1.0 - h) * (1.0 - h))
            }
            StandardErrors::Hc1 => e * e * n as f64 / (n - k) as f64,
            _ => e * e,
        };
        for a in 0..k {
            for b in 0..k {
                *meat.at_mut(a, b) += weight * x[a] * x[b];
            }
        }
    }
    let mut half = Square::zero(k);
    for a in 0..k {
        for b in 0..k {
            *half.at_mut(a, b) = (0..k).map(|m| inverse.at(a, m) * meat.at(m, b)).sum();
        }
    }
    let mut out = Square::zero(k);
    for a in 0..k {
        for b in 0..k {
            *out.at_mut(a, b) = (0..k).map(|m| half.at(a, m) * inverse.at(m, b)).sum();
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// y = 2 4 5 4 5 on x = 1..5: beta 0.6, alpha 2.2, SSR 2.4 (the five-point case of
    /// `model.rs`); OLS se(beta) = sqrt(0.8 / 10); R^2 = 1 - 2.4 / 6 = 0.6.
    #[test]
    fn five_points_by_hand() {
        let y = [2.0, 4.0, 5.0, 4.0, 5.0];
        let x = vec![vec![1.0, 2.0, 3.0, 4.0, 5.0]];
        let fit = ols(&y, &x, StandardErrors::Ols).unwrap();
        let b = fit.coefficients[1];
        assert!((b.estimate - 0.6).abs() < 1e-12);
        assert!((fit.coefficients[0].estimate - 2.2).abs() < 1e-12);
        assert!((b.se - 0.08f64.sqrt()).abs() < 1e-12);
        assert!((fit.r2 - 0.6).abs() < 1e-12);
        assert!((fit.adj_r2 - (1.0 - 0.4 * 4.0 / 3.0)).abs() < 1e-12);
        // HC0 by hand: residuals -0.8 0.6 1.0 -0.6 -0.2 on x - 3 = -2 -1 0 1 2:
        // Var(beta) = sum e^2 (x - 3)^2 / S_xx^2 = (2.56 + 0.36 + 0 + 0.36 + 0.16) / 100.
        let hc0 = ols(&y, &x, StandardErrors::Hc0).unwrap();
        assert!((hc0.coefficients[1].se - 0.0344f64.sqrt()).abs() < 1e-12);
        let hc1 = ols(&y, &x, StandardErrors::Hc1).unwrap();
        assert!((hc1.coefficients[1].se - (0.0344f64 * 5.0 / 3.0).sqrt()).abs() < 1e-12);
    }

    #[test]
    fn collinear_and_too_few_are_errors() {
        let y = [1.0, 2.0, 3.0, 5.0];
        let x = vec![vec![1.0, 2.0, 3.0, 4.0], vec![2.0, 4.0, 6.0, 8.0]];
        assert_eq!(
            ols(&y, &x, StandardErrors::Hc3),
            Err(RegressionError::Singular)
        );
        let constant = vec![vec![3.0; 4]];
        assert_eq!(
            ols(&y, &constant, StandardErrors::Hc3),
            Err(RegressionError::Singular)
        );
        assert_eq!(
            ols(&y[..2], &[vec![1.0, 2.0]], StandardErrors::Hc3),
            Err(RegressionError::TooFew { n: 2, k: 2 })
        );
    }
}
