//! Prices from memory: one long table (`symbol, date, adj_close[, close, volume]`, a row per
//! symbol and day) handed in by a program, a notebook's DataFrame for instance, rather than read
//! from files or the network. It is split by symbol once; each symbol's frame is then what a
//! CSV file of the same rows would give.

use std::collections::HashMap;

use polars::prelude::*;

use super::prices::{col, PriceFrame};
use super::PriceSource;
use crate::error::{polars_err, Error, Result};
use crate::ticker::Ticker;
use crate::util::{epoch_days, parse_day};

/// The columns a long price table must have.
const REQUIRED: [&str; 3] = ["symbol", "date", "adj_close"];

/// A [`PriceSource`] over a long table of prices held in memory.
#[derive(Debug)]
pub struct FrameSource {
    /// Each symbol's frame, or why its rows cannot make one (a repeated date): the error is
    /// the symbol's events' exclusion, as a bad file's would be.
    symbols: HashMap<Ticker, Result<PriceFrame>>,
    rows: usize,
}

impl FrameSource {
    /// Splits `prices` by symbol. `date` may be a date, a datetime (its date is taken) or
    /// `YYYY-MM-DD` text; the prices any numeric type. A missing column, a symbol that is not
    /// one, or a date that does not parse is an error naming it.
    pub fn new(prices: &DataFrame) -> Result<Self> {
        for name in REQUIRED {
            if prices.column(name).is_err() {
                return Err(Error::usage(format!(
                    "the prices table has no '{name}' column (it needs symbol, date and adj_close; close and volume are optional)"
                )));
            }
        }
        let symbols = symbol_rows(prices)?;
        let days = day_numbers(prices.column("date").map_err(|e| polars_err("date", e))?)?;
        let mut columns = vec![Series::new(col::DATE.into(), days)
            .cast(&DataType::Date)
            .map_err(|e| polars_err("date", e))?
            .into()];
        for name in [col::CLOSE, col::ADJ_CLOSE, col::VOLUME] {
            columns.push(match prices.column(name) {
                // Strict: text that is not a number is an error, not a missing price.
                Ok(c) => c
                    .strict_cast(&DataType::Float64)
                    .map_err(|_| {
                        Error::usage(format!("the prices table's '{name}' column is not numbers"))
                    })?
                    .with_name(name.into()),
                Err(_) => Column::full_null(name.into(), prices.height(), &DataType::Float64),
            });
        }
        let table =
            DataFrame::new(prices.height(), columns).map_err(|e| polars_err("prices", e))?;
        let symbols = symbols
            .into_iter()
            .map(|(ticker, rows)| {
                let rows = IdxCa::from_vec("rows".into(), rows);
                let frame = table
                    .take(&rows)
                    .map_err(|e| polars_err("prices", e))
                    .and_then(PriceFrame::from_frame)
                    .map_err(|e| Error::data(format!("{ticker} in the prices table: {e}")));
                (ticker, frame)
            })
            .collect();
        Ok(FrameSource {
            symbols,
            rows: prices.height(),
        })
    }

    /// The symbols the table holds.
    pub fn symbols(&self) -> usize {
        self.symbols.len()
    }
}

/// The rows of each symbol, in the table's order.
fn symbol_rows(prices: &DataFrame) -> Result<HashMap<Ticker, Vec<IdxSize>>> {
    let column = prices
        .column("symbol")
        .map_err(|e| polars_err("symbol", e))?;
    let text = column
        .cast(&DataType::String)
        .map_err(|e| polars_err("symbol", e))?;
    let text = text.str().map_err(|e| polars_err("symbol", e))?;
    let mut rows: HashMap<Ticker, Vec<IdxSize>> = HashMap::new();
    let mut last: Option<(&str, Ticker)> = None;
    for (i, symbol) in text.iter().enumerate() {
        let symbol = symbol
            .ok_or_else(|| Error::usage(format!("the prices table's row {i} has no symbol")))?;
        // Rows come grouped by symbol: parse a symbol once per run of rows.
        let ticker = match &last {
            Some((raw, ticker)) if *raw == symbol => ticker.clone(),
            _ => symbol
                .parse::<Ticker>()
                .map_err(|e| Error::usage(format!("the prices table's row {i}: {e}")))?,
        };
        rows.entry(ticker.clone()).or_default().push(i as IdxSize);
        last = Some((symbol, ticker));
    }
    Ok(rows)
}

/// Days since 1970 of a date, datetime or `YYYY-MM-DD` text column; a missing or bad date is
/// an error naming its row.
fn day_numbers(column: &Column) -> Result<Vec<i32>> {
    let bad = |i: usize, why: &str| Error::usage(format!("the prices table's row {i}: date {why}"));
    let err = |e| polars_err("date", e);
    match column.dtype() {
        DataType::String => {
            let text = column.str().map_err(err)?;
            text.iter()
                .enumerate()
                .map(|(i, d)| {
                    let d = d.ok_or_else(|| bad(i, "is missing"))?;
                    parse_day(d).map(epoch_days).map_err(|why| bad(i, &why))
                })
                .collect()
        }
        DataType::Date | DataType::Datetime(..) => {
            let days = column.cast(&DataType::Date).map_err(err)?;
            let days = days.cast(&DataType::Int32).map_err(err)?;
            let days = days.i32().map_err(err)?;
            days.iter()
                .enumerate()
                .map(|(i, d)| d.ok_or_else(|| bad(i, "is missing")))
                .collect()
        }
        other => Err(Error::usage(format!(
            "the prices table's date column is {other}, not dates or YYYY-MM-DD text"
        ))),
    }
}

impl PriceSource for FrameSource {
    fn load(&self, ticker: &Ticker) -> Result<PriceFrame> {
        match self.symbols.get(ticker) {
            Some(frame) => frame.clone(),
            None => Err(Error::data(format!(
                "no price data for {ticker}: the prices table has no rows for it"
            ))),
        }
    }

    fn describe(&self) -> String {
        format!(
            "a prices table in memory ({} symbols, {} rows)",
            self.symbols.len(),
            self.rows
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn day(d: &str) -> NaiveDate {
        d.parse().unwrap()
    }

    #[test]
    fn a_long_table_is_split_by_symbol_and_sorted_by_date() {
        let prices = df!(
            "symbol" => ["nvda", "^GSPC", "nvda", "^GSPC", "nvda"],
            "date" => ["2025-01-28", "2025-01-27", "2025-01-27", "2025-01-28", "2025-01-29"],
            "adj_close" => [2.0, 10.0, 1.0, 11.0, 3.0],
            "volume" => [5i64, 6, 7, 8, 9],
        )
        .unwrap();
        let source = FrameSource::new(&prices).unwrap();
        assert_eq!(source.symbols(), 2);
        let nvda = source.load(&"NVDA".parse().unwrap()).unwrap();
        assert_eq!(
            nvda.dates().unwrap(),
            [day("2025-01-27"), day("2025-01-28"), day("2025-01-29")]
        );
        let column = |name| crate::data::prices::f64_column(nvda.frame(), name).unwrap();
        assert_eq!(column(col::ADJ_CLOSE), [1.0, 2.0, 3.0]);
        assert_eq!(column(col::VOLUME), [7.0, 5.0, 9.0]);
        assert!(!nvda.has_close());
        let missing = source.load(&"AMD".parse().unwrap()).unwrap_err();
        assert!(
            missing.to_string().contains("no price data for AMD"),
            "{missing}"
        );
        assert!(source.describe().contains("2 symbols, 5 rows"));
    }

    #[test]
    fn bad_tables_are_errors_naming_the_problem() {
        let no_adj = df!("symbol" => ["A"], "date" => ["2025-01-27"], "close" => [1.0]).unwrap();
        let e = FrameSource::new(&no_adj).unwrap_err().to_string();
        assert!(e.contains("no 'adj_close' column"), "{e}");
        let bad_date = df!("symbol" => ["A", "A"], "date" => ["2025-01-27", "27/01/2025"], "adj_close" => [1.0, 2.0]).unwrap();
        let e = FrameSource::new(&bad_date).unwrap_err().to_string();
        assert!(e.contains("row 1: date"), "{e}");
        let bad_symbol =
            df!("symbol" => ["A/B"], "date" => ["2025-01-27"], "adj_close" => [1.0]).unwrap();
        let e = FrameSource::new(&bad_symbol).unwrap_err().to_string();
        assert!(e.contains("row 0") && e.contains("A/B"), "{e}");
        // A repeated date fails that symbol's loads only.
        let twice = df!("symbol" => ["A", "A", "B"], "date" => ["2025-01-27", "2025-01-27", "2025-01-27"], "adj_close" => [1.0, 2.0, 3.0]).unwrap();
        let source = FrameSource::new(&twice).unwrap();
        let e = source.load(&"A".parse().unwrap()).unwrap_err().to_string();
        assert!(
            e.contains("A in the prices table") && e.contains("appears twice"),
            "{e}"
        );
        assert!(source.load(&"B".parse().unwrap()).is_ok());
    }
}
