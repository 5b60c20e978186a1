//! Calendar-time portfolios (`batch --calendar-time`, METHODS "Calendar-time portfolios"):
//! alpha, its s.e., t and p, and R^2 against statsmodels' OLS on a portfolio built
//! independently from the price files (`scripts/check_calendar_time.py`; skipped with a
//! message where python3 has no statsmodels), for the market and Fama-French models, equal and
//! value weights; and the size of the alpha t under the null by simulation.

mod common;

use std::path::Path;
use std::process::Command as Process;

use assert_cmd::Command;
use common::{d, normal, trading_days, write_price_csv};
use eventstudy::study::calendar_time::{fit, portfolio_days, CalendarWeights, Holding, Regressors};
use eventstudy::study::stats::student_t_critical;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::Value;

/// (ticker, event day index): FIRM1 twice, its windows overlapping; the rest spread out.
const EVENTS: [(&str, usize); 7] = [
    ("FIRM1", 300),
    ("FIRM2", 310),
    ("FIRM3", 305),
    ("FIRM1", 315),
    ("FIRM4", 350),
    ("FIRM5", 400),
    ("FIRM6", 420),
];

/// Six firms on factor-driven returns, a French-layout factor file, share counts.
fn fixture(dir: &Path) -> Vec<chrono::NaiveDate> {
    let prices = dir.join("prices");
    std::fs::create_dir(&prices).unwrap();
    let dates = trading_days(d("2023-01-03"), 520, &[]);
    let mut rng = StdRng::seed_from_u64(7);
    let round = |x: f64| (x * 10_000.0).round() / 10_000.0;
    let mut factors = String::from("This file was created in a test.\n\n,Mkt-RF,SMB,HML,RF\n");
    let mut index = vec![1000.0];
    let mut firms: Vec<Vec<f64>> = vec![vec![50.0]; 6];
    for (i, date) in dates.iter().enumerate() {
        let mkt = round(0.0004 + 0.01 * normal(&mut rng));
        let smb = round(0.006 * normal(&mut rng));
        let hml = round(0.006 * normal(&mut rng));
        let rf = 0.0001;
        factors.push_str(&format!(
            "{},{:.2},{:.2},{:.2},{:.2}\n",
            date.format("%Y%m%d"),
            mkt * 100.0,
            smb * 100.0,
            hml * 100.0,
            rf * 100.0
        ));
        if i > 0 {
            index.push(index[i - 1] * (1.0 + mkt + rf));
            for (k, firm) in firms.iter_mut().enumerate() {
                let beta = 0.7 + 0.15 * k as f64;
                let r = rf + beta * mkt + 0.3 * smb - 0.2 * hml + 0.015 * normal(&mut rng);
                firm.push(firm[i - 1] * (1.0 + r));
            }
        }
    }
    factors.push_str("\nCopyright 2026 a test\n");
    std::fs::write(dir.join("F-F_Research_Data_Factors_daily.CSV"), factors).unwrap();
    write_price_csv(&prices, "^GSPC", &dates, &index);
    let mut shares = String::from("ticker,shares_outstanding,as_of\n");
    for (k, firm) in firms.iter().enumerate() {
        write_price_csv(&prices, &format!("FIRM{}", k + 1), &dates, firm);
        shares.push_str(&format!(
            "FIRM{},{},2023-01-03\n",
            k + 1,
            (k + 1) * 1_000_000
        ));
    }
    std::fs::write(dir.join("shares.csv"), shares).unwrap();
    let mut events = String::from("ticker,date\n");
    for (ticker, i) in EVENTS {
        events.push_str(&format!("{ticker},{}\n", dates[i]));
    }
    std::fs::write(dir.join("events.csv"), events).unwrap();
    dates
}

fn batch(dir: &Path, model: &str, weights: &str) -> Value {
    let mut cmd = Command::cargo_bin("eventstudy").unwrap();
    cmd.arg("batch")
        .arg("--events")
        .arg(dir.join("events.csv"))
        .arg("--source")
        .arg(format!("csv:{}", dir.join("prices").display()))
        .arg("--shares-file")
        .arg(dir.join("shares.csv"))
        .args(["--model", model, "--calendar-time", "0:20,-5:40"])
        .args([
            "--calendar-weights",
            weights,
            "--no-charts",
            "--format",
            "json",
            "-q",
        ])
        .arg("--out")
        .arg(dir.join(format!("out-{model}-{weights}")));
    if model != "market" {
        cmd.arg("--factors")
            .arg(dir.join("F-F_Research_Data_Factors_daily.CSV"));
    }
    let out = cmd.assert().success().get_output().stdout.clone();
    serde_json::from_slice(&out).unwrap()
}

fn close(label: &str, got: &Value, want: &Value) {
    let (g, w) = (got.as_f64().unwrap(), want.as_f64().unwrap());
    assert!(
        (g - w).abs() <= 1e-10 * w.abs().max(1e-300) + 1e-15,
        "{label}: {g} vs statsmodels {w}"
    );
}

#[test]
fn alpha_t_p_and_r2_equal_statsmodels() {
    if !common::python_has("statsmodels") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    fixture(dir.path());
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/check_calendar_time.py");
    for (model, weights) in [("market", "equal"), ("market", "value"), ("ff3", "equal")] {
        let summary = batch(dir.path(), model, weights);
        let file = dir.path().join(format!("summary-{model}-{weights}.json"));
        std::fs::write(&file, serde_json::to_vec(&summary).unwrap()).unwrap();
        let portfolios = summary["aggregate"]["calendar_time"].as_array().unwrap();
        assert_eq!(portfolios.len(), 2);
        for p in portfolios {
            let window = p["window"].as_str().unwrap();
            let mut cmd = Process::new("python3");
            cmd.arg(&script)
                .arg(dir.path().join("prices"))
                .arg(dir.path().join("events.csv"))
                .arg(&file)
                .arg(window)
                .arg(weights);
            if model == "ff3" {
                cmd.arg(dir.path().join("F-F_Research_Data_Factors_daily.CSV"));
            }
            let out = cmd.output().unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            let want: Value = serde_json::from_slice(&out.stdout).unwrap();
            let label = format!("{model} {weights} {window}");
            assert_eq!(p["n_days"], want["n_days"], "{label}");
            assert_eq!(p["model"], model, "{label}");
            close(
                &format!("{label} mean firms"),
                &p["mean_firms"],
                &want["mean_firms"],
            );
            for k in ["alpha", "alpha_se", "alpha_t", "alpha_p", "r2"] {
                close(&format!("{label} {k}"), &p[k], &want[k]);
            }
            let coefficients = p["coefficients"].as_array().unwrap();
            assert_eq!(coefficients.len(), want["params"].as_array().unwrap().len());
            for (c, w) in coefficients.iter().zip(want["params"].as_array().unwrap()) {
                close(&format!("{label} {}", c["name"]), &c["estimate"], w);
            }
        }
    }
}

/// FIRM1's two events overlap in window 0:20 (days 300 to 320 and 315 to 335): it is held once
/// a day, so the days 300..=320 (21), 305..=325, ... give a known count of days and firms.
#[test]
fn a_firm_is_held_once_and_the_tables_and_chart_are_written() {
    let dir = tempfile::tempdir().unwrap();
    fixture(dir.path());
    let summary = batch(dir.path(), "market", "equal");
    let p = &summary["aggregate"]["calendar_time"][0];
    assert_eq!(p["window"], "0:20");
    // Days 300..=335 (FIRM1, FIRM2, FIRM3, FIRM1 again), 350..=370, 400..=440.
    assert_eq!(p["n_days"], 36 + 21 + 41);
    // Firm-days: FIRM1 300..=335 (36), FIRM2 21, FIRM3 21, FIRM4 21, FIRM5 21, FIRM6 21.
    let firm_days = 36.0 + 5.0 * 21.0;
    assert!((p["mean_firms"].as_f64().unwrap() - firm_days / 98.0).abs() < 1e-12);
    assert_eq!(p["coefficients"][0]["name"], "alpha");
    assert_eq!(p["coefficients"][1]["name"], "market");
    let run = dir.path().join("out-market-equal/portfolio_events");
    let table = std::fs::read_to_string(run.join("calendar_time.csv")).unwrap();
    assert!(table.starts_with(
        "window,weights,model,n_days,mean_firms,r2,alpha,alpha_se,alpha_t,alpha_p,market,"
    ));
    let days = std::fs::read_to_string(run.join("calendar_time_days.csv")).unwrap();
    assert_eq!(
        days.lines().count(),
        1 + 98 + p_days(&summary["aggregate"]["calendar_time"][1])
    );
    let report = std::fs::read_to_string(run.join("report.md")).unwrap();
    assert!(report.contains("## Calendar-time portfolios"), "{report}");
}

fn p_days(p: &Value) -> usize {
    p["n_days"].as_u64().unwrap() as usize
}

#[test]
fn calendar_time_is_refused_with_two_benchmarks_under_the_market_model() {
    let dir = tempfile::tempdir().unwrap();
    fixture(dir.path());
    std::fs::write(
        dir.path().join("mixed.csv"),
        "ticker,date,benchmark\nFIRM1,2024-03-01,\nFIRM2,2024-03-01,FIRM6\n",
    )
    .unwrap();
    let mut cmd = Command::cargo_bin("eventstudy").unwrap();
    cmd.arg("batch")
        .arg("--events")
        .arg(dir.path().join("mixed.csv"))
        .arg("--source")
        .arg(format!("csv:{}", dir.path().join("prices").display()))
        .args(["--calendar-time", "0:20", "-q", "--out"])
        .arg(dir.path().join("out"));
    let err = cmd.assert().code(2).get_output().stderr.clone();
    assert!(String::from_utf8_lossy(&err).contains("events name FIRM6, ^GSPC"));
}

/// Under the null (no abnormal return, firms on the market model with random betas), the
/// alpha t of a 0:20 equal-weighted portfolio rejects at 5% in 3-7% of 2,000 samples.
#[test]
fn the_alpha_t_has_its_size_under_the_null() {
    let mut rng = StdRng::seed_from_u64(2026);
    let (days, firms, trials) = (400usize, 30usize, 2_000usize);
    let mut rejected = 0;
    for _ in 0..trials {
        let market: Vec<f64> = (0..days)
            .map(|_| 0.0004 + 0.01 * normal(&mut rng))
            .collect();
        let regressors = market
            .iter()
            .enumerate()
            .map(|(k, &m)| {
                (
                    k as i32,
                    Regressors {
                        rf: 0.0,
                        factors: vec![m],
                    },
                )
            })
            .collect();
        let mut holdings = Vec::new();
        for firm in 0..firms as u32 {
            let beta = rng.random_range(0.5..1.5);
            let day0 = rng.random_range(0..days - 20);
            for (k, &m) in market.iter().enumerate().skip(day0).take(21) {
                holdings.push(Holding {
                    key: k as i32,
                    firm,
                    ret: beta * m + 0.02 * normal(&mut rng),
                    weight: 1.0,
                });
            }
        }
        let result = fit(portfolio_days(
            &holdings,
            &regressors,
            CalendarWeights::Equal,
        ));
        let ols = result.fit.unwrap();
        let critical = student_t_critical(0.05, (ols.n - 2) as f64);
        if ols.coefficients[0].t.abs() > critical {
            rejected += 1;
        }
    }
    let rate = rejected as f64 / trials as f64;
    assert!((0.03..=0.07).contains(&rate), "size {rate}");
    eprintln!("calendar-time alpha t: rejects {rate:.4} at 5% under the null");
}
