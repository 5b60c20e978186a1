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
        Output::Study(summary) => summary_json(summary)?,
        Output::Bars(summary) => super::bars::json(summary)?,
        Output::Simulation(report) => super::simulation::json(report)?,
        Output::Fetch(rows) => pretty(&rows)?,
        Output::StoreList { entries, .. } => pretty(&entries)?,
        Output::Doctor(checks) => pretty(&checks)?,
        Output::Message(text) | Output::Text(text) => {
            pretty(&serde_json::json!({ "message": text }))?
        }
    };
    Ok(text + "\n")
}

/// A large run's summary: everything but the events, which are in the tables.
#[derive(Serialize)]
struct Compact<'a> {
    conventions: &'a crate::report::Conventions,
    source: &'a str,
    /// Events that ran (the rows of the `events` table with status `ok`).
    n_events: usize,
    excluded: &'a [crate::report::Exclusion],
    aggregate: &'a Option<crate::report::AggregateReport>,
    tables: &'a std::collections::BTreeMap<String, String>,
}

/// The whole run as pretty JSON (a large run's without its events: see the tables).
pub fn summary_json(summary: &Summary) -> Result<String> {
    if !summary.compact {
        return pretty(summary);
    }
    pretty(&Compact {
        conventions: &summary.conventions,
        source: &summary.source,
        n_events: summary.events.len(),
        excluded: &summary.excluded,
        aggregate: &summary.aggregate,
        tables: &summary.tables,
    })
}

/// The summary of one event (same schema, one event, nothing excluded): its folder's
/// `summary.json`.
pub fn event_json(summary: &Summary, event: &EventReport) -> Result<String> {
    pretty(&Summary {
        conventions: summary.conventions.clone(),
        source: summary.source.clone(),
        fetched: summary.fetched.clone(),
        events: vec![event.clone()],
        excluded: Vec::new(),
        aggregate: None,
        tables: Default::default(),
        compact: false,
        layout: summary.layout.clone(),
    })
}
