//! The `csv:DIR` source: one `<SYMBOL>.csv` per symbol, `date,...,close,adj_close,...`.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use polars::prelude::*;

use crate::data::prices::{col, polars_err, PriceFrame};
use crate::data::PriceSource;
use crate::error::{Error, Result};
use crate::ticker::Ticker;

/// Reads prices from a folder of CSV files named by symbol (`NVDA.csv`, `^GSPC.csv`).
#[derive(Debug, Clone)]
pub struct CsvDirSource {
    dir: PathBuf,
}

impl CsvDirSource {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        CsvDirSource { dir: dir.into() }
    }

    pub fn path_for(&self, ticker: &Ticker) -> PathBuf {
        self.dir.join(format!("{}.csv", ticker.as_str()))
    }
}

impl PriceSource for CsvDirSource {
    fn load(&self, ticker: &Ticker) -> Result<PriceFrame> {
        let path = self.path_for(ticker);
        if !path.is_file() {
            return Err(Error::data(format!(
                "no price data for {ticker}: {} does not exist",
                path.display()
            )));
        }
        read_price_csv(&path)
    }

    fn describe(&self) -> String {
        format!("csv:{}", self.dir.display())
    }
}

/// Reads one price CSV. Needs `date` and `adj_close`; `close` is optional. Empty cells, `null`
/// and `NaN` are missing values. Every other problem names the file, row and column.
pub fn read_price_csv(path: &Path) -> Result<PriceFrame> {
    let df = CsvReadOptions::default()
        .with_has_header(true)
        // Everything as text: the parsing below reports the exact row of a bad value.
        .with_infer_schema_length(Some(0))
        .try_into_reader_with_file_path(Some(path.to_path_buf()))
        .and_then(|reader| reader.finish())
        .map_err(|e| Error::input(path, format!("not a readable CSV ({})", first_line(&e))))?;

    let names: Vec<String> = df
        .get_column_names()
        .iter()
        .map(|s| s.to_string())
        .collect();
    let has = |c: &str| names.iter().any(|n| n == c);
    let missing: Vec<&str> = [col::DATE, col::ADJ_CLOSE]
        .into_iter()
        .filter(|c| !has(c))
        .collect();
    if !missing.is_empty() {
        return Err(Error::input(
            path,
            format!(
                "missing column(s) {} (found: {})",
                missing.join(", "),
                names.join(", ")
            ),
        ));
    }

    let dates = text_column(&df, col::DATE)?
        .iter()
        .enumerate()
        .map(|(i, v)| parse_date(v, i).map_err(|m| Error::input(path, m)))
        .collect::<Result<Vec<NaiveDate>>>()?;
    let number_column = |name: &str| -> Result<Vec<Option<f64>>> {
        text_column(&df, name)?
            .iter()
            .enumerate()
            .map(|(i, v)| parse_number(v, i, name).map_err(|m| Error::input(path, m)))
            .collect()
    };
    let adj_close = number_column(col::ADJ_CLOSE)?;
    let close = if has(col::CLOSE) {
        Some(number_column(col::CLOSE)?)
    } else {
        None
    };
    // Volume is optional: the abnormal-volume statistics need it, the rest does not.
    let volume = if has(col::VOLUME) {
        Some(number_column(col::VOLUME)?)
    } else {
        None
    };
    if dates.is_empty() {
        return Err(Error::input(path, "has no rows"));
    }
    PriceFrame::with_volume(dates, close, adj_close, volume).map_err(|e| match e {
        Error::Data(m) => Error::input(path, m),
        other => other,
    })
}

fn first_line(err: &PolarsError) -> String {
    err.to_string()
        .lines()
        .next()
        .unwrap_or_default()
        .to_string()
}

/// A column as text (the reader read every column as text), borrowed: no copy per cell.
fn text_column(df: &DataFrame, name: &str) -> Result<StringChunked> {
    let column = df
        .column(name)
        .and_then(|c| c.cast(&DataType::String))
        .map_err(|e| polars_err(name, e))?;
    Ok(column.str().map_err(|e| polars_err(name, e))?.clone())
}

/// `YYYY-MM-DD` read straight from its digits, the common case; `None` for anything else.
fn iso_day(raw: &str) -> Option<NaiveDate> {
    let b = raw.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let number = |r: std::ops::Range<usize>| -> Option<u32> {
        b[r].iter().try_fold(0u32, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    NaiveDate::from_ymd_opt(number(0..4)? as i32, number(5..7)?, number(8..10)?)
}

/// The file's line number of data row `index` (the header is line 1).
fn line(index: usize) -> usize {
    index + 2
}

fn parse_date(raw: Option<&str>, index: usize) -> std::result::Result<NaiveDate, String> {
    let raw = raw.map(str::trim).unwrap_or("");
    // Accept a timestamp's date part too ("2025-01-27 00:00:00-05:00" as pandas writes it).
    let day = raw.get(..10).unwrap_or(raw);
    iso_day(day)
        .or_else(|| NaiveDate::parse_from_str(day, "%Y-%m-%d").ok())
        .ok_or_else(|| format!("line {}: date '{raw}' is not YYYY-MM-DD", line(index)))
}

fn parse_number(
    raw: Option<&str>,
    index: usize,
    column: &str,
) -> std::result::Result<Option<f64>, String> {
    let raw = raw.map(str::trim).unwrap_or("");
    if raw.is_empty() || raw.eq_ignore_ascii_case("null") || raw.eq_ignore_ascii_case("nan") {
        return Ok(None);
    }
    raw.parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .map(Some)
        .ok_or_else(|| format!("line {}: {column} '{raw}' is not a number", line(index)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::prices::f64_column;

    #[test]
    fn iso_days_are_read_from_their_digits() {
        assert_eq!(iso_day("2025-01-27"), NaiveDate::from_ymd_opt(2025, 1, 27));
        assert_eq!(iso_day("2025-02-30"), None);
        assert_eq!(iso_day("2025-1-27"), None, "left to chrono's parser");
        assert_eq!(iso_day("2025/01/27"), None);
        assert_eq!(iso_day("20a5-01-27"), None);
        // The slow path still takes what chrono takes.
        assert_eq!(
            parse_date(Some("2025-1-27"), 0).unwrap().to_string(),
            "2025-01-27"
        );
    }

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn reads_yahoo_layout_with_holes() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(
            dir.path(),
            "X.csv",
            "date,open,high,low,close,adj_close,volume\n\
             2025-01-03,1,1,1,10.5,10.0,5\n\
             2025-01-02,1,1,1,,9.0,5\n",
        );
        let f = read_price_csv(&p).unwrap();
        assert_eq!(f.len(), 2);
        assert_eq!(f64_column(f.frame(), col::ADJ_CLOSE).unwrap(), [9.0, 10.0]);
        assert!(f64_column(f.frame(), col::CLOSE).unwrap()[0].is_nan());
    }

    #[test]
    fn adj_close_only_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(dir.path(), "B.csv", "date,adj_close\n2025-01-02,88.3\n");
        let f = read_price_csv(&p).unwrap();
        assert!(!f.has_close());
    }

    #[test]
    fn errors_name_the_problem() {
        let dir = tempfile::tempdir().unwrap();
        let missing = write(dir.path(), "M.csv", "date,close\n2025-01-02,1\n");
        let e = read_price_csv(&missing).unwrap_err().to_string();
        assert!(e.contains("missing column(s) adj_close"), "{e}");

        let bad_num = write(
            dir.path(),
            "N.csv",
            "date,adj_close\n2025-01-02,1\n2025-01-03,abc\n",
        );
        let e = read_price_csv(&bad_num).unwrap_err().to_string();
        assert!(e.contains("line 3: adj_close 'abc' is not a number"), "{e}");

        let bad_date = write(dir.path(), "D.csv", "date,adj_close\n01/02/2025,1\n");
        let e = read_price_csv(&bad_date).unwrap_err().to_string();
        assert!(
            e.contains("line 2: date '01/02/2025' is not YYYY-MM-DD"),
            "{e}"
        );

        let source = CsvDirSource::new(dir.path());
        let e = source.load(&"NOPE".parse().unwrap()).unwrap_err();
        assert_eq!(e.exit_code(), crate::error::exit::DATA);
    }
}
