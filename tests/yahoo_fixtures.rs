//! The chart parser against real recorded Yahoo responses in `../shared/data/yahoo_v8_fixtures`
//! (skipped when absent).

mod common;

use chrono::NaiveDate;
use eventstudy::data::yahoo::parse_history;
use yahoo_finance_api::YResponse;

fn fixture(name: &str) -> Option<YResponse> {
    let shared = common::shared_dir()?;
    let path = shared.join("data/yahoo_v8_fixtures").join(name);
    let text = std::fs::read_to_string(&path).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    Some(
        YResponse::from_json(v["response"]["bodyJson"].clone())
            .expect("the crate parses real responses"),
    )
}

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

#[test]
fn nvda_2021_split_is_found_and_dated() {
    let Some(r) = fixture("historical-via-chart-NVDA-split-2021-02-01-to-2022-01-31.csv.json")
    else {
        return;
    };
    let h = parse_history(&r, "NVDA", d("2021-01-01"), d("2022-12-31")).unwrap();
    assert_eq!(h.bars.len(), 252);
    assert_eq!(h.bars[0].date, d("2021-02-01"));
    assert_eq!(
        h.bars.last().unwrap().date,
        d("2022-01-28"),
        "a Friday: the 31st was past the request"
    );
    assert_eq!(h.splits.len(), 1);
    assert_eq!(h.splits[0].date, d("2021-07-20"));
    assert_eq!(h.splits[0].factor(), 4.0);
    assert!(h
        .bars
        .iter()
        .all(|b| b.adj_close.is_some() && b.close.is_some()));
    // Dates are distinct trading days.
    assert!(h.bars.windows(2).all(|w| w[0].date < w[1].date));
}

#[test]
fn msft_dividends_are_kept() {
    let Some(r) = fixture("historical-via-chart-MSFT-dividends-2021-02-01-to-2022-01-31.csv.json")
    else {
        return;
    };
    let h = parse_history(&r, "MSFT", d("2021-01-01"), d("2022-12-31")).unwrap();
    assert_eq!(h.dividends.len(), 4);
    assert_eq!(h.dividends[0].date, d("2021-02-17"));
    assert_eq!(h.dividends[0].amount, 0.56);
    // Dividend-adjusted close sits below the close before the last dividend.
    let first = &h.bars[0];
    assert!(first.adj_close.unwrap() < first.close.unwrap());
}

#[test]
fn short_daily_responses() {
    for (name, symbol) in [
        ("chart-AAPL-2020-01-01-to-2020-01-03.json", "AAPL"),
        ("chart-BABA-2020-01-01-to-2020-01-03.json", "BABA"),
        ("chart-QQQ-2020-01-01-to-2020-01-03.json", "QQQ"),
    ] {
        let Some(r) = fixture(name) else { return };
        let h = parse_history(&r, symbol, d("2020-01-01"), d("2020-01-03")).unwrap();
        assert_eq!(h.bars.len(), 1, "{name}");
        assert_eq!(h.bars[0].date, d("2020-01-02"), "{name}");
    }
}

/// The tolerant reader reads real answers exactly as the typed one does.
#[test]
fn the_tolerant_reader_agrees_with_the_typed_one_on_real_answers() {
    let Some(shared) = common::shared_dir() else {
        return;
    };
    let dir = shared.join("data/yahoo_v8_fixtures");
    let mut compared = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !name.ends_with(".json") || name.contains("interval-1m") {
            continue;
        }
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let body = v["response"]["bodyJson"].clone();
        let symbol = body["chart"]["result"][0]["meta"]["symbol"]
            .as_str()
            .unwrap()
            .to_string();
        let typed = parse_history(
            &YResponse::from_json(body.clone()).unwrap(),
            &symbol,
            d("2019-01-01"),
            d("2025-12-31"),
        )
        .unwrap();
        let mut tolerant = eventstudy::data::tolerant::read_chart(
            &body,
            &symbol,
            d("2019-01-01"),
            d("2025-12-31"),
        )
        .unwrap();
        assert!(tolerant.tolerant && !typed.tolerant);
        tolerant.tolerant = false;
        assert_eq!(tolerant, typed, "{name}");
        assert!(!typed.bars.is_empty(), "{name}");
        compared += 1;
    }
    assert_eq!(compared, 5, "the five daily fixtures");
}
