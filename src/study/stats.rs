//! Distribution tails for the significance tests (two-sided p-values).

use statrs::distribution::{ContinuousCDF, Normal, StudentsT};

/// Two-sided p-value of a Student t statistic with `dof` degrees of freedom; NaN in, NaN out.
pub fn student_t_p(t: f64, dof: f64) -> f64 {
    if !t.is_finite() || dof.is_nan() || dof <= 0.0 {
        return f64::NAN;
    }
    match StudentsT::new(0.0, 1.0, dof) {
        Ok(dist) => (2.0 * dist.sf(t.abs())).min(1.0),
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
    }
}
