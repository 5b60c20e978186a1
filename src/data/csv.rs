//! The `csv:DIR` source: one `<SYMBOL>.csv` per symbol, `date,...,close,adj_close,...`.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use polars::prelude::*;

use crate::data::prices::{col, polars_err, PriceFrame};
use crate::data::PriceSource;
use crate::error::{Error, Result};
use crate::ticker::Ticker;
use crate::util::iso_day;

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
        // Say what is there: nothing, a folder, a link to nothing (symlink_metadata sees the
        // link itself).
        match std::fs::symlink_metadata(&path) {
            Err(_) => Err(Error::data(format!(
                "no price data for {ticker}: {} does not exist",
                path.display()
            ))),
            Ok(m) if m.is_dir() => Err(Error::input(&path, "is a folder, not a price file")),
            Ok(_) if !path.exists() => Err(Error::input(
                &path,
                "is a link to nothing (its target does not exist)",
            )),
            Ok(_) => read_price_csv(&path),
        }
    }

    fn describe(&self) -> String {
        format!("csv:{}", self.dir.display())
    }
}

/// Reads one price CSV. Needs `date` and `adj_close`; `close` is optional. Empty cells, `null`
/// and `NaN` are missing values. Every other problem names the file, row and column.
///
/// A plain file (no quotes, every row as wide as the header: what Yahoo, pandas and the
/// `synthetic` panels write) is split by hand; anything else goes through polars' reader. Both
/// hand the same text cells to the same parsing, so they read the same frame; the plain path
/// only spares polars' per-file set-up and its text columns, most of the time a batch of many
/// firms spends loading.
pub fn read_price_csv(path: &Path) -> Result<PriceFrame> {
    // A file that cannot be read is the input's problem (exit 2), not a failed write.
    let bytes = std::fs::read(path)
        .map_err(|e| Error::input(path, format!("cannot read the price file: {e}")))?;
    let text = std::str::from_utf8(&bytes).map_err(|e| {
        let at = e.valid_up_to();
        let line = 1 + bytes[..at].iter().filter(|&&b| b == b'\n').count();
        Error::input(
            path,
            format!(
                "line {line}: bytes that are not UTF-8 text (a binary file, or another encoding?)"
            ),
        )
    })?;
    match PlainCsv::split(text) {
        Some(table) => frame_from_cells(path, &table.names, |name| table.column(name)),
        None => read_with_polars(path),
    }
}

/// The polars path: any CSV polars reads (quoted cells, ragged rows, a byte-order mark).
fn read_with_polars(path: &Path) -> Result<PriceFrame> {
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
    // The columns the frame reads, as text, held here so that their cells can be borrowed.
    let texts = [col::DATE, col::ADJ_CLOSE, col::CLOSE, col::VOLUME]
        .into_iter()
        .filter(|c| names.iter().any(|n| n == c))
        .map(|c| Ok((c, text_column(&df, c)?)))
        .collect::<Result<Vec<_>>>()?;
    frame_from_cells(path, &names, |name| {
        let (_, text) = texts
            .iter()
            .find(|(c, _)| *c == name)
            .ok_or_else(|| Error::Internal(format!("no column {name}")))?;
        Ok(text.iter().collect())
    })
}

/// A CSV without quotes split into its cells, borrowed from the file's bytes.
struct PlainCsv<'a> {
    names: Vec<String>,
    /// Row-major: row r's cell c is `cells[r * names.len() + c]`.
    cells: Vec<&'a str>,
}

impl<'a> PlainCsv<'a> {
    /// The file's header and cells, or `None` when the file is not plain: empty, a byte-order
    /// mark, a quote anywhere, an empty, unnamed or repeated column name, an empty line before
    /// the last, or a row of another width than the header. Those are polars'. (The caller has
    /// checked that the bytes are UTF-8, and said where when they are not.)
    fn split(text: &'a str) -> Option<Self> {
        if text.is_empty() || text.starts_with('\u{feff}') || text.contains('"') {
            return None;
        }
        let (header, body) = text.split_once('\n').unwrap_or((text, ""));
        let header = header.strip_suffix('\r').unwrap_or(header);
        let names: Vec<String> = header.split(',').map(str::to_string).collect();
        let unique = names.iter().collect::<std::collections::HashSet<_>>().len() == names.len();
        if !unique || names.iter().any(String::is_empty) {
            return None;
        }
        let cells = Self::cells(body, names.len())?;
        Some(PlainCsv { names, cells })
    }

    /// The rows' cells, row after row, in one pass over the bytes (a `str::split` per line
    /// and per cell cost more than the parsing); `None` at an empty line or a row of another
    /// width. A last line without its newline counts.
    fn cells(body: &'a str, width: usize) -> Option<Vec<&'a str>> {
        let bytes = body.as_bytes();
        let mut cells = Vec::with_capacity(bytes.len() / 8);
        let (mut cell_start, mut line_start, mut row_start) = (0, 0, 0);
        for (i, &b) in bytes.iter().enumerate() {
            match b {
                b',' => {
                    cells.push(&body[cell_start..i]);
                    cell_start = i + 1;
                }
                b'\n' => {
                    let end = if bytes[..i].ends_with(b"\r") {
                        i - 1
                    } else {
                        i
                    };
                    if end <= line_start {
                        return None;
                    }
                    cells.push(&body[cell_start..end]);
                    if cells.len() - row_start != width {
                        return None;
                    }
                    (cell_start, line_start, row_start) = (i + 1, i + 1, cells.len());
                }
                _ => {}
            }
        }
        if line_start < bytes.len() {
            let end = bytes.len() - usize::from(bytes.ends_with(b"\r"));
            cells.push(&body[cell_start..end]);
            if end <= line_start || cells.len() - row_start != width {
                return None;
            }
        }
        Some(cells)
    }

    /// A column's cells from top to bottom; an empty cell is missing, as polars reads it.
    fn column(&self, name: &str) -> Result<Vec<Option<&'a str>>> {
        let width = self.names.len();
        let at = self
            .names
            .iter()
            .position(|n| n == name)
            .ok_or_else(|| Error::Internal(format!("no column {name}")))?;
        Ok(self
            .cells
            .chunks_exact(width)
            .map(|row| Some(row[at]).filter(|c| !c.is_empty()))
            .collect())
    }
}

/// The price frame from a CSV's column names and text cells (`column` gives a column's cells,
/// top to bottom): checks the columns, then parses every cell, naming the first bad one.
/// A date on two rows would make the calendar ambiguous: an input error naming both lines.
fn refuse_repeated_dates(path: &Path, dates: &[NaiveDate]) -> Result<()> {
    // Most files are in date order, where a repeat sits next to its twin: no map needed.
    if dates.windows(2).all(|w| w[0] < w[1]) {
        return Ok(());
    }
    let mut first_row: std::collections::HashMap<NaiveDate, usize> =
        std::collections::HashMap::with_capacity(dates.len());
    for (i, date) in dates.iter().enumerate() {
        if let Some(&j) = first_row.get(date) {
            return Err(Error::input(
                path,
                format!(
                    "lines {} and {} both have the date {date}",
                    line(j),
                    line(i)
                ),
            ));
        }
        first_row.insert(*date, i);
    }
    Ok(())
}

fn frame_from_cells<'c>(
    path: &Path,
    names: &[String],
    column: impl Fn(&str) -> Result<Vec<Option<&'c str>>>,
) -> Result<PriceFrame> {
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

    let dates = column(col::DATE)?
        .into_iter()
        .enumerate()
        .map(|(i, v)| parse_date(v, i).map_err(|m| Error::input(path, m)))
        .collect::<Result<Vec<NaiveDate>>>()?;
    refuse_repeated_dates(path, &dates)?;
    let number_column = |name: &str| -> Result<Vec<Option<f64>>> {
        column(name)?
            .into_iter()
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

/// The file's line number of data row `index` (the header is line 1).
fn line(index: usize) -> usize {
    index + 2
}

fn parse_date(raw: Option<&str>, index: usize) -> std::result::Result<NaiveDate, String> {
    // The common cell, `YYYY-MM-DD` without spaces, needs no trimming.
    if let Some(day) = raw.and_then(iso_day) {
        return Ok(day);
    }
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
    if let Some(value) = raw.and_then(plain_decimal) {
        return Ok(Some(value));
    }
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

/// Powers of ten up to the most decimals a plain decimal can have.
const POWERS_OF_TEN: [f64; 16] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
];

/// A plain decimal (`49.1969`, `-0.5`, `1200`: an optional minus, digits, at most one point)
/// of at most 15 digits, leading zeros included, the usual price cell; `None` for anything
/// else, which `str::parse` then reads.
///
/// The value is the digits as an integer divided by a power of ten. Both are exact in an f64
/// (below 2^53 and 10^22), so the one division rounds correctly: the same bits `str::parse`
/// gives, which takes this very path (Clinger's) itself after its general checks.
fn plain_decimal(raw: &str) -> Option<f64> {
    let (negative, digits) = match raw.as_bytes() {
        [b'-', rest @ ..] => (true, rest),
        all => (false, all),
    };
    let (mut mantissa, mut count, mut point) = (0u64, 0usize, None);
    for (i, &c) in digits.iter().enumerate() {
        match c {
            b'0'..=b'9' if count < 15 => {
                mantissa = mantissa * 10 + u64::from(c - b'0');
                count += 1;
            }
            b'.' if point.is_none() => point = Some(i),
            _ => return None,
        }
    }
    if count == 0 {
        return None;
    }
    let decimals = point.map_or(0, |p| digits.len() - 1 - p);
    let value = mantissa as f64 / POWERS_OF_TEN.get(decimals)?;
    Some(if negative { -value } else { value })
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

    /// Plain files, each with something polars' reader and the hand split must agree on.
    const PLAIN: [&str; 7] = [
        "date,close,adj_close\r\n2025-01-02,1,-.5\r\n2025-01-03,2,-0\r",
        "date,adj_close\n2025-01-02,01.50\n2025-01-03,1234567890.12345\n2025-01-06,1e2\n",
        "date,open,high,low,close,adj_close,volume\n\
         2025-01-03,1,1,1,10.5,10.0,5\n\
         2025-01-02,1,1,1,,9.0,5\n",
        "date,adj_close\r\n2025-01-02,88.3\r\n2025-01-03, 89.1 \r\n",
        "date,close,adj_close\n2025-01-02,null,NaN\n2025-01-03,2,2.5e1",
        "adj_close,date,volume,note\n1.5,2025-01-06 00:00:00-05:00,,x\n2.5,2025-1-3,0,\n",
        "date,adj_close\n",
    ];

    #[test]
    fn the_hand_split_reads_what_polars_reads() {
        let dir = tempfile::tempdir().unwrap();
        for (i, text) in PLAIN.iter().enumerate() {
            assert!(PlainCsv::split(text).is_some(), "case {i} is plain");
            let p = write(dir.path(), &format!("P{i}.csv"), text);
            match (read_price_csv(&p), read_with_polars(&p)) {
                (Ok(hand), Ok(polars)) => assert!(
                    hand.frame().equals_missing(polars.frame()),
                    "case {i}: {hand:?} against {polars:?}"
                ),
                (Err(hand), Err(polars)) => assert_eq!(hand.to_string(), polars.to_string()),
                (hand, polars) => panic!("case {i}: {hand:?} against {polars:?}"),
            }
        }
        // The cells themselves: trimmed only by the parsing, empty ones missing.
        let t = PlainCsv::split(PLAIN[5]).unwrap();
        assert_eq!(t.column("volume").unwrap(), [None, Some("0")]);
        assert_eq!(t.column("adj_close").unwrap(), [Some("1.5"), Some("2.5")]);
        let f = read_price_csv(&dir.path().join("P4.csv")).unwrap();
        assert_eq!(f64_column(f.frame(), col::ADJ_CLOSE).unwrap()[1], 25.0);
    }

    /// Random files of plain cells, good and bad: the hand split and polars' reader give the
    /// same frame, or the same error, for every one.
    #[test]
    fn random_plain_files_read_the_same_both_ways() {
        let dates = [
            "2025-01-02",
            "2025-01-03",
            "2025-01-06",
            " 2025-01-07",
            "2025-1-8",
            "x",
        ];
        let numbers = [
            "1.5",
            "-0.25",
            "",
            " 2 ",
            "null",
            "NaN",
            "1e3",
            "0",
            "12345678901234567",
            "abc",
            ".5",
        ];
        let headers = [
            "date,close,adj_close",
            "date,adj_close,volume",
            "adj_close,date",
            "date,close,adj_close,volume,note",
        ];
        let mut word = crate::testing::xorshift(0x853c_49e6_748f_ea9b);
        let mut next = move |n: usize| (word() % n as u64) as usize;
        let dir = tempfile::tempdir().unwrap();
        let (mut read, mut refused) = (0, 0);
        for case in 0..400 {
            let header = headers[next(headers.len())];
            let ending = ["\n", "\r\n"][next(2)];
            let mut text = format!("{header}{ending}");
            let rows = next(6);
            for row in 0..rows {
                let cells: Vec<&str> = header
                    .split(',')
                    .map(|name| match name {
                        // Mostly good dates in order, sometimes a bad or repeated one.
                        "date" if next(8) > 0 => dates[row.min(dates.len() - 1) % 3 + row / 3],
                        "date" => dates[next(dates.len())],
                        _ if next(4) > 0 => numbers[next(2)],
                        _ => numbers[next(numbers.len())],
                    })
                    .collect();
                text.push_str(&cells.join(","));
                if row + 1 < rows || next(2) == 0 {
                    text.push_str(ending);
                }
            }
            if PlainCsv::split(&text).is_none() {
                continue;
            }
            let p = write(dir.path(), &format!("R{case}.csv"), &text);
            match (read_price_csv(&p), read_with_polars(&p)) {
                (Ok(hand), Ok(polars)) => {
                    assert!(
                        hand.frame().equals_missing(polars.frame()),
                        "{text:?}: {hand:?} against {polars:?}"
                    );
                    read += 1;
                }
                (Err(hand), Err(polars)) => {
                    assert_eq!(hand.to_string(), polars.to_string(), "{text:?}");
                    refused += 1;
                }
                (hand, polars) => panic!("{text:?}: {hand:?} against {polars:?}"),
            }
        }
        // Both outcomes are exercised, many times.
        assert!(read > 50 && refused > 50, "{read} read, {refused} refused");
    }

    #[test]
    fn files_that_are_not_plain_go_to_polars() {
        let not_plain = [
            "",
            "\u{feff}date,adj_close\n2025-01-02,1\n",
            "date,adj_close\n\"2025-01-02\",1\n",
            "date,adj_close\n2025-01-02,1,9\n",
            "date,adj_close\n2025-01-02\n",
            "date,adj_close\n\n2025-01-02,1\n",
            "date,adj_close\n2025-01-02,1\n\r\n",
            "date,adj_close\n2025-01-02,1\n\r",
            "date,adj_close\n2025-01-02,1\n\n",
            "date,date\n2025-01-02,1\n",
            "date,,adj_close\n2025-01-02,1,1\n",
        ];
        for text in not_plain {
            assert!(PlainCsv::split(text).is_none(), "{text:?}");
        }
        // Quoted cells still read, through polars.
        let dir = tempfile::tempdir().unwrap();
        // Not UTF-8: neither path reads it; the reader says where.
        let binary = dir.path().join("B.csv");
        std::fs::write(&binary, [b'd', b'\n', b'd', 0xff, b'\n']).unwrap();
        let e = read_price_csv(&binary).unwrap_err().to_string();
        assert!(
            e.contains("line 2: bytes that are not UTF-8"),
            "not UTF-8: {e}"
        );
        let p = write(
            dir.path(),
            "Q.csv",
            "date,adj_close\n\"2025-01-02\",\"1.5\"\n2025-01-03,2\n",
        );
        let f = read_price_csv(&p).unwrap();
        assert_eq!(f64_column(f.frame(), col::ADJ_CLOSE).unwrap(), [1.5, 2.0]);
    }

    /// The plain path gives `str::parse`'s bits, or leaves the cell to it.
    #[test]
    fn plain_decimals_are_read_to_the_bit() {
        let fixed = [
            "0",
            "-0",
            "0.1",
            "-0.1",
            ".5",
            "5.",
            "49.1969",
            "123456789012345",
            "0.00000000000001",
            "900719925474.099",
            "1.79769313486231",
        ];
        for cell in fixed {
            let parsed: f64 = cell.parse().unwrap();
            assert_eq!(
                plain_decimal(cell).map(f64::to_bits),
                Some(parsed.to_bits()),
                "{cell}"
            );
        }
        // Left to `str::parse`: too many digits or decimals, signs, exponents, words.
        let others = [
            "1234567890123456",
            "0.000000000000000000001",
            "1.7976931348623157",
            "+1",
            "1e5",
            "--1",
            "1.2.3",
            "-",
            ".",
            "",
            " 1",
            "nan",
            "inf",
            "1_0",
        ];
        for cell in others {
            assert_eq!(plain_decimal(cell), None, "{cell}");
        }
        // Random cells of 1 to 15 digits, the point anywhere, either sign.
        let mut word = crate::testing::xorshift(0x2545_f491_4f6c_dd1d);
        for _ in 0..200_000 {
            let state = word();
            let digits = (state % 15 + 1) as usize;
            let text: String = (0..digits)
                .map(|i| char::from(b'0' + ((state >> (4 + 3 * i)) % 10) as u8))
                .collect();
            let point = (state >> 50) as usize % (digits + 1);
            let sign = if state >> 63 == 1 { "-" } else { "" };
            let cell = format!("{sign}{}.{}", &text[..point], &text[point..]);
            let parsed: f64 = cell.parse().unwrap();
            assert_eq!(
                plain_decimal(&cell).map(f64::to_bits),
                Some(parsed.to_bits()),
                "{cell}"
            );
        }
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
