//! `--bhar`: buy-and-hold abnormal returns per event and across events, checked against a
//! direct computation from the price files (a product of 1 + R telescopes to a price ratio),
//! the tests against their formulas, the bootstrap against itself.

mod common;

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use common::{d, success_json, synthetic, trading_days, write_price_csv};
use serde_json::Value;
use statrs::distribution::{ContinuousCDF, StudentsT};

const DAYS: usize = 450;
const DAY0: usize = 280;
/// Firm D stops trading after this index (its later rows are missing).
const D_LAST: usize = 300;
const FIRMS: [&str; 6] = ["A", "B", "C", "D", "E", "F"];

struct Fixture {
    dir: tempfile::TempDir,
    /// (firm prices, benchmark prices) by firm; NaN where a firm has no row.
    prices: Vec<Vec<f64>>,
    benchmark: Vec<f64>,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let prices_dir = dir.path().join("prices");
    std::fs::create_dir(&prices_dir).unwrap();
    let dates = trading_days(d("2023-06-01"), DAYS, &[]);
    let base = synthetic(1, dates.clone(), 0.0, 1.0, 0.01, DAY0, 0.0);
    write_price_csv(&prices_dir, "^GSPC", &dates, &base.market_prices);
    let mut prices = Vec::new();
    let mut events = String::from("ticker,date\n");
    for (i, name) in FIRMS.iter().enumerate() {
        // The firms share the market's draws (same seed), with their own betas and noise.
        let s = synthetic(
            1,
            dates.clone(),
            0.0002,
            0.6 + 0.2 * i as f64,
            0.0,
            DAY0,
            0.0,
        );
        let noise = synthetic(100 + i as u64, dates.clone(), 0.0, 0.0, 0.02, DAY0, 0.0);
        let mut p: Vec<f64> = s
            .firm_prices
            .iter()
            .zip(&noise.firm_prices)
            .map(|(a, b)| a * b / 100.0 * (1.0 - 0.1 * (i as f64 - 2.5) / 2.5))
            .collect();
        if *name == "D" {
            for x in p.iter_mut().skip(D_LAST + 1) {
                *x = f64::NAN;
            }
        }
        write_price_csv(&prices_dir, name, &dates, &p);
        events.push_str(&format!("{name},{}\n", dates[DAY0]));
        prices.push(p);
    }
    std::fs::write(dir.path().join("events.csv"), events).unwrap();
    Fixture {
        dir,
        prices,
        benchmark: base.market_prices,
    }
}

impl Fixture {
    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn batch(&self, extra: &[&str]) -> Value {
        let mut cmd = Command::cargo_bin("eventstudy").unwrap();
        cmd.args(["batch", "--format", "json", "-q", "--no-charts"])
            .arg("--events")
            .arg(self.path("events.csv"))
            .arg(format!("--source=csv:{}", self.path("prices").display()))
            .arg("--out")
            .arg(self.path("out"))
            .args(["--bhar", "0:20,-2:60,0:200"])
            .args(extra);
        success_json(cmd)
    }

    /// BHAR of firm `i` over `start..=end` relative to DAY0, from the prices: the firm's last
    /// price in the window (its last row, when it stopped) over its price the day before.
    fn direct(&self, i: usize, start: i32, end: i32) -> (f64, f64, usize, bool) {
        let before = (DAY0 as i32 + start - 1) as usize;
        let wanted = (DAY0 as i32 + end) as usize;
        let last_row = if FIRMS[i] == "D" { D_LAST } else { DAYS - 1 };
        let last = wanted.min(last_row);
        let firm = self.prices[i][last] / self.prices[i][before] - 1.0;
        let benchmark = self.benchmark[last] / self.benchmark[before] - 1.0;
        (firm, benchmark, last - before, wanted > last_row)
    }
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

#[test]
fn bhar_agrees_with_price_ratios_and_the_tests_with_their_formulas() {
    let fx = fixture();
    let v = fx.batch(&[]);
    let windows = [(0, 20), (-2, 60), (0, 200)];
    let mut by_window: Vec<Vec<f64>> = vec![Vec::new(); 3];
    for (i, event) in v["events"].as_array().unwrap().iter().enumerate() {
        assert_eq!(event["ticker"], FIRMS[i]);
        for (k, &(s, e)) in windows.iter().enumerate() {
            let row = &event["bhar"][k];
            assert_eq!(row["window"], format!("{s}:{e}"));
            let (firm, benchmark, days, cut) = fx.direct(i, s, e);
            assert!((f(&row["firm_bh_return"]) - firm).abs() < 1e-10, "{row}");
            assert!((f(&row["benchmark_bh_return"]) - benchmark).abs() < 1e-10);
            assert!((f(&row["bhar"]) - (firm - benchmark)).abs() < 1e-10);
            assert_eq!(row["days"], days, "{} {s}:{e}", FIRMS[i]);
            assert_eq!(row["cut_short"], cut, "{} {s}:{e}", FIRMS[i]);
            by_window[k].push(firm - benchmark);
        }
    }
    // D stopped trading 20 days after day 0: cut short in -2:60 and 0:200, with a note.
    let d_notes = v["events"][3]["notes"].to_string();
    assert!(d_notes.contains("BHAR window -2:60 runs past the firm's last return"));

    for (k, values) in by_window.iter().enumerate() {
        let row = &v["aggregate"]["bhar"][k];
        let n = values.len() as f64;
        let mean = values.iter().sum::<f64>() / n;
        let s = (values.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
        let g = values.iter().map(|x| (x - mean).powi(3)).sum::<f64>() / (n * s.powi(3));
        let t = mean / (s / n.sqrt());
        let ratio = mean / s;
        let t_sa = n.sqrt() * (ratio + g * ratio * ratio / 3.0 + g / (6.0 * n));
        let student = StudentsT::new(0.0, 1.0, n - 1.0).unwrap();
        let p = |x: f64| 2.0 * student.sf(x.abs());
        assert!((f(&row["mean_bhar"]) - mean).abs() < 1e-10);
        assert!((f(&row["sd"]) - s).abs() < 1e-10);
        assert!((f(&row["skewness"]) - g).abs() < 1e-10);
        assert!((f(&row["t"]["stat"]) - t).abs() < 1e-10);
        assert!((f(&row["t"]["p"]) - p(t)).abs() < 1e-10);
        assert!((f(&row["t_sa"]["stat"]) - t_sa).abs() < 1e-10);
        assert!((f(&row["t_sa"]["p"]) - p(t_sa)).abs() < 1e-10);
        assert_eq!(row["n"], 6);
        // Six events: resamples of max(6 / 4, 2) = 2.
        assert_eq!(row["bootstrap_sample"], 2);
        let p_boot = f(&row["bootstrap_p"]);
        assert!((0.0..=1.0).contains(&p_boot));
    }
    let cut: Vec<u64> = (0..3)
        .map(|k| v["aggregate"]["bhar"][k]["cut_short"].as_u64().unwrap())
        .collect();
    // 0:200 runs past the data for every firm (day 0 is 169 days before the end).
    assert_eq!(cut, [0, 1, 6]);
    assert_eq!(v["conventions"]["bhar_windows"][1], "-2:60");
    assert_eq!(v["conventions"]["bootstrap"]["draws"], 1000);
}

#[test]
fn the_bootstrap_is_reproducible_and_log_returns_compound_the_same() {
    let fx = fixture();
    let p = |v: &Value| -> Vec<f64> {
        (0..3)
            .map(|k| f(&v["aggregate"]["bhar"][k]["bootstrap_p"]))
            .collect()
    };
    let seeded = ["--bootstrap", "400", "--bootstrap-seed", "7"];
    let first = fx.batch(&seeded);
    let again = fx.batch(&seeded);
    assert_eq!(p(&first), p(&again));
    let draws = first["aggregate"]["bhar"][0]["bootstrap_draws"].as_u64();
    assert!(draws.is_some_and(|n| n > 300 && n <= 400), "{draws:?}");
    // Another seed draws other resamples: at least one window's p moves.
    let other = fx.batch(&["--bootstrap", "400", "--bootstrap-seed", "8"]);
    assert_ne!(p(&first), p(&other));
    // BHAR compounds simple returns whatever --returns says.
    let log = fx.batch(&["--returns", "log"]);
    for i in 0..FIRMS.len() {
        for k in 0..3 {
            let a = f(&first["events"][i]["bhar"][k]["bhar"]);
            let b = f(&log["events"][i]["bhar"][k]["bhar"]);
            assert!((a - b).abs() < 1e-12, "{a} vs {b}");
        }
    }
}

#[test]
fn bhar_outputs_files_tables_and_charts() {
    let fx = fixture();
    let out = fx.path("out");
    Command::cargo_bin("eventstudy")
        .unwrap()
        .args(["batch", "-q", "--bhar", "0:20,0:60"])
        .arg("--events")
        .arg(fx.path("events.csv"))
        .arg(format!("--source=csv:{}", fx.path("prices").display()))
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let run = out.join("portfolio_events");
    let portfolio = std::fs::read_to_string(run.join("bhar.csv")).unwrap();
    assert!(portfolio.starts_with(
        "window,n,cut_short,mean_bhar,median_bhar,sd,skewness,t,t_p,t_sa,t_sa_p,bootstrap_p"
    ));
    assert_eq!(portfolio.lines().count(), 3);
    let table = std::fs::read_to_string(run.join("tables/bhar.csv")).unwrap();
    assert_eq!(table.lines().count(), 1 + 2 * FIRMS.len());
    assert!(table.starts_with("id,ticker,event_date,window,start,end,days,cut_short,bhar"));
    let events = std::fs::read_to_string(run.join("tables/events.csv")).unwrap();
    assert!(events
        .lines()
        .next()
        .unwrap()
        .ends_with("bhar_0:20,bhar_0:60"));
    let summary: Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("summary.json")).unwrap()).unwrap();
    assert_eq!(
        summary["tables"]["aggregate_bhar"],
        "tables/aggregate_bhar.parquet"
    );
    for png in [run.join("bhar.png"), event_dir(&out, "A").join("bhar.png")] {
        let img = image::open(&png).unwrap_or_else(|e| panic!("{}: {e}", png.display()));
        assert_eq!((img.width(), img.height()), (1600, 900));
    }
    assert!(event_dir(&out, "A").join("bhar.csv").is_file());
}

fn event_dir(out: &Path, ticker: &str) -> PathBuf {
    std::fs::read_dir(out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with(&format!("{ticker}_"))
        })
        .unwrap()
}
