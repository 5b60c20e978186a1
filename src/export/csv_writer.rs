//! The run-level tables' CSV text, written by hand: the same bytes as polars' CSV writer with
//! its defaults (comma, `\n`, quotes only where needed, null as an empty cell, floats in their
//! shortest round-trip form by `zmij`, integers by `itoa`); a test checks it byte for byte. At a
//! million events the `days` table is 2.5 GB of text, and polars' serializers (a dynamic call
//! and a small copy per cell) were a large part of writing it; here a batch's rows are cut into
//! ranges formatted on every core, each straight into its own buffer. The million-event run's
//! write stage went from 21.5 to 22.0 s to 17.1 to 18.9 s.
//!
//! A batch with a column of another type (a date left as a date, a boolean) goes to polars'
//! writer whole: the bytes are the same either way, only the cost differs.

use std::io::Write;

use polars::prelude::*;
use rayon::prelude::*;

use crate::error::{polars_err, Result};

/// Rows per range formatted at once: big enough that a range's set-up is nothing, small enough
/// that the ranges of a batch spread over the cores.
const ROWS_PER_RANGE: usize = 16_384;

/// Writes `batch` as CSV text to `out`, after its header line when `header` is set.
pub fn write_batch(batch: &DataFrame, header: bool, out: &mut impl Write) -> Result<()> {
    let io = |e: std::io::Error| polars_err("writing CSV", e);
    if !batch.columns().iter().all(|c| supported(c.dtype())) {
        return CsvWriter::new(out)
            .include_header(header)
            .finish(&mut batch.clone())
            .map_err(|e| polars_err("writing CSV", e));
    }
    if header {
        let mut line = Vec::new();
        for (i, name) in batch.get_column_names().iter().enumerate() {
            if i > 0 {
                line.push(b',');
            }
            text_cell(&mut line, name.as_str());
        }
        line.push(b'\n');
        out.write_all(&line).map_err(io)?;
    }
    let rows = batch.height();
    let ranges: Vec<(usize, usize)> = (0..rows)
        .step_by(ROWS_PER_RANGE)
        .map(|start| (start, ROWS_PER_RANGE.min(rows - start)))
        .collect();
    // A few ranges at a time, in order: their text is written before the next ones are made,
    // so a batch's text is never all in memory at once.
    let threads = rayon::current_num_threads().max(1);
    for group in ranges.chunks(threads * 2) {
        let texts: Vec<Result<Vec<u8>>> = group
            .par_iter()
            .map(|&(start, len)| rows_text(&batch.slice(start as i64, len)))
            .collect();
        for text in texts {
            out.write_all(&text?).map_err(io)?;
        }
    }
    Ok(())
}

/// The column types written here; any other sends its batch to polars.
fn supported(dtype: &DataType) -> bool {
    matches!(
        dtype,
        DataType::Float64
            | DataType::UInt32
            | DataType::Int32
            | DataType::UInt64
            | DataType::Int64
            | DataType::String
    )
}

/// One column's cells in row order, each formatted as polars formats its type. A column
/// without a null in one piece (most: ids, days, returns) is read as a plain slice; the others
/// through polars' iterator, a call per cell.
enum Cells<'a> {
    Floats(std::slice::Iter<'a, f64>),
    Float(Box<dyn Iterator<Item = Option<f64>> + 'a>),
    I32s(std::slice::Iter<'a, i32>),
    U32s(std::slice::Iter<'a, u32>),
    Signed(Box<dyn Iterator<Item = Option<i64>> + 'a>),
    Unsigned(Box<dyn Iterator<Item = Option<u64>> + 'a>),
    Text(Box<dyn Iterator<Item = Option<&'a str>> + 'a>),
}

impl<'a> Cells<'a> {
    fn of(column: &'a Column) -> Result<Cells<'a>> {
        let err = |e| polars_err("writing CSV", e);
        let series = column.as_materialized_series();
        Ok(match series.dtype() {
            DataType::Float64 => {
                let ca = series.f64().map_err(err)?;
                match ca.cont_slice() {
                    Ok(values) => Cells::Floats(values.iter()),
                    Err(_) => Cells::Float(Box::new(ca.iter())),
                }
            }
            DataType::Int32 => {
                let ca = series.i32().map_err(err)?;
                match ca.cont_slice() {
                    Ok(values) => Cells::I32s(values.iter()),
                    Err(_) => Cells::Signed(Box::new(ca.iter().map(|v| v.map(i64::from)))),
                }
            }
            DataType::UInt32 => {
                let ca = series.u32().map_err(err)?;
                match ca.cont_slice() {
                    Ok(values) => Cells::U32s(values.iter()),
                    Err(_) => Cells::Unsigned(Box::new(ca.iter().map(|v| v.map(u64::from)))),
                }
            }
            DataType::Int64 => Cells::Signed(Box::new(series.i64().map_err(err)?.iter())),
            DataType::UInt64 => Cells::Unsigned(Box::new(series.u64().map_err(err)?.iter())),
            _ => Cells::Text(Box::new(series.str().map_err(err)?.iter())),
        })
    }

    /// The next row's cell; `None` when it is null (or past the end).
    fn next(&mut self) -> Option<Cell<'a>> {
        match self {
            Cells::Floats(cells) => cells.next().map(|&v| Cell::Float(v)),
            Cells::Float(cells) => cells.next().flatten().map(Cell::Float),
            Cells::I32s(cells) => cells.next().map(|&v| Cell::Signed(v.into())),
            Cells::U32s(cells) => cells.next().map(|&v| Cell::Unsigned(v.into())),
            Cells::Signed(cells) => cells.next().flatten().map(Cell::Signed),
            Cells::Unsigned(cells) => cells.next().flatten().map(Cell::Unsigned),
            Cells::Text(cells) => cells.next().flatten().map(Cell::Text),
        }
    }
}

/// One cell's value.
enum Cell<'a> {
    Float(f64),
    Signed(i64),
    Unsigned(u64),
    Text(&'a str),
}

impl Cell<'_> {
    /// The cell's text onto `line`, as polars writes its type.
    fn write(self, line: &mut Vec<u8>, floats: &mut zmij::Buffer) {
        let mut integers = itoa::Buffer::new();
        match self {
            Cell::Float(v) => line.extend_from_slice(floats.format(v).as_bytes()),
            Cell::Signed(v) => line.extend_from_slice(integers.format(v).as_bytes()),
            Cell::Unsigned(v) => line.extend_from_slice(integers.format(v).as_bytes()),
            Cell::Text(s) => text_cell(line, s),
        }
    }
}

/// The rows of `frame` as CSV lines.
fn rows_text(frame: &DataFrame) -> Result<Vec<u8>> {
    let mut cells = frame
        .columns()
        .iter()
        .map(Cells::of)
        .collect::<Result<Vec<_>>>()?;
    // About a dozen bytes a cell: one allocation for most ranges.
    let mut text = Vec::with_capacity(frame.height() * (frame.width() * 14 + 1));
    let mut floats = zmij::Buffer::new();
    for _ in 0..frame.height() {
        for (i, column) in cells.iter_mut().enumerate() {
            if i > 0 {
                text.push(b',');
            }
            if let Some(cell) = column.next() {
                cell.write(&mut text, &mut floats);
            }
        }
        text.push(b'\n');
    }
    Ok(text)
}

/// A text cell as polars writes it by default: an empty string as `""` (an empty cell is
/// null), a string holding a comma, a quote or a line break quoted with its quotes doubled,
/// any other as it is.
fn text_cell(line: &mut Vec<u8>, s: &str) {
    if s.is_empty() {
        line.extend_from_slice(b"\"\"");
    } else if s.bytes().any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r')) {
        line.push(b'"');
        for b in s.bytes() {
            if b == b'"' {
                line.push(b'"');
            }
            line.push(b);
        }
        line.push(b'"');
    } else {
        line.extend_from_slice(s.as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::xorshift;

    fn polars_text(frame: &DataFrame, header: bool) -> Vec<u8> {
        let mut out = Vec::new();
        CsvWriter::new(&mut out)
            .include_header(header)
            .finish(&mut frame.clone())
            .unwrap();
        out
    }

    fn ours(frame: &DataFrame, header: bool) -> Vec<u8> {
        let mut out = Vec::new();
        write_batch(frame, header, &mut out).unwrap();
        out
    }

    /// Floats polars and a hand-written formatter could disagree on: zeros of both signs,
    /// integral values, the ends of the positional and the exponent forms, subnormals, the
    /// extremes, and values that are not finite (written when not null).
    const AWKWARD: [f64; 22] = [
        0.0,
        -0.0,
        1.0,
        -2.0,
        0.1,
        1e-7,
        1.5e-5,
        123456.789,
        1e15,
        1e16,
        1.7976931348623157e308,
        5e-324,
        2.2250738585072014e-308,
        -0.000123,
        0.30000000000000004,
        9007199254740993.0,
        1e21,
        1e22,
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        -1234.5e-300,
    ];

    /// A frame of every supported type, with and without nulls (read as slices or through
    /// polars' iterators), awkward values, random floats of every magnitude and strings that
    /// need quotes, more rows than one range.
    fn frame(rows: usize, seed: u64) -> DataFrame {
        let mut next = xorshift(seed);
        let mut float = || {
            let bits = next();
            match bits % 5 {
                0 => None,
                1 => Some(AWKWARD[(bits >> 8) as usize % AWKWARD.len()]),
                2 => Some(f64::from_bits(bits >> 1) * if bits & 1 == 0 { 1.0 } else { -1.0 }),
                _ => Some(((bits >> 11) as f64 / (1u64 << 53) as f64 - 0.5) * 0.1),
            }
        };
        let floats: Vec<Option<f64>> = (0..rows).map(|_| float()).collect();
        let mut next = xorshift(seed ^ 0xabcdef);
        let texts = [
            "NVDA",
            "",
            "BRK.B",
            "^GSPC",
            "a,b",
            "say \"hi\"",
            "line\nbreak",
            "cr\r",
        ];
        let strings: Vec<Option<&str>> = (0..rows)
            .map(|_| {
                let r = next();
                (!r.is_multiple_of(9)).then(|| texts[(r >> 8) as usize % texts.len()])
            })
            .collect();
        let ints: Vec<Option<i32>> = (0..rows)
            .map(|i| (i % 7 != 3).then_some(i as i32 - 1000))
            .collect();
        let longs: Vec<i64> = (0..rows)
            .map(|i| i64::MIN + i as i64 * 7_919_000_000_000)
            .collect();
        let ids: Vec<u32> = (0..rows).map(|i| u32::MAX - i as u32).collect();
        let counts: Vec<Option<u64>> = (0..rows)
            .map(|i| (!i.is_multiple_of(5)).then_some(u64::MAX - i as u64))
            .collect();
        df!(
            "id" => ids,
            "ticker" => strings,
            "rel" => ints,
            "day" => (0..rows).map(|i| i as i32 * 3 - 50).collect::<Vec<_>>(),
            "long" => longs,
            "count" => counts,
            "value" => floats,
            "plain, \"name\"" => (0..rows).map(|i| i as f64 / 8.0).collect::<Vec<_>>(),
        )
        .unwrap()
    }

    #[test]
    fn the_text_is_polars_byte_for_byte() {
        for (rows, seed) in [(0, 1), (1, 2), (7, 3), (ROWS_PER_RANGE * 5 + 17, 4)] {
            let f = frame(rows, seed);
            for header in [true, false] {
                let (want, got) = (polars_text(&f, header), ours(&f, header));
                assert!(
                    want == got,
                    "{rows} rows, header {header}: first difference at byte {:?}",
                    want.iter().zip(&got).position(|(a, b)| a != b)
                );
            }
        }
        // The awkward floats really went through the hand-written path.
        let text = String::from_utf8(ours(&frame(2_000, 9), true)).unwrap();
        for needle in [
            ",-0.0,", "1e-7", "1e+16", "0.000015", "5e-324", "NaN", "-inf", "\"a,b\"",
        ] {
            assert!(text.contains(needle), "{needle} not written");
        }
    }

    /// A batch with a column this writer does not format (a date) is polars' text whole.
    #[test]
    fn other_columns_go_to_polars() {
        let mut f = frame(100, 5);
        let dates = Series::new("date".into(), (0..100).collect::<Vec<i32>>())
            .cast(&DataType::Date)
            .unwrap();
        f.with_column(dates.into_column()).unwrap();
        assert!(!supported(f.column("date").unwrap().dtype()));
        assert_eq!(ours(&f, true), polars_text(&f, true));
    }
}
