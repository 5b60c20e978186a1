//! When Yahoo or SEC change or refuse: a drifted chart format read by the tolerant reader, an
//! answer without adjusted closes refused clearly, SEC's fair-access 403 explained once, and
//! `eventstudy doctor` telling which side broke. All against a local HTTPS server.

mod common;

use std::sync::atomic::Ordering;
use std::sync::Arc;

use assert_cmd::Command;
use chrono::NaiveDate;
use common::fake::Market;
use common::https::{self, ChartSeries, Request, TestServer};
use common::{d, synthetic, trading_days};
use serde_json::Value;

const SEC_AGENT: &str = "Test Analyst analyst@example.com";

struct World {
    market: Arc<Market>,
    server: TestServer,
    dir: tempfile::TempDir,
}

/// A fake market serving `series`, with SEC share counts for `FIRM` and `PEER` (and NVDA's
/// 10-Q count of 24.49 bn shares as of 2024-11-15).
fn world(series: Vec<ChartSeries>) -> World {
    let market = Arc::new(Market::default());
    for s in series {
        market
            .yahoo
            .series
            .lock()
            .unwrap()
            .insert(s.symbol.clone(), s);
    }
    let fact = |end: &str, val: f64, filed: &str| {
        vec![(
            end.to_string(),
            val,
            "0001".to_string(),
            "10-Q".to_string(),
            filed.to_string(),
        )]
    };
    {
        let mut companies = market.sec.companies.lock().unwrap();
        companies.insert(
            "FIRM".into(),
            (1234, fact("2024-06-28", 250e6, "2024-07-30")),
        );
        companies.insert(
            "PEER".into(),
            (5678, fact("2024-06-28", 80e6, "2024-07-30")),
        );
        companies.insert(
            "NVDA".into(),
            (1045810, fact("2024-11-15", 24.49e9, "2024-11-20")),
        );
    }
    let handler = market.clone();
    let server = https::start(Arc::new(move |r: &Request| handler.handle(r)));
    World {
        market,
        server,
        dir: tempfile::tempdir().unwrap(),
    }
}

impl World {
    /// The binary against this world, with a declared SEC identity.
    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::cargo_bin("eventstudy").unwrap();
        c.args(args)
            .env("EVENTSTUDY_YAHOO_HOST", self.server.addr.to_string())
            .env("EVENTSTUDY_SEC_HOST", self.server.addr.to_string())
            .env("EVENTSTUDY_CA_CERT", &self.server.ca_path)
            .env("EVENTSTUDY_SEC_USER_AGENT", SEC_AGENT)
            .env("EVENTSTUDY_DATA_DIR", self.dir.path().join("store"))
            .current_dir(self.dir.path());
        c
    }
}

const EVENT: usize = 280;

/// FIRM, PEER and ^GSPC over 320 synthetic trading days, FIRM down 15% on day EVENT.
fn synthetic_series(dates: &[NaiveDate]) -> Vec<ChartSeries> {
    let s = synthetic(9, dates.to_vec(), 0.0002, 1.1, 0.011, EVENT, -0.15);
    let peer = synthetic(10, dates.to_vec(), 0.0, 0.9, 0.013, EVENT, -0.05);
    let firm_close: Vec<f64> = s.firm_prices.iter().map(|p| p * 1.03).collect();
    vec![
        ChartSeries::new("FIRM", dates.to_vec(), firm_close, s.firm_prices.clone()),
        ChartSeries::new(
            "PEER",
            dates.to_vec(),
            peer.firm_prices.clone(),
            peer.firm_prices.clone(),
        ),
        ChartSeries::new(
            "^GSPC",
            dates.to_vec(),
            s.market_prices.clone(),
            s.market_prices.clone(),
        ),
    ]
}

fn dates() -> Vec<NaiveDate> {
    trading_days(d("2024-01-02"), 320, &[d("2025-01-09")])
}

fn drifted(mut series: Vec<ChartSeries>) -> Vec<ChartSeries> {
    for s in &mut series {
        s.drifted = true;
    }
    series
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn json(out: &std::process::Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}{}",
            String::from_utf8_lossy(&out.stdout),
            stderr(out)
        )
    })
}

/// Every number of the events (everything but where the data came from and the notes).
fn numbers(v: &Value) -> Value {
    let mut events = v["events"].clone();
    for e in events.as_array_mut().unwrap() {
        e.as_object_mut().unwrap().remove("notes");
    }
    serde_json::json!({"events": events, "aggregate": v["aggregate"]})
}

#[test]
fn a_drifted_chart_format_gives_the_same_numbers_and_says_so_once() {
    let dates = dates();
    let date = dates[EVENT].to_string();
    let args = [
        "run",
        "--ticker",
        "FIRM,PEER",
        "--date",
        &date,
        "--format",
        "json",
        "--no-charts",
    ];
    let normal = world(synthetic_series(&dates));
    let out = normal.cmd(&args).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let expected = json(&out);
    assert!(!stderr(&out).contains("tolerant"), "{}", stderr(&out));

    let drift = world(drifted(synthetic_series(&dates)));
    let out = drift.cmd(&args).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let got = json(&out);
    assert_eq!(numbers(&got), numbers(&expected));
    assert_eq!(got["events"].as_array().unwrap().len(), 2);
    assert!(got["events"][0]["market_value_before"].as_f64().unwrap() > 0.0);
    // Three symbols were read by the tolerant reader; the user is told once.
    let said = stderr(&out).matches("tolerant reader").count();
    assert_eq!(said, 1, "{}", stderr(&out));
}

#[test]
fn an_answer_without_adjusted_close_is_a_clear_error_for_either_reader() {
    let dates = dates();
    let date = dates[EVENT].to_string();
    for drift in [false, true] {
        let mut series = synthetic_series(&dates);
        series[0].without_adjclose = true;
        series[0].drifted = drift;
        let w = world(series);
        let out = w
            .cmd(&[
                "run",
                "--ticker",
                "FIRM",
                "--date",
                &date,
                "--format",
                "json",
                "--no-charts",
            ])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
        let v = json(&out);
        let reason = v["excluded"][0]["reason"].as_str().unwrap();
        assert!(
            reason.contains("FIRM has no adjusted close") && reason.contains("not a substitute"),
            "drifted {drift}: {reason}"
        );
        assert_eq!(v["events"], serde_json::json!([]));
    }
}

#[test]
fn sec_refusing_an_undeclared_identity_is_explained_once() {
    let dates = dates();
    let date = dates[EVENT].to_string();
    let w = world(synthetic_series(&dates));
    w.market.sec.strict.store(true, Ordering::SeqCst);
    let args = [
        "run",
        "--ticker",
        "FIRM,PEER",
        "--date",
        &date,
        "--format",
        "json",
        "--no-charts",
    ];
    let out = w
        .cmd(&args)
        .env_remove("EVENTSTUDY_SEC_USER_AGENT")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    let lines: Vec<&str> = err
        .lines()
        .filter(|l| l.contains("EVENTSTUDY_SEC_USER_AGENT"))
        .collect();
    assert_eq!(lines.len(), 1, "one warning for two events: {err}");
    assert!(lines[0].starts_with("warning: SEC EDGAR refused"), "{err}");
    assert!(lines[0].contains("fair-access"), "{err}");
    let v = json(&out);
    for e in v["events"].as_array().unwrap() {
        assert_eq!(e["market_value_before"], Value::Null);
        let notes = e["notes"].as_array().unwrap();
        assert!(
            notes
                .iter()
                .any(|n| n.as_str().unwrap().contains("EVENTSTUDY_SEC_USER_AGENT")),
            "{notes:?}"
        );
    }
    // SEC was asked once: after its refusal the run did not ask again.
    assert_eq!(w.market.sec.agents.lock().unwrap().len(), 1);

    // With a declared identity, the same server answers and the dollars are there.
    let out = w.cmd(&args).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let v = json(&out);
    assert!(v["events"][0]["market_value_before"].as_f64().unwrap() > 0.0);
    assert!(!stderr(&out).contains("EVENTSTUDY_SEC_USER_AGENT"));
}

/// NVDA and the S&P 500 from the reference data, as Yahoo would serve them.
fn reference_series(symbol: &str) -> Option<ChartSeries> {
    let shared = common::shared_dir()?;
    let text = std::fs::read_to_string(shared.join(format!("data/prices/{symbol}.csv"))).ok()?;
    let (mut dates, mut close, mut adj) = (Vec::new(), Vec::new(), Vec::new());
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let date: NaiveDate = f[0].parse().ok()?;
        if date < d("2023-06-01") || date > d("2025-06-30") {
            continue;
        }
        dates.push(date);
        close.push(f[4].parse().unwrap_or(f64::NAN));
        adj.push(f[5].parse().unwrap_or(f64::NAN));
    }
    Some(ChartSeries::new(symbol, dates, close, adj))
}

#[test]
fn nvda_on_the_deepseek_news_with_drifted_answers_and_a_strict_sec() {
    let (Some(nvda), Some(gspc)) = (reference_series("NVDA"), reference_series("^GSPC")) else {
        return;
    };
    let w = world(drifted(vec![nvda, gspc]));
    w.market.sec.strict.store(true, Ordering::SeqCst);
    let args = [
        "run",
        "--ticker",
        "NVDA",
        "--date",
        "2025-01-27",
        "--format",
        "json",
        "--no-charts",
    ];

    // No identity: one warning naming the variable, and no dollar figure.
    let out = w
        .cmd(&args)
        .env_remove("EVENTSTUDY_SEC_USER_AGENT")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stderr(&out).matches("EVENTSTUDY_SEC_USER_AGENT").count(),
        1,
        "{}",
        stderr(&out)
    );
    let v = json(&out);
    let day0 = &v["events"][0]["days"][5];
    assert_eq!(day0["rel"], 0);
    assert_eq!(day0["market_value_change"], Value::Null);
    let r = day0["return"].as_f64().unwrap();
    assert!((r - (118.42 / 142.62 - 1.0)).abs() < 1e-4, "{r}");

    // Declared: the headline figure, 24.49 bn shares x $142.62 x -16.97%.
    let v = json(&w.cmd(&args).output().unwrap());
    let day0 = &v["events"][0]["days"][5];
    let mv = day0["market_value_change"].as_f64().unwrap();
    assert!((mv / 1e9 - -592.7).abs() < 0.05, "{mv}");
}

/// The doctor's checks by name: (status, detail, fix).
fn checks(out: &std::process::Output) -> Vec<(String, String, String, String)> {
    json(out)
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let s = |k: &str| c[k].as_str().unwrap_or("").to_string();
            (s("name"), s("status"), s("detail"), s("fix"))
        })
        .collect()
}

fn status_of(checks: &[(String, String, String, String)], name: &str) -> (String, String) {
    let c = checks
        .iter()
        .find(|c| c.0 == name)
        .unwrap_or_else(|| panic!("no check {name}: {checks:?}"));
    (c.1.clone(), format!("{} {}", c.2, c.3))
}

/// ^GSPC over the last months, so the doctor's recent request finds bars.
fn recent_index() -> ChartSeries {
    let today = chrono::Utc::now().date_naive();
    let dates = trading_days(today - chrono::Duration::days(90), 60, &[]);
    let prices: Vec<f64> = (0..dates.len()).map(|i| 5000.0 + i as f64).collect();
    ChartSeries::new("^GSPC", dates, prices.clone(), prices)
}

#[test]
fn doctor_passes_against_sound_services() {
    let w = world(vec![recent_index()]);
    let out = w.cmd(&["doctor", "--format", "json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let c = checks(&out);
    let names: Vec<&str> = c.iter().map(|c| c.0.as_str()).collect();
    assert_eq!(
        names,
        [
            "settings",
            "yahoo reachable",
            "yahoo chart, typed reader",
            "yahoo chart, tolerant reader",
            "sec edgar",
            "store"
        ]
    );
    for (name, status, detail, _) in &c {
        assert!(
            status == "ok" || status == "info",
            "{name}: {status} {detail}"
        );
    }
    assert!(status_of(&c, "yahoo chart, tolerant reader")
        .1
        .contains("daily bars of ^GSPC read"));
    assert!(status_of(&c, "settings")
        .1
        .contains(&w.server.addr.to_string()));

    // The table: one line per check.
    let out = w.cmd(&["doctor"]).output().unwrap();
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(
        table
            .lines()
            .any(|l| l.starts_with("ok") && l.contains("sec edgar")),
        "{table}"
    );
}

#[test]
fn doctor_names_what_broke() {
    // Yahoo's format drifted: the typed reader fails, the tolerant one reads it.
    let mut index = recent_index();
    index.drifted = true;
    let w = world(vec![index]);
    let out = w.cmd(&["doctor", "--format", "json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    let c = checks(&out);
    let (status, text) = status_of(&c, "yahoo chart, typed reader");
    assert_eq!(status, "fail", "{text}");
    assert!(text.contains("tolerant reader"), "{text}");
    assert_eq!(status_of(&c, "yahoo chart, tolerant reader").0, "ok");

    // An answer without adjusted closes: the tolerant reader says what is missing.
    let mut index = recent_index();
    index.drifted = true;
    index.without_adjclose = true;
    let w = world(vec![index]);
    let c = checks(&w.cmd(&["doctor", "--format", "json"]).output().unwrap());
    let (status, text) = status_of(&c, "yahoo chart, tolerant reader");
    assert_eq!(status, "fail");
    assert!(text.contains("adjusted close"), "{text}");

    // SEC refuses an undeclared identity: the fix names the variable.
    let w = world(vec![recent_index()]);
    w.market.sec.strict.store(true, Ordering::SeqCst);
    let out = w
        .cmd(&["doctor", "--format", "json"])
        .env_remove("EVENTSTUDY_SEC_USER_AGENT")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let c = checks(&out);
    let (status, text) = status_of(&c, "sec edgar");
    assert_eq!(status, "fail");
    assert!(
        text.contains("403") && text.contains("EVENTSTUDY_SEC_USER_AGENT"),
        "{text}"
    );
    assert_eq!(status_of(&c, "yahoo chart, typed reader").0, "ok");

    // Yahoo down: reachable fails and the readers are skipped.
    w.market
        .yahoo
        .faults
        .lock()
        .unwrap()
        .insert("^GSPC".into(), common::fake::Fault::ServerErrorForever);
    let c = checks(&w.cmd(&["doctor", "--format", "json"]).output().unwrap());
    assert_eq!(status_of(&c, "yahoo reachable").0, "fail");
    assert_eq!(status_of(&c, "yahoo chart, typed reader").0, "skipped");

    // No network at all: a closed port.
    let out = Command::cargo_bin("eventstudy")
        .unwrap()
        .args(["doctor", "--format", "json"])
        .env("EVENTSTUDY_YAHOO_HOST", "127.0.0.1:9")
        .env("EVENTSTUDY_SEC_HOST", "127.0.0.1:9")
        .env("EVENTSTUDY_DATA_DIR", w.dir.path().join("store"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let c = checks(&out);
    assert!(status_of(&c, "yahoo reachable")
        .1
        .contains("cannot connect"));
    assert_eq!(status_of(&c, "sec edgar").0, "fail");
}

#[test]
fn doctor_offline_checks_the_store_only() {
    let w = world(vec![recent_index()]);
    let store = w.dir.path().join("store");
    // A sound symbol, then a truncated Parquet file.
    w.cmd(&["fetch", "--ticker", "^GSPC", "--from", "2000-01-01", "-q"])
        .assert()
        .success();
    let out = w
        .cmd(&["doctor", "--offline", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let c = checks(&out);
    assert_eq!(c.len(), 2, "{c:?}");
    assert_eq!(
        status_of(&c, "store"),
        ("ok".into(), "1 symbol, sound ".into())
    );
    let parquet = std::fs::read_dir(store.join("prices"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "parquet"))
        .unwrap();
    let bytes = std::fs::read(&parquet).unwrap();
    std::fs::write(&parquet, &bytes[..bytes.len() / 2]).unwrap();
    let out = w
        .cmd(&["doctor", "--offline", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let (status, text) = status_of(&checks(&out), "store");
    assert_eq!(status, "fail");
    assert!(
        text.contains("^GSPC") && text.contains("fetch --refresh"),
        "{text}"
    );
    // A bad flag is a usage error.
    w.cmd(&["doctor", "--format", "xml"]).assert().code(2);
}
