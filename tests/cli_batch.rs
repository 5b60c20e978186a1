//! `eventstudy batch`: many events from a file, per-event overrides, the portfolio and its
//! tests, checked against identities of the per-event numbers.

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use assert_cmd::Command;
use chrono::NaiveDate;
use clap::Parser;
use common::{d, synthetic, trading_days, write_price_csv};
use eventstudy::cli::{Cli, Command as Sub};
use eventstudy::data::{csv::CsvDirSource, PriceFrame, PriceSource};
use eventstudy::Ticker;
use serde_json::Value;

struct Fixture {
    dir: tempfile::TempDir,
    dates: Vec<NaiveDate>,
}

impl Fixture {
    fn prices(&self) -> PathBuf {
        self.dir.path().join("prices")
    }
    fn out(&self) -> PathBuf {
        self.dir.path().join("out")
    }
    fn events(&self) -> PathBuf {
        self.dir.path().join("events.csv")
    }
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let prices = dir.path().join("prices");
    std::fs::create_dir(&prices).unwrap();
    let dates = trading_days(d("2024-01-02"), 330, &[]);
    let base = synthetic(1, dates.clone(), 0.0, 1.0, 0.01, 280, -0.08);
    write_price_csv(&prices, "^GSPC", &dates, &base.market_prices);
    let alt = synthetic(2, dates.clone(), 0.0, 1.0, 0.01, 0, 0.0);
    write_price_csv(&prices, "^ALT", &dates, &alt.market_prices);
    for (i, name) in ["A", "B", "C"].iter().enumerate() {
        let mut s = synthetic(
            10 + i as u64,
            dates.clone(),
            0.0003,
            0.8 + 0.2 * i as f64,
            0.012,
            280,
            -0.08,
        );
        if *name == "C" {
            s = synthetic(13, dates.clone(), 0.0, 1.1, 0.012, 280, -0.08);
        }
        let mut prices_i = s.firm_prices.clone();
        if *name == "A" {
            // A second event for A at day 300: a +5% jump from there on.
            for p in prices_i[300..].iter_mut() {
                *p *= 1.05;
            }
        }
        write_price_csv(&prices, name, &dates, &prices_i);
    }
    std::fs::write(
        dir.path().join("shares.csv"),
        "ticker,shares_outstanding,as_of\nA,1000000000,2024-06-28\nB,2000000000,2024-06-28\n",
    )
    .unwrap();
    let e = |i: usize| dates[i].to_string();
    std::fs::write(
        dir.path().join("events.csv"),
        format!(
            "ticker,date,benchmark,label,estimation,window\n\
             A,{},,first,,\n\
             A,{},,second,,\n\
             B,{},,,,\n\
             C,{},^ALT,,2024-01-02..{},-3:3\n\
             NOPE,{},,,,\n\
             B,notadate,,,,\n",
            e(280),
            e(300),
            e(280),
            e(280),
            e(250),
            e(280)
        ),
    )
    .unwrap();
    Fixture { dir, dates }
}

fn batch_args(f: &Fixture) -> Vec<String> {
    let mut args: Vec<String> = ["batch", "--events"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    args.push(f.events().display().to_string());
    args.extend([
        "--source".to_string(),
        format!("csv:{}", f.prices().display()),
    ]);
    args.extend(["--out".to_string(), f.out().display().to_string()]);
    args.extend(
        ["--car", "0:0,-1:1", "--shares-file"]
            .iter()
            .map(|s| s.to_string()),
    );
    args.push(f.dir.path().join("shares.csv").display().to_string());
    args
}

/// The batch of `f` with `extra` arguments, which must fail as bad input (exit 2).
fn batch_failing(f: &Fixture, extra: &[&str]) -> std::process::Output {
    Command::cargo_bin("eventstudy")
        .unwrap()
        .args(batch_args(f))
        .args(extra)
        .assert()
        .code(2)
        .get_output()
        .clone()
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

fn csect(v: &[f64]) -> f64 {
    let m = mean(v);
    let sd = (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (v.len() - 1) as f64).sqrt();
    m / (sd / (v.len() as f64).sqrt())
}

#[test]
fn batch_runs_every_event_and_aggregates_them() {
    let f = fixture();
    let v = common::success_json(
        Command::cargo_bin("eventstudy")
            .unwrap()
            .args(batch_args(&f))
            .args(["--format", "json", "--no-event-charts"]),
    );
    let events = v["events"].as_array().unwrap();
    assert_eq!(events.len(), 4);
    let ids: Vec<u64> = events.iter().map(|e| e["id"].as_u64().unwrap()).collect();
    assert_eq!(ids, [1, 2, 3, 4]);
    assert_eq!(events[0]["label"], "first");
    assert_eq!(events[1]["label"], "second");
    assert_eq!(events[1]["day0"], f.dates[300].to_string());
    // Per-event overrides: benchmark, a dated estimation window, a shorter event window.
    let c = &events[3];
    assert_eq!(c["benchmark"], "^ALT");
    assert_eq!(c["event_window"], serde_json::json!([-3, 3]));
    assert_eq!(c["estimation_window"], serde_json::json!([-280, -30]));
    assert_eq!(
        c["n_estimation"], 250,
        "2024-01-02 has no return: 251 days, 250 returns"
    );
    assert_eq!(c["days"].as_array().unwrap().len(), 7);

    let excluded = v["excluded"].as_array().unwrap();
    let rows: Vec<u64> = excluded
        .iter()
        .map(|x| x["row"].as_u64().unwrap())
        .collect();
    assert_eq!(rows, [6, 7]);
    assert!(excluded[0]["reason"]
        .as_str()
        .unwrap()
        .contains("no price data for NOPE"));
    assert!(excluded[1]["reason"]
        .as_str()
        .unwrap()
        .starts_with("row 7: date 'notadate'"));
    assert_eq!(excluded[1]["event_date"], Value::Null);

    // The aggregate against identities of the per-event numbers.
    let a = &v["aggregate"];
    assert_eq!(a["n"], 4);
    assert_eq!(a["n_with_market_value"], 3);
    let day = |rel: i64| {
        a["days"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["rel"] == rel)
            .unwrap()
            .clone()
    };
    assert_eq!(day(-5)["n"], 3, "C's window starts at -3");
    assert_eq!(day(0)["n"], 4);
    let at = |e: &Value, rel: i64, key: &str| {
        e["days"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["rel"] == rel)
            .unwrap()[key]
            .as_f64()
            .unwrap()
    };
    let ar0: Vec<f64> = events.iter().map(|e| at(e, 0, "ar")).collect();
    let sar0: Vec<f64> = events.iter().map(|e| at(e, 0, "ar_t")).collect();
    assert!((day(0)["aar"].as_f64().unwrap() - mean(&ar0)).abs() < 1e-12);
    assert!((day(0)["csect_t"]["stat"].as_f64().unwrap() - csect(&ar0)).abs() < 1e-9);
    assert!(
        (day(0)["bmp_t"]["stat"].as_f64().unwrap() - csect(&sar0)).abs() < 1e-9,
        "BMP is the cross-sectional t of the SARs"
    );
    let car00: Vec<f64> = events
        .iter()
        .map(|e| e["car"][0]["car"].as_f64().unwrap())
        .collect();
    assert!((a["car"][0]["caar"].as_f64().unwrap() - mean(&car00)).abs() < 1e-12);
    // Dollars: day 0 summed over the three events with a share count.
    let mv0: f64 = events
        .iter()
        .filter(|e| !e["market_value_before"].is_null())
        .map(|e| at(e, 0, "market_value_change"))
        .sum();
    assert!((a["market_value_change"].as_f64().unwrap() - mv0).abs() < 1.0);
    for name in [
        "csect_t",
        "patell_z",
        "bmp_t",
        "kp_bmp_t",
        "corrado_rank_z",
        "generalized_sign_z",
        "wilcoxon_z",
        "cda_t",
    ] {
        assert!(
            day(0)[name]["stat"].is_number() && day(0)[name]["p"].is_number(),
            "{name}"
        );
    }

    // Outputs: one folder per event (A twice), the portfolio folder with its tables and charts.
    let out = f.out();
    for slug in [
        format!("A_{}_first", f.dates[280]),
        format!("A_{}_second", f.dates[300]),
        format!("B_{}", f.dates[280]),
    ] {
        assert!(out.join(&slug).join("summary.json").is_file(), "{slug}");
        assert!(
            !out.join(&slug).join("car.png").exists(),
            "--no-event-charts"
        );
    }
    let portfolio = out.join("portfolio_events");
    for name in ["summary.json", "aar.csv", "caar.csv", "events.csv"] {
        assert!(portfolio.join(name).is_file(), "{name}");
    }
    for name in [
        "caar.png",
        "market_value_by_ticker.png",
        "abnormal_returns_heatmap.png",
    ] {
        let img = image::open(portfolio.join(name)).unwrap();
        assert_eq!((img.width(), img.height()), (1600, 900), "{name}");
    }
    let aar = std::fs::read_to_string(portfolio.join("aar.csv")).unwrap();
    let header = aar.lines().next().unwrap();
    assert!(
        header.starts_with("rel,n,aar,caar,car_sd,csect_t,csect_t_p,patell_z,patell_z_p,bmp_t"),
        "{header}"
    );
    assert!(header.contains("cda_t,cda_t_p"));
    assert_eq!(aar.lines().count(), 12);
    let whole: Value =
        serde_json::from_slice(&std::fs::read(portfolio.join("summary.json")).unwrap()).unwrap();
    assert_eq!(whole["aggregate"]["n"], 4);
}

#[test]
fn table_output_lists_the_portfolio() {
    let f = fixture();
    let out = Command::cargo_bin("eventstudy")
        .unwrap()
        .args(batch_args(&f))
        .arg("--no-charts")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    assert!(
        text.contains("portfolio: 4 events (3 with a share count)"),
        "{text}"
    );
    assert!(text.contains("KP-BMP") && text.contains("excluded:"));
    assert!(text.contains("row 7: date 'notadate'"));
}

#[test]
fn batch_file_errors() {
    let f = fixture();
    std::fs::write(f.events(), "symbol,when\nA,2024-01-02\n").unwrap();
    let out = batch_failing(&f, &[]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing column ticker"));
    // Every row bad: nothing ran, exit 2 (input) with the rows listed.
    std::fs::write(f.events(), "ticker,date\n../x,2024-01-02\nA,never\n").unwrap();
    let out = batch_failing(&f, &["--format", "json"]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["excluded"].as_array().unwrap().len(), 2);
    assert_eq!(v["aggregate"], Value::Null);
}

/// A source that counts how often each symbol is loaded.
struct Counting {
    inner: CsvDirSource,
    loads: Mutex<HashMap<String, usize>>,
}

impl PriceSource for Counting {
    fn load(&self, ticker: &Ticker) -> eventstudy::Result<PriceFrame> {
        *self
            .loads
            .lock()
            .unwrap()
            .entry(ticker.to_string())
            .or_default() += 1;
        self.inner.load(ticker)
    }
    fn describe(&self) -> String {
        "counting".into()
    }
}

#[test]
fn each_symbol_is_loaded_once_however_many_events() {
    let f = fixture();
    // 60 events over 3 firms and 2 benchmarks.
    let mut text = String::from("ticker,date,benchmark\n");
    for i in 0..20 {
        for (t, b) in [("A", "^GSPC"), ("B", "^ALT"), ("C", "^GSPC")] {
            text.push_str(&format!("{t},{},{b}\n", f.dates[260 + i]));
        }
    }
    std::fs::write(f.events(), text).unwrap();
    let mut args = batch_args(&f);
    args.extend(["--no-charts", "--quiet"].iter().map(|s| s.to_string()));
    args.insert(0, "eventstudy".into());
    let Sub::Batch(batch) = Cli::try_parse_from(&args).unwrap().command else {
        panic!("not batch")
    };
    let options = batch.into_options().unwrap();
    let source = Counting {
        inner: CsvDirSource::new(f.prices()),
        loads: Mutex::new(HashMap::new()),
    };
    let outcome = eventstudy::pipeline::run_with_source(&options, &source).unwrap();
    assert_eq!(outcome.summary.events.len(), 60);
    let loads = source.loads.lock().unwrap();
    assert_eq!(loads.len(), 5);
    assert!(loads.values().all(|&n| n == 1), "{loads:?}");
}

/// A table of the run folder, read back with polars.
fn table(dir: &std::path::Path, name: &str) -> polars::prelude::DataFrame {
    use polars::prelude::*;
    let file = std::fs::File::open(dir.join("tables").join(format!("{name}.parquet"))).unwrap();
    ParquetReader::new(file).finish().unwrap()
}

fn floats(df: &polars::prelude::DataFrame, column: &str) -> Vec<Option<f64>> {
    df.column(column)
        .unwrap()
        .cast(&polars::prelude::DataType::Float64)
        .unwrap()
        .f64()
        .unwrap()
        .iter()
        .collect()
}

/// Equal to the last bits JSON keeps (serde_json reads floats to within an ulp or two).
fn same(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => (a - b).abs() <= 1e-15 * a.abs().max(1.0),
        (a, b) => a == b,
    }
}

/// Each table's CSV and Parquet files hold the same cells: same columns, same rows, every
/// value equal as text (floats to the bit, as CSV writes the shortest round trip; dates as
/// `YYYY-MM-DD`, which the CSV writer gets pre-formatted; nulls as empty cells).
#[test]
fn csv_and_parquet_tables_hold_the_same_cells() {
    use polars::prelude::*;
    let f = fixture();
    let mut c = Command::cargo_bin("eventstudy").unwrap();
    c.args(batch_args(&f)).args(["--no-charts", "-q"]);
    c.assert().success();
    let run = f.out().join("portfolio_events").join("tables");
    for name in ["events", "days", "cars", "aggregate_days", "aggregate_cars"] {
        let parquet = table(run.parent().unwrap(), name);
        let csv = CsvReadOptions::default()
            .with_has_header(true)
            .with_infer_schema_length(Some(0))
            .try_into_reader_with_file_path(Some(run.join(format!("{name}.csv"))))
            .unwrap()
            .finish()
            .unwrap();
        assert_eq!(parquet.get_column_names(), csv.get_column_names(), "{name}");
        assert_eq!(parquet.height(), csv.height(), "{name}");
        assert!(parquet.height() > 0, "{name} has rows");
        for column in parquet.columns() {
            let as_text = |c: &Column| -> Vec<Option<String>> {
                match c.dtype() {
                    // Floats as their shortest round trip, as the CSV has them.
                    DataType::Float64 => c
                        .f64()
                        .unwrap()
                        .iter()
                        .map(|v| v.map(|v| v.to_string()))
                        .collect(),
                    _ => c
                        .cast(&DataType::String)
                        .unwrap()
                        .str()
                        .unwrap()
                        .iter()
                        .map(|v| v.map(str::to_string))
                        .collect(),
                }
            };
            let from_csv: Vec<Option<String>> = csv
                .column(column.name())
                .unwrap()
                .str()
                .unwrap()
                .iter()
                .map(|v| {
                    v.map(|v| match v.parse::<f64>() {
                        Ok(x) if column.dtype() == &DataType::Float64 => x.to_string(),
                        _ => v.to_string(),
                    })
                })
                .collect();
            assert_eq!(as_text(column), from_csv, "{name}.{}", column.name());
        }
    }
}

/// `--tables` writes the formats asked for and no other, and `summary.json` names the files
/// that exist; a format it does not know is a one-line usage error that writes nothing.
#[test]
fn tables_come_in_the_formats_asked_for() {
    let f = fixture();
    for (formats, written, absent) in [
        ("parquet", "parquet", "csv"),
        ("csv", "csv", "parquet"),
        ("CSV, parquet", "parquet", ""),
    ] {
        let v = common::success_json({
            let mut c = Command::cargo_bin("eventstudy").unwrap();
            c.args(batch_args(&f))
                .args(["--format", "json", "--no-charts", "--tables", formats]);
            c
        });
        let run = f.out().join("portfolio_events");
        let tables = v["tables"].as_object().unwrap();
        assert_eq!(tables.len(), 5, "{formats}");
        for (name, path) in tables {
            assert_eq!(path, &format!("tables/{name}.{written}"), "{formats}");
            assert!(
                run.join(path.as_str().unwrap()).is_file(),
                "{formats}: {path}"
            );
            if !absent.is_empty() {
                let other = run.join("tables").join(format!("{name}.{absent}"));
                assert!(!other.exists(), "{formats}: {}", other.display());
            }
        }
    }
    // Both formats: the CSV files are there too.
    assert!(f.out().join("portfolio_events/tables/days.csv").is_file());

    let before = std::fs::read(f.out().join("portfolio_events/summary.json")).unwrap();
    let out = batch_failing(&f, &["--tables", "parquet,xml"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--tables") && err.contains("xml"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    let after = std::fs::read(f.out().join("portfolio_events/summary.json")).unwrap();
    assert_eq!(before, after, "the earlier run's results are intact");
}

#[test]
fn run_level_tables_hold_every_number_of_the_json() {
    let f = fixture();
    let v = common::success_json({
        let mut c = Command::cargo_bin("eventstudy").unwrap();
        c.args(batch_args(&f))
            .args(["--format", "json", "--no-charts"]);
        c
    });
    let run = f.out().join("portfolio_events");
    // Every table in both formats.
    for name in ["events", "days", "cars", "aggregate_days", "aggregate_cars"] {
        for ext in ["parquet", "csv"] {
            assert!(
                run.join("tables").join(format!("{name}.{ext}")).is_file(),
                "{name}.{ext}"
            );
        }
    }
    assert_eq!(v["tables"]["days"], "tables/days.parquet");

    // events: the four that ran, then the two excluded, with their reasons.
    let events = table(&run, "events");
    assert_eq!(events.height(), 6);
    let status: Vec<Option<&str>> = events
        .column("status")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .collect();
    assert_eq!(
        status,
        [
            Some("ok"),
            Some("ok"),
            Some("ok"),
            Some("ok"),
            Some("excluded"),
            Some("excluded")
        ]
    );
    let reasons = events.column("reason").unwrap().str().unwrap();
    assert!(reasons.get(4).unwrap().contains("NOPE") || reasons.get(5).unwrap().contains("NOPE"));
    let beta = floats(&events, "beta");
    for (i, e) in v["events"].as_array().unwrap().iter().enumerate() {
        assert!(same(beta[i], e["beta"].as_f64()), "event {i}");
        assert!(same(
            floats(&events, "car_-1:1")[i],
            e["car"][1]["car"].as_f64()
        ));
    }

    // days: one row per event day, keyed by id, equal to the JSON's ARs to the last bit.
    let days = table(&run, "days");
    let n_days: usize = v["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["days"].as_array().unwrap().len())
        .sum();
    assert_eq!(days.height(), n_days);
    let (ids, ar, car_sd) = (
        floats(&days, "id"),
        floats(&days, "ar"),
        floats(&days, "car_sd"),
    );
    let mut row = 0;
    for e in v["events"].as_array().unwrap() {
        for day in e["days"].as_array().unwrap() {
            assert_eq!(ids[row], e["id"].as_f64());
            assert!(
                same(ar[row], day["ar"].as_f64()),
                "{:?} {}",
                ar[row],
                day["ar"]
            );
            assert!(same(car_sd[row], day["car_sd"].as_f64()));
            row += 1;
        }
    }
    // cars and the aggregate.
    assert_eq!(table(&run, "cars").height(), 4 * 2);
    let aggregate_days = table(&run, "aggregate_days");
    let caar = floats(&aggregate_days, "caar");
    for (i, d) in v["aggregate"]["days"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
    {
        assert!(same(caar[i], d["caar"].as_f64()));
    }
    // The CSV says the same as the Parquet file.
    let csv = std::fs::read_to_string(run.join("tables/days.csv")).unwrap();
    assert_eq!(csv.lines().count(), n_days + 1);
    assert!(
        csv.starts_with("id,ticker,event_date,rel,date,return,"),
        "{}",
        &csv[..80]
    );
}

#[test]
fn large_runs_write_the_run_folder_only_and_a_compact_summary() {
    let f = fixture();
    // --no-event-files makes this small run behave as a large one.
    let v = common::success_json({
        let mut c = Command::cargo_bin("eventstudy").unwrap();
        c.args(batch_args(&f))
            .args(["--format", "json", "--no-event-files"]);
        c
    });
    assert!(v.get("events").is_none(), "the events are in the tables");
    assert_eq!(v["n_events"], 4);
    assert_eq!(v["excluded"].as_array().unwrap().len(), 2);
    assert_eq!(v["aggregate"]["n"], 4);
    let entries: Vec<String> = std::fs::read_dir(f.out())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(entries, ["portfolio_events"], "no per-event folder");
    let run = f.out().join("portfolio_events");
    let summary: Value =
        serde_json::from_slice(&std::fs::read(run.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary, v);
    assert!(
        run.join("caar.png").is_file(),
        "the portfolio's charts are drawn"
    );
    assert_eq!(table(&run, "events").height(), 6);

    // --event-files forces them back.
    std::fs::remove_dir_all(f.out()).unwrap();
    Command::cargo_bin("eventstudy")
        .unwrap()
        .args(batch_args(&f))
        .args(["--event-files", "--no-charts", "-q"])
        .assert()
        .success();
    assert_eq!(std::fs::read_dir(f.out()).unwrap().count(), 5);
}

/// A large run keeps each event's days flat and its tables are written in batches; a small run
/// keeps full rows and has event folders. The tables, the CSV on stdout and the aggregate must
/// not depend on which: the same batch both ways gives byte-identical files.
#[test]
fn compact_and_full_runs_write_identical_tables() {
    let f = fixture();
    let run = |mode: &str, format: &str| -> (Vec<u8>, PathBuf) {
        let _ = std::fs::remove_dir_all(f.out());
        let output = Command::cargo_bin("eventstudy")
            .unwrap()
            .args(batch_args(&f))
            .args([mode, "--no-charts", "-q", "--format", format])
            .output()
            .unwrap();
        assert!(output.status.success(), "{mode}: {output:?}");
        let kept = f.dir.path().join(mode.trim_start_matches('-'));
        let _ = std::fs::remove_dir_all(&kept);
        std::fs::rename(f.out().join("portfolio_events"), &kept).unwrap();
        (output.stdout, kept)
    };
    let (full_csv, full) = run("--event-files", "csv");
    let (compact_csv, compact) = run("--no-event-files", "csv");
    assert_eq!(
        String::from_utf8_lossy(&full_csv),
        String::from_utf8_lossy(&compact_csv)
    );
    assert!(full_csv.len() > 1000, "four events' days on stdout");
    for table in ["days", "cars", "events", "aggregate_days", "aggregate_cars"] {
        let read = |dir: &Path| std::fs::read(dir.join(format!("tables/{table}.csv"))).unwrap();
        assert_eq!(read(&full), read(&compact), "tables/{table}.csv");
    }
    for file in ["aar.csv", "caar.csv"] {
        assert_eq!(
            std::fs::read(full.join(file)).unwrap(),
            std::fs::read(compact.join(file)).unwrap(),
            "{file}"
        );
    }
    // The per-event list of a large run is the events table, not a second copy.
    assert!(full.join("events.csv").is_file());
    assert!(!compact.join("events.csv").exists());
}
