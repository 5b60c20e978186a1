//! Calendar-time portfolios (Jaffe 1974, Mandelker 1974; Fama 1998; METHODS, "Calendar-time
//! portfolios"): on each trading day, the portfolio of the firms inside a window after their
//! event; its return regressed on the model's factors over those days. The intercept is the
//! mean daily abnormal return, and its t does not suffer from the overlapping, compounding
//! event windows that BHARs do.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use crate::error::Error;
use crate::study::regression::{ols, OlsFit, RegressionError, StandardErrors};

/// How the firms of a day are weighted (`--calendar-weights`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum CalendarWeights {
    /// Each firm held that day counts once.
    #[default]
    Equal,
    /// Each firm by its market value at the close before its event (day -1).
    Value,
}

impl CalendarWeights {
    pub const NAMES: [&'static str; 2] = ["equal", "value"];
}

impl FromStr for CalendarWeights {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        match s {
            "equal" => Ok(CalendarWeights::Equal),
            "value" => Ok(CalendarWeights::Value),
            _ => Err(Error::usage(format!(
                "--calendar-weights '{s}' is not one of equal, value"
            ))),
        }
    }
}

impl fmt::Display for CalendarWeights {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CalendarWeights::Equal => "equal",
            CalendarWeights::Value => "value",
        })
    }
}

/// One firm inside its window on one day: the day (days since 1970), the firm, its simple
/// return that day and its weight (market value at day -1; NaN without one).
#[derive(Debug, Clone, Copy, PartialEq, bincode::Encode, bincode::Decode)]
pub struct Holding {
    pub key: i32,
    pub firm: u32,
    pub ret: f64,
    pub weight: f64,
}

/// A day's regressors: the risk-free rate the portfolio's return is measured over (0 for the
/// market model) and the factors (the benchmark's return for the market model).
#[derive(Debug, Clone, PartialEq, bincode::Encode, bincode::Decode)]
pub struct Regressors {
    pub rf: f64,
    pub factors: Vec<f64>,
}

/// What the events give the calendar-time portfolios, gathered as they run: per window their
/// holdings, and each day's regressors (the same for every pair of a run: the factor file,
/// or the one benchmark).
#[derive(Debug, Clone, Default, bincode::Encode, bincode::Decode)]
pub struct CalendarPanel {
    pub holdings: Vec<Vec<Holding>>,
    pub regressors: BTreeMap<i32, Regressors>,
    /// The ticker of each firm id of the holdings (a run numbers its firms itself).
    pub firms: Vec<String>,
}

impl CalendarPanel {
    /// Another run's panel after this one (a part of a batch after the parts before it): its
    /// firms renumbered into this panel's, so that a firm in both is held once a day, by its
    /// first holding here.
    pub fn absorb(&mut self, mut other: CalendarPanel) {
        let mut ids: std::collections::HashMap<String, u32> = self
            .firms
            .iter()
            .enumerate()
            .map(|(i, t)| (t.clone(), i as u32))
            .collect();
        let renumbered: Vec<u32> = other
            .firms
            .iter()
            .map(|ticker| {
                let next = ids.len() as u32;
                *ids.entry(ticker.clone()).or_insert_with(|| {
                    self.firms.push(ticker.clone());
                    next
                })
            })
            .collect();
        for holdings in &mut other.holdings {
            for h in holdings {
                h.firm = renumbered[h.firm as usize];
            }
        }
        other.firms.clear();
        self.merge(other);
    }

    /// Another panel's holdings after this one's (the plan's order), its regressors where this
    /// one has none.
    pub fn merge(&mut self, other: CalendarPanel) {
        if self.holdings.len() < other.holdings.len() {
            self.holdings.resize(other.holdings.len(), Vec::new());
        }
        for (mine, theirs) in self.holdings.iter_mut().zip(other.holdings) {
            mine.extend(theirs);
        }
        for (key, x) in other.regressors {
            self.regressors.entry(key).or_insert(x);
        }
    }
}

/// The portfolio on one day.
#[derive(Debug, Clone, PartialEq)]
pub struct PortfolioDay {
    pub key: i32,
    /// Firms held (with a weight, for value weights).
    pub firms: usize,
    /// The portfolio's return, and that return less the risk-free rate (the regression's y).
    pub ret: f64,
    pub excess: f64,
    pub factors: Vec<f64>,
}

/// The portfolio day by day from the holdings: a firm once a day (its first holding, in the
/// order given, when two of its events' windows overlap); days without a firm, or without
/// regressors, left out.
pub fn portfolio_days(
    holdings: &[Holding],
    regressors: &BTreeMap<i32, Regressors>,
    weights: CalendarWeights,
) -> Vec<PortfolioDay> {
    let mut order: Vec<usize> = (0..holdings.len()).collect();
    // Stable: a firm's holdings on one day keep their order, and the first is kept.
    order.sort_by_key(|&i| (holdings[i].key, holdings[i].firm));
    let mut days = Vec::new();
    let mut k = 0;
    while k < order.len() {
        let key = holdings[order[k]].key;
        let (mut sum, mut total, mut firms) = (0.0, 0.0, 0);
        let mut last_firm = None;
        while k < order.len() && holdings[order[k]].key == key {
            let h = holdings[order[k]];
            k += 1;
            if last_firm == Some(h.firm) {
                continue;
            }
            last_firm = Some(h.firm);
            let w = match weights {
                CalendarWeights::Equal => 1.0,
                CalendarWeights::Value => h.weight,
            };
            if !(w.is_finite() && w > 0.0 && h.ret.is_finite()) {
                continue;
            }
            sum += w * h.ret;
            total += w;
            firms += 1;
        }
        let Some(x) = regressors.get(&key) else {
            continue;
        };
        if firms == 0 || x.factors.iter().any(|v| !v.is_finite()) || !x.rf.is_finite() {
            continue;
        }
        let ret = sum / total;
        days.push(PortfolioDay {
            key,
            firms,
            ret,
            excess: ret - x.rf,
            factors: x.factors.clone(),
        });
    }
    days
}

/// The regression of one window's portfolio.
#[derive(Debug, Clone, PartialEq)]
pub struct CalendarTimeFit {
    pub days: Vec<PortfolioDay>,
    /// The mean number of firms held over the days.
    pub mean_firms: f64,
    /// The intercept first, then one coefficient per factor.
    pub fit: Result<OlsFit, RegressionError>,
    /// Each day's abnormal return: the excess return less the factors' part (its mean is the
    /// intercept); NaN when the regression failed.
    pub abnormal: Vec<f64>,
}

/// OLS of the portfolio's excess return on its factors (plain OLS standard errors, t with
/// n - k - 1 degrees of freedom).
pub fn fit(days: Vec<PortfolioDay>) -> CalendarTimeFit {
    let k = days.first().map_or(0, |d| d.factors.len());
    let y: Vec<f64> = days.iter().map(|d| d.excess).collect();
    let columns: Vec<Vec<f64>> = (0..k)
        .map(|j| days.iter().map(|d| d.factors[j]).collect())
        .collect();
    let fit = ols(&y, &columns, StandardErrors::Ols);
    let abnormal = match &fit {
        Ok(f) => days
            .iter()
            .map(|d| {
                d.excess
                    - d.factors
                        .iter()
                        .zip(&f.coefficients[1..])
                        .map(|(x, c)| x * c.estimate)
                        .sum::<f64>()
            })
            .collect(),
        Err(_) => vec![f64::NAN; days.len()],
    };
    let mean_firms = match days.len() {
        0 => f64::NAN,
        n => days.iter().map(|d| d.firms as f64).sum::<f64>() / n as f64,
    };
    CalendarTimeFit {
        days,
        mean_firms,
        fit,
        abnormal,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(key: i32, firm: u32, ret: f64, weight: f64) -> Holding {
        Holding {
            key,
            firm,
            ret,
            weight,
        }
    }

    fn market(values: &[(i32, f64)]) -> BTreeMap<i32, Regressors> {
        values
            .iter()
            .map(|&(k, m)| {
                (
                    k,
                    Regressors {
                        rf: 0.0,
                        factors: vec![m],
                    },
                )
            })
            .collect()
    }

    #[test]
    fn a_firm_counts_once_a_day_and_days_without_firms_are_left_out() {
        let holdings = [
            h(2, 1, 0.03, 100.0),
            h(1, 1, 0.01, 100.0),
            h(1, 2, 0.03, 300.0),
            // Firm 1 again on day 1 (a second event): not counted twice.
            h(1, 1, 0.50, 100.0),
        ];
        let x = market(&[(1, 0.0), (2, 0.0), (3, 0.0)]);
        let equal = portfolio_days(&holdings, &x, CalendarWeights::Equal);
        assert_eq!(equal.len(), 2);
        assert_eq!((equal[0].key, equal[0].firms), (1, 2));
        assert!((equal[0].ret - 0.02).abs() < 1e-15);
        assert!((equal[1].ret - 0.03).abs() < 1e-15);
        let value = portfolio_days(&holdings, &x, CalendarWeights::Value);
        // (100 x 0.01 + 300 x 0.03) / 400 = 0.025.
        assert!((value[0].ret - 0.025).abs() < 1e-15);
    }

    #[test]
    fn value_weights_leave_out_firms_without_market_value() {
        let holdings = [h(1, 1, 0.01, f64::NAN), h(1, 2, 0.03, 5.0)];
        let days = portfolio_days(&holdings, &market(&[(1, 0.0)]), CalendarWeights::Value);
        assert_eq!(days[0].firms, 1);
        assert_eq!(days[0].ret, 0.03);
    }

    #[test]
    fn the_intercept_is_the_mean_abnormal_return() {
        // y = 0.001 + 1.5 m + noise: the abnormal returns average to the intercept exactly.
        let m = [0.01, -0.02, 0.005, 0.0, 0.015, -0.01];
        let noise = [0.001, -0.002, 0.0005, 0.0015, -0.001, 0.0];
        let days: Vec<PortfolioDay> = m
            .iter()
            .zip(noise)
            .enumerate()
            .map(|(i, (&mt, e))| PortfolioDay {
                key: i as i32,
                firms: 1,
                ret: 0.001 + 1.5 * mt + e,
                excess: 0.001 + 1.5 * mt + e,
                factors: vec![mt],
            })
            .collect();
        let f = fit(days);
        let ols = f.fit.as_ref().unwrap();
        let mean = f.abnormal.iter().sum::<f64>() / f.abnormal.len() as f64;
        assert!((mean - ols.coefficients[0].estimate).abs() < 1e-15);
        assert!((ols.coefficients[1].estimate - 1.5).abs() < 0.1);
        assert_eq!(f.mean_firms, 1.0);
    }
}
