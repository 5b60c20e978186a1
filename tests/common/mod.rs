//! Synthetic market data for the tests: a seeded market model with a planted event.
#![allow(dead_code)]

pub mod fake;
pub mod https;
pub mod minutes;

use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate, Weekday};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// Weekdays from `start`, `n` of them, skipping the listed holidays.
pub fn trading_days(start: NaiveDate, n: usize, holidays: &[NaiveDate]) -> Vec<NaiveDate> {
    let mut days = Vec::with_capacity(n);
    let mut d = start;
    while days.len() < n {
        if !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) && !holidays.contains(&d) {
            days.push(d);
        }
        d = d.succ_opt().unwrap();
    }
    days
}

/// A standard normal draw (Box-Muller), to keep the tests free of extra crates.
pub fn normal(rng: &mut StdRng) -> f64 {
    let u1: f64 = rng.random::<f64>().max(1e-300);
    let u2: f64 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

/// A firm that follows R_i = alpha + beta R_m + e (e ~ N(0, sigma)) with `planted` added to
/// its return on `event_index`.
#[derive(Debug, Clone)]
pub struct Synthetic {
    pub dates: Vec<NaiveDate>,
    pub market_prices: Vec<f64>,
    pub firm_prices: Vec<f64>,
    pub market_returns: Vec<f64>,
    pub firm_returns: Vec<f64>,
}

pub fn synthetic(
    seed: u64,
    dates: Vec<NaiveDate>,
    alpha: f64,
    beta: f64,
    sigma: f64,
    event_index: usize,
    planted: f64,
) -> Synthetic {
    let mut rng = StdRng::seed_from_u64(seed);
    let n = dates.len();
    let (mut mp, mut fp) = (vec![4000.0], vec![100.0]);
    let (mut mr, mut fr) = (vec![f64::NAN], vec![f64::NAN]);
    for i in 1..n {
        let rm = 0.0003 + 0.01 * normal(&mut rng);
        let mut ri = alpha + beta * rm + sigma * normal(&mut rng);
        if i == event_index {
            ri += planted;
        }
        mp.push(mp[i - 1] * (1.0 + rm));
        fp.push(fp[i - 1] * (1.0 + ri));
        mr.push(rm);
        fr.push(ri);
    }
    Synthetic {
        dates,
        market_prices: mp,
        firm_prices: fp,
        market_returns: mr,
        firm_returns: fr,
    }
}

/// Writes `<dir>/<symbol>.csv` in the Yahoo layout; `close` is `adj_close` x 1.01 (a stand-in
/// for the dividend adjustment) so tests can tell which column was used.
pub fn write_price_csv(dir: &Path, symbol: &str, dates: &[NaiveDate], adj: &[f64]) -> PathBuf {
    let mut text = String::from("date,open,high,low,close,adj_close,volume\n");
    for (d, p) in dates.iter().zip(adj) {
        if p.is_nan() {
            continue; // a missing day is a missing row
        }
        text.push_str(&format!("{d},{p},{p},{p},{},{p},1000\n", p * 1.01));
    }
    let path = dir.join(format!("{symbol}.csv"));
    std::fs::write(&path, text).unwrap();
    path
}

pub fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// `../shared` beside the repository (or `$EVENTSTUDY_SHARED`), when present. Tests that use
/// the reference data call this and skip, saying so, when it is absent.
pub fn shared_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("EVENTSTUDY_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared"));
    if dir.join("data").is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "skipped: no reference data at {} (set EVENTSTUDY_SHARED)",
            dir.display()
        );
        None
    }
}

/// Whether python3 can import `module` (numpy, statsmodels: the independent references);
/// says the test is skipped, and how to install it, when not.
pub fn python_has(module: &str) -> bool {
    let has = std::process::Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has {
        eprintln!("skipped: python3 with {module} is not installed (`pip install {module}`)");
    }
    has
}

/// Runs a command that must succeed and parses its stdout as JSON.
pub fn success_json(
    mut cmd: impl std::borrow::BorrowMut<assert_cmd::Command>,
) -> serde_json::Value {
    let out = cmd
        .borrow_mut()
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    serde_json::from_slice(&out).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}",
            String::from_utf8_lossy(&out)
        )
    })
}

/// Compiles `report.tex` in `folder` with pdflatex and checks the PDF is there; false (after
/// saying so) on a machine without pdflatex.
pub fn compile_tex(folder: &Path) -> bool {
    use std::process::Command;
    let has_pdflatex = Command::new("pdflatex")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_pdflatex {
        eprintln!("skipped: no pdflatex on this machine, report.tex was not compiled");
        return false;
    }
    let out = Command::new("pdflatex")
        .args(["-interaction=nonstopmode", "-halt-on-error", "report.tex"])
        .current_dir(folder)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(folder.join("report.pdf").is_file());
    true
}
