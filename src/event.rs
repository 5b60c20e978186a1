//! The unit of a study: one event to study ([`EventSpec`]) or one that could not run
//! ([`Exclusion`]). Events, not tickers, are the key: one firm may have several events.

use chrono::NaiveDate;
use serde::Serialize;

use crate::error::Error;
use crate::study::WindowSpec;
use crate::ticker::Ticker;

/// One event to study: a firm, a date, its benchmark and windows.
#[derive(Debug, Clone, PartialEq)]
pub struct EventSpec {
    pub ticker: Ticker,
    pub date: NaiveDate,
    pub benchmark: Ticker,
    /// A free label kept in the outputs (batch files).
    pub label: Option<String>,
    /// The batch file's line, for messages.
    pub row: Option<usize>,
    pub estimation: WindowSpec,
    pub window: WindowSpec,
}

impl EventSpec {
    /// This event excluded for `error`, its batch row (if any) named in the reason.
    pub fn exclusion(&self, error: &Error) -> Exclusion {
        let reason = error.to_string();
        Exclusion {
            ticker: self.ticker.to_string(),
            event_date: Some(self.date),
            label: self.label.clone(),
            row: self.row,
            reason: match self.row {
                Some(row) => format!("row {row}: {reason}"),
                None => reason,
            },
            exit_code: error.exit_code(),
        }
    }
}

/// An event that could not run, and why.
#[derive(Debug, Clone, Serialize)]
pub struct Exclusion {
    pub ticker: String,
    /// `null` when a batch row's date could not be read.
    pub event_date: Option<NaiveDate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// The batch file's line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub row: Option<usize>,
    pub reason: String,
    /// The exit code this failure would have on its own (2 input, 3 data).
    #[serde(skip)]
    pub exit_code: i32,
}
