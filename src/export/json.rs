//! `summary.json` and `--format json`: the scripting contract (see the README).

use serde::Serialize;

use crate::error::{Error, Result};
use crate::export::output::Output;
use crate::report::{EventReport, Summary};

/// Any report as pretty JSON.
fn pretty(value: &impl Serialize) -> Result<String> {
    serde_json::to_string_pretty(value).map_err(|e| Error::Internal(format!("JSON: {e}")))
}

/// What a command prints with `--format json`, newline-terminated.
pub fn render(output: Output<'_>) -> Result<String> {
    let text = match output {
        Output::Study(summary) => pretty(summary)?,
        Output::Fetch(rows) => pretty(&rows)?,
        Output::StoreList { entries, .. } => pretty(&entries)?,
        Output::Doctor(checks) => pretty(&checks)?,
    };
    Ok(text + "\n")
}

/// The whole run as pretty JSON.
pub fn summary_json(summary: &Summary) -> Result<String> {
    pretty(summary)
}

/// The summary of one event (same schema, one event, nothing excluded): its folder's
/// `summary.json`.
pub fn event_json(summary: &Summary, event: &EventReport) -> Result<String> {
    pretty(&Summary {
        conventions: summary.conventions.clone(),
        source: summary.source.clone(),
        events: vec![event.clone()],
        excluded: Vec::new(),
        aggregate: None,
    })
}
