//! How a study's results are written and printed: the settings the output layer takes.

use std::path::PathBuf;

use crate::chart::ChartSize;
use crate::error::{Error, Result};
use crate::study::RelWindow;

/// How results are printed on stdout (`--format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OutputFormat {
    #[default]
    Table,
    Json,
    Csv,
    /// The Markdown report.
    Markdown,
}

impl OutputFormat {
    pub const NAMES: [&'static str; 4] = ["table", "json", "csv", "markdown"];
}

impl std::str::FromStr for OutputFormat {
    type Err = Error;
    fn from_str(raw: &str) -> Result<Self> {
        match raw {
            "table" => Ok(OutputFormat::Table),
            "json" => Ok(OutputFormat::Json),
            "csv" => Ok(OutputFormat::Csv),
            "markdown" => Ok(OutputFormat::Markdown),
            _ => Err(Error::usage(format!(
                "--format '{raw}' is not one of table, json, csv, markdown"
            ))),
        }
    }
}

/// Which charts to render.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ChartsMode {
    /// Every event's four charts and the portfolio's three.
    #[default]
    All,
    /// Only the portfolio charts (large batches).
    PortfolioOnly,
    None,
}

/// Where and how a study's results are written and printed.
#[derive(Debug, Clone)]
pub struct OutputSettings {
    /// `<out>/<event>/` per event, `<out>/<portfolio name>/` for the portfolio.
    pub out_dir: PathBuf,
    pub portfolio_name: String,
    pub format: OutputFormat,
    pub charts: ChartsMode,
    pub chart_size: ChartSize,
    /// The window of the market-value-by-ticker chart (one of the CAR windows).
    pub mv_window: RelWindow,
    /// No table on stdout and no warnings on stderr.
    pub quiet: bool,
    /// Per-event folders: always, never, or (`None`) for runs of up to
    /// [`EVENT_FILES_UP_TO`] events.
    pub event_files: Option<bool>,
    /// The formats of the run-level tables.
    pub tables: TableFormats,
}

/// The formats the run-level tables are written in (`--tables`): Parquet, CSV, or both, the
/// default. A million events' CSV tables are 3.7 GB and half of such a run's time, and a
/// researcher who reads them with polars, pandas or R needs only the Parquet files.
///
/// At least one format is always on: the fields are private, and only the default and
/// parsing make a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableFormats {
    parquet: bool,
    csv: bool,
}

impl Default for TableFormats {
    fn default() -> Self {
        TableFormats {
            parquet: true,
            csv: true,
        }
    }
}

impl TableFormats {
    pub fn parquet(&self) -> bool {
        self.parquet
    }

    pub fn csv(&self) -> bool {
        self.csv
    }

    /// The extension of the file `summary.json` names for each table: the Parquet one when
    /// there is one.
    pub fn named_extension(&self) -> &'static str {
        if self.parquet {
            "parquet"
        } else {
            "csv"
        }
    }
}

impl std::str::FromStr for TableFormats {
    type Err = Error;
    fn from_str(raw: &str) -> Result<Self> {
        let mut formats = TableFormats {
            parquet: false,
            csv: false,
        };
        for name in raw.split(',').map(str::trim) {
            match name.to_ascii_lowercase().as_str() {
                "parquet" => formats.parquet = true,
                "csv" => formats.csv = true,
                _ => {
                    return Err(Error::usage(format!(
                        "--tables '{raw}' is not parquet, csv or parquet,csv"
                    )))
                }
            }
        }
        Ok(formats)
    }
}

impl std::fmt::Display for TableFormats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.parquet, self.csv) {
            (true, true) => write!(f, "parquet,csv"),
            (true, false) => write!(f, "parquet"),
            _ => write!(f, "csv"),
        }
    }
}

/// Runs with up to this many events get a folder per event by default.
pub const EVENT_FILES_UP_TO: usize = 50;

impl OutputSettings {
    /// Whether a run of `events` events writes a folder per event.
    pub fn event_folders(&self, events: usize) -> bool {
        self.event_files.unwrap_or(events <= EVENT_FILES_UP_TO)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_formats_read_a_list_and_print_it_back() {
        let read = |raw: &str| raw.parse::<TableFormats>();
        let both = TableFormats::default();
        assert_eq!(read("parquet,csv").unwrap(), both);
        assert_eq!(read(" CSV , Parquet ").unwrap(), both);
        assert_eq!(read("csv,csv").unwrap().to_string(), "csv");
        let parquet = read("parquet").unwrap();
        assert_eq!((parquet.parquet, parquet.csv), (true, false));
        assert_eq!(parquet.named_extension(), "parquet");
        assert_eq!(read("csv").unwrap().named_extension(), "csv");
        for formats in [both, parquet, read("csv").unwrap()] {
            assert_eq!(read(&formats.to_string()).unwrap(), formats);
        }
        for bad in ["", "json", "parquet,", "parquet;csv"] {
            let e = read(bad).unwrap_err();
            assert_eq!(e.exit_code(), crate::error::exit::USAGE, "{bad}");
            assert!(e.to_string().contains(&format!("--tables '{bad}'")), "{e}");
        }
    }
}
