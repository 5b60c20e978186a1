//! Where prices and share counts come from. Nothing here computes statistics.

pub mod align;
pub mod bar_fetch;
pub mod bar_store;
pub mod bars;
pub mod chart;
pub mod csv;
pub mod events;
pub mod factors;
pub mod fetch;
pub mod frame;
pub mod http;
pub mod prices;
pub mod records;
pub mod sec;
pub mod shares;
pub mod store;
pub mod tolerant;
pub mod yahoo;

pub use align::{align, AlignedPrices};
pub use prices::PriceFrame;
pub use shares::{ShareCount, SharesTable};

use crate::error::Result;
use crate::ticker::Ticker;

/// Anything that yields a symbol's daily prices. Sources are shared by the threads that load
/// symbols in parallel.
pub trait PriceSource: Sync {
    fn load(&self, ticker: &Ticker) -> Result<PriceFrame>;
    /// The symbol's split history, when the source knows it (share counts are scaled by it).
    fn splits(&self, _ticker: &Ticker) -> Vec<yahoo::SplitEvent> {
        Vec::new()
    }
    /// A short description for the console and JSON (`csv:DIR`, `yahoo`).
    fn describe(&self) -> String;
    /// When the symbol's prices were fetched, when the source knows (the store does).
    fn fetched_on(&self, _ticker: &Ticker) -> Option<chrono::NaiveDate> {
        None
    }
    /// The IANA time zone of the symbol's exchange, when the source knows (the store keeps
    /// Yahoo's `exchangeTimezoneName`).
    fn exchange_zone(&self, _ticker: &Ticker) -> Option<String> {
        None
    }
}
