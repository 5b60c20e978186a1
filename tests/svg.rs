//! `--chart-format`: with `png,svg` every PNG has its SVG twin; each SVG parses as XML and
//! carries its title and axis labels as `<text>` (editable, searchable), not as paths; `svg`
//! alone writes no PNG; the default writes no SVG.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use quick_xml::events::Event;
use quick_xml::Reader;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn eventstudy(out: &Path, args: &[&str]) {
    Command::cargo_bin("eventstudy")
        .unwrap()
        .current_dir(root())
        .args(args)
        .args([
            "--source",
            "csv:examples/prices",
            "--shares-file",
            "examples/shares_outstanding.csv",
        ])
        .args(["-q", "--format", "json", "--out"])
        .arg(out)
        .assert()
        .success();
}

/// The text of every `<text>` element, in order; panics if the file is not well-formed XML.
fn svg_texts(path: &Path) -> Vec<String> {
    let xml = std::fs::read_to_string(path).unwrap();
    let mut reader = Reader::from_str(&xml);
    let (mut texts, mut in_text, mut root) = (Vec::new(), false, None);
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) => {
                let name = e.name().as_ref().to_string();
                root.get_or_insert(name.clone());
                if name == "text" {
                    in_text = true;
                    texts.push(String::new());
                }
            }
            Ok(Event::End(e)) if e.name().as_ref() == "text" => {
                in_text = false;
                let text = texts.last_mut().unwrap();
                *text = text.trim().to_string();
            }
            Ok(Event::Text(t)) if in_text => {
                // Entities come as their own events: the text has none.
                texts.last_mut().unwrap().push_str(&t.xml10_content());
            }
            Ok(Event::GeneralRef(r)) if in_text => {
                let name = r.into_inner().to_string();
                let c = match name.as_str() {
                    "amp" => "&",
                    "lt" => "<",
                    "gt" => ">",
                    "apos" => "'",
                    "quot" => "\"",
                    other => panic!("{}: unknown entity {other}", path.display()),
                };
                texts.last_mut().unwrap().push_str(c);
            }
            Ok(Event::Eof) => break,
            Err(e) => panic!("{} is not well-formed XML: {e}", path.display()),
            _ => {}
        }
    }
    assert_eq!(root.as_deref(), Some("svg"), "{}", path.display());
    texts
}

fn files(dir: &Path, extension: &str) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().to_string_lossy().into_owned();
            name.strip_suffix(&format!(".{extension}"))
                .map(str::to_string)
        })
        .collect()
}

/// Each chart's title (its first text) and axis labels, as the PNG draws them.
const EXPECTED: [(&str, &str, &[&str]); 12] = [
    (
        "price",
        "NVDA and ^GSPC around 2025-01-27, rebased to 100 at day -1",
        &[
            "price index (day -1 = 100)",
            "trading days relative to the event (date)",
        ],
    ),
    (
        "abnormal_returns",
        "NVDA: daily abnormal returns around 2025-01-27",
        &[
            "abnormal return (%)",
            "trading days relative to the event (date)",
        ],
    ),
    (
        "car",
        "NVDA: cumulative abnormal return around 2025-01-27",
        &[
            "cumulative abnormal return (%)",
            "trading days relative to the event (date)",
        ],
    ),
    (
        "market_value",
        "NVDA: change in market value around 2025-01-27 (day -1: $3493bn)",
        &[
            "change in market value ($ billion)",
            "trading days relative to the event (date)",
        ],
    ),
    (
        "volume",
        "NVDA: shares traded around 2025-01-27",
        &[
            "shares traded (millions)",
            "trading days relative to the event (date)",
        ],
    ),
    (
        "caar",
        "Cumulative average abnormal return of 9 stocks around 2025-01-27",
        &[
            "cumulative average abnormal return (%)",
            "trading days relative to the event",
        ],
    ),
    (
        "abnormal_returns_heatmap",
        "Daily abnormal returns (%) by event",
        &["trading days relative to the event (colour scale ±13.8%)"],
    ),
    (
        "market_value_by_ticker",
        "Change in market value, days 0:0: abnormal -776.6 $bn in all",
        &["change in market value ($ billion)"],
    ),
    (
        "bhar",
        "Mean buy-and-hold abnormal return of 9 events, days 0 to +5",
        &[
            "mean buy-and-hold abnormal return (%)",
            "trading days relative to the event",
        ],
    ),
    (
        "calendar_time",
        "Calendar-time portfolios (equal weights): cumulative abnormal return",
        &[
            "cumulative abnormal return (%)",
            "calendar date (days with a firm held)",
        ],
    ),
    (
        "abnormal_volume",
        "Abnormal volume and volatility of 9 events, by trading day",
        &["trading days relative to the event"],
    ),
    (
        "car_distribution",
        "CAR 0:0 by group: each event, and the group's mean",
        &["CAR 0:0 (%)"],
    ),
];

fn assert_titled(dir: &Path, name: &str) {
    let texts = svg_texts(&dir.join(format!("{name}.svg")));
    let (_, title, labels) = EXPECTED
        .iter()
        .find(|(n, ..)| *n == name)
        .unwrap_or_else(|| panic!("{name}: no expectation"));
    assert_eq!(texts[0], *title, "{name}");
    for label in labels.iter() {
        assert!(
            texts.iter().any(|t| t == label),
            "{name}: no text {label:?} in {texts:?}"
        );
    }
}

#[test]
fn every_png_has_an_svg_twin_with_its_text() {
    let out = tempfile::tempdir().unwrap();
    eventstudy(
        out.path(),
        &[
            "run",
            "--ticker",
            "NVDA",
            "--date",
            "2025-01-27",
            "--chart-format",
            "png,svg",
        ],
    );
    eventstudy(
        out.path(),
        &[
            "batch",
            "--events",
            "examples/deepseek9.csv",
            "--bhar",
            "0:5",
            "--group-by",
            "sector",
            "--calendar-time",
            "0:5",
            "--no-event-charts",
            "--chart-format",
            "png,svg",
        ],
    );
    let event = out.path().join("NVDA_2025-01-27");
    let portfolio = out.path().join("portfolio_deepseek9");
    for dir in [&event, &portfolio] {
        let (png, svg) = (files(dir, "png"), files(dir, "svg"));
        assert!(png.len() >= 5, "{png:?}");
        assert_eq!(png, svg, "{}", dir.display());
        for name in &svg {
            assert_titled(dir, name);
        }
    }
}

#[test]
fn svg_alone_writes_no_png_and_the_default_no_svg() {
    let out = tempfile::tempdir().unwrap();
    let svg_only = out.path().join("svg");
    eventstudy(
        &svg_only,
        &[
            "run",
            "--ticker",
            "NVDA",
            "--date",
            "2025-01-27",
            "--chart-format",
            "svg",
        ],
    );
    let dir = svg_only.join("NVDA_2025-01-27");
    assert!(files(&dir, "png").is_empty());
    assert_eq!(files(&dir, "svg").len(), 5);
    assert_titled(&dir, "car");
    let report = std::fs::read_to_string(dir.join("report.md")).unwrap();
    assert!(
        report.contains("(car.svg)") && !report.contains(".png"),
        "{report}"
    );
    let default = out.path().join("default");
    eventstudy(
        &default,
        &["run", "--ticker", "NVDA", "--date", "2025-01-27"],
    );
    let dir = default.join("NVDA_2025-01-27");
    assert!(files(&dir, "svg").is_empty());
    assert_eq!(files(&dir, "png").len(), 5);
}

#[test]
fn a_bad_chart_format_is_a_usage_error() {
    let out = tempfile::tempdir().unwrap();
    let assert = Command::cargo_bin("eventstudy")
        .unwrap()
        .current_dir(root())
        .args([
            "run",
            "--ticker",
            "NVDA",
            "--date",
            "2025-01-27",
            "--chart-format",
            "pdf",
            "--out",
        ])
        .arg(out.path())
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(
        err.contains("--chart-format 'pdf' is not png, svg or png,svg"),
        "{err}"
    );
    assert_eq!(err.trim().lines().count(), 1, "{err}");
}
