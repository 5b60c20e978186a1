//! `batch --group-by COLUMN` (METHODS, "Comparing groups") on the nine DeepSeek stocks of
//! `examples/`: each group's CAAR and t, Welch's t and the rank-sum test against scipy
//! (`scripts/check_groups.py`; skipped with a message where python3 has no scipy) to 1e-8,
//! for two groups and for three (each against the rest); the tables, the chart, an empty
//! group cell and a missing column.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command as Process;

use assert_cmd::Command;
use serde_json::Value;

fn examples() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples")
}

/// The nine stocks with a `sector` (chips or power) and a `region` (three values); CEG's
/// region is left empty.
fn events_file(dir: &Path) -> PathBuf {
    let rows = [
        ("NVDA", "chips", "us"),
        ("AVGO", "chips", "us"),
        ("TSM", "chips", "asia"),
        ("MRVL", "chips", "us"),
        ("ARM", "chips", "europe"),
        ("MU", "chips", "us"),
        ("ASML", "chips", "europe"),
        ("VST", "power", "us"),
        ("CEG", "power", ""),
    ];
    let mut text = String::from("ticker,date,sector,region\n");
    for (ticker, sector, region) in rows {
        text.push_str(&format!("{ticker},2025-01-27,{sector},{region}\n"));
    }
    let path = dir.join("sectors.csv");
    std::fs::write(&path, text).unwrap();
    path
}

/// The batch grouped by `column`; only the portfolio's charts (`charts`) or none.
fn batch(dir: &Path, column: &str, out: &str, charts: bool) -> Value {
    let mut cmd = Command::cargo_bin("eventstudy").unwrap();
    cmd.args(["batch", "--events"])
        .arg(events_file(dir))
        .arg("--source")
        .arg(format!("csv:{}", examples().join("prices").display()))
        .args(["--group-by", column, "--format", "json", "-q", "--out"])
        .arg(dir.join(out))
        .arg(if charts {
            "--no-event-charts"
        } else {
            "--no-charts"
        });
    common::success_json(cmd)
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or(f64::NAN)
}

fn close(label: &str, got: f64, want: f64) {
    if want.is_nan() {
        assert!(got.is_nan(), "{label}: {got} where scipy has none");
        return;
    }
    assert!(
        (got - want).abs() <= 1e-8 * want.abs().max(1.0),
        "{label}: {got} vs scipy {want}"
    );
}

/// Compares the run's groups and differences with scipy's.
fn compare_with_scipy(dir: &Path, summary: &Value) {
    let file = dir.join("summary.json");
    std::fs::write(&file, serde_json::to_vec(summary).unwrap()).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/check_groups.py");
    let out = Process::new("python3")
        .arg(&script)
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let reference: Value = serde_json::from_slice(&out.stdout).unwrap();
    let aggregate = &summary["aggregate"];
    let ours: Vec<(&Value, &Value)> = aggregate["groups"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["car"].as_array().unwrap().iter().map(move |c| (g, c)))
        .collect();
    for want in reference["groups"].as_array().unwrap() {
        let (g, c) = ours
            .iter()
            .find(|(g, c)| g["group"] == want["group"] && c["window"] == want["window"])
            .unwrap();
        let label = format!("{} {}", g["group"], c["window"]);
        assert_eq!(c["n"], want["n"], "{label}");
        close(&label, f(&c["caar"]), f(&want["caar"]));
        close(&label, f(&c["csect_t"]["stat"]), f(&want["t"]));
        close(&label, f(&c["csect_t"]["p"]), f(&want["p"]));
    }
    let differences = aggregate["group_difference"].as_array().unwrap();
    let wanted = reference["differences"].as_array().unwrap();
    assert_eq!(differences.len(), wanted.len());
    for (d, want) in differences.iter().zip(wanted) {
        let label = format!("{} {} vs {}", d["window"], d["a"], d["b"]);
        assert_eq!((&d["a"], &d["b"]), (&want["a"], &want["b"]), "{label}");
        assert_eq!(
            (&d["n_a"], &d["n_b"]),
            (&want["n_a"], &want["n_b"]),
            "{label}"
        );
        close(&label, f(&d["diff"]), f(&want["diff"]));
        close(&label, f(&d["welch_t"]["stat"]), f(&want["welch_t"]));
        // (With one event on a side Welch's t does not exist; scipy still says df 1.)
        if !f(&want["welch_t"]).is_nan() {
            close(&label, f(&d["welch_t"]["df"]), f(&want["welch_df"]));
        }
        close(&label, f(&d["welch_t"]["p"]), f(&want["welch_p"]));
        close(&label, f(&d["rank_sum_z"]["stat"]), f(&want["rank_sum_z"]));
        close(&label, f(&d["rank_sum_z"]["p"]), f(&want["rank_sum_p"]));
    }
}

#[test]
fn two_and_three_groups_equal_scipy() {
    if !common::python_has("scipy") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let sectors = batch(dir.path(), "sector", "sector", false);
    // Two groups: chips against power, per window.
    assert_eq!(sectors["aggregate"]["groups"].as_array().unwrap().len(), 2);
    assert_eq!(sectors["aggregate"]["group_difference"][0]["a"], "chips");
    assert_eq!(sectors["aggregate"]["group_difference"][0]["b"], "power");
    compare_with_scipy(dir.path(), &sectors);
    // Three regions (CEG's cell is empty): each against the rest.
    let regions = batch(dir.path(), "region", "region", false);
    assert_eq!(regions["aggregate"]["events_without_group"], 1);
    let differences = regions["aggregate"]["group_difference"].as_array().unwrap();
    assert_eq!(differences.len(), 3 * 4);
    assert!(differences.iter().all(|d| d["b"] == "rest"));
    compare_with_scipy(dir.path(), &regions);
}

#[test]
fn tables_and_chart_carry_the_groups() {
    let dir = tempfile::tempdir().unwrap();
    let summary = batch(dir.path(), "sector", "out", true);
    let aggregate = &summary["aggregate"];
    let events = summary["events"].as_array().unwrap();
    assert_eq!(events[0]["group"], "chips");
    // Power's CAAR(0:0) is the mean of VST's and CEG's CAR(0:0), by hand.
    let car00 = |t: &str| {
        let e = events.iter().find(|e| e["ticker"] == t).unwrap();
        f(&e["car"][0]["car"])
    };
    let power = &aggregate["groups"][1];
    assert_eq!(power["group"], "power");
    assert_eq!(power["n"], 2);
    let mean = (car00("VST") + car00("CEG")) / 2.0;
    assert!((f(&power["car"][0]["caar"]) - mean).abs() < 1e-15);
    let run = dir.path().join("out/portfolio_sectors");
    let groups_csv = std::fs::read_to_string(run.join("groups.csv")).unwrap();
    assert!(groups_csv.starts_with("group,window,n,caar,csect_t,csect_t_p\n"));
    assert_eq!(groups_csv.lines().count(), 1 + 2 * 4);
    assert!(groups_csv.contains("power,0:0,2,"));
    let differences = std::fs::read_to_string(run.join("group_difference.csv")).unwrap();
    assert!(differences.starts_with(
        "window,a,b,n_a,n_b,diff,welch_t,welch_t_df,welch_t_p,rank_sum_z,rank_sum_z_p\n"
    ));
    assert!(differences.contains("0:0,chips,power,7,2,"));
    let png = std::fs::read(run.join("car_distribution.png")).unwrap();
    assert!(png.starts_with(b"\x89PNG") && png.len() > 10_000);
    let report = std::fs::read_to_string(run.join("report.md")).unwrap();
    assert!(
        report.contains("| group | window | n | CAAR | t | p |"),
        "{report}"
    );
}

#[test]
fn a_missing_column_is_an_input_error() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = Command::cargo_bin("eventstudy").unwrap();
    let out = cmd
        .args(["batch", "--events"])
        .arg(events_file(dir.path()))
        .arg("--source")
        .arg(format!("csv:{}", examples().join("prices").display()))
        .args(["--group-by", "industry", "--out"])
        .arg(dir.path().join("out"))
        .assert()
        .failure()
        .get_output()
        .stderr
        .clone();
    let err = String::from_utf8_lossy(&out);
    assert!(
        err.contains("--group-by names the column 'industry'"),
        "{err}"
    );
    assert_eq!(err.trim().lines().count(), 1, "{err}");
}
