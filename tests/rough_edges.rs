//! What a new user hits on a first walk through the README, on the example data: a batch row
//! with a short window of its own, repeated warnings, the manual pages, the files a summary
//! names, the folders of an event given as a time, and the console's test battery.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

/// The repository's `examples/` folder.
fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples")
}

/// `eventstudy ARGS` in `dir`, with the example prices; (exit code, stdout, stderr).
fn eventstudy(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let prices = format!("csv:{}", examples().join("prices").display());
    let output = Command::cargo_bin("eventstudy")
        .unwrap()
        .current_dir(dir)
        .env_remove("EVENTSTUDY_CONFIG")
        .env("EVENTSTUDY_DATA_DIR", dir.join("store"))
        .args(args)
        .args(["--source", &prices])
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The README's batch file: BABA's own event window -3:3 cannot hold the default CAR window
/// -5:5. The row runs; that window alone is null for it, with a note; the portfolio's -5:5
/// counts the two events that have it.
#[test]
fn a_car_window_outside_a_rows_window_is_null_for_that_row_only() {
    let dir = tempfile::tempdir().unwrap();
    let events = dir.path().join("events.csv");
    std::fs::copy(examples().join("events.csv"), &events).unwrap();
    let (code, stdout, stderr) = eventstudy(
        dir.path(),
        &["batch", "--events", "events.csv", "--format", "json"],
    );
    assert_eq!(code, 0, "{stderr}");
    let summary: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(summary["events"].as_array().unwrap().len(), 3);
    assert!(summary["excluded"].as_array().unwrap().is_empty());
    let baba = &summary["events"][2];
    assert_eq!(baba["ticker"], "BABA");
    assert_eq!(baba["event_window"], serde_json::json!([-3, 3]));
    let windows: Vec<&str> = baba["car"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["window"].as_str().unwrap())
        .collect();
    assert_eq!(windows, ["0:0", "-1:1", "0:1", "-5:5"]);
    let left_out = &baba["car"][3];
    assert!(left_out["car"].is_null() && left_out["t"].is_null());
    assert_eq!(left_out["days"], 0);
    assert!(baba["car"][1]["car"].as_f64().unwrap().is_finite());
    assert!(baba["notes"].as_array().unwrap().iter().any(|n| n
        .as_str()
        .unwrap()
        .contains("-5:5 do not fit the event window -3:3")));
    let aggregate = &summary["aggregate"];
    let car = |w: &str| {
        aggregate["car"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["window"] == w)
            .unwrap()
            .clone()
    };
    assert_eq!(car("-1:1")["n"], 3);
    assert_eq!(car("-5:5")["n"], 2);
    // The -5:5 CAAR is the mean of NVDA's and AVGO's.
    let own = |i: usize| summary["events"][i]["car"][3]["car"].as_f64().unwrap();
    let caar = car("-5:5")["caar"].as_f64().unwrap();
    assert!((caar - (own(0) + own(1)) / 2.0).abs() < 1e-15);
}

/// Ten events without a share count make one warning with the count and the first five, not
/// ten; a firm without volume is named.
#[test]
fn a_warning_many_events_share_is_said_once_with_their_count() {
    let dir = tempfile::tempdir().unwrap();
    let events = examples().join("deepseek.csv");
    let (code, _, stderr) = eventstudy(
        dir.path(),
        &["batch", "--events", events.to_str().unwrap(), "--no-charts"],
    );
    assert_eq!(code, 0, "{stderr}");
    let shares: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("no share count"))
        .collect();
    assert_eq!(
        shares,
        ["warning: no share count (--shares or --shares-file): market value is null (10 events: NVDA (DeepSeek), AVGO (DeepSeek), TSM (DeepSeek), MRVL (DeepSeek), ARM (DeepSeek) and 5 more)"]
    );
    let volume: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("no trading volume"))
        .collect();
    assert_eq!(volume.len(), 1, "{stderr}");
    assert!(volume[0].starts_with("warning: BABA (Qwen 2.5-Max): "));
    assert_eq!(stderr.lines().count(), 2, "{stderr}");
}

/// `man --all DIR` writes every page the main page refers to.
#[test]
fn man_all_writes_a_page_for_every_subcommand_it_names() {
    let dir = tempfile::tempdir().unwrap();
    let pages = dir.path().join("man1");
    let output = Command::cargo_bin("eventstudy")
        .unwrap()
        .args(["man", "--all"])
        .arg(&pages)
        .output()
        .unwrap();
    assert!(output.status.success());
    let main = std::fs::read_to_string(pages.join("eventstudy.1")).unwrap();
    let mut named = 0;
    for (i, _) in main.match_indices("eventstudy\\-") {
        let rest = &main[i..];
        let end = rest.find("(1)").unwrap();
        let page = rest[..end].replace("\\-", "-");
        assert!(pages.join(format!("{page}.1")).is_file(), "{page}.1");
        named += 1;
    }
    assert!(named >= 8, "{named} pages named");
    let run = std::fs::read_to_string(pages.join("eventstudy-run.1")).unwrap();
    assert!(run.contains("\\-\\-ticker") && run.contains("\\-\\-car"));
    assert!(std::fs::read_to_string(pages.join("eventstudy-store-list.1")).is_ok());
}

/// A one-event run writes no aggregate tables, and its summary names none.
#[test]
fn every_table_a_one_event_summary_names_exists() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, stderr) = eventstudy(
        dir.path(),
        &[
            "run",
            "--ticker",
            "NVDA",
            "--date",
            "2025-01-27",
            "--no-charts",
            "-q",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let run = dir.path().join("output/portfolio_2025-01-27");
    let summary = read_json(&run.join("summary.json"));
    let tables = summary["tables"].as_object().unwrap();
    assert_eq!(
        tables.keys().map(String::as_str).collect::<Vec<_>>(),
        ["cars", "days", "events"]
    );
    for path in tables.values() {
        assert!(run.join(path.as_str().unwrap()).is_file(), "{path}");
    }
}

/// An event given as a time: its folder and the run folder are named by the date as given,
/// while the JSON places it on the exchange's clock.
#[test]
fn a_timed_events_folders_are_named_by_the_date_as_given() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, stderr) = eventstudy(
        dir.path(),
        &[
            "run",
            "--ticker",
            "BABA",
            "--date",
            "2025-01-29T01:00+08:00",
            "--no-charts",
            "-q",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let out = dir.path().join("output");
    let mut folders: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    folders.sort();
    assert_eq!(folders, ["BABA_2025-01-29", "portfolio_2025-01-29"]);
    let event = read_json(&out.join("BABA_2025-01-29/summary.json"));
    assert_eq!(event["events"][0]["event_date"], "2025-01-28");
    assert_eq!(event["events"][0]["day0_rule"], "in session");
}

/// The console's and report.md's AAR/CAAR tables show every test of the JSON, the plain sign
/// test included.
#[test]
fn the_portfolio_tables_show_the_sign_test() {
    let dir = tempfile::tempdir().unwrap();
    let (code, stdout, stderr) = eventstudy(
        dir.path(),
        &[
            "run",
            "--ticker",
            "NVDA,AVGO,TSM",
            "--date",
            "2025-01-27",
            "--no-charts",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let header = stdout
        .lines()
        .find(|l| l.trim_start().starts_with("day ") && l.contains("Patell"))
        .unwrap();
    let columns: Vec<&str> = header.split_whitespace().collect();
    assert_eq!(
        columns,
        [
            "day", "N", "AAR", "CAAR", "csect", "t", "Patell", "BMP", "KP-BMP", "rank", "gen.sign",
            "sign", "Wilcoxon", "CDA", "t"
        ]
    );
    // Day 0: all three fell, so the sign test's z is -sqrt(3) (p = 1/2 each way).
    let day0 = stdout
        .lines()
        .find(|l| l.trim_start().starts_with("+0 ") && l.split_whitespace().count() == 13)
        .unwrap();
    let cells: Vec<&str> = day0.split_whitespace().collect();
    assert_eq!(cells[10].trim_end_matches('*'), "-1.73");
    let report =
        std::fs::read_to_string(dir.path().join("output/portfolio_2025-01-27/report.md")).unwrap();
    assert!(report.contains("| gen.sign | sign | Wilcoxon |"));
}
