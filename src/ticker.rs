//! `Ticker`: a market symbol, validated before it touches the file system or a URL.

use std::fmt;
use std::str::FromStr;

use crate::error::Error;

/// A Yahoo-style symbol such as `NVDA`, `BRK.B`, `^GSPC` or `EURUSD=X`.
///
/// Only `[A-Za-z0-9.^=_-]` is accepted, so a ticker can never name a path (`../x`, `a/b`) or
/// smuggle anything into a URL. Letters are upper-cased: symbols are case-insensitive.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Ticker(String);

impl Ticker {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for Ticker {
    type Err = Error;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        let symbol = raw.trim();
        if symbol.is_empty() {
            return Err(Error::usage("empty ticker"));
        }
        if symbol.len() > 32 {
            return Err(Error::usage(format!(
                "ticker '{}' is too long (32 characters at most)",
                crate::util::cut_for_message(symbol, 40)
            )));
        }
        let allowed =
            |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '^' | '=' | '_' | '-');
        if let Some(bad) = symbol.chars().find(|&c| !allowed(c)) {
            return Err(Error::usage(format!(
                "ticker '{symbol}' contains '{bad}': a ticker may only use letters, digits and . ^ = _ -"
            )));
        }
        if symbol.chars().all(|c| c == '.') {
            return Err(Error::usage(format!("ticker '{symbol}' is not a symbol")));
        }
        Ok(Ticker(symbol.to_ascii_uppercase()))
    }
}

impl fmt::Display for Ticker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Parses a comma-separated list of tickers, dropping duplicates but keeping the order.
pub fn parse_ticker_list(raw: &str) -> Result<Vec<Ticker>, Error> {
    let mut tickers: Vec<Ticker> = Vec::new();
    for part in raw.split(',').filter(|p| !p.trim().is_empty()) {
        let ticker: Ticker = part.parse()?;
        if !tickers.contains(&ticker) {
            tickers.push(ticker);
        }
    }
    if tickers.is_empty() {
        return Err(Error::usage("no ticker given"));
    }
    Ok(tickers)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_yahoo_symbols_and_uppercases() {
        assert_eq!("nvda".parse::<Ticker>().unwrap().as_str(), "NVDA");
        assert_eq!("^GSPC".parse::<Ticker>().unwrap().as_str(), "^GSPC");
        assert_eq!("BRK.B".parse::<Ticker>().unwrap().as_str(), "BRK.B");
        assert_eq!("EURUSD=X".parse::<Ticker>().unwrap().as_str(), "EURUSD=X");
    }

    #[test]
    fn rejects_paths_and_odd_characters() {
        for bad in ["../etc/passwd", "a/b", "NV DA", "", "..", "x\\y", "ü"] {
            assert!(bad.parse::<Ticker>().is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn list_keeps_order_and_drops_duplicates() {
        let list = parse_ticker_list("NVDA, avgo,NVDA,TSM").unwrap();
        let names: Vec<&str> = list.iter().map(Ticker::as_str).collect();
        assert_eq!(names, ["NVDA", "AVGO", "TSM"]);
        assert!(parse_ticker_list(" , ").is_err());
    }
}
