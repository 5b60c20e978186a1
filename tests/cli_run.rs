//! End-to-end tests of `eventstudy run` on synthetic CSV files.

mod common;

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use chrono::{Datelike, NaiveDate, Weekday};
use common::{d, synthetic, trading_days, write_price_csv};
use serde_json::Value;

const PLANTED: f64 = -0.12;
const SHARES: f64 = 2.0e9;

struct Fixture {
    _dir: tempfile::TempDir,
    prices: PathBuf,
    out: PathBuf,
    dates: Vec<NaiveDate>,
    /// Index of the first Monday at or after 270: the event day.
    event: usize,
    firm_adj: Vec<f64>,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let prices = dir.path().join("prices");
    std::fs::create_dir(&prices).unwrap();
    let dates = trading_days(d("2024-01-02"), 320, &[d("2025-01-09")]);
    let event = (270..)
        .find(|&i| dates[i].weekday() == Weekday::Mon)
        .unwrap();
    let s = synthetic(42, dates.clone(), 0.0003, 1.3, 0.012, event, PLANTED);
    write_price_csv(&prices, "^GSPC", &dates, &s.market_prices);
    write_price_csv(&prices, "FIRM", &dates, &s.firm_prices);
    // A young listing: 60 days before the event, too few to estimate.
    let mut young = s.firm_prices.clone();
    young[..event - 60].iter_mut().for_each(|p| *p = f64::NAN);
    write_price_csv(&prices, "YOUNG", &dates, &young);
    std::fs::write(prices.join("BROKEN.csv"), "date,close\n2024-01-02,1\n").unwrap();
    std::fs::write(
        dir.path().join("shares.csv"),
        format!("ticker,shares_outstanding,as_of\nFIRM,{SHARES},2024-06-30\n"),
    )
    .unwrap();
    let out = dir.path().join("out");
    Fixture {
        prices,
        out,
        dates,
        event,
        firm_adj: s.firm_prices,
        _dir: dir,
    }
}

impl Fixture {
    fn cmd(&self, ticker: &str, date: impl ToString) -> Command {
        let mut c = Command::cargo_bin("eventstudy").unwrap();
        c.args(["run", "--ticker", ticker, "--date", &date.to_string()])
            .arg("--source")
            .arg(format!("csv:{}", self.prices.display()))
            .arg("--out")
            .arg(&self.out);
        c
    }

    fn shares_file(&self) -> PathBuf {
        self.prices.parent().unwrap().join("shares.csv")
    }

    fn event_date(&self) -> NaiveDate {
        self.dates[self.event]
    }
}

fn json(output: &[u8]) -> Value {
    serde_json::from_slice(output).expect("stdout is JSON")
}

fn png_size(path: &Path) -> (u32, u32) {
    let img =
        image::open(path).unwrap_or_else(|e| panic!("{} does not decode: {e}", path.display()));
    (img.width(), img.height())
}

#[test]
fn writes_every_output_and_json_matches_the_numbers() {
    let f = fixture();
    let v = common::success_json(
        f.cmd("FIRM", f.event_date())
            .arg("--shares-file")
            .arg(f.shares_file())
            .args(["--format", "json"]),
    );
    let dir = f.out.join(format!("FIRM_{}", f.event_date()));
    for name in ["summary.json", "abnormal_returns.csv", "car.csv"] {
        assert!(dir.join(name).is_file(), "{name} missing");
    }
    for name in [
        "price.png",
        "abnormal_returns.png",
        "car.png",
        "market_value.png",
    ] {
        assert_eq!(png_size(&dir.join(name)), (1600, 900), "{name}");
    }
    // The fixture trades the same 1,000 shares every day: no volume model, no volume chart,
    // null abnormal volume and a note.
    assert!(!dir.join("volume.png").exists());
    assert!(v["events"][0]["notes"]
        .to_string()
        .contains("no trading volume"));
    assert!(v["events"][0]["days"][5]["abnormal_volume"].is_null());
    assert_eq!(v["events"][0]["days"][5]["volume"], 1000.0);
    // No temp files left behind.
    assert!(std::fs::read_dir(&dir).unwrap().all(|e| !e
        .unwrap()
        .file_name()
        .to_string_lossy()
        .starts_with('.')));

    let conv = &v["conventions"];
    assert_eq!(conv["model"], "market");
    assert_eq!(conv["estimation"], serde_json::json!([-250, -11]));
    assert_eq!(conv["window"], serde_json::json!([-5, 5]));
    assert_eq!(conv["sigma_divisor"], "L-k");
    assert_eq!(conv["prediction_error_correction"], true);

    let e = &v["events"][0];
    assert_eq!(e["ticker"], "FIRM");
    assert_eq!(e["day0"], f.event_date().to_string());
    assert_eq!(e["n_estimation"], 240);
    let days = e["days"].as_array().unwrap();
    assert_eq!(days.len(), 11);
    let day0 = days.iter().find(|d| d["rel"] == 0).unwrap();
    // The return is computed from the file's adjusted close.
    let expected_return = f.firm_adj[f.event] / f.firm_adj[f.event - 1] - 1.0;
    assert!((day0["return"].as_f64().unwrap() - expected_return).abs() < 1e-9);
    let ar = day0["ar"].as_f64().unwrap();
    assert!((ar - PLANTED).abs() < 0.05, "AR {ar}");
    assert!(day0["ar_t"].as_f64().unwrap() < -5.0);
    // Identities: AR = return - normal; normal = alpha + beta R_m.
    let (alpha, beta) = (e["alpha"].as_f64().unwrap(), e["beta"].as_f64().unwrap());
    let rm = day0["benchmark_return"].as_f64().unwrap();
    assert!((day0["normal_return"].as_f64().unwrap() - (alpha + beta * rm)).abs() < 1e-12);
    assert!((expected_return - day0["normal_return"].as_f64().unwrap() - ar).abs() < 1e-12);

    // Market value from close (= adj_close x 1.01 in the fixture) at day -1 times the shares.
    let mv_before = f.firm_adj[f.event - 1] * 1.01 * SHARES;
    assert!((e["market_value_before"].as_f64().unwrap() / mv_before - 1.0).abs() < 1e-9);
    assert!(
        (day0["market_value_change"].as_f64().unwrap() - mv_before * expected_return).abs() < 1.0
    );
    assert!((day0["abnormal_market_value_change"].as_f64().unwrap() - mv_before * ar).abs() < 1.0);

    // CAR windows: 0:0 equals the AR; -5:5 the sum of the days.
    let car = e["car"].as_array().unwrap();
    let windows: Vec<&str> = car.iter().map(|c| c["window"].as_str().unwrap()).collect();
    assert_eq!(windows, ["0:0", "-1:1", "0:1", "-5:5"]);
    assert!((car[0]["car"].as_f64().unwrap() - ar).abs() < 1e-12);
    let sum: f64 = days.iter().map(|d| d["ar"].as_f64().unwrap()).sum();
    assert!((car[3]["car"].as_f64().unwrap() - sum).abs() < 1e-12);
    assert!(car[0]["p"].as_f64().unwrap() < 0.001);

    // The folder's summary.json is the same event.
    let file = json(&std::fs::read(dir.join("summary.json")).unwrap());
    assert_eq!(file["events"][0]["days"], e["days"]);
    // The CSV has one row per event day with the same AR.
    let csv = std::fs::read_to_string(dir.join("abnormal_returns.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 12);
    assert!(lines[0]
        .starts_with("ticker,event_date,rel,date,return,benchmark_return,normal_return,ar,"));
    let row0: Vec<&str> = lines
        .iter()
        .find(|l| l.split(',').nth(2) == Some("0"))
        .unwrap()
        .split(',')
        .collect();
    assert!((row0[7].parse::<f64>().unwrap() - ar).abs() < 1e-12);
    let car_csv = std::fs::read_to_string(dir.join("car.csv")).unwrap();
    assert_eq!(car_csv.lines().count(), 5);
}

#[test]
fn table_output_shows_the_json_numbers() {
    let f = fixture();
    let table = f
        .cmd("FIRM", f.event_date())
        .arg("--no-charts")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let table = String::from_utf8(table).unwrap();
    let v = json(
        &f.cmd("FIRM", f.event_date())
            .args(["--no-charts", "--format", "json"])
            .output()
            .unwrap()
            .stdout,
    );
    let day0 = v["events"][0]["days"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["rel"] == 0)
        .unwrap()
        .clone();
    let ar_pct = format!("{:.2}%", day0["ar"].as_f64().unwrap() * 100.0);
    let t = format!("{:.2}", day0["ar_t"].as_f64().unwrap());
    let line = table
        .lines()
        .find(|l| l.trim_start().starts_with("+0 "))
        .expect("a day-0 row");
    assert!(
        line.contains(&ar_pct) && line.contains(&t),
        "{line} vs {ar_pct} {t}"
    );
    assert!(table.contains("conventions: market model (OLS)"));
    assert!(table.contains("market value: not available"));
    // No charts asked for: none written.
    assert!(!f
        .out
        .join(format!("FIRM_{}", f.event_date()))
        .join("price.png")
        .exists());
}

#[test]
fn weekend_date_resolves_to_monday_and_is_reported() {
    let f = fixture();
    let saturday = f.event_date() - chrono::Duration::days(2);
    assert_eq!(saturday.weekday(), Weekday::Sat);
    let v = json(
        &f.cmd("FIRM", saturday)
            .args(["--no-charts", "--format", "json"])
            .assert()
            .success()
            .get_output()
            .stdout,
    );
    assert_eq!(v["events"][0]["event_date"], saturday.to_string());
    assert_eq!(v["events"][0]["day0"], f.event_date().to_string());
    // previous: the Friday before.
    let v = json(
        &f.cmd("FIRM", saturday)
            .args([
                "--no-charts",
                "--format",
                "json",
                "--non-trading",
                "previous",
            ])
            .assert()
            .success()
            .get_output()
            .stdout,
    );
    assert_eq!(
        v["events"][0]["day0"],
        (saturday - chrono::Duration::days(1)).to_string()
    );
    // skip: excluded, exit 3.
    let out = f
        .cmd("FIRM", saturday)
        .args(["--no-charts", "--non-trading", "skip"])
        .assert()
        .code(3)
        .get_output()
        .clone();
    assert!(String::from_utf8_lossy(&out.stdout).contains("not a trading day"));
}

#[test]
fn csv_format_and_chart_size() {
    let f = fixture();
    let out = f
        .cmd("FIRM", f.event_date())
        .args(["--format", "csv", "--size", "800x450", "--shares", "1e9"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    assert_eq!(text.lines().count(), 12);
    let dir = f.out.join(format!("FIRM_{}", f.event_date()));
    assert_eq!(png_size(&dir.join("car.png")), (800, 450));
    assert_eq!(png_size(&dir.join("market_value.png")), (800, 450));
}

fn stderr_of(assert: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&assert.get_output().stderr).into_owned()
}

/// One line, starting with "error:", and never a panic or backtrace.
fn assert_one_line_error(stderr: &str, needle: &str) {
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "expected one line, got: {stderr}");
    assert!(lines[0].starts_with("error: "), "{stderr}");
    assert!(
        lines[0].contains(needle),
        "{stderr} should mention {needle}"
    );
    assert!(!stderr.contains("panicked") && !stderr.contains("backtrace"));
}

#[test]
fn input_errors_exit_2_with_one_line() {
    let f = fixture();
    let a = f
        .cmd("FIRM", "2025-13-01")
        .arg("--no-charts")
        .assert()
        .code(2);
    assert_one_line_error(&stderr_of(&a), "2025-13-01");

    let a = f.cmd("../etc/passwd", f.event_date()).assert().code(2);
    assert_one_line_error(&stderr_of(&a), "may only use letters");

    let a = f
        .cmd("FIRM", f.event_date())
        .args(["--estimation", "-10:0"])
        .assert()
        .code(2);
    assert_one_line_error(&stderr_of(&a), "estimation window");

    let a = f
        .cmd("FIRM", f.event_date())
        .args(["--window", "5"])
        .assert()
        .code(2);
    assert_one_line_error(&stderr_of(&a), "--window");

    // A malformed CSV for the only ticker: the run exits with the input code.
    let a = f
        .cmd("BROKEN", f.event_date())
        .args(["--no-charts", "-q"])
        .assert()
        .code(2);
    let out = String::from_utf8_lossy(&a.get_output().stdout).into_owned();
    assert!(out.is_empty(), "--quiet table prints nothing");
    let v = json(
        &f.cmd("BROKEN", f.event_date())
            .args(["--no-charts", "-q", "--format", "json"])
            .output()
            .unwrap()
            .stdout,
    );
    assert!(v["excluded"][0]["reason"]
        .as_str()
        .unwrap()
        .contains("missing column(s) adj_close"));
}

#[test]
fn data_errors_exit_3() {
    let f = fixture();
    let a = f
        .cmd("NOPE", f.event_date())
        .args(["--no-charts", "-q"])
        .assert()
        .code(3);
    // --quiet silences warnings, never the error that says why nothing ran.
    let err = stderr_of(&a);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("error: no event ran (1 excluded: NOPE"),
        "{err}"
    );

    let v = json(
        &f.cmd("NOPE", f.event_date())
            .args(["--no-charts", "--format", "json"])
            .assert()
            .code(3)
            .get_output()
            .stdout,
    );
    assert!(v["excluded"][0]["reason"]
        .as_str()
        .unwrap()
        .contains("no price data for NOPE"));
    assert_eq!(v["events"], serde_json::json!([]));

    let v = json(
        &f.cmd("FIRM", d("2030-01-02"))
            .args(["--no-charts", "--format", "json"])
            .assert()
            .code(3)
            .get_output()
            .stdout,
    );
    assert!(v["excluded"][0]["reason"]
        .as_str()
        .unwrap()
        .contains("outside the data"));

    let v = json(
        &f.cmd("YOUNG", f.event_date())
            .args(["--no-charts", "--format", "json"])
            .assert()
            .code(3)
            .get_output()
            .stdout,
    );
    let reason = v["excluded"][0]["reason"].as_str().unwrap();
    assert!(reason.contains("valid estimation returns"), "{reason}");

    // A missing benchmark fails the whole run.
    let a = f
        .cmd("FIRM", f.event_date())
        .args(["--benchmark", "^NONE"])
        .assert()
        .code(3);
    assert_one_line_error(&stderr_of(&a), "benchmark");
}

#[test]
fn one_bad_ticker_does_not_stop_the_others() {
    let f = fixture();
    let a = f
        .cmd("FIRM,NOPE,YOUNG", f.event_date())
        .args(["--no-charts", "--format", "json"])
        .assert()
        .success();
    let v = json(&a.get_output().stdout);
    assert_eq!(v["events"].as_array().unwrap().len(), 1);
    let excluded: Vec<&str> = v["excluded"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["ticker"].as_str().unwrap())
        .collect();
    assert_eq!(excluded, ["NOPE", "YOUNG"]);
    assert!(v.to_string().find("NaN").is_none());
}

#[test]
fn a_failed_run_leaves_earlier_results_intact() {
    let f = fixture();
    f.cmd("FIRM", f.event_date())
        .arg("--no-charts")
        .assert()
        .success();
    let file = f
        .out
        .join(format!("FIRM_{}", f.event_date()))
        .join("summary.json");
    let before = std::fs::read(&file).unwrap();
    // Same event, but the benchmark is missing: the run fails before writing anything.
    f.cmd("FIRM", f.event_date())
        .args(["--no-charts", "--benchmark", "^NONE"])
        .assert()
        .code(3);
    assert_eq!(std::fs::read(&file).unwrap(), before);
}

#[test]
fn help_has_examples_and_exit_codes() {
    let out = Command::cargo_bin("eventstudy")
        .unwrap()
        .args(["run", "--help"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let help = String::from_utf8(out).unwrap();
    for needle in [
        "Examples:",
        "Exit codes:",
        "--ticker",
        "--shares-file",
        "--non-trading",
        "--after-close",
        "-250:-11",
    ] {
        assert!(help.contains(needle), "--help lacks {needle}");
    }
    Command::cargo_bin("eventstudy")
        .unwrap()
        .args(["run", "--bogus"])
        .assert()
        .code(2);
}
