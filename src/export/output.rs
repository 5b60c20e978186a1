//! What a command hands the output layer to print.

use std::path::Path;

use crate::report::bars::BarSummary;
use crate::report::{Check, FetchedSymbol, StoreEntry, Summary};

/// One command's results, borrowed for printing.
#[derive(Debug, Clone, Copy)]
pub enum Output<'a> {
    /// `run` and `batch`.
    Study(&'a Summary),
    /// `run` and `batch` with `--interval 1m..90m`.
    Bars(&'a BarSummary),
    /// `simulate`.
    Simulation(&'a crate::report::simulation::SimulationReport),
    /// `fetch`.
    Fetch(&'a [FetchedSymbol]),
    /// `store list`.
    StoreList {
        data_dir: &'a Path,
        entries: &'a [StoreEntry],
    },
    /// `doctor`.
    Doctor(&'a [Check]),
    /// One line of text, in every format.
    Message(&'a str),
    /// A text printed as is, whatever the format.
    Text(&'a str),
}
