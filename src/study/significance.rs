//! The test statistics of the aggregate (many-event) study, each a small pure function of the
//! cross-section it is given (METHODS.md, "Many events").
//!
//! Every function returns NaN when its statistic does not exist (too few events, no variance).

use crate::study::stats::{normal_p, student_t_p};

/// A statistic and its two-sided p-value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TestStat {
    pub stat: f64,
    pub p: f64,
}

impl TestStat {
    pub const MISSING: TestStat = TestStat {
        stat: f64::NAN,
        p: f64::NAN,
    };

    fn normal(z: f64) -> Self {
        TestStat {
            stat: z,
            p: normal_p(z),
        }
    }

    fn student(t: f64, dof: f64) -> Self {
        TestStat {
            stat: t,
            p: student_t_p(t, dof),
        }
    }
}

/// True for a positive number; false for zero, negatives and NaN.
fn is_positive(x: f64) -> bool {
    x > 0.0
}

/// Mean and sample standard deviation (n - 1) of the finite values, with their count.
pub fn mean_sd(values: &[f64]) -> (f64, f64, usize) {
    let finite = || values.iter().copied().filter(|v| v.is_finite());
    // Counted and summed in one pass (a large run's aggregate reads a million values a call);
    // the sum starts at -0.0, as `Iterator::sum` does, and adds in the same order.
    let (n, sum) = finite().fold((0usize, -0.0), |(n, sum), v| (n + 1, sum + v));
    if n == 0 {
        return (f64::NAN, f64::NAN, 0);
    }
    let mean = sum / n as f64;
    if n < 2 {
        return (mean, f64::NAN, n);
    }
    let ss: f64 = finite().map(|v| (v - mean) * (v - mean)).sum();
    (mean, (ss / (n - 1) as f64).sqrt(), n)
}

/// Cross-sectional t: mean / (s / sqrt N), Student t with N - 1 degrees of freedom.
/// On SARs (or SCARs) this is the BMP t of Boehmer, Musumeci & Poulsen (1991).
pub fn cross_sectional_t(values: &[f64]) -> TestStat {
    cross_sectional_t_of(mean_sd(values))
}

/// [`cross_sectional_t`] from the values' [`mean_sd`]; null when the spread is rounding beside
/// the mean ([`crate::study::stats::ROUNDING`]: identical events), not a t of 1e16.
pub fn cross_sectional_t_of((mean, sd, n): (f64, f64, usize)) -> TestStat {
    if n < 2 || !is_positive(sd) || sd <= crate::study::stats::ROUNDING * mean.abs() {
        return TestStat::MISSING;
    }
    TestStat::student(mean / (sd / (n as f64).sqrt()), (n - 1) as f64)
}

/// Patell (1976) Z: sum of standardized ARs over sqrt of the sum of their variances,
/// (L_i - k) / (L_i - k - 2) each. `dofs` holds L_i - k per event, paired with `standardized`.
pub fn patell_z(standardized: &[f64], dofs: &[f64]) -> TestStat {
    let (mut sum, mut var, mut n) = (0.0, 0.0, 0);
    for (&s, &d) in standardized.iter().zip(dofs) {
        if s.is_finite() && d > 2.0 {
            sum += s;
            var += d / (d - 2.0);
            n += 1;
        }
    }
    if n == 0 {
        return TestStat::MISSING;
    }
    TestStat::normal(sum / var.sqrt())
}

/// Kolari & Pynnönen (2010): BMP scaled by sqrt((1 - r) / (1 + (N - 1) r)), r the mean
/// pairwise correlation of the events' estimation residuals.
pub fn kolari_pynnonen(bmp: TestStat, n: usize, mean_correlation: f64) -> TestStat {
    let r = clamp_correlation(mean_correlation, n);
    let denominator = 1.0 + (n as f64 - 1.0) * r;
    if !bmp.stat.is_finite() || !r.is_finite() || denominator <= 0.0 || n < 2 {
        return TestStat::MISSING;
    }
    TestStat::student(bmp.stat * ((1.0 - r) / denominator).sqrt(), (n - 1) as f64)
}

/// A mean pairwise correlation of `n` series lies in [-1/(n-1), 1]; rounding can carry an
/// exact 1 (identical events) a few ulps past it, which is brought back.
pub fn clamp_correlation(r: f64, n: usize) -> f64 {
    if !r.is_finite() || n < 2 {
        return r;
    }
    r.clamp(-1.0 / (n as f64 - 1.0), 1.0)
}

/// Sign test: Z = (N+ - N/2) / sqrt(N/4), zeros left out.
pub fn sign_z(values: &[f64]) -> TestStat {
    generalized_sign_z(values, 0.5)
}

/// Generalized sign test (Cowan 1992): Z = (N+ - N p) / sqrt(N p (1 - p)), p the share of
/// positive estimation-window ARs.
pub fn generalized_sign_z(values: &[f64], p: f64) -> TestStat {
    generalized_sign_z_of(SignCounts::of(values), p)
}

/// How many of the values are finite and nonzero (the sign tests' N), and positive (N+).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SignCounts {
    pub nonzero: usize,
    pub positive: usize,
}

impl SignCounts {
    pub fn of(values: &[f64]) -> SignCounts {
        let nonzero = values.iter().filter(|v| v.is_finite() && **v != 0.0);
        SignCounts {
            nonzero: nonzero.clone().count(),
            positive: nonzero.filter(|v| **v > 0.0).count(),
        }
    }
}

/// [`generalized_sign_z`] from the values' [`SignCounts`] (p = 1/2: the sign test).
pub fn generalized_sign_z_of(counts: SignCounts, p: f64) -> TestStat {
    let (n, positive) = (counts.nonzero as f64, counts.positive as f64);
    if n == 0.0 || !(p > 0.0 && p < 1.0) {
        return TestStat::MISSING;
    }
    TestStat::normal((positive - n * p) / (n * p * (1.0 - p)).sqrt())
}

/// A u64 whose unsigned order is `f64::total_cmp`'s order: sorting plain integers is several
/// times faster than sorting indices through a comparison closure.
fn sort_key(v: f64) -> u64 {
    let bits = v.to_bits();
    if bits >> 63 == 1 {
        !bits
    } else {
        bits | 1 << 63
    }
}

/// Average ranks (1-based) of `values`, ties sharing the mean of their ranks.
pub fn average_ranks(values: &[f64]) -> Vec<f64> {
    let mut doubled = Vec::new();
    doubled_ranks_into(values, None, &mut RankScratch::default(), &mut doubled);
    // Halving a small integer is exact.
    doubled.iter().map(|&r| r as f64 / 2.0).collect()
}

/// Buffers [`doubled_ranks_into`] reuses: a caller ranking many small samples (one per event)
/// keeps one and allocates nothing after the first sample.
#[derive(Debug, Clone, Default)]
pub struct RankScratch {
    /// The packed keys, sorted.
    order: Vec<u64>,
    /// The radix sort's other buffer.
    spare: Vec<u64>,
}

/// Twice the average ranks of `values` (an average rank is a whole number or a half), into
/// `doubled`, with `scratch`'s buffers: integers, so that a caller can look up what it
/// derives from a rank (the pool: rank / (M + 1) - 1/2, the same for every event of M values)
/// rather than divide for each value. `range` is the values' (min, max) when the caller has it
/// (every value then finite), saving a pass; a range that is off makes ranking slower, never
/// wrong.
///
/// Each value gets a packed key: an order-preserving code of the value in its high bits, its
/// index in the low ones, so one sort of plain integers orders them. A sample of up to
/// [`RADIX_MAX`] values is coded by its place in the sample's range (16 bits) and sorted by two
/// counting passes ([`radix_by_range`]); a larger one, or one without a finite range, by one
/// comparison sort of its values' bit patterns. A value whose code no other value shares has no
/// tie: its rank is its position, the common case. Values that share a code (equal, or close)
/// are put in their exact order by a second, tiny sort of just that run, and equal ones share
/// their mean rank, so the ranks are exactly those of a sort by value. -0 counts as +0 (they
/// are equal, hence tied).
pub fn doubled_ranks_into(
    values: &[f64],
    range: Option<(f64, f64)>,
    scratch: &mut RankScratch,
    doubled: &mut Vec<usize>,
) {
    doubled.clear();
    doubled.resize(values.len(), 0);
    for_each_doubled_rank(values, range, scratch, |index, rank| doubled[index] = rank);
}

/// [`doubled_ranks_into`]'s ranks handed to `rank(index, doubled rank)` value by value, in the
/// values' sorted order, with no array of ranks between: the pool adds each rank's deviation
/// to its day's tally as the rank comes (a pass and a store less per value).
pub fn for_each_doubled_rank(
    values: &[f64],
    range: Option<(f64, f64)>,
    scratch: &mut RankScratch,
    mut rank: impl FnMut(usize, usize),
) {
    let n = values.len();
    debug_assert!(range.is_none() || values.iter().all(|v| v.is_finite()));
    // Adding +0 turns -0 into +0 and leaves every other value as it is.
    let key = |v: f64| sort_key(v + 0.0);
    let order = &mut scratch.order;
    let index_bits = if radix_by_range(values, range, order, &mut scratch.spare) {
        RADIX_INDEX_BITS
    } else {
        let index_bits = usize::BITS - n.saturating_sub(1).leading_zeros();
        let index_mask = (1u64 << index_bits) - 1;
        order.clear();
        order.extend(
            values
                .iter()
                .enumerate()
                .map(|(i, &v)| (key(v) & !index_mask) | i as u64),
        );
        order.sort_unstable();
        index_bits
    };
    let index_mask = (1u64 << index_bits) - 1;
    let index = |packed: u64| (packed & index_mask) as usize;
    // Each value its position, but in the runs that share a code (rare), which are put in
    // exact order first.
    let same_code = |a: u64, b: u64| (a ^ b) >> index_bits == 0;
    let mut i = 0;
    while i < n {
        if i + 1 == n || !same_code(order[i], order[i + 1]) {
            rank(index(order[i]), 2 * (i + 1));
            i += 1;
            continue;
        }
        let mut j = i + 2;
        while j < n && same_code(order[i], order[j]) {
            j += 1;
        }
        let run = &mut order[i..j];
        run.sort_unstable_by_key(|&p| key(values[index(p)]));
        // Ties share their mean rank, (i + a + 1 + i + b + 1) / 2 for run positions a..=b, so
        // the order among equals does not matter.
        for_each_tie_group(
            run.len(),
            |a, b| values[index(run[a])] == values[index(run[b])],
            |a, b| {
                for &p in &run[a..=b] {
                    rank(index(p), 2 * i + a + b + 2);
                }
            },
        );
        i = j;
    }
}

/// Samples up to this size are sorted by [`radix_by_range`].
const RADIX_MAX: usize = 1 << 12;

/// The low bits of a radix-sorted key that hold the value's index; the code is above them.
const RADIX_INDEX_BITS: u32 = 48;

/// Sorts the values' packed keys into `order` by their 16-bit code of the value's place in the
/// sample's range, (v - min) x 65535 / (max - min) rounded down: two counting passes of a byte
/// each, linear time where a comparison sort of ~250 values is n log n (the ranks were a
/// quarter of a large run's engine time). The code is a nondecreasing function of the value
/// (each rounding is monotone), so the keys end in value order but among equal codes, which
/// the caller puts in exact order; equal values have equal codes.
///
/// On a bell-shaped sample of 250 values about one pair of neighbours shares a code. The range
/// is `range` when given (a value outside it takes the nearest end's code, so a wrong range
/// only lengthens the runs), else the sample's. Returns false, leaving `order` to the caller,
/// for a sample too large for 16 bits to keep such runs short, or without a finite, nonzero
/// range (all equal, an infinity, a NaN).
fn radix_by_range(
    values: &[f64],
    range: Option<(f64, f64)>,
    order: &mut Vec<u64>,
    spare: &mut Vec<u64>,
) -> bool {
    let n = values.len();
    if !(2..=RADIX_MAX).contains(&n) {
        return false;
    }
    let (lo, hi, finite) = match range {
        Some((lo, hi)) => (lo, hi, true),
        None => {
            let (mut lo, mut hi, mut finite) = (values[0], values[0], true);
            for &v in values {
                lo = if v < lo { v } else { lo };
                hi = if v > hi { v } else { hi };
                finite &= v.is_finite();
            }
            (lo, hi, finite)
        }
    };
    let scale = 65535.0 / (hi - lo);
    if !(finite && scale.is_finite() && scale > 0.0) {
        return false;
    }
    let mut counts = [[0u32; 256]; 2];
    order.clear();
    order.extend(values.iter().enumerate().map(|(i, &v)| {
        // The float-to-integer cast saturates: no code beyond 16 bits.
        let code = (((v - lo) * scale) as u32).min(65535) as u64;
        counts[0][(code & 0xff) as usize] += 1;
        counts[1][(code >> 8) as usize] += 1;
        code << RADIX_INDEX_BITS | i as u64
    }));
    spare.clear();
    spare.resize(n, 0);
    // Least significant byte first; each pass is stable, so the second keeps the first's order
    // among equal high bytes.
    for (pass, counts) in counts.iter_mut().enumerate() {
        let shift = RADIX_INDEX_BITS + 8 * pass as u32;
        let mut start = 0;
        for count in counts.iter_mut() {
            (*count, start) = (start, start + *count);
        }
        for &key in order.iter() {
            let slot = &mut counts[((key >> shift) & 0xff) as usize];
            spare[*slot as usize] = key;
            *slot += 1;
        }
        std::mem::swap(order, spare);
    }
    true
}

/// Calls `group(i, j)` for each run i..=j of sorted positions whose values are `equal`.
fn for_each_tie_group(
    len: usize,
    equal: impl Fn(usize, usize) -> bool,
    mut group: impl FnMut(usize, usize),
) {
    let mut i = 0;
    while i < len {
        let mut j = i;
        while j + 1 < len && equal(j + 1, i) {
            j += 1;
        }
        group(i, j);
        i = j + 1;
    }
}

/// Wilcoxon signed-rank test, normal approximation with the tie correction; zeros left out.
/// Returns W+ (the sum of the ranks of |x| over the positive x) and Z.
///
/// One sort of |x| gives both the ranks and the tie groups. W+ is a sum of half-integers far
/// below 2^52, so it is exact whatever the order of summation.
pub fn wilcoxon(values: &[f64]) -> (f64, TestStat) {
    // |x|'s sort key always has its top bit set, so it shifts out and the sign takes the
    // lowest bit: one sort of plain integers (a large portfolio sorts a million per day).
    let mut sorted: Vec<u64> = values
        .iter()
        .filter(|v| v.is_finite() && **v != 0.0)
        .map(|v| sort_key(v.abs()) << 1 | u64::from(*v > 0.0))
        .collect();
    if sorted.is_empty() {
        return (f64::NAN, TestStat::MISSING);
    }
    sorted.sort_unstable();
    let n = sorted.len() as f64;
    // Tie correction: sum (t^3 - t) / 48 over groups of tied |x|.
    let (mut w, mut ties) = (0.0, 0.0);
    for_each_tie_group(
        sorted.len(),
        |a, b| sorted[a] >> 1 == sorted[b] >> 1,
        |i, j| {
            let rank = (i + j) as f64 / 2.0 + 1.0;
            let positive = sorted[i..=j].iter().filter(|&&p| p & 1 == 1).count();
            w += rank * positive as f64;
            let t = (j - i + 1) as f64;
            ties += t * t * t - t;
        },
    );
    let mean = n * (n + 1.0) / 4.0;
    let var = n * (n + 1.0) * (2.0 * n + 1.0) / 24.0 - ties / 48.0;
    if var <= 0.0 {
        return (w, TestStat::MISSING);
    }
    (w, TestStat::normal((w - mean) / var.sqrt()))
}

/// Crude dependence adjustment (Brown & Warner 1985): the AAR (or the sum of `days` AARs)
/// over sd * sqrt(days), sd the standard deviation of the estimation-window AARs, Student t
/// with T - 1 degrees of freedom (T estimation days).
pub fn crude_dependence_t(
    aar_sum: f64,
    days: usize,
    estimation_sd: f64,
    estimation_days: usize,
) -> TestStat {
    if !is_positive(estimation_sd) || days == 0 || estimation_days < 3 || !aar_sum.is_finite() {
        return TestStat::MISSING;
    }
    TestStat::student(
        aar_sum / (estimation_sd * (days as f64).sqrt()),
        (estimation_days - 1) as f64,
    )
}

/// Corrado (1989) rank test, with Corrado & Zivney's (1992) standardized ranks so events
/// with different numbers of valid days (and missing days) pool:
///
/// - each event's ARs over its estimation and event windows are ranked together (average
///   ranks for ties) and scaled, U_it = rank / (M_i + 1), M_i its valid days; mean 1/2;
/// - D_t = mean over the N_t events with an AR on relative day t of (U_it - 1/2);
/// - S = sqrt(mean of D_t^2 over every relative day of the estimation and event windows);
/// - a day: Z = D_t / S; a window of n days (Cowan 1992): Z = sum_w D_t / (sqrt(n) S).
#[derive(Debug, Clone, PartialEq)]
pub struct RankTest {
    /// (relative day, D_t) for every day with at least one rank, sorted by day.
    pub deviations: Vec<(i32, f64)>,
    pub s: f64,
}

impl RankTest {
    /// `events`: per event, its (relative day, AR) pairs over the estimation and event windows.
    pub fn new(events: &[Vec<(i32, f64)>]) -> Self {
        let mut by_day: std::collections::BTreeMap<i32, (f64, usize)> = Default::default();
        for sample in events {
            let valid: Vec<(i32, f64)> = sample
                .iter()
                .copied()
                .filter(|(_, v)| v.is_finite())
                .collect();
            let values: Vec<f64> = valid.iter().map(|p| p.1).collect();
            let scale = valid.len() as f64 + 1.0;
            for ((day, _), rank) in valid.iter().zip(average_ranks(&values)) {
                let e = by_day.entry(*day).or_insert((0.0, 0));
                e.0 += rank / scale - 0.5;
                e.1 += 1;
            }
        }
        Self::from_deviations(
            by_day
                .into_iter()
                .map(|(d, (sum, n))| (d, sum / n as f64))
                .collect(),
        )
    }

    /// From D_t, sorted by day.
    pub fn from_deviations(deviations: Vec<(i32, f64)>) -> Self {
        let s = if deviations.is_empty() {
            f64::NAN
        } else {
            (deviations.iter().map(|(_, d)| d * d).sum::<f64>() / deviations.len() as f64).sqrt()
        };
        RankTest { deviations, s }
    }

    /// The statistic over the relative days `from..=to` (one day when equal).
    pub fn window(&self, from: i32, to: i32) -> TestStat {
        let inside: Vec<f64> = self
            .deviations
            .iter()
            .filter(|(d, _)| (from..=to).contains(d))
            .map(|p| p.1)
            .collect();
        // Below 1e-12 the deviations are rounding noise around zero: no statistic.
        if inside.is_empty() || !is_positive(self.s - 1e-12) {
            return TestStat::MISSING;
        }
        TestStat::normal(inside.iter().sum::<f64>() / ((inside.len() as f64).sqrt() * self.s))
    }
}

/// Pearson correlation of two series over the keys both hold (each sorted by key, NaN =
/// missing); `None` with fewer than three common points or no variance.
pub fn correlation_on_common_keys(a: &[(i32, f64)], b: &[(i32, f64)]) -> Option<f64> {
    let (mut i, mut j) = (0, 0);
    let (mut n, mut sa, mut sb, mut saa, mut sbb, mut sab) = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
    while i < a.len() && j < b.len() {
        match a[i].0.cmp(&b[j].0) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                let (x, y) = (a[i].1, b[j].1);
                if x.is_finite() && y.is_finite() {
                    n += 1.0;
                    sa += x;
                    sb += y;
                    saa += x * x;
                    sbb += y * y;
                    sab += x * y;
                }
                i += 1;
                j += 1;
            }
        }
    }
    if n < 3.0 {
        return None;
    }
    let cov = sab - sa * sb / n;
    let (va, vb) = (saa - sa * sa / n, sbb - sb * sb / n);
    (va > 0.0 && vb > 0.0).then(|| cov / (va * vb).sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::xorshift;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() < tol
    }

    #[test]
    fn cross_sectional_t_by_hand() {
        // 1 2 3 4 5: mean 3, s = sqrt(2.5), t = 3 / (sqrt(2.5) / sqrt 5) = 3 sqrt 2.
        let t = cross_sectional_t(&[1.0, 2.0, 3.0, 4.0, 5.0, f64::NAN]);
        assert!(close(t.stat, 3.0 * 2f64.sqrt(), 1e-12));
        assert!(t.p > 0.0 && t.p < 0.05);
        assert!(cross_sectional_t(&[1.0]).stat.is_nan());
        assert!(
            cross_sectional_t(&[2.0, 2.0]).stat.is_nan(),
            "no variance, no t"
        );
    }

    #[test]
    fn patell_on_identical_events() {
        // N identical events with SAR s and L - k = 100: Z = N s / sqrt(N 100/98) = s sqrt(N 0.98).
        let n = 9;
        let z = patell_z(&vec![1.5; n], &vec![100.0; n]);
        assert!(close(z.stat, 1.5 * (9.0f64 * 0.98).sqrt(), 1e-12));
    }

    #[test]
    fn kp_shrinks_bmp_when_residuals_correlate() {
        let bmp = TestStat { stat: 4.0, p: 0.0 };
        assert_eq!(kolari_pynnonen(bmp, 10, 0.0).stat, 4.0);
        // r = 0.1, N = 10: factor sqrt(0.9 / 1.9).
        assert!(close(
            kolari_pynnonen(bmp, 10, 0.1).stat,
            4.0 * (0.9f64 / 1.9).sqrt(),
            1e-12
        ));
    }

    #[test]
    fn sign_tests_by_hand() {
        // 5 of 7 positive: (5 - 3.5) / sqrt(7/4) = 1.133893 (estudy2's "sign" on 2020-03-16).
        let v = [0.1, 0.2, -0.1, 0.3, 0.05, -0.2, 0.4];
        assert!(close(sign_z(&v).stat, 1.1338934, 1e-6));
        // p = 0.4: (5 - 2.8) / sqrt(7 * 0.24).
        assert!(close(
            generalized_sign_z(&v, 0.4).stat,
            2.2 / (7.0f64 * 0.24).sqrt(),
            1e-12
        ));
    }

    #[test]
    fn wilcoxon_by_hand() {
        // |x| ranks: 0.5->3, -1->4, 0.2->2, -0.1->1, 2->5; W+ = 3 + 2 + 5 = 10;
        // E = 7.5, Var = 5*6*11/24 = 13.75.
        let (w, z) = wilcoxon(&[0.5, -1.0, 0.2, -0.1, 2.0, 0.0]);
        assert_eq!(w, 10.0);
        assert!(close(z.stat, 2.5 / 13.75f64.sqrt(), 1e-12));
        // Ties share ranks: |1| twice -> ranks 1.5 each; W+ = 1.5 + 3 = 4.5; ties term (8-2)/48.
        let (w, z) = wilcoxon(&[1.0, -1.0, 3.0]);
        assert_eq!(w, 4.5);
        let var: f64 = 3.0 * 4.0 * 7.0 / 24.0 - 6.0 / 48.0;
        assert!(close(z.stat, (4.5 - 3.0) / var.sqrt(), 1e-12));
        // No positive value: W+ is zero, and a plain zero (it used to print as -0.0).
        let (w, z) = wilcoxon(&[-1.0, -2.0, -3.0]);
        assert_eq!(w.to_bits(), 0.0f64.to_bits());
        let var: f64 = 3.0 * 4.0 * 7.0 / 24.0;
        assert!(close(z.stat, -3.0 / var.sqrt(), 1e-12));
    }

    /// W+ and Z against their definition (ranks of |x| by the quadratic definition, ties
    /// counted pair by pair) on samples with tied magnitudes of both signs, zeros, NaNs and
    /// infinities among them.
    #[test]
    fn wilcoxon_matches_the_definition() {
        let mut next = xorshift(0x1234_5678_9abc_def1u64);
        for n in [1usize, 2, 5, 40, 300] {
            for shape in 0..5 {
                let mut values = rank_sample(n, shape, &mut next);
                // Flip some signs: equal magnitudes of opposite signs tie.
                for (i, v) in values.iter_mut().enumerate() {
                    if i % 3 == 0 {
                        *v = -*v;
                    }
                }
                values.push(f64::NAN);
                let used: Vec<f64> = values
                    .iter()
                    .copied()
                    .filter(|v| v.is_finite() && *v != 0.0)
                    .collect();
                let (w, z) = wilcoxon(&values);
                if used.is_empty() {
                    assert!(w.is_nan());
                    continue;
                }
                let magnitudes: Vec<f64> = used.iter().map(|v| v.abs()).collect();
                let ranks = ranks_by_definition(&magnitudes);
                let expected_w: f64 = used
                    .iter()
                    .zip(&ranks)
                    .filter(|(v, _)| **v > 0.0)
                    .map(|(_, r)| r)
                    .sum();
                assert!(close(w, expected_w, 1e-12), "n {n}, shape {shape}");
                // sum over tie groups of t^3 - t, from each value's count of equal magnitudes.
                let ties: f64 = magnitudes
                    .iter()
                    .map(|m| {
                        let t = magnitudes.iter().filter(|&&o| o == *m).count() as f64;
                        t * t - 1.0
                    })
                    .sum();
                let k = used.len() as f64;
                let var = k * (k + 1.0) * (2.0 * k + 1.0) / 24.0 - ties / 48.0;
                if var > 0.0 {
                    let expected_z = (expected_w - k * (k + 1.0) / 4.0) / var.sqrt();
                    assert!(close(z.stat, expected_z, 1e-12), "n {n}, shape {shape}");
                } else {
                    assert!(z.stat.is_nan());
                }
            }
        }
    }

    #[test]
    fn average_ranks_with_ties() {
        assert_eq!(average_ranks(&[3.0, 1.0, 3.0, 2.0]), [3.5, 1.0, 3.5, 2.0]);
    }

    /// Average ranks by their definition: 1 + the number smaller + half the number of others
    /// equal (quadratic: the reference for small samples).
    fn ranks_by_definition(values: &[f64]) -> Vec<f64> {
        values
            .iter()
            .map(|&v| {
                let smaller = values.iter().filter(|&&w| w < v).count() as f64;
                let equal = values.iter().filter(|&&w| w == v).count() as f64;
                1.0 + smaller + (equal - 1.0) / 2.0
            })
            .collect()
    }

    /// A sample of `n` values of one of several shapes, each drawn from `next`.
    fn rank_sample(n: usize, shape: u64, next: &mut impl FnMut() -> u64) -> Vec<f64> {
        let mut values: Vec<f64> = Vec::with_capacity(n);
        for _ in 0..n {
            let r = next();
            let uniform = ((r >> 11) as f64 / (1u64 << 53) as f64 - 0.5) * 0.1;
            let v = match (shape, r % 5) {
                // Exact ties, neighbours one to three ulps apart, zeros of both signs: the
                // values the packed index bits cannot tell apart.
                (0, 0) if !values.is_empty() => values[(r as usize >> 8) % values.len()],
                (0, 1) if !values.is_empty() => {
                    let base = values[(r as usize >> 8) % values.len()];
                    f64::from_bits(base.to_bits() + 1 + (r >> 40) % 3)
                }
                (0, 2) => 0.0,
                (0, 3) if r & 1 << 20 != 0 => -0.0,
                // One far outlier crowds the rest into a few codes: long runs to sort exactly.
                (1, _) if values.is_empty() => 1e6,
                // Few distinct values: long runs of ties.
                (2, _) => (r % 4) as f64,
                // A bell shape with fat tails.
                (3, _) => uniform / (uniform.abs() + 1e-3),
                // Infinities now and then: the one-sort path.
                (4, 0) => f64::INFINITY,
                (4, 1) => f64::NEG_INFINITY,
                _ => uniform,
            };
            values.push(v);
        }
        values
    }

    /// The radix sort and the fix-up of shared codes against the definition, on samples of every
    /// shape (ties, neighbours an ulp apart, a far outlier, infinities) and size.
    #[test]
    fn average_ranks_match_the_definition_at_the_last_bit() {
        let mut next = xorshift(0x2545_f491_4f6c_dd1du64);
        for n in [0usize, 1, 2, 3, 7, 17, 64, 251, 300, 2000] {
            for shape in 0..5 {
                let values = rank_sample(n, shape, &mut next);
                let ranks = average_ranks(&values);
                assert_eq!(
                    ranks,
                    ranks_by_definition(&values),
                    "n = {n}, shape {shape}"
                );
            }
        }
        // All equal: every rank is the middle one.
        assert_eq!(average_ranks(&[0.5; 4]), [2.5; 4]);
    }

    /// A caller's range, exact or off (too narrow, too wide), changes no rank: the doubled
    /// ranks are twice the definition's on finite samples of every shape.
    #[test]
    fn a_given_range_changes_no_rank() {
        let mut next = xorshift(0x5851_f42d_4c95_7f2du64);
        let mut scratch = RankScratch::default();
        let mut doubled = Vec::new();
        for n in [2usize, 3, 17, 251, 2000] {
            for shape in 0..5 {
                let values: Vec<f64> = rank_sample(n, shape, &mut next)
                    .into_iter()
                    .filter(|v| v.is_finite())
                    .collect();
                let expected: Vec<usize> = ranks_by_definition(&values)
                    .iter()
                    .map(|r| (2.0 * r) as usize)
                    .collect();
                let (lo, hi) = values
                    .iter()
                    .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
                        (lo.min(v), hi.max(v))
                    });
                let quarter = (hi - lo) / 4.0;
                for range in [(lo, hi), (lo + quarter, hi - quarter), (lo - 1.0, hi + 1.0)] {
                    doubled_ranks_into(&values, Some(range), &mut scratch, &mut doubled);
                    assert_eq!(doubled, expected, "n {n}, shape {shape}, {range:?}");
                }
            }
        }
    }

    /// Beyond the radix size, the one comparison sort of every key: against a sort of the values.
    #[test]
    fn average_ranks_of_a_large_sample() {
        let mut next = xorshift(0x9e37_79b9_7f4a_7c15u64);
        let values = rank_sample(RADIX_MAX + 5, 0, &mut next);
        let mut sorted = values.clone();
        sorted.sort_by(f64::total_cmp);
        // Rank of v: the mean of the first and last 1-based positions of values equal to v.
        let expected: Vec<f64> = values
            .iter()
            .map(|&v| {
                let first = sorted.partition_point(|&w| w < v);
                let last = sorted.partition_point(|&w| w <= v);
                (first + 1 + last) as f64 / 2.0
            })
            .collect();
        assert_eq!(average_ranks(&values), expected);
    }

    #[test]
    fn crude_dependence_by_hand() {
        let t = crude_dependence_t(0.03, 3, 0.01, 101);
        assert!(close(t.stat, 0.03 / (0.01 * 3f64.sqrt()), 1e-12));
        assert!(crude_dependence_t(0.03, 3, 0.0, 101).stat.is_nan());
    }

    /// Two events, four days each (-3..0), no ties.
    /// Event A: ARs 1 2 3 4 on days -3..0 -> ranks 1..4, U = r/5 -> 0.2 0.4 0.6 0.8.
    /// Event B: ARs 4 3 2 1 -> U = 0.8 0.6 0.4 0.2.
    /// D_t = mean(U - 0.5): -3: (-0.3+0.3)/2 = 0; -2: 0; -1: 0; 0: 0 -> S = 0: no statistic.
    /// Make B agree on day 0 instead: B ARs 3 2 1 4 -> U 0.6 0.4 0.2 0.8;
    /// D: -3: (-0.3+0.1)/2 = -0.1; -2: (-0.1-0.1)/2 = -0.1; -1: (0.1-0.3)/2 = -0.1; 0: 0.3.
    /// S = sqrt((0.01 * 3 + 0.09) / 4) = sqrt(0.03); Z(0) = 0.3 / sqrt(0.03) = sqrt 3.
    #[test]
    fn corrado_by_hand() {
        let a = vec![(-3, 1.0), (-2, 2.0), (-1, 3.0), (0, 4.0)];
        let b = vec![(-3, 3.0), (-2, 2.0), (-1, 1.0), (0, 4.0)];
        let r = RankTest::new(&[a, b]);
        assert!(close(r.s, 0.03f64.sqrt(), 1e-12));
        assert!(close(r.window(0, 0).stat, 3f64.sqrt(), 1e-12));
        // Window -1..0 (Cowan): (-0.1 + 0.3) / (sqrt 2 * S).
        assert!(close(
            r.window(-1, 0).stat,
            0.2 / (2f64.sqrt() * 0.03f64.sqrt()),
            1e-12
        ));
        let flat = RankTest::new(&[vec![(-1, 1.0), (0, 2.0)], vec![(-1, 2.0), (0, 1.0)]]);
        assert!(flat.window(0, 0).stat.is_nan(), "S = 0");
    }

    #[test]
    fn correlations() {
        let a = vec![(1, 1.0), (2, 2.0), (3, 3.0), (4, 4.0), (5, f64::NAN)];
        let b = vec![(0, 9.0), (1, 2.0), (2, 4.0), (3, 6.0), (4, 8.0)];
        let c = vec![(1, 4.0), (2, 3.0), (3, 2.0), (4, 1.0)];
        assert!(close(
            correlation_on_common_keys(&a, &b).unwrap(),
            1.0,
            1e-12
        ));
        assert!(close(
            correlation_on_common_keys(&a, &c).unwrap(),
            -1.0,
            1e-12
        ));
        assert!(correlation_on_common_keys(&a, &[(1, 1.0), (2, 2.0)]).is_none());
    }
}
