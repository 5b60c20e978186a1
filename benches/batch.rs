//! The whole process on a synthetic market: `cargo bench --bench batch`.
//!
//! Writes (once, then reuses) seeded panels with `eventstudy synthetic` under
//! `target/bench-data/`, then times `eventstudy batch --no-charts` on them as a user would run
//! it: 10,000 events over 500 firms x 2,500 days, and 1,000,000 events over 5,000 firms x 2,500
//! days. Wall time and peak memory come from `/usr/bin/time` when it is there.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

fn binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_eventstudy"))
}

/// The panel's folder, written the first time.
fn panel(firms: usize, days: usize, events: usize) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target/bench-data")
        .join(format!("{firms}x{days}-{events}"));
    if !dir.join("events.csv").is_file() {
        let status = Command::new(binary())
            .args(["synthetic", "--firms", &firms.to_string(), "--days"])
            .arg(days.to_string())
            .args(["--events", &events.to_string(), "--out"])
            .arg(&dir)
            .status()
            .expect("eventstudy synthetic runs");
        assert!(status.success());
    }
    dir
}

fn run(firms: usize, days: usize, events: usize) {
    let dir = panel(firms, days, events);
    let out = dir.join("out");
    let _ = std::fs::remove_dir_all(&out);
    let time = Path::new("/usr/bin/time");
    let mut command = if time.is_file() {
        let mut c = Command::new(time);
        c.args(["-f", "%e s wall, %M KB peak"]).arg(binary());
        c
    } else {
        Command::new(binary())
    };
    command
        .arg("batch")
        .arg("--events")
        .arg(dir.join("events.csv"))
        .arg(format!("--source=csv:{}", dir.join("prices").display()))
        .args(["--benchmark", "^MKT", "--no-charts", "-q", "--out"])
        .arg(&out);
    let started = Instant::now();
    let output = command.output().expect("eventstudy batch runs");
    let wall = started.elapsed();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let measured = String::from_utf8_lossy(&output.stderr);
    println!(
        "{events} events, {firms} firms x {days} days: {:.2} s ({})",
        wall.as_secs_f64(),
        measured.trim()
    );
}

fn main() {
    run(500, 2_500, 10_000);
    run(500, 2_500, 10_000);
    if std::env::var_os("EVENTSTUDY_BENCH_SMALL").is_none() {
        run(5_000, 2_500, 1_000_000);
    }
}
