//! The numeric engine: one or many events against one aligned panel of returns.
//!
//! It knows nothing of files, HTTP or the CLI: it takes contiguous `f64` slices on a trading
//! calendar (NaN = missing) and calendar indices of day 0, and returns plain numbers. The
//! estimation fit reads sub-slices in place; per event it allocates only its result rows.

use crate::study::diagnostics::{residual_tests, Pretrend, ResidualTests};
use crate::study::model::garch::{self, GarchFit, GarchForecast};
use crate::study::model::{FitError, FittedModel, ModelKind, Regressors, MAX_REGRESSORS};
use crate::study::stats::StudentT;
pub use crate::study::volume::VolumeModel;
use crate::study::window::RelWindow;

/// Factor returns on the panel's calendar, for the factor models.
#[derive(Debug, Clone, Copy)]
pub struct FactorPanel<'a> {
    /// The firm's return minus the risk-free rate: the dependent variable.
    pub excess_firm: &'a [f64],
    /// The model's factors in its order (Mkt-RF, SMB, HML, ...); unused slots are empty.
    pub columns: [&'a [f64]; MAX_REGRESSORS],
}

/// Returns and market values of one firm and its benchmark on one trading calendar.
#[derive(Debug, Clone, Copy)]
pub struct ReturnPanel<'a> {
    /// The firm's daily returns (NaN where missing): dollars are computed from these.
    pub firm: &'a [f64],
    /// The benchmark's daily returns: the market model's regressor.
    pub market: &'a [f64],
    /// The firm's market value at each day's close, in dollars (NaN where unknown).
    pub market_value: Option<&'a [f64]>,
    /// Factors, for the factor models.
    pub factors: Option<FactorPanel<'a>>,
    /// Shares of the firm traded each day (NaN where unknown), for abnormal volume.
    pub volume: Option<&'a [f64]>,
    /// On a calendar of intraday bars: which bars are overnight and each bar's place in its
    /// session (METHODS, "Intraday").
    pub bars: Option<BarLayout<'a>>,
}

/// What an intraday panel adds: the overnight bars, left out of the fit and tested on their
/// own variance; each bar's slot in its session, for the time-of-day variance profile; and
/// the market value the dollars are measured from, the event bar's previous close.
#[derive(Debug, Clone, Copy)]
pub struct BarLayout<'a> {
    pub overnight: &'a [bool],
    pub slot: &'a [u16],
    /// Scale each within-session bar's variance by its slot's estimation-window profile.
    pub tod_variance: bool,
    /// The profile of a slot pools the squared residuals of this many slots either side: 20
    /// sessions give one slot only 20 of them, too few for a variance (a t on it rejects 6.3%
    /// at 5%).
    pub tod_pool: usize,
}

/// Each event-window period's disturbance variance as a multiple of sigma^2 (DESIGN-NOTES,
/// "One per-period variance"): 1 for a day or a plain bar; an overnight bar's own variance;
/// a slot's time-of-day profile.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PeriodVariance {
    /// sigma_on^2 / sigma^2 (NaN when the estimation has no overnight bar).
    pub overnight_scale: f64,
    /// sigma_on^2: the mean squared overnight residual over the estimation sessions.
    pub overnight_variance: f64,
    /// How many overnight residuals that mean has.
    pub overnight_n: usize,
    /// v_k / mean(v) by slot, with `--tod-variance`.
    pub by_slot: Vec<f64>,
}

impl<'a> ReturnPanel<'a> {
    /// A panel for the market, market-adjusted and mean-adjusted models.
    pub fn new(firm: &'a [f64], market: &'a [f64], market_value: Option<&'a [f64]>) -> Self {
        ReturnPanel {
            firm,
            market,
            market_value,
            factors: None,
            volume: None,
            bars: None,
        }
    }

    pub fn len(&self) -> usize {
        self.firm.len()
    }

    pub fn is_empty(&self) -> bool {
        self.firm.is_empty()
    }

    /// The dependent variable and the regressor columns `model` uses.
    fn model_inputs(
        &self,
        model: ModelKind,
    ) -> Result<(&'a [f64], [&'a [f64]; MAX_REGRESSORS]), FitError> {
        let empty: &'a [f64] = &[];
        let mut x = [empty; MAX_REGRESSORS];
        match model {
            ModelKind::Market
            | ModelKind::MarketAdjusted
            | ModelKind::ScholesWilliams
            | ModelKind::Dimson(_)
            | ModelKind::Garch => {
                x[0] = self.market;
                Ok((self.firm, x))
            }
            ModelKind::MeanAdjusted => Ok((self.firm, x)),
            _ => {
                let f = self.factors.ok_or(FitError::Singular)?;
                Ok((f.excess_firm, f.columns))
            }
        }
    }
}

/// The design every event in a run shares.
#[derive(Debug, Clone, PartialEq)]
pub struct StudyDesign {
    pub model: ModelKind,
    pub estimation: RelWindow,
    pub window: RelWindow,
    pub car_windows: Vec<RelWindow>,
    pub min_estimation: usize,
}

/// One event day.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DayResult {
    pub rel: i32,
    /// Calendar index of the day.
    pub index: usize,
    pub ret: f64,
    pub market: f64,
    /// The normal return on the scale of `ret` (factor models: RF + alpha + b'f), so that
    /// `ret - normal = ar`.
    pub normal: f64,
    pub ar: f64,
    /// AR / (sigma sqrt(C_t)).
    pub ar_t: f64,
    pub ar_p: f64,
    /// Cumulative AR from the start of the event window (missing days add nothing).
    pub car: f64,
    /// Var of that cumulative AR, the prediction-error covariances included.
    pub car_variance: f64,
    /// MV_{t-1}, the market value at the previous close.
    pub market_value_before: f64,
    /// MV_{t-1} R_t.
    pub market_value_change: f64,
    /// MV_{t-1} AR_t.
    pub abnormal_market_value_change: f64,
    /// Shares traded (NaN where unknown).
    pub volume: f64,
    /// ln(1 + volume) less its estimation-window mean (Campbell & Wasley 1996).
    pub abnormal_volume: f64,
    /// abnormal_volume / (s_v sqrt(1 + 1/L_v)), Student t with L_v - 1 degrees of freedom.
    pub abnormal_volume_t: f64,
}

/// One CAR window.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CarResult {
    pub window: RelWindow,
    /// Calendar indices of the window's first and last day, when inside the data.
    pub span: Option<(usize, usize)>,
    /// Days with a valid AR (the window's n).
    pub days: usize,
    pub car: f64,
    /// Var(CAR) with the prediction-error covariance terms.
    pub variance: f64,
    pub t: f64,
    pub p: f64,
    /// CAR / (sigma sqrt(n)), the version that ignores estimation error.
    pub t_simple: f64,
    pub p_simple: f64,
    pub market_value_change: f64,
    pub abnormal_market_value_change: f64,
    /// Mean of U = SAR^2 over the window's days with an AR (Beaver's abnormal volatility;
    /// about 1 under the null); `days` of them.
    pub volatility_ratio: f64,
    /// The window's summed abnormal log volume and its t (Var = s_v^2 (n + n^2/L_v)).
    pub abnormal_volume: f64,
    pub abnormal_volume_t: f64,
}

impl CarResult {
    /// A window with no numbers: it does not fit the event's window.
    pub fn left_out(window: RelWindow) -> CarResult {
        CarResult {
            window,
            span: None,
            days: 0,
            car: f64::NAN,
            variance: f64::NAN,
            t: f64::NAN,
            p: f64::NAN,
            t_simple: f64::NAN,
            p_simple: f64::NAN,
            market_value_change: f64::NAN,
            abnormal_market_value_change: f64::NAN,
            volatility_ratio: f64::NAN,
            abnormal_volume: f64::NAN,
            abnormal_volume_t: f64::NAN,
        }
    }
}

/// The result of one event.
#[derive(Debug, Clone, PartialEq)]
pub struct EventResult {
    pub day0: usize,
    pub model: FittedModel,
    /// Calendar indices of the estimation window as clipped to the data.
    pub estimation_span: (usize, usize),
    /// The model's residuals over the estimation window, one per calendar day of the span
    /// (NaN where the day has no valid return): the aggregate tests rank, sign and correlate
    /// them.
    pub estimation_residuals: Vec<f64>,
    pub days: Vec<DayResult>,
    pub cars: Vec<CarResult>,
    /// The log-volume model of the estimation window, when the firm has volume there.
    pub volume_model: Option<VolumeModel>,
    /// On bars: the overnight variance and the time-of-day profile.
    pub period_variance: Option<PeriodVariance>,
    /// The estimation residuals' tests, and the pre-trend (with days before day 0).
    pub residual_tests: ResidualTests,
    pub pretrend: Option<Pretrend>,
    /// With `--model garch`: the fit, converged or not (then `model` is the OLS market model
    /// the event fell back to).
    pub garch: Option<GarchFit>,
}

/// Runs every event (given by its day-0 index) against one panel.
pub fn run_events(
    panel: &ReturnPanel<'_>,
    design: &StudyDesign,
    day0s: &[usize],
) -> Vec<Result<EventResult, FitError>> {
    day0s.iter().map(|&d| run_event(panel, design, d)).collect()
}

/// Runs one event whose day 0 is calendar index `day0`.
pub fn run_event(
    panel: &ReturnPanel<'_>,
    design: &StudyDesign,
    day0: usize,
) -> Result<EventResult, FitError> {
    let (lo, hi) = design
        .estimation
        .indices(day0, panel.len())
        .ok_or(FitError::TooFewReturns {
            valid: 0,
            required: design.min_estimation,
        })?;
    let (y, x) = panel.model_inputs(design.model)?;
    let m = design.model.regressors();
    let mut x_est = x;
    for column in x_est[..m].iter_mut() {
        *column = &column[lo..=hi];
    }
    let mut estimation_residuals = Vec::new();
    // On bars, the overnight returns are left out of the fit.
    let within_session: Option<Vec<f64>> = panel.bars.map(|b| {
        (lo..=hi)
            .map(|i| if b.overnight[i] { f64::NAN } else { y[i] })
            .collect()
    });
    let model = if design.model.is_thin_trading() {
        fit_thin_trading(panel, design, (lo, hi), &mut estimation_residuals)?
    } else {
        FittedModel::fit_with_residuals(
            // GARCH starts from the OLS market model (and falls back to it).
            match design.model {
                ModelKind::Garch => ModelKind::Market,
                kind => kind,
            },
            within_session.as_deref().unwrap_or(&y[lo..=hi]),
            &x_est[..m],
            design.min_estimation,
            &mut estimation_residuals,
        )?
    };
    // The diagnostics are of the OLS residuals, whatever the model (METHODS).
    let residual_tests = residual_tests(&estimation_residuals);
    let mut garch_forecast = None;
    let (model, garch) = match design.model {
        ModelKind::Garch => {
            let event_end = design.window.indices(day0, panel.len()).map_or(hi, |w| w.1);
            let (model, fit, forecast) = garch::fit_event(
                (&y[lo..=hi], &x[0][lo..=hi]),
                model,
                (lo, event_end),
                &mut estimation_residuals,
            );
            garch_forecast = forecast;
            (model, Some(fit))
        }
        _ => (model, None),
    };
    let mut inputs = Inputs {
        panel,
        model: &model,
        student: StudentT::tabulated(model.dof()),
        y,
        x,
        variance: None,
        garch: garch_forecast,
        market_value_at: None,
    };
    if let Some(bars) = panel.bars {
        inputs.variance = Some(period_variance(&inputs, bars, (lo, hi)));
        inputs.market_value_at = Some(market_value_before(panel, day0));
    }
    let volume_model = panel.volume.and_then(|v| VolumeModel::fit(&v[lo..=hi]));
    let mut days = event_days(&inputs, design.window, day0);
    add_volume(&mut days, panel.volume, volume_model.as_ref());
    let mut cars: Vec<CarResult> = design
        .car_windows
        .iter()
        .map(|&w| {
            if !design.window.contains(w) {
                // Outside this event's window the daily table, the charts and the rank test
                // have no days: the window is left out for this event (null), not the event.
                return CarResult::left_out(w);
            }
            let (abnormal_volume, abnormal_volume_t) =
                window_volume(&days, w, volume_model.as_ref());
            CarResult {
                volatility_ratio: volatility_ratio(&days, w),
                abnormal_volume,
                abnormal_volume_t,
                ..car_window(&inputs, w, day0)
            }
        })
        .collect();
    add_p_values(&inputs.student, &mut days, &mut cars);
    let pretrend = pretrend(&inputs, &days, design.window, day0);
    let period_variance = inputs.variance.take();
    Ok(EventResult {
        day0,
        model,
        estimation_span: (lo, hi),
        estimation_residuals,
        days,
        cars,
        volume_model,
        period_variance,
        residual_tests,
        pretrend,
        garch,
    })
}

/// The event window's days before day 0: their CAR and t, and sum SAR^2 against chi-square.
fn pretrend(
    inputs: &Inputs<'_, '_>,
    days: &[DayResult],
    window: RelWindow,
    day0: usize,
) -> Option<Pretrend> {
    let before = RelWindow::new(window.start, -1).ok()?;
    let c = car_window(inputs, before, day0);
    let (sum, n) = days
        .iter()
        .filter(|d| d.rel < 0 && d.ar_t.is_finite())
        .fold((0.0, 0), |(s, n), d| (s + d.ar_t * d.ar_t, n + 1));
    Some(Pretrend::new(
        before,
        (c.car, c.t, inputs.student.p(c.t)),
        sum,
        n,
    ))
}

/// The overnight variance and, with `--tod-variance`, the time-of-day profile, from the
/// residuals over the estimation bars `lo..=hi` (METHODS, "Intraday"): sigma_on^2 is the mean
/// squared overnight residual (divisor n_on); v_k the mean squared residual of slot k's
/// within-session bars, scaled by the mean of the v_k.
fn period_variance(
    inputs: &Inputs<'_, '_>,
    bars: BarLayout<'_>,
    (lo, hi): (usize, usize),
) -> PeriodVariance {
    let s2 = inputs.model.sigma * inputs.model.sigma;
    let (mut on_sum, mut on_n) = (0.0, 0usize);
    let mut slots: Vec<(f64, usize)> = Vec::new();
    for i in lo..=hi {
        let (ar, _) = inputs.ar(i);
        if !ar.is_finite() {
            continue;
        }
        if bars.overnight[i] {
            on_sum += ar * ar;
            on_n += 1;
        } else if bars.tod_variance {
            let k = bars.slot[i] as usize;
            if slots.len() <= k {
                slots.resize(k + 1, (0.0, 0));
            }
            slots[k].0 += ar * ar;
            slots[k].1 += 1;
        }
    }
    let overnight_variance = if on_n > 0 {
        on_sum / on_n as f64
    } else {
        f64::NAN
    };
    // Each slot's mean squared residual, pooled with its neighbours' (never the overnight
    // slot 0, which has none).
    let h = bars.tod_pool;
    let profile: Vec<f64> = (0..slots.len())
        .map(|k| {
            if slots[k].1 == 0 {
                return f64::NAN;
            }
            let near = &slots[k.saturating_sub(h).max(1)..(k + h + 1).min(slots.len())];
            let (sum, n) = near
                .iter()
                .fold((0.0, 0usize), |(s, n), &(sum, count)| (s + sum, n + count));
            sum / n as f64
        })
        .collect();
    let (sum, n) = profile
        .iter()
        .filter(|v| v.is_finite())
        .fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    let mean = sum / n as f64;
    PeriodVariance {
        overnight_scale: overnight_variance / s2,
        overnight_variance,
        overnight_n: on_n,
        by_slot: profile.iter().map(|v| v / mean).collect(),
    }
}

/// Every p-value of the event: its days' ARs, its windows' CARs both ways, all at the one
/// Student t of the event's degrees of freedom.
fn add_p_values(student: &StudentT, days: &mut [DayResult], cars: &mut [CarResult]) {
    for d in days.iter_mut() {
        d.ar_p = student.p(d.ar_t);
    }
    for c in cars.iter_mut() {
        (c.p, c.p_simple) = (student.p(c.t), student.p(c.t_simple));
    }
}

/// Each event day's volume and, with a volume model, its abnormal log volume and t.
fn add_volume(days: &mut [DayResult], volume: Option<&[f64]>, model: Option<&VolumeModel>) {
    for d in days.iter_mut() {
        d.volume = volume.map_or(f64::NAN, |v| v[d.index]);
        (d.abnormal_volume, d.abnormal_volume_t) =
            model.map_or((f64::NAN, f64::NAN), |m| m.abnormal(d.volume));
    }
}

/// A window's summed abnormal log volume over its days with a volume, and its t.
fn window_volume(days: &[DayResult], window: RelWindow, model: Option<&VolumeModel>) -> (f64, f64) {
    let Some(model) = model else {
        return (f64::NAN, f64::NAN);
    };
    let (sum, n) = days
        .iter()
        .filter(|d| window.start <= d.rel && d.rel <= window.end && d.abnormal_volume.is_finite())
        .fold((0.0, 0usize), |(sum, n), d| {
            (sum + d.abnormal_volume, n + 1)
        });
    model.window(sum, n)
}

/// A thin-trading model over the estimation days `lo..=hi`: the market's returns shifted by
/// each lag and lead the model reads (NaN beyond the data), then its fit.
fn fit_thin_trading(
    panel: &ReturnPanel<'_>,
    design: &StudyDesign,
    (lo, hi): (usize, usize),
    residuals: &mut Vec<f64>,
) -> Result<FittedModel, FitError> {
    let lags = match design.model {
        ModelKind::Dimson(lags) => lags as i64,
        _ => 1,
    };
    let shifted: Vec<Vec<f64>> = (-lags..=lags)
        .map(|offset| {
            (lo..=hi)
                .map(|i| {
                    usize::try_from(i as i64 + offset)
                        .ok()
                        .and_then(|j| panel.market.get(j).copied())
                        .unwrap_or(f64::NAN)
                })
                .collect()
        })
        .collect();
    let y = &panel.firm[lo..=hi];
    match design.model {
        ModelKind::Dimson(lags) => {
            let columns: Vec<&[f64]> = shifted.iter().map(Vec::as_slice).collect();
            FittedModel::fit_dimson(lags, y, &columns, design.min_estimation, residuals)
        }
        _ => FittedModel::fit_scholes_williams(
            y,
            &shifted[0],
            &shifted[1],
            &shifted[2],
            design.min_estimation,
            residuals,
        ),
    }
}

/// A panel together with a fitted model and the columns it reads.
struct Inputs<'a, 'p> {
    panel: &'a ReturnPanel<'p>,
    model: &'a FittedModel,
    /// Student's t with the model's L - k degrees of freedom, for every p-value of the event.
    student: StudentT,
    y: &'p [f64],
    x: [&'p [f64]; MAX_REGRESSORS],
    /// On bars: each period's variance scale.
    variance: Option<PeriodVariance>,
    /// With GARCH: each day's forecast variance scale.
    garch: Option<GarchForecast>,
    /// On bars: the market value every bar's dollars are measured from (the event bar's
    /// previous close); on days each day's previous close is.
    market_value_at: Option<f64>,
}

impl Inputs<'_, '_> {
    /// The day's regressors, or `None` when one is missing.
    fn regressors(&self, index: usize) -> Option<Regressors> {
        let mut r = [0.0; MAX_REGRESSORS];
        for (value, column) in r.iter_mut().zip(&self.x[..self.model.kind.regressors()]) {
            *value = column[index];
            if !value.is_finite() {
                return None;
            }
        }
        Some(r)
    }

    /// (AR, regressors) on calendar day `index`; NaN where the day lacks a value the model
    /// needs.
    fn ar(&self, index: usize) -> (f64, Regressors) {
        let y = self.y[index];
        match self.regressors(index).filter(|_| y.is_finite()) {
            Some(x) => (y - self.model.normal_return(&x), x),
            None => (f64::NAN, [0.0; MAX_REGRESSORS]),
        }
    }

    /// (normal return on the raw scale, AR, t of AR, regressors) on calendar day `index`;
    /// NaN where the day lacks a value the model needs.
    fn abnormal(&self, index: usize) -> (f64, f64, f64, Regressors) {
        let y = self.y[index];
        let Some(x) = self.regressors(index).filter(|_| y.is_finite()) else {
            return (f64::NAN, f64::NAN, f64::NAN, [0.0; MAX_REGRESSORS]);
        };
        let ar = y - self.model.normal_return(&x);
        let factor = self
            .model
            .prediction_factor_scaled(self.variance_scale(index), &x);
        let t = ar / (self.model.sigma * factor.sqrt());
        (self.panel.firm[index] - ar, ar, t, x)
    }

    /// The period's disturbance variance over sigma^2: 1 but on bars.
    fn variance_scale(&self, index: usize) -> f64 {
        if let Some(g) = &self.garch {
            return g.scale(index);
        }
        let (Some(v), Some(bars)) = (&self.variance, self.panel.bars) else {
            return 1.0;
        };
        if bars.overnight[index] {
            return v.overnight_scale;
        }
        match v.by_slot.is_empty() {
            true => 1.0,
            false => v
                .by_slot
                .get(bars.slot[index] as usize)
                .copied()
                .unwrap_or(f64::NAN),
        }
    }

    /// The market value a period's dollars are measured from.
    fn market_value_before(&self, index: usize) -> f64 {
        self.market_value_at
            .unwrap_or_else(|| market_value_before(self.panel, index))
    }
}

/// MV_{t-1}, or NaN when unknown or on the first day of the data.
fn market_value_before(panel: &ReturnPanel<'_>, index: usize) -> f64 {
    match panel.market_value {
        Some(mv) if index > 0 => mv[index - 1],
        _ => f64::NAN,
    }
}

fn add(sum: &mut Regressors, x: &Regressors) {
    sum.iter_mut().zip(x).for_each(|(s, v)| *s += v);
}

fn event_days(inputs: &Inputs<'_, '_>, window: RelWindow, day0: usize) -> Vec<DayResult> {
    let panel = inputs.panel;
    let Some((lo, hi)) = window.indices(day0, panel.len()) else {
        return Vec::new();
    };
    let (mut car, mut x_sum, mut days) = (0.0, [0.0; MAX_REGRESSORS], 0usize);
    let mut scale_sum = 0.0;
    (lo..=hi)
        .map(|index| {
            let (normal, ar, ar_t, x) = inputs.abnormal(index);
            if ar.is_finite() {
                car += ar;
                add(&mut x_sum, &x);
                days += 1;
                scale_sum += inputs.variance_scale(index);
            }
            let mv = inputs.market_value_before(index);
            DayResult {
                rel: index as i32 - day0 as i32,
                index,
                ret: panel.firm[index],
                market: panel.market[index],
                normal,
                ar,
                ar_t,
                // With the event's other p-values, by add_p_values.
                ar_p: f64::NAN,
                // Before the first valid AR there is no cumulative AR yet: missing, not zero.
                car: if days == 0 { f64::NAN } else { car },
                car_variance: if days == 0 {
                    f64::NAN
                } else {
                    inputs.model.car_variance_scaled(days, scale_sum, &x_sum)
                },
                market_value_before: mv,
                market_value_change: mv * panel.firm[index],
                abnormal_market_value_change: mv * ar,
                volume: f64::NAN,
                abnormal_volume: f64::NAN,
                abnormal_volume_t: f64::NAN,
            }
        })
        .collect()
}

/// The mean of SAR^2 over the window's days (CAR windows lie inside the event window, whose
/// days carry the SARs); NaN without one.
fn volatility_ratio(days: &[DayResult], window: RelWindow) -> f64 {
    let (sum, n) = days
        .iter()
        .filter(|d| window.start <= d.rel && d.rel <= window.end && d.ar_t.is_finite())
        .fold((0.0, 0usize), |(sum, n), d| (sum + d.ar_t * d.ar_t, n + 1));
    if n == 0 {
        f64::NAN
    } else {
        sum / n as f64
    }
}

/// Sums that skip NaN terms but stay NaN when every term is NaN.
#[derive(Default)]
struct PartialSum(Option<f64>);

impl PartialSum {
    fn add(&mut self, x: f64) {
        if x.is_finite() {
            self.0 = Some(self.0.unwrap_or(0.0) + x);
        }
    }
    fn value(&self) -> f64 {
        self.0.unwrap_or(f64::NAN)
    }
}

fn car_window(inputs: &Inputs<'_, '_>, window: RelWindow, day0: usize) -> CarResult {
    let (panel, model) = (inputs.panel, inputs.model);
    let span = window.indices(day0, panel.len());
    let (mut car, mut x_sum, mut days) = (0.0, [0.0; MAX_REGRESSORS], 0usize);
    let mut scale_sum = 0.0;
    let (mut mv_change, mut abnormal_mv_change) = (PartialSum::default(), PartialSum::default());
    for index in span.map(|(lo, hi)| lo..=hi).into_iter().flatten() {
        let (ar, x) = inputs.ar(index);
        let mv = inputs.market_value_before(index);
        mv_change.add(mv * panel.firm[index]);
        if ar.is_finite() {
            car += ar;
            add(&mut x_sum, &x);
            days += 1;
            scale_sum += inputs.variance_scale(index);
            abnormal_mv_change.add(mv * ar);
        }
    }
    if days == 0 {
        car = f64::NAN;
    }
    let variance = model.car_variance_scaled(days, scale_sum, &x_sum);
    let t = car / variance.sqrt();
    // Without the estimation error; on bars with each period's own variance.
    let t_simple = car / (model.sigma * scale_sum.sqrt());
    CarResult {
        window,
        span,
        days,
        car,
        variance,
        t,
        // With the event's other p-values, by add_p_values.
        p: f64::NAN,
        t_simple,
        p_simple: f64::NAN,
        market_value_change: mv_change.value(),
        abnormal_market_value_change: abnormal_mv_change.value(),
        volatility_ratio: f64::NAN,
        abnormal_volume: f64::NAN,
        abnormal_volume_t: f64::NAN,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn design(model: ModelKind) -> StudyDesign {
        StudyDesign {
            model,
            estimation: RelWindow::new(-5, -1).unwrap(),
            window: RelWindow::new(0, 1).unwrap(),
            car_windows: vec![RelWindow::new(0, 0).unwrap(), RelWindow::new(0, 1).unwrap()],
            min_estimation: 3,
        }
    }

    /// The five-point OLS of model.rs (alpha 2.2, beta 0.6, sigma^2 0.8, mean x 3, S_xx 10) as
    /// days -5..-1, then two event days with R_m = 6 and 1.
    fn panel_data() -> (Vec<f64>, Vec<f64>, Vec<f64>) {
        let market = vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 1.0];
        let firm = vec![2.0, 4.0, 5.0, 4.0, 5.0, 7.0, 2.0];
        let mv = vec![10.0, 10.0, 10.0, 10.0, 100.0, 200.0, 300.0];
        (firm, market, mv)
    }

    #[test]
    fn event_days_by_hand() {
        let (firm, market, mv) = panel_data();
        let panel = ReturnPanel::new(&firm, &market, Some(&mv));
        let r = run_event(&panel, &design(ModelKind::Market), 5).unwrap();
        assert_eq!(r.estimation_span, (0, 4));
        let d0 = r.days[0];
        // Normal 2.2 + 0.6*6 = 5.8, AR 1.2; C = 1 + 1/5 + 9/10 = 2.1.
        assert_eq!(d0.rel, 0);
        assert!((d0.ar - 1.2).abs() < 1e-12);
        assert!((d0.ar_t - 1.2 / (0.8f64 * 2.1).sqrt()).abs() < 1e-12);
        assert!((d0.market_value_change - 100.0 * 7.0).abs() < 1e-9);
        assert!((d0.abnormal_market_value_change - 100.0 * 1.2).abs() < 1e-9);
        // Day +1: normal 2.8, AR -0.8, CAR 0.4.
        let d1 = r.days[1];
        assert!((d1.ar + 0.8).abs() < 1e-12);
        assert!((d1.car - 0.4).abs() < 1e-12);
        assert!((d0.car_variance - 0.8 * 2.1).abs() < 1e-12);
        assert!((d1.car_variance - 0.8 * 2.9).abs() < 1e-12);

        let car01 = r.cars[1];
        assert_eq!(car01.days, 2);
        assert!((car01.car - 0.4).abs() < 1e-12);
        // Var = 0.8 [2 + 4/5 + (7 - 6)^2 / 10] = 0.8 * 2.9.
        assert!((car01.variance - 0.8 * 2.9).abs() < 1e-12);
        assert!((car01.t - 0.4 / (0.8f64 * 2.9).sqrt()).abs() < 1e-12);
        assert!((car01.t_simple - 0.4 / (0.8f64 * 2.0).sqrt()).abs() < 1e-12);
        assert!((car01.abnormal_market_value_change - (120.0 - 0.8 * 200.0)).abs() < 1e-9);
        assert!((car01.market_value_change - (700.0 + 400.0)).abs() < 1e-9);
        // A one-day CAR is the AR, with the same t.
        assert!((r.cars[0].t - d0.ar_t).abs() < 1e-12);
        // Abnormal volatility: U = AR^2 / (sigma^2 C): day 0 1.44 / (0.8 * 2.1) = 6/7, day +1
        // 0.64 / (0.8 * 1.6) = 1/2; the window 0:1 their mean, 19/28.
        assert!((d0.ar_t * d0.ar_t - 6.0 / 7.0).abs() < 1e-12);
        assert!((d1.ar_t * d1.ar_t - 0.5).abs() < 1e-12);
        assert!((r.cars[0].volatility_ratio - 6.0 / 7.0).abs() < 1e-12);
        assert!((car01.volatility_ratio - 19.0 / 28.0).abs() < 1e-12);
        assert!((r.cars[0].p - d0.ar_p).abs() < 1e-12);
    }

    /// ln(1 + volume) = 1, 2, 3, 2, 2 over the estimation days: mean 2, s_v^2 = 2/4, L_v = 5.
    /// Day 0 trades five times its geometric-mean volume: AV = ln 5, t = ln 5 / (s_v sqrt(1.2));
    /// day +1 is normal, AV 0; the window 0:1 sums ln 5 with Var = 0.5 (2 + 4/5) = 1.4.
    #[test]
    fn abnormal_volume_by_hand() {
        let (firm, market, _) = panel_data();
        let logs = [1.0, 2.0, 3.0, 2.0, 2.0, 2.0 + 5f64.ln(), 2.0];
        let volume: Vec<f64> = logs.iter().map(|l: &f64| l.exp_m1()).collect();
        let mut panel = ReturnPanel::new(&firm, &market, None);
        panel.volume = Some(&volume);
        let r = run_event(&panel, &design(ModelKind::Market), 5).unwrap();
        let model = r.volume_model.unwrap();
        assert_eq!(model.n, 5);
        assert!((model.mean - 2.0).abs() < 1e-12 && (model.sd - 0.5f64.sqrt()).abs() < 1e-12);
        let (d0, d1) = (r.days[0], r.days[1]);
        assert!((d0.abnormal_volume - 5f64.ln()).abs() < 1e-12);
        assert!((d0.abnormal_volume_t - 5f64.ln() / (0.5f64 * 1.2).sqrt()).abs() < 1e-12);
        assert!(d1.abnormal_volume.abs() < 1e-12);
        assert!((r.cars[1].abnormal_volume - 5f64.ln()).abs() < 1e-12);
        assert!((r.cars[1].abnormal_volume_t - 5f64.ln() / 1.4f64.sqrt()).abs() < 1e-12);
        // A one-day window is the day.
        assert!((r.cars[0].abnormal_volume_t - d0.abnormal_volume_t).abs() < 1e-12);

        // A zero volume is a valid day (v = 0); a missing one is missing; none at all, no model.
        let mut gappy = volume.clone();
        gappy[6] = f64::NAN;
        gappy[0] = 0.0;
        panel.volume = Some(&gappy);
        let r = run_event(&panel, &design(ModelKind::Market), 5).unwrap();
        assert_eq!(r.volume_model.unwrap().n, 5);
        assert!(r.days[1].abnormal_volume.is_nan() && r.days[1].volume.is_nan());
        assert_eq!(r.cars[1].abnormal_volume, r.days[0].abnormal_volume);
        panel.volume = None;
        let r = run_event(&panel, &design(ModelKind::Market), 5).unwrap();
        assert!(r.volume_model.is_none() && r.days[0].abnormal_volume.is_nan());
    }

    /// Bars: index 2 (estimation) and 6 (event) are overnight. The fit leaves index 2 out:
    /// (1,2), (2,4), (4,4), (5,5) give beta 0.6, alpha 1.95, residuals -0.55, 0.85, -0.35,
    /// 0.05, SSR 1.15, sigma^2 0.575; index 2's residual 5 - 3.75 = 1.25 is the one overnight
    /// residual, sigma_on^2 = 1.5625. The dollars of every bar are measured from the market
    /// value at the event bar's previous close, 100.
    #[test]
    fn overnight_bars_by_hand() {
        let (firm, market, mv) = panel_data();
        let overnight = [false, false, true, false, false, false, true];
        let slot = [1, 2, 0, 1, 2, 1, 0];
        let mut panel = ReturnPanel::new(&firm, &market, Some(&mv));
        panel.bars = Some(BarLayout {
            overnight: &overnight,
            slot: &slot,
            tod_variance: false,
            tod_pool: 0,
        });
        let r = run_event(&panel, &design(ModelKind::Market), 5).unwrap();
        let m = &r.model;
        assert_eq!(m.n, 4);
        assert!((m.betas[0] - 0.6).abs() < 1e-12 && (m.alpha - 1.95).abs() < 1e-12);
        assert!((m.sigma * m.sigma - 0.575).abs() < 1e-12);
        assert!(r.estimation_residuals[2].is_nan());
        let v = r.period_variance.clone().unwrap();
        assert_eq!(v.overnight_n, 1);
        assert!((v.overnight_variance - 1.5625).abs() < 1e-12);
        assert!((v.overnight_scale - 1.5625 / 0.575).abs() < 1e-12);
        // Bar 0 (R_m 6): AR 7 - 5.55 = 1.45, Var = 0.575 (1 + 1/4 + 9/10).
        let (d0, d1) = (r.days[0], r.days[1]);
        assert!((d0.ar - 1.45).abs() < 1e-12);
        assert!((d0.ar_t - 1.45 / (0.575f64 * 2.15).sqrt()).abs() < 1e-12);
        // Bar +1, overnight (R_m 1): AR 2 - 2.55 = -0.55, Var = 1.5625 + 0.575 (1/4 + 4/10).
        assert!((d1.ar + 0.55).abs() < 1e-12);
        let var1: f64 = 1.5625 + 0.575 * 0.65;
        assert!((d1.ar_t + 0.55 / var1.sqrt()).abs() < 1e-12);
        // CAR 0:1: Var = 1.5625 + 0.575 [1 + 4/4 + (7 - 6)^2/10].
        let car = r.cars[1];
        assert!((car.car - 0.9).abs() < 1e-12);
        let var: f64 = 1.5625 + 0.575 * 2.1;
        assert!((car.variance - var).abs() < 1e-12);
        assert!((d1.car_variance - var).abs() < 1e-12);
        assert!((car.t_simple - 0.9 / (0.575f64 * (1.0 + 1.5625 / 0.575)).sqrt()).abs() < 1e-12);
        assert!((d1.abnormal_market_value_change - 100.0 * -0.55).abs() < 1e-9);
        assert!((car.abnormal_market_value_change - 100.0 * 0.9).abs() < 1e-9);
        assert!((car.market_value_change - 100.0 * (7.0 + 2.0)).abs() < 1e-9);

        // The time-of-day profile: slot 1's residuals -0.55, -0.35 (v_1 = 0.2125), slot 2's
        // 0.85, 0.05 (v_2 = 0.3625), mean 0.2875; bar 0 is in slot 1.
        panel.bars = Some(BarLayout {
            overnight: &overnight,
            slot: &slot,
            tod_variance: true,
            tod_pool: 0,
        });
        let r = run_event(&panel, &design(ModelKind::Market), 5).unwrap();
        let v = r.period_variance.clone().unwrap();
        assert!(v.by_slot[0].is_nan());
        assert!((v.by_slot[1] - 0.2125 / 0.2875).abs() < 1e-12);
        assert!((v.by_slot[2] - 0.3625 / 0.2875).abs() < 1e-12);
        // Pooled with one slot either side, slots 1 and 2 share their four residuals: one
        // profile, the scale 1.
        panel.bars = Some(BarLayout {
            overnight: &overnight,
            slot: &slot,
            tod_variance: true,
            tod_pool: 1,
        });
        let pooled = run_event(&panel, &design(ModelKind::Market), 5).unwrap();
        let pv = pooled.period_variance.unwrap();
        assert!((pv.by_slot[1] - 1.0).abs() < 1e-12 && (pv.by_slot[2] - 1.0).abs() < 1e-12);
        panel.bars = Some(BarLayout {
            overnight: &overnight,
            slot: &slot,
            tod_variance: true,
            tod_pool: 0,
        });
        let r = run_event(&panel, &design(ModelKind::Market), 5).unwrap();
        let v = r.period_variance.clone().unwrap();
        assert!(v.by_slot[0].is_nan());
        assert!((v.by_slot[1] - 0.2125 / 0.2875).abs() < 1e-12);
        assert!((v.by_slot[2] - 0.3625 / 0.2875).abs() < 1e-12);
        let scale = 0.2125 / 0.2875;
        // Var = 0.575 (scale + 1/4 + 9/10).
        assert!((r.days[0].ar_t - 1.45 / (0.575f64 * (scale + 1.15)).sqrt()).abs() < 1e-12);
        // The overnight bar keeps its own variance.
        assert!((r.days[1].ar_t + 0.55 / var1.sqrt()).abs() < 1e-12);
    }

    #[test]
    fn missing_event_day_is_missing() {
        let (mut firm, market, _) = panel_data();
        firm[6] = f64::NAN;
        let panel = ReturnPanel::new(&firm, &market, None);
        let r = run_event(&panel, &design(ModelKind::Market), 5).unwrap();
        assert!(r.days[1].ar.is_nan());
        assert!(r.days[1].market_value_change.is_nan());
        assert_eq!(r.cars[1].days, 1);
        assert!((r.cars[1].car - 1.2).abs() < 1e-12);
    }

    #[test]
    fn car_is_missing_until_the_first_valid_ar() {
        let (mut firm, market, _) = panel_data();
        firm[5] = f64::NAN;
        let panel = ReturnPanel::new(&firm, &market, None);
        let r = run_event(&panel, &design(ModelKind::Market), 5).unwrap();
        assert!(r.days[0].ar.is_nan());
        assert!(r.days[0].car.is_nan() && r.days[0].car_variance.is_nan());
        // Day +1 alone: AR -0.8, CAR -0.8, Var = sigma^2 C_{+1} = 0.8 (1 + 1/5 + 4/10).
        assert!((r.days[1].car + 0.8).abs() < 1e-12);
        assert!((r.days[1].car_variance - 0.8 * 1.6).abs() < 1e-12);
    }

    #[test]
    fn too_few_estimation_days_is_an_error() {
        let (firm, market, _) = panel_data();
        let panel = ReturnPanel::new(&firm, &market, None);
        // Day 0 at index 2 leaves two estimation days.
        assert!(matches!(
            run_event(&panel, &design(ModelKind::Market), 2),
            Err(FitError::TooFewReturns { valid: 2, .. })
        ));
        let all = run_events(&panel, &design(ModelKind::Market), &[2, 5]);
        assert!(all[0].is_err() && all[1].is_ok());
    }

    #[test]
    fn event_window_past_the_data_is_cut() {
        let (firm, market, _) = panel_data();
        let panel = ReturnPanel::new(&firm, &market, None);
        let mut d = design(ModelKind::Market);
        d.estimation = RelWindow::new(-6, -2).unwrap();
        d.window = RelWindow::new(-1, 3).unwrap();
        let r = run_event(&panel, &d, 6).unwrap();
        assert_eq!(r.days.iter().map(|d| d.rel).collect::<Vec<_>>(), [-1, 0]);
    }
}
