//! `--tables xlsx`: the run folder's `tables.xlsx`, an Excel workbook with a sheet per run
//! table (the same rows and columns as the CSV files, under the same names). Numbers are
//! numbers (full precision, shown as percent or dollars where the column is one), dates are
//! dates, each sheet has a bold header row frozen above an autofilter. A table longer than a
//! sheet (1,048,576 rows with the header) is left out, and a first sheet `notes` names the
//! Parquet or CSV file that holds it.
//!
//! Rows are streamed: each sheet goes to a temp file as its rows are written
//! (rust_xlsxwriter's constant-memory mode), so a large run's workbook never sits in memory.

use std::path::Path;

use polars::prelude::*;
use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

use crate::error::{polars_err, Error, Result};
use crate::export::tables::RunTable;
use crate::util::write_atomic_with;

/// The rows of an Excel sheet, the header's included.
pub const SHEET_ROWS: usize = 1_048_576;

/// Days from Excel's day 0 (1899-12-30, in the 1900 date system) to 1970-01-01.
const EXCEL_EPOCH_OFFSET: f64 = 25_569.0;

/// Columns shown as percentages: returns and their moments (decimals, as in every table).
const PERCENT: [&str; 19] = [
    "return",
    "benchmark_return",
    "normal_return",
    "ar",
    "car",
    "aar",
    "caar",
    "car_sd",
    "sigma",
    "alpha",
    "alpha_se",
    "bhar",
    "mean_bhar",
    "median_bhar",
    "firm_bh_return",
    "benchmark_bh_return",
    "pretrend_car",
    "abnormal_return",
    "cumulative_abnormal_return",
];

/// How a column's numbers are shown.
fn number_format(column: &str) -> Option<&'static str> {
    if PERCENT.contains(&column) || column.starts_with("car_") || column.starts_with("bhar_") {
        Some("0.00%")
    } else if column.contains("market_value") {
        Some("$#,##0")
    } else {
        None
    }
}

/// A table left out of the workbook for its length.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeftOut {
    pub table: String,
    pub rows: usize,
    /// The file that holds it, relative to the run folder.
    pub instead: String,
}

impl std::fmt::Display for LeftOut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "tables.xlsx: the {} table ({} rows) is longer than an Excel sheet ({} rows): {}",
            self.table, self.rows, SHEET_ROWS, self.instead
        )
    }
}

/// Writes `tables` as a workbook at `path`, atomically; a table of more than `sheet_rows`
/// rows (the header's included) is left out and returned, `instead` naming the file to read.
pub fn write_workbook(
    path: &Path,
    tables: Vec<RunTable<'_>>,
    sheet_rows: usize,
    instead: impl Fn(&str) -> String,
) -> Result<Vec<LeftOut>> {
    let (kept, left_out): (Vec<_>, Vec<_>) = tables.into_iter().partition(|t| t.rows < sheet_rows);
    let left_out: Vec<LeftOut> = left_out
        .iter()
        .map(|t| LeftOut {
            instead: instead(t.name),
            table: t.name.to_string(),
            rows: t.rows,
        })
        .collect();
    let xlsx = |e: XlsxError| Error::Internal(format!("writing {}: {e}", path.display()));
    write_atomic_with(
        path,
        |tmp| {
            let mut workbook = Workbook::new();
            let styles = Styles::new();
            if !left_out.is_empty() {
                notes_sheet(workbook.add_worksheet(), &left_out, &styles).map_err(xlsx)?;
            }
            for table in kept {
                let sheet = workbook.add_worksheet_with_constant_memory();
                let sheet = sheet.and_then(|s| s.set_name(table.name)).map_err(xlsx)?;
                write_sheet(sheet, table, &styles)?;
            }
            workbook.save(tmp).map_err(xlsx)?;
            std::fs::File::open(tmp)
                .and_then(|f| f.sync_all())
                .map_err(|e| Error::io(tmp, e))
        },
        |e| Error::io(path, e),
    )?;
    Ok(left_out)
}

/// The cell formats of a workbook.
struct Styles {
    header: Format,
    date: Format,
    percent: Format,
    dollars: Format,
}

impl Styles {
    fn new() -> Styles {
        Styles {
            header: Format::new().set_bold(),
            date: Format::new().set_num_format("yyyy-mm-dd"),
            percent: Format::new().set_num_format("0.00%"),
            dollars: Format::new().set_num_format("$#,##0"),
        }
    }

    fn for_number(&self, column: &str) -> Option<&Format> {
        match number_format(column) {
            Some("0.00%") => Some(&self.percent),
            Some(_) => Some(&self.dollars),
            None => None,
        }
    }
}

fn notes_sheet(
    sheet: &mut Worksheet,
    left_out: &[LeftOut],
    styles: &Styles,
) -> std::result::Result<(), XlsxError> {
    sheet.set_name("notes")?;
    sheet.write_string_with_format(0, 0, "note", &styles.header)?;
    sheet.set_column_width(0, 120)?;
    for (row, note) in (1u32..).zip(left_out) {
        sheet.write_string(row, 0, note.to_string())?;
    }
    Ok(())
}

/// A column's cells, read out of polars once per batch.
enum Cells<'f> {
    Number(Vec<Option<f64>>, Option<&'f Format>),
    Date(Vec<Option<i32>>),
    Bool(Vec<Option<bool>>),
    Text(Vec<Option<String>>),
}

impl<'f> Cells<'f> {
    fn of(column: &Column, styles: &'f Styles) -> Result<Cells<'f>> {
        let name = column.name().as_str();
        let err = |e| polars_err(name, e);
        let series = column.as_materialized_series();
        Ok(match series.dtype() {
            DataType::Date => {
                let days = series.cast(&DataType::Int32).map_err(err)?;
                Cells::Date(days.i32().map_err(err)?.iter().collect())
            }
            DataType::Boolean => Cells::Bool(series.bool().map_err(err)?.iter().collect()),
            DataType::String => Cells::Text(
                series
                    .str()
                    .map_err(err)?
                    .iter()
                    .map(|s| s.map(str::to_string))
                    .collect(),
            ),
            dtype if dtype.is_primitive_numeric() => {
                let numbers = series.cast(&DataType::Float64).map_err(err)?;
                let numbers = numbers.f64().map_err(err)?.iter();
                Cells::Number(numbers.collect(), styles.for_number(name))
            }
            _ => {
                let text = series.cast(&DataType::String).map_err(err)?;
                let text = text.str().map_err(err)?.iter();
                Cells::Text(text.map(|s| s.map(str::to_string)).collect())
            }
        })
    }

    /// Writes row `i`'s cell at (`row`, `col`); a missing value leaves it empty.
    fn write(
        &self,
        sheet: &mut Worksheet,
        i: usize,
        (row, col): (u32, u16),
        styles: &Styles,
    ) -> std::result::Result<(), XlsxError> {
        match self {
            Cells::Number(values, format) => match (values[i], format) {
                (Some(v), Some(format)) if v.is_finite() => {
                    sheet.write_number_with_format(row, col, v, format)?;
                }
                (Some(v), None) if v.is_finite() => {
                    sheet.write_number(row, col, v)?;
                }
                _ => {}
            },
            Cells::Date(days) => {
                if let Some(d) = days[i] {
                    let serial = f64::from(d) + EXCEL_EPOCH_OFFSET;
                    sheet.write_number_with_format(row, col, serial, &styles.date)?;
                }
            }
            Cells::Bool(values) => {
                if let Some(b) = values[i] {
                    sheet.write_boolean(row, col, b)?;
                }
            }
            Cells::Text(values) => {
                if let Some(s) = &values[i] {
                    sheet.write_string(row, col, s)?;
                }
            }
        }
        Ok(())
    }
}

/// Writes a table's header and rows, batch by batch, row by row (the streaming mode's order).
fn write_sheet(sheet: &mut Worksheet, table: RunTable<'_>, styles: &Styles) -> Result<()> {
    let xlsx = |e: XlsxError| Error::Internal(format!("writing sheet {}: {e}", table.name));
    let mut row: u32 = 1;
    let mut columns = 0u16;
    for batch in table.batches {
        let batch = batch?;
        if row == 1 {
            columns = header(sheet, &batch, styles).map_err(xlsx)?;
        }
        let cells = batch
            .columns()
            .iter()
            .map(|c| Cells::of(c, styles))
            .collect::<Result<Vec<_>>>()?;
        for i in 0..batch.height() {
            for (col, column) in (0u16..).zip(&cells) {
                column.write(sheet, i, (row, col), styles).map_err(xlsx)?;
            }
            row += 1;
        }
    }
    if columns > 0 {
        sheet.autofilter(0, 0, row - 1, columns - 1).map_err(xlsx)?;
    }
    Ok(())
}

/// The bold header row, frozen; column widths to fit the names. Returns the columns.
fn header(
    sheet: &mut Worksheet,
    batch: &DataFrame,
    styles: &Styles,
) -> std::result::Result<u16, XlsxError> {
    let names = batch.get_column_names();
    for (col, name) in (0u16..).zip(&names) {
        let width = name.len().max(10) + 2;
        sheet.set_column_width(col, width as f64)?;
        sheet.write_string_with_format(0, col, name.as_str(), &styles.header)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    Ok(names.len() as u16)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_shown_as_what_they_are() {
        assert_eq!(number_format("ar"), Some("0.00%"));
        assert_eq!(number_format("car_-1:1"), Some("0.00%"));
        assert_eq!(number_format("bhar_0:20"), Some("0.00%"));
        assert_eq!(
            number_format("abnormal_market_value_change_0:0"),
            Some("$#,##0")
        );
        assert_eq!(number_format("market_value_before"), Some("$#,##0"));
        assert_eq!(number_format("t_0:0"), None);
        assert_eq!(number_format("ar_p"), None);
        assert_eq!(number_format("beta"), None);
    }

    #[test]
    fn a_table_longer_than_a_sheet_is_left_out_and_named_in_notes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tables.xlsx");
        let frame = |n: usize| df!("x" => (0..n).map(|i| i as f64).collect::<Vec<_>>());
        let tables = vec![
            RunTable::whole("short", frame(3).map_err(|e| polars_err("t", e))),
            RunTable::whole("long", frame(5).map_err(|e| polars_err("t", e))),
        ];
        // Sheets of 5 rows: 4 below the header.
        let left =
            write_workbook(&path, tables, 5, |t| format!("read tables/{t}.parquet")).unwrap();
        assert_eq!(
            left,
            [LeftOut {
                table: "long".into(),
                rows: 5,
                instead: "read tables/long.parquet".into()
            }]
        );
        assert!(left[0].to_string().contains("the long table (5 rows)"));
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(&bytes[..2], b"PK", "a zip file");
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1, "no temp file left");
    }
}
