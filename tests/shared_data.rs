//! Checks against real market data: the curated subset in `examples/` (part of the repository,
//! so these run on every clone; its README says where it comes from).

use std::path::PathBuf;

use assert_cmd::Command;
use serde_json::Value;

/// `examples/`, laid out as `../shared/data`: `prices/` and `shares_outstanding.csv`.
fn examples() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples")
}

/// `eventstudy run ARGS` on the example prices (and its share counts, unless `ARGS` give
/// `--shares`), its JSON summary.
fn run_json(args: &[&str]) -> Value {
    let data = examples();
    let out = tempfile::tempdir().unwrap();
    let mut command = Command::cargo_bin("eventstudy").unwrap();
    command
        .arg("run")
        .args(args)
        .args(["--format", "json", "--no-charts"])
        .arg(format!("--source=csv:{}", data.join("prices").display()))
        .arg("--out")
        .arg(out.path());
    if !args.contains(&"--shares") {
        command
            .arg("--shares-file")
            .arg(data.join("shares_outstanding.csv"));
    }
    let output = command.assert().success().get_output().stdout.clone();
    serde_json::from_slice(&output).unwrap()
}

/// NVDA on the DeepSeek news: -16.97% on 2025-01-27, and 24.49 bn shares (10-Q of
/// 2024-11-15) x 142.62 x -16.97% = about -$593 bn.
#[test]
fn nvda_deepseek_day() {
    let v = run_json(&["--ticker", "NVDA", "--date", "2025-01-27"]);
    let e = &v["events"][0];
    assert_eq!(e["day0"], "2025-01-27");
    assert_eq!(e["shares_outstanding"].as_f64().unwrap(), 24.49e9);
    assert_eq!(e["shares_as_of"], "2024-11-15");
    let mv_before = e["market_value_before"].as_f64().unwrap();
    assert!(
        (mv_before - 24.49e9 * 142.62).abs() / mv_before < 1e-6,
        "{mv_before}"
    );

    let day0 = e["days"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["rel"] == 0)
        .unwrap();
    let r = day0["return"].as_f64().unwrap();
    assert!((r * 100.0 - (-16.97)).abs() < 0.005, "return {r}");
    let change = day0["market_value_change"].as_f64().unwrap() / 1e9;
    assert!((change - (-593.0)).abs() < 1.0, "change {change} bn");
    // The market fell 1.46% that day: the abnormal loss is smaller than the raw one.
    let abnormal = day0["abnormal_market_value_change"].as_f64().unwrap() / 1e9;
    assert!(
        abnormal > change && abnormal < -300.0,
        "abnormal {abnormal} bn"
    );
    assert!(day0["ar_t"].as_f64().unwrap() < -4.0);
}

/// BABA's file has adjusted closes only: the run still works, market value falls back to the
/// adjusted close with a note.
#[test]
fn adjusted_close_only_file_falls_back_with_a_note() {
    let v = run_json(&[
        "--ticker",
        "BABA",
        "--date",
        "2025-01-29",
        "--shares",
        "2.3e9",
        "-q",
    ]);
    let notes = v["events"][0]["notes"].to_string();
    assert!(notes.contains("adjusted close"), "{notes}");
    assert!(v["events"][0]["market_value_before"].as_f64().is_some());
}

/// The nine AI stocks on 2025-01-27: the portfolio's day-0 AAR and its tests, as the baseline
/// of ../shared/baselines has them.
#[test]
fn the_ai_trade_on_the_deepseek_news() {
    let v = run_json(&[
        "--ticker",
        "NVDA,AVGO,TSM,MRVL,ARM,MU,ASML,VST,CEG",
        "--date",
        "2025-01-27",
        "-q",
    ]);
    let a = &v["aggregate"];
    assert_eq!(a["n"], 9);
    let day0 = &a["days"][5];
    assert_eq!(day0["rel"], 0);
    let stat = |name: &str| day0[name]["stat"].as_f64().unwrap();
    assert!((day0["aar"].as_f64().unwrap() * 100.0 - (-12.66)).abs() < 0.005);
    assert!(
        (stat("csect_t") - (-5.44)).abs() < 0.005,
        "{}",
        stat("csect_t")
    );
    assert!(
        (stat("patell_z") - (-12.89)).abs() < 0.005,
        "{}",
        stat("patell_z")
    );
    assert!(
        (stat("kp_bmp_t") - (-2.93)).abs() < 0.005,
        "{}",
        stat("kp_bmp_t")
    );
}

/// The news as instants, each with the day 0 a reader would pick on the New York clock, and the
/// same numbers as the plain date that day gives.
#[test]
fn event_instants_are_placed_in_the_session() {
    let day0_of = |date: &str, extra: &[&str]| {
        let mut args = vec!["--ticker", "BABA", "--date", date];
        args.extend_from_slice(extra);
        let v = run_json(&args);
        let e = v["events"][0].clone();
        (
            e["day0"].as_str().unwrap().to_string(),
            e["day0_rule"].as_str().unwrap().to_string(),
            e,
        )
    };
    // Qwen 2.5-Max: 01:00 on the 29th in Beijing is noon on the 28th in New York.
    let (day0, rule, e) = day0_of("2025-01-29T01:00+08:00", &[]);
    assert_eq!((day0.as_str(), rule.as_str()), ("2025-01-28", "in session"));
    assert_eq!(e["event_time"], "2025-01-29T01:00+08:00");
    assert_eq!(e["event_date"], "2025-01-28");
    assert_eq!(e["exchange_tz"], "America/New_York");
    // The same day 0 as the plain date: the same numbers.
    let (_, plain_rule, plain) = day0_of("2025-01-28", &[]);
    assert_eq!(plain_rule, "trading day");
    assert!(plain.get("event_time").is_none());
    assert_eq!(e["days"], plain["days"]);
    assert_eq!(e["car"], plain["car"]);
    // DeepSeek's weekend, a pre-market and an after-close time, and a zone a day behind.
    for (time, want, want_rule) in [
        ("2025-01-26T12:00Z", "2025-01-27", "next trading day"),
        ("2025-01-27T08:15-05:00", "2025-01-27", "pre-market"),
        ("2025-01-27T21:05Z", "2025-01-28", "after close"),
        ("2025-01-27T23:30-08:00", "2025-01-28", "pre-market"),
    ] {
        let (day0, rule, _) = day0_of(time, &[]);
        assert_eq!((day0.as_str(), rule.as_str()), (want, want_rule), "{time}");
    }
    // On the Hong Kong clock, 01:00 on the 29th is before its open: day 0 is the 29th.
    let (day0, rule, e) = day0_of(
        "2025-01-29T01:00+08:00",
        &["--exchange-tz", "Asia/Hong_Kong"],
    );
    assert_eq!((day0.as_str(), rule.as_str()), ("2025-01-29", "pre-market"));
    assert_eq!(e["exchange_tz"], "Asia/Hong_Kong");
}

#[test]
fn bad_instants_and_zones_are_one_line_usage_errors() {
    for (args, says) in [
        (vec!["--date", "2025-01-29T01:00"], "no UTC offset"),
        (
            vec![
                "--date",
                "2025-01-29T01:00+08:00",
                "--exchange-tz",
                "Mars/Olympus",
            ],
            "not an IANA time zone",
        ),
    ] {
        let output = Command::cargo_bin("eventstudy")
            .unwrap()
            .args(["run", "--ticker", "BABA", "--no-charts"])
            .args(&args)
            .arg(format!(
                "--source=csv:{}",
                examples().join("prices").display()
            ))
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains(says) && stderr.trim().lines().count() == 1,
            "{stderr}"
        );
    }
}

/// The DeepSeek day's volume: NVDA traded 818.8 M shares on 2025-01-27, its estimation window's
/// normal (geometric-mean) volume 2.4 times over; the event folder has `volume.png` and the
/// portfolio `abnormal_volume.png`.
#[test]
fn volume_on_the_deepseek_day() {
    let data = examples();
    let out = tempfile::tempdir().unwrap();
    let output = Command::cargo_bin("eventstudy")
        .unwrap()
        .args([
            "run",
            "--ticker",
            "NVDA,AVGO",
            "--date",
            "2025-01-27",
            "--format",
            "json",
        ])
        .arg(format!("--source=csv:{}", data.join("prices").display()))
        .arg("--out")
        .arg(out.path())
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: Value = serde_json::from_slice(&output).unwrap();
    let nvda = &v["events"][0];
    let day0 = nvda["days"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["rel"] == 0)
        .unwrap();
    assert_eq!(day0["volume"].as_f64().unwrap(), 818_830_900.0);
    let av = day0["abnormal_volume"].as_f64().unwrap();
    assert!((av.exp() - 2.4).abs() < 0.05, "{av}");
    assert!(day0["abnormal_volume_t"].as_f64().unwrap() > 1.96);
    let u = day0["sar_squared"].as_f64().unwrap();
    let t = day0["ar_t"].as_f64().unwrap();
    assert!((u - t * t).abs() < 1e-12);
    let day0_aggregate = v["aggregate"]["days"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["rel"] == 0)
        .unwrap();
    assert!(day0_aggregate["aav"].as_f64().unwrap() > 0.5);
    assert_eq!(day0_aggregate["volatility_chi2"]["df"], 2);
    for chart in [
        "NVDA_2025-01-27/volume.png",
        "portfolio_2025-01-27/abnormal_volume.png",
    ] {
        assert!(out.path().join(chart).is_file(), "{chart}");
    }
}

/// The README's long-horizon example ("Long horizons", "Why some firms moved more"): the nine
/// AI stocks' BHAR after the DeepSeek day, and CAR(0,0) on beta and a power-producer dummy.
/// The example prices are `../shared/data`'s rows over these dates, so the numbers are the
/// README's.
#[test]
fn no_recovery_after_the_deepseek_day_and_the_power_producers_fell_more() {
    let data = examples();
    let out = tempfile::tempdir().unwrap();
    let output = Command::cargo_bin("eventstudy")
        .unwrap()
        .args(["batch", "--format", "json", "--no-charts", "--events"])
        .arg(data.join("deepseek_characteristics.csv"))
        .arg(format!("--source=csv:{}", data.join("prices").display()))
        .arg("--shares-file")
        .arg(data.join("shares_outstanding.csv"))
        .args(["--bhar", "0:20,0:60", "--cross-section", "beta,power"])
        .arg("--out")
        .arg(out.path())
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: Value = serde_json::from_slice(&output).unwrap();
    let f = |x: &Value| x.as_f64().unwrap();
    let nvda = &v["events"][0]["bhar"];
    assert!((f(&nvda[0]["bhar"]) - -0.0882).abs() < 5e-5, "{nvda}");
    assert!((f(&nvda[1]["bhar"]) - -0.1609).abs() < 5e-5, "{nvda}");
    assert!((f(&nvda[0]["abnormal_market_value_change"]) / 1e9 - -308.0).abs() < 0.05);
    let bhar = &v["aggregate"]["bhar"];
    assert!((f(&bhar[0]["mean_bhar"]) - -0.1377).abs() < 5e-5);
    assert!((f(&bhar[0]["t"]["stat"]) - -4.75).abs() < 5e-3);
    assert!((f(&bhar[0]["t_sa"]["stat"]) - -3.96).abs() < 5e-3);
    assert!((f(&bhar[1]["mean_bhar"]) - -0.2053).abs() < 5e-5);
    assert!((f(&bhar[1]["t_sa"]["stat"]) - -5.43).abs() < 5e-3);
    assert_eq!(bhar[1]["n_with_market_value"], 6);
    let car00 = &v["aggregate"]["cross_section"][0];
    assert_eq!(
        (car00["window"].as_str(), car00["n"].as_u64()),
        (Some("0:0"), Some(9))
    );
    let power = &car00["coefficients"][2];
    assert_eq!(power["name"], "power");
    assert!((f(&power["estimate"]) - -0.1351).abs() < 5e-5, "{power}");
    assert!((f(&power["se"]) - 0.0630).abs() < 5e-5, "{power}");
    assert!((f(&car00["r2"]) - 0.612).abs() < 5e-4);
}
