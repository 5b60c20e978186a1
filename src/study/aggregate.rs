//! Many events at once: AAR and CAAR with the test battery of METHODS.md.
//!
//! Everything is keyed on the event (one firm may have several); events enter with their
//! engine results and the calendar keys of their estimation days (for the cross-event
//! residual correlation of Kolari & Pynnönen).

use std::collections::BTreeMap;

use crate::study::engine::{CarResult, DayResult, EventResult};
use crate::study::significance::{
    cross_sectional_t, crude_dependence_t, generalized_sign_z, kolari_pynnonen,
    mean_pairwise_correlation, mean_sd, patell_z, sign_z, wilcoxon, RankTest, TestStat,
};
use crate::study::window::RelWindow;

/// Pairs of events whose residual correlation is computed exactly; beyond, a seeded sample.
const MAX_CORRELATION_PAIRS: usize = 20_000;

/// One event as the aggregate sees it.
#[derive(Debug, Clone, Copy)]
pub struct EventSample<'a> {
    pub result: &'a EventResult,
    /// A calendar key (e.g. days since 1970) for each day of `result.estimation_span`, so
    /// residuals of events on one date line up across firms and benchmarks.
    pub estimation_keys: &'a [i32],
    /// Whether the event has a market value (share count): dollars are summed over those.
    pub has_market_value: bool,
}

/// The battery, named as in the JSON contract; `T` is a [`TestStat`] here and its
/// serializable form in the report.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct TestBattery<T = TestStat> {
    pub csect_t: T,
    pub patell_z: T,
    pub bmp_t: T,
    pub kp_bmp_t: T,
    pub corrado_rank_z: T,
    pub generalized_sign_z: T,
    pub sign_z: T,
    pub wilcoxon_z: T,
    pub cda_t: T,
}

impl<T: Copy> TestBattery<T> {
    /// The JSON names, in the contract's order.
    pub const NAMES: [&'static str; 9] = [
        "csect_t",
        "patell_z",
        "bmp_t",
        "kp_bmp_t",
        "corrado_rank_z",
        "generalized_sign_z",
        "sign_z",
        "wilcoxon_z",
        "cda_t",
    ];

    /// (JSON name, test) in the contract's order.
    pub fn named(&self) -> [(&'static str, T); 9] {
        let values = [
            self.csect_t,
            self.patell_z,
            self.bmp_t,
            self.kp_bmp_t,
            self.corrado_rank_z,
            self.generalized_sign_z,
            self.sign_z,
            self.wilcoxon_z,
            self.cda_t,
        ];
        std::array::from_fn(|i| (Self::NAMES[i], values[i]))
    }

    /// The same battery with every test transformed.
    pub fn map<U>(&self, f: impl Fn(T) -> U) -> TestBattery<U> {
        TestBattery {
            csect_t: f(self.csect_t),
            patell_z: f(self.patell_z),
            bmp_t: f(self.bmp_t),
            kp_bmp_t: f(self.kp_bmp_t),
            corrado_rank_z: f(self.corrado_rank_z),
            generalized_sign_z: f(self.generalized_sign_z),
            sign_z: f(self.sign_z),
            wilcoxon_z: f(self.wilcoxon_z),
            cda_t: f(self.cda_t),
        }
    }
}

/// One relative day across the events.
#[derive(Debug, Clone, PartialEq)]
pub struct AggregateDay {
    pub rel: i32,
    /// Events with a valid AR that day.
    pub n: usize,
    pub aar: f64,
    /// Mean over the events of their CAR from the start of the event window to this day.
    pub caar: f64,
    /// Cross-sectional standard deviation of those CARs (for the CAAR band).
    pub car_sd: f64,
    pub tests: TestBattery,
    /// Wilcoxon's W+ (sum of the ranks of the positive ARs).
    pub wilcoxon_w: f64,
    pub positive: usize,
    pub market_value_change: f64,
    pub abnormal_market_value_change: f64,
}

/// One CAR window across the events.
#[derive(Debug, Clone, PartialEq)]
pub struct AggregateCar {
    pub window: RelWindow,
    pub n: usize,
    pub caar: f64,
    pub tests: TestBattery,
    pub wilcoxon_w: f64,
    pub positive: usize,
    pub market_value_change: f64,
    pub abnormal_market_value_change: f64,
}

/// The aggregate study.
#[derive(Debug, Clone, PartialEq)]
pub struct Aggregate {
    pub n: usize,
    pub n_with_market_value: usize,
    pub days: Vec<AggregateDay>,
    pub cars: Vec<AggregateCar>,
    /// Share of positive estimation-window ARs, pooled over the events (generalized sign's p).
    pub positive_share: f64,
    /// Mean pairwise correlation of the estimation residuals (Kolari-Pynnönen's r).
    pub residual_correlation: f64,
    /// Standard deviation of the estimation-window AARs (crude dependence adjustment).
    pub estimation_aar_sd: f64,
    pub estimation_aar_days: usize,
}

fn day_of<'a>(e: &EventSample<'a>, rel: i32) -> Option<&'a DayResult> {
    e.result.days.iter().find(|d| d.rel == rel)
}

fn car_of<'a>(e: &EventSample<'a>, window: RelWindow) -> Option<&'a CarResult> {
    e.result.cars.iter().find(|c| c.window == window)
}

/// One value per event (NaN where the event lacks the day or window).
fn column<'a, T: 'a>(
    events: &[EventSample<'a>],
    item: impl Fn(&EventSample<'a>) -> Option<&'a T>,
    value: impl Fn(&T) -> f64,
) -> Vec<f64> {
    events
        .iter()
        .map(|e| item(e).map_or(f64::NAN, &value))
        .collect()
}

/// Sums one dollar figure over the events that have a share count.
fn dollars<'a, T: 'a>(
    events: &[EventSample<'a>],
    item: impl Fn(&EventSample<'a>) -> Option<&'a T>,
    value: impl Fn(&T) -> f64,
) -> f64 {
    sum_finite(
        events
            .iter()
            .filter(|e| e.has_market_value)
            .filter_map(|e| item(e).map(&value)),
    )
}

fn sum_finite(values: impl Iterator<Item = f64>) -> f64 {
    let mut total = None;
    for v in values.filter(|v| v.is_finite()) {
        total = Some(total.unwrap_or(0.0) + v);
    }
    total.unwrap_or(f64::NAN)
}

/// Quantities shared by every day's and window's tests.
struct Pooled {
    positive_share: f64,
    correlation: f64,
    rank: RankTest,
    /// AAR of each relative estimation day.
    estimation_aar: BTreeMap<i32, f64>,
    aar_sd: f64,
}

fn pool(events: &[EventSample<'_>]) -> Pooled {
    let (mut positive, mut valid) = (0usize, 0usize);
    let mut rank_samples = Vec::with_capacity(events.len());
    let mut correlation_series = Vec::with_capacity(events.len());
    let mut by_rel: BTreeMap<i32, (f64, usize)> = BTreeMap::new();
    for e in events {
        let r = e.result;
        let (lo, _) = r.estimation_span;
        let mut sample = Vec::with_capacity(r.estimation_residuals.len() + r.days.len());
        let mut series = Vec::with_capacity(r.estimation_residuals.len());
        for (j, &res) in r.estimation_residuals.iter().enumerate() {
            let rel = (lo + j) as i32 - r.day0 as i32;
            series.push((e.estimation_keys.get(j).copied().unwrap_or(i32::MIN), res));
            if res.is_finite() {
                valid += 1;
                positive += usize::from(res > 0.0);
                sample.push((rel, res));
                let entry = by_rel.entry(rel).or_insert((0.0, 0));
                entry.0 += res;
                entry.1 += 1;
            }
        }
        sample.extend(
            r.days
                .iter()
                .filter(|d| d.ar.is_finite())
                .map(|d| (d.rel, d.ar)),
        );
        rank_samples.push(sample);
        correlation_series.push(series);
    }
    let estimation_aar: BTreeMap<i32, f64> = by_rel
        .into_iter()
        .map(|(rel, (s, n))| (rel, s / n as f64))
        .collect();
    let aars: Vec<f64> = estimation_aar.values().copied().collect();
    Pooled {
        positive_share: if valid == 0 {
            f64::NAN
        } else {
            positive as f64 / valid as f64
        },
        correlation: mean_pairwise_correlation(&correlation_series, MAX_CORRELATION_PAIRS),
        rank: RankTest::new(&rank_samples),
        aar_sd: mean_sd(&aars).1,
        estimation_aar,
    }
}

/// The battery for one cross-section: raw values (AR or CAR), standardized values (SAR or
/// SCAR) with each event's L - k, the rank statistic and the CDA statistic for the span.
fn battery(
    raw: &[f64],
    standardized: &[f64],
    dofs: &[f64],
    pooled: &Pooled,
    rank: TestStat,
    cda: TestStat,
) -> (TestBattery, f64) {
    let bmp = cross_sectional_t(standardized);
    let n = standardized.iter().filter(|v| v.is_finite()).count();
    let (w, wilcoxon_z) = wilcoxon(raw);
    (
        TestBattery {
            csect_t: cross_sectional_t(raw),
            patell_z: patell_z(standardized, dofs),
            bmp_t: bmp,
            kp_bmp_t: kolari_pynnonen(bmp, n, pooled.correlation),
            corrado_rank_z: rank,
            generalized_sign_z: generalized_sign_z(raw, pooled.positive_share),
            sign_z: sign_z(raw),
            wilcoxon_z,
            cda_t: cda,
        },
        w,
    )
}

/// Aggregates the events over the relative days of `window` and the `car_windows`.
pub fn aggregate<'a>(
    events: &[EventSample<'a>],
    window: RelWindow,
    car_windows: &[RelWindow],
) -> Aggregate {
    let pooled = pool(events);
    let dofs: Vec<f64> = events.iter().map(|e| e.result.model.dof()).collect();
    let cda_days = pooled.estimation_aar.len();

    let days: Vec<AggregateDay> = (window.start..=window.end)
        .map(|rel| {
            let day = |e: &EventSample<'a>| day_of(e, rel);
            let ar = column(events, day, |d| d.ar);
            let sar = column(events, day, |d| d.ar_t);
            // A missing day carries the event's CAR so far.
            let cars = column(events, day, |d| d.car);
            let (aar, _, n) = mean_sd(&ar);
            let (caar, car_sd, _) = mean_sd(&cars);
            let cda = crude_dependence_t(aar, 1, pooled.aar_sd, cda_days);
            let (tests, wilcoxon_w) =
                battery(&ar, &sar, &dofs, &pooled, pooled.rank.window(rel, rel), cda);
            AggregateDay {
                rel,
                n,
                aar,
                caar,
                car_sd,
                tests,
                wilcoxon_w,
                positive: ar.iter().filter(|v| **v > 0.0).count(),
                market_value_change: dollars(events, day, |d| d.market_value_change),
                abnormal_market_value_change: dollars(events, day, |d| {
                    d.abnormal_market_value_change
                }),
            }
        })
        .collect();

    let cars = car_windows
        .iter()
        .map(|&w| {
            let car_of = |e: &EventSample<'a>| car_of(e, w);
            let car = column(events, car_of, |c| c.car);
            let scar = column(events, car_of, |c| c.t);
            let (caar, _, n) = mean_sd(&car);
            // The window's AARs, as the daily rows computed them (CAR windows lie inside).
            let aar_sum = sum_finite(
                days.iter()
                    .filter(|d: &&AggregateDay| d.rel >= w.start && d.rel <= w.end)
                    .map(|d| d.aar),
            );
            let cda = crude_dependence_t(aar_sum, w.len(), pooled.aar_sd, cda_days);
            let (tests, wilcoxon_w) = battery(
                &car,
                &scar,
                &dofs,
                &pooled,
                pooled.rank.window(w.start, w.end),
                cda,
            );
            AggregateCar {
                window: w,
                n,
                caar,
                tests,
                wilcoxon_w,
                positive: car.iter().filter(|v| **v > 0.0).count(),
                market_value_change: dollars(events, car_of, |c| c.market_value_change),
                abnormal_market_value_change: dollars(events, car_of, |c| {
                    c.abnormal_market_value_change
                }),
            }
        })
        .collect();

    Aggregate {
        n: events.len(),
        n_with_market_value: events.iter().filter(|e| e.has_market_value).count(),
        days,
        cars,
        positive_share: pooled.positive_share,
        residual_correlation: pooled.correlation,
        estimation_aar_sd: pooled.aar_sd,
        estimation_aar_days: cda_days,
    }
}
