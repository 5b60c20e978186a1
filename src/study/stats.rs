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
        let mut p = [0.0];
        self.p_lanes([t], &mut p);
        p[0]
    }

    /// The p-values of `ts` into `ps` (of the same length), each bit for bit [`p`](Self::p).
    ///
    /// An event's p-values (its days and windows, all at one dof) are computed four at a time:
    /// their continued fractions run side by side, so the processor overlaps their divisions,
    /// whose latency, not their number, bounds one fraction alone. The p-values were a fifth
    /// of a large run's engine time.
    pub fn p_many(&self, ts: &[f64], ps: &mut [f64]) {
        assert_eq!(ts.len(), ps.len(), "one p-value per statistic");
        for (ts, ps) in ts.chunks(BLOCK).zip(ps.chunks_mut(BLOCK)) {
            // Lanes step until the slowest of them converges, and a fraction's length depends
            // on |t| (2 to 8 steps below 1.7 at 238 dof, 25 to 35 between 2 and 3): the
            // statistics go in order of |t|, so that lanes of one group take about as long.
            let mut order: [u8; BLOCK] = std::array::from_fn(|i| i as u8);
            let order = &mut order[..ts.len()];
            let size = |i: u8| ts[i as usize].abs();
            order.sort_unstable_by(|&i, &j| size(i).total_cmp(&size(j)));
            let mut groups = order.chunks_exact(LANES);
            for group in groups.by_ref() {
                let t = std::array::from_fn(|l| ts[group[l] as usize]);
                let mut p = [0.0; LANES];
                self.p_lanes(t, &mut p);
                for (&i, p) in group.iter().zip(p) {
                    ps[i as usize] = p;
                }
            }
            for &i in groups.remainder() {
                ps[i as usize] = self.p(ts[i as usize]);
            }
        }
    }

    /// [`p`](Self::p) of `N` statistics side by side.
    fn p_lanes<const N: usize>(&self, t: [f64; N], p: &mut [f64; N]) {
        let valid_dof = !(self.dof.is_nan() || self.dof <= 0.0);
        let live = t.map(|t| t.is_finite() && valid_dof);
        if self.dof.is_infinite() {
            for (p, (&t, live)) in p.iter_mut().zip(t.iter().zip(live)) {
                *p = if live { normal_p(t) } else { f64::NAN };
            }
            return;
        }
        let x = t.map(|t| {
            let k = t.abs();
            self.dof / (self.dof + k * k)
        });
        let beta = self.beta_reg_lanes(x, live);
        for l in 0..N {
            p[l] = if live[l] {
                let ib = 0.5 * beta[l];
                // statrs: sf(x) = 1 - ib at x <= 0, ib above.
                let sf = if t[l].abs() <= 0.0 { 1.0 - ib } else { ib };
                (2.0 * sf).min(1.0)
            } else {
                f64::NAN
            };
        }
    }

    /// The regularized incomplete beta I_x(dof / 2, 1/2) of each live lane, by statrs'
    /// continued fraction (modified Lentz), the lanes' fractions stepped together; a lane
    /// stops changing once its own fraction has converged, so each lane's result is that of
    /// the fraction alone.
    fn beta_reg_lanes<const N: usize>(&self, x: [f64; N], live: [bool; N]) -> [f64; N] {
        // statrs' F64_PREC, half the machine epsilon.
        let eps = f64::EPSILON / 2.0;
        let fpmin = f64::MIN_POSITIVE / eps;
        let guard = |v: f64| if v.abs() < fpmin { fpmin } else { v };
        let fractions: [Fraction; N] = std::array::from_fn(|l| self.fraction(x[l]));
        let mut c = [1.0; N];
        let mut d = [0.0; N];
        let mut h = [0.0; N];
        let mut done = live.map(|live| !live);
        for l in 0..N {
            let f = &fractions[l];
            d[l] = 1.0 / guard(1.0 - f.qab * f.x / f.qap);
            h[l] = d[l];
        }
        for m in 1..141 {
            let m = f64::from(m);
            let m2 = m * 2.0;
            // Every lane steps (straight-line code the compiler pairs into vector divisions);
            // a lane already converged keeps its values.
            for l in 0..N {
                let Fraction {
                    a,
                    b,
                    x,
                    qab,
                    qap,
                    qam,
                    ..
                } = fractions[l];
                let aa = m * (b - m) * x / ((qam + m2) * (a + m2));
                let d1 = 1.0 / guard(1.0 + aa * d[l]);
                let c1 = guard(1.0 + aa / c[l]);
                let h1 = h[l] * d1 * c1;
                let aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
                let d2 = 1.0 / guard(1.0 + aa * d1);
                let c2 = guard(1.0 + aa / c1);
                let del = d2 * c2;
                if !done[l] {
                    (d[l], c[l], h[l]) = (d2, c2, h1 * del);
                    done[l] = (del - 1.0).abs() <= eps;
                }
            }
            if done.iter().all(|&d| d) {
                break;
            }
        }
        std::array::from_fn(|l| {
            let f = &fractions[l];
            if f.symm_transform {
                1.0 - f.bt * h[l] / f.a
            } else {
                f.bt * h[l] / f.a
            }
        })
    }

    /// The continued fraction's constants for I_x(dof / 2, 1/2), as statrs sets them up.
    fn fraction(&self, x: f64) -> Fraction {
        let (a, b) = (self.dof / 2.0, 0.5);
        // statrs' ulps_eq!(x, 1.0, epsilon = 1e-15): within 1e-15 absolute or 4 ulps.
        let near_one = (x - 1.0).abs() <= 1e-15 || ulps_apart(x, 1.0) <= 4;
        let bt = if x == 0.0 || near_one {
            0.0
        } else {
            (self.ln_beta + a * x.ln() + b * (1.0 - x).ln()).exp()
        };
        let symm_transform = x >= (a + 1.0) / (a + b + 2.0);
        let (a, b, x) = if symm_transform {
            (b, a, 1.0 - x)
        } else {
            (a, b, x)
        };
        Fraction {
            a,
            b,
            x,
            qab: a + b,
            qap: a + 1.0,
            qam: a - 1.0,
            bt,
            symm_transform,
        }
    }
}

/// Lanes of [`StudentT::p_many`].
const LANES: usize = 4;

/// Statistics [`StudentT::p_many`] orders by size at a time (an event has 17 or so).
const BLOCK: usize = 64;

/// One lane's continued fraction: its (possibly swapped) parameters and the prefactor.
#[derive(Debug, Clone, Copy)]
struct Fraction {
    a: f64,
    b: f64,
    x: f64,
    qab: f64,
    qap: f64,
    qam: f64,
    bt: f64,
    symm_transform: bool,
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

    /// Side by side, each lane's p-value is the one computed alone, bit for bit: on every
    /// length around the lane count, with lanes that converge at very different speeds, and
    /// with missing and infinite statistics among them.
    #[test]
    fn p_many_is_p_lane_by_lane() {
        let ts = [
            0.0,
            1.71,
            -1.72,
            0.3,
            40.0,
            f64::NAN,
            2.5,
            -1e-9,
            f64::INFINITY,
            1.96,
            8.0,
            -0.01,
            1e8,
            3.3,
            -2.2,
            0.9,
            1.0,
        ];
        for dof in [1.0, 3.5, 57.0, 238.0, 1e4, f64::INFINITY, 0.0, f64::NAN] {
            let student = StudentT::new(dof);
            // Past one block of statistics ordered by size, too.
            let many: Vec<f64> = ts.iter().cycle().take(150).map(|t| t * 1.01).collect();
            for sample in (0..=ts.len()).map(|len| &ts[..len]).chain([&many[..]]) {
                let mut ps = vec![0.0; sample.len()];
                student.p_many(sample, &mut ps);
                for (&t, p) in sample.iter().zip(&ps) {
                    assert_eq!(p.to_bits(), student.p(t).to_bits(), "dof {dof}, t {t}");
                }
            }
        }
    }
}
