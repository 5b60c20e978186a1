//! `eventstudy`: how much did a piece of news move a stock beyond what the market did?
//!
//! The crate is a library with a thin binary. `docs/ARCHITECTURE.md` draws the whole; the
//! modules, from the inside out:
//! - leaves: [`error`] (one error type, the exit codes), [`util`] (atomic writes, day keys),
//!   [`note`] (typed notes and warnings), [`ticker`];
//! - [`study`]: the numeric engine (windows, calendar, models, AR/CAR and their tests). It
//!   knows nothing of files, HTTP or the command line;
//! - [`event`] (an event to study, an excluded one) and [`data`] (price sources, the store,
//!   share counts, factor files, batch files, alignment on the benchmark's calendar);
//! - [`report`]: the typed results, as the JSON contract, the tables and the charts show them;
//! - [`chart`] and [`export`]: PNG charts; the output layer, one file per format;
//! - [`options`] (validated settings in groups) and [`cli`] (the clap front end);
//! - [`pipeline`] (`run` and `batch`: plan → load → study → write), [`commands`] (every
//!   command from its options) and [`console`] (warnings and progress on stderr).

pub mod chart;
pub mod cli;
pub mod commands;
pub mod config;
pub mod console;
pub mod data;
pub mod doctor;
pub mod error;
pub mod event;
pub mod export;
pub mod note;
pub mod options;
pub mod pipeline;
pub mod report;
pub mod study;
pub mod synthetic;
pub mod ticker;
pub mod util;

#[cfg(test)]
mod testing;

pub use error::{Error, Result};
pub use ticker::Ticker;
