//! Multiple testing (METHODS, "Multiple testing"): a family of p-values adjusted together, by
//! Holm's step-down (1979), Benjamini-Hochberg's step-up (1995) or Bonferroni's bound. An
//! event tested on eleven days has eleven chances to look significant; the adjusted p is
//! what a referee reads.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use crate::error::Error;

/// How a family of p-values is adjusted (`--adjust`).
#[derive(bincode::Encode, bincode::Decode, Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PAdjust {
    /// Holm's step-down: controls the family-wise error rate.
    Holm,
    /// Benjamini-Hochberg's step-up: controls the false discovery rate.
    Bh,
    /// Bonferroni: m p, the bound Holm improves on.
    Bonferroni,
}

impl PAdjust {
    pub const NAMES: [&'static str; 3] = ["holm", "bh", "bonferroni"];

    /// The name a reader knows it by.
    pub fn describe(self) -> &'static str {
        match self {
            PAdjust::Holm => "Holm",
            PAdjust::Bh => "Benjamini-Hochberg",
            PAdjust::Bonferroni => "Bonferroni",
        }
    }
}

impl FromStr for PAdjust {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        match s {
            "holm" => Ok(PAdjust::Holm),
            "bh" => Ok(PAdjust::Bh),
            "bonferroni" => Ok(PAdjust::Bonferroni),
            _ => Err(Error::usage(format!(
                "--adjust '{s}' is not one of holm, bh, bonferroni"
            ))),
        }
    }
}

impl fmt::Display for PAdjust {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PAdjust::Holm => "holm",
            PAdjust::Bh => "bh",
            PAdjust::Bonferroni => "bonferroni",
        })
    }
}

/// The adjusted p-values of one family, in the order given. A missing p (NaN) stays missing
/// and is not counted in the family's size m. Adjusted values are capped at 1 and, for Holm
/// and Benjamini-Hochberg, monotone in the raw p (as statsmodels' `multipletests` computes
/// them, operation for operation: the same bits).
pub fn adjust(p: &[f64], method: PAdjust) -> Vec<f64> {
    let mut order: Vec<usize> = (0..p.len()).filter(|&i| !p[i].is_nan()).collect();
    let m = order.len() as f64;
    let mut adjusted = vec![f64::NAN; p.len()];
    if order.is_empty() {
        return adjusted;
    }
    // A stable sort: ties keep their order, as numpy's mergesort does.
    order.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
    match method {
        PAdjust::Bonferroni => {
            for &i in &order {
                adjusted[i] = (m * p[i]).min(1.0);
            }
        }
        PAdjust::Holm => {
            // (m - j) p_(j), j = 0.., made non-decreasing from the smallest p up.
            let mut running = f64::NEG_INFINITY;
            for (j, &i) in order.iter().enumerate() {
                running = running.max((m - j as f64) * p[i]);
                adjusted[i] = running.min(1.0);
            }
        }
        PAdjust::Bh => {
            // p_(j) m / j, j = 1..m, made non-increasing from the largest p down.
            let mut running = f64::INFINITY;
            for (j, &i) in order.iter().enumerate().rev() {
                running = running.min(p[i] * m / (j + 1) as f64);
                adjusted[i] = running.min(1.0);
            }
        }
    }
    adjusted
}

/// [`adjust`] of optional p-values (`None` = missing), as the reports keep them.
pub fn adjust_options(p: &[Option<f64>], method: PAdjust) -> Vec<Option<f64>> {
    let raw: Vec<f64> = p.iter().map(|v| v.unwrap_or(f64::NAN)).collect();
    adjust(&raw, method)
        .into_iter()
        .map(|v| (!v.is_nan()).then_some(v))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: [f64; 5] = [0.01, 0.04, 0.03, 0.005, 0.5];

    fn close(a: &[f64], b: &[f64]) {
        for (x, y) in a.iter().zip(b) {
            assert!((x - y).abs() < 1e-15, "{a:?} vs {b:?}");
        }
    }

    #[test]
    fn bonferroni_is_m_p_capped_at_one() {
        close(
            &adjust(&P, PAdjust::Bonferroni),
            &[0.05, 0.2, 0.15, 0.025, 1.0],
        );
    }

    #[test]
    fn holm_by_hand() {
        // Sorted: 0.005 x5 = 0.025, 0.01 x4 = 0.04, 0.03 x3 = 0.09, 0.04 x2 = 0.08 -> 0.09
        // (monotone), 0.5 x1 = 0.5.
        close(&adjust(&P, PAdjust::Holm), &[0.04, 0.09, 0.09, 0.025, 0.5]);
    }

    #[test]
    fn benjamini_hochberg_by_hand() {
        // Sorted: 0.005 x5/1 = 0.025, 0.01 x5/2 = 0.025, 0.03 x5/3 = 0.05, 0.04 x5/4 = 0.05,
        // 0.5 x5/5 = 0.5; from the top down, the running minimum.
        close(&adjust(&P, PAdjust::Bh), &[0.025, 0.05, 0.05, 0.025, 0.5]);
    }

    #[test]
    fn missing_p_values_stay_missing_and_do_not_count() {
        let got = adjust(&[0.01, f64::NAN, 0.02], PAdjust::Bonferroni);
        assert!(got[1].is_nan());
        close(&[got[0], got[2]], &[0.02, 0.04]);
        assert!(adjust(&[f64::NAN], PAdjust::Holm)[0].is_nan());
        assert_eq!(
            adjust_options(&[None, Some(0.3)], PAdjust::Holm),
            vec![None, Some(0.3)]
        );
    }

    #[test]
    fn one_test_is_its_own_adjustment() {
        for method in [PAdjust::Holm, PAdjust::Bh, PAdjust::Bonferroni] {
            assert_eq!(adjust(&[0.037], method), vec![0.037]);
        }
    }
}
