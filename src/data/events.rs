//! Batch files of events: `ticker,date[,benchmark][,label][,estimation][,window]`, one event
//! per row. A row that cannot be read is reported with its line number; the others still run.

use std::path::Path;

use rayon::iter::Either;
use rayon::prelude::*;

use crate::data::records::{self, Record, Row};
use crate::error::{exit, Error, Result};
use crate::event::{EventSpec, EventWhen, Exclusion};
use crate::study::WindowSpec;
use crate::ticker::Ticker;

/// What a row does not say.
#[derive(Debug, Clone)]
pub struct EventDefaults {
    pub benchmark: Ticker,
    pub estimation: WindowSpec,
    pub window: WindowSpec,
    /// Numeric columns to read for the cross-sectional regression (`--cross-section`).
    pub characteristics: Vec<String>,
    /// The column whose values name each event's group (`--group-by`).
    pub group_by: Option<String>,
}

const KNOWN: [&str; 6] = [
    "ticker",
    "date",
    "benchmark",
    "label",
    "estimation",
    "window",
];

/// Reads a batch file (or its `text`, when it is in memory: `path` then only names it): the
/// events, and the rows that were rejected.
pub fn read_events(
    path: &Path,
    text: Option<&[u8]>,
    defaults: &EventDefaults,
) -> Result<(Vec<EventSpec>, Vec<Exclusion>)> {
    let read;
    let bytes = match text {
        Some(text) => text,
        None => {
            if path.is_dir() {
                return Err(Error::input(path, "is a folder, not an events file"));
            }
            read = std::fs::read(path).map_err(|e| match e.kind() {
                std::io::ErrorKind::NotFound => Error::input(path, "events file does not exist"),
                _ => Error::input(path, format!("cannot read the events file: {e}")),
            })?;
            &read[..]
        }
    };
    let mut rows = records::split(bytes).into_iter();
    let header = match rows.next() {
        Some(Row::Record(header)) => header,
        Some(Row::Broken { reason, .. }) => {
            return Err(Error::input(path, format!("line 1 (the header): {reason}")))
        }
        None => {
            return Err(Error::input(
                path,
                "is empty: a header and one event per row are expected",
            ))
        }
    };
    let names: Vec<String> = header
        .fields
        .iter()
        .map(|n| n.trim().to_ascii_lowercase())
        .collect();
    for required in ["ticker", "date"] {
        if !names.iter().any(|n| n == required) {
            return Err(Error::input(
                path,
                format!("missing column {required} (columns: ticker,date[,benchmark][,label][,estimation][,window])"),
            ));
        }
    }
    // A row that cannot be split into the header's fields is rejected with its line; the
    // others are read.
    let mut broken = Vec::new();
    let mut records = Vec::new();
    for row in rows {
        match row {
            Row::Record(r) if r.fields.len() > names.len() => broken.push(rejected_row(
                r.line,
                r.fields.first().map(String::as_str).unwrap_or(""),
                format!(
                    "{} fields where the header has {} (an unquoted comma?)",
                    r.fields.len(),
                    names.len()
                ),
            )),
            Row::Record(r) => records.push(r),
            Row::Broken { line, reason } => broken.push(rejected_row(line, "", reason)),
        }
    }
    let (events, mut rejected) = read_records(path, &names, &records, defaults)?;
    rejected.extend(broken);
    rejected.sort_by_key(|x| x.row);
    Ok((events, rejected))
}

/// A row that could not be read at all.
fn rejected_row(line: usize, first_field: &str, reason: String) -> Exclusion {
    Exclusion {
        id: None,
        ticker: crate::util::cut_for_message(&printable(first_field.trim()), 40),
        event_date: None,
        label: None,
        row: Some(line),
        reason: format!("row {line}: {reason}"),
        exit_code: exit::USAGE,
    }
}

/// The events of the records that split into fields, and the rows among them that cannot run.
fn read_records(
    path: &Path,
    names: &[String],
    records: &[Record],
    defaults: &EventDefaults,
) -> Result<(Vec<EventSpec>, Vec<Exclusion>)> {
    // Columns the study does not read are left alone.
    let read = |name: &str| {
        KNOWN.contains(&name)
            || defaults.characteristics.iter().any(|c| c == name)
            || defaults.group_by.as_deref() == Some(name)
    };
    let column = |name: &str| -> Option<Cells<'_>> {
        let i = names.iter().position(|n| n == name)?;
        read(name).then(|| {
            records
                .iter()
                .map(|r| r.fields.get(i).map(|f| f.trim()).filter(|f| !f.is_empty()))
                .collect()
        })
    };

    let cols: Vec<Option<Cells>> = KNOWN.iter().map(|n| column(n)).collect();
    let lines: Vec<usize> = records.iter().map(|r| r.line).collect();
    let characteristics = characteristic_columns(path, &defaults.characteristics, &column, &lines)?;
    let groups: Option<Cells> = match &defaults.group_by {
        Some(name) => Some(column(name).ok_or_else(|| {
            Error::input(
                path,
                format!("--group-by names the column '{name}', which the file does not have"),
            )
        })?),
        None => None,
    };
    let group = |i: usize| groups.as_ref().and_then(|g| g[i]).map(printable);
    // Control characters (an escape sequence in a label) never reach a terminal or a file name.
    let cell = |c: usize, i: usize| cols[c].as_ref().and_then(|v| v[i]).map(printable);
    // Rows parse on every core (a million rows took a second on one); the results keep the
    // file's order.
    Ok((0..records.len()).into_par_iter().partition_map(|i| {
        match read_row(i, lines[i], &cell, &characteristics, defaults) {
            Ok(event) => Either::Left(EventSpec {
                group: group(i),
                ..event
            }),
            Err(rejected) => Either::Right(rejected),
        }
    }))
}

/// Record `i` (on line `row` of the file) as an event, or its rejection.
fn read_row(
    i: usize,
    row: usize,
    cell: &(dyn Fn(usize, usize) -> Option<String> + Sync),
    characteristics: &[Vec<Option<f64>>],
    defaults: &EventDefaults,
) -> std::result::Result<EventSpec, Exclusion> {
    let ticker_text = cell(0, i).unwrap_or_default();
    let date_text = cell(1, i).unwrap_or_default();
    let label = cell(3, i);
    let when = EventWhen::parse(&date_text);
    let parsed = (|| -> std::result::Result<EventSpec, String> {
        let ticker: Ticker = ticker_text.parse().map_err(|e: Error| e.to_string())?;
        let when = when.clone()?;
        let benchmark = match cell(2, i) {
            Some(b) => b.parse().map_err(|e: Error| format!("benchmark: {e}"))?,
            None => defaults.benchmark.clone(),
        };
        let window_of = |c: usize, name: &str, default: WindowSpec| match cell(c, i) {
            Some(w) => w.parse::<WindowSpec>().map_err(|e| format!("{name}: {e}")),
            None => Ok(default),
        };
        Ok(EventSpec {
            ticker,
            date: when.date(),
            instant: when.instant(),
            benchmark,
            label: label.clone(),
            row: Some(row),
            estimation: window_of(4, "estimation", defaults.estimation)?,
            window: window_of(5, "window", defaults.window)?,
            characteristics: characteristics.iter().map(|c| c[i]).collect(),
            group: None,
        })
    })();
    // A cell of any size reaches the reason and the outputs cut to a readable length.
    let cut = crate::util::cut_for_message;
    parsed.map_err(|reason| Exclusion {
        id: None,
        ticker: cut(&ticker_text, 40),
        event_date: when.as_ref().ok().map(EventWhen::date),
        label: label.map(|l| cut(&l, 200)),
        row: Some(row),
        reason: cut(&format!("row {row}: {reason}"), 400),
        exit_code: exit::USAGE,
    })
}

/// A column's cells, trimmed (`None`: empty).
type Cells<'a> = Vec<Option<&'a str>>;

/// The `--cross-section` columns, parsed as numbers: an empty cell is missing (the event is
/// left out of the regression and counted); a missing column or a cell that is not a finite
/// number is an input error, since the regression would otherwise silently change.
fn characteristic_columns<'a>(
    path: &Path,
    names: &[String],
    column: &dyn Fn(&str) -> Option<Cells<'a>>,
    lines: &[usize],
) -> Result<Vec<Vec<Option<f64>>>> {
    names
        .iter()
        .map(|name| {
            let cells = column(name).ok_or_else(|| {
                Error::input(
                    path,
                    format!("--cross-section names the column '{name}', which the file does not have"),
                )
            })?;
            cells
                .iter()
                .enumerate()
                .map(|(i, cell)| match cell {
                    None => Ok(None),
                    Some(text) => match text.parse::<f64>() {
                        Ok(v) if v.is_finite() => Ok(Some(v)),
                        _ => Err(Error::input(
                            path,
                            format!(
                                "row {}: {name} '{}' is not a number (--cross-section needs numeric columns)",
                                lines[i],
                                crate::util::cut_for_message(&printable(text), 60)
                            ),
                        )),
                    },
                })
                .collect()
        })
        .collect()
}

/// `text` with every control character replaced by `?`.
fn printable(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defaults() -> EventDefaults {
        EventDefaults {
            benchmark: "^GSPC".parse().unwrap(),
            estimation: "-250:-11".parse().unwrap(),
            window: "-5:5".parse().unwrap(),
            characteristics: Vec::new(),
            group_by: None,
        }
    }

    #[test]
    fn cross_section_columns_are_numbers_or_empty() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("events.csv");
        std::fs::write(
            &p,
            "ticker,date,Beta,size\nNVDA,2025-01-27,1.5,\nAVGO,2025-01-27,,3e2\n",
        )
        .unwrap();
        let mut d = defaults();
        d.characteristics = vec!["beta".into(), "size".into()];
        let (events, _) = read_events(&p, None, &d).unwrap();
        assert_eq!(events[0].characteristics, [Some(1.5), None]);
        assert_eq!(events[1].characteristics, [None, Some(300.0)]);
        std::fs::write(&p, "ticker,date,beta\nNVDA,2025-01-27,high\n").unwrap();
        let e = read_events(&p, None, &d).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(
            e.to_string().contains("row 2: beta 'high' is not a number"),
            "{e}"
        );
        d.characteristics = vec!["size".into()];
        let e = read_events(&p, None, &d).unwrap_err();
        assert!(e.to_string().contains("does not have"), "{e}");
    }

    #[test]
    fn rows_with_overrides_and_bad_rows() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("events.csv");
        std::fs::write(
            &p,
            "ticker,date,benchmark,label,estimation,window\n\
             NVDA,2025-01-27,,DeepSeek,,\n\
             BABA,2025-01-29,^IXIC,Qwen,2024-01-01..2024-12-31,-2:2\n\
             ../x,2025-01-27,,,,\n\
             NVDA,27/01/2025,,,,\n\
             NVDA,2025-02-03,,,-250,\n\
             NVDA,2025-02-03,,,,\n",
        )
        .unwrap();
        let (events, rejected) = read_events(&p, None, &defaults()).unwrap();
        assert_eq!(events.len(), 3);
        assert_eq!(events[0].label.as_deref(), Some("DeepSeek"));
        assert_eq!(events[0].benchmark.as_str(), "^GSPC");
        assert_eq!(events[1].benchmark.as_str(), "^IXIC");
        assert_eq!(events[1].estimation.to_string(), "2024-01-01..2024-12-31");
        assert_eq!(events[1].window.to_string(), "-2:2");
        assert_eq!(events[2].row, Some(7));
        let rows: Vec<usize> = rejected.iter().map(|x| x.row.unwrap()).collect();
        assert_eq!(rows, [4, 5, 6]);
        assert!(
            rejected[0].reason.starts_with("row 4: ticker '../x'"),
            "{}",
            rejected[0].reason
        );
        assert!(rejected[1].reason.contains("not YYYY-MM-DD") && rejected[1].event_date.is_none());
        assert!(rejected[2].reason.contains("estimation"));
    }

    #[test]
    fn many_rows_keep_the_file_order() {
        // Enough rows to be split among threads: events and rejections stay in row order.
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("events.csv");
        let mut text = String::from("ticker,date,label\n");
        for i in 0..20_000 {
            let date = if i % 7 == 3 { "never" } else { "2025-01-27" };
            text.push_str(&format!("T{},{date},L{i}\n", i % 50));
        }
        std::fs::write(&p, text).unwrap();
        let (events, rejected) = read_events(&p, None, &defaults()).unwrap();
        let rows = |r: Vec<Option<usize>>| r.into_iter().map(Option::unwrap).collect::<Vec<_>>();
        let expected = |bad: bool| {
            (0..20_000)
                .filter(move |i| (i % 7 == 3) == bad)
                .map(|i| i + 2)
        };
        assert_eq!(
            rows(events.iter().map(|e| e.row).collect()),
            expected(false).collect::<Vec<_>>()
        );
        assert_eq!(
            rows(rejected.iter().map(|x| x.row).collect()),
            expected(true).collect::<Vec<_>>()
        );
        assert_eq!(events[1].label.as_deref(), Some("L1"));
        assert_eq!(events[1].ticker.as_str(), "T1");
        assert_eq!(rejected[1].label.as_deref(), Some("L10"));
    }

    #[test]
    fn instants_in_the_date_column() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("events.csv");
        std::fs::write(
            &p,
            "ticker,date\nBABA,2025-01-29T01:00+08:00\nNVDA,2025-01-27\nNVDA,2025-01-27T10:00\n",
        )
        .unwrap();
        let (events, rejected) = read_events(&p, None, &defaults()).unwrap();
        let instant = events[0].instant.as_ref().unwrap();
        assert_eq!(instant.given, "2025-01-29T01:00+08:00");
        assert_eq!(events[0].date.to_string(), "2025-01-29");
        assert!(events[1].instant.is_none());
        assert!(
            rejected[0]
                .reason
                .starts_with("row 4: time '2025-01-27T10:00' has no UTC offset"),
            "{}",
            rejected[0].reason
        );
    }

    #[test]
    fn control_characters_are_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("events.csv");
        std::fs::write(
            &p,
            "ticker,date,label\nNVDA,2025-01-27,\u{1b}[31mred\u{7}\nA\u{1b}B,2025-01-27,\n",
        )
        .unwrap();
        let (events, rejected) = read_events(&p, None, &defaults()).unwrap();
        assert_eq!(events[0].label.as_deref(), Some("?[31mred?"));
        assert_eq!(rejected[0].ticker, "A?B");
        assert!(!rejected[0].reason.chars().any(char::is_control));
    }

    #[test]
    fn a_file_without_the_columns_is_an_input_error() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("e.csv");
        std::fs::write(&p, "symbol,when\nNVDA,2025-01-27\n").unwrap();
        let e = read_events(&p, None, &defaults()).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(e.to_string().contains("missing column ticker"));
        assert!(read_events(&dir.path().join("none.csv"), None, &defaults()).is_err());
    }

    #[test]
    fn text_in_memory_is_read_as_the_file_it_names() {
        // The Python package's events table: no file on disk, its name in the messages.
        let name = std::path::Path::new("events.csv");
        let text = b"ticker,date\nNVDA,2025-01-27\nAVGO,2025-13-01\n";
        let (events, rejected) = read_events(name, Some(text), &defaults()).unwrap();
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].ticker.as_str(), "NVDA");
        assert_eq!(rejected[0].row, Some(3));
        let e = read_events(name, Some(b"symbol\nNVDA\n"), &defaults()).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("events.csv: missing column ticker"),
            "{e}"
        );
    }
}
