//! Intraday studies end to end (`--interval`), on a synthetic market of 1-minute bars with
//! planted shocks: every event bar and rule, and every number against an independent
//! computation of METHODS' definitions ("Intraday: bars instead of days") from the files'
//! text; resampling, the outputs, and the refusals.

mod common;

use std::path::Path;

use assert_cmd::Command;
use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, NaiveTime, TimeZone, Timelike};
use chrono_tz::America::New_York;
use serde_json::Value;

use common::minutes::{bar_csv, minute_market, MinuteMarket, TimeStyle};

const SHARES: f64 = 1e9;

fn eventstudy() -> Command {
    Command::cargo_bin("eventstudy").unwrap()
}

/// Sessions 21 to 23 carry the shocks: -3% at 10:47 on session 21, a -5% gap into session
/// 22 (news before the open), +4% into session 23 (news after session 22's close).
fn market() -> MinuteMarket {
    minute_market(
        11,
        24,
        0.00002,
        1.2,
        &[(21, 77, -0.03), (22, 0, -0.05), (23, 0, 0.04)],
    )
}

fn at(day: NaiveDate, h: u32, m: u32, s: u32) -> DateTime<FixedOffset> {
    New_York
        .from_local_datetime(&day.and_time(NaiveTime::from_hms_opt(h, m, s).unwrap()))
        .unwrap()
        .fixed_offset()
}

/// The bar files: the firm oldest first with New York offsets, newest first, and in UTC.
fn write_files(dir: &Path, m: &MinuteMarket) {
    std::fs::create_dir_all(dir).unwrap();
    let files = [
        ("SPY", &m.market, TimeStyle::NewYorkOffset, false),
        ("FIRM", &m.firm, TimeStyle::NewYorkOffset, false),
        ("FIRMD", &m.firm, TimeStyle::NewYorkOffset, true),
        ("FIRMZ", &m.firm, TimeStyle::Utc, false),
    ];
    for (name, bars, style, newest_first) in files {
        std::fs::write(
            dir.join(format!("{name}.csv")),
            bar_csv(bars, style, newest_first),
        )
        .unwrap();
    }
}

/// The JSON a successful `eventstudy ARGS` prints in `dir`.
fn json_of(dir: &Path, args: &[&str]) -> Value {
    let out = eventstudy().current_dir(dir).args(args).assert().success();
    serde_json::from_slice(&out.get_output().stdout).unwrap()
}

// ---- The independent computation -------------------------------------------------------

/// A bar file read on its own: (UTC seconds, close), oldest first.
fn read_bars(path: &Path) -> Vec<(i64, f64)> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut rows: Vec<(i64, f64)> = text
        .lines()
        .skip(1)
        .map(|line| {
            let cells: Vec<&str> = line.split(',').collect();
            let t = DateTime::parse_from_rfc3339(cells[0]).unwrap().timestamp();
            (t, cells[1].parse().unwrap())
        })
        .collect();
    rows.sort_by_key(|r| r.0);
    rows
}

/// Both series on the same minutes (the synthetic files have every bar), each bar's New York
/// date, and whether it opens a session after another.
struct Panel {
    starts: Vec<i64>,
    firm: Vec<f64>,
    market: Vec<f64>,
    dates: Vec<NaiveDate>,
    overnight: Vec<bool>,
}

fn panel(firm: &Path, market: &Path) -> Panel {
    let (f, m) = (read_bars(firm), read_bars(market));
    assert_eq!(f.len(), m.len());
    let dates: Vec<NaiveDate> = f
        .iter()
        .map(|(t, _)| New_York.timestamp_opt(*t, 0).unwrap().date_naive())
        .collect();
    let overnight = (0..dates.len())
        .map(|i| i > 0 && dates[i] != dates[i - 1])
        .collect();
    Panel {
        starts: f.iter().map(|r| r.0).collect(),
        firm: f.iter().map(|r| r.1).collect(),
        market: m.iter().map(|r| r.1).collect(),
        dates,
        overnight,
    }
}

/// The event bar by METHODS' rules.
fn event_bar(p: &Panel, news: DateTime<FixedOffset>) -> (usize, &'static str) {
    let local = news.with_timezone(&New_York);
    let (day, time) = (local.date_naive(), local.time());
    let first_of = |d: NaiveDate| p.dates.iter().position(|x| *x == d);
    let next_session = |d: NaiveDate| p.dates.iter().position(|x| *x > d).unwrap();
    match first_of(day) {
        Some(i) if time < NaiveTime::from_hms_opt(9, 30, 0).unwrap() => (i, "pre-market"),
        Some(i) if time < NaiveTime::from_hms_opt(16, 0, 0).unwrap() => {
            let minutes = (time.hour() * 60 + time.minute()) as usize - (9 * 60 + 30);
            (i + minutes, "in session")
        }
        Some(_) => (next_session(day), "after close"),
        None => (next_session(day), "next trading day"),
    }
}

struct Expected {
    alpha: f64,
    beta: f64,
    sigma: f64,
    n: usize,
    overnight_sigma: f64,
    /// (rel, AR, t, CAR, abnormal dollars) of each window bar.
    bars: Vec<(i32, f64, f64, f64, f64)>,
    /// (CAR, t, abnormal dollars) of each CAR window.
    cars: Vec<(f64, f64, f64)>,
}

/// Fit, ARs, CARs, variances and dollars as METHODS defines them, in plain loops.
fn expected(p: &Panel, e: usize, window: (i32, i32), cars: &[(i32, i32)]) -> Expected {
    let ret = |s: &[f64], i: usize| s[i] / s[i - 1] - 1.0;
    // The 20 sessions before the event's.
    let mut sessions: Vec<NaiveDate> = p.dates[..e].to_vec();
    sessions.dedup();
    sessions.retain(|d| *d != p.dates[e]);
    let first_day = sessions[sessions.len() - 20];
    let est: Vec<usize> = (1..e)
        .filter(|&i| p.dates[i] >= first_day && p.dates[i] < p.dates[e])
        .collect();
    let within: Vec<usize> = est.iter().copied().filter(|&i| !p.overnight[i]).collect();
    let l = within.len() as f64;
    let xbar = within.iter().map(|&i| ret(&p.market, i)).sum::<f64>() / l;
    let ybar = within.iter().map(|&i| ret(&p.firm, i)).sum::<f64>() / l;
    let (mut sxx, mut sxy) = (0.0, 0.0);
    for &i in &within {
        let dx = ret(&p.market, i) - xbar;
        sxx += dx * dx;
        sxy += dx * (ret(&p.firm, i) - ybar);
    }
    let beta = sxy / sxx;
    let alpha = ybar - beta * xbar;
    let resid = |i: usize| ret(&p.firm, i) - alpha - beta * ret(&p.market, i);
    let ssr: f64 = within.iter().map(|&i| resid(i).powi(2)).sum();
    let s2 = ssr / (l - 2.0);
    let on: Vec<usize> = est.iter().copied().filter(|&i| p.overnight[i]).collect();
    let s2_on = on.iter().map(|&i| resid(i).powi(2)).sum::<f64>() / on.len() as f64;
    let own = |i: usize| if p.overnight[i] { s2_on } else { s2 };
    let mv = SHARES * p.firm[e - 1];
    let span = |a: i32, b: i32| (e as i32 + a) as usize..=(e as i32 + b) as usize;
    let mut car = 0.0;
    let bars = span(window.0, window.1)
        .map(|i| {
            let ar = resid(i);
            let d = ret(&p.market, i) - xbar;
            let var = own(i) + s2 * (1.0 / l + d * d / sxx);
            car += ar;
            (i as i32 - e as i32, ar, ar / var.sqrt(), car, mv * ar)
        })
        .collect();
    let cars = cars
        .iter()
        .map(|&(a, b)| {
            let idx: Vec<usize> = span(a, b).collect();
            let n = idx.len() as f64;
            let sum: f64 = idx.iter().map(|&i| resid(i)).sum();
            let dsum: f64 = idx.iter().map(|&i| ret(&p.market, i) - xbar).sum();
            let diag: f64 = idx.iter().map(|&i| own(i)).sum();
            let var = diag + s2 * (n * n / l + dsum * dsum / sxx);
            (sum, sum / var.sqrt(), mv * sum)
        })
        .collect();
    Expected {
        alpha,
        beta,
        sigma: s2.sqrt(),
        n: within.len(),
        overnight_sigma: s2_on.sqrt(),
        bars,
        cars,
    }
}

fn close(label: &str, got: &Value, want: f64) {
    let got = got
        .as_f64()
        .unwrap_or_else(|| panic!("{label}: {got} is not a number"));
    let scale = want.abs().max(1.0);
    assert!(
        (got - want).abs() <= 1e-9 * scale,
        "{label}: {got} vs {want} (difference {:e})",
        got - want
    );
}

// ---- The tests --------------------------------------------------------------------------

#[test]
fn event_bars_rules_and_every_number_match_an_independent_computation() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let m = market();
    write_files(&dir.join("bars"), &m);
    let d = |s: usize| m.days[s];
    // A Saturday before a session with 20 sessions before it.
    let monday = (21..24)
        .find(|&s| d(s).weekday() == chrono::Weekday::Mon)
        .unwrap();
    let saturday = d(monday) - Duration::days(2);
    let in_session = at(d(21), 10, 47, 30);
    let events = [
        ("FIRM", in_session, (21, 77), "in session"),
        ("FIRM", at(d(22), 7, 0, 0), (22, 0), "pre-market"),
        ("FIRM", at(d(22), 16, 5, 0), (23, 0), "after close"),
        (
            "FIRM",
            in_session.with_timezone(&FixedOffset::east_opt(8 * 3600).unwrap()),
            (21, 77),
            "in session",
        ),
        ("FIRMD", in_session, (21, 77), "in session"),
        ("FIRMZ", in_session, (21, 77), "in session"),
        (
            "FIRM",
            at(saturday, 12, 0, 0),
            (monday, 0),
            "next trading day",
        ),
    ];
    let mut csv = String::from("ticker,date\n");
    for (ticker, news, _, _) in &events {
        csv.push_str(&format!("{ticker},{}\n", news.to_rfc3339()));
    }
    std::fs::write(dir.join("events.csv"), csv).unwrap();
    let out = eventstudy()
        .current_dir(dir)
        .args(["batch", "--events", "events.csv", "--benchmark", "SPY"])
        .args([
            "--interval",
            "1m",
            "--source",
            "csv:bars",
            "--shares",
            "1e9",
        ])
        .args(["--format", "json", "--no-charts", "-q"])
        .assert()
        .success();
    let json: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(json["conventions"]["interval"], "1m");
    assert_eq!(json["conventions"]["window"], "-30m:2h");
    let reported = json["events"].as_array().unwrap();
    assert_eq!(reported.len(), events.len(), "{:#}", json["excluded"]);
    let windows = [(0, 0), (0, 15), (0, 60), (-30, 120)];
    for (k, (ticker, news, (session, slot), rule)) in events.iter().enumerate() {
        let e = &reported[k];
        let label = format!("event {} ({ticker} {rule})", k + 1);
        let p = panel(
            &dir.join(format!("bars/{ticker}.csv")),
            &dir.join("bars/SPY.csv"),
        );
        let (bar, want_rule) = event_bar(&p, *news);
        // The rule by the reference agrees with the planted session and slot.
        assert_eq!(want_rule, *rule, "{label}");
        assert_eq!(bar, session * 390 + slot, "{label}");
        let bar_start = New_York.timestamp_opt(p.starts[bar], 0).unwrap();
        assert_eq!(
            e["event_bar"],
            bar_start
                .fixed_offset()
                .format("%Y-%m-%dT%H:%M:%S%:z")
                .to_string(),
            "{label}"
        );
        assert_eq!(e["day0_rule"], *rule, "{label}");
        let x = expected(&p, bar, (-30, 120), &windows);
        assert_eq!(e["n_estimation"], x.n, "{label}");
        assert_eq!(x.n, 20 * 389);
        close(&format!("{label} alpha"), &e["alpha"], x.alpha);
        close(&format!("{label} beta"), &e["beta"], x.beta);
        close(&format!("{label} sigma"), &e["sigma"], x.sigma);
        close(
            &format!("{label} overnight sigma"),
            &e["overnight_sigma"],
            x.overnight_sigma,
        );
        let bars = e["bars"].as_array().unwrap();
        assert_eq!(bars.len(), x.bars.len(), "{label}");
        for (b, &(rel, ar, t, car, dollars)) in bars.iter().zip(&x.bars) {
            assert_eq!(b["rel"], rel, "{label}");
            let l = format!("{label} bar {rel:+}");
            close(&format!("{l} AR"), &b["ar"], ar);
            close(&format!("{l} t"), &b["ar_t"], t);
            close(&format!("{l} CAR"), &b["car"], car);
            close(
                &format!("{l} $"),
                &b["abnormal_market_value_change"],
                dollars,
            );
        }
        for (c, &(car, t, dollars)) in e["car"].as_array().unwrap().iter().zip(&x.cars) {
            let l = format!("{label} CAR {}", c["window"]);
            close(&format!("{l} CAR"), &c["car"], car);
            close(&format!("{l} t"), &c["t"], t);
            close(
                &format!("{l} $"),
                &c["abnormal_market_value_change"],
                dollars,
            );
        }
        // The planted shocks show in the event bar.
        let ar0 = bars[30]["ar"].as_f64().unwrap();
        let shock = match session {
            21 => -0.03,
            22 => -0.05,
            23 => 0.04,
            _ => 0.0,
        };
        assert!(
            (ar0 - shock).abs() < 0.03,
            "{label}: AR {ar0} vs shock {shock}"
        );
        assert_eq!(bars[30]["overnight"], *slot == 0, "{label}");
    }
    // The same instant in another zone, a file newest first and a file in UTC give the
    // first event's numbers to the bit.
    for k in [3, 4, 5] {
        assert_eq!(reported[k]["bars"], reported[0]["bars"], "event {}", k + 1);
        assert_eq!(reported[k]["car"], reported[0]["car"], "event {}", k + 1);
    }
    // How fast the price adjusted: the in-session event's peak is inside the window.
    let peak = &reported[0]["peak"];
    assert!(peak["car"].as_f64().unwrap() < -0.02, "{peak}");
    // The portfolio by relative bar.
    let aggregate = &json["aggregate"];
    assert_eq!(aggregate["n"], events.len());
    assert_eq!(aggregate["bars"].as_array().unwrap().len(), 151);
}

/// 1-minute bars studied at 5 minutes: a bar's close is the last minute's, so the 5-minute
/// returns are the compounded minutes; the estimation has 20 x 77 within-session returns.
#[test]
fn minute_bars_resample_to_five_minutes() {
    let tmp = tempfile::tempdir().unwrap();
    let m = market();
    write_files(&tmp.path().join("bars"), &m);
    let news = at(m.days[21], 10, 47, 30);
    let out = eventstudy()
        .current_dir(tmp.path())
        .args(["run", "--ticker", "FIRM", "--benchmark", "SPY", "--date"])
        .arg(news.to_rfc3339())
        .args([
            "--interval",
            "5m",
            "--source",
            "csv:bars",
            "--window",
            "-1:2",
        ])
        .args([
            "--car",
            "0:0,0:10m",
            "--format",
            "json",
            "--no-charts",
            "-q",
        ])
        .assert()
        .success();
    let json: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let e = &json["events"][0];
    assert_eq!(e["event_bar"], format!("{}T10:45:00-05:00", m.days[21]));
    assert_eq!(e["n_estimation"], 20 * 77);
    // Bar 0 is 10:45-10:49: its close is 10:49's, its return over 10:44's close.
    let k = 21 * 390 + 75;
    let want = m.firm.closes[k + 4] / m.firm.closes[k - 1] - 1.0;
    let got = e["bars"][1]["return"].as_f64().unwrap();
    assert!((got - want).abs() < 1e-8, "{got} vs {want}");
    assert_eq!(e["car"][1]["bars"], serde_json::json!([0, 2]));
    assert_eq!(e["car"][1]["window"], "0:10m");
}

#[test]
fn refusals_name_the_problem() {
    let tmp = tempfile::tempdir().unwrap();
    let m = market();
    write_files(&tmp.path().join("bars"), &m);
    // (exit code, stderr) of a run of FIRM against SPY with bars from `source`.
    let run_from = |source: &str, args: &[&str]| {
        let out = eventstudy()
            .current_dir(tmp.path())
            .args([
                "run",
                "--ticker",
                "FIRM",
                "--benchmark",
                "SPY",
                "--source",
                source,
            ])
            .args(args)
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let run = |args: &[&str]| run_from("csv:bars", args);
    let news = at(m.days[21], 10, 47, 30).to_rfc3339();
    // A date is not a time.
    let (code, err) = run(&["--date", "2025-02-03", "--interval", "1m"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("needs the time the news came out"), "{err}");
    // A factor model needs intraday factors.
    let (code, err) = run(&["--date", &news, "--interval", "1m", "--model", "ff3"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("not available with --interval 1m"), "{err}");
    // A window of 7 minutes is not whole 5-minute bars.
    let (code, err) = run(&["--date", &news, "--interval", "5m", "--window", "-7m:1h"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("not a whole number of 5-minute bars"), "{err}");
    // Days' flags with bars.
    let (code, err) = run(&[
        "--date",
        &news,
        "--interval",
        "1m",
        "--estimation",
        "-100:-2",
    ]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("--estimation-sessions"), "{err}");
    let (code, err) = run(&["--date", &news, "--interval", "1m", "--tables", "xlsx"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("--tables xlsx is for daily studies"), "{err}");
    let (code, err) = run(&["--date", "2025-02-03", "--tod-variance"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("--tod-variance needs --interval"), "{err}");
    // Bars coarser than asked: 5-minute files studied at 1 minute.
    let coarse = tmp.path().join("coarse");
    std::fs::create_dir_all(&coarse).unwrap();
    for name in ["FIRM", "SPY"] {
        let text = std::fs::read_to_string(tmp.path().join(format!("bars/{name}.csv"))).unwrap();
        let kept: Vec<&str> = text
            .lines()
            .enumerate()
            .filter(|(i, _)| *i == 0 || (i - 1) % 5 == 0)
            .map(|(_, l)| l)
            .collect();
        std::fs::write(coarse.join(format!("{name}.csv")), kept.join("\n")).unwrap();
    }
    let (code, err) = run_from("csv:coarse", &["--date", &news, "--interval", "1m", "-q"]);
    assert_eq!(code, Some(3), "{err}");
    assert!(
        err.contains("the bars are 5m, coarser than --interval 1m"),
        "{err}"
    );
    // A daily file for an intraday study.
    let daily = tmp.path().join("daily");
    std::fs::create_dir_all(&daily).unwrap();
    std::fs::write(
        daily.join("FIRM.csv"),
        "date,close,adj_close\n2025-01-02,1,1\n",
    )
    .unwrap();
    std::fs::copy(tmp.path().join("bars/SPY.csv"), daily.join("SPY.csv")).unwrap();
    let (code, err) = run_from("csv:daily", &["--date", &news, "--interval", "1m", "-q"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("has daily prices (a date column)"), "{err}");
}

/// The event folder holds the tables, the report and four charts with a clock axis; the
/// report says how fast the price moved.
#[test]
fn event_folder_has_tables_report_and_charts() {
    let tmp = tempfile::tempdir().unwrap();
    let m = market();
    write_files(&tmp.path().join("bars"), &m);
    let news = at(m.days[21], 10, 47, 30).to_rfc3339();
    eventstudy()
        .current_dir(tmp.path())
        .args([
            "run",
            "--ticker",
            "FIRM",
            "--benchmark",
            "SPY",
            "--source",
            "csv:bars",
        ])
        .args([
            "--date",
            &news,
            "--interval",
            "1m",
            "--shares",
            "1e9",
            "--size",
            "800x450",
            "-q",
        ])
        .assert()
        .success();
    let folder = tmp
        .path()
        .join(format!("output/FIRM_{}T1047_1m", m.days[21]));
    for file in [
        "summary.json",
        "bars.csv",
        "car.csv",
        "report.md",
        "report.tex",
        "price.png",
        "abnormal_returns.png",
        "car.png",
        "market_value.png",
    ] {
        assert!(
            folder.join(file).is_file(),
            "{file} missing in {}",
            folder.display()
        );
    }
    let png = image::open(folder.join("car.png")).unwrap();
    assert_eq!((png.width(), png.height()), (800, 450));
    let bars = std::fs::read_to_string(folder.join("bars.csv")).unwrap();
    assert_eq!(bars.lines().count(), 1 + 151);
    assert!(
        bars.lines().nth(31).unwrap().contains(",0,"),
        "{}",
        bars.lines().nth(31).unwrap()
    );
    let report = std::fs::read_to_string(folder.join("report.md")).unwrap();
    assert!(report.contains("FIRM lost"), "{report}");
    assert!(report.contains("in the event bar at 10:47"), "{report}");
    assert!(report.contains("largest by"), "{report}");
    let run_folder = tmp.path().join(format!("output/portfolio_{}", m.days[21]));
    for file in [
        "summary.json",
        "events.csv",
        "bars.csv",
        "car.csv",
        "report.md",
        "report.tex",
    ] {
        assert!(run_folder.join(file).is_file(), "{file}");
    }
    let tex = std::fs::read_to_string(folder.join("report.tex")).unwrap();
    assert!(tex.contains("FIRM lost"), "{tex}");
    assert!(
        tex.contains("\\includegraphics[width=\\textwidth]{car.png}"),
        "{tex}"
    );
    assert!(tex.contains("\\begin{tabular}"), "{tex}");
    common::compile_tex(&folder);
}

/// A vendor that stamps each bar with its end: `--bar-label end` reads it as the same bars.
#[test]
fn bars_stamped_with_their_end_read_as_the_same_bars() {
    let tmp = tempfile::tempdir().unwrap();
    let m = market();
    write_files(&tmp.path().join("bars"), &m);
    let ends = tmp.path().join("ends");
    std::fs::create_dir_all(&ends).unwrap();
    for name in ["FIRM", "SPY"] {
        let bars = if name == "FIRM" { &m.firm } else { &m.market };
        let mut shifted = bars.clone();
        for t in shifted.starts.iter_mut() {
            *t += Duration::minutes(1);
        }
        std::fs::write(
            ends.join(format!("{name}.csv")),
            bar_csv(&shifted, TimeStyle::Utc, false),
        )
        .unwrap();
    }
    let news = at(m.days[21], 10, 47, 30).to_rfc3339();
    let json = |source: &str, label: &str| -> Value {
        let out = eventstudy()
            .current_dir(tmp.path())
            .args([
                "run",
                "--ticker",
                "FIRM",
                "--benchmark",
                "SPY",
                "--date",
                &news,
            ])
            .args(["--interval", "1m", "--source", source, "--bar-label", label])
            .args(["--format", "json", "--no-charts", "-q"])
            .assert()
            .success();
        serde_json::from_slice(&out.get_output().stdout).unwrap()
    };
    let starts = json("csv:bars", "start");
    let ends = json("csv:ends", "end");
    assert_eq!(ends["conventions"]["bar_label"], "end");
    assert_eq!(
        starts["events"][0]["event_bar"],
        ends["events"][0]["event_bar"]
    );
    assert_eq!(starts["events"][0]["bars"], ends["events"][0]["bars"]);
    assert_eq!(starts["events"][0]["alpha"], ends["events"][0]["alpha"]);
}

/// A large run (`--no-event-files`, or more than 50 events) keeps its events in the run
/// folder's tables: its JSON is the compact summary.
#[test]
fn a_large_run_prints_the_compact_summary() {
    let tmp = tempfile::tempdir().unwrap();
    let m = market();
    write_files(&tmp.path().join("bars"), &m);
    let news = at(m.days[21], 10, 47, 30).to_rfc3339();
    let json = json_of(
        tmp.path(),
        &[
            "run",
            "--ticker",
            "FIRM,FIRMD",
            "--benchmark",
            "SPY",
            "--date",
            &news,
            "--interval",
            "1m",
            "--source",
            "csv:bars",
            "--no-event-files",
            "--format",
            "json",
            "--no-charts",
            "-q",
        ],
    );
    assert_eq!(json["n_events"], 2);
    assert!(json.get("events").is_none());
    assert_eq!(json["aggregate"]["n"], 2);
    let run = tmp.path().join(format!("output/portfolio_{}", m.days[21]));
    let bars = std::fs::read_to_string(run.join("bars.csv")).unwrap();
    assert_eq!(bars.lines().count(), 1 + 2 * 151);
    assert!(!tmp
        .path()
        .join(format!("output/FIRM_{}T1047_1m", m.days[21]))
        .exists());
}

/// The same events against numpy (`tests/reference/intraday_numpy.py`: least squares on the
/// design matrix, the prediction error as z'(X'X)^-1 z), to 1e-9. Skipped, with a message,
/// where python3 has no numpy (`.ci/run` installs it).
#[test]
fn numpy_agrees_to_1e_9() {
    if !common::python_has("numpy") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let m = market();
    write_files(&tmp.path().join("bars"), &m);
    let d = |s: usize| m.days[s];
    let monday = (21..24)
        .find(|&s| d(s).weekday() == chrono::Weekday::Mon)
        .unwrap();
    let events = [
        at(d(21), 10, 47, 30),
        at(d(22), 7, 0, 0),
        at(d(22), 16, 5, 0),
        at(d(monday) - Duration::days(2), 12, 0, 0),
    ];
    let reference = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/reference/intraday_numpy.py");
    for news in events {
        let news = news.to_rfc3339();
        let json = json_of(
            tmp.path(),
            &[
                "run",
                "--ticker",
                "FIRM",
                "--benchmark",
                "SPY",
                "--date",
                &news,
                "--interval",
                "1m",
                "--source",
                "csv:bars",
                "--shares",
                "1e9",
                "--format",
                "json",
                "--no-charts",
                "-q",
            ],
        );
        let e = &json["events"][0];
        let numpy = std::process::Command::new("python3")
            .arg(&reference)
            .arg(tmp.path().join("bars"))
            .args([
                "FIRM", "SPY", &news, "1e9", "-30:120", "0:0", "0:15", "0:60", "-30:120",
            ])
            .output()
            .unwrap();
        assert!(
            numpy.status.success(),
            "{}",
            String::from_utf8_lossy(&numpy.stderr)
        );
        let x: Value = serde_json::from_slice(&numpy.stdout).unwrap();
        assert_eq!(e["event_bar"], x["event_bar"], "{news}");
        assert_eq!(e["day0_rule"], x["day0_rule"], "{news}");
        assert_eq!(e["n_estimation"], x["n_estimation"], "{news}");
        for key in ["alpha", "beta", "sigma", "overnight_sigma"] {
            close(&format!("{news} {key}"), &e[key], x[key].as_f64().unwrap());
        }
        for (b, want) in e["bars"]
            .as_array()
            .unwrap()
            .iter()
            .zip(x["bars"].as_array().unwrap())
        {
            assert_eq!(b["rel"], want[0], "{news}");
            for (k, key) in ["ar", "ar_t", "car", "abnormal_market_value_change"]
                .iter()
                .enumerate()
            {
                close(
                    &format!("{news} bar {} {key}", want[0]),
                    &b[key],
                    want[k + 1].as_f64().unwrap(),
                );
            }
        }
        for (c, want) in e["car"]
            .as_array()
            .unwrap()
            .iter()
            .zip(x["cars"].as_array().unwrap())
        {
            for (k, key) in ["car", "t", "abnormal_market_value_change"]
                .iter()
                .enumerate()
            {
                close(
                    &format!("{news} CAR {} {key}", c["window"]),
                    &c[key],
                    want[k].as_f64().unwrap(),
                );
            }
        }
    }
}
