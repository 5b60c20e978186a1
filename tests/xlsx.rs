//! `--tables xlsx`: `tables.xlsx` read back with calamine equals the CSV tables cell for cell
//! (numbers to 1e-12 relative, dates as dates, booleans as booleans, empty cells where the CSV
//! is empty), every sheet has a frozen bold header and the number formats the columns call
//! for; `--tables xlsx` alone writes only the workbook and the summary names it.

use std::io::Read;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use calamine::{open_workbook, Data, Reader, Xlsx};
use chrono::NaiveDate;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The nine DeepSeek events with a numeric column for `--cross-section`.
fn events_file(dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string(root().join("examples/deepseek9.csv")).unwrap();
    let mut out = String::new();
    for (i, line) in text.lines().enumerate() {
        let extra = if i == 0 {
            "size".to_string()
        } else {
            (i * i % 7).to_string()
        };
        out += &format!("{line},{extra}\n");
    }
    let path = dir.join("events.csv");
    std::fs::write(&path, out).unwrap();
    path
}

fn run(dir: &Path, tables: &str) -> PathBuf {
    let events = events_file(dir);
    let out = dir.join("out");
    Command::cargo_bin("eventstudy")
        .unwrap()
        .current_dir(root())
        .args(["batch", "--events"])
        .arg(&events)
        .args([
            "--source",
            "csv:examples/prices",
            "--shares-file",
            "examples/shares_outstanding.csv",
            "--bhar",
            "0:5",
            "--calendar-time",
            "0:5",
            "--group-by",
            "sector",
            "--cross-section",
            "size",
            "--no-charts",
            "-q",
            "--format",
            "json",
            "--name",
            "portfolio",
            "--tables",
            tables,
            "--out",
        ])
        .arg(&out)
        .assert()
        .success();
    out.join("portfolio")
}

/// A CSV line's cells (quoted cells unquoted).
fn cells(line: &str) -> Vec<String> {
    let (mut out, mut cell, mut quoted) = (Vec::new(), String::new(), false);
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                cell.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            ',' if !quoted => out.push(std::mem::take(&mut cell)),
            c => cell.push(c),
        }
    }
    out.push(cell);
    out
}

fn excel_date(serial: f64) -> NaiveDate {
    NaiveDate::from_ymd_opt(1899, 12, 30).unwrap() + chrono::Days::new(serial as u64)
}

/// Sheet `name` equals `csv` cell for cell.
fn assert_sheet_equals_csv(
    workbook: &mut Xlsx<std::io::BufReader<std::fs::File>>,
    name: &str,
    csv: &Path,
) {
    let range = workbook.worksheet_range(name).unwrap();
    let text = std::fs::read_to_string(csv).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let rows: Vec<&[Data]> = range.rows().collect();
    assert_eq!(rows.len(), lines.len(), "{name}: rows");
    for (r, (line, row)) in lines.iter().zip(&rows).enumerate() {
        let expected = cells(line);
        assert_eq!(row.len(), expected.len(), "{name} row {r}: columns");
        for (c, (want, got)) in expected.iter().zip(row.iter()).enumerate() {
            let at = format!("{name} row {r} column {c} ({want:?} vs {got:?})");
            match got {
                Data::Empty => assert!(want.is_empty(), "{at}"),
                Data::String(s) => assert_eq!(s, want, "{at}"),
                Data::Bool(b) => assert_eq!(b.to_string(), *want, "{at}"),
                Data::Float(x) => {
                    let w: f64 = want.parse().unwrap_or_else(|_| panic!("{at}"));
                    assert!((x - w).abs() <= 1e-12 * w.abs().max(1.0), "{at}");
                }
                Data::Int(i) => assert_eq!(i.to_string(), *want, "{at}"),
                Data::DateTime(d) => {
                    assert!(r > 0, "{at}");
                    assert_eq!(excel_date(d.as_f64()).to_string(), *want, "{at}");
                }
                other => panic!("{at}: unexpected cell {other:?}"),
            }
        }
    }
}

/// A file of the workbook's zip, as text.
fn part(path: &Path, name: &str) -> String {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut text = String::new();
    zip.by_name(name)
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    text
}

#[test]
fn the_workbook_equals_the_csv_tables_cell_for_cell() {
    let dir = tempfile::tempdir().unwrap();
    let run = run(dir.path(), "parquet,csv,xlsx");
    let path = run.join("tables.xlsx");
    let mut workbook: Xlsx<_> = open_workbook(&path).unwrap();
    let names = workbook.sheet_names();
    let expected = [
        "days",
        "cars",
        "events",
        "bhar",
        "aggregate_days",
        "aggregate_cars",
        "aggregate_bhar",
        "cross_section",
        "calendar_time",
        "calendar_time_days",
        "groups",
        "group_difference",
    ];
    assert_eq!(names, expected);
    for name in expected {
        let in_tables = run.join("tables").join(format!("{name}.csv"));
        let csv = match in_tables.exists() {
            true => in_tables,
            false => run.join(format!("{name}.csv")),
        };
        assert_sheet_equals_csv(&mut workbook, name, &csv);
    }
    // The days table: dates are dates, and the first sheet has the formats its columns ask.
    let days = workbook.worksheet_range("days").unwrap();
    assert!(
        matches!(days.get((1, 4)), Some(Data::DateTime(_))),
        "{:?}",
        days.get((1, 4))
    );
    let styles = part(&path, "xl/styles.xml");
    assert!(styles.contains("formatCode=\"0.00%\""), "{styles}");
    assert!(styles.contains("formatCode=\"yyyy-mm-dd\""), "{styles}");
    assert!(
        styles.contains("formatCode=\"\\$#,##0\"") || styles.contains("formatCode=\"$#,##0\""),
        "{styles}"
    );
    let sheet = part(&path, "xl/worksheets/sheet1.xml");
    assert!(
        sheet.contains("ySplit=\"1\"") && sheet.contains("state=\"frozen\""),
        "frozen header"
    );
    assert!(sheet.contains("<autoFilter"), "an autofilter");
}

#[test]
fn xlsx_alone_writes_the_workbook_only_and_the_summary_names_it() {
    let dir = tempfile::tempdir().unwrap();
    let run = run(dir.path(), "xlsx");
    assert!(run.join("tables.xlsx").is_file());
    let in_tables = std::fs::read_dir(run.join("tables")).map_or(0, |d| d.count());
    assert_eq!(in_tables, 0, "no Parquet or CSV table");
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["tables"]["days"], "tables.xlsx");
    let mut workbook: Xlsx<_> = open_workbook(run.join("tables.xlsx")).unwrap();
    let events = workbook.worksheet_range("events").unwrap();
    assert_eq!(events.height(), 10, "a header and the nine events");
}

#[test]
fn without_xlsx_there_is_no_workbook() {
    let dir = tempfile::tempdir().unwrap();
    let run = run(dir.path(), "parquet");
    assert!(!run.join("tables.xlsx").exists());
}
