//! Long horizons: buy-and-hold abnormal returns (METHODS.md, "Long horizons").
//!
//! BHAR_i(t1, t2) = prod (1 + R_it) - prod (1 + R_bt) over the firm's valid days of the window
//! (Barber & Lyon 1997); across events the conventional t, Lyon, Barber & Tsai's (1999)
//! skewness-adjusted t and its bootstrap. Simple returns in, numbers out.

use crate::study::significance::TestStat;
use crate::study::stats::student_t_p;
use crate::study::window::RelWindow;

/// One event's buy-and-hold returns over one window.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BharResult {
    pub window: RelWindow,
    /// Calendar indices of the first and last day compounded (`None`: no valid day).
    pub span: Option<(usize, usize)>,
    /// Days compounded: those of the window with a firm and a benchmark return.
    pub days: usize,
    /// prod (1 + R_it) - 1 over those days.
    pub firm: f64,
    /// prod (1 + R_bt) - 1 over the same days.
    pub benchmark: f64,
    /// `firm - benchmark`; NaN without a valid day.
    pub bhar: f64,
    /// The window runs past the firm's last return (it stopped trading, or the data ends):
    /// the returns compound to that day.
    pub cut_short: bool,
}

/// The calendar indices of `window` around `day0`, unclipped (they may lie outside the data).
fn bounds(day0: usize, window: RelWindow) -> (i64, i64) {
    (
        day0 as i64 + i64::from(window.start),
        day0 as i64 + i64::from(window.end),
    )
}

/// Whether day `t` has both returns.
fn valid(firm: &[f64], benchmark: &[f64], t: usize) -> bool {
    firm[t].is_finite() && benchmark[t].is_finite()
}

/// The buy-and-hold returns of the firm and its benchmark over `window` (trading days relative
/// to `day0`) on their common calendar: `firm` and `benchmark` are simple returns, NaN where
/// missing. A day without a firm return adds nothing to either product.
pub fn buy_and_hold(firm: &[f64], benchmark: &[f64], day0: usize, window: RelWindow) -> BharResult {
    let (lo, hi) = bounds(day0, window);
    let len = firm.len().min(benchmark.len()) as i64;
    let (mut firm_growth, mut benchmark_growth) = (1.0, 1.0);
    let (mut first, mut last, mut days) = (None, None, 0);
    for t in lo.max(0)..=hi.min(len - 1) {
        let t = t as usize;
        if !valid(firm, benchmark, t) {
            continue;
        }
        firm_growth *= 1.0 + firm[t];
        benchmark_growth *= 1.0 + benchmark[t];
        first.get_or_insert(t);
        last = Some(t);
        days += 1;
    }
    let span = first.zip(last);
    let (firm, benchmark) = match span {
        Some(_) => (firm_growth - 1.0, benchmark_growth - 1.0),
        None => (f64::NAN, f64::NAN),
    };
    BharResult {
        window,
        span,
        days,
        firm,
        benchmark,
        bhar: firm - benchmark,
        cut_short: last.is_none_or(|l| (l as i64) < hi),
    }
}

/// The firm's and the benchmark's cumulative buy-and-hold returns day by day over `window`,
/// from the day before it (0 there) to its end: what the BHAR chart draws. Days after the
/// firm's last return in the window are NaN (the chart stops there); the gap on day t is
/// BHAR(window.start, t).
#[derive(bincode::Encode, bincode::Decode, Debug, Clone, PartialEq)]
pub struct BuyAndHoldPath {
    /// Relative days, `window.start - 1` to `window.end`.
    pub rel: Vec<i32>,
    pub firm: Vec<f64>,
    pub benchmark: Vec<f64>,
}

impl BuyAndHoldPath {
    pub fn new(firm: &[f64], benchmark: &[f64], day0: usize, window: RelWindow) -> Self {
        let (lo, hi) = bounds(day0, window);
        let len = firm.len().min(benchmark.len()) as i64;
        let last_valid = (lo.max(0)..=hi.min(len - 1))
            .rev()
            .find(|&t| valid(firm, benchmark, t as usize));
        // Without a single return in the window the event has no path (as it has no BHAR):
        // not even the day before counts, or it would pull the portfolio's mean toward 0.
        let base = if last_valid.is_some() { 0.0 } else { f64::NAN };
        let mut path = BuyAndHoldPath {
            rel: vec![window.start - 1],
            firm: vec![base],
            benchmark: vec![base],
        };
        let (mut f, mut b) = (1.0, 1.0);
        for t in lo..=hi {
            let beyond = last_valid.is_none_or(|l| t > l);
            if (0..len).contains(&t) && valid(firm, benchmark, t as usize) {
                f *= 1.0 + firm[t as usize];
                b *= 1.0 + benchmark[t as usize];
            }
            path.rel.push((t - day0 as i64) as i32);
            path.firm.push(if beyond { f64::NAN } else { f - 1.0 });
            path.benchmark.push(if beyond { f64::NAN } else { b - 1.0 });
        }
        path
    }

    /// The gap, firm less benchmark, with each day after the firm's last return holding the
    /// last gap (METHODS: a firm that stops trading compounds to its last day): BHAR(start, t)
    /// on every day t of the window.
    pub fn held_gap(&self) -> Vec<f64> {
        let mut held = f64::NAN;
        self.firm
            .iter()
            .zip(&self.benchmark)
            .map(|(f, b)| {
                let gap = f - b;
                if gap.is_finite() {
                    held = gap;
                }
                held
            })
            .collect()
    }
}

/// Running sums of many events' BHAR paths, day by day (n, sum, sum of squares), for the
/// portfolio's mean path and its band. Sums merge, so pairs can be studied in parallel and
/// merged in a fixed order.
#[derive(bincode::Encode, bincode::Decode, Debug, Clone, Default, PartialEq)]
pub struct PathSums {
    pub rel: Vec<i32>,
    pub n: Vec<usize>,
    pub sum: Vec<f64>,
    pub sum_squares: Vec<f64>,
}

impl PathSums {
    /// Adds one event's gap path (from [`BuyAndHoldPath::held_gap`]); NaN days count nothing.
    pub fn add(&mut self, rel: &[i32], gap: &[f64]) {
        if self.rel.is_empty() {
            self.rel = rel.to_vec();
            self.n = vec![0; rel.len()];
            self.sum = vec![0.0; rel.len()];
            self.sum_squares = vec![0.0; rel.len()];
        }
        for (i, g) in gap.iter().enumerate().take(self.rel.len()) {
            if g.is_finite() {
                self.n[i] += 1;
                self.sum[i] += g;
                self.sum_squares[i] += g * g;
            }
        }
    }

    pub fn merge(&mut self, other: &PathSums) {
        if self.rel.is_empty() {
            *self = other.clone();
            return;
        }
        for i in 0..self.rel.len().min(other.rel.len()) {
            self.n[i] += other.n[i];
            self.sum[i] += other.sum[i];
            self.sum_squares[i] += other.sum_squares[i];
        }
    }

    /// Per day: (mean, standard deviation (n - 1)), NaN where undefined.
    pub fn moments(&self) -> impl Iterator<Item = (i32, usize, f64, f64)> + '_ {
        (0..self.rel.len()).map(|i| {
            let n = self.n[i] as f64;
            let mean = self.sum[i] / n;
            let var = (self.sum_squares[i] - self.sum[i] * mean) / (n - 1.0);
            let sd = if self.n[i] >= 2 {
                var.max(0.0).sqrt()
            } else {
                f64::NAN
            };
            (self.rel[i], self.n[i], mean, sd)
        })
    }
}

/// How the bootstrap is drawn: `draws` resamples from a generator seeded with `seed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bootstrap {
    pub draws: usize,
    pub seed: u64,
}

impl Default for Bootstrap {
    fn default() -> Self {
        Bootstrap {
            draws: 1000,
            seed: 1,
        }
    }
}

/// The tests of one BHAR window across the events.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BharTests {
    pub n: usize,
    pub mean: f64,
    pub median: f64,
    /// Standard deviation (n - 1).
    pub sd: f64,
    /// g = sum (BHAR - mean)^3 / (N s^3).
    pub skewness: f64,
    /// mean / (s / sqrt N), Student t with N - 1 dof.
    pub t: TestStat,
    /// Lyon, Barber & Tsai's skewness-adjusted t, its p from Student t with N - 1 dof.
    pub t_sa: TestStat,
    /// Two-sided p of `t_sa` in its bootstrap distribution.
    pub bootstrap_p: f64,
    /// Resamples the bootstrap p counts (those whose BHARs vary).
    pub bootstrap_draws: usize,
    /// Events per resample: N/4 (at least 2).
    pub bootstrap_sample: usize,
}

/// sqrt(N) (S + g S^2 / 3 + g / (6 N)), S = mean / s, g the skewness: NaN when s is 0.
fn skewness_adjusted_t(values: impl Iterator<Item = f64> + Clone) -> (f64, f64, f64, f64) {
    let n = values.clone().count() as f64;
    let mean = values.clone().sum::<f64>() / n;
    let (mut ss, mut cubes) = (0.0, 0.0);
    for v in values {
        let d = v - mean;
        ss += d * d;
        cubes += d * d * d;
    }
    let s = (ss / (n - 1.0)).sqrt();
    let g = cubes / (n * s * s * s);
    let ratio = mean / s;
    let t_sa = n.sqrt() * (ratio + g * ratio * ratio / 3.0 + g / (6.0 * n));
    let valid = n >= 2.0 && s > 0.0;
    let nan_unless = |x: f64| if valid { x } else { f64::NAN };
    (nan_unless(t_sa), mean, nan_unless(s), nan_unless(g))
}

/// SplitMix64 (Steele, Lea & Flood 2014): a tiny generator whose stream is fixed by its
/// definition, so a seed gives the same bootstrap in every version of every dependency.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// An index below `n` (Lemire's multiply-shift; the bias is below n / 2^64).
    pub fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }
}

/// The median of finite values.
fn median(values: &[f64]) -> f64 {
    let mut sorted: Vec<f64> = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    match sorted.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

/// The tests of one window's BHARs (NaN values are left out): the conventional t, the
/// skewness-adjusted t, and its bootstrap (METHODS: N/4 events drawn with replacement, t_sa*
/// of BHAR* - mean BHAR, the two-sided p of t_sa in that distribution).
///
/// Where METHODS is silent: with fewer than eight events N/4 is below 2, so a resample takes
/// 2 events; a resample whose values are all equal has no t_sa* and is not counted; the p is
/// the share of counted t_sa* at least as far out on each side, doubled, at most 1.
pub fn bhar_tests(values: &[f64], bootstrap: Bootstrap) -> BharTests {
    let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    let n = finite.len();
    let (t_sa, mean, sd, skewness) = if n >= 2 {
        skewness_adjusted_t(finite.iter().copied())
    } else {
        (
            f64::NAN,
            finite.first().copied().unwrap_or(f64::NAN),
            f64::NAN,
            f64::NAN,
        )
    };
    let dof = n.saturating_sub(1) as f64;
    let t = mean / (sd / (n as f64).sqrt());
    let test = |stat: f64| match stat.is_finite() {
        true => TestStat {
            stat,
            p: student_t_p(stat, dof),
        },
        false => TestStat::MISSING,
    };
    let sample = (n / 4).max(2);
    let (bootstrap_p, bootstrap_draws) = if t_sa.is_finite() && n >= 3 {
        bootstrap_p(&finite, mean, t_sa, sample, bootstrap)
    } else {
        (f64::NAN, 0)
    };
    BharTests {
        n,
        mean,
        median: median(&finite),
        sd,
        skewness,
        t: test(t),
        t_sa: test(t_sa),
        bootstrap_p,
        bootstrap_draws,
        bootstrap_sample: sample,
    }
}

/// The two-sided bootstrap p of `t_sa` and the number of resamples counted.
fn bootstrap_p(
    values: &[f64],
    mean: f64,
    t_sa: f64,
    sample: usize,
    bootstrap: Bootstrap,
) -> (f64, usize) {
    let mut rng = SplitMix64::new(bootstrap.seed);
    let mut drawn = vec![0.0; sample];
    let (mut below, mut above, mut counted) = (0usize, 0usize, 0usize);
    for _ in 0..bootstrap.draws {
        for slot in drawn.iter_mut() {
            *slot = values[rng.below(values.len())] - mean;
        }
        let (t_star, ..) = skewness_adjusted_t(drawn.iter().copied());
        if !t_star.is_finite() {
            continue;
        }
        counted += 1;
        below += usize::from(t_star <= t_sa);
        above += usize::from(t_star >= t_sa);
    }
    if counted == 0 {
        return (f64::NAN, 0);
    }
    let tail = below.min(above) as f64 / counted as f64;
    ((2.0 * tail).min(1.0), counted)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(a: i32, b: i32) -> RelWindow {
        RelWindow::new(a, b).unwrap()
    }

    /// Firm +10%, -10%, +20% and benchmark +1% x 3 over days 0..2:
    /// 1.1 x 0.9 x 1.2 = 1.188, 1.01^3 = 1.030301, BHAR = 0.157699.
    #[test]
    fn compounds_by_hand() {
        let firm = [0.5, 0.1, -0.1, 0.2, 0.3];
        let bench = [0.0, 0.01, 0.01, 0.01, 0.0];
        let r = buy_and_hold(&firm, &bench, 1, w(0, 2));
        assert!((r.firm - 0.188).abs() < 1e-15);
        assert!((r.benchmark - 0.030301).abs() < 1e-15);
        assert!((r.bhar - 0.157699).abs() < 1e-15);
        assert_eq!((r.days, r.span, r.cut_short), (3, Some((1, 3)), false));
    }

    #[test]
    fn a_missing_day_adds_nothing_and_the_end_of_data_cuts_short() {
        let firm = [f64::NAN, 0.1, f64::NAN, 0.2];
        let bench = [f64::NAN, 0.01, 0.02, 0.03];
        let r = buy_and_hold(&firm, &bench, 1, w(0, 5));
        assert!((r.firm - (1.1 * 1.2 - 1.0)).abs() < 1e-15);
        assert!((r.benchmark - (1.01 * 1.03 - 1.0)).abs() < 1e-15);
        assert_eq!((r.days, r.cut_short), (2, true));
        // A firm that stops trading before the window ends is cut short too.
        let stopped = buy_and_hold(&[0.0, 0.1, 0.1, f64::NAN], &[0.0; 4], 1, w(0, 2));
        assert_eq!((stopped.days, stopped.cut_short), (2, true));
        let none = buy_and_hold(&firm, &bench, 1, w(10, 12));
        assert!(none.bhar.is_nan() && none.cut_short && none.span.is_none());
    }

    #[test]
    fn the_path_ends_in_the_window_bhar() {
        let firm = [0.0, 0.1, -0.1, 0.2, f64::NAN];
        let bench = [0.0, 0.01, 0.01, 0.01, 0.01];
        let path = BuyAndHoldPath::new(&firm, &bench, 1, w(0, 3));
        assert_eq!(path.rel, [-1, 0, 1, 2, 3]);
        assert_eq!(path.firm[0], 0.0);
        let r = buy_and_hold(&firm, &bench, 1, w(0, 2));
        assert!((path.firm[3] - path.benchmark[3] - r.bhar).abs() < 1e-15);
        assert!(path.firm[4].is_nan());
        let held = path.held_gap();
        assert_eq!(held[4], held[3]);
        // A window after the data: no path at all, so no part in the portfolio's mean.
        let none = BuyAndHoldPath::new(&firm, &bench, 1, w(10, 12));
        assert!(none.held_gap().iter().all(|g| g.is_nan()));
        let mut sums = PathSums::default();
        sums.add(&none.rel, &none.held_gap());
        assert!(sums.n.iter().all(|&n| n == 0));
    }

    /// The tests against their formulas, computed another way.
    #[test]
    fn tests_by_their_formulas() {
        let x = [0.3, -0.1, 0.05, 0.8, -0.2, 0.0, 0.1];
        let n = x.len() as f64;
        let mean = x.iter().sum::<f64>() / n;
        let m2 = x.iter().map(|v| (v - mean).powi(2)).sum::<f64>();
        let m3 = x.iter().map(|v| (v - mean).powi(3)).sum::<f64>();
        let s = (m2 / (n - 1.0)).sqrt();
        let g = m3 / (n * s.powi(3));
        let big_s = mean / s;
        let t_sa = n.sqrt() * (big_s + g * big_s.powi(2) / 3.0 + g / (6.0 * n));
        let r = bhar_tests(&x, Bootstrap::default());
        assert!((r.mean - mean).abs() < 1e-15);
        assert!((r.t.stat - mean / (s / n.sqrt())).abs() < 1e-12);
        assert!((r.t_sa.stat - t_sa).abs() < 1e-12);
        assert!((r.skewness - g).abs() < 1e-12);
        assert_eq!(r.median, 0.05);
        assert_eq!(r.bootstrap_sample, 2);
        assert!(r.bootstrap_p > 0.0 && r.bootstrap_p <= 1.0);
        // The same seed, the same p; another seed, another stream.
        assert_eq!(
            bhar_tests(&x, Bootstrap::default()).bootstrap_p,
            r.bootstrap_p
        );
        let other = bhar_tests(
            &x,
            Bootstrap {
                draws: 1000,
                seed: 7,
            },
        );
        assert!(other.bootstrap_draws > 0);
    }

    #[test]
    fn splitmix_is_its_published_stream() {
        // The first outputs for seed 1234567, as in the reference implementation's test.
        let mut r = SplitMix64::new(1234567);
        assert_eq!(r.next_u64(), 6457827717110365317);
        assert_eq!(r.next_u64(), 3203168211198807973);
    }

    #[test]
    fn path_sums_merge_like_one() {
        let rel = [-1, 0, 1];
        let (mut a, mut b, mut all) = (
            PathSums::default(),
            PathSums::default(),
            PathSums::default(),
        );
        a.add(&rel, &[0.0, 0.1, 0.2]);
        b.add(&rel, &[0.0, -0.1, f64::NAN]);
        all.add(&rel, &[0.0, 0.1, 0.2]);
        all.add(&rel, &[0.0, -0.1, f64::NAN]);
        a.merge(&b);
        assert_eq!(a, all);
        let m: Vec<_> = a.moments().collect();
        assert_eq!(m[1].1, 2);
        // 0.1 and -0.1: mean 0, s = sqrt(0.02).
        assert!(m[1].2.abs() < 1e-15 && (m[1].3 - 0.02f64.sqrt()).abs() < 1e-15);
        assert_eq!(m[2].1, 1);
        assert!(m[2].3.is_nan());
    }
}
