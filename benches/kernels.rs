//! The engine's per-event kernels, each timed alone: `cargo bench --bench kernels`.
//!
//! What one event of a large run costs in the parts a profile shows on top: ranking its ~251
//! estimation and event-day values (Corrado-Zivney), and its 17 p-values (11 days, 3 windows
//! twice) at one Student t; and one of a large aggregate's, the Wilcoxon test of a million
//! values; and the CSV text of 100,000 rows shaped like the `days` table's (a million events'
//! table has 11 million). Prints the time per call, best of five rounds.

use std::hint::black_box;
use std::time::Instant;

use eventstudy::export::csv_writer;
use eventstudy::study::significance::{doubled_ranks_into, wilcoxon, RankScratch};
use eventstudy::study::stats::StudentT;
use polars::prelude::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

fn normal(rng: &mut StdRng) -> f64 {
    let u1: f64 = rng.random::<f64>().max(1e-300);
    let u2: f64 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

/// Best of five rounds of `calls` calls of `f` (a hundredth with `EVENTSTUDY_BENCH_SMALL=1`,
/// for valgrind's instruction counts, but one at least), in nanoseconds per call.
fn time(calls: usize, mut f: impl FnMut(usize)) -> f64 {
    let calls = if std::env::var_os("EVENTSTUDY_BENCH_SMALL").is_some() {
        (calls / 100).max(1)
    } else {
        calls
    };
    (0..5)
        .map(|_| {
            let started = Instant::now();
            for i in 0..calls {
                f(i);
            }
            started.elapsed().as_secs_f64() * 1e9 / calls as f64
        })
        .fold(f64::INFINITY, f64::min)
}

fn main() {
    let mut rng = StdRng::seed_from_u64(1);
    // 64 samples of 251 residuals (1.5% daily volatility), ranked in turn.
    let samples: Vec<Vec<f64>> = (0..64)
        .map(|_| (0..251).map(|_| 0.015 * normal(&mut rng)).collect())
        .collect();
    // As the pool ranks them: with their range, which it finds in a pass it makes anyway.
    let ranges: Vec<(f64, f64)> = samples
        .iter()
        .map(|s| {
            s.iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
                    (lo.min(v), hi.max(v))
                })
        })
        .collect();
    let mut scratch = RankScratch::default();
    let mut ranks = Vec::new();
    // Into an array of ranks, the kernel alone; the pool itself takes each rank
    // as it comes (`for_each_doubled_rank`), which spares the array's stores.
    let ns = time(200_000, |i| {
        let sample = black_box(&samples[i % 64]);
        doubled_ranks_into(sample, Some(ranges[i % 64]), &mut scratch, &mut ranks);
        black_box(&ranks);
    });
    println!("ranks of 251 values: {ns:.0} ns");

    // An event's 17 statistics: mostly small, a few large, at the usual L - k = 238.
    // The engine reads them from the dof's table; the fraction is what the table falls back
    // to (in the tail, and at dofs it does not serve).
    let stats: Vec<[f64; 17]> = (0..64)
        .map(|_| std::array::from_fn(|_| 1.5 * normal(&mut rng)))
        .collect();
    for (how, student) in [
        ("tabulated", StudentT::tabulated(238.0)),
        ("by the continued fraction", StudentT::new(238.0)),
    ] {
        let ns = time(100_000, |i| {
            for &t in &stats[i % 64] {
                black_box(student.p(black_box(t)));
            }
        });
        println!("17 p-values of Student t(238), {how}: {ns:.0} ns");
    }

    // One day of a million-event aggregate: Wilcoxon's signed ranks sort a million |AR|.
    let ars: Vec<f64> = (0..1_000_000).map(|_| 0.015 * normal(&mut rng)).collect();
    let ns = time(10, |_| {
        black_box(wilcoxon(black_box(&ars)));
    });
    println!("Wilcoxon of 1,000,000 values: {:.1} ms", ns / 1e6);

    // 100,000 rows of the `days` table: ids, a ticker, two dates, a relative day, ten floats
    // and five columns all null (no shares, no volume), as a run without them writes.
    let frame = days_like(&mut rng, 100_000);
    let mut text = Vec::new();
    let ns = time(5, |_| {
        text.clear();
        csv_writer::write_batch(black_box(&frame), true, &mut text).unwrap();
    });
    println!(
        "CSV text of 100,000 days rows ({} MB): {:.1} ms",
        text.len() / 1_000_000,
        ns / 1e6
    );
}

/// `rows` rows shaped like the `days` table's, 11 days an event.
fn days_like(rng: &mut StdRng, rows: usize) -> DataFrame {
    let event = |i: usize| i / 11;
    let rel = |i: usize| (i % 11) as i32 - 5;
    let event_day = |i: usize| 16_000 + (event(i) % 2_500) as i32;
    let mut floats = |scale: f64| -> Series {
        let values: Vec<f64> = (0..rows).map(|_| scale * normal(rng)).collect();
        Series::new("x".into(), values)
    };
    let mut columns = vec![
        Series::new(
            "id".into(),
            (0..rows).map(|i| event(i) as u32 + 1).collect::<Vec<_>>(),
        ),
        Series::new(
            "ticker".into(),
            (0..rows)
                .map(|i| format!("FIRM{:05}", event(i) % 5_000))
                .collect::<Vec<_>>(),
        ),
        Series::new(
            "event_date".into(),
            (0..rows).map(event_day).collect::<Vec<_>>(),
        )
        .cast(&DataType::Date)
        .unwrap(),
        Series::new("rel".into(), (0..rows).map(rel).collect::<Vec<_>>()),
        Series::new(
            "date".into(),
            (0..rows).map(|i| event_day(i) + rel(i)).collect::<Vec<_>>(),
        )
        .cast(&DataType::Date)
        .unwrap(),
    ];
    for (i, scale) in [0.02, 0.01, 0.02, 0.015, 1.0, 0.3, 0.03, 0.02, 1e-4, 1.0]
        .into_iter()
        .enumerate()
    {
        columns.push(floats(scale).with_name(format!("f{i}").into()));
    }
    for i in 0..5 {
        columns.push(Series::full_null(
            format!("null{i}").into(),
            rows,
            &DataType::Float64,
        ));
    }
    DataFrame::new(rows, columns.into_iter().map(Column::from).collect()).unwrap()
}
