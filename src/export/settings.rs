//! How a study's results are written and printed: the settings the output layer takes.

use std::path::PathBuf;

use crate::chart::ChartFiles;
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
    /// Booktabs tables for a LaTeX document.
    Latex,
}

impl OutputFormat {
    pub const NAMES: [&'static str; 5] = ["table", "json", "csv", "markdown", "latex"];
}

impl std::str::FromStr for OutputFormat {
    type Err = Error;
    fn from_str(raw: &str) -> Result<Self> {
        match raw {
            "table" => Ok(OutputFormat::Table),
            "json" => Ok(OutputFormat::Json),
            "csv" => Ok(OutputFormat::Csv),
            "markdown" => Ok(OutputFormat::Markdown),
            "latex" => Ok(OutputFormat::Latex),
            _ => Err(Error::usage(format!(
                "--format '{raw}' is not one of table, json, csv, markdown, latex"
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
    /// The charts' size and file formats.
    pub chart_files: ChartFiles,
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

/// The formats the run-level tables are written in (`--tables`): Parquet and CSV files in
/// `tables/` (both, the default, or one) and an Excel workbook `tables.xlsx` (on request). A
/// million events' CSV tables are 3.7 GB and half of such a run's time, and a researcher who
/// reads them with polars, pandas or R needs only the Parquet files.
///
/// At least one format is always on: the fields are private, and only the default and
/// parsing make a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableFormats {
    parquet: bool,
    csv: bool,
    xlsx: bool,
}

impl Default for TableFormats {
    fn default() -> Self {
        TableFormats {
            parquet: true,
            csv: true,
            xlsx: false,
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

    /// The workbook `tables.xlsx`, a sheet per table.
    pub fn xlsx(&self) -> bool {
        self.xlsx
    }

    /// Whether any table is written as a file of its own in `tables/`.
    pub fn any_file(&self) -> bool {
        self.parquet || self.csv
    }

    /// The path `summary.json` names for table `name`, relative to the run folder: the Parquet
    /// file when there is one, else the CSV one, else the workbook (whose sheet is the name).
    pub fn named_path(&self, name: &str) -> String {
        match (self.parquet, self.csv) {
            (true, _) => format!("tables/{name}.parquet"),
            (false, true) => format!("tables/{name}.csv"),
            (false, false) => "tables.xlsx".to_string(),
        }
    }
}

impl std::str::FromStr for TableFormats {
    type Err = Error;
    fn from_str(raw: &str) -> Result<Self> {
        let mut formats = TableFormats {
            parquet: false,
            csv: false,
            xlsx: false,
        };
        for name in raw.split(',').map(str::trim) {
            match name.to_ascii_lowercase().as_str() {
                "parquet" => formats.parquet = true,
                "csv" => formats.csv = true,
                "xlsx" => formats.xlsx = true,
                _ => {
                    return Err(Error::usage(format!(
                        "--tables '{raw}' is not a list of parquet, csv and xlsx (e.g. parquet,csv,xlsx)"
                    )))
                }
            }
        }
        Ok(formats)
    }
}

impl std::fmt::Display for TableFormats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names = [
            (self.parquet, "parquet"),
            (self.csv, "csv"),
            (self.xlsx, "xlsx"),
        ];
        let on: Vec<&str> = names
            .iter()
            .filter(|(on, _)| *on)
            .map(|(_, n)| *n)
            .collect();
        write!(f, "{}", on.join(","))
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
        assert_eq!(parquet.named_path("days"), "tables/days.parquet");
        assert_eq!(
            read("csv,xlsx").unwrap().named_path("days"),
            "tables/days.csv"
        );
        let xlsx = read("xlsx").unwrap();
        assert!(xlsx.xlsx() && !xlsx.any_file());
        assert_eq!(xlsx.named_path("days"), "tables.xlsx");
        assert_eq!(read("XLSX, parquet").unwrap().to_string(), "parquet,xlsx");
        for formats in [
            both,
            parquet,
            xlsx,
            read("csv").unwrap(),
            read("parquet,csv,xlsx").unwrap(),
        ] {
            assert_eq!(read(&formats.to_string()).unwrap(), formats);
        }
        for bad in ["", "json", "parquet,", "parquet;csv"] {
            let e = read(bad).unwrap_err();
            assert_eq!(e.exit_code(), crate::error::exit::USAGE, "{bad}");
            assert!(e.to_string().contains(&format!("--tables '{bad}'")), "{e}");
        }
    }
}
