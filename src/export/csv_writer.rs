//! The run-level tables' CSV text, written by hand: the same bytes as polars' CSV writer with
//! its defaults (comma, `\n`, quotes only where needed, null as an empty cell, floats in their
//! shortest round-trip form by `zmij`, integers by `itoa`); a test checks it byte for byte. At a
//! million events the `days` table is 2.5 GB of text, and polars' serializers (a dynamic call
//! and a small copy per cell) were a large part of writing it; here a batch's rows are cut into
//! ranges formatted on every core, each straight into its own buffer (about a fifth less time
//! for the million-event run's write stage than polars' writer). Cells are read by row number
//! from each column's values (no iterator call per cell, nothing for a column all null), and
//! floats and dates are copied into the line at a fixed size rather than by a `memcpy` call
//! each (about a tenth less again).
//!
//! Dates are looked up in the text of each day of their span (`DateTexts`). A batch with a
//! column of another type (a boolean), or with dates centuries apart, goes to polars' writer
//! whole: the bytes are the same either way, only the cost differs.

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
    let dates = batch
        .columns()
        .iter()
        .map(DateTexts::of)
        .collect::<Result<Vec<_>>>()?;
    let all_written_here = batch
        .columns()
        .iter()
        .zip(&dates)
        .all(|(c, d)| supported(c.dtype()) || d.is_some());
    if !all_written_here {
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
            .map(|&(start, len)| rows_text(&batch.slice(start as i64, len), &dates))
            .collect();
        for text in texts {
            out.write_all(&text?).map_err(io)?;
        }
    }
    Ok(())
}

/// The text of each day of a date column's span, made once a batch: polars writes each date
/// cell through chrono's `Display`, about 700 instructions a date, and a batch's dates span a
/// few thousand days. The cells are looked up (the same `Display`, so the same bytes), with no
/// column of strings made for the writer (the `days` table has two dates a row, 22 million at a
/// million events).
struct DateTexts {
    first: i32,
    texts: Vec<DateText>,
}

/// Bytes kept for a date's text: chrono's longest (a six-digit year with its sign,
/// `+262142-12-31`) fits, and the whole of it is copied at once, a fixed-size copy.
const DATE_BYTES: usize = 16;

#[derive(Clone, Copy)]
struct DateText {
    bytes: [u8; DATE_BYTES],
    len: usize,
}

impl DateTexts {
    /// Wider spans (dates centuries apart) are left to polars.
    const MAX_SPAN: i64 = 1 << 20;

    /// The texts of `column`'s days; `None` for a column that is not a date, or whose span is
    /// too wide (its batch goes to polars).
    fn of(column: &Column) -> Result<Option<DateTexts>> {
        if column.dtype() != &DataType::Date {
            return Ok(None);
        }
        let days = date_days(column)?;
        let (first, last) = match (days.min(), days.max()) {
            (Some(first), Some(last)) => (first, last),
            // All null: no text to look up.
            _ => (0, -1),
        };
        if i64::from(last) - i64::from(first) >= Self::MAX_SPAN {
            return Ok(None);
        }
        let texts: Option<Vec<DateText>> = (first..=last)
            .map(|d| {
                let text = crate::util::from_epoch_days(d).to_string();
                let mut bytes = [0; DATE_BYTES];
                bytes
                    .get_mut(..text.len())?
                    .copy_from_slice(text.as_bytes());
                Some(DateText {
                    bytes,
                    len: text.len(),
                })
            })
            .collect();
        Ok(texts.map(|texts| DateTexts { first, texts }))
    }

    /// `day`'s text onto `line`.
    fn push(&self, day: i32, line: &mut Vec<u8>) {
        let text = &self.texts[(day - self.first) as usize];
        let len = line.len() + text.len;
        line.extend_from_slice(&text.bytes);
        line.truncate(len);
    }
}

/// A date column's days since 1970.
fn date_days(column: &Column) -> Result<&Int32Chunked> {
    let err = |e| polars_err("writing CSV", e);
    Ok(column
        .as_materialized_series()
        .date()
        .map_err(err)?
        .physical())
}

/// The column types written here without more ado (dates need their [`DateTexts`]); any other
/// sends its batch to polars.
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

/// One column of a range's rows, read by row number, each cell formatted as polars formats
/// its type. A column without a null is read straight from its values; one with nulls is
/// gathered once a range; one all null costs nothing a row.
enum Cells<'a> {
    Nulls,
    Floats(Values<'a, f64>),
    I32s(Values<'a, i32>),
    U32s(Values<'a, u32>),
    I64s(Values<'a, i64>),
    U64s(Values<'a, u64>),
    Dates(Values<'a, i32>, &'a DateTexts),
    Text(Vec<Option<&'a str>>),
}

/// A numeric column's values: in place when none is null, else gathered with their nulls.
enum Values<'a, T> {
    Whole(&'a [T]),
    Holes(Vec<Option<T>>),
}

impl<'a, T: Copy> Values<'a, T> {
    fn of<P>(ca: &'a ChunkedArray<P>) -> Values<'a, T>
    where
        P: PolarsNumericType<Native = T>,
    {
        match ca.cont_slice() {
            Ok(values) => Values::Whole(values),
            Err(_) => Values::Holes(ca.iter().collect()),
        }
    }

    fn get(&self, row: usize) -> Option<T> {
        match self {
            Values::Whole(values) => Some(values[row]),
            Values::Holes(values) => values[row],
        }
    }
}

impl<'a> Cells<'a> {
    /// The cells of `column`; a date column's texts are `dates`.
    fn of(column: &'a Column, dates: Option<&'a DateTexts>) -> Result<Cells<'a>> {
        let err = |e| polars_err("writing CSV", e);
        if column.null_count() == column.len() {
            return Ok(Cells::Nulls);
        }
        if let Some(texts) = dates {
            return Ok(Cells::Dates(Values::of(date_days(column)?), texts));
        }
        let series = column.as_materialized_series();
        Ok(match series.dtype() {
            DataType::Float64 => Cells::Floats(Values::of(series.f64().map_err(err)?)),
            DataType::Int32 => Cells::I32s(Values::of(series.i32().map_err(err)?)),
            DataType::UInt32 => Cells::U32s(Values::of(series.u32().map_err(err)?)),
            DataType::Int64 => Cells::I64s(Values::of(series.i64().map_err(err)?)),
            DataType::UInt64 => Cells::U64s(Values::of(series.u64().map_err(err)?)),
            _ => Cells::Text(series.str().map_err(err)?.iter().collect()),
        })
    }

    /// Row `row`'s cell onto `line`; nothing when it is null.
    fn write(&self, row: usize, line: &mut Vec<u8>, floats: &mut zmij::Buffer) {
        match self {
            Cells::Nulls => {}
            Cells::Floats(v) => {
                if let Some(v) = v.get(row) {
                    push_float(line, floats, v);
                }
            }
            Cells::I32s(v) => push_integer(line, v.get(row)),
            Cells::U32s(v) => push_integer(line, v.get(row)),
            Cells::I64s(v) => push_integer(line, v.get(row)),
            Cells::U64s(v) => push_integer(line, v.get(row)),
            Cells::Dates(days, texts) => {
                if let Some(day) = days.get(row) {
                    texts.push(day, line);
                }
            }
            Cells::Text(texts) => {
                if let Some(text) = texts[row] {
                    text_cell(line, text);
                }
            }
        }
    }
}

/// An integer cell onto `line`, as polars writes it (`itoa`); nothing when it is null.
fn push_integer<T: itoa::Integer>(line: &mut Vec<u8>, value: Option<T>) {
    if let Some(value) = value {
        line.extend_from_slice(itoa::Buffer::new().format(value).as_bytes());
    }
}

/// Bytes copied for every float: the whole of zmij's buffer, a copy of fixed size (a couple
/// of vector moves) where the text's own length would call `memcpy`, a sixth of the text's
/// cost at a million events (`perf`). Only the text's bytes are counted into `line`.
const FLOAT_BYTES: usize = std::mem::size_of::<zmij::Buffer>();

/// `v` in its shortest round-trip form onto `line`, as polars writes it.
fn push_float(line: &mut Vec<u8>, buffer: &mut zmij::Buffer, v: f64) {
    if v.is_finite() {
        let text = buffer.format_finite(v);
        let (at, len) = (text.as_ptr() as usize, text.len());
        let start: *const u8 = (buffer as *const zmij::Buffer).cast();
        // zmij writes from its buffer's start; should it ever not, the plain copy follows.
        if at == start as usize && len <= FLOAT_BYTES {
            line.reserve(FLOAT_BYTES);
            // SAFETY: `start` points at the buffer's FLOAT_BYTES bytes and the line has room
            // for as many past its end; a plain byte copy (of bytes that may be uninitialized
            // past the text) into spare capacity, of which only the text's `len` bytes,
            // written by zmij, become part of the line.
            unsafe {
                let end = line.as_mut_ptr().add(line.len());
                std::ptr::copy_nonoverlapping(start, end, FLOAT_BYTES);
                line.set_len(line.len() + len);
            }
            return;
        }
    }
    line.extend_from_slice(buffer.format(v).as_bytes());
}

/// The rows of `frame` as CSV lines; `dates` holds the texts of its date columns.
fn rows_text(frame: &DataFrame, dates: &[Option<DateTexts>]) -> Result<Vec<u8>> {
    let cells = frame
        .columns()
        .iter()
        .zip(dates)
        .map(|(column, texts)| Cells::of(column, texts.as_ref()))
        .collect::<Result<Vec<_>>>()?;
    // About a dozen bytes a cell: one allocation for most ranges.
    let mut text = Vec::with_capacity(frame.height() * (frame.width() * 14 + 1));
    let mut floats = zmij::Buffer::new();
    for row in 0..frame.height() {
        for (i, column) in cells.iter().enumerate() {
            if i > 0 {
                text.push(b',');
            }
            column.write(row, &mut text, &mut floats);
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
        // Columns all null, and columns in pieces (two frames stacked), are polars' text too.
        let mut f = frame(300, 10);
        f.vstack_mut(&frame(ROWS_PER_RANGE + 5, 11)).unwrap();
        assert!(f.column("value").unwrap().n_chunks() > 1);
        let nothing = Series::full_null("nothing".into(), f.height(), &DataType::Float64);
        f.with_column(nothing.into_column()).unwrap();
        assert_eq!(ours(&f, true), polars_text(&f, true));
        // The awkward floats really went through the hand-written path.
        let text = String::from_utf8(ours(&frame(2_000, 9), true)).unwrap();
        for needle in [
            ",-0.0,", "1e-7", "1e+16", "0.000015", "5e-324", "NaN", "-inf", "\"a,b\"",
        ] {
            assert!(text.contains(needle), "{needle} not written");
        }
    }

    /// A batch with a column this writer does not format (a boolean) is polars' text whole.
    #[test]
    fn other_columns_go_to_polars() {
        let mut f = frame(100, 5);
        let flags = Series::new(
            "flag".into(),
            (0..100).map(|i| i % 3 == 0).collect::<Vec<_>>(),
        );
        f.with_column(flags.into_column()).unwrap();
        assert!(!supported(f.column("flag").unwrap().dtype()));
        assert_eq!(ours(&f, true), polars_text(&f, true));
    }

    /// Date columns, whole or with nulls, across more than one range, are polars' text byte for
    /// byte; so is a batch whose dates span too wide for a lookup (written by polars).
    #[test]
    fn dates_are_polars_byte_for_byte() {
        let rows = ROWS_PER_RANGE + 100;
        let date = |name: &str, days: Vec<Option<i32>>| {
            Series::new(name.into(), days)
                .cast(&DataType::Date)
                .unwrap()
                .into_column()
        };
        let mut f = frame(rows, 6);
        // 1998-02-28 onwards, leap days and year ends among them; then with nulls.
        let whole: Vec<Option<i32>> = (0..rows)
            .map(|i| Some(10_285 + (i % 4_000) as i32))
            .collect();
        let holes: Vec<Option<i32>> = (0..rows)
            .map(|i| (i % 4 != 1).then_some(-400 + (i % 900) as i32))
            .collect();
        f.with_column(date("date", whole)).unwrap();
        f.with_column(date("event_date", holes)).unwrap();
        f.with_column(date("none", vec![None; rows])).unwrap();
        let text = ours(&f, true);
        assert_eq!(text, polars_text(&f, true));
        assert!(String::from_utf8(text).unwrap().contains(",2000-02-29,"));
        // A span too wide to look up.
        let mut wide = frame(10, 7);
        let far: Vec<Option<i32>> = (0..10).map(|i| Some(i * 300_000 - 1_000_000)).collect();
        wide.with_column(date("far", far)).unwrap();
        assert!(DateTexts::of(wide.column("far").unwrap())
            .unwrap()
            .is_none());
        assert_eq!(ours(&wide, false), polars_text(&wide, false));
    }
}
