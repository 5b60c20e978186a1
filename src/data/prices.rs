//! `PriceFrame`: one symbol's daily prices as a polars table, the unit every source yields.

use chrono::NaiveDate;
use polars::prelude::*;

use crate::error::{Error, Result};

/// Column names of a `PriceFrame`.
pub mod col {
    pub const DATE: &str = "date";
    pub const CLOSE: &str = "close";
    pub const ADJ_CLOSE: &str = "adj_close";
    pub const VOLUME: &str = "volume";
}

/// Daily prices of one symbol: `date` (Date, strictly increasing), `close` and `adj_close`
/// (Float64, null where missing).
///
/// `adj_close` (split- and dividend-adjusted) drives returns; `close` (as traded, or split-
/// adjusted only) drives market value.
#[derive(Debug, Clone)]
pub struct PriceFrame {
    df: DataFrame,
}

pub(crate) use crate::error::polars_err;
pub(crate) use crate::util::{epoch_days, from_epoch_days};

impl PriceFrame {
    /// Builds a frame from columns; `close` may be absent. Rows are sorted by date and a
    /// duplicated date is an error (it would make the calendar ambiguous).
    pub fn from_columns(
        dates: Vec<NaiveDate>,
        close: Option<Vec<Option<f64>>>,
        adj_close: Vec<Option<f64>>,
    ) -> Result<Self> {
        Self::with_volume(dates, close, adj_close, None)
    }

    /// [`from_columns`](Self::from_columns) with the shares traded each day, when known (a
    /// zero is a day without trades; `None` is unknown).
    pub fn with_volume(
        dates: Vec<NaiveDate>,
        close: Option<Vec<Option<f64>>>,
        adj_close: Vec<Option<f64>>,
        volume: Option<Vec<Option<f64>>>,
    ) -> Result<Self> {
        let n = dates.len();
        let close = close.unwrap_or_else(|| vec![None; n]);
        let volume = volume.unwrap_or_else(|| vec![None; n]);
        if close.len() != n || adj_close.len() != n || volume.len() != n {
            return Err(Error::Internal("price columns of unequal length".into()));
        }
        let days: Vec<i32> = dates.iter().copied().map(epoch_days).collect();
        let date = Series::new(col::DATE.into(), days)
            .cast(&DataType::Date)
            .map_err(|e| polars_err("date column", e))?;
        let df = DataFrame::new(
            n,
            vec![
                date.into(),
                crate::util::float_column(col::CLOSE, close),
                crate::util::float_column(col::ADJ_CLOSE, adj_close),
                crate::util::float_column(col::VOLUME, volume),
            ],
        )
        .map_err(|e| polars_err("price table", e))?;
        Self::from_frame(df)
    }

    /// Wraps a frame that has the date and price columns (and `volume`, else it is unknown),
    /// sorting it by date.
    pub fn from_frame(mut df: DataFrame) -> Result<Self> {
        if df.column(col::VOLUME).is_err() {
            let unknown = Series::full_null(col::VOLUME.into(), df.height(), &DataType::Float64);
            df.with_column(Column::from(unknown))
                .map_err(|e| polars_err("price table", e))?;
        }
        let df = df
            .select([col::DATE, col::CLOSE, col::ADJ_CLOSE, col::VOLUME])
            .map_err(|e| polars_err("price table", e))?;
        // Files and the store keep their rows in date order: only other frames pay for polars'
        // sort. Under a batch's parallel load that sort ran on polars' own thread pool, with the
        // loading thread waiting on it, and took 28% of a 10,000-event run's instructions.
        // Dates in strictly increasing order (as files have them) cannot repeat either.
        let in_order = day_numbers(&df, col::DATE)?.windows(2).all(|p| p[0] < p[1]);
        if in_order {
            return Ok(PriceFrame { df });
        }
        let df = df
            .sort([col::DATE], SortMultipleOptions::default())
            .map_err(|e| polars_err("price table", e))?;
        let days = day_numbers(&df, col::DATE)?;
        if let Some(pair) = days.windows(2).find(|p| p[0] == p[1]) {
            let date = from_epoch_days(pair[0]);
            return Err(Error::data(format!("date {date} appears twice")));
        }
        Ok(PriceFrame { df })
    }

    pub fn frame(&self) -> &DataFrame {
        &self.df
    }

    pub fn len(&self) -> usize {
        self.df.height()
    }

    pub fn is_empty(&self) -> bool {
        self.df.height() == 0
    }

    pub fn dates(&self) -> Result<Vec<NaiveDate>> {
        date_column(&self.df, col::DATE)
    }

    /// Whether the frame has any `close` at all (some sources publish adjusted closes only).
    pub fn has_close(&self) -> bool {
        self.df
            .column(col::CLOSE)
            .map(|c| c.null_count() < c.len())
            .unwrap_or(false)
    }

    /// Whether the frame has any volume at all (CSV files may have none).
    pub fn has_volume(&self) -> bool {
        self.df
            .column(col::VOLUME)
            .map(|c| c.null_count() < c.len())
            .unwrap_or(false)
    }

    /// First and last date, if any row.
    pub fn range(&self) -> Result<Option<(NaiveDate, NaiveDate)>> {
        let dates = self.dates()?;
        Ok(dates.first().copied().zip(dates.last().copied()))
    }
}

/// A Date column as chrono dates (nulls are an error: every price row has a date).
pub(crate) fn date_column(df: &DataFrame, name: &str) -> Result<Vec<NaiveDate>> {
    Ok(day_numbers(df, name)?
        .into_iter()
        .map(from_epoch_days)
        .collect())
}

/// A Date column as days since 1970-01-01 (nulls are an error, as in [`date_column`]).
pub(crate) fn day_numbers(df: &DataFrame, name: &str) -> Result<Vec<i32>> {
    let column = df
        .column(name)
        .and_then(|c| c.cast(&DataType::Int32))
        .map_err(|e| polars_err("date column", e))?;
    let days = column.i32().map_err(|e| polars_err("date column", e))?;
    // A whole column (every file's and the store's) is copied, not read a value at a time.
    if let Ok(days) = days.cont_slice() {
        return Ok(days.to_vec());
    }
    days.iter()
        .map(|d| d.ok_or_else(|| Error::data("a row has no date")))
        .collect()
}

/// A Float64 column as a vector with NaN for null.
pub(crate) fn f64_column(df: &DataFrame, name: &str) -> Result<Vec<f64>> {
    let column = df
        .column(name)
        .and_then(|c| c.cast(&DataType::Float64))
        .map_err(|e| polars_err(name, e))?;
    let values = column.f64().map_err(|e| polars_err(name, e))?;
    // Most columns are whole (prices) or all missing (volume a file lacks): no value is read
    // through polars' iterator for them.
    if let Ok(whole) = values.cont_slice() {
        return Ok(whole.to_vec());
    }
    if values.null_count() == values.len() {
        return Ok(vec![f64::NAN; values.len()]);
    }
    Ok(values.iter().map(|v| v.unwrap_or(f64::NAN)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn sorts_and_round_trips() {
        let f = PriceFrame::from_columns(
            vec![d("2025-01-03"), d("2025-01-02")],
            Some(vec![Some(2.0), None]),
            vec![Some(2.5), Some(1.5)],
        )
        .unwrap();
        assert_eq!(f.dates().unwrap(), [d("2025-01-02"), d("2025-01-03")]);
        let close = f64_column(f.frame(), col::CLOSE).unwrap();
        assert!(close[0].is_nan() && close[1] == 2.0);
        assert_eq!(f64_column(f.frame(), col::ADJ_CLOSE).unwrap(), [1.5, 2.5]);
        assert!(f.has_close());
        assert_eq!(f.range().unwrap(), Some((d("2025-01-02"), d("2025-01-03"))));
    }

    #[test]
    fn duplicate_dates_are_rejected() {
        let err = PriceFrame::from_columns(
            vec![d("2025-01-02"), d("2025-01-02")],
            None,
            vec![Some(1.0), Some(2.0)],
        )
        .unwrap_err();
        assert!(err.to_string().contains("2025-01-02 appears twice"));
    }
}
