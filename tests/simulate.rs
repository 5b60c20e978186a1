//! `eventstudy simulate` (METHODS, "Power and size by simulation") on synthetic panels of CSV
//! files: every test's size under no shock against its Wilson interval; power that rises
//! with the shock; the same bytes on one thread and on two; clustered events with
//! cross-correlated residuals, where BMP over-rejects and Kolari-Pynnönen does not; refusals.

mod common;

use std::path::Path;

use assert_cmd::Command;
use common::{d, normal, trading_days, write_price_csv};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::Value;

/// `firms` firms on a market model over 700 days; `common` is the weight of a factor every
/// firm's residual shares (0: independent residuals).
fn panel(dir: &Path, firms: usize, common: f64, seed: u64) {
    let dates = trading_days(d("2022-01-03"), 700, &[]);
    let mut rng = StdRng::seed_from_u64(seed);
    let market: Vec<f64> = (1..dates.len())
        .map(|_| 0.0003 + 0.01 * normal(&mut rng))
        .collect();
    let shared: Vec<f64> = (1..dates.len()).map(|_| normal(&mut rng)).collect();
    let mut index = vec![4000.0];
    for r in &market {
        index.push(index[index.len() - 1] * (1.0 + r));
    }
    write_price_csv(dir, "^GSPC", &dates, &index);
    for k in 0..firms {
        let beta = 0.8 + 0.5 * rng.random::<f64>();
        let sigma = 0.015 + 0.01 * rng.random::<f64>();
        let mut price = vec![50.0];
        for (rm, c) in market.iter().zip(&shared) {
            let e = sigma * ((1.0 - common * common).sqrt() * normal(&mut rng) + common * c);
            price.push(price[price.len() - 1] * (1.0 + beta * rm + e));
        }
        write_price_csv(dir, &format!("F{k:03}"), &dates, &price);
    }
}

fn simulate(dir: &Path, args: &[&str], threads: &str) -> Vec<u8> {
    let mut cmd = Command::cargo_bin("eventstudy").unwrap();
    cmd.env("RAYON_NUM_THREADS", threads)
        .arg("simulate")
        .arg("--source")
        .arg(format!("csv:{}", dir.join("prices").display()))
        .args(["--format", "json", "-q", "--out"])
        .arg(dir.join("out"))
        .args(args);
    cmd.assert().success().get_output().stdout.clone()
}

fn rows<'a>(summary: &'a Value, shock: f64, window: &str) -> Vec<&'a Value> {
    summary["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["shock"].as_f64() == Some(shock) && r["window"] == window)
        .collect()
}

fn fixture(firms: usize, common: f64) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("prices")).unwrap();
    panel(&dir.path().join("prices"), firms, common, 11);
    dir
}

/// Wilson's score interval of `k` successes in `n` at the normal quantile `z`.
fn wilson(k: f64, n: f64, z: f64) -> (f64, f64) {
    let p = k / n;
    let centre = (p + z * z / (2.0 * n)) / (1.0 + z * z / n);
    let half = z * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt() / (1.0 + z * z / n);
    (centre - half, centre + half)
}

/// Under no shock every test rejects about 5%: 5% lies inside each rate's Wilson interval,
/// taken at the simultaneous level of the 18 rates (95% / 18, Bonferroni: z 2.99; the rates
/// share their trials, so one trial's extreme day moves them together). The sign test is
/// the exception the README names: with 50 events its normal approximation rejects when 32
/// or more (or 18 or fewer) are positive, 6.49% exactly under the binomial.
#[test]
fn every_test_is_sized_under_no_shock() {
    let dir = fixture(60, 0.0);
    let out = simulate(
        dir.path(),
        &[
            "--trials", "1000", "--events", "50", "--shock", "0", "--car", "0:0,-1:1", "--seed",
            "7",
        ],
        "2",
    );
    let summary: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(summary["trials"], 1000);
    assert_eq!(summary["events_per_trial"], 50);
    assert_eq!(summary["firms"], 60);
    let mut failures = Vec::new();
    for window in ["0:0", "-1:1"] {
        let rows = rows(&summary, 0.0, window);
        assert_eq!(rows.len(), 9);
        for r in rows {
            let k = r["rejections"].as_f64().unwrap();
            // The reported interval is Wilson's at 95%.
            let (lo, hi) = wilson(k, 1000.0, 1.959_963_984_540_054);
            assert!((r["ci_low"].as_f64().unwrap() - lo).abs() < 1e-12);
            assert!((r["ci_high"].as_f64().unwrap() - hi).abs() < 1e-12);
            let (size, z) = match r["test"] == "sign_z" {
                true => (0.064_908_647, 1.959_963_984_540_054),
                false => (0.05, 2.991_316_115),
            };
            let (lo, hi) = wilson(k, 1000.0, z);
            eprintln!("{window} {}: {}", r["test"], r["rate"]);
            if !(lo <= size && size <= hi) {
                failures.push(format!(
                    "{window} {}: rate {} ({lo:.4}, {hi:.4})",
                    r["test"], r["rate"]
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:?}");
    // The files beside the JSON on stdout.
    let folder = dir.path().join("out/simulation");
    let csv = std::fs::read_to_string(folder.join("simulation.csv")).unwrap();
    assert!(csv.starts_with("shock,window,test,rejections,rate,ci_low,ci_high\n"));
    assert_eq!(csv.lines().count(), 1 + 2 * 9);
    let png = std::fs::read(folder.join("power.png")).unwrap();
    assert!(png.starts_with(b"\x89PNG"));
    let json: Value =
        serde_json::from_slice(&std::fs::read(folder.join("summary.json")).unwrap()).unwrap();
    assert_eq!(json, summary);
}

#[test]
fn power_rises_with_the_shock_and_threads_do_not_change_a_byte() {
    let dir = fixture(30, 0.0);
    let args = [
        "--trials",
        "150",
        "--events",
        "20",
        "--shock",
        "0,0.005,0.01,0.03",
        "--car",
        "0:0",
        "--seed",
        "3",
    ];
    let two = simulate(dir.path(), &args, "2");
    let one = simulate(dir.path(), &args, "1");
    assert_eq!(
        one, two,
        "the same seed gave different JSON on one and two threads"
    );
    let summary: Value = serde_json::from_slice(&two).unwrap();
    for test in ["csect_t", "patell_z", "bmp_t", "corrado_rank_z"] {
        let rate = |shock: f64| {
            rows(&summary, shock, "0:0")
                .into_iter()
                .find(|r| r["test"] == test)
                .unwrap()["rate"]
                .as_f64()
                .unwrap()
        };
        let rates = [rate(0.0), rate(0.005), rate(0.01), rate(0.03)];
        assert!(rates.windows(2).all(|w| w[0] <= w[1]), "{test}: {rates:?}");
        assert!(rates[3] > 0.95, "{test}: {rates:?}");
    }
}

/// Brown & Warner's and Kolari & Pynnönen's point: events on one date whose residuals move
/// together (a shared factor with weight 0.5, residual correlation 0.25) inflate BMP's
/// variance-based t, not KP's, which corrects for the mean correlation.
#[test]
fn clustered_events_with_correlated_residuals() {
    let dir = fixture(60, 0.5);
    let out = simulate(
        dir.path(),
        &[
            "--trials",
            "400",
            "--events",
            "40",
            "--shock",
            "0",
            "--car",
            "0:0",
            "--cluster",
            "--seed",
            "5",
        ],
        "2",
    );
    let summary: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(summary["cluster"], true);
    let rate = |test: &str| {
        rows(&summary, 0.0, "0:0")
            .into_iter()
            .find(|r| r["test"] == test)
            .unwrap()["rate"]
            .as_f64()
            .unwrap()
    };
    let (bmp, kp) = (rate("bmp_t"), rate("kp_bmp_t"));
    eprintln!("clustered: BMP {bmp}, KP {kp}");
    assert!(bmp > 0.2, "BMP rejects {bmp}");
    assert!(kp < 0.09, "KP rejects {kp}");
}

#[test]
fn impossible_designs_are_refused() {
    let dir = fixture(3, 0.0);
    let refuse = |args: &[&str], says: &str| {
        let mut cmd = Command::cargo_bin("eventstudy").unwrap();
        let out = cmd
            .arg("simulate")
            .arg("--source")
            .arg(format!("csv:{}", dir.path().join("prices").display()))
            .arg("--out")
            .arg(dir.path().join("out"))
            .args(args)
            .assert()
            .failure()
            .get_output()
            .stderr
            .clone();
        let err = String::from_utf8_lossy(&out);
        assert!(err.contains(says), "{err}");
        assert_eq!(err.trim().lines().count(), 1, "{err}");
    };
    refuse(
        &["--shock-window", "0:9"],
        "--shock-window 0:9 is not inside the event window",
    );
    refuse(&["--shock", "0,abc"], "--shock 'abc' is not a return");
    refuse(&["--level", "1.5"], "--level 1.5 is not between 0 and 1");
    refuse(
        &["--cluster", "--events", "10"],
        "--cluster needs a date where 10 firms",
    );
}
