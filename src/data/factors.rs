//! Factor returns for the factor models, read from Kenneth French's daily CSV files as
//! published (`--factors FILE[,FILE...]`): a few lines of text, a header `,Mkt-RF,SMB,HML,RF`,
//! rows `YYYYMMDD, 0.10, -0.25, ...` in percent, then a copyright line.

use std::path::Path;

use chrono::NaiveDate;
use polars::prelude::*;

use crate::data::prices::{date_column, epoch_days, f64_column, polars_err};
use crate::error::{Error, Result};
use crate::study::TradingCalendar;

/// Column names as the files spell them, and the other spellings of momentum.
const MOMENTUM: [&str; 4] = ["Mom", "MOM", "UMD", "WML"];

/// Factor returns (decimal units) by date, several files joined on their common dates.
#[derive(Debug, Clone)]
pub struct FactorTable {
    df: DataFrame,
}

/// Fewest rows over which the units of a file can be told.
const ROWS_TO_TELL_UNITS: usize = 20;

/// A market factor whose largest daily move over twenty days or more is below 0.2 (read as
/// percent, 0.002 once divided): the file is in decimals, where Kenneth French writes percent,
/// and every loading would come out a hundred times too large. No market stays within 0.2% a
/// day for a month; a decimal file's moves are a hundred times smaller than its percent.
fn refuse_decimals(path: &Path, names: &[String], columns: &[Vec<Option<f64>>]) -> Result<()> {
    let Some(market) = names.iter().position(|n| n == "Mkt-RF") else {
        return Ok(());
    };
    let (days, largest) = columns[market]
        .iter()
        .flatten()
        .fold((0usize, 0.0f64), |(n, m), v| (n + 1, m.max(v.abs())));
    if days >= ROWS_TO_TELL_UNITS && largest * 100.0 < 0.2 {
        return Err(Error::input(
            path,
            format!(
                "Mkt-RF moves by {:.4} at most in {} days: these look like decimals, where Kenneth French's files are in percent (1.25 for 1.25%); use the file as published, or multiply by 100",
                largest * 100.0,
                days
            ),
        ));
    }
    Ok(())
}

/// Reads one file into a frame: `date` and one Float64 column per factor, in decimals.
fn read_french(path: &Path) -> Result<DataFrame> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::input(path, format!("cannot read the factor file: {e}")))?;
    let mut lines = text.lines().enumerate();
    let header = lines
        .by_ref()
        .find(|(_, l)| {
            l.trim_start().starts_with(',') && l.split(',').skip(1).any(|c| !c.trim().is_empty())
        })
        .ok_or_else(|| {
            Error::input(
                path,
                "no header line like ',Mkt-RF,SMB,HML,RF' (Kenneth French's daily CSV layout)",
            )
        })?;
    let names: Vec<String> = header
        .1
        .split(',')
        .skip(1)
        .map(|s| canonical(s.trim()))
        .collect();
    let mut dates = Vec::new();
    let mut columns: Vec<Vec<Option<f64>>> = vec![Vec::new(); names.len()];
    for (index, line) in lines {
        let cells: Vec<&str> = line.split(',').map(str::trim).collect();
        let first = cells[0];
        if first.len() != 8 || !first.bytes().all(|b| b.is_ascii_digit()) {
            if dates.is_empty() {
                continue;
            }
            break; // the end of the daily table (a blank or copyright line)
        }
        let date = NaiveDate::parse_from_str(first, "%Y%m%d").map_err(|_| {
            Error::input(
                path,
                format!("line {}: '{first}' is not a YYYYMMDD date", index + 1),
            )
        })?;
        if cells.len() != names.len() + 1 {
            return Err(Error::input(
                path,
                format!(
                    "line {}: {} values, the header names {}",
                    index + 1,
                    cells.len() - 1,
                    names.len()
                ),
            ));
        }
        let day = epoch_days(date);
        // A repeated or earlier date would shift every later factor by a day in the join.
        if let Some(&last) = dates.last() {
            if day <= last {
                return Err(Error::input(
                    path,
                    format!(
                        "line {}: {date} {} the row before it: dates must increase",
                        index + 1,
                        if day == last {
                            "repeats"
                        } else {
                            "comes before"
                        }
                    ),
                ));
            }
        }
        dates.push(day);
        for (column, raw) in columns.iter_mut().zip(&cells[1..]) {
            let value: f64 = raw.parse().map_err(|_| {
                Error::input(
                    path,
                    format!(
                        "line {}: '{}' is not a number",
                        index + 1,
                        crate::util::cut_for_message(raw, 40)
                    ),
                )
            })?;
            // Percent as published; -99.99 is French's code for a missing value.
            column.push((value > -99.99).then_some(value / 100.0));
        }
    }
    if dates.is_empty() {
        return Err(Error::input(
            path,
            "no daily rows (YYYYMMDD, values...) after the header",
        ));
    }
    refuse_decimals(path, &names, &columns)?;
    let mut cols: Vec<Column> = vec![Series::new("date".into(), dates)
        .cast(&DataType::Date)
        .map_err(|e| polars_err("factor dates", e))?
        .into()];
    cols.extend(
        names
            .iter()
            .zip(columns)
            .map(|(n, v)| Column::from(Series::new(n.as_str().into(), v))),
    );
    let height = cols[0].len();
    DataFrame::new(height, cols)
        .map_err(|e| Error::input(path, format!("cannot build the factor table: {e}")))
}

fn canonical(name: &str) -> String {
    if MOMENTUM.contains(&name) {
        "Mom".to_string()
    } else {
        name.to_string()
    }
}

impl FactorTable {
    /// Reads and joins (on their common dates) one or more French files.
    pub fn read(paths: &[std::path::PathBuf]) -> Result<Self> {
        let mut frames = paths.iter().map(|p| read_french(p).map(|df| (p, df)));
        let (_, mut df) = frames
            .next()
            .ok_or_else(|| Error::usage("--factors needs a file"))??;
        for next in frames {
            let (path, other) = next?;
            let overlap: Vec<String> = other
                .get_column_names()
                .iter()
                .filter(|n| n.as_str() != "date" && df.get_column_names().iter().any(|m| m == n))
                .map(|n| n.to_string())
                .collect();
            let other = other.drop_many(overlap);
            df = df
                .join(
                    &other,
                    ["date"],
                    ["date"],
                    JoinArgs::new(JoinType::Inner),
                    None,
                )
                .map_err(|e| {
                    Error::input(
                        path,
                        format!("cannot join with the other factor files: {e}"),
                    )
                })?;
        }
        Ok(FactorTable { df })
    }

    pub fn columns(&self) -> Vec<String> {
        self.df
            .get_column_names()
            .iter()
            .filter(|n| n.as_str() != "date")
            .map(|n| n.to_string())
            .collect()
    }

    /// Checks that every column the model needs, and RF, is there.
    pub fn require(&self, needed: &[&str]) -> Result<()> {
        let have = self.columns();
        let missing: Vec<&str> = needed
            .iter()
            .chain(&["RF"])
            .filter(|n| !have.iter().any(|h| h == *n))
            .copied()
            .collect();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(Error::usage(format!(
                "the factor file(s) lack {} (they have {}); momentum is read from a column Mom, UMD or WML",
                missing.join(", "),
                have.join(", ")
            )))
        }
    }

    /// The first and last date.
    pub fn range(&self) -> Result<Option<(NaiveDate, NaiveDate)>> {
        let dates = date_column(&self.df, "date")?;
        Ok(dates.first().copied().zip(dates.last().copied()))
    }

    /// The named columns on `calendar` (a left join on date): NaN where the files lack a day.
    pub fn on_calendar(&self, calendar: &TradingCalendar, names: &[&str]) -> Result<Vec<Vec<f64>>> {
        let days: Vec<i32> = calendar.dates().iter().copied().map(epoch_days).collect();
        let left = DataFrame::new(
            days.len(),
            vec![Series::new("date".into(), days)
                .cast(&DataType::Date)
                .map_err(|e| polars_err("calendar", e))?
                .into()],
        )
        .map_err(|e| polars_err("calendar", e))?;
        let joined = left
            .join(
                &self.df,
                ["date"],
                ["date"],
                JoinArgs::new(JoinType::Left),
                None,
            )
            .and_then(|df| df.sort(["date"], SortMultipleOptions::default()))
            .map_err(|e| polars_err("aligning factors", e))?;
        names.iter().map(|n| f64_column(&joined, n)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FF3: &str =
        "This file was created by CMPT_ME_BEME_RETS_DAILY using the 202412 CRSP database.\n\
The Tbill return is the simple daily rate.\n\
\n\
,Mkt-RF,SMB,HML,RF\n\
20250123,    0.53,   -0.10,    0.20,    0.02\n\
20250124,   -0.29,    0.15,   -0.05,    0.02\n\
20250127,   -1.55,    0.90,    1.10,    0.02\n\
\n\
Copyright 2025 Kenneth R. French\n";

    const MOM: &str =
        "Momentum factor\n\n,Mom   \n20250124,   0.40\n20250127,  -2.50\n\nCopyright\n";

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn reads_percent_and_joins_momentum() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("ff3.csv"), dir.path().join("mom.csv"));
        std::fs::write(&a, FF3).unwrap();
        std::fs::write(&b, MOM).unwrap();
        let t = FactorTable::read(std::slice::from_ref(&a)).unwrap();
        assert_eq!(t.columns(), ["Mkt-RF", "SMB", "HML", "RF"]);
        assert!(t.require(&["Mkt-RF", "SMB", "HML"]).is_ok());
        assert!(t
            .require(&["Mkt-RF", "SMB", "HML", "Mom"])
            .unwrap_err()
            .to_string()
            .contains("lack Mom"));

        let both = FactorTable::read(&[a, b]).unwrap();
        assert_eq!(
            both.range().unwrap(),
            Some((d("2025-01-24"), d("2025-01-27"))),
            "inner join on common dates"
        );
        let cal =
            TradingCalendar::new(vec![d("2025-01-24"), d("2025-01-27"), d("2025-01-28")]).unwrap();
        let cols = both.on_calendar(&cal, &["Mkt-RF", "Mom", "RF"]).unwrap();
        assert!((cols[0][1] + 0.0155).abs() < 1e-12, "percent to decimals");
        assert!((cols[1][0] - 0.004).abs() < 1e-12);
        assert!(
            cols[2][2].is_nan(),
            "a calendar day the files lack is missing"
        );
    }

    #[test]
    fn malformed_files_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.csv");
        std::fs::write(&p, "date,a,b\n1,2,3\n").unwrap();
        assert!(FactorTable::read(std::slice::from_ref(&p))
            .unwrap_err()
            .to_string()
            .contains("no header line"));
        std::fs::write(&p, ",Mkt-RF,RF\n20250124, abc, 0.01\n").unwrap();
        assert!(FactorTable::read(std::slice::from_ref(&p))
            .unwrap_err()
            .to_string()
            .contains("'abc' is not a number"));
    }

    #[test]
    fn a_repeated_date_is_an_input_error_naming_the_line() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("ff3.csv");
        let repeated = FF3.replace("20250127,   -1.55", "20250124,   -1.55");
        std::fs::write(&p, repeated).unwrap();
        let e = FactorTable::read(std::slice::from_ref(&p)).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        let m = e.to_string();
        assert!(m.contains("ff3.csv: line 7: 2025-01-24 repeats"), "{m}");
    }

    /// The same month in percent (as published) and in decimals: the first reads, the second
    /// is refused with the hint; a short file cannot tell and reads.
    #[test]
    fn a_file_in_decimals_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let rows = |scale: f64, n: usize| -> String {
            (0..n)
                .map(|i| {
                    let m = ((i * 37 % 11) as f64 - 5.0) * 0.31 * scale;
                    format!("202501{:02},{m:.4},0.10,-0.05,0.02\n", i + 1)
                })
                .collect()
        };
        let write = |name: &str, body: String| {
            let path = dir.path().join(name);
            std::fs::write(
                &path,
                format!("daily\n\n,Mkt-RF,SMB,HML,RF\n{body}\nCopyright\n"),
            )
            .unwrap();
            path
        };
        assert!(FactorTable::read(&[write("pct.csv", rows(1.0, 25))]).is_ok());
        let e = FactorTable::read(&[write("dec.csv", rows(0.01, 25))]).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(e.to_string().contains("these look like decimals"), "{e}");
        assert!(FactorTable::read(&[write("short.csv", rows(0.01, 5))]).is_ok());
    }
}
