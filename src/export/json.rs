//! `summary.json` and `--format json`: the scripting contract (see the README).

use crate::error::{Error, Result};
use crate::report::{EventReport, Summary};

/// The whole run as pretty JSON.
pub fn summary_json(summary: &Summary) -> Result<String> {
    serde_json::to_string_pretty(summary).map_err(|e| Error::Internal(format!("JSON: {e}")))
}

/// The summary of one event (same schema, one event, nothing excluded): its folder's
/// `summary.json`.
pub fn event_json(summary: &Summary, event: &EventReport) -> Result<String> {
    summary_json(&Summary {
        conventions: summary.conventions.clone(),
        source: summary.source.clone(),
        events: vec![event.clone()],
        excluded: Vec::new(),
        aggregate: None,
    })
}
