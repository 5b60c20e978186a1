//! Daily returns from prices aligned on the trading calendar.

use serde::Serialize;
use std::fmt;
use std::str::FromStr;

use crate::error::Error;

/// Simple (`P_t / P_{t-1} - 1`) or log (`ln(P_t / P_{t-1})`) returns (`--returns`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum ReturnKind {
    #[default]
    Simple,
    Log,
}

impl ReturnKind {
    pub const NAMES: [&'static str; 2] = ["simple", "log"];
}

impl FromStr for ReturnKind {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        match s {
            "simple" => Ok(ReturnKind::Simple),
            "log" => Ok(ReturnKind::Log),
            _ => Err(Error::usage(format!(
                "--returns '{s}' is not one of simple, log"
            ))),
        }
    }
}

impl fmt::Display for ReturnKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ReturnKind::Simple => "simple",
            ReturnKind::Log => "log",
        })
    }
}

/// Returns of a price series on its calendar; `out[0]` and any day without a valid price on
/// both t and t-1 are NaN (missing, never zero). A price that is not positive is treated as
/// missing: Yahoo reports a missing adjusted close as 0, which would read as a -100% day.
pub fn returns(prices: &[f64], kind: ReturnKind) -> Vec<f64> {
    let valid = |p: f64| p.is_finite() && p > 0.0;
    let mut out = Vec::with_capacity(prices.len());
    if !prices.is_empty() {
        out.push(f64::NAN);
    }
    out.extend(prices.windows(2).map(|w| {
        if valid(w[0]) && valid(w[1]) {
            match kind {
                ReturnKind::Simple => w[1] / w[0] - 1.0,
                ReturnKind::Log => (w[1] / w[0]).ln(),
            }
        } else {
            f64::NAN
        }
    }));
    out
}

/// The largest daily move a price series may make before it is taken for a corrupt price: a
/// simple return beyond +1,000% (a price eleven times the day before's is not a move but a
/// typo, a unit change or an unadjusted split). A fall is bounded by -100% itself; a corrupt
/// spike shows in the rise into it or out of it.
pub const MAX_DAILY_RETURN: f64 = 10.0;

/// The first day whose simple return from `prices` (NaN where missing) lies beyond
/// ±[`MAX_DAILY_RETURN`], a price that is not positive counting as such a move: its index and
/// the return.
pub fn first_implausible_move(prices: &[f64]) -> Option<(usize, f64)> {
    let mut previous: Option<f64> = None;
    for (i, &p) in prices.iter().enumerate() {
        if p.is_nan() {
            continue;
        }
        if !(p > 0.0 && p.is_finite()) {
            return Some((i, f64::NAN));
        }
        if let Some(before) = previous {
            let r = p / before - 1.0;
            if r.abs() > MAX_DAILY_RETURN {
                return Some((i, r));
            }
        }
        previous = Some(p);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simple_and_log() {
        let r = returns(&[100.0, 110.0, 99.0], ReturnKind::Simple);
        assert!(r[0].is_nan());
        assert!((r[1] - 0.10).abs() < 1e-12);
        assert!((r[2] + 0.10).abs() < 1e-12);
        let l = returns(&[100.0, 110.0], ReturnKind::Log);
        assert!((l[1] - 1.1f64.ln()).abs() < 1e-12);
    }

    #[test]
    fn a_gap_costs_two_returns() {
        let r = returns(
            &[100.0, f64::NAN, 120.0, 0.0, 130.0, 143.0],
            ReturnKind::Simple,
        );
        assert!(
            r[1].is_nan() && r[2].is_nan(),
            "no return into or out of a missing day"
        );
        assert!(
            r[3].is_nan() && r[4].is_nan(),
            "zero is a missing price, not a -100% day"
        );
        assert!((r[5] - 0.10).abs() < 1e-12);
    }
}
