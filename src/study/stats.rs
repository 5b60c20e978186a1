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
/// constant hoisted and its continued fraction evaluated by the forward recurrence (see
/// `beta_reg`): statrs' p-values to their rounding (1e-13 relative down to p = 1e-22), and
/// nearer the exact ones for |t| below 0.1 (see `fraction`), which unit tests check against
/// statrs and against exact values. Made by [`StudentT::tabulated`] (the engine's, 17 p-values
/// an event), `p` reads its dof's table of ln p first ([`PTable`]) and that fraction only where
/// the table does not serve.
#[derive(Debug, Clone, Copy)]
pub struct StudentT {
    dof: f64,
    /// ln Gamma(a + b) - ln Gamma(a) - ln Gamma(b) for a = dof / 2, b = 1/2.
    ln_beta: f64,
    /// The dof's table of ln p, for [`StudentT::tabulated`].
    table: Option<&'static PTable>,
}

impl StudentT {
    pub fn new(dof: f64) -> Self {
        let (a, b) = (dof / 2.0, 0.5);
        let ln_beta = if dof.is_finite() && dof > 0.0 {
            ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b)
        } else {
            f64::NAN
        };
        StudentT {
            dof,
            ln_beta,
            table: None,
        }
    }

    /// The same distribution, its p-values read from a table of ln p made once per dof in the
    /// process (see [`PTable`]): for the many p-values of a large run (17 an event), at about
    /// a third of the cost. Within [`PTable::TOLERANCE`] of the continued fraction where the
    /// table holds (checked as it is made), that fraction elsewhere. A dof the table does not
    /// serve (below [`PTable::MIN_DOF`], not a whole number, or past [`PTable::MAX_TABLES`])
    /// has no table.
    pub fn tabulated(dof: f64) -> Self {
        let mut student = StudentT::new(dof);
        student.table = PTable::for_dof(&student);
        student
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
        if let Some(p) = self.table.and_then(|table| table.p(k)) {
            return p;
        }
        self.p_by_fraction(k)
    }

    /// The two-sided p-value of |t| = `k` by the continued fraction.
    fn p_by_fraction(&self, k: f64) -> f64 {
        let ib = 0.5 * self.beta_reg(k * k);
        // statrs: sf(x) = 1 - ib at x <= 0, ib above.
        let sf = if k <= 0.0 { 1.0 - ib } else { ib };
        (2.0 * sf).min(1.0)
    }

    /// The regularized incomplete beta I_x(dof / 2, 1/2), by statrs' continued fraction (the
    /// same terms, the same stopping rule) evaluated by its forward recurrence rather than
    /// statrs' modified Lentz.
    ///
    /// Lentz divides six times a step, and the divisions' latency bounded the p-values (a
    /// fifth of a large run's engine time, even with four fractions stepped side by side); the
    /// recurrence divides twice a step (the terms, which do not wait on each other) and once
    /// at the end. An event's 17 p-values went from 3.2 to 1.5 to 1.7 µs (`cargo bench --bench
    /// kernels`). The values differ from statrs' in their last bits, as much as statrs' own
    /// differ from the exact value; a test checks both.
    fn beta_reg(&self, t2: f64) -> f64 {
        // statrs' F64_PREC, half the machine epsilon.
        let eps = f64::EPSILON / 2.0;
        let Fraction {
            a,
            b,
            x,
            qab,
            qap,
            qam,
            bt,
            symm_transform,
        } = self.fraction(t2);
        // K = 1 / (1 + c_1 / (1 + c_2 / (1 + ...))) by its convergents A_n / B_n:
        // A_n = A_{n-1} + c_{n-1} A_{n-2} (B alike), from A_0 = 0, B_0 = 1, A_1 = B_1 = 1.
        // D_n = A_n B_{n-1} - A_{n-1} B_n = -c_{n-1} D_{n-1} is the two convergents'
        // difference times B_n B_{n-1}: the stopping rule without a division. c_1 first:
        let c1 = -(qab * x / qap);
        let (mut prev_a, mut prev_b, mut cur_a, mut cur_b) = (1.0, 1.0, 1.0, 1.0 + c1);
        let mut det = -c1;
        for m in 1..141 {
            let m = f64::from(m);
            let m2 = m * 2.0;
            // Then each step two terms, c_2m and c_2m+1, as statrs' `aa`s.
            let even = m * (b - m) * x / ((qam + m2) * (a + m2));
            let odd = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
            let (a0, b0) = (cur_a + even * prev_a, cur_b + even * prev_b);
            let (a1, b1) = (a0 + odd * cur_a, b0 + odd * cur_b);
            det *= odd * even;
            (prev_a, prev_b, cur_a, cur_b) = (a0, b0, a1, b1);
            // Lentz's |del - 1| <= eps, del the ratio of this step's two convergents.
            if det.abs() <= eps * (a0 * b1).abs() {
                break;
            }
        }
        let h = cur_a / cur_b;
        if symm_transform {
            1.0 - bt * h / a
        } else {
            bt * h / a
        }
    }

    /// The continued fraction's constants for I_x(dof / 2, 1/2) at x = dof / (dof + t^2), as
    /// statrs sets them up, but from `t2` = t^2 rather than from x: statrs takes 1 - x, which
    /// keeps t^2 / (dof + t^2) to 1e-16 absolute only, so a p-value near 1 (|t| below 0.01)
    /// was off by about 1e-16 dof / |t| (3e-11 at dof 238 and |t| = 0.001), and ln x as
    /// -ln(1 + t^2 / dof) keeps the prefactor's last digits at large dof.
    fn fraction(&self, t2: f64) -> Fraction {
        let (a, b) = (self.dof / 2.0, 0.5);
        let x = self.dof / (self.dof + t2);
        let y = t2 / (self.dof + t2);
        let bt = if x == 0.0 || y == 0.0 || y.is_nan() {
            0.0
        } else {
            // y^b is sqrt(y) (b = 1/2): a square root, not a logarithm and its share of
            // the exponential.
            (self.ln_beta - a * (t2 / self.dof).ln_1p()).exp() * y.sqrt()
        };
        let symm_transform = x >= (a + 1.0) / (a + b + 2.0);
        let (a, b, x) = if symm_transform { (b, a, y) } else { (a, b, x) };
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

/// ln p(|t|) of one dof as piecewise polynomials: |t| in [0, 8) cut in 64 segments of 1/8,
/// each an interpolating Chebyshev series of degree 8 at its segment's Chebyshev points,
/// evaluated by Clenshaw's recurrence (stable, no conversion to powers), then one exponential.
/// The continued fraction costs about 90 ns a p-value; this, about a third of it.
///
/// ln p rather than p: the tail falls over many orders of magnitude, which a polynomial in p
/// would follow only in absolute terms; ln p is smooth and gently curved (near -t^2/2 for
/// large dof), and an absolute error in it is the same relative error in p. Each segment is
/// checked as it is made, at 17 points that are not nodes, both ends among them, against the
/// continued fraction: a segment off by more than half [`PTable::TOLERANCE`] (or with a p that
/// underflows) is marked, and its p-values come from the fraction. A test checks the whole
/// table on a fine grid at the dofs a study meets.
#[derive(Debug)]
pub struct PTable {
    /// Per segment, its Chebyshev coefficients a_0..a_8 in u = 2 (|t| - start) / step - 1
    /// (a_0 already halved); a NaN a_0 marks a segment left to the fraction.
    segments: [[f64; PTable::DEGREE + 1]; PTable::SEGMENTS],
}

impl PTable {
    const STEP: f64 = 0.125;
    const SEGMENTS: usize = 64;
    const DEGREE: usize = 8;
    /// Below this dof the density's poles (at t = +-i sqrt(dof)) come near enough to the real
    /// line that segments would need a higher degree; studies have 100 and more.
    pub const MIN_DOF: f64 = 20.0;
    /// Points a segment is checked at, both ends included; none is a node (an odd count of
    /// even steps never meets the Chebyshev points of degree 8).
    const CHECKS: usize = 16;
    /// The largest relative difference from the fraction a tabulated p-value may have: the
    /// fraction's own distance from the exact values (`p_values_are_exact_to_1e13`). Segments
    /// are checked at half of it, so that between the check's points (where the fraction's
    /// rounding wanders by a few 1e-14) the table stays within it; a fine grid in the tests
    /// finds at most 5e-14.
    pub const TOLERANCE: f64 = 1e-13;
    /// At most this many dofs get a table (each 4.6 KB, kept for the process's life); a
    /// study meets a few hundred at most (the estimation window's length less its gaps).
    pub const MAX_TABLES: usize = 4096;

    /// ln p of |t| = `k`, then p; `None` beyond the table or in a marked segment.
    #[inline]
    fn p(&self, k: f64) -> Option<f64> {
        let scaled = k * (1.0 / Self::STEP);
        let segment = self.segments.get(scaled as usize)?;
        if segment[0].is_nan() {
            return None;
        }
        let u = 2.0 * (scaled - scaled.trunc()) - 1.0;
        Some(Self::clenshaw(segment, u).exp().min(1.0))
    }

    /// sum a_k T_k(u) by Clenshaw's recurrence.
    #[inline]
    fn clenshaw(a: &[f64; Self::DEGREE + 1], u: f64) -> f64 {
        let two_u = 2.0 * u;
        let (mut b1, mut b2) = (0.0, 0.0);
        for &coefficient in a[1..].iter().rev() {
            (b1, b2) = (coefficient + two_u * b1 - b2, b1);
        }
        a[0] + u * b1 - b2
    }

    /// The table of `student`'s dof from the process's registry, made on first use; `None`
    /// for a dof it does not serve.
    fn for_dof(student: &StudentT) -> Option<&'static PTable> {
        use std::cell::Cell;
        use std::sync::Mutex;
        static REGISTRY: Mutex<Vec<(u64, &'static PTable)>> = Mutex::new(Vec::new());
        thread_local! {
            // The last table this thread used: a run's events mostly share one dof, and
            // this spares them the lock.
            static LAST: Cell<Option<(u64, &'static PTable)>> = const { Cell::new(None) };
        }
        let dof = student.dof;
        if !(dof >= Self::MIN_DOF && dof.is_finite() && dof.fract() == 0.0) {
            return None;
        }
        let key = dof.to_bits();
        if let Some((last, table)) = LAST.get() {
            if last == key {
                return Some(table);
            }
        }
        let find = |registry: &[(u64, &'static PTable)]| {
            registry.iter().find(|(k, _)| *k == key).map(|(_, t)| *t)
        };
        // A poisoned lock only means another thread panicked while holding it: the list
        // itself is whole (a push either happened or did not).
        let known = find(&REGISTRY.lock().unwrap_or_else(|e| e.into_inner()));
        let table = match known {
            Some(table) => table,
            None => {
                // Made outside the lock (about 0.1 ms); a table another thread made meanwhile
                // wins, and this one is dropped.
                let made = Box::new(PTable::new(student));
                let mut registry = REGISTRY.lock().unwrap_or_else(|e| e.into_inner());
                match find(&registry) {
                    Some(table) => table,
                    None if registry.len() < Self::MAX_TABLES => {
                        let table: &'static PTable = Box::leak(made);
                        registry.push((key, table));
                        table
                    }
                    None => return None,
                }
            }
        };
        LAST.set(Some((key, table)));
        Some(table)
    }

    /// Interpolates ln p of `student` (which has no table) on each segment, and checks it.
    fn new(student: &StudentT) -> PTable {
        const N: usize = PTable::DEGREE + 1;
        let pi = std::f64::consts::PI;
        let angle = |k: usize, j: usize| pi * k as f64 * (j as f64 + 0.5) / N as f64;
        let nodes: [f64; N] = std::array::from_fn(|j| angle(1, j).cos());
        let mut segments = [[f64::NAN; N]; Self::SEGMENTS];
        for (index, segment) in segments.iter_mut().enumerate() {
            let start = index as f64 * Self::STEP;
            let at = |u: f64| start + Self::STEP * (u + 1.0) / 2.0;
            let ln_p: [f64; N] = nodes.map(|u| student.p_by_fraction(at(u)).ln());
            if !ln_p.iter().all(|v| v.is_finite()) {
                continue;
            }
            let mut a: [f64; N] = std::array::from_fn(|k| {
                let sum: f64 = (0..N).map(|j| ln_p[j] * angle(k, j).cos()).sum();
                2.0 * sum / N as f64
            });
            a[0] /= 2.0;
            let checked = (0..=Self::CHECKS).all(|i| {
                let u = -1.0 + 2.0 * i as f64 / Self::CHECKS as f64;
                let exact = student.p_by_fraction(at(u));
                let p = Self::clenshaw(&a, u).exp().min(1.0);
                exact > 0.0 && ((p - exact) / exact).abs() <= 0.5 * Self::TOLERANCE
            });
            if checked {
                *segment = a;
            }
        }
        PTable { segments }
    }
}

/// A continued fraction: its (possibly swapped) parameters and the prefactor.
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

    /// Against the exact values: the closed forms of t(1) (Cauchy: p = 2/pi atan(1/|t|)) and
    /// t(2) (p = 1 - |t| / sqrt(2 + t^2), written without its cancellation), and 50-digit
    /// values of the incomplete beta (mpmath 1.3, `betainc`) at the dofs a study meets, from
    /// the centre to far in the tail. Within 1e-13 relative; statrs is off by up to 3e-11 near
    /// t = 0 (see `fraction`) and by 1.4e-13 at t(1000) at 0.3.
    #[test]
    fn p_values_are_exact_to_1e13() {
        let close = |got: f64, want: f64, what: &str| {
            assert!(
                ((got - want) / want).abs() <= 1e-13,
                "{what}: {got:e}, exact {want:e}"
            )
        };
        // Below |t| = 1e-8, x = dof / (dof + t^2) rounds to 1 and p to 1, as in statrs: off by
        // about |t| / dof^0.5, far below any reported digit.
        for t in [1e-6f64, 0.01, 0.3, 1.0, 1.96, 2.5, 4.0, 8.0, 40.0, 1e3, 1e8] {
            let root = (2.0 + t * t).sqrt();
            for t in [t, -t] {
                let cauchy = 2.0 / std::f64::consts::PI * (1.0 / t.abs()).atan();
                close(StudentT::new(1.0).p(t), cauchy, &format!("t(1) at {t}"));
                let two = 2.0 / (root * (root + t.abs()));
                close(StudentT::new(2.0).p(t), two, &format!("t(2) at {t}"));
            }
        }
        let exact = [
            (10.0, 0.3, 0.770_320_607_565_798_6),
            (10.0, 1.96, 0.078_436_240_247_699_71),
            (10.0, 2.5, 0.031_446_844_236_608_8),
            (10.0, 4.0, 0.002_518_332_624_736_692_3),
            (10.0, 8.0, 1.177_494_278_966_616e-5),
            (10.0, 40.0, 2.280_857_743_085_754_6e-12),
            (57.0, 0.3, 0.765_268_516_637_401_2),
            (57.0, 1.96, 0.054_891_047_525_091_8),
            (57.0, 2.5, 0.015_321_137_101_947_19),
            (57.0, 4.0, 1.846_028_295_624_330_6e-4),
            (57.0, 8.0, 6.872_548_032_483_731e-11),
            (57.0, 40.0, 2.094_976_891_586_235_4e-43),
            (238.0, 0.001, 0.999_202_953_244_135_6),
            (238.0, 0.3, 0.764_439_011_289_143_7),
            (238.0, 1.96, 0.051_162_715_700_315_75),
            (238.0, 2.5, 0.013_093_552_857_320_235),
            (238.0, 4.0, 8.459_089_803_749_779e-5),
            (238.0, 8.0, 5.438_157_878_613_645e-14),
            (238.0, 40.0, 1.254_821_482_461_139e-107),
            (1000.0, 0.05, 0.960_132_373_071_951_9),
            (1000.0, 0.3, 0.764_239_504_167_244),
            (1000.0, 1.96, 0.050_273_184_955_748_71),
            (1000.0, 2.5, 0.012_578_567_801_090_797),
            (1000.0, 4.0, 6.800_991_920_878_158e-5),
            (1000.0, 8.0, 3.426_661_482_391_474_4e-15),
            (1000.0, 40.0, 1.047_885_215_517_336e-209),
        ];
        for (dof, t, want) in exact {
            close(StudentT::new(dof).p(t), want, &format!("t({dof}) at {t}"));
            close(StudentT::new(dof).p(-t), want, &format!("t({dof}) at -{t}"));
            let tabulated = StudentT::tabulated(dof).p(t);
            close(tabulated, want, &format!("tabulated t({dof}) at {t}"));
        }
        assert_eq!(StudentT::new(238.0).p(0.0), 1.0);
        assert!(StudentT::new(0.0).p(1.0).is_nan());
        assert!(StudentT::new(f64::NAN).p(1.0).is_nan());
        assert!(StudentT::new(10.0).p(f64::INFINITY).is_nan());
        assert_eq!(StudentT::new(f64::INFINITY).p(1.5), normal_p(1.5));
    }

    /// The tabulated p-values against the continued fraction on a fine grid (200 points a
    /// segment, none of them the check's) at the dofs a study meets: within
    /// [`PTable::TOLERANCE`] everywhere. At the usual dofs the table serves all but a few
    /// segments (the one where the fraction switches to its symmetric form, |t| 1.625 to
    /// 1.75, which is not smooth there to 1e-13, and some of the far tail), so that the table
    /// is what is tested. Beyond |t| = 8 and below the table's least dof, the fraction itself.
    #[test]
    fn tabulated_p_values_match_the_fraction() {
        for dof in [20.0, 30.0, 57.0, 118.0, 119.0, 238.0, 1000.0, 1e5] {
            let exact = StudentT::new(dof);
            let table = StudentT::tabulated(dof);
            let segments = table.table.expect("a table").segments;
            let served = segments.iter().filter(|s| s[0].is_finite()).count();
            assert!(dof > 238.0 || served >= 58, "dof {dof}: {served} segments");
            assert!(segments[..13].iter().all(|s| s[0].is_finite()), "dof {dof}");
            for i in 0..64 * 200 {
                let t = (i as f64 + 0.37) / 1600.0;
                let (want, got) = (exact.p(t), table.p(-t));
                assert!(
                    ((got - want) / want).abs() <= PTable::TOLERANCE,
                    "dof {dof}, t {t}: {got:e}, the fraction {want:e}"
                );
            }
            for t in [8.0, 9.5, 40.0] {
                assert_eq!(table.p(t), exact.p(t), "dof {dof} at {t}");
            }
        }
        // The dofs it does not serve: too few, not a whole number.
        for dof in [19.0, 2.0, 238.5, f64::INFINITY, f64::NAN] {
            assert!(StudentT::tabulated(dof).table.is_none(), "dof {dof}");
        }
        assert_eq!(StudentT::tabulated(238.0).p(0.0), 1.0);
        assert!(StudentT::tabulated(238.0).p(f64::NAN).is_nan());
    }

    /// Statrs' continued fraction by another evaluation: the same p-values to 1e-13 relative
    /// (more in the far tail, in proportion to |ln p|)
    /// over a fine grid of statistics at the dofs a study meets (the differences are rounding,
    /// both ways about as far from the exact value), but near t = 0, where statrs loses digits
    /// (tested against exact values above). Left out: far tails where the p-value is below
    /// 1e-280 (its prefactor near underflow).
    #[test]
    fn p_values_are_statrs_to_1e13() {
        for dof in [1.0, 2.0, 3.5, 10.0, 30.0, 57.0, 118.0, 238.0, 1000.0] {
            let ours = StudentT::new(dof);
            let dist = StudentsT::new(0.0, 1.0, dof).unwrap();
            for i in 1..4000 {
                let t = (i as f64 / 40.0).powf(1.5);
                let statrs = (2.0 * dist.sf(t)).min(1.0);
                if statrs < 1e-280 {
                    break;
                }
                let p = ours.p(t);
                // The prefactor exp(ln B + a ln x + b ln y) carries its exponent's rounding: in
                // the far tail the relative tolerance grows with |ln p|. Near t = 0 statrs'
                // own error, about 1e-16 dof / |t| (see `fraction`), is allowed for.
                let tolerance = 2e-15 * statrs.ln().abs().max(50.0) + 2e-16 * dof / t;
                assert!(
                    ((p - statrs) / statrs).abs() <= tolerance,
                    "dof {dof}, t {t}: {p:e} against statrs' {statrs:e}"
                );
            }
        }
    }
}
