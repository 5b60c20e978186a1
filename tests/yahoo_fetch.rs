//! The Yahoo fetcher and the store against a local HTTPS server playing Yahoo, with faults.

mod common;

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use common::fake::{Fault, Yahoo};
use common::https::{self, periods, ChartSeries, Request, TestServer};
use common::{d, synthetic, trading_days};
use eventstudy::data::fetch::{Fetcher, Silent, StoreMode};
use eventstudy::data::http::{NetworkSettings, RetryPolicy};
use eventstudy::data::store::{DateRange, Store};
use eventstudy::error::Error;
use eventstudy::Ticker;

struct Setup {
    yahoo: Arc<Yahoo>,
    server: TestServer,
    store_dir: tempfile::TempDir,
}

fn dates() -> Vec<NaiveDate> {
    trading_days(d("2024-01-02"), 320, &[d("2025-01-09")])
}

fn setup() -> Setup {
    let yahoo = Arc::new(Yahoo::default());
    let dates = dates();
    let s = synthetic(5, dates.clone(), 0.0, 1.2, 0.01, 270, -0.1);
    let mut firm_close: Vec<f64> = s.firm_prices.iter().map(|p| p * 1.02).collect();
    let mut firm_adj = s.firm_prices.clone();
    // A null hole on the 100th day.
    firm_close[100] = f64::NAN;
    firm_adj[100] = f64::NAN;
    let mut firm = ChartSeries::new("FIRM", dates.clone(), firm_close, firm_adj);
    firm.splits.push((dates[50], 4.0, 1.0));
    firm.dividends.push((dates[60], 0.04));
    let index = ChartSeries::new(
        "^GSPC",
        dates.clone(),
        s.market_prices.clone(),
        s.market_prices.clone(),
    );
    yahoo.series.lock().unwrap().insert("FIRM".into(), firm);
    yahoo.series.lock().unwrap().insert("^GSPC".into(), index);
    let handler_yahoo = yahoo.clone();
    let server = https::start(Arc::new(move |r: &Request| handler_yahoo.handle(r)));
    Setup {
        yahoo,
        server,
        store_dir: tempfile::tempdir().unwrap(),
    }
}

impl Setup {
    fn network(&self) -> NetworkSettings {
        NetworkSettings {
            yahoo_host: Some(self.server.addr),
            sec_host: Some(self.server.addr),
            ca_cert: Some(self.server.ca_path.clone()),
            request_timeout: Duration::from_millis(800),
            retry: RetryPolicy {
                max_attempts: 3,
                base_delay: Duration::from_millis(5),
                max_delay: Duration::from_millis(20),
                total: Duration::from_secs(10),
            },
        }
    }

    fn fetcher(&self, mode: StoreMode) -> Fetcher {
        let mut f = Fetcher::new(
            Store::open(self.store_dir.path()).unwrap(),
            self.network(),
            mode,
        );
        f.min_interval = Duration::from_millis(1);
        f.now = "2026-11-29T12:00:00Z".parse::<DateTime<Utc>>().unwrap();
        f
    }

    fn store(&self) -> Store {
        Store::open(self.store_dir.path()).unwrap()
    }

    fn chart_requests(&self) -> usize {
        self.server.requests_to("/v8/finance/chart/")
    }

    fn fault(&self, symbol: &str, fault: Fault) {
        self.yahoo
            .faults
            .lock()
            .unwrap()
            .insert(symbol.into(), fault);
    }
}

fn t(s: &str) -> Ticker {
    s.parse().unwrap()
}

fn range(a: &str, b: &str) -> DateRange {
    DateRange::new(d(a), d(b))
}

#[test]
fn fetches_into_the_store_then_only_what_is_missing() {
    let s = setup();
    let f = s.fetcher(StoreMode::Update);
    let out = f.ensure(
        &[t("FIRM"), t("^GSPC")],
        range("2024-01-01", "2024-12-31"),
        &Silent,
    );
    let firm = out[0].as_ref().unwrap();
    assert_eq!(firm.requests, 1);
    assert_eq!(s.chart_requests(), 2);
    let all = dates();
    let in_2024 = all
        .iter()
        .filter(|d| d.to_string().starts_with("2024"))
        .count();
    // The null hole is a missing day: no row.
    assert_eq!(firm.rows, in_2024 - 1);
    assert_eq!(out[1].as_ref().unwrap().rows, in_2024);

    let stored = s.store().load(&t("FIRM")).unwrap().unwrap();
    assert_eq!(stored.manifest.splits.len(), 1);
    assert_eq!(stored.manifest.splits[0].date, all[50]);
    assert_eq!(stored.manifest.splits[0].numerator, 4.0);
    assert_eq!(stored.manifest.dividends[0].date, all[60]);
    assert_eq!(stored.bars[0].date, all[0], "dated in New York, not UTC");
    assert!(!stored.bars.iter().any(|b| b.date == all[100]));
    let gspc = s.store().price_frame(&t("^GSPC")).unwrap().0;
    assert_eq!(gspc.dates().unwrap(), all[..in_2024]);

    // The same range again: nothing to fetch.
    let again = f.ensure(&[t("FIRM")], range("2024-01-01", "2024-12-31"), &Silent);
    assert_eq!(again[0].as_ref().unwrap().requests, 0);
    assert_eq!(s.chart_requests(), 2);

    // A longer range: one request for the new part only (overlapping the old end by a seam).
    let more = f.ensure(&[t("FIRM")], range("2024-01-01", "2025-03-31"), &Silent);
    let more = more[0].as_ref().unwrap();
    assert_eq!(more.requests, 1);
    let last = s.server.log.lock().unwrap().last().cloned().unwrap();
    let (p1, _) = periods(&last);
    assert!(
        p1 > d("2024-12-01")
            .and_hms_opt(0, 0, 0)
            .unwrap()
            .and_utc()
            .timestamp(),
        "incremental, not the whole history"
    );
    let expected_rows = all.iter().filter(|d| **d <= self::d("2025-03-31")).count() - 1;
    assert_eq!(more.rows, expected_rows);
}

#[test]
fn retries_a_429_then_succeeds() {
    let s = setup();
    s.fault("FIRM", Fault::TooManyThen(2));
    let out = s.fetcher(StoreMode::Update).ensure(
        &[t("FIRM")],
        range("2024-01-01", "2024-03-31"),
        &Silent,
    );
    assert!(out[0].is_ok(), "{:?}", out[0]);
    assert_eq!(s.chart_requests(), 3);
}

#[test]
fn server_errors_give_up_with_a_clear_message() {
    let s = setup();
    s.fault("FIRM", Fault::ServerErrorForever);
    let out = s.fetcher(StoreMode::Update).ensure(
        &[t("FIRM")],
        range("2024-01-01", "2024-03-31"),
        &Silent,
    );
    let e = out[0].as_ref().unwrap_err();
    assert!(matches!(e, Error::Network(_)));
    let m = e.to_string();
    assert!(
        m.contains("FIRM") && m.contains("server error") && m.contains("after 3 attempts"),
        "{m}"
    );
    assert_eq!(e.exit_code(), 3);
    // The library retries a 5xx once itself; three attempts of ours make six requests at most.
    assert!(s.chart_requests() >= 3 && s.chart_requests() <= 6);
    assert!(
        s.store().load(&t("FIRM")).unwrap().is_none(),
        "nothing half-written"
    );
}

#[test]
fn a_stalled_answer_times_out() {
    let s = setup();
    s.fault("FIRM", Fault::Stall);
    let started = std::time::Instant::now();
    let out = s.fetcher(StoreMode::Update).ensure(
        &[t("FIRM")],
        range("2024-01-01", "2024-03-31"),
        &Silent,
    );
    let m = out[0].as_ref().unwrap_err().to_string();
    assert!(m.contains("did not answer in time"), "{m}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "bounded by the timeouts"
    );
}

#[test]
fn truncated_json_and_empty_results_are_reported() {
    let s = setup();
    s.fault("FIRM", Fault::Truncated);
    s.fault("^GSPC", Fault::EmptyResult);
    let out = s.fetcher(StoreMode::Update).ensure(
        &[t("FIRM"), t("^GSPC")],
        range("2024-01-01", "2024-03-31"),
        &Silent,
    );
    let m = out[0].as_ref().unwrap_err().to_string();
    assert!(m.contains("not valid chart JSON"), "{m}");
    let e = out[1].as_ref().unwrap_err();
    assert!(matches!(e, Error::Data(_)), "{e:?}");
    assert!(e.to_string().contains("no data for ^GSPC"));
}

#[test]
fn an_unknown_symbol_is_no_data_without_retries() {
    let s = setup();
    let out = s.fetcher(StoreMode::Update).ensure(
        &[t("NOPE")],
        range("2024-01-01", "2024-03-31"),
        &Silent,
    );
    let e = out[0].as_ref().unwrap_err();
    assert_eq!(e.to_string(), "no data for NOPE on Yahoo Finance");
    assert_eq!(e.exit_code(), 3);
    assert_eq!(s.chart_requests(), 1);
}

#[test]
fn no_network_says_so_and_how_to_work_offline() {
    let s = setup();
    let mut f = s.fetcher(StoreMode::Update);
    // A port where nothing listens.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    f.network.yahoo_host = Some(closed);
    let out = f.ensure(&[t("FIRM")], range("2024-01-01", "2024-03-31"), &Silent);
    let m = out[0].as_ref().unwrap_err().to_string();
    assert!(
        m.contains("cannot connect to Yahoo Finance")
            && m.contains("--offline")
            && m.contains("--source csv:DIR"),
        "{m}"
    );
}

#[test]
fn offline_never_touches_the_network() {
    let s = setup();
    let out = s.fetcher(StoreMode::Offline).ensure(
        &[t("FIRM")],
        range("2024-01-01", "2024-03-31"),
        &Silent,
    );
    assert!(out[0]
        .as_ref()
        .unwrap_err()
        .to_string()
        .contains("--offline"));
    s.fetcher(StoreMode::Update)
        .ensure(&[t("FIRM")], range("2024-01-01", "2024-03-31"), &Silent);
    let before = s.chart_requests();
    let out = s.fetcher(StoreMode::Offline).ensure(
        &[t("FIRM")],
        range("2024-01-01", "2025-12-31"),
        &Silent,
    );
    assert!(out[0].is_ok());
    assert_eq!(s.chart_requests(), before);
}

#[test]
fn a_corrupt_file_is_detected_and_refetched() {
    let s = setup();
    let f = s.fetcher(StoreMode::Update);
    f.ensure(&[t("FIRM")], range("2024-01-01", "2024-06-30"), &Silent);
    let path = s.store().parquet_path(&t("FIRM"));
    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(&path, &bytes[..bytes.len() - 100]).unwrap();
    let out = f.ensure(&[t("FIRM")], range("2024-01-01", "2024-06-30"), &Silent);
    let r = out[0].as_ref().unwrap();
    assert_eq!(r.requests, 1);
    assert!(
        r.notes.iter().any(|n| n.to_string().contains("corrupt")),
        "{:?}",
        r.notes
    );
    assert!(s.store().load(&t("FIRM")).unwrap().is_some());
    // Offline, a corrupt file is an error, not trusted.
    std::fs::write(&path, b"garbage").unwrap();
    let out = s.fetcher(StoreMode::Offline).ensure(
        &[t("FIRM")],
        range("2024-01-01", "2024-06-30"),
        &Silent,
    );
    assert!(out[0].as_ref().unwrap_err().to_string().contains("corrupt"));
}

#[test]
fn a_new_price_basis_refetches_the_whole_history() {
    let s = setup();
    let f = s.fetcher(StoreMode::Update);
    f.ensure(&[t("FIRM")], range("2024-01-01", "2024-06-30"), &Silent);
    // A 2:1 split after the first fetch: the source now reports every old price halved.
    {
        let mut series = s.yahoo.series.lock().unwrap();
        let firm = series.get_mut("FIRM").unwrap();
        firm.close.iter_mut().for_each(|p| *p /= 2.0);
        firm.adj_close.iter_mut().for_each(|p| *p /= 2.0);
    }
    let out = f.ensure(&[t("FIRM")], range("2024-01-01", "2024-12-31"), &Silent);
    let r = out[0].as_ref().unwrap();
    assert_eq!(r.requests, 1, "{r:?}");
    assert!(
        r.notes.iter().any(|n| n.to_string().contains("re-based")),
        "{:?}",
        r.notes
    );
    // Every stored price is on the new basis.
    let stored = s.store().load(&t("FIRM")).unwrap().unwrap();
    let series = s.yahoo.series.lock().unwrap();
    let firm = &series["FIRM"];
    for bar in &stored.bars {
        let i = firm.dates.iter().position(|d| *d == bar.date).unwrap();
        assert!((bar.adj_close.unwrap() - firm.adj_close[i]).abs() < 1e-9);
    }
}

#[test]
fn refresh_fetches_everything_again() {
    let s = setup();
    s.fetcher(StoreMode::Update)
        .ensure(&[t("FIRM")], range("2024-01-01", "2024-06-30"), &Silent);
    let out = s.fetcher(StoreMode::Refresh).ensure(
        &[t("FIRM")],
        range("2024-03-01", "2024-04-30"),
        &Silent,
    );
    assert_eq!(out[0].as_ref().unwrap().requests, 1);
    let last = s.server.log.lock().unwrap().last().cloned().unwrap();
    let (p1, p2) = periods(&last);
    assert!(
        p1 < d("2024-01-02")
            .and_hms_opt(0, 0, 0)
            .unwrap()
            .and_utc()
            .timestamp()
    );
    assert!(
        p2 > d("2024-06-30")
            .and_hms_opt(0, 0, 0)
            .unwrap()
            .and_utc()
            .timestamp()
    );
}

#[test]
fn two_fetchers_at_once_do_not_interleave() {
    let s = setup();
    let f1 = s.fetcher(StoreMode::Update);
    let f2 = s.fetcher(StoreMode::Update);
    let need = range("2024-01-01", "2025-03-31");
    std::thread::scope(|scope| {
        let a = scope.spawn(|| f1.ensure(&[t("FIRM"), t("^GSPC")], need, &Silent));
        let b = scope.spawn(|| f2.ensure(&[t("^GSPC"), t("FIRM")], need, &Silent));
        for out in [a.join().unwrap(), b.join().unwrap()] {
            assert!(out.iter().all(|r| r.is_ok()), "{out:?}");
        }
    });
    // The second one found the data in the store: two symbols fetched once each.
    assert_eq!(s.chart_requests(), 2);
    let stored = s.store().load(&t("FIRM")).unwrap().unwrap();
    assert_eq!(stored.bars.len(), stored.manifest.rows);
}

#[test]
fn offline_reads_take_no_lock() {
    let s = setup();
    let need = range("2024-01-01", "2024-06-28");
    assert!(s
        .fetcher(StoreMode::Update)
        .ensure(&[t("FIRM")], need, &Silent)[0]
        .is_ok());
    let lock = s.store_dir.path().join("prices/FIRM.lock");
    std::fs::remove_file(&lock).unwrap();
    // A read-only store (a shared mount, another user's cache) is read without writing a thing.
    let out = s
        .fetcher(StoreMode::Offline)
        .ensure(&[t("FIRM")], need, &Silent);
    assert!(out[0].is_ok(), "{out:?}");
    assert!(!lock.exists(), "offline created a lock file");
}

#[test]
fn a_lock_held_too_long_is_an_error_naming_it() {
    let s = setup();
    let held = s.store().lock(&t("FIRM")).unwrap();
    let mut f = s.fetcher(StoreMode::Update);
    f.lock_timeout = Duration::from_millis(300);
    let out = f.ensure(
        &[t("FIRM"), t("^GSPC")],
        range("2024-01-01", "2024-06-28"),
        &Silent,
    );
    let m = out[0].as_ref().unwrap_err().to_string();
    assert!(
        m.contains("another process has held the store's lock on FIRM") && m.contains("FIRM.lock"),
        "{m}"
    );
    assert!(out[1].is_ok(), "the other symbol is fetched: {:?}", out[1]);
    drop(held);
    assert!(f.ensure(&[t("FIRM")], range("2024-01-01", "2024-06-28"), &Silent)[0].is_ok());
}
