//! Comparing groups of events (METHODS, "Comparing groups"): each group's mean CAR with its
//! cross-sectional t, and the difference of two groups' means by Welch's t
//! (Welch-Satterthwaite degrees of freedom) and by the Wilcoxon rank-sum z (normal
//! approximation, tie-corrected, no continuity correction). Slices of CARs in, numbers out.

use crate::study::stats::{normal_p, student_t_p};

/// A group's mean and its cross-sectional t: mean / (s / sqrt n), Student t with n - 1 d.f.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GroupMean {
    pub n: usize,
    pub mean: f64,
    pub t: f64,
    pub p: f64,
}

/// Welch's two-sample t of mean(a) - mean(b).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Welch {
    pub diff: f64,
    pub t: f64,
    pub df: f64,
    pub p: f64,
}

/// The Wilcoxon rank-sum (Mann-Whitney) z of a against b and its two-sided normal p.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RankSum {
    pub z: f64,
    pub p: f64,
}

/// The mean and the sample variance (divisor n - 1; NaN with fewer than two values).
fn mean_variance(x: &[f64]) -> (f64, f64) {
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    let ss: f64 = x.iter().map(|v| (v - mean) * (v - mean)).sum();
    (
        mean,
        if x.len() > 1 {
            ss / (n - 1.0)
        } else {
            f64::NAN
        },
    )
}

/// The group's mean CAR and its cross-sectional t (NaN t with fewer than two events).
pub fn group_mean(x: &[f64]) -> GroupMean {
    let (mean, var) = mean_variance(x);
    let t = mean / (var / x.len() as f64).sqrt();
    GroupMean {
        n: x.len(),
        mean,
        t,
        p: student_t_p(t, x.len() as f64 - 1.0),
    }
}

/// Welch's t: (mean a - mean b) / sqrt(s_a^2/n_a + s_b^2/n_b), with
/// df = (v_a + v_b)^2 / (v_a^2/(n_a - 1) + v_b^2/(n_b - 1)), v = s^2/n (scipy's
/// `ttest_ind(equal_var=False)`). NaN t with fewer than two values on a side.
pub fn welch_t(a: &[f64], b: &[f64]) -> Welch {
    let (mean_a, var_a) = mean_variance(a);
    let (mean_b, var_b) = mean_variance(b);
    let (na, nb) = (a.len() as f64, b.len() as f64);
    let (va, vb) = (var_a / na, var_b / nb);
    let diff = mean_a - mean_b;
    let t = diff / (va + vb).sqrt();
    let df = (va + vb).powi(2) / (va * va / (na - 1.0) + vb * vb / (nb - 1.0));
    Welch {
        diff,
        t,
        df,
        p: student_t_p(t, df),
    }
}

/// The rank-sum z: W = the sum of a's ranks in the pooled sample (ties averaged), z =
/// (W - n_a (n + 1) / 2) / sqrt(n_a n_b / 12 ((n + 1) - sum(t^3 - t) / (n (n - 1)))), t the
/// size of each group of ties; no continuity correction (scipy's `mannwhitneyu(method=
/// "asymptotic", use_continuity=False)`).
pub fn rank_sum_z(a: &[f64], b: &[f64]) -> RankSum {
    let (na, nb) = (a.len(), b.len());
    let n = na + nb;
    if na == 0 || nb == 0 {
        return RankSum {
            z: f64::NAN,
            p: f64::NAN,
        };
    }
    // (value, from a) sorted by value; ties get the mean of their ranks.
    let mut pooled: Vec<(f64, bool)> = a
        .iter()
        .map(|&v| (v, true))
        .chain(b.iter().map(|&v| (v, false)))
        .collect();
    pooled.sort_by(|x, y| x.0.total_cmp(&y.0));
    let (mut w, mut ties) = (0.0, 0.0);
    let mut i = 0;
    while i < n {
        let mut j = i;
        while j + 1 < n && pooled[j + 1].0 == pooled[i].0 {
            j += 1;
        }
        // Ranks i + 1 ..= j + 1, averaged.
        let rank = (i + j + 2) as f64 / 2.0;
        let size = (j - i + 1) as f64;
        ties += size * size * size - size;
        w += rank * pooled[i..=j].iter().filter(|p| p.1).count() as f64;
        i = j + 1;
    }
    let (naf, nbf, nf) = (na as f64, nb as f64, n as f64);
    let expected = naf * (nf + 1.0) / 2.0;
    let variance = naf * nbf / 12.0 * ((nf + 1.0) - ties / (nf * (nf - 1.0)));
    let z = (w - expected) / variance.sqrt();
    RankSum { z, p: normal_p(z) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn welch_by_hand() {
        // a: mean 2, s^2 1; b: mean 5, s^2 4 (n 3 and 4).
        let a = [1.0, 2.0, 3.0];
        let b = [3.0, 4.0, 5.0, 8.0];
        let (mb, vb) = mean_variance(&b);
        assert_eq!((mb, vb), (5.0, 14.0 / 3.0));
        let w = welch_t(&a, &b);
        let (va, vbn): (f64, f64) = (1.0 / 3.0, 14.0 / 3.0 / 4.0);
        assert!((w.diff + 3.0).abs() < 1e-15);
        assert!((w.t - (-3.0 / (va + vbn).sqrt())).abs() < 1e-14);
        let df = (va + vbn) * (va + vbn) / (va * va / 2.0 + vbn * vbn / 3.0);
        assert!((w.df - df).abs() < 1e-12);
    }

    #[test]
    fn rank_sum_by_hand_with_ties() {
        // Pooled 1, 2, 2, 3 (a: 1 and 2; b: 2 and 3): ranks 1, 2.5, 2.5, 4; W = 3.5;
        // E = 2 * 5 / 2 = 5; ties: one pair (8 - 2 = 6); Var = 4/12 (5 - 6/12) = 1.5.
        let r = rank_sum_z(&[1.0, 2.0], &[2.0, 3.0]);
        assert!((r.z - (-1.5 / 1.5f64.sqrt())).abs() < 1e-15, "{r:?}");
        assert!((r.p - normal_p(1.5 / 1.5f64.sqrt())).abs() < 1e-15);
    }

    #[test]
    fn group_mean_is_the_one_sample_t() {
        let g = group_mean(&[1.0, 2.0, 3.0, 6.0]);
        // mean 3, s^2 = (4 + 1 + 0 + 9) / 3.
        assert_eq!(g.mean, 3.0);
        assert!((g.t - 3.0 / (14.0f64 / 3.0 / 4.0).sqrt()).abs() < 1e-14);
        assert!(group_mean(&[1.0]).t.is_nan());
    }
}
