//! Size and power of the aggregate test battery on simulated markets: under the null each
//! test rejects at 5% in 3% to 7% of the replications; with a planted effect, far more often.
//! This is the check that catches variance mistakes.

mod common;

use common::normal;
use eventstudy::study::aggregate::{Aggregate, TestBattery};
use eventstudy::study::{
    aggregate, run_event, EventSample, ModelKind, RelWindow, ReturnPanel, StudyDesign,
};
use rand::rngs::StdRng;
use rand::SeedableRng;

const EVENTS: usize = 20;
const REPLICATIONS: usize = 1000;
const DAYS: usize = 262;
const DAY0: usize = 255;

fn design() -> StudyDesign {
    StudyDesign {
        model: ModelKind::Market,
        estimation: RelWindow::new(-250, -11).unwrap(),
        window: RelWindow::new(-5, 5).unwrap(),
        car_windows: vec![RelWindow::new(-1, 1).unwrap()],
        min_estimation: 120,
    }
}

/// One replication: EVENTS firms on one market, firm-specific betas and volatilities, an
/// effect of `planted` (in units of each firm's sigma) on day 0.
fn replicate(rng: &mut StdRng, planted: f64) -> Aggregate {
    replicate_correlated(rng, planted, 0.0)
}

/// As `replicate`, with residuals that share a common shock: corr(e_i, e_j) = `rho`.
fn replicate_correlated(rng: &mut StdRng, planted: f64, rho: f64) -> Aggregate {
    replicate_with(rng, planted, rho, 1.0, 1.0)
}

/// As `replicate_correlated`, the residuals' variance times `variance` on days 0 to +5 and the
/// volume times `volume` on day 0.
fn replicate_with(
    rng: &mut StdRng,
    planted: f64,
    rho: f64,
    variance: f64,
    volume: f64,
) -> Aggregate {
    let market: Vec<f64> = (0..DAYS).map(|_| 0.0004 + 0.01 * normal(rng)).collect();
    let common: Vec<f64> = (0..DAYS).map(|_| normal(rng)).collect();
    let keys: Vec<i32> = (0..DAYS as i32).collect();
    let d = design();
    let results: Vec<_> = (0..EVENTS)
        .map(|i| {
            let beta = 0.5 + i as f64 * 0.05;
            let sigma = 0.01 + 0.001 * i as f64;
            let firm: Vec<f64> = (0..DAYS)
                .map(|t| {
                    let effect = if t == DAY0 { planted * sigma } else { 0.0 };
                    let scale = if (DAY0..=DAY0 + 5).contains(&t) {
                        variance.sqrt()
                    } else {
                        1.0
                    };
                    let shock = scale * (rho.sqrt() * common[t] + (1.0 - rho).sqrt() * normal(rng));
                    0.0002 + beta * market[t] + sigma * shock + effect
                })
                .collect();
            // Log volume: the firm's own level and noise, times `volume` on day 0.
            let level = 12.0 + 0.2 * i as f64;
            let shares: Vec<f64> = (0..DAYS)
                .map(|t| {
                    let boost = if t == DAY0 { volume.ln() } else { 0.0 };
                    (level + 0.5 * normal(rng) + boost).exp()
                })
                .collect();
            let mut panel = ReturnPanel::new(&firm, &market, None);
            panel.volume = Some(&shares);
            run_event(&panel, &d, DAY0).unwrap()
        })
        .collect();
    let samples: Vec<EventSample> = results
        .iter()
        .map(|r| EventSample {
            result: r,
            estimation_keys: &keys[r.estimation_span.0..=r.estimation_span.1],
            has_market_value: false,
        })
        .collect();
    aggregate(&samples, d.window, &d.car_windows)
}

/// Rejection rates at 5% of each test, on day 0 and on CAR(-1,1).
fn rejection_rates(planted: f64, seed: u64, replications: usize) -> Vec<(String, f64)> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut counts: Vec<(String, usize)> = Vec::new();
    for _ in 0..replications {
        let agg = replicate(&mut rng, planted);
        let day0 = agg.days.iter().find(|d| d.rel == 0).unwrap();
        let mut tally = |label: &str, battery: &TestBattery| {
            for (name, stat) in battery.named() {
                let key = format!("{label} {name}");
                let rejected = usize::from(stat.p < 0.05);
                match counts.iter_mut().find(|(k, _)| *k == key) {
                    Some(entry) => entry.1 += rejected,
                    None => counts.push((key, rejected)),
                }
            }
        };
        tally("day 0", &day0.tests);
        tally("CAR -1:1", &agg.cars[0].tests);
    }
    counts
        .into_iter()
        .map(|(k, c)| (k, c as f64 / replications as f64))
        .collect()
}

#[test]
fn every_test_has_the_right_size_and_power() {
    let null = rejection_rates(0.0, 20_250_127, REPLICATIONS);
    for (name, rate) in &null {
        eprintln!("null: {name}: {:.1}%", rate * 100.0);
    }
    for (name, rate) in &null {
        assert!(
            (0.03..=0.07).contains(rate),
            "under the null {name} rejects {:.1}% of the time",
            rate * 100.0
        );
    }
    // An abnormal return of two sigmas per firm on day 0, twenty firms: every test should
    // reject in most replications (ten times its size at least).
    let power = rejection_rates(2.0, 7, 200);
    for (name, rate) in &power {
        eprintln!("effect: {name}: {:.1}%", rate * 100.0);
        assert!(
            *rate > 0.5,
            "with an effect {name} rejects only {:.1}% of the time",
            rate * 100.0
        );
    }
}

/// Events on one date whose residuals correlate (0.2): BMP over-rejects, as Kolari & Pynnönen
/// (2010) showed, and their adjustment brings the size back near 5%.
#[test]
fn kolari_pynnonen_corrects_for_cross_correlation() {
    let mut rng = StdRng::seed_from_u64(2010);
    let reps = 400;
    let (mut bmp, mut kp) = (0, 0);
    let mut r_sum = 0.0;
    for _ in 0..reps {
        let agg = replicate_correlated(&mut rng, 0.0, 0.2);
        let day0 = agg.days.iter().find(|d| d.rel == 0).unwrap();
        bmp += usize::from(day0.tests.bmp_t.p < 0.05);
        kp += usize::from(day0.tests.kp_bmp_t.p < 0.05);
        r_sum += agg.residual_correlation;
    }
    let (bmp, kp) = (bmp as f64 / reps as f64, kp as f64 / reps as f64);
    eprintln!(
        "rho 0.2: BMP rejects {:.1}%, KP {:.1}%, mean r {:.3}",
        bmp * 100.0,
        kp * 100.0,
        r_sum / reps as f64
    );
    assert!(
        (r_sum / reps as f64 - 0.2).abs() < 0.03,
        "the residual correlation is estimated"
    );
    assert!(bmp > 0.15, "BMP should over-reject: {bmp}");
    assert!((0.02..=0.09).contains(&kp), "KP should be near 5%: {kp}");
}

/// Beaver's abnormal volatility: under the null the chi-square test of day 0 and of CAR(-1,1)
/// rejects at 5% in 3% to 7% of the replications; with the variance times 4 over days 0 to +5,
/// mean U is about 4 and the test rejects nearly always.
#[test]
fn abnormal_volatility_has_the_right_size_and_power() {
    let mut rng = StdRng::seed_from_u64(1968);
    let reps = 600;
    let (mut day0, mut window, mut mean_u) = (0, 0, 0.0);
    for _ in 0..reps {
        let agg = replicate_with(&mut rng, 0.0, 0.0, 1.0, 1.0);
        let d0 = agg.days.iter().find(|d| d.rel == 0).unwrap();
        day0 += usize::from(d0.volatility.p < 0.05);
        window += usize::from(agg.cars[0].volatility.p < 0.05);
        mean_u += d0.volatility.mean_u / reps as f64;
        assert_eq!(d0.volatility.df, EVENTS);
        assert_eq!(agg.cars[0].volatility.df, 3 * EVENTS);
    }
    for (what, count) in [("day 0", day0), ("CAR(-1,1)", window)] {
        let rate = count as f64 / reps as f64;
        eprintln!("volatility chi-square, {what}: null rejection rate {rate:.3}");
        assert!(
            (0.03..=0.07).contains(&rate),
            "{what}: null rejection rate {rate}"
        );
    }
    // E[t^2] = dof / (dof - 2) for a t with 238 degrees of freedom: 1.008.
    assert!(
        (mean_u - 1.0).abs() < 0.05,
        "mean U under the null: {mean_u}"
    );

    let mut rejected = 0;
    let mut shocked_u = 0.0;
    for _ in 0..100 {
        let agg = replicate_with(&mut rng, 0.0, 0.0, 4.0, 1.0);
        let d0 = agg.days.iter().find(|d| d.rel == 0).unwrap();
        rejected += usize::from(d0.volatility.p < 0.05);
        shocked_u += d0.volatility.mean_u / 100.0;
        // Day -1 is before the shock.
        let before = agg.days.iter().find(|d| d.rel == -1).unwrap();
        assert!(
            before.volatility.mean_u < 2.5,
            "{}",
            before.volatility.mean_u
        );
    }
    eprintln!("variance x4: mean U {shocked_u:.2}, rejected {rejected}/100");
    assert!(rejected >= 95, "power {rejected}/100");
    assert!(
        (shocked_u - 4.0).abs() < 0.4,
        "mean U with the variance x4: {shocked_u}"
    );
}

/// Abnormal volume: under the null both tests of day 0 and of CAR(-1,1) reject at 5% in 3% to
/// 7% of the replications; with the volume times 5 on day 0, the mean abnormal log volume is
/// ln 5 and both tests reject nearly always.
#[test]
fn abnormal_volume_has_the_right_size_and_power() {
    let mut rng = StdRng::seed_from_u64(1996);
    let reps = 600;
    let mut rejected = [0usize; 4];
    for _ in 0..reps {
        let agg = replicate_with(&mut rng, 0.0, 0.0, 1.0, 1.0);
        let d0 = agg.days.iter().find(|d| d.rel == 0).unwrap();
        let w = &agg.cars[0];
        assert_eq!(d0.volume.n, EVENTS);
        for (slot, p) in [
            d0.volume.csect_t.p,
            d0.volume.std_t.p,
            w.volume.csect_t.p,
            w.volume.std_t.p,
        ]
        .into_iter()
        .enumerate()
        {
            rejected[slot] += usize::from(p < 0.05);
        }
    }
    for (what, count) in [
        "day 0 csect",
        "day 0 std",
        "CAR(-1,1) csect",
        "CAR(-1,1) std",
    ]
    .iter()
    .zip(rejected)
    {
        let rate = count as f64 / reps as f64;
        eprintln!("abnormal volume, {what}: null rejection rate {rate:.3}");
        assert!(
            (0.03..=0.07).contains(&rate),
            "{what}: null rejection rate {rate}"
        );
    }
    let (mut power, mut aav) = (0, 0.0);
    for _ in 0..100 {
        let agg = replicate_with(&mut rng, 0.0, 0.0, 1.0, 5.0);
        let d0 = agg.days.iter().find(|d| d.rel == 0).unwrap();
        power += usize::from(d0.volume.std_t.p < 0.05 && d0.volume.csect_t.p < 0.05);
        aav += d0.volume.aav / 100.0;
    }
    eprintln!("volume x5: mean abnormal log volume {aav:.3} (ln 5 = 1.609), rejected {power}/100");
    assert!((aav - 5f64.ln()).abs() < 0.05, "{aav}");
    assert!(power >= 95, "power {power}/100");
}
