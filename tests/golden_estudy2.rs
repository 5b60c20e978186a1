//! The published estudy2 case (`../shared/golden/estudy2`), through the engine and the
//! aggregate (skipped when `../shared` is absent). See that folder's README for which columns
//! must agree and how closely.

mod common;

use std::collections::HashMap;
use std::path::Path;

use chrono::NaiveDate;
use eventstudy::study::{
    aggregate, returns, run_event, EventSample, ModelKind, RelWindow, ReturnKind, ReturnPanel,
    StudyDesign,
};

/// A wide CSV: date column, then one column per symbol (empty = missing).
fn read_wide(path: &Path) -> (Vec<NaiveDate>, HashMap<String, Vec<f64>>) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header: Vec<String> = lines
        .next()
        .unwrap()
        .split(',')
        .map(str::to_string)
        .collect();
    let mut dates = Vec::new();
    let mut columns: HashMap<String, Vec<f64>> = header[1..]
        .iter()
        .map(|h| (h.clone(), Vec::new()))
        .collect();
    for line in lines.filter(|l| !l.is_empty()) {
        let cells: Vec<&str> = line.split(',').collect();
        dates.push(cells[0].parse().unwrap());
        for (h, c) in header[1..].iter().zip(&cells[1..]) {
            columns
                .get_mut(h)
                .unwrap()
                .push(c.parse().unwrap_or(f64::NAN));
        }
    }
    (dates, columns)
}

fn expected(path: &Path) -> Vec<HashMap<String, f64>> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    lines
        .map(|l| {
            header
                .iter()
                .zip(l.split(','))
                .skip(1)
                .map(|(h, v)| (h.to_string(), v.parse().unwrap()))
                .collect()
        })
        .collect()
}

#[test]
fn estudy2_vignette() {
    let Some(shared) = common::shared_dir() else {
        return;
    };
    let golden = shared.join("golden/estudy2");
    let (dates, prices) = read_wide(&golden.join("prices.csv"));
    let (market_dates, market) = read_wide(&golden.join("market_prices.csv"));
    assert_eq!(dates, market_dates);
    let market_returns = returns(&market["^GSPC"], ReturnKind::Log);

    // Our log returns are the package's, to the last digit.
    let (return_dates, their_returns) = read_wide(&golden.join("returns.csv"));
    assert_eq!(return_dates[..], dates[1..]);

    let day0 = dates
        .iter()
        .position(|d| *d == "2020-03-16".parse::<NaiveDate>().unwrap())
        .unwrap();
    let est_end = dates
        .iter()
        .position(|d| *d == "2020-03-13".parse::<NaiveDate>().unwrap())
        .unwrap();
    // Estimation 2019-04-01..2020-03-13 as days relative to day 0 (index 0 has no return).
    let design = StudyDesign {
        model: ModelKind::Market,
        estimation: RelWindow::new(-(day0 as i32), est_end as i32 - day0 as i32).unwrap(),
        window: RelWindow::new(0, 4).unwrap(),
        car_windows: vec![RelWindow::new(0, 4).unwrap()],
        min_estimation: 100,
    };

    let firms = ["AMZN", "ZM", "UBER", "NFLX", "SHOP", "FB", "UPWK"];
    let keys: Vec<i32> = dates
        .iter()
        .map(|d| (*d - NaiveDate::from_ymd_opt(1970, 1, 1).unwrap()).num_days() as i32)
        .collect();
    let mut results = Vec::new();
    for firm in firms {
        let r = returns(&prices[firm], ReturnKind::Log);
        for (ours, theirs) in r[1..].iter().zip(&their_returns[firm]) {
            assert!(
                (ours.is_nan() && theirs.is_nan()) || (ours - theirs).abs() < 1e-12,
                "{firm}: {ours} vs {theirs}"
            );
        }
        let panel = ReturnPanel::new(&r, &market_returns, None);
        results.push(run_event(&panel, &design, day0).unwrap());
    }
    // ZM and UBER listed inside the estimation window: fewer estimation days.
    assert!(results[1].model.n < results[0].model.n && results[2].model.n < results[1].model.n);

    let samples: Vec<EventSample> = results
        .iter()
        .map(|r| EventSample {
            result: r,
            estimation_keys: &keys[r.estimation_span.0..=r.estimation_span.1],
            has_market_value: false,
        })
        .collect();
    let agg = aggregate(&samples, design.window, &design.car_windows);

    let published = expected(&golden.join("expected_published.csv"));
    let textbook = expected(&golden.join("expected_textbook.csv"));
    for (i, day) in agg.days.iter().enumerate() {
        assert_eq!(day.n, 7);
        for reference in [&published[i], &textbook[i]] {
            let exact = [
                ("mean_aar", day.aar),
                ("t_test", day.tests.csect_t.stat),
                ("sign", day.tests.sign_z.stat),
                ("gen_sign", day.tests.generalized_sign_z.stat),
                ("wilcoxon_w", day.wilcoxon_w),
            ];
            for (name, ours) in exact {
                let theirs = reference[name];
                // The files print 6 to 8 significant digits: agree to their last digit.
                let tol = if name == "mean_aar" {
                    1e-6
                } else {
                    1e-6_f64.max(theirs.abs() * 1e-6)
                };
                assert!(
                    (ours - theirs).abs() <= tol,
                    "day {}: {name} {ours} vs {theirs}",
                    day.rel
                );
            }
        }
        // Patell and BMP: our sigma uses L - 2, the textbook file L - 1 (about 0.2%).
        for (name, ours) in [
            ("patell", day.tests.patell_z.stat),
            ("boehmer", day.tests.bmp_t.stat),
        ] {
            let theirs = textbook[i][name];
            let rel = ((ours - theirs) / theirs).abs();
            eprintln!(
                "day {}: {name} ours {ours:.6}, textbook {theirs:.6}, differ by {:.3}%",
                day.rel,
                rel * 100.0
            );
            assert!(
                rel < 0.003,
                "day {}: {name} {ours} vs textbook {theirs} ({:.3}%)",
                day.rel,
                rel * 100.0
            );
        }
    }
}

/// The same case through the command line: `eventstudy batch` with a dated estimation window
/// and log returns, on price files written from the golden inputs at test time.
#[test]
fn estudy2_vignette_through_batch() {
    let Some(shared) = common::shared_dir() else {
        return;
    };
    let golden = shared.join("golden/estudy2");
    let (dates, prices) = read_wide(&golden.join("prices.csv"));
    let (_, market) = read_wide(&golden.join("market_prices.csv"));
    let dir = tempfile::tempdir().unwrap();
    let price_dir = dir.path().join("prices");
    std::fs::create_dir(&price_dir).unwrap();
    common::write_price_csv(&price_dir, "^GSPC", &dates, &market["^GSPC"]);
    let firms = ["AMZN", "ZM", "UBER", "NFLX", "SHOP", "FB", "UPWK"];
    let mut events = String::from("ticker,date\n");
    for firm in firms {
        common::write_price_csv(&price_dir, firm, &dates, &prices[firm]);
        events.push_str(&format!("{firm},2020-03-16\n"));
    }
    std::fs::write(dir.path().join("events.csv"), events).unwrap();
    let v = common::success_json(
        assert_cmd::Command::cargo_bin("eventstudy")
            .unwrap()
            .args([
                "batch",
                "--returns",
                "log",
                "--estimation",
                "2019-04-01..2020-03-13",
                "--window",
                "0:4",
            ])
            .args([
                "--car",
                "0:4",
                "--mv-window",
                "0:4",
                "--min-estimation",
                "100",
                "--no-charts",
                "--format",
                "json",
            ])
            .arg("--events")
            .arg(dir.path().join("events.csv"))
            .arg("--source")
            .arg(format!("csv:{}", price_dir.display()))
            .arg("--out")
            .arg(dir.path().join("out")),
    );
    assert_eq!(v["events"].as_array().unwrap().len(), 7);
    let published = expected(&golden.join("expected_published.csv"));
    let textbook = expected(&golden.join("expected_textbook.csv"));
    for (i, day) in v["aggregate"]["days"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
    {
        let get = |path: &[&str]| path.iter().fold(day, |v, k| &v[*k]).as_f64().unwrap();
        for reference in [&published[i], &textbook[i]] {
            for (name, ours) in [
                ("mean_aar", get(&["aar"])),
                ("t_test", get(&["csect_t", "stat"])),
                ("sign", get(&["sign_z", "stat"])),
                ("gen_sign", get(&["generalized_sign_z", "stat"])),
                ("wilcoxon_w", get(&["wilcoxon_w"])),
            ] {
                let theirs = reference[name];
                assert!(
                    (ours - theirs).abs() <= 1e-6_f64.max(theirs.abs() * 1e-6),
                    "day {i}: {name} {ours} vs {theirs}"
                );
            }
        }
        for (name, ours) in [
            ("patell", get(&["patell_z", "stat"])),
            ("boehmer", get(&["bmp_t", "stat"])),
        ] {
            let theirs = textbook[i][name];
            assert!(
                ((ours - theirs) / theirs).abs() < 0.003,
                "day {i}: {name} {ours} vs {theirs}"
            );
        }
    }
}
