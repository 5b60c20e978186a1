//! Fuzzing of every reader of outside input: the price CSV, the batch file, the shares file, the
//! factor file, Yahoo's chart JSON (both readers), SEC's JSON, and the window, date, size and
//! ticker flags. Each property: any input gives a result or an error, never a panic.
//!
//! These are not in the default test command: `scripts/fuzz` runs them for a fixed budget
//! (`FUZZ_CASES`, default 20,000 inputs each) under a time limit that turns a hang into a
//! failure. `cargo test --test fuzz -- --ignored` runs them with proptest's 256 cases.
//! (cargo-fuzz needs a nightly toolchain, which this machine cannot fetch: proptest instead.)

use std::io::Write;

use chrono::NaiveDate;
use eventstudy::data::csv::read_price_csv;
use eventstudy::data::events::{read_events, EventDefaults};
use eventstudy::data::factors::FactorTable;
use eventstudy::data::sec::{parse_facts, pick_count};
use eventstudy::data::shares::SharesTable;
use eventstudy::data::tolerant::read_chart;
use eventstudy::data::yahoo::parse_history;
use eventstudy::options::{parse_date, ChartSize, SourceSpec};
use eventstudy::study::{RelWindow, WindowSpec};
use eventstudy::Ticker;
use proptest::prelude::*;
use yahoo_finance_api::YResponse;

/// A file with these bytes, for the readers that take a path.
fn file(bytes: &[u8]) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("input.csv");
    std::fs::File::create(&path)
        .unwrap()
        .write_all(bytes)
        .unwrap();
    (dir, path)
}

/// CSV-looking text: lines of cells drawn from values that readers meet, good and bad.
fn csv_text(header: &'static str) -> impl Strategy<Value = String> {
    let cell = prop_oneof![
        Just(String::new()),
        Just("null".to_string()),
        Just("NaN".to_string()),
        Just("1.7e306".to_string()),
        Just("-0".to_string()),
        Just("2025-01-27".to_string()),
        Just("+262142-12-31".to_string()),
        Just("20250127".to_string()),
        Just("NVDA".to_string()),
        Just("^GSPC".to_string()),
        Just("-5:5".to_string()),
        Just("2024-01-01..2024-12-31".to_string()),
        any::<f64>().prop_map(|v| v.to_string()),
        any::<i64>().prop_map(|v| v.to_string()),
        "[ -~\u{1b}\u{0}\u{feff}é\"]{0,12}",
    ];
    prop::collection::vec(prop::collection::vec(cell, 0..8), 0..20).prop_map(move |rows| {
        let body: Vec<String> = rows.iter().map(|r| r.join(",")).collect();
        format!("{header}\n{}", body.join("\n"))
    })
}

fn defaults() -> EventDefaults {
    EventDefaults {
        benchmark: "^GSPC".parse().unwrap(),
        estimation: "-250:-11".parse().unwrap(),
        window: "-5:5".parse().unwrap(),
        characteristics: Vec::new(),
        group_by: None,
    }
}

/// JSON values of any shape, a few levels deep.
fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>().prop_map(serde_json::Value::from),
        "[a-z]{0,8}".prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(serde_json::Value::from),
            prop::collection::btree_map(
                prop_oneof![
                    Just("chart".to_string()),
                    Just("result".to_string()),
                    Just("meta".to_string()),
                    Just("timestamp".to_string()),
                    Just("indicators".to_string()),
                    Just("quote".to_string()),
                    Just("close".to_string()),
                    Just("adjclose".to_string()),
                    Just("gmtoffset".to_string()),
                    Just("events".to_string()),
                    Just("splits".to_string()),
                    Just("units".to_string()),
                    Just("shares".to_string()),
                    "[a-z]{1,6}",
                ],
                inner,
                0..6
            )
            .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A valid chart answer with one part replaced by anything.
fn mutated_chart() -> impl Strategy<Value = serde_json::Value> {
    let base = serde_json::json!({"chart":{"result":[{"meta":{"currency":"USD","symbol":"X",
        "exchangeName":"NMS","fullExchangeName":"Nasdaq","instrumentType":"EQUITY","gmtoffset":-18000,
        "timezone":"EST","exchangeTimezoneName":"America/New_York","hasPrePostMarketData":false,
        "priceHint":2,"dataGranularity":"1d","range":""},
        "timestamp":[1737988200i64,1738074600,1738161000],
        "events":{"splits":{"1738074600":{"date":1738074600,"numerator":10,"denominator":1}}},
        "indicators":{"quote":[{"close":[1.5,null,3.5],"volume":[10,null,30]}],
          "adjclose":[{"adjclose":[1.4,null,3.3]}]}}],"error":null}});
    let pointers = prop_oneof![
        Just("/chart/result/0/meta/gmtoffset"),
        Just("/chart/result/0/timestamp"),
        Just("/chart/result/0/timestamp/1"),
        Just("/chart/result/0/indicators/quote/0/close"),
        Just("/chart/result/0/indicators/adjclose/0/adjclose"),
        Just("/chart/result/0/indicators/adjclose"),
        Just("/chart/result/0/events/splits"),
        Just("/chart/result/0/meta"),
        Just("/chart/result"),
    ];
    (pointers, json_value()).prop_map(move |(pointer, value)| {
        let mut v = base.clone();
        if let Some(slot) = v.pointer_mut(pointer) {
            *slot = value;
        }
        v
    })
}

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

proptest! {
    #[test]
    #[ignore = "fuzzing: scripts/fuzz"]
    fn price_csv(text in csv_text("date,open,high,low,close,adj_close,volume"), raw in prop::collection::vec(any::<u8>(), 0..200)) {
        let (_d, path) = file(text.as_bytes());
        let _ = read_price_csv(&path);
        let (_d, path) = file(&raw);
        let _ = read_price_csv(&path);
    }

    #[test]
    #[ignore = "fuzzing: scripts/fuzz"]
    fn batch_file(text in csv_text("ticker,date,benchmark,label,estimation,window,size")) {
        let (_d, path) = file(text.as_bytes());
        // With the `--cross-section` column read as numbers too: finite, or an error.
        let mut with_size = defaults();
        with_size.characteristics = vec!["size".into()];
        if let Ok((events, _)) = read_events(&path, None, &with_size) {
            for e in events {
                prop_assert!(e.characteristics.iter().flatten().all(|v| v.is_finite()));
            }
        }
        if let Ok((events, rejected)) = read_events(&path, None, &defaults()) {
            for x in rejected {
                prop_assert!(!x.reason.chars().any(char::is_control));
            }
            for e in events {
                prop_assert!(e.label.iter().all(|l| !l.chars().any(char::is_control)));
            }
        }
    }

    /// Good rows among broken ones (too many fields, text after a closing quote, bytes that
    /// are not UTF-8, a quote never closed on the last line): every row is either an event or
    /// rejected with its own line, and every good row is an event on its line.
    #[test]
    #[ignore = "fuzzing: scripts/fuzz"]
    fn batch_rows_tolerated(kinds in prop::collection::vec(0u8..5, 1..40)) {
        let mut bytes = b"ticker,date,label\n".to_vec();
        let mut good = Vec::new();
        for (i, kind) in kinds.iter().enumerate() {
            let line = i + 2;
            match kind {
                0 => {
                    bytes.extend_from_slice(b"NVDA,2025-01-27,ok\n");
                    good.push(line);
                }
                1 => bytes.extend_from_slice(b"AVGO,2025-01-27,a,b,c\n"),
                2 => bytes.extend_from_slice(b"\"TSM\"x,2025-01-27,q\n"),
                3 => {
                    bytes.extend_from_slice(b"MU,2025-01-27,caf\xe9 \xff\n");
                    good.push(line);
                }
                _ => bytes.extend_from_slice(b"ARM,2025-01-27,\"a, \"\"quoted\"\" label\"\n"),
            }
            if *kind == 4 {
                good.push(line);
            }
        }
        bytes.extend_from_slice(b"CEG,2025-01-27,\"never closed\n");
        let (_d, path) = file(&bytes);
        let (events, rejected) = read_events(&path, None, &defaults()).unwrap();
        let rows: Vec<usize> = events.iter().filter_map(|e| e.row).collect();
        prop_assert_eq!(&rows, &good);
        prop_assert_eq!(events.len() + rejected.len(), kinds.len() + 1);
        for x in &rejected {
            let row = x.row.unwrap();
            prop_assert!(x.reason.starts_with(&format!("row {row}: ")), "{}", x.reason);
        }
    }

    #[test]
    #[ignore = "fuzzing: scripts/fuzz"]
    fn shares_file(text in csv_text("ticker,shares_outstanding,as_of,adr_ratio,kind")) {
        let (_d, path) = file(text.as_bytes());
        if let Ok(table) = SharesTable::read_csv(&path) {
            let _ = table.lookup(&"NVDA".parse().unwrap(), d("2025-01-24"));
        }
    }

    #[test]
    #[ignore = "fuzzing: scripts/fuzz"]
    fn factor_file(text in csv_text("This file was created by CMPT_ME_BEME_RETS_DAILY\n\n,Mkt-RF,SMB,HML,RF")) {
        let (_d, path) = file(text.as_bytes());
        let _ = FactorTable::read(&[path]);
    }

    #[test]
    #[ignore = "fuzzing: scripts/fuzz"]
    fn yahoo_chart_json(value in prop_oneof![json_value(), mutated_chart()]) {
        let (from, to) = (d("2025-01-01"), d("2025-12-31"));
        let _ = read_chart(&value, "X", from, to);
        if let Ok(response) = YResponse::from_json(value) {
            let _ = parse_history(&response, "X", from, to);
        }
    }

    #[test]
    #[ignore = "fuzzing: scripts/fuzz"]
    fn sec_json(value in json_value(), raw in prop::collection::vec(any::<u8>(), 0..100)) {
        if let Ok(facts) = parse_facts(value.to_string().as_bytes()) {
            let _ = pick_count(&facts, d("2025-01-24"));
        }
        let _ = parse_facts(&raw);
    }

    #[test]
    #[ignore = "fuzzing: scripts/fuzz"]
    fn flags(text in "[ -~]{0,30}", window in "[-+]?[0-9]{0,12}:[-+]?[0-9]{0,12}") {
        let _ = text.parse::<WindowSpec>();
        let _ = text.parse::<RelWindow>();
        let _ = window.parse::<WindowSpec>();
        let _ = window.parse::<RelWindow>();
        let _ = parse_date(&text);
        let _ = text.parse::<ChartSize>();
        let _ = text.parse::<Ticker>();
        let _ = text.parse::<SourceSpec>();
        let _ = text.parse::<eventstudy::study::regression::StandardErrors>();
        let _ = text.parse::<eventstudy::options::TableFormats>();
    }
}

/// Regressions found by fuzzing, in the default test command.
#[test]
fn a_timestamp_that_is_no_date_is_a_bad_answer_not_a_panic() {
    // Found by `scripts/fuzz` (yahoo_chart_json): 264,000 years before 1970.
    let chart = serde_json::json!({"chart":{"result":[{"meta":{"currency":"USD","symbol":"X",
        "exchangeName":"NMS","fullExchangeName":"Nasdaq","instrumentType":"EQUITY","gmtoffset":-18000,
        "timezone":"EST","exchangeTimezoneName":"America/New_York","hasPrePostMarketData":false,
        "priceHint":2,"dataGranularity":"1d","range":""},
        "timestamp":[-8334601210801i64, null, null],
        "indicators":{"quote":[{"close":[1.5,null,3.5],"volume":[10,null,30]}],
          "adjclose":[{"adjclose":[1.4,null,3.3]}]}}],"error":null}});
    let (from, to) = (d("2025-01-01"), d("2025-12-31"));
    let tolerant = read_chart(&chart, "X", from, to);
    assert!(
        matches!(&tolerant, Err(e) if format!("{e:?}").contains("no date")),
        "{tolerant:?}"
    );
    if let Ok(response) = YResponse::from_json(chart.clone()) {
        let typed = parse_history(&response, "X", from, to);
        assert!(typed.is_err(), "{typed:?}");
    }
}
