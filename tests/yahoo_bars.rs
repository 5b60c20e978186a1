//! Intraday bars from Yahoo (`--interval`, `fetch --interval`) against a local HTTPS server
//! that answers as Yahoo's chart API does for minute bars: `tradingPeriods` in the metadata,
//! nulls for quiet minutes, and refusals for requests beyond its limits (8 days a request and
//! 30 days back for 1-minute bars, 60 days for 5-minute bars).

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use assert_cmd::Command;
use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::America::New_York;
use serde_json::Value;

use common::https::{self, Reply, Request, TestServer};
use common::minutes::{minute_market_from, yahoo_bars_json, MinuteMarket};
use eventstudy::data::bar_fetch::BarFetcher;
use eventstudy::data::bar_store::BarStore;
use eventstudy::data::fetch::{Silent, StoreMode};
use eventstudy::data::http::{NetworkSettings, RetryPolicy};
use eventstudy::data::store::Store;
use eventstudy::study::bars::Interval;
use eventstudy::Ticker;

/// The fake Yahoo: minute bars of FIRM and SPY; "now" for its range limits.
struct FakeYahoo {
    market: MinuteMarket,
    now: Mutex<DateTime<Utc>>,
    /// Starts answered as null (quiet minutes of FIRM).
    quiet: Vec<i64>,
    /// Requests it refused for breaking a limit.
    refused: Mutex<Vec<String>>,
}

impl FakeYahoo {
    fn handle(&self, r: &Request) -> Reply {
        let Some(symbol) = r.path.strip_prefix("/v8/finance/chart/") else {
            return Reply::Json(404, "{}".into());
        };
        let bars = match symbol {
            "FIRM" => &self.market.firm,
            "SPY" => &self.market.market,
            _ => {
                return Reply::Json(
                    404,
                    r#"{"chart":{"result":null,"error":{"code":"Not Found","description":"No data found, symbol may be delisted"}}}"#.into(),
                )
            }
        };
        let get = |k: &str| r.query.get(k).cloned().unwrap_or_default();
        let (p1, p2): (i64, i64) = (
            get("period1").parse().unwrap(),
            get("period2").parse().unwrap(),
        );
        let minutes: usize = get("interval").trim_end_matches('m').parse().unwrap();
        let (back, per_request) = if minutes == 1 { (30, 8) } else { (60, 60) };
        let now = self.now.lock().unwrap().timestamp();
        if p1 < now - back * 86_400 || p2 - p1 > per_request * 86_400 {
            self.refused
                .lock()
                .unwrap()
                .push(format!("{symbol} {p1} {p2} {minutes}m"));
            return Reply::Json(
                422,
                format!(
                    r#"{{"chart":{{"result":null,"error":{{"code":"Unprocessable Entity","description":"{minutes}m data not available for startTime={p1} and endTime={p2}. The requested range must be within the last {back} days."}}}}}}"#
                ),
            );
        }
        let quiet: &[i64] = if symbol == "FIRM" { &self.quiet } else { &[] };
        Reply::Json(
            200,
            yahoo_bars_json(symbol, bars, minutes, p1, p2.min(now), quiet),
        )
    }
}

struct World {
    yahoo: Arc<FakeYahoo>,
    server: TestServer,
    dir: tempfile::TempDir,
}

/// 34 sessions ending the day before `last_day`.
fn world(first_day: NaiveDate, quiet: Vec<i64>) -> World {
    let market = minute_market_from(21, first_day, 34, 0.00001, 1.1, &[(31, 45, -0.04)]);
    let yahoo = Arc::new(FakeYahoo {
        market,
        now: Mutex::new(Utc::now()),
        quiet,
        refused: Mutex::new(Vec::new()),
    });
    let handler = yahoo.clone();
    let server = https::start(Arc::new(move |r: &Request| handler.handle(r)));
    World {
        yahoo,
        server,
        dir: tempfile::tempdir().unwrap(),
    }
}

impl World {
    fn network(&self) -> NetworkSettings {
        NetworkSettings {
            yahoo_host: Some(self.server.addr),
            sec_host: Some(self.server.addr),
            ca_cert: Some(self.server.ca_path.clone()),
            request_timeout: Duration::from_secs(5),
            retry: RetryPolicy {
                max_attempts: 2,
                base_delay: Duration::from_millis(5),
                max_delay: Duration::from_millis(20),
                total: Duration::from_secs(10),
            },
        }
    }

    fn fetcher(&self, interval: Interval, now: DateTime<Utc>) -> BarFetcher {
        *self.yahoo.now.lock().unwrap() = now;
        let mut f = BarFetcher::new(
            Store::open(self.dir.path().join("store")).unwrap(),
            self.network(),
            StoreMode::Update,
            interval,
        );
        f.now = now;
        f.min_interval = Duration::from_millis(1);
        f
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::cargo_bin("eventstudy").unwrap();
        c.args(args)
            .env("EVENTSTUDY_YAHOO_HOST", self.server.addr.to_string())
            .env("EVENTSTUDY_SEC_HOST", self.server.addr.to_string())
            .env("EVENTSTUDY_CA_CERT", &self.server.ca_path)
            .env("EVENTSTUDY_DATA_DIR", self.dir.path().join("store"))
            .current_dir(self.dir.path());
        c
    }

    fn chart_requests(&self) -> Vec<Request> {
        self.server
            .log
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.path.starts_with("/v8/finance/chart/"))
            .cloned()
            .collect()
    }
}

fn evening(day: NaiveDate) -> DateTime<Utc> {
    New_York
        .from_local_datetime(&day.and_time(NaiveTime::from_hms_opt(20, 0, 0).unwrap()))
        .unwrap()
        .with_timezone(&Utc)
}

fn session_start(day: NaiveDate) -> i64 {
    New_York
        .from_local_datetime(&day.and_time(NaiveTime::from_hms_opt(9, 30, 0).unwrap()))
        .unwrap()
        .timestamp()
}

/// Two fetches a week apart: the second asks only from the stored last bar on, and the store
/// holds the union; quiet minutes are no bars; every request keeps within Yahoo's limits.
#[test]
fn the_store_archives_bars_across_fetches() {
    let first_day = NaiveDate::from_ymd_opt(2025, 1, 2).unwrap();
    let probe = minute_market_from(21, first_day, 34, 0.0, 1.0, &[]);
    let quiet = vec![
        session_start(probe.days[25]) + 600,
        session_start(probe.days[26]) + 60,
    ];
    let w = world(first_day, quiet.clone());
    let m = &w.yahoo.market;
    let firm: Ticker = "FIRM".parse().unwrap();
    // Evening of session 25: Yahoo's 30 days reach back to about session 4.
    let now1 = evening(m.days[25]);
    let from = session_start(m.days[0]);
    let reports = w
        .fetcher(Interval::Minutes(1), now1)
        .ensure(&[(firm.clone(), from, now1.timestamp())], &Silent);
    let r1 = reports[0].as_ref().unwrap();
    // The range before Yahoo's 30 days was cut (and said: the store has none of it).
    let why = r1.beyond_limit.as_deref().unwrap();
    assert!(
        why.contains("older than Yahoo keeps (1m: about the last 30 days, 8 days a request)"),
        "{why}"
    );
    assert!(
        why.contains("eventstudy fetch --interval 1m --ticker FIRM"),
        "{why}"
    );
    // 30 days in requests of at most 8 days.
    assert!(r1.requests >= 4, "{}", r1.requests);
    assert!(
        w.yahoo.refused.lock().unwrap().is_empty(),
        "{:?}",
        w.yahoo.refused.lock().unwrap()
    );
    let earliest = (now1 - chrono::Duration::days(30)).timestamp();
    let first_kept = r1.first.unwrap();
    assert!(
        first_kept >= earliest && first_kept < earliest + 4 * 86_400,
        "{first_kept}"
    );
    assert_eq!(r1.last, Some(session_start(m.days[25]) + 389 * 60));
    let store = BarStore::new(&w.dir.path().join("store"), Interval::Minutes(1));
    let (_, bars1) = store.load(&firm).unwrap().unwrap();
    assert!(
        bars1.iter().all(|b| b.start != quiet[0]),
        "a quiet minute is no bar"
    );
    assert_eq!(bars1.len(), r1.rows);

    // A week later: only the new part is asked for, from the last stored bar on.
    let before = w.chart_requests().len();
    let now2 = evening(m.days[30]);
    let r2 = w
        .fetcher(Interval::Minutes(1), now2)
        .ensure(&[(firm.clone(), from, now2.timestamp())], &Silent);
    let r2 = r2[0].as_ref().unwrap();
    let new_requests: Vec<Request> = w.chart_requests()[before..].to_vec();
    assert_eq!(new_requests.len(), r2.requests);
    for r in &new_requests {
        let p1: i64 = r.query["period1"].parse().unwrap();
        assert!(
            p1 >= bars1.last().unwrap().start,
            "asked again for stored bars: {p1}"
        );
    }
    let (manifest, bars2) = store.load(&firm).unwrap().unwrap();
    // The archive keeps the first fetch's oldest bars, though Yahoo no longer has them all.
    assert_eq!(bars2.first().unwrap().start, first_kept);
    assert_eq!(manifest.last, session_start(m.days[30]) + 389 * 60);
    let sessions_held = 31
        - m.days
            .iter()
            .position(|d| New_York.timestamp_opt(first_kept, 0).unwrap().date_naive() == *d)
            .unwrap();
    assert_eq!(bars2.len(), sessions_held * 390 - quiet.len());
    assert_eq!(manifest.exchange_tz.as_deref(), Some("America/New_York"));
    assert!(w.yahoo.refused.lock().unwrap().is_empty());
}

/// `run --interval 5m` through Yahoo and the store, with today's clock; then `fetch
/// --interval 1m` archives, `store list` shows each interval; a 1-minute study reaching past
/// Yahoo's 30 days exits 3 with the line that says how to keep an archive.
#[test]
fn runs_fetch_and_refusals_through_yahoo() {
    let today = Utc::now().with_timezone(&New_York).date_naive();
    // 34 sessions ending before today: the first is about 48 days back.
    let mut first_day = today - chrono::Duration::days(52);
    while first_day.weekday().number_from_monday() > 5 {
        first_day = first_day.succ_opt().unwrap();
    }
    let w = world(first_day, Vec::new());
    let m = &w.yahoo.market;
    assert!(
        *m.days.last().unwrap() < today,
        "the market ends before today"
    );
    let news = New_York
        .from_local_datetime(&m.days[31].and_time(NaiveTime::from_hms_opt(10, 17, 0).unwrap()))
        .unwrap()
        .fixed_offset()
        .to_rfc3339();
    let out = w
        .cmd(&[
            "run",
            "--ticker",
            "FIRM",
            "--benchmark",
            "SPY",
            "--date",
            &news,
        ])
        .args([
            "--interval",
            "5m",
            "--window",
            "-6:12",
            "--format",
            "json",
            "--no-charts",
            "-q",
        ])
        .assert()
        .success();
    let json: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let e = &json["events"][0];
    assert_eq!(e["day0_rule"], "in session");
    assert_eq!(e["n_estimation"], 20 * 77);
    assert_eq!(e["exchange_tz"], "America/New_York");
    let ar0 = e["bars"][6]["ar"].as_f64().unwrap();
    assert!((ar0 + 0.04).abs() < 0.01, "the planted -4% at 10:15: {ar0}");
    assert!(w.yahoo.refused.lock().unwrap().is_empty());
    // Again: the store has every bar, Yahoo is asked only for the last session on.
    let before = w.chart_requests().len();
    w.cmd(&[
        "run",
        "--ticker",
        "FIRM",
        "--benchmark",
        "SPY",
        "--date",
        &news,
    ])
    .args([
        "--interval",
        "5m",
        "--window",
        "-6:12",
        "--format",
        "json",
        "--no-charts",
        "-q",
    ])
    .assert()
    .success();
    let again = w.chart_requests().len() - before;
    assert!(again <= 2, "{again} requests for bars the store holds");
    // Offline, from the store alone.
    w.cmd(&[
        "run",
        "--ticker",
        "FIRM",
        "--benchmark",
        "SPY",
        "--date",
        &news,
    ])
    .args([
        "--interval",
        "5m",
        "--window",
        "-6:12",
        "--offline",
        "--no-charts",
        "-q",
    ])
    .assert()
    .success();

    // The archive of 1-minute bars: what Yahoo still has, the rest said in a note.
    let out = w
        .cmd(&[
            "fetch",
            "--ticker",
            "FIRM,SPY",
            "--interval",
            "1m",
            "--from",
        ])
        .arg(first_day.to_string())
        .args(["--format", "json"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("older than Yahoo keeps"), "{err}");
    let fetched: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(fetched[0]["ok"], true);
    assert!(fetched[0]["rows"].as_u64().unwrap() > 10 * 390);
    assert!(
        w.yahoo.refused.lock().unwrap().is_empty(),
        "{:?}",
        w.yahoo.refused.lock().unwrap()
    );
    let out = w
        .cmd(&["store", "list", "--format", "json"])
        .assert()
        .success();
    let listed: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let intervals: Vec<(String, String)> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["symbol"].as_str().unwrap().into(),
                e["interval"].as_str().unwrap().into(),
            )
        })
        .collect();
    for want in [("FIRM", "1m"), ("FIRM", "5m"), ("SPY", "1m"), ("SPY", "5m")] {
        assert!(
            intervals.contains(&(want.0.into(), want.1.into())),
            "{want:?} not in {intervals:?}"
        );
    }
    w.cmd(&["doctor", "--offline"]).assert().success();

    // A 1-minute study of an event whose 20 sessions reach past Yahoo's 30 days and past the
    // archive: exit 3, one line with both limits and the cron recipe.
    let early = New_York
        .from_local_datetime(&m.days[12].and_time(NaiveTime::from_hms_opt(11, 0, 0).unwrap()))
        .unwrap()
        .fixed_offset()
        .to_rfc3339();
    let out = w
        .cmd(&[
            "run",
            "--ticker",
            "FIRM",
            "--benchmark",
            "SPY",
            "--date",
            &early,
        ])
        .args(["--interval", "1m", "--no-charts", "-q"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(
        err.contains("older than Yahoo keeps (1m: about the last 30 days, 8 days a request)"),
        "{err}"
    );
    assert!(
        err.contains("keep an archive with a daily `eventstudy fetch --interval 1m"),
        "{err}"
    );
    assert_eq!(err.trim().lines().count(), 1, "{err}");
}
