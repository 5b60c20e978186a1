//! `--adjust holm|bh|bonferroni` (METHODS, "Multiple testing") on the DeepSeek batch of
//! `examples/`: every family's `p_adj` against statsmodels' `multipletests` to 1e-12
//! (`scripts/check_adjust.py`; skipped with a message where python3 has no statsmodels),
//! Bonferroni by hand, the tables' columns, a large run's flat days, and what a run without
//! `--adjust` keeps; an intraday run's bars, windows and portfolio tests by Holm by hand.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command as Process;

use assert_cmd::Command;
use serde_json::Value;

fn examples() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples")
}

/// The DeepSeek batch into `out`, as JSON on stdout.
fn batch(out: &Path, extra: &[&str]) -> Value {
    let mut cmd = Command::cargo_bin("eventstudy").unwrap();
    cmd.args(["batch", "--events"])
        .arg(examples().join("deepseek.csv"))
        .arg("--source")
        .arg(format!("csv:{}", examples().join("prices").display()))
        .args(["--no-charts", "--format", "json", "-q", "--out"])
        .arg(out)
        .args(extra);
    let output = cmd.assert().success().get_output().stdout.clone();
    serde_json::from_slice(&output).expect("JSON on stdout")
}

fn f(v: &Value) -> Option<f64> {
    v.as_f64()
}

/// A CSV file's column `name`, as numbers (None for an empty cell).
fn column(path: &Path, name: &str) -> Vec<Option<f64>> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let k = header
        .iter()
        .position(|h| *h == name)
        .unwrap_or_else(|| panic!("{} has no column {name}: {header:?}", path.display()));
    lines
        .map(|l| l.split(',').nth(k).unwrap().parse().ok())
        .collect()
}

#[test]
fn every_family_equals_statsmodels_multipletests() {
    if !common::python_has("statsmodels") {
        return;
    }
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scripts/check_adjust.py");
    for method in ["holm", "bh", "bonferroni"] {
        let dir = tempfile::tempdir().unwrap();
        let summary = batch(&dir.path().join("out"), &["--adjust", method]);
        let file = dir.path().join("summary.json");
        std::fs::write(&file, serde_json::to_vec(&summary).unwrap()).unwrap();
        let out = Process::new("python3")
            .arg(&script)
            .arg(&file)
            .arg(method)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        // 10 events x (11 days + 4 windows) + 9 tests x (11 days + 4 windows).
        assert_eq!(v["compared"].as_u64(), Some(10 * 15 + 9 * 15), "{method}");
        let worst = v["max_abs_diff"].as_f64().unwrap();
        assert!(worst <= 1e-12, "{method}: {worst}");
    }
}

#[test]
fn bonferroni_by_hand_and_in_every_table() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let summary = batch(&out, &["--adjust", "bonferroni"]);
    assert_eq!(summary["conventions"]["adjust"], "bonferroni");
    let nvda = &summary["events"][0];
    let days = nvda["days"].as_array().unwrap();
    let m = days.iter().filter(|d| d["ar_p"].is_number()).count() as f64;
    assert_eq!(m, 11.0);
    for d in days {
        let want = (f(&d["ar_p"]).unwrap() * m).min(1.0);
        assert!((f(&d["ar_p_adj"]).unwrap() - want).abs() < 1e-15);
    }
    // NVDA's day 0: p = 8.85e-7, eleven days: 9.73e-6, still significant.
    let day0 = &days[5];
    assert_eq!(day0["rel"], 0);
    assert!((f(&day0["ar_p_adj"]).unwrap() / f(&day0["ar_p"]).unwrap() - 11.0).abs() < 1e-12);
    for c in nvda["car"].as_array().unwrap() {
        let want = (f(&c["p"]).unwrap() * 4.0).min(1.0);
        assert!((f(&c["p_adj"]).unwrap() - want).abs() < 1e-15);
    }
    let aggregate = &summary["aggregate"];
    for rows in ["days", "car"] {
        let rows = aggregate[rows].as_array().unwrap();
        let m = rows.len() as f64;
        for r in rows {
            let p = f(&r["csect_t"]["p"]).unwrap();
            assert!((f(&r["csect_t"]["p_adj"]).unwrap() - (p * m).min(1.0)).abs() < 1e-15);
        }
    }
    // The tables carry the same numbers, each adjusted column beside its p.
    let run = out.join("portfolio_deepseek");
    let tables = run.join("tables");
    let days_p = column(&tables.join("days.csv"), "ar_p_adj");
    assert_eq!(days_p.len(), 10 * 11);
    assert_eq!(days_p[5], f(&day0["ar_p_adj"]));
    let header = std::fs::read_to_string(tables.join("days.csv")).unwrap();
    assert!(header.starts_with("id,ticker,event_date,rel,date,return,benchmark_return,normal_return,ar,ar_t,ar_p,ar_p_adj,car,"));
    assert_eq!(
        column(&tables.join("cars.csv"), "p_adj")[0],
        f(&nvda["car"][0]["p_adj"])
    );
    assert_eq!(
        column(&run.join("caar.csv"), "csect_t_p_adj")[0],
        f(&aggregate["car"][0]["csect_t"]["p_adj"])
    );
    assert_eq!(
        column(&run.join("aar.csv"), "cda_t_p_adj")[5],
        f(&aggregate["days"][5]["cda_t"]["p_adj"])
    );
    let event_csv = out.join("NVDA_2025-01-27_DeepSeek/abnormal_returns.csv");
    assert_eq!(column(&event_csv, "ar_p_adj")[5], f(&day0["ar_p_adj"]));
    // The console and report.md put the stars on the adjusted p.
    let report = std::fs::read_to_string(out.join("NVDA_2025-01-27_DeepSeek/report.md")).unwrap();
    assert!(report.contains("| p (adjusted) |"), "{report}");
}

/// A large run keeps its days flat and adjusts them when it writes them: the same numbers.
#[test]
fn a_large_run_adjusts_its_flat_days_alike() {
    let dir = tempfile::tempdir().unwrap();
    batch(&dir.path().join("full"), &["--adjust", "holm"]);
    batch(
        &dir.path().join("flat"),
        &["--adjust", "holm", "--no-event-files"],
    );
    let days = |run: &str| {
        column(
            &dir.path()
                .join(run)
                .join("portfolio_deepseek/tables/days.csv"),
            "ar_p_adj",
        )
    };
    let (full, flat) = (days("full"), days("flat"));
    assert_eq!(full.len(), 110);
    assert_eq!(full, flat);
}

#[test]
fn without_adjust_no_p_adj_anywhere() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let summary = batch(&out, &[]);
    let text = serde_json::to_string(&summary).unwrap();
    assert!(!text.contains("p_adj") && !text.contains("\"adjust\""));
    let header = std::fs::read_to_string(out.join("portfolio_deepseek/tables/days.csv")).unwrap();
    assert!(!header.lines().next().unwrap().contains("p_adj"));
}

/// Holm's step-down by hand: the i-th smallest of m p-values times (m - i), made monotone,
/// capped at 1 (missing p left out).
fn holm(p: &[Option<f64>]) -> Vec<Option<f64>> {
    let mut order: Vec<usize> = (0..p.len()).filter(|&i| p[i].is_some()).collect();
    order.sort_by(|&a, &b| p[a].unwrap().total_cmp(&p[b].unwrap()));
    let m = order.len();
    let mut out = vec![None; p.len()];
    let mut running: f64 = 0.0;
    for (rank, &i) in order.iter().enumerate() {
        running = running.max(((m - rank) as f64 * p[i].unwrap()).min(1.0));
        out[i] = Some(running);
    }
    out
}

fn close_all(label: &str, got: &[Option<f64>], want: &[Option<f64>]) {
    assert_eq!(got.len(), want.len(), "{label}");
    for (g, w) in got.iter().zip(want) {
        match (g, w) {
            (Some(g), Some(w)) => {
                assert!((g - w).abs() <= 1e-15 + 1e-12 * w, "{label}: {g} vs {w}")
            }
            _ => assert_eq!(g, w, "{label}"),
        }
    }
}

/// Intraday (`--interval`): an event's bars, its CAR windows and each portfolio test over the
/// bars and the windows, by Holm by hand; the same numbers in bars.csv, car.csv, events.csv;
/// the stars on the adjusted p in the console.
#[test]
fn intraday_bars_are_adjusted_by_hand() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    Command::cargo_bin("eventstudy")
        .unwrap()
        .current_dir(d)
        .args([
            "synthetic",
            "--interval",
            "5m",
            "--firms",
            "2",
            "--days",
            "30",
        ])
        .args(["--events", "4", "--seed", "3", "--out", "intraday"])
        .assert()
        .success();
    let run = |extra: &[&str], format: &str| {
        let mut cmd = Command::cargo_bin("eventstudy").unwrap();
        cmd.current_dir(d)
            .args([
                "batch",
                "--events",
                "intraday/events.csv",
                "--interval",
                "5m",
            ])
            .args(["--source", "csv:intraday/prices", "--no-charts"])
            .args(["--format", format, "--out", "out"])
            .args(extra);
        cmd.assert().success().get_output().stdout.clone()
    };
    let summary: Value = serde_json::from_slice(&run(&["--adjust", "holm"], "json")).unwrap();
    assert_eq!(summary["conventions"]["adjust"], "holm");
    let mut bar_p_adj = Vec::new();
    for e in summary["events"].as_array().unwrap() {
        let bars = e["bars"].as_array().unwrap();
        assert_eq!(bars.len(), 31);
        let p: Vec<Option<f64>> = bars.iter().map(|b| f(&b["ar_p"])).collect();
        let got: Vec<Option<f64>> = bars.iter().map(|b| f(&b["ar_p_adj"])).collect();
        close_all("bars", &got, &holm(&p));
        bar_p_adj.extend(got);
        let cars = e["car"].as_array().unwrap();
        let p: Vec<Option<f64>> = cars.iter().map(|c| f(&c["p"])).collect();
        let got: Vec<Option<f64>> = cars.iter().map(|c| f(&c["p_adj"])).collect();
        close_all("CAR windows", &got, &holm(&p));
    }
    let aggregate = &summary["aggregate"];
    for family in ["bars", "car"] {
        let rows = aggregate[family].as_array().unwrap();
        for test in [
            "csect_t",
            "patell_z",
            "bmp_t",
            "kp_bmp_t",
            "corrado_rank_z",
            "cda_t",
        ] {
            let p: Vec<Option<f64>> = rows.iter().map(|r| f(&r[test]["p"])).collect();
            let got: Vec<Option<f64>> = rows.iter().map(|r| f(&r[test]["p_adj"])).collect();
            close_all(test, &got, &holm(&p));
        }
    }
    let portfolio = d.join("out/portfolio_events");
    // (serde_json's reader may miss the last bit: compared to rounding.)
    close_all(
        "bars.csv",
        &column(&portfolio.join("bars.csv"), "ar_p_adj"),
        &bar_p_adj,
    );
    let first = [f(&summary["events"][0]["car"][0]["p_adj"])];
    close_all(
        "car.csv",
        &column(&portfolio.join("car.csv"), "p_adj")[..1],
        &first,
    );
    close_all(
        "events.csv",
        &column(&portfolio.join("events.csv"), "car_0:0_p_adj")[..1],
        &first,
    );
    let table = String::from_utf8(run(&["--adjust", "holm"], "table")).unwrap();
    assert!(
        table.contains("p (adjusted)") && table.contains("adjusted by Holm"),
        "{table}"
    );
    // Without --adjust: no adjusted value anywhere.
    let plain = String::from_utf8(run(&[], "json")).unwrap();
    assert!(!plain.contains("p_adj") && !plain.contains("\"adjust\""));
    let header = std::fs::read_to_string(portfolio.join("bars.csv")).unwrap();
    assert!(!header.lines().next().unwrap().contains("p_adj"));
}

#[test]
fn unknown_methods_are_refused() {
    let mut cmd = Command::cargo_bin("eventstudy").unwrap();
    cmd.args([
        "run",
        "--ticker",
        "NVDA",
        "--date",
        "2025-01-27",
        "--adjust",
        "sidak",
    ]);
    cmd.assert().code(2);
}
