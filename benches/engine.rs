//! Throughput of the engine and the aggregate on a synthetic panel: `cargo bench --bench engine`.
//!
//! Firms x 2,600 trading days with events spread over them: the engine's fit, ARs and CARs per
//! event with its estimation residuals pooled as they come (as the pipeline does: the rank test,
//! the generalized sign, the CDA and Kolari-Pynnönen's exact r), on every core; then the whole
//! aggregate with its test battery. Two sizes: 10,000 events (500 firms x 20) and 1,000,000
//! (5,000 firms x 200; `EVENTSTUDY_BENCH_SMALL=1` skips it); and 2,000 events of the GARCH(1,1)
//! market model. Prints events per second.

use std::time::Instant;

use eventstudy::study::aggregate::{aggregate_pooled, EventMoments, Pool};
use eventstudy::study::{run_event, ModelKind, RelWindow, ReturnPanel, StudyDesign};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rayon::prelude::*;

const DAYS: usize = 2_600;

fn normal(rng: &mut StdRng) -> f64 {
    let u1: f64 = rng.random::<f64>().max(1e-300);
    let u2: f64 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

fn design(model: ModelKind) -> StudyDesign {
    StudyDesign {
        model,
        estimation: RelWindow::new(-250, -11).unwrap(),
        window: RelWindow::new(-5, 5).unwrap(),
        car_windows: vec![
            RelWindow::new(0, 0).unwrap(),
            RelWindow::new(-1, 1).unwrap(),
            RelWindow::new(-5, 5).unwrap(),
        ],
        min_estimation: 120,
    }
}

fn bench(firms: usize, events_per_firm: usize, model: ModelKind) {
    let mut rng = StdRng::seed_from_u64(1);
    let market: Vec<f64> = (0..DAYS)
        .map(|_| 0.0004 + 0.01 * normal(&mut rng))
        .collect();
    let seeds: Vec<u64> = (0..firms).map(|_| rng.random()).collect();
    let keys: Vec<i32> = (0..DAYS as i32).collect();
    let design = design(model);
    let step = (DAYS - 300) / events_per_firm;
    let day0s: Vec<usize> = (0..events_per_firm).map(|i| 280 + i * step).collect();
    // The panel is data, not work: it is drawn before the clock starts.
    let firms_returns: Vec<Vec<f64>> = seeds
        .par_iter()
        .map(|&seed| {
            let mut rng = StdRng::seed_from_u64(seed);
            market
                .iter()
                .map(|m| 0.0002 + 1.1 * m + 0.015 * normal(&mut rng))
                .collect()
        })
        .collect();
    for round in 1..=2 {
        let started = Instant::now();
        // Per firm: every event against its returns, residuals pooled at once.
        let per_firm: Vec<(Vec<_>, Pool)> = firms_returns
            .par_iter()
            .map(|firm| {
                let panel = ReturnPanel::new(firm, &market, None);
                let mut pool = Pool::default();
                let results = day0s
                    .iter()
                    .map(|&d| {
                        // As the pipeline does: residuals pooled, what the aggregate reads
                        // kept, the rest dropped.
                        let r = run_event(&panel, &design, d).unwrap();
                        pool.add(&r, &keys[r.estimation_span.0..=r.estimation_span.1]);
                        EventMoments::new(&r, false)
                    })
                    .collect();
                (results, pool)
            })
            .collect();
        let engine = started.elapsed();

        let started = Instant::now();
        let mut pool = Pool::default();
        let mut results = Vec::with_capacity(firms * events_per_firm);
        for (firm_results, firm_pool) in per_firm {
            pool.merge(&firm_pool);
            results.extend(firm_results);
        }
        let agg = aggregate_pooled(&results, &pool, design.window, &design.car_windows);
        let aggregate_time = started.elapsed();
        assert_eq!(agg.n, firms * events_per_firm);
        println!(
            "{} events ({model}), round {round}: engine and pooling {:.3} s ({:.0} events/s); aggregate {:.3} s; total {:.3} s; AAR(0) = {:.5}, KP r = {:.5}",
            results.len(),
            engine.as_secs_f64(),
            results.len() as f64 / engine.as_secs_f64(),
            aggregate_time.as_secs_f64(),
            (engine + aggregate_time).as_secs_f64(),
            agg.days[5].aar,
            agg.residual_correlation
        );
    }
}

fn main() {
    bench(500, 20, ModelKind::Market);
    // The GARCH(1,1) market model's iterative fit: 2,000 events.
    bench(100, 20, ModelKind::Garch);
    // `EVENTSTUDY_BENCH_SMALL=1`: the small panel only (quick, or under valgrind).
    if std::env::var_os("EVENTSTUDY_BENCH_SMALL").is_none() {
        bench(5_000, 200, ModelKind::Market);
    }
}
