//! Many events at once: AAR and CAAR with the test battery of METHODS.md.
//!
//! Everything is keyed on the event (one firm may have several); events enter with their
//! engine results and the calendar keys of their estimation days (for the cross-event
//! residual correlation of Kolari & Pynnönen).

use crate::study::engine::{CarResult, DayResult, EventResult};
use crate::study::significance::{
    clamp_correlation, cross_sectional_t, cross_sectional_t_of, crude_dependence_t,
    for_each_doubled_rank, generalized_sign_z_of, kolari_pynnonen, mean_sd, patell_z, wilcoxon,
    RankScratch, RankTest, SignCounts, TestStat,
};
use crate::study::stats::chi_square_p;
use crate::study::window::RelWindow;
use rayon::prelude::*;
use std::ops::Range;

mod pool;
pub use pool::Pool;
use pool::Pooled;

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

    /// Short column headings for tables (console, Markdown), in the contract's order.
    pub const LABELS: [&'static str; 9] = [
        "csect t", "Patell", "BMP", "KP-BMP", "rank", "gen.sign", "sign", "Wilcoxon", "CDA t",
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

    /// Every test, mutable, in the contract's order.
    pub fn each_mut(&mut self) -> [&mut T; 9] {
        [
            &mut self.csect_t,
            &mut self.patell_z,
            &mut self.bmp_t,
            &mut self.kp_bmp_t,
            &mut self.corrado_rank_z,
            &mut self.generalized_sign_z,
            &mut self.sign_z,
            &mut self.wilcoxon_z,
            &mut self.cda_t,
        ]
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
    /// Abnormal volatility: the mean of U = SAR^2 and its chi-square test.
    pub volatility: Volatility,
    /// Abnormal volume: the mean abnormal log volume and its tests.
    pub volume: AbnormalVolume,
}

/// Abnormal volume across events (METHODS, "Beyond returns"): the mean abnormal log volume,
/// its cross-sectional t, and the standardized (BMP-style) t on each event's volume t.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AbnormalVolume {
    /// Events with an abnormal volume.
    pub n: usize,
    pub aav: f64,
    pub csect_t: TestStat,
    pub std_t: TestStat,
}

impl AbnormalVolume {
    /// From each event's abnormal log volume and its t (NaN where it has none).
    pub fn new(av: &[f64], av_t: &[f64]) -> AbnormalVolume {
        let moments = mean_sd(av);
        AbnormalVolume {
            n: moments.2,
            aav: moments.0,
            csect_t: cross_sectional_t_of(moments),
            std_t: cross_sectional_t(av_t),
        }
    }
}

/// Beaver's (1968) abnormal volatility across events (METHODS, "Beyond returns"): U = SAR^2 is
/// about 1 under the null, and the sum of the U is compared with chi-square on as many degrees
/// of freedom as terms (approximate: a SAR is t, not normal). Two-sided, like every p here.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Volatility {
    /// Mean U over the events (a window: the mean over the events of each one's mean U).
    pub mean_u: f64,
    /// The sum of the U (a window: over every event's days).
    pub chi2: f64,
    pub df: usize,
    pub p: f64,
}

impl Volatility {
    /// From each event's (mean U, number of days) of the day or window.
    pub fn from_events(per_event: impl Iterator<Item = (f64, usize)>) -> Volatility {
        let (mut mean_sum, mut events, mut chi2, mut df) = (0.0, 0usize, 0.0, 0usize);
        for (u, days) in per_event.filter(|(u, days)| u.is_finite() && *days > 0) {
            mean_sum += u;
            events += 1;
            chi2 += u * days as f64;
            df += days;
        }
        if events == 0 {
            return Volatility {
                mean_u: f64::NAN,
                chi2: f64::NAN,
                df: 0,
                p: f64::NAN,
            };
        }
        Volatility {
            mean_u: mean_sum / events as f64,
            chi2,
            df,
            p: chi_square_p(chi2, df),
        }
    }
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
    /// Abnormal volatility over the window's days.
    pub volatility: Volatility,
    /// Abnormal volume summed over the window's days.
    pub volume: AbnormalVolume,
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
    /// Kolari-Pynnönen's r: the mean pairwise correlation of the estimation residuals on the
    /// calendar (METHODS.md), exact.
    pub residual_correlation: f64,
    /// Standard deviation of the estimation-window AARs (crude dependence adjustment).
    pub estimation_aar_sd: f64,
    pub estimation_aar_days: usize,
}

/// What the aggregate reads of one event's day: AR, SAR (its t), CAR so far, and the raw and
/// abnormal dollar changes.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct DayMoments {
    pub ar: f64,
    pub sar: f64,
    pub car: f64,
    pub market_value_change: f64,
    pub abnormal_market_value_change: f64,
    /// Abnormal log volume and its t.
    pub av: f64,
    pub av_t: f64,
}

/// What the aggregate reads of one event's CAR window: CAR, SCAR (its t) and the dollars.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CarMoments {
    pub window: RelWindow,
    pub car: f64,
    pub scar: f64,
    pub market_value_change: f64,
    pub abnormal_market_value_change: f64,
    /// The mean U over the window's `days` days with an AR.
    pub volatility_ratio: f64,
    pub days: usize,
    /// Summed abnormal log volume and its t.
    pub av: f64,
    pub av_t: f64,
}

/// One event as the aggregate reads it, a few hundred bytes: what a large run keeps of each
/// event once its report is built (its full [`EventResult`] is ten times larger).
#[derive(Debug, Clone, PartialEq)]
pub struct EventMoments {
    /// The relative day of `days[0]`; the days are consecutive.
    pub first_rel: i32,
    pub days: Box<[DayMoments]>,
    pub cars: Box<[CarMoments]>,
    /// L - k, the degrees of freedom of its t statistics.
    pub dof: f64,
    /// Whether the event has a market value (share count): dollars are summed over those.
    pub has_market_value: bool,
}

/// What the aggregate reads of each event, however its caller keeps the event: the engine's
/// [`EventMoments`], or a report that already holds the same numbers (the pipeline's), so
/// that a large run keeps them once.
pub trait EventView: Sync {
    /// The event's numbers on relative day `rel`, if its window has the day.
    fn day(&self, rel: i32) -> Option<DayMoments>;
    /// The event's CAR window `window`, the run's `index`-th.
    fn car(&self, index: usize, window: RelWindow) -> Option<CarMoments>;
    /// L - k, the degrees of freedom of its t statistics.
    fn dof(&self) -> f64;
    /// Whether it has a market value (share count): dollars are summed over those.
    fn has_market_value(&self) -> bool;
    /// A hint that the days at `positions` of its window (the days usually there) will be
    /// read soon; it changes nothing.
    fn prefetch_days(&self, _positions: Range<usize>) {}
    /// A hint that its CAR windows `indices` will be read soon; it changes nothing.
    fn prefetch_cars(&self, _indices: Range<usize>) {}
}

/// How many events ahead the aggregate's passes hint at the event they will read: a large
/// run's events hold their days in a million separate allocations, cold by then.
const PREFETCH_AHEAD: usize = 8;

/// `read` of each event, in order, hinting `prefetch` at the one [`PREFETCH_AHEAD`] later.
fn for_each_event<E: EventView>(events: &[E], prefetch: impl Fn(&E), mut read: impl FnMut(&E)) {
    for (k, e) in events.iter().enumerate() {
        if let Some(ahead) = events.get(k + PREFETCH_AHEAD) {
            prefetch(ahead);
        }
        read(e);
    }
}

/// `work` on `items` cut into one contiguous chunk per thread, the chunks in parallel; the
/// results in the items' order.
fn per_thread_chunks<T: Sync, R: Send>(
    items: &[T],
    work: impl Fn(&[T]) -> Vec<R> + Sync,
) -> Vec<R> {
    let size = items
        .len()
        .div_ceil(rayon::current_num_threads().max(1))
        .max(1);
    items.par_chunks(size).flat_map_iter(&work).collect()
}

/// A sum of the finite values added, in their order; NaN when there is none.
#[derive(Debug, Clone, Copy, Default)]
struct FiniteSum(Option<f64>);

impl FiniteSum {
    fn add(&mut self, v: f64) {
        if v.is_finite() {
            self.0 = Some(self.0.unwrap_or(0.0) + v);
        }
    }

    fn value(self) -> f64 {
        self.0.unwrap_or(f64::NAN)
    }
}

fn sum_finite(values: impl Iterator<Item = f64>) -> f64 {
    let mut total = FiniteSum::default();
    values.for_each(|v| total.add(v));
    total.value()
}

/// One day's or CAR window's numbers across the events: a column per number, one value per
/// event (NaN where the event lacks the day or window), and the dollar sums over the events
/// with a market value.
#[derive(Debug, Clone, Default)]
struct CrossSection {
    /// AR or CAR.
    raw: Vec<f64>,
    /// SAR or SCAR.
    standardized: Vec<f64>,
    /// A day's CAR so far (a missing day carries the event's CAR so far).
    car: Vec<f64>,
    /// A window's mean U and its days (0 where missing).
    volatility: Vec<(f64, usize)>,
    av: Vec<f64>,
    av_t: Vec<f64>,
    market_value_change: FiniteSum,
    abnormal_market_value_change: FiniteSum,
}

impl CrossSection {
    fn with_capacity(n: usize, day: bool) -> Self {
        let column = |wanted: bool| Vec::with_capacity(if wanted { n } else { 0 });
        CrossSection {
            raw: column(true),
            standardized: column(true),
            car: column(day),
            volatility: Vec::with_capacity(if day { 0 } else { n }),
            av: column(true),
            av_t: column(true),
            ..CrossSection::default()
        }
    }

    fn add_day(&mut self, day: Option<DayMoments>, has_market_value: bool) {
        let d = day.unwrap_or(DayMoments::MISSING);
        self.car.push(d.car);
        let dollars = (d.market_value_change, d.abnormal_market_value_change);
        let counted = has_market_value && day.is_some();
        self.add(d.ar, d.sar, (d.av, d.av_t), counted.then_some(dollars));
    }

    fn add_car(&mut self, car: Option<CarMoments>, has_market_value: bool) {
        let c = car.unwrap_or(CarMoments::MISSING);
        self.volatility.push((c.volatility_ratio, c.days));
        let dollars = (c.market_value_change, c.abnormal_market_value_change);
        let counted = has_market_value && car.is_some();
        self.add(c.car, c.scar, (c.av, c.av_t), counted.then_some(dollars));
    }

    /// What days and windows share: the value, its standardized value, the abnormal volume
    /// and its t, and the (raw, abnormal) dollars of an event they count for.
    fn add(&mut self, raw: f64, standardized: f64, av: (f64, f64), dollars: Option<(f64, f64)>) {
        self.raw.push(raw);
        self.standardized.push(standardized);
        self.av.push(av.0);
        self.av_t.push(av.1);
        if let Some((change, abnormal)) = dollars {
            self.market_value_change.add(change);
            self.abnormal_market_value_change.add(abnormal);
        }
    }
}

/// `count` cross-sections (days or windows) of every event, filled in one pass over the
/// events: a large run reads each event's memory once for all of them rather than once each.
/// `add` adds an event (and whether it has a market value) to each; `prefetch` hints at the
/// event it will read a few later.
fn gather<E: EventView>(
    events: &[E],
    count: usize,
    days: bool,
    prefetch: impl Fn(&E),
    add: impl Fn(&E, bool, &mut [CrossSection]),
) -> Vec<CrossSection> {
    let mut sections: Vec<CrossSection> = (0..count)
        .map(|_| CrossSection::with_capacity(events.len(), days))
        .collect();
    for_each_event(events, prefetch, |e| {
        add(e, e.has_market_value(), &mut sections)
    });
    sections
}

impl EventView for EventMoments {
    fn day(&self, rel: i32) -> Option<DayMoments> {
        self.days
            .get(usize::try_from(rel - self.first_rel).ok()?)
            .copied()
    }

    fn car(&self, index: usize, window: RelWindow) -> Option<CarMoments> {
        match self.cars.get(index) {
            Some(c) if c.window == window => Some(*c),
            _ => self.cars.iter().find(|c| c.window == window).copied(),
        }
    }

    fn dof(&self) -> f64 {
        self.dof
    }

    fn has_market_value(&self) -> bool {
        self.has_market_value
    }

    fn prefetch_days(&self, positions: Range<usize>) {
        crate::util::prefetch_part(&self.days, positions);
    }

    fn prefetch_cars(&self, indices: Range<usize>) {
        crate::util::prefetch_part(&self.cars, indices);
    }
}

impl EventMoments {
    pub fn new(result: &EventResult, has_market_value: bool) -> Self {
        EventMoments {
            first_rel: result.days.first().map_or(0, |d| d.rel),
            days: result.days.iter().map(DayMoments::from).collect(),
            cars: result.cars.iter().map(CarMoments::from).collect(),
            dof: result.model.dof(),
            has_market_value,
        }
    }
}

impl DayMoments {
    /// An event without the day.
    const MISSING: DayMoments = DayMoments {
        ar: f64::NAN,
        sar: f64::NAN,
        car: f64::NAN,
        market_value_change: f64::NAN,
        abnormal_market_value_change: f64::NAN,
        av: f64::NAN,
        av_t: f64::NAN,
    };
}

impl CarMoments {
    /// An event without the window (its window field unused).
    const MISSING: CarMoments = CarMoments {
        window: RelWindow { start: 0, end: 0 },
        car: f64::NAN,
        scar: f64::NAN,
        market_value_change: f64::NAN,
        abnormal_market_value_change: f64::NAN,
        volatility_ratio: f64::NAN,
        days: 0,
        av: f64::NAN,
        av_t: f64::NAN,
    };
}

impl From<&DayResult> for DayMoments {
    fn from(d: &DayResult) -> Self {
        DayMoments {
            ar: d.ar,
            sar: d.ar_t,
            car: d.car,
            market_value_change: d.market_value_change,
            abnormal_market_value_change: d.abnormal_market_value_change,
            av: d.abnormal_volume,
            av_t: d.abnormal_volume_t,
        }
    }
}

impl From<&CarResult> for CarMoments {
    fn from(c: &CarResult) -> Self {
        CarMoments {
            window: c.window,
            car: c.car,
            scar: c.t,
            market_value_change: c.market_value_change,
            abnormal_market_value_change: c.abnormal_market_value_change,
            volatility_ratio: c.volatility_ratio,
            days: c.days,
            av: c.abnormal_volume,
            av_t: c.abnormal_volume_t,
        }
    }
}

/// The battery for one cross-section: its raw values (AR or CAR) and standardized values (SAR
/// or SCAR) with each event's L - k, the rank statistic and the CDA statistic for the span.
/// `raw_moments` is the caller's `mean_sd` of the raw values: each statistic shared by two
/// tests is taken once (a large run's cross-sections are a million values each).
fn battery(
    section: &CrossSection,
    raw_moments: (f64, f64, usize),
    dofs: &[f64],
    pooled: &Pooled,
    rank: TestStat,
    cda: TestStat,
) -> (TestBattery, f64) {
    let (raw, standardized) = (&section.raw, &section.standardized);
    let standardized_moments = mean_sd(standardized);
    let bmp = cross_sectional_t_of(standardized_moments);
    let n = standardized_moments.2;
    let (w, wilcoxon_z) = wilcoxon(raw);
    let signs = SignCounts::of(raw);
    (
        TestBattery {
            csect_t: cross_sectional_t_of(raw_moments),
            patell_z: patell_z(standardized, dofs),
            bmp_t: bmp,
            kp_bmp_t: kolari_pynnonen(bmp, n, pooled.correlation),
            corrado_rank_z: rank,
            generalized_sign_z: generalized_sign_z_of(signs, pooled.positive_share),
            sign_z: generalized_sign_z_of(signs, 0.5),
            wilcoxon_z,
            cda_t: cda,
        },
        w,
    )
}

/// Aggregates the events over the relative days of `window` and the `car_windows`.
pub fn aggregate(
    events: &[EventSample<'_>],
    window: RelWindow,
    car_windows: &[RelWindow],
) -> Aggregate {
    let mut pool = Pool::default();
    for e in events {
        pool.add(e.result, e.estimation_keys);
    }
    let moments: Vec<EventMoments> = events
        .iter()
        .map(|e| EventMoments::new(e.result, e.has_market_value))
        .collect();
    aggregate_pooled(&moments, &pool, window, car_windows)
}

/// [`aggregate`] with the estimation windows already pooled and each event reduced to what the
/// aggregate reads (the residuals and the rest of the results may have been dropped since).
pub fn aggregate_pooled<E: EventView>(
    events: &[E],
    pool: &Pool,
    window: RelWindow,
    car_windows: &[RelWindow],
) -> Aggregate {
    let pooled = pool.finish();
    let dofs: Vec<f64> = events.iter().map(|e| e.dof()).collect();
    let cda_days = pooled.estimation_aar_days;

    // Each day and window is its own cross-section. The days (and the windows) are cut into
    // one run per thread, each gathered in one pass over the events and then tested.
    let rels: Vec<i32> = (window.start..=window.end).collect();
    let days: Vec<AggregateDay> = per_thread_chunks(&rels, |chunk| {
        // The chunk's days, consecutive, are at these positions of each event's window.
        let first = (chunk[0] - window.start) as usize;
        let positions = first..first + chunk.len();
        let gathered = gather(
            events,
            chunk.len(),
            true,
            |e| e.prefetch_days(positions.clone()),
            |e, has_market_value, days| {
                for (day, &rel) in days.iter_mut().zip(chunk) {
                    day.add_day(e.day(rel), has_market_value);
                }
            },
        );
        gathered
            .into_iter()
            .zip(chunk)
            .map(|(day, &rel)| {
                let raw_moments = mean_sd(&day.raw);
                let (aar, _, n) = raw_moments;
                let (caar, car_sd, _) = mean_sd(&day.car);
                let cda = crude_dependence_t(aar, 1, pooled.aar_sd, cda_days);
                let rank = pooled.rank.window(rel, rel);
                let (tests, wilcoxon_w) = battery(&day, raw_moments, &dofs, &pooled, rank, cda);
                AggregateDay {
                    rel,
                    n,
                    aar,
                    caar,
                    car_sd,
                    tests,
                    wilcoxon_w,
                    positive: day.raw.iter().filter(|v| **v > 0.0).count(),
                    market_value_change: day.market_value_change.value(),
                    abnormal_market_value_change: day.abnormal_market_value_change.value(),
                    volatility: Volatility::from_events(
                        day.standardized.iter().map(|s| (s * s, 1)),
                    ),
                    volume: AbnormalVolume::new(&day.av, &day.av_t),
                }
            })
            .collect()
    });

    let indexed: Vec<(usize, RelWindow)> = car_windows.iter().copied().enumerate().collect();
    let cars = per_thread_chunks(&indexed, |chunk| {
        let windows: Vec<RelWindow> = chunk.iter().map(|&(_, w)| w).collect();
        let gathered = gather(
            events,
            chunk.len(),
            false,
            |e| e.prefetch_cars(chunk[0].0..chunk[0].0 + chunk.len()),
            |e, has_market_value, cars| {
                for (car, &(index, w)) in cars.iter_mut().zip(chunk) {
                    car.add_car(e.car(index, w), has_market_value);
                }
            },
        );
        gathered
            .into_iter()
            .zip(windows)
            .map(|(car, w)| {
                let raw_moments = mean_sd(&car.raw);
                let (caar, _, n) = raw_moments;
                // The window's AARs, as the daily rows computed them (CAR windows lie inside).
                let aar_sum = sum_finite(
                    days.iter()
                        .filter(|d| d.rel >= w.start && d.rel <= w.end)
                        .map(|d| d.aar),
                );
                let cda = crude_dependence_t(aar_sum, w.len(), pooled.aar_sd, cda_days);
                let rank = pooled.rank.window(w.start, w.end);
                let (tests, wilcoxon_w) = battery(&car, raw_moments, &dofs, &pooled, rank, cda);
                AggregateCar {
                    window: w,
                    n,
                    caar,
                    tests,
                    wilcoxon_w,
                    positive: car.raw.iter().filter(|v| **v > 0.0).count(),
                    market_value_change: car.market_value_change.value(),
                    abnormal_market_value_change: car.abnormal_market_value_change.value(),
                    volatility: Volatility::from_events(car.volatility.iter().copied()),
                    volume: AbnormalVolume::new(&car.av, &car.av_t),
                }
            })
            .collect()
    });

    Aggregate {
        n: events.len(),
        n_with_market_value: events.iter().filter(|e| e.has_market_value()).count(),
        days,
        cars,
        positive_share: pooled.positive_share,
        residual_correlation: pooled.correlation,
        estimation_aar_sd: pooled.aar_sd,
        estimation_aar_days: cda_days,
    }
}

#[cfg(test)]
mod tests {
    use super::pool::{Dense, Tally};
    use super::*;
    use crate::study::engine::{run_event, ReturnPanel, StudyDesign};
    use crate::study::model::ModelKind;
    use crate::study::significance::correlation_on_common_keys;
    use std::collections::BTreeMap;

    /// A deterministic pseudo-random stream (no extra crates): a linear congruential generator
    /// mapped to [-0.5, 0.5).
    fn noise(seed: u64, n: usize) -> Vec<f64> {
        let mut x = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (0..n)
            .map(|_| {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                (x >> 11) as f64 / (1u64 << 53) as f64 - 0.5
            })
            .collect()
    }

    fn design() -> StudyDesign {
        StudyDesign {
            model: ModelKind::Market,
            estimation: RelWindow::new(-60, -6).unwrap(),
            window: RelWindow::new(-2, 2).unwrap(),
            car_windows: vec![RelWindow::new(0, 0).unwrap()],
            min_estimation: 30,
        }
    }

    /// `firms` firms whose returns share a common factor, one event each at `day0s[i]` on a
    /// 200-day calendar keyed by its index; firm 1 misses a few days.
    fn events(day0s: &[usize]) -> Vec<EventResult> {
        let days = 200;
        let market = noise(1, days);
        let common = noise(2, days);
        day0s
            .iter()
            .enumerate()
            .map(|(i, &day0)| {
                let own = noise(10 + i as u64, days);
                let mut firm: Vec<f64> = (0..days)
                    .map(|t| 0.8 * market[t] + 0.5 * common[t] + own[t])
                    .collect();
                if i == 1 {
                    for t in [day0 - 40, day0 - 33, day0 - 20] {
                        firm[t] = f64::NAN;
                    }
                }
                run_event(&ReturnPanel::new(&firm, &market, None), &design(), day0).unwrap()
            })
            .collect()
    }

    fn keys() -> Vec<i32> {
        (0..200).collect()
    }

    fn pooled_r(results: &[EventResult]) -> f64 {
        let keys = keys();
        let mut pool = Pool::default();
        for r in results {
            pool.add(r, &keys[r.estimation_span.0..=r.estimation_span.1]);
        }
        pool.residual_correlation()
    }

    /// Without calendar keys every residual counts on one shared key: the same sums as keys
    /// that are all that one key.
    #[test]
    fn residuals_without_keys_share_one_key() {
        let results = events(&[120, 130, 140]);
        let (mut unkeyed, mut one_key) = (Pool::default(), Pool::default());
        for r in &results {
            unkeyed.add(r, &[]);
            one_key.add(r, &vec![i32::MIN; r.estimation_residuals.len()]);
        }
        let r = unkeyed.residual_correlation();
        assert!(r.is_finite());
        assert_eq!(r.to_bits(), one_key.residual_correlation().to_bits());
    }

    /// Each event's scaled residuals z_it by calendar key.
    fn scaled(r: &EventResult) -> Vec<(i32, f64)> {
        let valid: Vec<(i32, f64)> = r
            .estimation_residuals
            .iter()
            .enumerate()
            .filter(|(_, e)| e.is_finite())
            .map(|(j, &e)| ((r.estimation_span.0 + j) as i32, e))
            .collect();
        let l = valid.len() as f64;
        let scale = (valid.iter().map(|(_, e)| e * e).sum::<f64>() / l).sqrt();
        valid.into_iter().map(|(k, e)| (k, e / scale)).collect()
    }

    /// METHODS.md's r by its definition: every pair's product over its common dates, over
    /// N (N - 1) / 2 pairs, divided by the mean L.
    fn direct_r(results: &[EventResult]) -> f64 {
        let z: Vec<Vec<(i32, f64)>> = results.iter().map(scaled).collect();
        let n = z.len() as f64;
        let l_bar = z.iter().map(Vec::len).sum::<usize>() as f64 / n;
        let mut total = 0.0;
        for i in 0..z.len() {
            for j in i + 1..z.len() {
                for (k, a) in &z[i] {
                    if let Some((_, b)) = z[j].iter().find(|(kj, _)| kj == k) {
                        total += a * b;
                    }
                }
            }
        }
        total / (n * (n - 1.0) / 2.0) / l_bar
    }

    /// A missing or infinite residual counts nowhere: the sign counts, the sums by relative
    /// day (to the bit, in event order) and the rank deviations by relative day (to the bit,
    /// against ranks by their definition, with a tie and -0 beside +0) are those of the finite
    /// ones.
    #[test]
    fn only_finite_residuals_are_pooled() {
        let mut results = events(&[120, 130, 140]);
        results[2].estimation_residuals[5] = f64::INFINITY;
        results[2].estimation_residuals[6] = f64::NEG_INFINITY;
        // A tie, and -0 beside +0 (equal, hence tied too).
        results[0].estimation_residuals[3] = results[0].estimation_residuals[4];
        results[1].estimation_residuals[7] = 0.0;
        results[1].estimation_residuals[8] = -0.0;
        let keys = keys();
        let mut pool = Pool::default();
        let mut sums: BTreeMap<i64, Tally> = BTreeMap::new();
        let mut ranked: BTreeMap<i64, Tally> = BTreeMap::new();
        let (mut valid, mut positive) = (0, 0);
        for r in &results {
            pool.add(r, &keys[r.estimation_span.0..=r.estimation_span.1]);
            let first_rel = r.estimation_span.0 as i64 - r.day0 as i64;
            let mut sample: Vec<(i64, f64)> = Vec::new();
            for (rel, &e) in (first_rel..).zip(&r.estimation_residuals) {
                if e.is_finite() {
                    let sum = sums.entry(rel).or_default();
                    sum.0 += e;
                    sum.1 += 1;
                    sample.push((rel, e));
                    valid += 1;
                    positive += usize::from(e > 0.0);
                }
            }
            for d in r.days.iter().filter(|d| d.ar.is_finite()) {
                sample.push((d.rel as i64, d.ar));
            }
            // Corrado-Zivney by definition: rank = #below + (#equal + 1) / 2, over M + 1.
            let scale = sample.len() as f64 + 1.0;
            for &(rel, v) in &sample {
                let below = sample.iter().filter(|s| s.1 < v).count();
                let equal = sample.iter().filter(|s| s.1 == v).count();
                let rank = below as f64 + (equal + 1) as f64 / 2.0;
                let tally = ranked.entry(rel).or_default();
                tally.0 += rank / scale - 0.5;
                tally.1 += 1;
            }
        }
        assert_eq!(
            valid,
            3 * 55 - 3 - 2,
            "firm 1's three gaps, the two infinite"
        );
        assert_eq!((pool.valid, pool.positive), (valid, positive));
        // Each tally as (relative day, the sum's bits, the count): equal to the bit.
        let pooled = |d: &Dense<Tally>| -> Vec<(i64, u64, usize)> {
            d.iter()
                .filter(|(_, t)| t.1 > 0)
                .map(|(rel, t)| (rel, t.0.to_bits(), t.1))
                .collect()
        };
        let direct = |m: &BTreeMap<i64, Tally>| -> Vec<(i64, u64, usize)> {
            m.iter()
                .map(|(&rel, t)| (rel, t.0.to_bits(), t.1))
                .collect()
        };
        assert_eq!(pooled(&pool.estimation_by_rel), direct(&sums));
        assert_eq!(pooled(&pool.rank_by_rel), direct(&ranked));
    }

    #[test]
    fn kp_r_equals_the_pairwise_definition() {
        // Clustered, partly clustered (overlapping estimation windows), and disjoint dates.
        for day0s in [
            vec![120; 6],
            vec![100, 110, 120, 130, 140, 150],
            vec![70, 150, 70, 110],
        ] {
            let results = events(&day0s);
            let (fast, slow) = (pooled_r(&results), direct_r(&results));
            assert!((fast - slow).abs() < 1e-12, "{day0s:?}: {fast} vs {slow}");
        }
        // Windows that share no date: no correlation at all.
        let disjoint = events(&[65, 190]);
        assert_eq!(pooled_r(&disjoint), 0.0);
    }

    #[test]
    fn kp_r_is_the_mean_pairwise_correlation_on_one_calendar() {
        // Every event on the same estimation days (firm 1's gaps removed): the pairwise Pearson
        // correlations of the residuals, averaged.
        let mut results = events(&[120; 5]);
        results.remove(1);
        let keys = keys();
        let series: Vec<Vec<(i32, f64)>> = results
            .iter()
            .map(|r| {
                r.estimation_residuals
                    .iter()
                    .enumerate()
                    .map(|(j, &e)| (keys[r.estimation_span.0 + j], e))
                    .collect()
            })
            .collect();
        let mut sum = 0.0;
        let mut pairs = 0.0;
        for i in 0..series.len() {
            for j in i + 1..series.len() {
                sum += correlation_on_common_keys(&series[i], &series[j]).unwrap();
                pairs += 1.0;
            }
        }
        let r = pooled_r(&results);
        assert!((r - sum / pairs).abs() < 1e-12, "{r} vs {}", sum / pairs);
        assert!(r > 0.05, "the common factor shows: {r}");
    }

    /// Three events' U on a day, 1, 4 and 0.25 (one event without a SAR): mean 1.75, chi-square
    /// 5.25 on 3 degrees of freedom. A window: events with mean U 2 over 3 days and 0.5 over 2
    /// days: mean U 1.25, chi-square 2*3 + 0.5*2 = 7 on 5.
    #[test]
    fn volatility_by_hand() {
        let day =
            Volatility::from_events([(1.0, 1), (4.0, 1), (f64::NAN, 1), (0.25, 1)].into_iter());
        assert_eq!((day.mean_u, day.chi2, day.df), (1.75, 5.25, 3));
        // P(chi2(3) > x) = erfc(sqrt(x/2)) + sqrt(2x/pi) e^(-x/2) = 0.1543799176701713 at 5.25
        // (the closed form, evaluated with Python's math.erfc); the upper tail is the smaller,
        // so p is twice it.
        let upper = 0.154_379_917_670_171_3;
        assert!((day.p - 2.0 * upper).abs() < 1e-9, "{}", day.p);
        let window = Volatility::from_events([(2.0, 3), (0.5, 2)].into_iter());
        assert_eq!((window.mean_u, window.chi2, window.df), (1.25, 7.0, 5));
        assert!(Volatility::from_events(std::iter::empty()).mean_u.is_nan());
    }

    #[test]
    fn pools_merge_to_the_same_aggregate() {
        let results = events(&[100, 110, 120, 130, 140, 150]);
        let keys = keys();
        let samples: Vec<EventSample> = results
            .iter()
            .map(|r| EventSample {
                result: r,
                estimation_keys: &keys[r.estimation_span.0..=r.estimation_span.1],
                has_market_value: false,
            })
            .collect();
        let whole = aggregate(&samples, design().window, &design().car_windows);
        let (mut left, mut right) = (Pool::default(), Pool::default());
        for (i, s) in samples.iter().enumerate() {
            let pool = if i % 2 == 0 { &mut left } else { &mut right };
            pool.add(s.result, s.estimation_keys);
        }
        // Into an empty pool, the later events first: the second merge reaches below the
        // first's keys.
        let mut both = Pool::default();
        both.merge(&right);
        both.merge(&left);
        let moments: Vec<EventMoments> = samples
            .iter()
            .map(|s| EventMoments::new(s.result, s.has_market_value))
            .collect();
        let merged = aggregate_pooled(&moments, &both, design().window, &design().car_windows);
        assert!((whole.residual_correlation - merged.residual_correlation).abs() < 1e-12);
        assert!((whole.positive_share - merged.positive_share).abs() < 1e-15);
        for (a, b) in whole.days.iter().zip(&merged.days) {
            for ((name, x), (_, y)) in a.tests.named().iter().zip(b.tests.named()) {
                assert!(
                    (x.stat - y.stat).abs() < 1e-12 || (x.stat.is_nan() && y.stat.is_nan()),
                    "{name} day {}: {} vs {}",
                    a.rel,
                    x.stat,
                    y.stat
                );
            }
        }
    }
}
