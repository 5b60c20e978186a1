//! Distribution tails for the significance tests (two-sided p-values).

/// The relative size below which a spread (a residual standard deviation, a cross-sectional
/// one) is rounding, not data: 1e-9 of the values' own magnitude is seven orders above what
/// double-precision arithmetic leaves (1e-16) and far below any market's dispersion. A
/// statistic divided by such a spread is null, never a confident number.
pub const ROUNDING: f64 = 1e-9;

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
    /// at the end: about half the time of Lentz's for an event's 17 p-values (`cargo bench
    /// --bench kernels`). The values differ from statrs' in their last bits, as much as statrs' own
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
///
/// From [`regularized_gamma`] rather than statrs' chi-square, which is off by up to 1e-11
/// relative at 10,000 degrees of freedom and 6e-10 at a million (a portfolio's volatility
/// test has one per event-day): its ln(x^a e^-x / Gamma(a)) is a difference of numbers near
/// a ln a. Within 5e-14 relative of the exact value (1e-15 |ln p| far in the tail); a unit
/// test checks 150 of them.
pub fn chi_square_p(stat: f64, df: usize) -> f64 {
    if !stat.is_finite() || stat < 0.0 || df == 0 {
        return f64::NAN;
    }
    let (lower, upper) = regularized_gamma(df as f64 / 2.0, stat / 2.0);
    (2.0 * lower.min(upper)).min(1.0)
}

/// Upper-tail p-value of a chi-square statistic with `df` degrees of freedom, P(X >= stat):
/// the goodness-of-fit tests (Jarque-Bera, Ljung-Box, ARCH-LM), which reject only for large
/// values. Same accuracy as [`chi_square_p`].
pub fn chi_square_upper_p(stat: f64, df: usize) -> f64 {
    if !stat.is_finite() || stat < 0.0 || df == 0 {
        return f64::NAN;
    }
    regularized_gamma(df as f64 / 2.0, stat / 2.0).1
}

/// The regularized incomplete gamma functions (P(a, x), Q(a, x) = 1 - P) for a > 0, x >= 0:
/// P by its series below x = a + 1, Q by its continued fraction (modified Lentz) above, the
/// other as the complement (Numerical Recipes' split). The complement is the smaller tail only
/// where it is at least Q(1/2, 3/2) = 0.083 (the median lies below a), so 1 - P and 1 - Q
/// lose no digit the two-sided p keeps. What makes them accurate at large a is the common
/// factor x^a e^-x / Gamma(a):
/// its logarithm is taken as -a (d - ln(1 + d)) + ln(a / 2 pi) / 2 - stirlerr(a), with
/// d = (x - a) / a, so that nothing of size a ln a cancels (Loader 2000, as R's `pgamma` does).
/// NaN if the series or the fraction has not converged after 1,000 + 20 sqrt(a) terms, which
/// no case of the unit tests comes near (up to 100 million degrees of freedom).
fn regularized_gamma(a: f64, x: f64) -> (f64, f64) {
    if x == 0.0 {
        return (0.0, 1.0);
    }
    let ln_factor = ln_gamma_density_factor(a, x);
    // Terms decay like exp(-n^2 / 2a) around x = a: some sqrt(a) of them count.
    let max_terms = 1_000 + 20 * a.sqrt() as usize;
    if x < a + 1.0 {
        let (mut term, mut sum) = (1.0 / a, 1.0 / a);
        for n in 1..=max_terms {
            term *= x / (a + n as f64);
            sum += term;
            if term < sum * f64::EPSILON / 4.0 {
                let lower = (ln_factor + sum.ln()).exp();
                return (lower, 1.0 - lower);
            }
        }
    } else {
        let tiny = f64::MIN_POSITIVE / f64::EPSILON;
        let mut b = x + 1.0 - a;
        let (mut c, mut d) = (1.0 / tiny, 1.0 / b);
        let mut fraction = d;
        for n in 1..=max_terms {
            let an = -(n as f64) * (n as f64 - a);
            b += 2.0;
            d = an * d + b;
            d = if d.abs() < tiny { tiny } else { d };
            c = b + an / c;
            c = if c.abs() < tiny { tiny } else { c };
            d = 1.0 / d;
            let step = d * c;
            fraction *= step;
            if (step - 1.0).abs() <= f64::EPSILON {
                let upper = (ln_factor + fraction.ln()).exp();
                return (1.0 - upper, upper);
            }
        }
    }
    (f64::NAN, f64::NAN)
}

/// ln(x^a e^-x / Gamma(a)), without the cancellation of a ln x - x - ln Gamma(a) at large a.
fn ln_gamma_density_factor(a: f64, x: f64) -> f64 {
    if a < STIRLING_FROM {
        // A difference of numbers below 40 here: it keeps its digits.
        return a * x.ln() - x - ln_gamma_small(a);
    }
    let d = (x - a) / a;
    -a * d_minus_ln_1p(d) + 0.5 * (a / std::f64::consts::TAU).ln() - stirling_error(a)
}

/// Where the Stirling series of [`stirling_error`] is used: its first omitted term is below
/// 3e-15 from there on.
const STIRLING_FROM: f64 = 12.0;

/// ln Gamma(a) for 0 < a < [`STIRLING_FROM`]: statrs' below 8; from 8, Stirling's formula at
/// a + k >= 12 less ln(a (a + 1) ... (a + k - 1)). statrs' Lanczos ln Gamma is off by as much
/// as 9e-14 in that range (its chi-square p-values were, at 23 and 30 degrees of freedom);
/// below 8, shifting further cancels more than it gains (1.5e-14 at a = 1/2).
fn ln_gamma_small(a: f64) -> f64 {
    if a < 8.0 {
        return ln_gamma(a);
    }
    let (mut shifted, mut product) = (a, 1.0);
    while shifted < STIRLING_FROM {
        product *= shifted;
        shifted += 1.0;
    }
    (shifted - 0.5) * shifted.ln() - shifted
        + 0.5 * std::f64::consts::TAU.ln()
        + stirling_error(shifted)
        - product.ln()
}

/// d - ln(1 + d) for d > -1, by its series where the difference would cancel.
fn d_minus_ln_1p(d: f64) -> f64 {
    if d.abs() > 0.5 {
        return d - d.ln_1p();
    }
    // The sum over k >= 2 of (-d)^k / k; at |d| <= 1/2 its 60th term is below 2^-60 of the
    // first.
    let (mut power, mut sum) = (d * d, 0.0);
    for k in 2..=61 {
        sum += power / k as f64;
        power *= -d;
    }
    sum
}

/// ln Gamma(a) - ((a - 1/2) ln a - a + ln(2 pi) / 2) for a >= 12: the Stirling series to
/// a^-9, whose next term, 691 / (360360 a^11), is below 3e-15 there.
fn stirling_error(a: f64) -> f64 {
    let a2 = a * a;
    (1.0 / 12.0
        - (1.0 / 360.0 - (1.0 / 1260.0 - (1.0 / 1680.0 - 1.0 / (1188.0 * a2)) / a2) / a2) / a2)
        / a
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

    /// Against 40-digit values (mpmath 1.3: the lower tail as x^a e^-x / Gamma(a + 1) times
    /// 1F1(1; a + 1; x), the upper by `gammainc`) from 1 to 11 million degrees of freedom (a
    /// million events' eleven-day windows), the statistic from 5% to 150% of df, and either
    /// side of the switch from series to fraction up to 100 million: within 5e-14 relative
    /// (1e-15 |ln p| in the far tail), and 0 where the exact value is below 1e-300. statrs was
    /// off by up to 8e-14 at 30 degrees of freedom, 1e-11 at 10,000, 6e-10 at a million and
    /// 1.3e-8 at eleven million.
    #[test]
    #[allow(clippy::excessive_precision)]
    fn chi_square_p_is_exact_to_5e14() {
        #[rustfmt::skip]
        let exact: [(usize, f64, f64); 150] = [
            (1, 0.05, 0.35387345248375705743),
            (1, 0.5, 0.95900024437390692463),
            (1, 0.9, 0.68556342229582277322),
            (1, 0.99, 0.63948474898454684619),
            (1, 1.0, 0.63462101572582820566),
            (1, 1.01, 0.62980567802357885784),
            (1, 1.1, 0.58853220860992574183),
            (1, 1.5, 0.44134272383969358521),
            (2, 0.1, 0.097541150998571987098),
            (2, 1.0, 0.78693868057473315279),
            (2, 1.8, 0.81313931948119820571),
            (2, 1.98, 0.74315338204409138766),
            (2, 2.0, 0.73575888234288464319),
            (2, 2.02, 0.72843795914304663304),
            (2, 2.2, 0.66574216739615904745),
            (2, 3.0, 0.44626032029685965787),
            (3, 0.15000000000000002, 0.029547883611284701173),
            (3, 1.5, 0.63545933932757485737),
            (3, 2.7, 0.880454588720462107),
            (3, 2.9699999999999998, 0.7925475029349323233),
            (3, 3.0, 0.78325035254217791095),
            (3, 3.0300000000000002, 0.77404570919087041336),
            (3, 3.3000000000000003, 0.69528528946454905558),
            (3, 4.5, 0.42458057472026666046),
            (5, 0.25, 0.0030416371067368793723),
            (5, 2.5, 0.44700985775335458655),
            (5, 4.5, 0.95976687622659883235),
            (5, 4.95, 0.8440254418573633122),
            (5, 5.0, 0.83176037399101584057),
            (5, 5.05, 0.81961734103527856381),
            (5, 5.5, 0.71589176170191692104),
            (5, 7.5, 0.3720596672057340377),
            (11, 0.55, 4.5433134808390857539e-6),
            (11, 5.5, 0.19087893524576495914),
            (11, 9.9, 0.92119181464877122801),
            (11, 10.89, 0.90504859762883391046),
            (11, 11.0, 0.88652655685293062949),
            (11, 11.11, 0.86818879283237738948),
            (11, 12.100000000000001, 0.71234739034851759009),
            (11, 16.5, 0.24711998627628171964),
            (15, 0.75, 6.541990128180847843e-8),
            (15, 7.5, 0.11547377307118450859),
            (15, 13.5, 0.87252596487287943201),
            (15, 14.85, 0.92455012701618370623),
            (15, 15.0, 0.90283442245145047169),
            (15, 15.15, 0.88133475782182242764),
            (15, 16.5, 0.6992428238594312369),
            (15, 22.5, 0.1906964688783486389),
            (17, 0.8500000000000001, 7.9604108451076794752e-9),
            (17, 8.5, 0.09068871447304232778),
            (17, 15.3, 0.85223464874109727407),
            (17, 16.83, 0.9318801639704738867),
            (17, 17.0, 0.9087322275812727694),
            (17, 17.17, 0.88581457403914422595),
            (17, 18.700000000000003, 0.69204228923232131123),
            (17, 25.5, 0.16812917297322760488),
            (20, 1.0, 3.4193400586978067129e-10),
            (20, 10.0, 0.063656114612409623474),
            (20, 18.0, 0.82518351133611718751),
            (20, 19.8, 0.94100316412307810304),
            (20, 20.0, 0.91585942894370441663),
            (20, 20.2, 0.8909658221028698831),
            (20, 22.0, 0.68102128493132209456),
            (20, 30.0, 0.13970732139881953538),
            (23, 1.1500000000000001, 1.4847214046876213559e-11),
            (23, 11.5, 0.045033633073901522367),
            (23, 20.7, 0.80119515299001200221),
            (23, 22.77, 0.94853405200946444392),
            (23, 23.0, 0.92154178110458365869),
            (23, 23.23, 0.89481801763906483349),
            (23, 25.3, 0.67001019223172507535),
            (23, 34.5, 0.1165315747166050046),
            (24, 1.2000000000000002, 5.2285507716535637302e-12),
            (24, 12.0, 0.040183927078889599104),
            (24, 21.6, 0.79374444009581868514),
            (24, 23.759999999999998, 0.95077557121488626147),
            (24, 24.0, 0.92319466612723640129),
            (24, 24.240000000000002, 0.89588812054471072654),
            (24, 26.400000000000002, 0.6663719327213507771),
            (24, 36.0, 0.10977484897637889113),
            (25, 1.25, 1.8428044187879361424e-12),
            (25, 12.5, 0.035878752650196467239),
            (25, 22.5, 0.78653045564413761986),
            (25, 24.75, 0.95290454808317336862),
            (25, 25.0, 0.924747325853227358),
            (25, 25.25, 0.89687019252700287942),
            (25, 27.500000000000004, 0.66275606332758324264),
            (25, 37.5, 0.10344424896736757357),
            (30, 1.5, 1.0127855735642721724e-14),
            (30, 15.0, 0.020520855824685235859),
            (30, 27.0, 0.75345774918253918328),
            (30, 29.7, 0.96218508582075308695),
            (30, 30.0, 0.93130741788801926317),
            (30, 30.3, 0.9007368809019314066),
            (30, 33.0, 0.64508419386912982934),
            (30, 45.0, 0.07720351653263467107),
            (99, 4.95, 1.251472354153366593e-45),
            (99, 49.5, 0.000015388584391575283478),
            (99, 89.10000000000001, 0.49607527887864784923),
            (99, 98.01, 0.98152913753885149669),
            (99, 99.0, 0.96219382481652779559),
            (99, 99.99, 0.90647607785200913318),
            (99, 108.9, 0.46636361032267350283),
            (99, 148.5, 0.0019032879933747976185),
            (1000, 50.0, 0.0),
            (1000, 500.0, 8.1343313639980023965e-44),
            (1000, 900.0, 0.021434476182579483115),
            (1000, 990.0, 0.83410770728970259359),
            (1000, 1000.0, 0.98810570765847928391),
            (1000, 1010.0, 0.81206630189547191496),
            (1000, 1100.0, 0.02922881625259038809),
            (1000, 1500.0, 2.0909280771959314588e-22),
            (10000, 500.0, 0.0),
            (10000, 5000.0, 0.0),
            (10000, 9000.0, 2.5395463410408842423e-13),
            (10000, 9900.0, 0.48095982863204139448),
            (10000, 10000.0, 0.9962387319323652893),
            (10000, 10100.0, 0.47803065048035021078),
            (10000, 11000.0, 7.2366591161929585405e-12),
            (10000, 15000.0, 1.1831737658103920367e-207),
            (10100, 505.0, 0.0),
            (10100, 5050.0, 0.0),
            (10100, 9090.0, 1.933144937464036878e-13),
            (10100, 9999.0, 0.4787455542853981871),
            (10100, 10100.0, 0.99625739843149031029),
            (10100, 10201.0, 0.47586726665930742551),
            (10100, 11110.0, 5.6967253316356867644e-12),
            (10100, 15150.0, 1.0425429481473445846e-209),
            (1000000, 50000.0, 0.0),
            (1000000, 500000.0, 0.0),
            (1000000, 900000.0, 0.0),
            (1000000, 990000.0, 1.3000342360171675336e-12),
            (1000000, 1000000.0, 0.99962387360678899903),
            (1000000, 1010000.0, 1.8137057646524153728e-12),
            (1000000, 1100000.0, 0.0),
            (1000000, 1500000.0, 0.0),
            (11000000, 550000.0, 0.0),
            (11000000, 5500000.0, 0.0),
            (11000000, 9900000.0, 0.0),
            (11000000, 10890000.0, 1.9850510697203820732e-122),
            (11000000, 11000000.0, 0.99988659362659727982),
            (11000000, 11110000.0, 7.7672030249952598706e-121),
            (11000000, 12100000.000000002, 0.0),
            (11000000, 16500000.0, 0.0),
            // Just either side of x = a + 1, where the series hands over to the fraction.
            (10000, 10001.5, 0.98777682250786102158),
            (10000, 10002.5, 0.98213672453566777062),
            (1000000, 1000001.5, 0.99877759016590525936),
            (1000000, 1000002.5, 0.99821340238070688923),
            (100000000, 100001000.0, 0.9435906911639337124),
            (100000000, 100002000.0, 0.88750059053514169047),
        ];
        for (df, stat, want) in exact {
            let got = chi_square_p(stat, df);
            let off = if want == 0.0 {
                got
            } else {
                ((got - want) / want).abs()
            };
            // Far in the tail p = e^-E magnifies E's rounding: its condition number is about E.
            let tolerance = if want == 0.0 {
                0.0
            } else {
                (1e-15 * want.ln().abs()).max(5e-14)
            };
            assert!(
                off <= tolerance,
                "chi2({df}) at {stat}: {got:e}, exact {want:e}"
            );
        }
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
