//! The output layer: whole event and portfolio folders on disk, and stdout for every command
//! in every format. One file per format (`table`, `json`, `csv`), one for the folder layout.
//! It takes the report types and its own settings, never the command line's.

pub mod csv;
pub mod csv_writer;
mod direct;
mod folder;
pub mod json;
pub mod markdown;
mod output;
mod settings;
pub mod table;
pub mod tables;

pub use folder::{event_dir, table_paths, write_run};
pub use output::Output;
pub use settings::{ChartsMode, OutputFormat, OutputSettings, TableFormats, EVENT_FILES_UP_TO};

use crate::error::Result;

/// The text a command prints on stdout in `format`.
pub fn render_stdout(output: Output<'_>, format: OutputFormat) -> Result<String> {
    if let Output::Text(text) = output {
        return Ok(text.to_string());
    }
    match format {
        OutputFormat::Table => Ok(table::render(output)),
        OutputFormat::Json => json::render(output),
        OutputFormat::Csv => csv::render(output),
        OutputFormat::Markdown => Ok(markdown::render(output)),
    }
}
