//! How the readable outputs write numbers: percents, fixed decimals, dollars in billions,
//! p-values and test statistics with significance stars. A leaf of the output layer.

use crate::report::TestReport;

/// `0.1234` as `12.34%`, or `-` when missing.
pub fn pct(x: Option<f64>) -> String {
    x.map_or_else(|| "-".into(), |v| format!("{:.2}%", v * 100.0))
}

pub fn fixed(x: Option<f64>, decimals: usize) -> String {
    x.map_or_else(|| "-".into(), |v| format!("{v:.decimals$}"))
}

/// Dollars in billions with a sign: `-$593.0bn`.
pub fn billions(x: Option<f64>) -> String {
    match x {
        None => "-".into(),
        Some(v) => {
            let sign = if v < 0.0 { "-" } else { "+" };
            format!("{sign}${:.1}bn", v.abs() / 1e9)
        }
    }
}

/// Significance stars: * p < 0.10, ** p < 0.05, *** p < 0.01.
fn stars(p: f64) -> &'static str {
    if p < 0.01 {
        "***"
    } else if p < 0.05 {
        "**"
    } else if p < 0.10 {
        "*"
    } else {
        ""
    }
}

/// p-values with significance stars.
pub fn p_value(p: Option<f64>) -> String {
    p.map_or_else(|| "-".into(), |p| format!("{p:.4}{}", stars(p)))
}

/// A statistic with stars from its p-value (the adjusted one when the run adjusts).
pub fn stat(t: &TestReport) -> String {
    match (t.stat, t.p_for_stars()) {
        (Some(s), Some(p)) => format!("{s:.2}{}", stars(p)),
        _ => "-".into(),
    }
}

/// A p-value beside its adjusted value, the stars on the adjusted: `0.0300 (0.0900*)`;
/// without adjustment (`adjusted` None), [`p_value`].
pub fn p_with_adjusted(p: Option<f64>, adjusted: Option<Option<f64>>) -> String {
    match adjusted {
        None => p_value(p),
        Some(adj) => format!("{} ({})", fixed(p, 4), p_value(adj)),
    }
}

/// A t statistic with the stars of its adjusted p-value, when the run adjusts.
pub fn t_with_adjusted_stars(t: Option<f64>, adjusted: Option<Option<f64>>) -> String {
    match (t, adjusted) {
        (Some(t), Some(Some(p))) => format!("{t:.2}{}", stars(p)),
        _ => fixed(t, 2),
    }
}

/// Dollars with a sign in the unit their size calls for: `-$593.0bn`, `+$12.4m` (an intraday
/// bar moves millions where a day moves billions).
pub fn dollars(x: Option<f64>) -> String {
    match x {
        Some(v) if v.abs() < 1e9 => {
            let sign = if v < 0.0 { "-" } else { "+" };
            format!("{sign}${:.1}m", v.abs() / 1e6)
        }
        other => billions(other),
    }
}
