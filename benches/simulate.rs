//! `eventstudy simulate` as a user runs it: `cargo bench --bench simulate`.
//!
//! Writes (once, then reuses) a seeded panel of 500 firms x 2,500 days with `eventstudy
//! synthetic` under `target/bench-data/`, then times 1,000 trials x 50 pseudo-events drawn
//! from its 500 CSV files (shock 0 and 1%, CAR 0:0 and -1:1, no chart), the whole process.
//! Wall time and peak memory come from `/usr/bin/time` when it is there.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

fn binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_eventstudy"))
}

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-data/500x2500-10000");
    if !dir.join("events.csv").is_file() {
        let status = Command::new(binary())
            .args([
                "synthetic",
                "--firms",
                "500",
                "--days",
                "2500",
                "--events",
                "10000",
            ])
            .arg("--out")
            .arg(&dir)
            .status()
            .expect("eventstudy synthetic runs");
        assert!(status.success());
    }
    let time = Path::new("/usr/bin/time");
    for cluster in [false, true] {
        let mut command = if time.is_file() {
            let mut c = Command::new(time);
            c.args(["-f", "%e s wall, %M KB peak"]).arg(binary());
            c
        } else {
            Command::new(binary())
        };
        command
            .arg("simulate")
            .arg(format!("--source=csv:{}", dir.join("prices").display()))
            .args(["--benchmark", "^MKT", "--trials", "1000", "--events", "50"])
            .args([
                "--shock",
                "0,0.01",
                "--car",
                "0:0,-1:1",
                "--no-charts",
                "-q",
            ])
            .args(["--format", "json", "--out"])
            .arg(dir.join("simulation-out"));
        if cluster {
            command.arg("--cluster");
        }
        let started = Instant::now();
        let output = command.output().expect("eventstudy simulate runs");
        let wall = started.elapsed();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        println!(
            "simulate{}: 1,000 trials x 50 events, 2 shocks, from 500 CSV files: {:.2} s ({})",
            if cluster { " --cluster" } else { "" },
            wall.as_secs_f64(),
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
}
