//! Intraday studies, the whole process: `cargo bench --bench intraday`.
//!
//! Writes (once, then reuses) seeded panels of 1-minute bars with `eventstudy synthetic
//! --interval 1m` under `target/bench-data/`, then times, as a user would run them:
//! - 1,000 intraday events over 100 firms x 40 sessions of 1-minute bars (20 estimation
//!   sessions each) from CSV files, `batch --interval 1m --no-charts`;
//! - one intraday `run` with its four charts, warm (the second of two runs).
//!
//! Wall time and peak memory come from `/usr/bin/time` when it is there.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

fn binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_eventstudy"))
}

/// The panel's folder, written the first time.
fn panel(firms: usize, sessions: usize, events: usize) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target/bench-data")
        .join(format!("1m-{firms}x{sessions}-{events}"));
    if !dir.join("events.csv").is_file() {
        let status = Command::new(binary())
            .args([
                "synthetic",
                "--interval",
                "1m",
                "--firms",
                &firms.to_string(),
            ])
            .args([
                "--days",
                &sessions.to_string(),
                "--events",
                &events.to_string(),
            ])
            .arg("--out")
            .arg(&dir)
            .status()
            .expect("eventstudy synthetic runs");
        assert!(status.success());
    }
    dir
}

/// Runs the binary with `args`, timed; returns the wall seconds.
fn timed(label: &str, args: &[String]) -> f64 {
    let time = Path::new("/usr/bin/time");
    let mut command = if time.is_file() {
        let mut c = Command::new(time);
        c.args(["-f", "%e s wall, %M KB peak"]).arg(binary());
        c
    } else {
        Command::new(binary())
    };
    command.args(args);
    let started = Instant::now();
    let output = command.output().expect("eventstudy runs");
    let wall = started.elapsed().as_secs_f64();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let measured = String::from_utf8_lossy(&output.stderr);
    println!("{label}: {wall:.3} s ({})", measured.trim());
    wall
}

fn main() {
    let dir = panel(100, 40, 1_000);
    let batch: Vec<String> = [
        "batch",
        "--interval",
        "1m",
        "--benchmark",
        "^MKT",
        "--no-charts",
        "-q",
        "--events",
    ]
    .iter()
    .map(|s| s.to_string())
    .chain([
        dir.join("events.csv").display().to_string(),
        format!("--source=csv:{}", dir.join("prices").display()),
        "--out".into(),
        dir.join("out").display().to_string(),
    ])
    .collect();
    for _ in 0..2 {
        timed(
            "1,000 events, 100 firms x 40 sessions of 1m bars, no charts",
            &batch,
        );
    }

    let one = panel(1, 25, 1);
    let events = std::fs::read_to_string(one.join("events.csv")).expect("events.csv");
    let date = events
        .lines()
        .nth(1)
        .and_then(|l| l.split(',').nth(1))
        .expect("one event")
        .to_string();
    let run: Vec<String> = ["run", "--interval", "1m", "--ticker", "FIRM00000"]
        .iter()
        .map(|s| s.to_string())
        .chain([
            "--benchmark".into(),
            "^MKT".into(),
            "--date".into(),
            date,
            format!("--source=csv:{}", one.join("prices").display()),
            "--shares".into(),
            "1e9".into(),
            "-q".into(),
            "--out".into(),
            one.join("out").display().to_string(),
        ])
        .collect();
    for _ in 0..3 {
        timed("one run, 1m bars, four charts", &run);
    }
}
