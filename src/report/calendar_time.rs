//! The calendar-time portfolios as the outputs have them (`aggregate.calendar_time`,
//! `calendar_time.csv`, the console and Markdown table, `calendar_time.png`).

use chrono::NaiveDate;
use serde::Serialize;

use crate::report::{num, CoefficientReport};
use crate::study::calendar_time::{CalendarTimeFit, CalendarWeights};
use crate::study::regression::RegressionError;
use crate::study::{ModelKind, RelWindow};
use crate::util::from_epoch_days;

/// One window's portfolio and its regression.
#[derive(Debug, Clone, Serialize)]
pub struct CalendarTimeReport {
    pub window: String,
    pub weights: CalendarWeights,
    /// The regression's model: `market` (R_p on R_m) or the factor model (R_p - RF on its
    /// factors).
    pub model: String,
    /// Days with at least one firm held, and the mean number of firms held on them.
    pub n_days: usize,
    pub mean_firms: Option<f64>,
    /// The intercept: the portfolio's mean daily abnormal return, its OLS standard error, t
    /// and two-sided p (Student t, n_days - k - 1 degrees of freedom).
    pub alpha: Option<f64>,
    pub alpha_se: Option<f64>,
    pub alpha_t: Option<f64>,
    pub alpha_p: Option<f64>,
    pub r2: Option<f64>,
    /// Every coefficient, the intercept (`alpha`) first.
    pub coefficients: Vec<CoefficientReport>,
    /// Why there is no regression (too few days, a singular design).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The portfolio day by day, for `calendar_time_days.csv` and the chart.
    #[serde(skip)]
    pub days: Vec<CalendarDay>,
}

/// The portfolio on one calendar day.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CalendarDay {
    pub date: NaiveDate,
    pub firms: usize,
    pub ret: f64,
    /// The return less RF, less the factors' part: its mean is alpha.
    pub abnormal: f64,
    /// The abnormal returns summed to this day.
    pub cumulative_abnormal: f64,
}

/// The name a calendar-time regression goes by for a study's model: the factor models keep
/// theirs, every other model is regressed on the market.
pub fn regression_model(model: ModelKind) -> ModelKind {
    match model.uses_factors() {
        true => model,
        false => ModelKind::Market,
    }
}

impl CalendarTimeReport {
    pub fn new(
        window: RelWindow,
        weights: CalendarWeights,
        model: ModelKind,
        result: CalendarTimeFit,
    ) -> CalendarTimeReport {
        let model = regression_model(model);
        let mut names = vec!["alpha".to_string()];
        match model.uses_factors() {
            true => names.extend(model.factor_columns().iter().map(|s| s.to_string())),
            false => names.push("market".into()),
        }
        let mut cumulative = 0.0;
        let days = result
            .days
            .iter()
            .zip(&result.abnormal)
            .map(|(d, &abnormal)| {
                cumulative += abnormal;
                CalendarDay {
                    date: from_epoch_days(d.key),
                    firms: d.firms,
                    ret: d.ret,
                    abnormal,
                    cumulative_abnormal: cumulative,
                }
            })
            .collect();
        let (coefficients, r2, note) = match &result.fit {
            Ok(fit) => (
                names
                    .iter()
                    .zip(&fit.coefficients)
                    .map(|(name, c)| CoefficientReport {
                        name: name.clone(),
                        estimate: num(c.estimate),
                        se: num(c.se),
                        t: num(c.t),
                        p: num(c.p),
                    })
                    .collect(),
                num(fit.r2),
                None,
            ),
            Err(e) => (
                Vec::new(),
                None,
                Some(match e {
                    RegressionError::TooFew { n, k } => format!(
                        "{n} days with a firm for {k} coefficients: too few for a regression"
                    ),
                    other => other.to_string(),
                }),
            ),
        };
        let alpha = coefficients.first();
        CalendarTimeReport {
            window: window.to_string(),
            weights,
            model: model.to_string(),
            n_days: result.days.len(),
            mean_firms: num(result.mean_firms),
            alpha: alpha.and_then(|c| c.estimate),
            alpha_se: alpha.and_then(|c| c.se),
            alpha_t: alpha.and_then(|c| c.t),
            alpha_p: alpha.and_then(|c| c.p),
            r2,
            note,
            coefficients,
            days,
        }
    }
}
