//! Aligns a firm's prices on its benchmark's trading calendar (a polars left join on date).

use polars::prelude::*;

use crate::data::prices::{col, date_column, f64_column, polars_err, PriceFrame};
use crate::error::{Error, Result};
use crate::study::TradingCalendar;

/// Firm and benchmark prices on the benchmark's calendar; NaN where the firm has no price.
#[derive(Debug, Clone)]
pub struct AlignedPrices {
    pub calendar: TradingCalendar,
    /// Firm adjusted close (for returns).
    pub firm_adj_close: Vec<f64>,
    /// Firm close (for market value); NaN where unknown.
    pub firm_close: Vec<f64>,
    /// Benchmark adjusted close.
    pub benchmark_adj_close: Vec<f64>,
    /// Shares of the firm traded each day; NaN where unknown.
    pub firm_volume: Vec<f64>,
}

const BENCH: &str = "benchmark_adj_close";

/// Event time runs on the benchmark's calendar (METHODS.md): every benchmark date with a
/// price is a trading day; a firm's missing day stays missing and a firm's date the benchmark
/// lacks is dropped.
pub fn align(firm: &PriceFrame, benchmark: &PriceFrame) -> Result<AlignedPrices> {
    let bench = benchmark
        .frame()
        .select([col::DATE, col::ADJ_CLOSE])
        .and_then(|mut df| {
            df.rename(col::ADJ_CLOSE, BENCH.into())?;
            df.drop_nulls(Some(&[BENCH.to_string()]))
        })
        .map_err(|e| polars_err("benchmark", e))?;
    if bench.height() == 0 {
        return Err(Error::data("the benchmark has no prices"));
    }
    let joined = bench
        .join(
            firm.frame(),
            [col::DATE],
            [col::DATE],
            JoinArgs::new(JoinType::Left),
            None,
        )
        .and_then(|df| df.sort([col::DATE], SortMultipleOptions::default()))
        .map_err(|e| polars_err("aligning firm and benchmark", e))?;

    Ok(AlignedPrices {
        calendar: TradingCalendar::new(date_column(&joined, col::DATE)?)?,
        firm_adj_close: f64_column(&joined, col::ADJ_CLOSE)?,
        firm_close: f64_column(&joined, col::CLOSE)?,
        benchmark_adj_close: f64_column(&joined, BENCH)?,
        firm_volume: f64_column(&joined, col::VOLUME)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn firm_is_aligned_on_the_benchmark_calendar() {
        let bench = PriceFrame::from_columns(
            vec![
                d("2025-01-06"),
                d("2025-01-07"),
                d("2025-01-08"),
                d("2025-01-10"),
            ],
            None,
            vec![Some(100.0), Some(101.0), None, Some(103.0)],
        )
        .unwrap();
        // The firm trades on the 9th (not a benchmark day) and lacks the 7th.
        let firm = PriceFrame::from_columns(
            vec![
                d("2025-01-10"),
                d("2025-01-06"),
                d("2025-01-08"),
                d("2025-01-09"),
            ],
            Some(vec![Some(11.0), Some(10.0), Some(10.5), Some(10.7)]),
            vec![Some(1.1), Some(1.0), Some(1.05), Some(1.07)],
        )
        .unwrap();
        let a = align(&firm, &bench).unwrap();
        // The benchmark's null on the 8th removes that day from the calendar.
        assert_eq!(
            a.calendar.dates(),
            [d("2025-01-06"), d("2025-01-07"), d("2025-01-10")]
        );
        assert_eq!(a.benchmark_adj_close, [100.0, 101.0, 103.0]);
        assert!(a.firm_adj_close[1].is_nan());
        assert_eq!((a.firm_adj_close[0], a.firm_adj_close[2]), (1.0, 1.1));
        assert_eq!((a.firm_close[0], a.firm_close[2]), (10.0, 11.0));
    }
}
