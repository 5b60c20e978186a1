//! `report.md` and `--format markdown`: the finding in words, tables that render as tables,
//! the charts linked, the same bytes from the same inputs.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use pulldown_cmark::{html, Options, Parser};

fn examples() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples")
}

fn run(out: &Path, tickers: &str, extra: &[&str]) -> std::process::Output {
    let ex = examples();
    Command::cargo_bin("eventstudy")
        .unwrap()
        .args(["run", "--ticker", tickers, "--date", "2025-01-27"])
        .arg(format!("--source=csv:{}", ex.join("prices").display()))
        .arg("--shares-file")
        .arg(ex.join("shares_outstanding.csv"))
        .arg("--out")
        .arg(out)
        .args(extra)
        .output()
        .unwrap()
}

/// The HTML a Markdown renderer makes of it (GitHub's tables on).
fn rendered(markdown: &str) -> String {
    let mut out = String::new();
    html::push_html(&mut out, Parser::new_ext(markdown, Options::ENABLE_TABLES));
    out
}

#[test]
fn the_event_report_tells_the_finding_and_renders() {
    let dir = tempfile::tempdir().unwrap();
    assert!(run(dir.path(), "NVDA", &["-q"]).status.success());
    let report = std::fs::read_to_string(dir.path().join("NVDA_2025-01-27/report.md")).unwrap();
    assert!(report.starts_with("# NVDA on 2025-01-27\n"));
    assert!(
        report.contains(
            "NVDA fell 16.97% on 2025-01-27, 13.21 points more than its beta of 2.70 to the S&P 500 predicted (abnormal return -13.21%, t = -5.05, p < 0.0001). That is about $592.7 bn of market value lost, $461.5 bn of it abnormal."
        ),
        "{report}"
    );
    let html = rendered(&report);
    assert!(html.contains("<h1>NVDA on 2025-01-27</h1>"));
    assert_eq!(html.matches("<table>").count(), 2, "{html}");
    assert!(
        html.contains("<td style=\"text-align: right\">-13.21%</td>"),
        "{html}"
    );
    for chart in [
        "price.png",
        "abnormal_returns.png",
        "car.png",
        "market_value.png",
    ] {
        assert!(html.contains(&format!("src=\"{chart}\"")), "{chart}");
        assert!(dir.path().join("NVDA_2025-01-27").join(chart).is_file());
    }
    assert!(
        !html.contains("<em>") && !html.contains("<strong>"),
        "stars stay stars"
    );
    assert!(html.contains("0.0000***"), "the significance marks show");
}

#[test]
fn the_portfolio_report_and_stdout_say_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(
        dir.path(),
        "NVDA,AVGO,TSM,MRVL,ARM,MU,ASML,VST,CEG",
        &["--format", "markdown", "-q"],
    );
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    let folder = dir.path().join("portfolio_2025-01-27");
    let report = std::fs::read_to_string(folder.join("report.md")).unwrap();
    assert!(report.contains(
        "Across 9 events, the average abnormal return on day 0 was -12.66% (cross-sectional t = -5.44, Patell Z = -12.89, Kolari-Pynnönen t = -2.93"
    ));
    // stdout is the report with the charts linked where they are.
    let prefix = format!("{}/", folder.display());
    assert_eq!(stdout, report.replace("](", &format!("]({prefix}")));
    let html = rendered(&report);
    assert_eq!(html.matches("<table>").count(), 3, "days, windows, events");
    assert!(html.contains("src=\"caar.png\""));
    assert!(folder.join("caar.png").is_file());
}

#[test]
fn the_same_inputs_give_the_same_bytes() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    for dir in [&a, &b] {
        assert!(run(dir.path(), "NVDA,ARM", &["--no-charts", "-q"])
            .status
            .success());
    }
    for file in [
        "NVDA_2025-01-27/report.md",
        "ARM_2025-01-27/report.md",
        "portfolio_2025-01-27/report.md",
    ] {
        let (x, y) = (
            std::fs::read(a.path().join(file)).unwrap(),
            std::fs::read(b.path().join(file)).unwrap(),
        );
        assert_eq!(x, y, "{file}");
        assert!(
            !String::from_utf8(x).unwrap().contains("## Charts"),
            "no charts, no links"
        );
    }
}

#[test]
fn a_run_where_nothing_ran_says_so_in_markdown() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(dir.path(), "NOPE", &["--format", "markdown", "-q"]);
    assert_eq!(out.status.code(), Some(3));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with("# No event ran\n\n- NOPE 2025-01-27: no price data for NOPE"),
        "{text}"
    );
}
