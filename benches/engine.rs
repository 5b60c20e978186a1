//! Throughput of the engine and the aggregate on a synthetic panel: `cargo bench --bench engine`.
//!
//! 500 firms x 2,600 trading days, 20 events each (10,000 events): the engine's fit, ARs and
//! CARs per event, then the whole aggregate with its test battery. Prints events per second.

use std::time::Instant;

use eventstudy::study::{
    aggregate, run_event, EventSample, ModelKind, RelWindow, ReturnPanel, StudyDesign,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const FIRMS: usize = 500;
const DAYS: usize = 2_600;
const EVENTS_PER_FIRM: usize = 20;

fn normal(rng: &mut StdRng) -> f64 {
    let u1: f64 = rng.random::<f64>().max(1e-300);
    let u2: f64 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

fn main() {
    let mut rng = StdRng::seed_from_u64(1);
    let market: Vec<f64> = (0..DAYS)
        .map(|_| 0.0004 + 0.01 * normal(&mut rng))
        .collect();
    let firms: Vec<Vec<f64>> = (0..FIRMS)
        .map(|_| {
            market
                .iter()
                .map(|m| 0.0002 + 1.1 * m + 0.015 * normal(&mut rng))
                .collect()
        })
        .collect();
    let keys: Vec<i32> = (0..DAYS as i32).collect();
    let design = StudyDesign {
        model: ModelKind::Market,
        estimation: RelWindow::new(-250, -11).unwrap(),
        window: RelWindow::new(-5, 5).unwrap(),
        car_windows: vec![
            RelWindow::new(0, 0).unwrap(),
            RelWindow::new(-1, 1).unwrap(),
            RelWindow::new(-5, 5).unwrap(),
        ],
        min_estimation: 120,
    };
    let day0s: Vec<usize> = (0..EVENTS_PER_FIRM).map(|i| 300 + i * 110).collect();

    let design = &design;
    for round in 1..=3 {
        let started = Instant::now();
        let results: Vec<_> = firms
            .iter()
            .flat_map(|firm| {
                let panel = ReturnPanel::new(firm, &market, None);
                day0s
                    .iter()
                    .map(move |&d| run_event(&panel, design, d).unwrap())
                    .collect::<Vec<_>>()
            })
            .collect();
        let engine = started.elapsed();

        let started = Instant::now();
        let samples: Vec<EventSample> = results
            .iter()
            .map(|r| EventSample {
                result: r,
                estimation_keys: &keys[r.estimation_span.0..=r.estimation_span.1],
                has_market_value: false,
            })
            .collect();
        let agg = aggregate(&samples, design.window, &design.car_windows);
        let aggregate_time = started.elapsed();
        assert_eq!(agg.n, FIRMS * EVENTS_PER_FIRM);
        println!(
            "round {round}: engine {} events in {:.3} s ({:.0} events/s); aggregate in {:.3} s; AAR(0) = {:.5}",
            results.len(),
            engine.as_secs_f64(),
            results.len() as f64 / engine.as_secs_f64(),
            aggregate_time.as_secs_f64(),
            agg.days[5].aar
        );
    }
}
