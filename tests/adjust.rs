//! `--adjust holm|bh|bonferroni` (METHODS, "Multiple testing") on the DeepSeek batch of
//! `examples/`: every family's `p_adj` against statsmodels' `multipletests` to 1e-12
//! (`scripts/check_adjust.py`; skipped with a message where python3 has no statsmodels),
//! Bonferroni by hand, the tables' columns, a large run's flat days, and what a run without
//! `--adjust` keeps.

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

#[test]
fn adjust_is_refused_with_bars_and_unknown_methods() {
    let mut cmd = Command::cargo_bin("eventstudy").unwrap();
    cmd.args([
        "run",
        "--ticker",
        "NVDA",
        "--date",
        "2025-01-27T10:00-05:00",
        "--interval",
        "5m",
        "--adjust",
        "holm",
        "--offline",
    ]);
    let out = cmd.assert().code(2).get_output().stderr.clone();
    let err = String::from_utf8_lossy(&out);
    assert!(err.contains("--adjust holm is for daily studies"), "{err}");
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
