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
    /// `batch --events EVENTS --no-charts -q --format json`, which must succeed: its JSON.
    fn batch_json(&self, events: &str) -> Value {
        let out = self
            .cmd(&[
                "batch",
                "--events",
                events,
                "--no-charts",
                "-q",
                "--format",
                "json",
            ])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        serde_json::from_slice(&out.stdout).unwrap()
    }

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
fn a_corrupt_price_is_an_input_error_naming_the_symbol_date_and_values() {
    let f = fixture();
    let e = f.event_date();
    let date = f.dates[200];
    let out = f
        .cmd(&["run", "-t", "C", "-d", &e, "--shares", "1e9", "--no-charts"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("C: the adjusted close goes from ")
            && err.contains(&format!("to 1.7e306 on {date}"))
            && err.contains("beyond the plausible +1000% a day"),
        "{err}"
    );
    // The class: a price that is not positive, in the benchmark too, in a batch that runs on.
    let prices = f.dir.path().join("prices");
    let text = std::fs::read_to_string(prices.join("A.csv")).unwrap();
    let negative: String = text
        .lines()
        .enumerate()
        .map(|(i, l)| match i {
            150 => {
                let mut cells: Vec<&str> = l.split(',').collect();
                cells[5] = "-3.5"; // adj_close
                cells.join(",") + "\n"
            }
            _ => format!("{l}\n"),
        })
        .collect();
    std::fs::write(prices.join("N.csv"), negative).unwrap();
    let events = f.events_file(&format!("ticker,date\nN,{e}\nA,{e}\n"));
    let v = f.batch_json(&events);
    assert_eq!(v["events"].as_array().unwrap().len(), 1);
    let reason = v["excluded"][0]["reason"].as_str().unwrap();
    assert!(reason.contains("is -3.5, not a positive price"), "{reason}");
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

/// Every file under `dir`, with its bytes, for comparing a folder before and after.
fn snapshot(dir: &std::path::Path) -> std::collections::BTreeMap<PathBuf, Vec<u8>> {
    let mut out = std::collections::BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.insert(path.clone(), std::fs::read(&path).unwrap());
            }
        }
    }
    out
}

/// A run in which no event runs (a symbol without data, a batch whose rows all fail) leaves
/// every earlier result as it was, and says why in an `error:` line even under `--quiet`.
#[test]
fn a_run_in_which_nothing_ran_leaves_the_earlier_results_and_says_why() {
    let f = fixture();
    let e = f.event_date();
    let good = f
        .cmd(&["run", "-t", "A,B", "--date", &e, "--no-charts", "-q"])
        .output()
        .unwrap();
    assert!(good.status.success(), "{}", stderr(&good));
    let before = snapshot(&f.out());
    assert!(before.keys().any(|p| p.ends_with("aar.csv")));
    let failures = [
        vec!["run", "-t", "NOPE", "--date", &e, "--no-charts", "-q"],
        vec!["run", "-t", "NOPE,NADA", "--date", &e, "--no-charts"],
    ];
    for args in failures {
        let out = f.cmd(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(3), "{args:?}");
        let err = stderr(&out);
        let last = err.lines().last().unwrap_or_default();
        assert!(
            last.starts_with("error: no event ran (") && last.contains("NOPE"),
            "{err}"
        );
        assert_eq!(snapshot(&f.out()), before, "{args:?} changed the outputs");
    }
    // A batch whose rows all fail, named as the earlier run's folder.
    let events = f.events_file(&format!("ticker,date\nNOPE,{e}\nNADA,{e}\n"));
    let out = f
        .cmd(&[
            "batch",
            "--events",
            &events,
            "--name",
            &format!("portfolio_{e}"),
            "-q",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["excluded"].as_array().unwrap().len(), 2);
    assert!(v["tables"].as_object().is_none_or(|t| t.is_empty()), "{v}");
    assert!(stderr(&out).contains("error: no event ran (2 excluded: NOPE"));
    assert_eq!(snapshot(&f.out()), before);
}

/// `fetch` that could fetch nothing (here: nothing listens where Yahoo should be) says so under
/// `--quiet` too.
#[test]
fn a_failed_fetch_is_an_error_line_under_quiet() {
    let f = fixture();
    let out = Command::cargo_bin("eventstudy")
        .unwrap()
        .env("EVENTSTUDY_YAHOO_HOST", "127.0.0.1:9")
        .args(["fetch", "-t", "NVDA", "--from", "2024-01-01", "-q"])
        .arg(format!(
            "--data-dir={}",
            f.dir.path().join("store").display()
        ))
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let err = stderr(&out);
    assert!(
        err.lines()
            .last()
            .is_some_and(|l| l.starts_with("error: 1 of 1 symbols could not be fetched")),
        "{err}"
    );
}

/// Every row of a batch file has an id, excluded or not, in the JSON and the events table.
#[test]
fn excluded_rows_keep_their_ids() {
    let f = fixture();
    let e = f.event_date();
    let events = f.events_file(&format!(
        "ticker,date\nA,{e}\nNOT A TICKER,{e}\nB,{e}\nNOPE,{e}\n"
    ));
    let v = f.batch_json(&events);
    let ran: Vec<(u64, &str)> = v["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["id"].as_u64().unwrap(), e["ticker"].as_str().unwrap()))
        .collect();
    assert_eq!(ran, [(1, "A"), (3, "B")]);
    let excluded: Vec<(u64, u64)> = v["excluded"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| (x["id"].as_u64().unwrap(), x["row"].as_u64().unwrap()))
        .collect();
    assert_eq!(excluded, [(2, 3), (4, 5)]);
    let table =
        std::fs::read_to_string(f.out().join("portfolio_events/tables/events.csv")).unwrap();
    let mut ids: Vec<&str> = table
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    ids.sort();
    assert_eq!(ids, ["1", "2", "3", "4"]);
}

/// Flags whose defaults used to get in the way, and values that used to be renamed or ignored.
#[test]
fn defaults_do_not_conflict_and_odd_values_are_refused_with_a_reason() {
    let f = fixture();
    let e = f.event_date();
    // --car without 0:0: the market-value chart takes the first --car window.
    let out = f
        .cmd(&["run", "-t", "A,B", "--date", &e, "--car", "0:1", "-q"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        f.out()
            .join(format!("portfolio_{e}/market_value_by_ticker.png"))
            .is_file()
            || stderr(&out).is_empty()
    );
    for (args, needle) in [
        (
            vec!["run", "-t", "A", "--date", &e, "--name", "../x"],
            "--name '../x' may only use",
        ),
        (
            vec![
                "run",
                "-t",
                "A",
                "--date",
                &e,
                "--bhar",
                "0:20",
                "--bootstrap",
                "1",
            ],
            "--bootstrap",
        ),
    ] {
        let out = f.cmd(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        one_line_error(&out, needle);
    }
    assert!(!f.dir.path().join("x").exists());
}

/// A config value of the wrong type names the key and the value; a broken config file does
/// not break the commands that do not read it.
#[test]
fn config_values_of_the_wrong_type_are_errors_naming_the_key() {
    let f = fixture();
    let e = f.event_date();
    for (text, needle) in [
        (
            "no-charts = \"yes\"\n",
            "key 'no-charts': true or false is expected, not 'yes'",
        ),
        (
            "min-estimation = 1.5\n",
            "key 'min-estimation': '1.5' is not accepted",
        ),
    ] {
        let config = f.dir.path().join("bad.toml");
        std::fs::write(&config, text).unwrap();
        let out = f
            .cmd(&[
                "run",
                "-t",
                "A",
                "--date",
                &e,
                "--config",
                config.to_str().unwrap(),
            ])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{text}");
        one_line_error(&out, needle);
    }
    std::fs::write(f.dir.path().join("eventstudy.toml"), "not [ toml").unwrap();
    for args in [
        vec!["man"],
        vec!["completions", "bash"],
        vec!["synthetic", "--help"],
    ] {
        let out = Command::cargo_bin("eventstudy")
            .unwrap()
            .current_dir(f.dir.path())
            .env_remove("EVENTSTUDY_CONFIG")
            .args(&args)
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    }
}

/// `synthetic` refuses sizes it cannot write (a panic before) or whose dates no reader takes.
#[test]
fn synthetic_sizes_are_checked() {
    let f = fixture();
    for (flag, value) in [("--days", "100000000"), ("--days", "299"), ("--firms", "0")] {
        let out = Command::cargo_bin("eventstudy")
            .unwrap()
            .args(["synthetic", flag, value, "--out"])
            .arg(f.dir.path().join("syn"))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{flag} {value}");
        one_line_error(&out, &format!("{flag} {value} is outside"));
    }
}

/// One malformed row costs that row: an extra field, text after a closing quote and a quote
/// never closed are excluded with their line; a Latin-1 label is read lossily; the rest runs.
#[test]
fn a_malformed_batch_row_costs_that_row_only() {
    let f = fixture();
    let e = f.event_date();
    let mut bytes =
        format!("ticker,date,label\nA,{e},fine\nB,{e},one,two\n\"A\"x,{e},q\n").into_bytes();
    bytes.extend_from_slice(format!("B,{e},caf\u{e9}").as_bytes());
    bytes.truncate(bytes.len() - 2);
    bytes.push(0xe9); // "café" in Latin-1
    bytes.extend_from_slice(format!("\nA,{e},\"never closed\n").as_bytes());
    let path = f.dir.path().join("events.csv");
    std::fs::write(&path, &bytes).unwrap();
    let v = f.batch_json(path.to_str().unwrap());
    let ran: Vec<(u64, &str)> = v["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["row"].as_u64().unwrap(), e["label"].as_str().unwrap()))
        .collect();
    assert_eq!(ran, [(2, "fine"), (5, "caf\u{fffd}")]);
    let excluded: Vec<(u64, String)> = v["excluded"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["row"].as_u64().unwrap(),
                x["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(excluded.len(), 3, "{excluded:?}");
    assert_eq!(excluded[0].0, 3);
    assert!(excluded[0].1.contains("4 fields where the header has 3"));
    assert_eq!(excluded[1].0, 4);
    assert!(excluded[1].1.contains("text after a closing quote"));
    assert_eq!(excluded[2].0, 6);
    assert!(excluded[2].1.contains("never closed"));
}

/// Messages that used to mislead, and exit codes that contradicted the docs: each names what
/// is wrong, with the line where there is one, and exits 2 for a problem of the input.
#[test]
fn input_problems_exit_2_with_a_message_that_names_them() {
    let f = fixture();
    let e = f.event_date();
    let prices = f.dir.path().join("prices");
    std::fs::create_dir(prices.join("DIR.csv")).unwrap();
    std::os::unix::fs::symlink(prices.join("gone.csv"), prices.join("LINK.csv")).unwrap();
    let a = std::fs::read_to_string(prices.join("A.csv")).unwrap();
    let lines: Vec<&str> = a.lines().collect();
    // A date repeated on line 6 (its twin on line 3), and bytes that are not UTF-8 on line 5.
    let mut repeated = lines[..5].join("\n") + "\n" + lines[2] + "\n" + &lines[5..].join("\n");
    repeated.push('\n');
    std::fs::write(prices.join("REP.csv"), repeated).unwrap();
    let mut bytes = (lines[..4].join("\n") + "\n").into_bytes();
    bytes.extend_from_slice(b"2024-01-08,1,1,1,1,4\xff5.2,100\n");
    std::fs::write(prices.join("BIN.csv"), bytes).unwrap();
    for (ticker, needle) in [
        ("DIR", "DIR.csv: is a folder, not a price file"),
        ("LINK", "LINK.csv: is a link to nothing"),
        ("REP", "REP.csv: lines 3 and 6 both have the date"),
        ("BIN", "BIN.csv: line 5: bytes that are not UTF-8 text"),
    ] {
        let out = f
            .cmd(&["run", "-t", ticker, "--date", &e, "--no-charts", "-q"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{ticker}: {}", stderr(&out));
        one_line_error(&out, needle);
    }
    // Dated windows that conflict are a usage error, as the same windows in days are.
    let estimation = format!("{}..{}", f.dates[100], f.dates[EVENT]);
    for args in [
        vec![
            "run",
            "-t",
            "A",
            "--date",
            &e,
            "--estimation",
            "-250:0",
            "--no-charts",
            "-q",
        ],
        vec![
            "run",
            "-t",
            "A",
            "--date",
            &e,
            "--estimation",
            &estimation,
            "--no-charts",
            "-q",
        ],
    ] {
        let out = f.cmd(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("must end before the event window"),
            "{}",
            stderr(&out)
        );
    }
    // --out naming a file.
    let file = f.dir.path().join("a-file");
    std::fs::write(&file, "x").unwrap();
    let out = Command::cargo_bin("eventstudy")
        .unwrap()
        .args(["run", "-t", "A", "--date", &e, "--no-charts", "-q"])
        .arg(format!("--source=csv:{}", prices.display()))
        .arg("--out")
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    one_line_error(&out, "a-file is a file, not a folder");
    // News after the close of the data's last day.
    let last = f.dates.last().unwrap().to_string();
    let out = f
        .cmd(&[
            "run",
            "-t",
            "A",
            "--date",
            &last,
            "--after-close",
            "--no-charts",
            "-q",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stderr(&out).contains(&format!(
            "the news came after the close of {last}, the data's last day"
        )),
        "{}",
        stderr(&out)
    );
}

/// A huge cell reaches messages and outputs cut to a readable length.
#[test]
fn a_huge_cell_is_cut_in_messages_and_outputs() {
    let f = fixture();
    let e = f.event_date();
    let huge = "X".repeat(1_000_000);
    let events = f.events_file(&format!("ticker,date\n{huge},{e}\nA,{huge}\nA,{e}\n"));
    let out = f
        .cmd(&[
            "batch",
            "--events",
            &events,
            "--no-charts",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        out.stdout.len() < 200_000,
        "{} bytes of JSON",
        out.stdout.len()
    );
    let err = stderr(&out);
    assert!(
        err.lines().all(|l| l.len() < 2_500),
        "a line of stderr is too long"
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let excluded = v["excluded"].as_array().unwrap();
    assert_eq!(excluded.len(), 2);
    for x in excluded {
        assert!(x["reason"].as_str().unwrap().len() < 500, "{x}");
        assert!(x["ticker"].as_str().unwrap().len() < 100);
    }
    assert!(excluded[0]["reason"]
        .as_str()
        .unwrap()
        .contains("(1000000 characters)"));
    let out = f
        .cmd(&["run", "-t", &huge[..5000], "--date", &e])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).len() < 300, "{}", stderr(&out).len());
}

/// Statistics whose denominator is rounding noise are null, never huge: a firm that is its own
/// benchmark (or moves with a benchmark that barely moves) is excluded with the reason;
/// identical events give no cross-sectional t, BMP or Kolari-Pynnönen t, and r stays <= 1.
#[test]
fn degenerate_statistics_are_null_or_excluded_never_confident() {
    let f = fixture();
    let e = f.event_date();
    let prices = f.dir.path().join("prices");
    std::fs::copy(prices.join("^GSPC.csv"), prices.join("TWIN.csv")).unwrap();
    // A benchmark that moves by 1e-13 a day: below any price's precision.
    let flat: Vec<f64> = (0..f.dates.len())
        .map(|i| 100.0 * (1.0 + 1e-13 * ((i * 7 % 5) as f64)))
        .collect();
    write_price_csv(&prices, "^FLAT", &f.dates, &flat);
    for (args, needle) in [
        (
            vec!["run", "-t", "TWIN", "--date", &e],
            "fits the firm's returns exactly",
        ),
        (
            vec!["run", "-t", "A", "--date", &e, "--benchmark", "^FLAT"],
            "constant",
        ),
        (
            vec![
                "run",
                "-t",
                "TWIN",
                "--date",
                &e,
                "--model",
                "market-adjusted",
            ],
            "fits the firm's returns exactly",
        ),
    ] {
        let out = f
            .cmd(&[&args[..], &["--no-charts", "--format", "json"]].concat())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(3), "{args:?}: {}", stderr(&out));
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        let reason = v["excluded"][0]["reason"].as_str().unwrap();
        assert!(reason.contains(needle), "{args:?}: {reason}");
    }
    // Three identical events.
    let events = f.events_file(&format!("ticker,date\nA,{e}\nA,{e}\nA,{e}\n"));
    let v = f.batch_json(&events);
    let a = &v["aggregate"];
    assert!(a["residual_correlation"].as_f64().unwrap() <= 1.0);
    for section in [&a["days"], &a["car"]] {
        for row in section.as_array().unwrap() {
            for test in ["csect_t", "bmp_t", "kp_bmp_t"] {
                assert!(row[test]["stat"].is_null(), "{test}: {row}");
            }
            // What does not divide by the spread still stands.
            assert!(row["patell_z"]["stat"].is_number());
        }
    }
}

/// Values too large to draw (a share count of 1e300 makes market values of 1e302) skip the
/// charts that show them, with a warning; the other charts are drawn.
#[test]
fn values_too_large_to_draw_skip_their_chart() {
    let f = fixture();
    let e = f.event_date();
    let out = f
        .cmd(&["run", "-t", "A", "-d", &e, "--shares", "1e300"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("chart market_value.png skipped: its values reach")
            && err.contains("too large to draw"),
        "{err}"
    );
    let dir = f.out().join(format!("A_{e}"));
    assert!(!dir.join("market_value.png").exists());
    assert!(dir.join("car.png").is_file(), "the other charts are drawn");
}

/// An output folder that cannot be made is a write failure: exit 1, one line naming it.
#[test]
fn an_output_folder_that_cannot_be_written_exits_1() {
    let f = fixture();
    let e = f.event_date();
    let file = f.dir.path().join("plain-file");
    std::fs::write(&file, "x").unwrap();
    let out = Command::cargo_bin("eventstudy")
        .unwrap()
        .args(["run", "-t", "A", "--date", &e, "--no-charts", "-q"])
        .arg(format!(
            "--source=csv:{}",
            f.dir.path().join("prices").display()
        ))
        .arg("--out")
        .arg(file.join("reports"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    one_line_error(&out, "plain-file/reports");
}
