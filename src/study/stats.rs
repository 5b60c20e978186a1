//! Distribution tails for the significance tests (two-sided p-values).

use statrs::distribution::{ContinuousCDF, Normal, StudentsT};
use statrs::function::gamma::ln_gamma;

/// Two-sided p-value of a Student t statistic with `dof` degrees of freedom; NaN in, NaN out.
pub fn student_t_p(t: f64, dof: f64) -> f64 {
    StudentT::new(dof).p(t)
}

/// Student's t with its degrees of freedom fixed, for many p-values at one dof (every day and
/// window of an event): the log-beta constant of the incomplete beta function, three log-gamma
/// calls, is computed once instead of per p-value.
///
/// `p` is statrs' `StudentsT::sf` (statrs 0.19, `beta::checked_beta_reg`, MIT licence) with that
/// constant hoisted, the same operations in the same order: the p-values are bit for bit those
/// of statrs, which a unit test checks.
#[derive(Debug, Clone, Copy)]
pub struct StudentT {
    dof: f64,
    /// ln Gamma(a + b) - ln Gamma(a) - ln Gamma(b) for a = dof / 2, b = 1/2.
    ln_beta: f64,
}

impl StudentT {
    pub fn new(dof: f64) -> Self {
        let (a, b) = (dof / 2.0, 0.5);
        let ln_beta = if dof.is_finite() && dof > 0.0 {
            ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b)
        } else {
            f64::NAN
        };
        StudentT { dof, ln_beta }
    }

    /// Two-sided p-value of `t`; NaN for a NaN or infinite t or an invalid dof.
    pub fn p(&self, t: f64) -> f64 {
        if !t.is_finite() || self.dof.is_nan() || self.dof <= 0.0 {
            return f64::NAN;
        }
        if self.dof.is_infinite() {
            return normal_p(t);
        }
        let k = t.abs();
        let h = self.dof / (self.dof + k * k);
        let ib = 0.5 * self.beta_reg(h);
        // statrs: sf(x) = 1 - ib at x <= 0, ib above.
        let sf = if k <= 0.0 { 1.0 - ib } else { ib };
        (2.0 * sf).min(1.0)
    }

    /// The regularized incomplete beta I_x(dof / 2, 1/2), by statrs' continued fraction.
    fn beta_reg(&self, x: f64) -> f64 {
        let (a, b) = (self.dof / 2.0, 0.5);
        // statrs' F64_PREC, half the machine epsilon.
        let eps = f64::EPSILON / 2.0;
        // statrs' ulps_eq!(x, 1.0, epsilon = 1e-15): within 1e-15 absolute or 4 ulps.
        let near_one = (x - 1.0).abs() <= 1e-15 || ulps_apart(x, 1.0) <= 4;
        let bt = if x == 0.0 || near_one {
            0.0
        } else {
            (self.ln_beta + a * x.ln() + b * (1.0 - x).ln()).exp()
        };
        let symm_transform = x >= (a + 1.0) / (a + b + 2.0);
        let fpmin = f64::MIN_POSITIVE / eps;
        let (a, b, x) = if symm_transform {
            (b, a, 1.0 - x)
        } else {
            (a, b, x)
        };
        let qab = a + b;
        let qap = a + 1.0;
        let qam = a - 1.0;
        let guard = |v: f64| if v.abs() < fpmin { fpmin } else { v };
        let mut c = 1.0;
        let mut d = 1.0 / guard(1.0 - qab * x / qap);
        let mut h = d;
        for m in 1..141 {
            let m = f64::from(m);
            let m2 = m * 2.0;
            let aa = m * (b - m) * x / ((qam + m2) * (a + m2));
            d = 1.0 / guard(1.0 + aa * d);
            c = guard(1.0 + aa / c);
            h = h * d * c;
            let aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
            d = 1.0 / guard(1.0 + aa * d);
            c = guard(1.0 + aa / c);
            let del = d * c;
            h *= del;
            if (del - 1.0).abs() <= eps {
                break;
            }
        }
        if symm_transform {
            1.0 - bt * h / a
        } else {
            bt * h / a
        }
    }
}

/// How many representable doubles lie between two finite positive doubles.
fn ulps_apart(x: f64, y: f64) -> u64 {
    if x.is_sign_negative() != y.is_sign_negative() {
        return u64::MAX;
    }
    x.to_bits().abs_diff(y.to_bits())
}

/// Two-sided p-value of a chi-square statistic with `df` degrees of freedom: twice the smaller
/// tail (a variance may rise or fall).
pub fn chi_square_p(stat: f64, df: usize) -> f64 {
    if !stat.is_finite() || stat < 0.0 || df == 0 {
        return f64::NAN;
    }
    match statrs::distribution::ChiSquared::new(df as f64) {
        Ok(dist) => (2.0 * dist.cdf(stat).min(dist.sf(stat))).min(1.0),
        Err(_) => f64::NAN,
    }
}

/// Two-sided p-value of a standard normal statistic.
pub fn normal_p(z: f64) -> f64 {
    if !z.is_finite() {
        return f64::NAN;
    }
    let dist = Normal::standard();
    (2.0 * dist.sf(z.abs())).min(1.0)
}

/// The two-sided 1 - `level` critical value of Student t (e.g. 1.96 for large dof, level 0.05).
pub fn student_t_critical(level: f64, dof: f64) -> f64 {
    match StudentsT::new(0.0, 1.0, dof.max(1.0)) {
        Ok(dist) => dist.inverse_cdf(1.0 - level / 2.0),
        Err(_) => f64::NAN,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn textbook_quantiles() {
        // t(10): P(|T| > 2.228) = 0.05; t(1) is Cauchy: P(|T| > 1) = 0.5.
        assert!((student_t_p(2.228_138_851_986_5, 10.0) - 0.05).abs() < 1e-9);
        assert!((student_t_p(-1.0, 1.0) - 0.5).abs() < 1e-12);
        assert!((normal_p(1.959_963_984_540_054) - 0.05).abs() < 1e-9);
        assert!((student_t_critical(0.05, 10.0) - 2.228_138_851_986_5).abs() < 1e-6);
        assert!(student_t_p(f64::NAN, 10.0).is_nan());
        // chi2(1): P(X > 3.841459) = 0.05, so the two-sided p is 0.10; chi2(2) is exponential
        // with mean 2: P(X < 0.1) = 1 - e^-0.05.
        assert!((chi_square_p(3.841_458_820_694_124, 1) - 0.10).abs() < 1e-9);
        assert!((chi_square_p(0.1, 2) - 2.0 * (1.0 - (-0.05f64).exp())).abs() < 1e-12);
        assert!(chi_square_p(1.0, 0).is_nan());
    }

    /// The hoisted constant changes nothing: the p-values are statrs' own, bit for bit, over
    /// the degrees of freedom and statistics a study meets (and the tails and zero).
    #[test]
    fn p_values_are_statrs_bit_for_bit() {
        for dof in [1.0, 2.0, 3.5, 10.0, 57.0, 118.0, 238.0, 1e4] {
            let cached = StudentT::new(dof);
            let dist = StudentsT::new(0.0, 1.0, dof).unwrap();
            for t in [
                0.0f64, 1e-9, 0.01, 0.3, 1.0, 1.96, 2.5, 4.0, 8.0, 40.0, 1e3, 1e8,
            ] {
                for t in [t, -t] {
                    let statrs = (2.0 * dist.sf(t.abs())).min(1.0);
                    assert_eq!(cached.p(t).to_bits(), statrs.to_bits(), "dof {dof}, t {t}");
                }
            }
        }
        assert!(StudentT::new(0.0).p(1.0).is_nan());
        assert!(StudentT::new(f64::NAN).p(1.0).is_nan());
        assert!(StudentT::new(10.0).p(f64::INFINITY).is_nan());
    }
}
