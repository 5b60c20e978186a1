//! Power and size by simulation on the user's own prices (METHODS, "Power and size by
//! simulation"; Brown & Warner 1985): each trial draws pseudo-events from the (firm, day)
//! pairs that have the full estimation and event windows, adds a shock to their returns,
//! runs the study and its test battery, and counts the rejections of every test.
//!
//! Trials are independent and seeded each from (seed, trial number): the same seed draws the
//! same events and gives the same counts on any number of threads. Every shock of a trial
//! uses the trial's events (common random numbers: the power curve is smooth in the shock).

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rayon::prelude::*;

use crate::study::aggregate::{aggregate, EventSample, TestBattery};
use crate::study::engine::{FactorPanel, ReturnPanel, StudyDesign};
use crate::study::model::MAX_REGRESSORS;
use crate::study::{run_event, RelWindow};

/// What to simulate.
#[derive(Debug, Clone, PartialEq)]
pub struct SimulationDesign {
    pub study: StudyDesign,
    /// Events per trial.
    pub events: usize,
    pub trials: usize,
    /// Abnormal returns added, each spread evenly over `shock_window`'s days.
    pub shocks: Vec<f64>,
    pub shock_window: RelWindow,
    pub seed: u64,
    /// All events of a trial share one date.
    pub cluster: bool,
    /// Two-sided level of the tests.
    pub level: f64,
}

/// One firm's returns on its calendar, and the calendar's keys (days since 1970): events
/// of different firms fall on the same date when their keys are equal.
#[derive(Debug, Clone, Copy)]
pub struct SimulationFirm<'a> {
    pub panel: ReturnPanel<'a>,
    pub keys: &'a [i32],
}

/// The rejections of one trial or of all: `[shock][car window][test]`.
pub type Rejections = Vec<Vec<[usize; 9]>>;

/// Why there is nothing to simulate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SimulationError {
    /// No (firm, day) pair has the full windows.
    NoCandidates,
    /// `--cluster`: no date where enough firms have the full windows.
    NoClusterDate { events: usize, most: usize },
}

impl std::fmt::Display for SimulationError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SimulationError::NoCandidates => f.write_str(
                "no firm has a day with the full estimation and event windows in the data",
            ),
            SimulationError::NoClusterDate { events, most } => write!(
                f,
                "--cluster needs a date where {events} firms have the full windows; the most on any date is {most}"
            ),
        }
    }
}

/// The (firm, day 0 index) pairs a trial draws from.
#[derive(Debug, Clone, Default)]
pub struct Candidates {
    pairs: Vec<(u32, u32)>,
    /// By date (key), the pairs falling on it: for `--cluster`, the dates with at least the
    /// trial's number of events.
    by_date: Vec<Vec<(u32, u32)>>,
}

impl Candidates {
    /// Every firm's days whose estimation window has `min_estimation` valid returns and whose
    /// event window lies inside the data with day 0's return valid.
    pub fn new(firms: &[SimulationFirm<'_>], design: &SimulationDesign) -> Candidates {
        let study = &design.study;
        let per_firm: Vec<Vec<(u32, u32)>> = firms
            .par_iter()
            .enumerate()
            .map(|(f, firm)| {
                let n = firm.panel.len();
                let valid =
                    |i: usize| firm.panel.firm[i].is_finite() && firm.panel.market[i].is_finite();
                // Prefix counts of valid days: each window's count in O(1).
                let mut prefix = vec![0u32; n + 1];
                for i in 0..n {
                    prefix[i + 1] = prefix[i] + valid(i) as u32;
                }
                (0..n)
                    .filter(|&d| {
                        let at = |rel: i32| d as i64 + rel as i64;
                        let (lo, hi) = (at(study.estimation.start), at(study.estimation.end));
                        let (start, end) = (at(study.window.start), at(study.window.end));
                        if lo < 0 || start < 0 || end >= n as i64 {
                            return false;
                        }
                        let count = prefix[hi as usize + 1] - prefix[lo as usize];
                        count as usize >= study.min_estimation.max(3) && valid(d)
                    })
                    .map(|d| (f as u32, d as u32))
                    .collect()
            })
            .collect();
        let pairs: Vec<(u32, u32)> = per_firm.into_iter().flatten().collect();
        let mut by_key: std::collections::BTreeMap<i32, Vec<(u32, u32)>> = Default::default();
        if design.cluster {
            for &(f, d) in &pairs {
                by_key
                    .entry(firms[f as usize].keys[d as usize])
                    .or_default()
                    .push((f, d));
            }
        }
        Candidates {
            pairs,
            by_date: by_key.into_values().collect(),
        }
    }

    /// The firm of every pair, in order (each firm's pairs together).
    pub fn firms(&self) -> Vec<u32> {
        self.pairs.iter().map(|p| p.0).collect()
    }

    /// How many (firm, day) pairs can be drawn.
    pub fn len(&self) -> usize {
        self.pairs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }
}

/// The trial's seed: SplitMix64 of the run's seed and the trial number, so that trials are
/// independent streams whatever thread runs them.
fn trial_seed(seed: u64, trial: usize) -> u64 {
    let mut z = seed ^ (trial as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// `k` of `pool`, distinct firms while the pool has enough of them (a firm twice in a trial
/// only when there are fewer firms than events).
fn draw(rng: &mut StdRng, pool: &[(u32, u32)], k: usize, firms: usize) -> Vec<(u32, u32)> {
    let mut chosen: Vec<(u32, u32)> = Vec::with_capacity(k);
    let distinct = k <= firms;
    let mut attempts = 0;
    while chosen.len() < k {
        let pick = pool[rng.random_range(0..pool.len())];
        attempts += 1;
        let repeat = chosen.iter().any(|c| c.0 == pick.0);
        if !repeat || !distinct || attempts > 100 * k {
            chosen.push(pick);
        }
    }
    chosen
}

/// Runs every trial: the rejections of each test at `level`, per shock and CAR window.
/// `progress` is called once per finished trial.
pub fn simulate(
    firms: &[SimulationFirm<'_>],
    candidates: &Candidates,
    design: &SimulationDesign,
    progress: &(dyn Fn() + Sync),
) -> Result<Rejections, SimulationError> {
    if candidates.is_empty() {
        return Err(SimulationError::NoCandidates);
    }
    let dates: Vec<&Vec<(u32, u32)>> = candidates
        .by_date
        .iter()
        .filter(|d| d.len() >= design.events)
        .collect();
    if design.cluster && dates.is_empty() {
        let most = candidates.by_date.iter().map(Vec::len).max().unwrap_or(0);
        return Err(SimulationError::NoClusterDate {
            events: design.events,
            most,
        });
    }
    let empty = vec![vec![[0usize; 9]; design.study.car_windows.len()]; design.shocks.len()];
    let total = (0..design.trials)
        .into_par_iter()
        .map(|trial| {
            let mut rng = StdRng::seed_from_u64(trial_seed(design.seed, trial));
            let events = match design.cluster {
                true => {
                    let date = dates[rng.random_range(0..dates.len())];
                    draw(&mut rng, date, design.events, firms.len())
                }
                false => draw(&mut rng, &candidates.pairs, design.events, firms.len()),
            };
            let counts = run_trial(firms, &events, design);
            progress();
            counts
        })
        .reduce(
            || empty.clone(),
            |mut a, b| {
                for (sa, sb) in a.iter_mut().zip(&b) {
                    for (wa, wb) in sa.iter_mut().zip(sb) {
                        for (x, y) in wa.iter_mut().zip(wb) {
                            *x += y;
                        }
                    }
                }
                a
            },
        );
    Ok(total)
}

/// One event's returns cut to its estimation and event windows, with the shock added over the
/// shock window's days.
struct Shocked<'a> {
    firm: Vec<f64>,
    excess: Vec<f64>,
    market: &'a [f64],
    factors: [&'a [f64]; MAX_REGRESSORS],
    has_factors: bool,
    keys: &'a [i32],
    /// Day 0 in the cut.
    day0: usize,
}

impl<'a> Shocked<'a> {
    fn new(firm: &SimulationFirm<'a>, day0: usize, design: &SimulationDesign, shock: f64) -> Self {
        let study = &design.study;
        let lo = (day0 as i64 + study.estimation.start as i64) as usize;
        let end = (day0 as i64 + study.window.end as i64) as usize;
        let panel = &firm.panel;
        let mut cut = panel.firm[lo..=end].to_vec();
        let mut excess = panel
            .factors
            .map_or_else(Vec::new, |f| f.excess_firm[lo..=end].to_vec());
        let days = design.shock_window.len() as f64;
        for rel in design.shock_window.start..=design.shock_window.end {
            let i = (day0 - lo) as i64 + rel as i64;
            if let Some(r) = cut.get_mut(i as usize) {
                *r += shock / days;
            }
            if let Some(r) = excess.get_mut(i as usize) {
                *r += shock / days;
            }
        }
        let empty: &[f64] = &[];
        let mut factors = [empty; MAX_REGRESSORS];
        if let Some(f) = panel.factors {
            for (slot, column) in factors.iter_mut().zip(f.columns) {
                if !column.is_empty() {
                    *slot = &column[lo..=end];
                }
            }
        }
        Shocked {
            firm: cut,
            excess,
            market: &panel.market[lo..=end],
            factors,
            has_factors: panel.factors.is_some(),
            keys: &firm.keys[lo..=end],
            day0: day0 - lo,
        }
    }

    fn panel(&self) -> ReturnPanel<'_> {
        let mut panel = ReturnPanel::new(&self.firm, self.market, None);
        if self.has_factors {
            panel.factors = Some(FactorPanel {
                excess_firm: &self.excess,
                columns: self.factors,
            });
        }
        panel
    }
}

/// One trial's rejections, `[shock][window][test]`.
fn run_trial(
    firms: &[SimulationFirm<'_>],
    events: &[(u32, u32)],
    design: &SimulationDesign,
) -> Vec<Vec<[usize; 9]>> {
    design
        .shocks
        .iter()
        .map(|&shock| {
            let shocked: Vec<Shocked<'_>> = events
                .iter()
                .map(|&(f, d)| Shocked::new(&firms[f as usize], d as usize, design, shock))
                .collect();
            let results: Vec<_> = shocked
                .iter()
                .filter_map(|s| {
                    let r = run_event(&s.panel(), &design.study, s.day0).ok()?;
                    Some((r, s.keys))
                })
                .collect();
            let samples: Vec<EventSample<'_>> = results
                .iter()
                .map(|(r, keys)| EventSample {
                    result: r,
                    estimation_keys: &keys[r.estimation_span.0..=r.estimation_span.1],
                    has_market_value: false,
                })
                .collect();
            let a = aggregate(&samples, design.study.window, &design.study.car_windows);
            a.cars
                .iter()
                .map(|c| rejected(&c.tests, design.level))
                .collect()
        })
        .collect()
}

/// 1 for each test whose two-sided p is below `level`.
fn rejected(tests: &TestBattery, level: f64) -> [usize; 9] {
    tests.named().map(|(_, t)| (t.p < level) as usize)
}

/// Wilson's score interval for `k` successes of `n` at 95%: (low, high).
pub fn wilson_interval(k: usize, n: usize) -> (f64, f64) {
    if n == 0 {
        return (f64::NAN, f64::NAN);
    }
    let z = 1.959_963_984_540_054;
    let (k, n) = (k as f64, n as f64);
    let p = k / n;
    let z2 = z * z;
    let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    let half = z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / (1.0 + z2 / n);
    ((centre - half).max(0.0), (centre + half).min(1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wilson_by_hand() {
        // 50 of 1000: p 0.05, z^2 = 3.8415; centre (0.05 + 0.0019207) / 1.0038415 = 0.0517222,
        // half 1.96 sqrt(0.0000475 + 0.00000096) / 1.0038415 = 0.0135918 (statsmodels'
        // proportion_confint(method="wilson"): 0.0381302624, 0.0653138202).
        let (lo, hi) = wilson_interval(50, 1000);
        assert!((lo - 0.038_130_262_4).abs() < 1e-9, "{lo}");
        assert!((hi - 0.065_313_820_2).abs() < 1e-9, "{hi}");
        let (lo, hi) = wilson_interval(0, 10);
        assert_eq!(lo, 0.0);
        assert!((hi - 0.277_532_799_9).abs() < 1e-9, "{hi}");
    }

    #[test]
    fn trial_seeds_differ_and_repeat() {
        assert_eq!(trial_seed(1, 5), trial_seed(1, 5));
        assert_ne!(trial_seed(1, 5), trial_seed(1, 6));
        assert_ne!(trial_seed(1, 5), trial_seed(2, 5));
    }
}
