//! Awkward but possible inputs: each ends in a result or a one-line error, never a panic, a
//! hang, a lost row or an overwritten folder.

mod common;

use std::path::PathBuf;
use std::time::Duration;

use assert_cmd::Command;
use chrono::NaiveDate;
use common::{d, synthetic, trading_days, write_price_csv};
use serde_json::Value;

struct Fixture {
    dir: tempfile::TempDir,
    dates: Vec<NaiveDate>,
}

const EVENT: usize = 280;

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let prices = dir.path().join("prices");
    std::fs::create_dir(&prices).unwrap();
    let dates = trading_days(d("2024-01-02"), 300, &[]);
    let s = synthetic(3, dates.clone(), 0.0, 1.0, 0.01, EVENT, -0.08);
    write_price_csv(&prices, "^GSPC", &dates, &s.market_prices);
    write_price_csv(&prices, "A", &dates, &s.firm_prices);
    let b = synthetic(4, dates.clone(), 0.0, 1.2, 0.01, EVENT, 0.03);
    write_price_csv(&prices, "B", &dates, &b.firm_prices);
    // C: a corrupt price on an estimation day.
    let mut c = s.firm_prices.clone();
    c[200] = 1.7e306;
    write_price_csv(&prices, "C", &dates, &c);
    Fixture { dir, dates }
}

impl Fixture {
    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::cargo_bin("eventstudy").unwrap();
        c.args(args)
            .arg(format!(
                "--source=csv:{}",
                self.dir.path().join("prices").display()
            ))
            .arg(format!("--out={}", self.out().display()))
            .timeout(Duration::from_secs(60));
        c
    }
    fn out(&self) -> PathBuf {
        self.dir.path().join("out")
    }
    fn event_date(&self) -> String {
        self.dates[EVENT].to_string()
    }
    fn events_file(&self, text: &str) -> String {
        let path = self.dir.path().join("events.csv");
        std::fs::write(&path, text).unwrap();
        path.display().to_string()
    }
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn one_line_error(out: &std::process::Output, needle: &str) {
    let err = stderr(out);
    let lines: Vec<&str> = err.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "one line: {err}");
    assert!(
        lines[0].starts_with("error: ") && lines[0].contains(needle),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn a_row_whose_window_cannot_hold_a_car_window_runs_without_that_window() {
    let f = fixture();
    let e = f.event_date();
    // The README's own example: a row with its own -3:3 window and the default CAR windows.
    let events = f.events_file(&format!(
        "ticker,date,benchmark,label,estimation,window\nA,{e},,,,\nB,{e},,Qwen,,-3:3\n"
    ));
    let out = f
        .cmd(&[
            "batch",
            "--events",
            &events,
            "--format",
            "json",
            "--no-charts",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["events"].as_array().unwrap().len(), 2);
    assert!(v["excluded"].as_array().unwrap().is_empty());
    let b = &v["events"][1];
    assert_eq!(b["row"], 3);
    let car = b["car"].as_array().unwrap();
    assert_eq!(car[3]["window"], "-5:5");
    assert!(car[3]["car"].is_null() && car[3]["p"].is_null());
    assert!(car[0]["car"].is_number());
    let notes = b["notes"].to_string();
    assert!(
        notes.contains("-5:5 do not fit the event window -3:3"),
        "{notes}"
    );
    assert!(stderr(&out).contains("-5:5 do not fit the event window -3:3"));
}

#[test]
fn dates_at_the_edge_of_the_calendar_are_one_line_errors() {
    let f = fixture();
    for args in [
        vec!["run", "-t", "A", "--date", "+262142-12-31"],
        vec![
            "run",
            "-t",
            "A",
            "--date",
            "2025-01-27",
            "--estimation",
            "2024-01-01..+262142-12-31",
        ],
    ] {
        let out = f.cmd(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        one_line_error(&out, "outside the years 1800 to 2200");
    }
    let out = Command::cargo_bin("eventstudy")
        .unwrap()
        .args([
            "fetch",
            "--ticker",
            "A",
            "--from=-262143-01-01",
            "--offline",
        ])
        .output()
        .unwrap();
    // `fetch` has no --offline: clap's usage error; without it the date is checked.
    assert_eq!(out.status.code(), Some(2));
    let out = Command::cargo_bin("eventstudy")
        .unwrap()
        .args(["fetch", "--ticker", "A", "--from=-262143-01-01"])
        .env("EVENTSTUDY_DATA_DIR", f.dir.path().join("store"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    one_line_error(&out, "--from");
    // A batch row with such a date is that row's exclusion.
    let events = f.events_file(&format!(
        "ticker,date\nA,{}\nB,+262142-12-31\n",
        f.event_date()
    ));
    let out = f
        .cmd(&[
            "batch",
            "--events",
            &events,
            "--format",
            "json",
            "--no-charts",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["excluded"][0]["reason"]
        .as_str()
        .unwrap()
        .contains("outside the years"));
}

#[test]
fn long_labels_and_repeated_events_keep_one_folder_each() {
    let f = fixture();
    let e = f.event_date();
    let long = "x".repeat(45);
    let events = f.events_file(&format!(
        "ticker,date,label\nA,{e},{long}1\nA,{e},{long}2\nA,{e},{long}1\n"
    ));
    let out = f
        .cmd(&["batch", "--events", &events, "--no-charts", "-q"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let folders: Vec<String> = std::fs::read_dir(f.out())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("A_"))
        .collect();
    assert_eq!(folders.len(), 3, "{folders:?}");
}

#[test]
fn a_run_folder_named_as_an_event_folder_is_refused() {
    let f = fixture();
    let e = f.event_date();
    let name = format!("A_{e}");
    let out = f
        .cmd(&[
            "run",
            "-t",
            "A,B",
            "-d",
            &e,
            "--name",
            &name,
            "--no-charts",
            "-q",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    one_line_error(
        &out,
        &format!("--name '{name}' is also the folder of the event A"),
    );
    assert!(!f.out().exists(), "nothing was written");
}

#[test]
fn a_corrupt_price_skips_the_chart_it_would_break() {
    let f = fixture();
    let out = f
        .cmd(&["run", "-t", "C", "-d", &f.event_date(), "--shares", "1e9"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("chart price.png skipped: its values reach 1")
            && err.contains("too large to draw"),
        "{err}"
    );
    let dir = f.out().join(format!("C_{}", f.event_date()));
    assert!(!dir.join("price.png").exists());
    assert!(dir.join("car.png").is_file(), "the other charts are drawn");
}

#[test]
fn a_rerun_without_a_share_count_leaves_no_stale_market_value_chart() {
    let f = fixture();
    let e = f.event_date();
    let dir = f.out().join(format!("A_{e}"));
    f.cmd(&["run", "-t", "A", "-d", &e, "--shares", "1e9", "-q"])
        .assert()
        .success();
    assert!(dir.join("market_value.png").is_file());
    f.cmd(&["run", "-t", "A", "-d", &e, "-q"])
        .assert()
        .success();
    assert!(!dir.join("market_value.png").exists());
    assert!(dir.join("car.png").is_file());
}
