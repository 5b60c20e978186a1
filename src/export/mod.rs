//! The output layer: whole event and portfolio folders on disk, and stdout for every command
//! in every format. One file per format (`table`, `json`, `csv`), one for the folder layout.
//! It takes the report types and its own settings, never the command line's.

pub mod bars;
mod bars_folder;
pub mod calendar_time;
pub mod csv;
pub mod csv_writer;
mod direct;
mod folder;
pub mod groups;
pub mod json;
pub mod latex;
pub mod markdown;
mod numbers;
mod output;
mod settings;
pub mod simulation;
pub mod table;
pub mod tables;
pub mod xlsx;

pub use bars_folder::{bar_tables, write_run as write_bar_run};
pub(crate) use folder::forget_aggregate_tables;
pub use folder::{event_dir, run_tables, table_paths, write_run};
pub use output::Output;
pub use settings::{ChartsMode, OutputFormat, OutputSettings, TableFormats, EVENT_FILES_UP_TO};

use crate::error::Result;

/// The text a command prints on stdout in `format`.
pub fn render_stdout(output: Output<'_>, format: OutputFormat) -> Result<String> {
    match output {
        Output::Text(text) => return Ok(text.to_string()),
        Output::Bars(summary) => return bars::render(summary, format),
        _ => {}
    }
    match format {
        OutputFormat::Table => Ok(table::render(output)),
        OutputFormat::Json => json::render(output),
        OutputFormat::Csv => csv::render(output),
        OutputFormat::Markdown => Ok(markdown::render(output)),
        OutputFormat::Latex => Ok(latex::render(output)),
    }
}
