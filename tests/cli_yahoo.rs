//! `eventstudy run`, `fetch` and `store list` end to end against a local HTTPS server playing
//! Yahoo Finance and SEC EDGAR.

mod common;

use std::path::Path;
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
    dates: Vec<NaiveDate>,
    event: usize,
    firm_close: Vec<f64>,
}

fn world() -> World {
    let dates = trading_days(d("2024-01-02"), 320, &[d("2025-01-09")]);
    let event = 280;
    let s = synthetic(9, dates.clone(), 0.0002, 1.1, 0.011, event, -0.15);
    let firm_close: Vec<f64> = s.firm_prices.iter().map(|p| p * 1.03).collect();
    let mut firm = ChartSeries::new(
        "FIRM",
        dates.clone(),
        firm_close.clone(),
        s.firm_prices.clone(),
    );
    firm.splits.push((dates[50], 4.0, 1.0));
    let market = Arc::new(Market::default());
    {
        let mut series = market.yahoo.series.lock().unwrap();
        series.insert("FIRM".into(), firm);
        let peer = synthetic(10, dates.clone(), 0.0, 0.9, 0.013, event, -0.05);
        series.insert(
            "PEER".into(),
            ChartSeries::new(
                "PEER",
                dates.clone(),
                peer.firm_prices.clone(),
                peer.firm_prices.clone(),
            ),
        );
        series.insert(
            "^GSPC".into(),
            ChartSeries::new(
                "^GSPC",
                dates.clone(),
                s.market_prices.clone(),
                s.market_prices.clone(),
            ),
        );
    }
    // 250 million shares as of before the 4:1 split; a later count of another company.
    market.sec.companies.lock().unwrap().insert(
        "FIRM".into(),
        (
            1234,
            vec![(
                dates[40].to_string(),
                250e6,
                "0001".into(),
                "10-Q".into(),
                dates[45].to_string(),
            )],
        ),
    );
    market
        .sec
        .companies
        .lock()
        .unwrap()
        .insert("OTHER".into(), (999, vec![]));
    let handler = market.clone();
    let server = https::start(Arc::new(move |r: &Request| handler.handle(r)));
    World {
        market,
        server,
        dir: tempfile::tempdir().unwrap(),
        dates,
        event,
        firm_close,
    }
}

impl World {
    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::cargo_bin("eventstudy").unwrap();
        c.args(args)
            .env("EVENTSTUDY_YAHOO_HOST", self.server.addr.to_string())
            .env("EVENTSTUDY_SEC_HOST", self.server.addr.to_string())
            .env("EVENTSTUDY_CA_CERT", &self.server.ca_path)
            .env("EVENTSTUDY_SEC_USER_AGENT", SEC_AGENT)
            .env("EVENTSTUDY_DATA_DIR", self.data_dir())
            .current_dir(self.dir.path());
        c
    }

    fn data_dir(&self) -> std::path::PathBuf {
        self.dir.path().join("store")
    }

    fn chart_requests(&self) -> usize {
        self.server.requests_to("/v8/finance/chart/")
    }
}

fn json(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(bytes)))
}

#[test]
fn run_fetches_prices_and_sec_shares_then_works_offline() {
    let w = world();
    let date = w.dates[w.event].to_string();
    let v = common::success_json(w.cmd(&[
        "run",
        "--ticker",
        "FIRM",
        "--date",
        &date,
        "--format",
        "json",
        "--no-charts",
    ]));
    let e = &v["events"][0];
    assert_eq!(e["day0"], date);
    assert_eq!(e["n_estimation"], 240);
    assert!(v["source"].as_str().unwrap().starts_with("yahoo"));

    // SEC's count as of before the 4:1 split, scaled to the split-adjusted close.
    assert_eq!(e["shares_outstanding"].as_f64().unwrap(), 1e9);
    assert_eq!(e["shares_as_of"], w.dates[40].to_string());
    assert!(e["shares_source"]
        .as_str()
        .unwrap()
        .contains("SEC EDGAR 10-Q"));
    let mv = w.firm_close[w.event - 1] * 1e9;
    assert!((e["market_value_before"].as_f64().unwrap() / mv - 1.0).abs() < 1e-9);
    assert!(e["notes"].to_string().contains("split"));
    assert!(w
        .market
        .sec
        .agents
        .lock()
        .unwrap()
        .iter()
        .all(|a| a == SEC_AGENT));

    // The store holds Parquet files a notebook can read, and a manifest.
    let store = w.data_dir().join("prices");
    assert!(store.join("FIRM.parquet").is_file() && store.join("FIRM.json").is_file());
    assert!(store.join("^GSPC.parquet").is_file());
    assert!(w.data_dir().join("sec/company_tickers.json").is_file());

    // Again, offline, with Yahoo and SEC unreachable: same numbers from the store and cache.
    let requests = w.chart_requests();
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let offline = common::success_json(
        w.cmd(&[
            "run",
            "--ticker",
            "FIRM",
            "--date",
            &date,
            "--format",
            "json",
            "--no-charts",
            "--offline",
        ])
        .env("EVENTSTUDY_YAHOO_HOST", closed.to_string())
        .env("EVENTSTUDY_SEC_HOST", closed.to_string()),
    );
    assert_eq!(offline["events"][0]["days"], e["days"]);
    assert_eq!(
        offline["events"][0]["market_value_before"],
        e["market_value_before"]
    );
    assert_eq!(w.chart_requests(), requests);
}

#[test]
fn fetch_then_store_list() {
    let w = world();
    let out = w
        .cmd(&[
            "fetch",
            "--ticker",
            "FIRM,^GSPC,NOPE",
            "--from",
            "2024-01-01",
            "--to",
            "2024-12-31",
            "--format",
            "json",
        ])
        .assert()
        .code(3)
        .get_output()
        .clone();
    let v = json(&out.stdout);
    let rows = v.as_array().unwrap();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0]["ok"], true);
    assert_eq!(rows[0]["first"], "2024-01-02");
    assert_eq!(rows[2]["ok"], false);
    assert_eq!(rows[2]["error"], "no data for NOPE on Yahoo Finance");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("warning: NOPE: no data"), "{stderr}");

    // Up to date now: no new request, exit 0.
    let before = w.chart_requests();
    let table = w
        .cmd(&[
            "fetch",
            "--ticker",
            "FIRM",
            "--from",
            "2024-01-01",
            "--to",
            "2024-12-31",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert!(String::from_utf8_lossy(&table).contains("up to date"));
    assert_eq!(w.chart_requests(), before);

    let list = w
        .cmd(&["store", "list", "--format", "json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let list = json(&list);
    let symbols: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["symbol"].as_str().unwrap())
        .collect();
    assert_eq!(symbols, ["FIRM", "^GSPC"]);
    assert_eq!(list[0]["splits"], 1);
    assert_eq!(list[0]["status"], "ok");
    let in_2024 = w
        .dates
        .iter()
        .filter(|d| d.to_string().starts_with("2024"))
        .count();
    assert_eq!(list[1]["rows"], in_2024);
    let table = w
        .cmd(&["store", "list"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let table = String::from_utf8(table).unwrap();
    assert!(
        table
            .lines()
            .any(|l| l.starts_with("FIRM") && l.contains("2024-01-02")),
        "{table}"
    );

    // Every command prints every format: the store and a fetch as CSV, one row per symbol.
    let csv = w
        .cmd(&["store", "list", "--format", "csv"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let csv = String::from_utf8(csv).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "symbol,first,last,rows,fetched_at,splits,dividends,status,interval"
    );
    assert!(lines[1].starts_with("FIRM,2024-01-02,"), "{csv}");
    assert!(lines[1].ends_with(",1,0,ok,1d"), "{csv}");
    assert_eq!(lines.len(), 3, "{csv}");
    let csv = w
        .cmd(&[
            "fetch",
            "--ticker",
            "FIRM",
            "--from",
            "2024-01-01",
            "--to",
            "2024-12-31",
            "--format",
            "csv",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let csv = String::from_utf8(csv).unwrap();
    assert_eq!(
        csv.lines().collect::<Vec<_>>(),
        [
            "symbol,ok,requests,rows,first,last,notes,error",
            &format!("FIRM,true,0,{},2024-01-02,2024-12-31,,", list[0]["rows"])
        ]
    );
}

#[test]
fn no_network_is_one_clear_line() {
    let w = world();
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let out = w
        .cmd(&[
            "run",
            "--ticker",
            "FIRM",
            "--date",
            "2025-01-27",
            "--no-charts",
        ])
        .env("EVENTSTUDY_YAHOO_HOST", closed.to_string())
        .assert()
        .code(3)
        .get_output()
        .clone();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    assert!(
        lines[0].starts_with("error: benchmark ^GSPC: cannot connect to Yahoo Finance"),
        "{stderr}"
    );
    assert!(lines[0].contains("--offline") && lines[0].contains("--source csv:DIR"));
}

#[test]
fn offline_without_data_says_what_to_do() {
    let w = world();
    let out = w
        .cmd(&[
            "run",
            "--ticker",
            "FIRM",
            "--date",
            "2025-01-27",
            "--offline",
        ])
        .assert()
        .code(3)
        .get_output()
        .clone();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("no data for ^GSPC in the store") && stderr.contains("eventstudy fetch"),
        "{stderr}"
    );
    assert_eq!(w.chart_requests(), 0);
}

#[test]
fn bad_environment_is_a_usage_error() {
    let w = world();
    let out = w
        .cmd(&["run", "--ticker", "FIRM", "--date", "2025-01-27"])
        .env("EVENTSTUDY_YAHOO_HOST", "not-an-address")
        .assert()
        .code(2)
        .get_output()
        .clone();
    assert!(String::from_utf8_lossy(&out.stderr).contains("EVENTSTUDY_YAHOO_HOST"));
    let missing_ca = Path::new("/nonexistent/ca.pem");
    w.cmd(&["fetch", "--ticker", "FIRM", "--from", "2024-01-01"])
        .env("EVENTSTUDY_CA_CERT", missing_ca)
        .assert()
        .code(2);
}

#[test]
fn several_tickers_from_yahoo_make_a_portfolio() {
    let w = world();
    let date = w.dates[w.event].to_string();
    let v = common::success_json(w.cmd(&[
        "run",
        "--ticker",
        "FIRM,PEER,NOPE",
        "--date",
        &date,
        "--format",
        "json",
        "--no-event-charts",
    ]));
    assert_eq!(
        v["events"].as_array().unwrap().len(),
        2,
        "{}",
        v["excluded"]
    );
    assert_eq!(v["excluded"][0]["ticker"], "NOPE");
    assert_eq!(
        v["excluded"][0]["reason"],
        "no data for NOPE on Yahoo Finance"
    );
    assert_eq!(v["aggregate"]["n"], 2);
    // FIRM has a share count from SEC, PEER none (SEC does not know it).
    assert_eq!(v["aggregate"]["n_with_market_value"], 1);
    // One chart request per symbol: the index once, though both firms need it.
    assert_eq!(w.chart_requests(), 4);
    assert!(w
        .dir
        .path()
        .join("output")
        .join(format!("portfolio_{date}"))
        .join("caar.png")
        .is_file());
}

#[test]
fn sec_down_is_asked_once_per_run_and_noted() {
    let w = world();
    w.market
        .sec
        .broken
        .store(true, std::sync::atomic::Ordering::SeqCst);
    let date = w.dates[w.event].to_string();
    let v = common::success_json(w.cmd(&[
        "run",
        "--ticker",
        "FIRM,PEER",
        "--date",
        &date,
        "--format",
        "json",
        "--no-charts",
    ]));
    for e in v["events"].as_array().unwrap() {
        assert!(e["market_value_before"].is_null(), "{e}");
        assert!(
            e["notes"]
                .to_string()
                .contains("no share count from SEC EDGAR"),
            "{}",
            e["notes"]
        );
    }
    // Five attempts for the first firm; the second does not wait for SEC again.
    assert_eq!(w.market.sec.agents.lock().unwrap().len(), 5);
}

#[test]
fn an_old_sec_ticker_table_is_fetched_again() {
    let w = world();
    let date = w.dates[w.event].to_string();
    let args = [
        "run",
        "--ticker",
        "FIRM",
        "--date",
        &date,
        "--format",
        "json",
        "--no-charts",
    ];
    common::success_json(w.cmd(&args));
    let table = w.data_dir().join("sec/company_tickers.json");
    let requests = || w.server.requests_to("/files/company_tickers.json");
    assert_eq!(requests(), 1);
    // A fresh table is reused...
    common::success_json(w.cmd(&args));
    assert_eq!(requests(), 1);
    // ...one older than a month is fetched again.
    let month_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(40 * 86_400);
    std::fs::File::options()
        .write(true)
        .open(&table)
        .unwrap()
        .set_modified(month_ago)
        .unwrap();
    let v = common::success_json(w.cmd(&args));
    assert_eq!(requests(), 2);
    assert!(v["events"][0]["market_value_before"].as_f64().is_some());
    // When SEC is down, the old table stands in.
    std::fs::File::options()
        .write(true)
        .open(&table)
        .unwrap()
        .set_modified(month_ago)
        .unwrap();
    w.market
        .sec
        .broken
        .store(true, std::sync::atomic::Ordering::SeqCst);
    let v = common::success_json(w.cmd(&args));
    assert!(
        v["events"][0]["market_value_before"].as_f64().is_some(),
        "cached counts still serve: {}",
        v["events"][0]["notes"]
    );
}

/// An instant is placed on the clock of the firm's exchange as the store recorded it (Yahoo's
/// `exchangeTimezoneName`): 01:00 in Hong Kong is before its open, that day; the same instant
/// on the New York clock is noon the day before.
#[test]
fn instants_follow_the_exchange_the_store_recorded() {
    let w = world();
    w.market
        .yahoo
        .series
        .lock()
        .unwrap()
        .get_mut("PEER")
        .unwrap()
        .zone = "Asia/Hong_Kong";
    let date = w.dates[w.event];
    let instant = format!("{date}T01:00+08:00");
    let run = |extra: &[&str]| {
        let mut args = vec!["run", "--ticker", "PEER", "--date", &instant];
        args.extend_from_slice(extra);
        args.extend_from_slice(&["--format", "json", "--no-charts"]);
        common::success_json(w.cmd(&args))
    };
    let v = run(&[]);
    let e = &v["events"][0];
    assert_eq!(e["exchange_tz"], "Asia/Hong_Kong");
    assert_eq!(e["day0"], date.to_string());
    assert_eq!(e["day0_rule"], "pre-market");
    // --exchange-tz overrides the store: noon the day before in New York, in session.
    let v = run(&["--exchange-tz", "America/New_York", "--offline"]);
    let e = &v["events"][0];
    assert_eq!(e["exchange_tz"], "America/New_York");
    assert_eq!(e["day0"], w.dates[w.event - 1].to_string());
    assert_eq!(e["day0_rule"], "in session");
}

/// A BHAR window past the event window: the store is filled far enough for it (the plan asks
/// for its days), and the buy-and-hold returns are the adjusted prices' ratios.
#[test]
fn bhar_windows_fetch_the_days_they_need() {
    let w = world();
    let date = w.dates[w.event].to_string();
    let v = common::success_json(w.cmd(&[
        "run",
        "--ticker",
        "FIRM",
        "--date",
        &date,
        "--format",
        "json",
        "--no-charts",
        "--bhar",
        "0:30",
    ]));
    let bhar = &v["events"][0]["bhar"][0];
    assert_eq!(bhar["days"], 31, "{bhar}");
    assert_eq!(bhar["cut_short"], false);
    assert_eq!(bhar["end"], w.dates[w.event + 30].to_string());
    let s = synthetic(9, w.dates.clone(), 0.0002, 1.1, 0.011, w.event, -0.15);
    let firm = s.firm_prices[w.event + 30] / s.firm_prices[w.event - 1] - 1.0;
    let got = bhar["firm_bh_return"].as_f64().unwrap();
    assert!((got - firm).abs() < 1e-9, "{got} vs {firm}");
}
