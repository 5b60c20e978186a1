//! Aligns a firm's prices on its benchmark's trading calendar (a merge of two date-sorted
//! series: a left join on date).

use polars::prelude::*;

use crate::data::prices::{col, day_numbers, f64_column, from_epoch_days, polars_err, PriceFrame};
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

/// Event time runs on the benchmark's calendar (METHODS.md): every benchmark date with a
/// price is a trading day; a firm's missing day stays missing and a firm's date the benchmark
/// lacks is dropped.
///
/// Both frames are sorted by date without repeats ([`PriceFrame`]'s invariant), so one pass
/// over both finds each benchmark day's firm row: a left join without a hash table.
pub fn align(firm: &PriceFrame, benchmark: &PriceFrame) -> Result<AlignedPrices> {
    let bench_days = day_numbers(benchmark.frame(), col::DATE)?;
    let bench_prices: Vec<Option<f64>> = benchmark
        .frame()
        .column(col::ADJ_CLOSE)
        .and_then(|c| c.cast(&DataType::Float64))
        .and_then(|c| Ok(c.f64()?.iter().collect()))
        .map_err(|e| polars_err("benchmark", e))?;
    let firm_days = day_numbers(firm.frame(), col::DATE)?;
    let firm_adj_close = f64_column(firm.frame(), col::ADJ_CLOSE)?;
    let firm_close = f64_column(firm.frame(), col::CLOSE)?;
    let firm_volume = f64_column(firm.frame(), col::VOLUME)?;

    let days = bench_prices.iter().filter(|p| p.is_some()).count();
    if days == 0 {
        return Err(Error::data("the benchmark has no prices"));
    }
    let mut dates = Vec::with_capacity(days);
    let mut columns: [Vec<f64>; 4] = std::array::from_fn(|_| Vec::with_capacity(days));
    let mut next = 0;
    for (&day, price) in bench_days.iter().zip(&bench_prices) {
        // A benchmark day without a price is not a trading day.
        let Some(price) = *price else { continue };
        while firm_days.get(next).is_some_and(|&d| d < day) {
            next += 1;
        }
        let row = (firm_days.get(next) == Some(&day)).then_some(next);
        let firm = |column: &[f64]| row.map_or(f64::NAN, |r| column[r]);
        dates.push(from_epoch_days(day));
        let values = [
            price,
            firm(&firm_adj_close),
            firm(&firm_close),
            firm(&firm_volume),
        ];
        for (column, value) in columns.iter_mut().zip(values) {
            column.push(value);
        }
    }
    let [benchmark_adj_close, firm_adj_close, firm_close, firm_volume] = columns;
    Ok(AlignedPrices {
        calendar: TradingCalendar::new(dates)?,
        firm_adj_close,
        firm_close,
        benchmark_adj_close,
        firm_volume,
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

    /// Random calendars against a lookup by date: every benchmark day with a price, in order,
    /// with the firm's values of that date or NaN.
    #[test]
    fn the_merge_is_a_left_join_on_date() {
        let mut next = crate::testing::xorshift(0x9e37_79b9_7f4a_7c15);
        let day = |n: u64| NaiveDate::from_ymd_opt(2020, 1, 1).unwrap() + chrono::Days::new(n);
        for case in 0..50 {
            let mut bench_dates = Vec::new();
            let mut bench_prices = Vec::new();
            let mut firm = std::collections::BTreeMap::new();
            for n in 0..200 {
                if !next().is_multiple_of(4) {
                    bench_dates.push(day(n));
                    bench_prices.push((!next().is_multiple_of(5)).then_some(100.0 + n as f64));
                }
                // The firm trades some benchmark days, some others, from a random start.
                if n >= case * 3 && !next().is_multiple_of(3) {
                    firm.insert(day(n), n as f64);
                }
            }
            if bench_prices.iter().all(Option::is_none) {
                continue;
            }
            let bench =
                PriceFrame::from_columns(bench_dates.clone(), None, bench_prices.clone()).unwrap();
            let firm_frame = PriceFrame::with_volume(
                firm.keys().copied().collect(),
                Some(firm.values().map(|v| Some(v + 0.5)).collect()),
                firm.values().map(|v| Some(*v)).collect(),
                Some(firm.values().map(|v| Some(v * 10.0)).collect()),
            )
            .unwrap();
            let a = align(&firm_frame, &bench).unwrap();
            let expected: Vec<(NaiveDate, f64)> = bench_dates
                .iter()
                .zip(&bench_prices)
                .filter_map(|(d, p)| Some((*d, (*p)?)))
                .collect();
            assert_eq!(a.calendar.dates().len(), expected.len(), "case {case}");
            for (i, (date, price)) in expected.iter().enumerate() {
                assert_eq!(a.calendar.dates()[i], *date);
                assert_eq!(a.benchmark_adj_close[i], *price);
                let same = |got: f64, want: Option<f64>| match want {
                    Some(w) => got == w,
                    None => got.is_nan(),
                };
                let v = firm.get(date).copied();
                assert!(same(a.firm_adj_close[i], v), "case {case}, {date}");
                assert!(same(a.firm_close[i], v.map(|v| v + 0.5)));
                assert!(same(a.firm_volume[i], v.map(|v| v * 10.0)));
            }
        }
    }

    #[test]
    fn a_benchmark_without_prices_is_an_error() {
        let bench = PriceFrame::from_columns(vec![d("2025-01-06")], None, vec![None]).unwrap();
        let firm = PriceFrame::from_columns(vec![d("2025-01-06")], None, vec![Some(1.0)]).unwrap();
        let e = align(&firm, &bench).unwrap_err().to_string();
        assert!(e.contains("the benchmark has no prices"), "{e}");
    }
}
