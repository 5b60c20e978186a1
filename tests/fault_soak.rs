//! A fault soak: many `run` and `fetch` processes on one store at once, against a server that
//! answers 429 and 500, stalls, hangs up and truncates bodies, with some processes killed
//! mid-run. At
//! the end every run that completed has the right numbers, every process that failed did so
//! with a clean exit code, and the store is sound and answers offline.
//!
//! A few seconds by default; `EVENTSTUDY_SOAK=1` runs a longer one (more processes, more kills).

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use assert_cmd::cargo::CommandCargoExt;
use common::fake::Market;
use common::https::{self, ChartSeries, Reply, Request, TestServer};
use common::{d, synthetic, trading_days};
use serde_json::Value;

const EVENT: usize = 280;

fn market() -> Arc<Market> {
    let dates = trading_days(d("2024-01-02"), 320, &[d("2025-01-09")]);
    let s = synthetic(9, dates.clone(), 0.0002, 1.1, 0.011, EVENT, -0.15);
    let peer = synthetic(10, dates.clone(), 0.0, 0.9, 0.013, EVENT, -0.05);
    let market = Arc::new(Market::default());
    let mut series = market.yahoo.series.lock().unwrap();
    for (name, prices) in [
        ("FIRM", &s.firm_prices),
        ("PEER", &peer.firm_prices),
        ("^GSPC", &s.market_prices),
    ] {
        series.insert(
            name.into(),
            ChartSeries::new(name, dates.clone(), prices.clone(), prices.clone()),
        );
    }
    drop(series);
    market
}

fn event_date() -> String {
    trading_days(d("2024-01-02"), 320, &[d("2025-01-09")])[EVENT].to_string()
}

/// A server that fails four chart requests in ten, in turn: 429, 500, a stall then a hang-up
/// (or a hang-up at once), half a body.
fn chaotic(market: Arc<Market>) -> TestServer {
    let count = Arc::new(AtomicUsize::new(0));
    https::start(Arc::new(move |r: &Request| {
        if !r.path.starts_with("/v8/finance/chart/") {
            return market.handle(r);
        }
        match count.fetch_add(1, Ordering::SeqCst) % 20 {
            1 | 11 => Reply::Json(429, "Too Many Requests".into()),
            3 | 13 => Reply::Json(500, "{}".into()),
            5 => Reply::Stall(Duration::from_millis(300)),
            15 => Reply::Hangup,
            7 | 17 => match market.handle(r) {
                Reply::Json(code, body) => Reply::Json(code, body[..body.len() / 2].to_string()),
                other => other,
            },
            _ => market.handle(r),
        }
    }))
}

fn command(server: &TestServer, store: &std::path::Path, args: &[&str]) -> std::process::Command {
    let mut c = std::process::Command::cargo_bin("eventstudy").unwrap();
    c.args(args)
        .env("EVENTSTUDY_YAHOO_HOST", server.addr.to_string())
        .env("EVENTSTUDY_SEC_HOST", server.addr.to_string())
        .env("EVENTSTUDY_CA_CERT", &server.ca_path)
        .env("EVENTSTUDY_DATA_DIR", store)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    c
}

fn run_args(out: &str) -> Vec<String> {
    [
        "run",
        "--ticker",
        "FIRM,PEER",
        "--date",
        &event_date(),
        "--shares",
        "1e9",
        "--format",
        "json",
        "--no-charts",
        "-q",
        "--out",
        out,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

/// Every number of the events and the aggregate.
fn numbers(v: &Value) -> Value {
    serde_json::json!({"events": v["events"], "aggregate": v["aggregate"]})
}

#[test]
fn concurrent_runs_and_fetches_survive_faults_and_kills() {
    let long = std::env::var_os("EVENTSTUDY_SOAK").is_some();
    let (processes, killed_every) = if long { (40, 4) } else { (8, 4) };
    let dir = tempfile::tempdir().unwrap();

    // The right numbers, from a server without faults.
    let clean = https::start({
        let m = market();
        Arc::new(move |r: &Request| m.handle(r))
    });
    let out = dir.path().join("reference");
    let args = run_args(out.to_str().unwrap());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let reference = command(&clean, &dir.path().join("clean-store"), &args)
        .output()
        .unwrap();
    assert!(
        reference.status.success(),
        "{}",
        String::from_utf8_lossy(&reference.stderr)
    );
    let expected = numbers(&serde_json::from_slice(&reference.stdout).unwrap());

    let server = chaotic(market());
    let store = dir.path().join("store");
    let mut children = Vec::new();
    for i in 0..processes {
        let out = dir.path().join(format!("out{i}"));
        let args: Vec<String> = if i % 2 == 0 {
            run_args(out.to_str().unwrap())
        } else if long && i % 3 == 0 {
            // The long soak also refetches everything now and then: more requests, more faults.
            [
                "fetch",
                "--ticker",
                "FIRM,PEER,^GSPC",
                "--from",
                "2024-01-01",
                "--to",
                "2025-06-30",
                "--refresh",
                "-q",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect()
        } else {
            [
                "fetch",
                "--ticker",
                "FIRM,PEER,^GSPC",
                "--from",
                "2024-01-01",
                "--to",
                "2025-06-30",
                "--format",
                "json",
                "-q",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect()
        };
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let child = command(&server, &store, &args).spawn().unwrap();
        children.push((i, i % 2 == 0, child));
    }
    // Some runs and fetches are killed at different moments (SIGKILL: no chance to clean up).
    for (k, (_, _, child)) in children
        .iter_mut()
        .filter(|(i, _, _)| i % killed_every >= 2)
        .enumerate()
    {
        std::thread::sleep(Duration::from_millis(40 * (k as u64 % 8 + 1)));
        let _ = child.kill();
    }
    let (mut completed_runs, mut failed) = (0, 0);
    for (i, is_run, child) in children {
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(!stderr.contains("panicked"), "process {i}: {stderr}");
        match out.status.code() {
            None => {} // killed
            Some(0) if is_run => {
                let v: Value = serde_json::from_slice(&out.stdout).unwrap();
                assert_eq!(numbers(&v), expected, "process {i}");
                completed_runs += 1;
            }
            Some(0) => {}
            Some(3) => {
                failed += 1;
                // A failed run says why on one line per problem, under --quiet too.
                assert!(
                    stderr.lines().all(|l| l.starts_with("error: ")),
                    "process {i}: {stderr}"
                );
            }
            other => panic!("process {i} ended with {other:?}: {stderr}"),
        }
    }
    let requests = server.requests_to("/v8/finance/chart/");
    eprintln!(
        "{requests} chart requests (four in ten failed); {completed_runs} runs completed, {failed} processes failed cleanly"
    );
    // The schedule fails the 2nd and 4th requests: with four or more, faults were met.
    assert!(requests >= 4, "the faults were met: {requests} requests");
    assert!(completed_runs >= 1, "some runs complete despite the faults");

    // The store is sound, and a run from it alone gives the right numbers.
    let list = command(&server, &store, &["store", "list", "--format", "json"])
        .output()
        .unwrap();
    let entries: Value = serde_json::from_slice(&list.stdout).unwrap();
    for e in entries.as_array().unwrap() {
        assert_eq!(e["status"], "ok", "{e}");
    }
    let mut offline = run_args(dir.path().join("offline").to_str().unwrap());
    offline.push("--offline".into());
    let offline: Vec<&str> = offline.iter().map(String::as_str).collect();
    let out = command(&server, &store, &offline).output().unwrap();
    if entries.as_array().unwrap().len() == 3 {
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            numbers(&serde_json::from_slice(&out.stdout).unwrap()),
            expected
        );
    }
}
