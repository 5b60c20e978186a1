//! `eventstudy`: how much did a piece of news move a stock beyond what the market did?
//!
//! The crate is a library with a thin binary. Modules, from the inside out:
//! - [`study`]: the numeric engine (windows, calendar, models, AR/CAR and their tests). It
//!   knows nothing of files, HTTP or the command line.
//! - [`data`]: price sources, share counts, and alignment on the benchmark's calendar.
//! - [`report`]: the typed results of a run, as the JSON contract and the tables show them.
//! - [`export`] and [`chart`]: one file per output format; PNG charts.
//! - [`options`] (validated settings) and [`cli`] (the clap front end), and [`app`], which
//!   runs a command from options.

pub mod data;
pub mod error;
pub mod study;
pub mod ticker;

pub use error::{Error, Result};
pub use ticker::Ticker;
pub mod app;
pub mod chart;
pub mod cli;
pub mod export;
pub mod options;
pub mod report;
