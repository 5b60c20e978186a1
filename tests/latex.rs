//! `--format latex` and `report.tex` on the example data: well formed (balanced braces, every
//! environment closed, booktabs rules around every table, no unescaped special character in
//! a cell or a caption), the table layout pinned by a golden file, and `report.tex` compiled
//! by pdflatex where a TeX engine is installed (skipped, saying so, where not).

mod common;

use std::path::{Path, PathBuf};

use assert_cmd::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Braces balance (escaped ones aside), environments close in order, each tabular has its
/// three rules, and no `^ % & _ $ #` stands unescaped in text (a row's `&` separates cells).
fn assert_well_formed(tex: &str) {
    let chars: Vec<char> = tex.chars().collect();
    let mut depth = 0i64;
    for (i, c) in chars.iter().enumerate() {
        let escaped = i > 0 && chars[i - 1] == '\\';
        match c {
            '{' if !escaped => depth += 1,
            '}' if !escaped => depth -= 1,
            _ => {}
        }
        assert!(depth >= 0, "a brace closes before it opens at {i}");
    }
    assert_eq!(depth, 0, "unbalanced braces");
    let mut open: Vec<String> = Vec::new();
    for line in tex.lines() {
        for (i, _) in line.match_indices("\\begin{") {
            let name = &line[i + 7..i + 7 + line[i + 7..].find('}').unwrap()];
            open.push(name.to_string());
        }
        for (i, _) in line.match_indices("\\end{") {
            let name = &line[i + 5..i + 5 + line[i + 5..].find('}').unwrap()];
            assert_eq!(
                open.pop().as_deref(),
                Some(name),
                "\\end{{{name}}} out of order"
            );
        }
    }
    assert!(open.is_empty(), "unclosed: {open:?}");
    let tables = tex.matches("\\begin{tabular}").count();
    assert!(tables > 0);
    for rule in ["\\toprule", "\\midrule", "\\bottomrule"] {
        assert_eq!(tex.matches(rule).count(), tables, "{rule}");
    }
    for line in tex.lines() {
        let text = line.trim_end_matches(" \\\\");
        for cell in text.split(" & ") {
            let c: Vec<char> = cell.chars().collect();
            for (i, ch) in c.iter().enumerate() {
                if "^%&_$#".contains(*ch) {
                    assert!(i > 0 && c[i - 1] == '\\', "unescaped {ch} in: {line}");
                }
            }
        }
    }
}

fn eventstudy(dir: &Path, args: &[&str]) -> String {
    let mut cmd = Command::cargo_bin("eventstudy").unwrap();
    cmd.current_dir(root()).args(args).arg("--out").arg(dir);
    String::from_utf8(cmd.assert().success().get_output().stdout.clone()).unwrap()
}

#[test]
fn the_nine_stocks_tables_are_well_formed() {
    let dir = tempfile::tempdir().unwrap();
    let tex = eventstudy(
        dir.path(),
        &[
            "batch",
            "--events",
            "examples/deepseek9.csv",
            "--source",
            "csv:examples/prices",
            "--shares-file",
            "examples/shares_outstanding.csv",
            "--format",
            "latex",
            "--no-charts",
            "-q",
        ],
    );
    assert_well_formed(&tex);
    // The portfolio's two tables, the events, and each event's two.
    assert_eq!(tex.matches("\\begin{tabular}").count(), 3 + 9 * 2);
    assert!(
        tex.contains("\\textasciicircum{}GSPC"),
        "the benchmark escaped"
    );
    assert!(tex.contains("\\%"), "percent signs escaped");
    assert!(
        tex.contains("\\textsuperscript{***}"),
        "stars as superscripts"
    );
    for file in [
        "portfolio_deepseek9/report.tex",
        "NVDA_2025-01-27_DeepSeek/report.tex",
    ] {
        let report = std::fs::read_to_string(dir.path().join(file)).unwrap();
        assert!(report.starts_with("\\documentclass"), "{file}");
        assert!(report.trim_end().ends_with("\\end{document}"), "{file}");
        assert_well_formed(&report);
    }
}

/// The layout of one event's tables, pinned: `tests/golden/nvda.tex` (regenerate with
/// `eventstudy run --ticker NVDA --date 2025-01-27 --source csv:examples/prices --shares-file
/// examples/shares_outstanding.csv --format latex --no-charts -q` and review the difference).
#[test]
fn the_layout_is_pinned_by_a_golden_file() {
    let dir = tempfile::tempdir().unwrap();
    let tex = eventstudy(
        dir.path(),
        &[
            "run",
            "--ticker",
            "NVDA",
            "--date",
            "2025-01-27",
            "--source",
            "csv:examples/prices",
            "--shares-file",
            "examples/shares_outstanding.csv",
            "--format",
            "latex",
            "--no-charts",
            "-q",
        ],
    );
    let golden = std::fs::read_to_string(root().join("tests/golden/nvda.tex")).unwrap();
    assert_eq!(tex, golden);
}

#[test]
fn report_tex_compiles_with_pdflatex() {
    let dir = tempfile::tempdir().unwrap();
    eventstudy(
        dir.path(),
        &[
            "batch",
            "--events",
            "examples/deepseek9.csv",
            "--source",
            "csv:examples/prices",
            "--shares-file",
            "examples/shares_outstanding.csv",
            "--bhar",
            "0:5",
            "--event-files",
            "--no-event-charts",
            "-q",
        ],
    );
    let portfolio = dir.path().join("portfolio_deepseek9");
    let report = std::fs::read_to_string(portfolio.join("report.tex")).unwrap();
    assert!(report.contains("\\includegraphics[width=\\textwidth]{caar.png}"));
    assert!(portfolio.join("caar.png").is_file());
    // An event folder without its charts: the figures are left out, the document compiles.
    let nvda = dir.path().join("NVDA_2025-01-27_DeepSeek");
    assert!(!nvda.join("car.png").exists());
    if common::compile_tex(&portfolio) {
        common::compile_tex(&nvda);
    }
}
