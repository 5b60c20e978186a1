//! Intraday bars from a `csv:DIR` folder: `<SYMBOL>.csv` with a `datetime` (or `timestamp`)
//! column and `close` (or only `adj_close`), `volume` when present.
//!
//! A time is ISO 8601 with a UTC offset or `Z` (`2025-01-27T09:30:00-05:00`, pandas' space
//! instead of `T` too), wall-clock time without an offset in the exchange's zone
//! (`2025-01-27 09:30`), or Unix seconds. Rows may come oldest or newest first.

use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone};

use crate::data::records::{self, Row};
use crate::error::{Error, Result};
use crate::study::bars::RawBar;
use crate::ticker::Ticker;

/// Anything that yields a symbol's intraday bars, oldest first (shared by the loading
/// threads).
pub trait BarSource: Sync {
    /// The symbol's bars at `minutes` (or finer: the study resamples).
    fn load_bars(&self, ticker: &Ticker, minutes: u32) -> Result<Vec<RawBar>>;
    /// `csv:DIR`, `yahoo`.
    fn describe(&self) -> String;
    /// The IANA zone of the symbol's exchange, when the source knows (the store keeps
    /// Yahoo's `exchangeTimezoneName`).
    fn exchange_zone(&self, _ticker: &Ticker) -> Option<String> {
        None
    }
    /// Why the source lacks the symbol's older bars, when it does for a reason the user can
    /// act on (Yahoo's range limit, no archive in the store).
    fn beyond_limit(&self, _ticker: &Ticker) -> Option<String> {
        None
    }
}

/// A folder of bar files named by symbol.
#[derive(Debug, Clone)]
pub struct CsvBarSource {
    dir: PathBuf,
    /// The zone of times written without an offset.
    zone: chrono_tz::Tz,
}

impl CsvBarSource {
    pub fn new(dir: impl Into<PathBuf>, zone: chrono_tz::Tz) -> Self {
        CsvBarSource {
            dir: dir.into(),
            zone,
        }
    }
}

impl BarSource for CsvBarSource {
    fn load_bars(&self, ticker: &Ticker, _minutes: u32) -> Result<Vec<RawBar>> {
        let path = self.dir.join(format!("{}.csv", ticker.as_str()));
        if !path.is_file() {
            return Err(Error::data(format!(
                "no bars for {ticker}: {} does not exist",
                path.display()
            )));
        }
        let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
        read_bars(&bytes, &path, self.zone)
    }

    fn describe(&self) -> String {
        format!("csv:{}", self.dir.display())
    }
}

/// Parses a bar file's bytes (see the module's comment); the bars come back oldest first.
pub fn read_bars(bytes: &[u8], path: &Path, zone: chrono_tz::Tz) -> Result<Vec<RawBar>> {
    let rows = records::split(bytes);
    let mut rows = rows.into_iter();
    let header = match rows.next() {
        Some(Row::Record(r)) => r.fields,
        Some(Row::Broken { line, reason }) => {
            return Err(Error::input(path, format!("line {line}: {reason}")))
        }
        None => return Err(Error::input(path, "is empty")),
    };
    let find = |names: &[&str]| {
        header
            .iter()
            .position(|h| names.contains(&h.trim().to_ascii_lowercase().as_str()))
    };
    let Some(time_col) = find(&["datetime", "timestamp"]) else {
        let daily = find(&["date"]).is_some();
        return Err(Error::input(
            path,
            match daily {
                true => {
                    "has daily prices (a date column); bars need a datetime or timestamp column"
                }
                false => "has no datetime or timestamp column",
            },
        ));
    };
    let Some(close_col) = find(&["close"]).or_else(|| find(&["adj_close", "adj close"])) else {
        return Err(Error::input(path, "has no close column"));
    };
    let volume_col = find(&["volume"]);
    let mut bars: Vec<(RawBar, usize)> = Vec::new();
    for row in rows {
        let record = match row {
            Row::Record(r) => r,
            Row::Broken { line, reason } => {
                return Err(Error::input(path, format!("line {line}: {reason}")))
            }
        };
        let line = record.line;
        let cell = |c: usize| record.fields.get(c).map(|f| f.trim()).unwrap_or("");
        let start = parse_time(cell(time_col), zone).map_err(|why| {
            Error::input(
                path,
                format!(
                    "line {line}: time '{}' {why}",
                    crate::util::cut_for_message(cell(time_col), 40)
                ),
            )
        })?;
        let number = |c: usize, name: &str| -> Result<f64> {
            match cell(c) {
                "" | "null" | "NaN" | "nan" => Ok(f64::NAN),
                text => text.parse::<f64>().map_err(|_| {
                    Error::input(
                        path,
                        format!(
                            "line {line}: {name} '{}' is not a number",
                            crate::util::cut_for_message(text, 40)
                        ),
                    )
                }),
            }
        };
        let close = number(close_col, "close")?;
        if close.is_finite() && close <= 0.0 {
            return Err(Error::input(
                path,
                format!("line {line}: close {close} is not a price"),
            ));
        }
        let volume = volume_col.map_or(Ok(f64::NAN), |c| number(c, "volume"))?;
        bars.push((
            RawBar {
                start,
                close,
                volume,
            },
            line,
        ));
    }
    bars.sort_by_key(|(b, _)| b.start);
    if let Some(w) = bars.windows(2).find(|w| w[0].0.start == w[1].0.start) {
        return Err(Error::input(
            path,
            format!("lines {} and {} give the same time", w[0].1, w[1].1),
        ));
    }
    Ok(bars.into_iter().map(|(b, _)| b).collect())
}

/// `YYYY-MM-DD[T ]HH:MM[:SS]` followed by `Z`, `±HH:MM` or `±HHMM`, read by position (a
/// vendor's file has a million of them; chrono's format parser is the slow path for the rest).
fn parse_iso_fast(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    let digits = |from: usize, len: usize| -> Option<u32> {
        let part = b.get(from..from + len)?;
        part.iter().try_fold(0u32, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + (c - b'0') as u32)
        })
    };
    if b.len() < 16
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b' ')
        || b[13] != b':'
    {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(digits(0, 4)? as i32, digits(5, 2)?, digits(8, 2)?)?;
    let (mut at, mut seconds) = (16, 0);
    if b.get(16) == Some(&b':') {
        seconds = digits(17, 2)?;
        at = 19;
    }
    let time = chrono::NaiveTime::from_hms_opt(digits(11, 2)?, digits(14, 2)?, seconds)?;
    let offset = match &b[at..] {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), _, _, b':', _, _] | [sign @ (b'+' | b'-'), _, _, _, _] => {
            let minutes_at = if b.len() - at == 6 { at + 4 } else { at + 3 };
            let minutes = digits(at + 1, 2)? as i64 * 60 + digits(minutes_at, 2)? as i64;
            if *sign == b'-' {
                -minutes * 60
            } else {
                minutes * 60
            }
        }
        _ => return None,
    };
    Some(date.and_time(time).and_utc().timestamp() - offset)
}

/// A bar time as UTC seconds (see the module's comment).
fn parse_time(text: &str, zone: chrono_tz::Tz) -> std::result::Result<i64, &'static str> {
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return text.parse::<i64>().map_err(|_| "is not a time");
    }
    if let Some(t) = parse_iso_fast(text) {
        return Ok(t);
    }
    let normal = text.replacen(' ', "T", 1);
    let normal = match normal.strip_suffix(['Z', 'z']) {
        Some(head) => format!("{head}+00:00"),
        None => normal,
    };
    for format in [
        "%Y-%m-%dT%H:%M:%S%.f%:z",
        "%Y-%m-%dT%H:%M%:z",
        "%Y-%m-%dT%H:%M:%S%.f%z",
    ] {
        if let Ok(t) = DateTime::parse_from_str(&normal, format) {
            return Ok(t.timestamp());
        }
    }
    for format in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M"] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(&normal, format) {
            return zone
                .from_local_datetime(&naive)
                .earliest()
                .map(|t| t.timestamp())
                .ok_or("does not exist on the exchange's clock (a daylight-saving gap)");
        }
    }
    Err("is not ISO 8601 (2025-01-27T09:30:00-05:00, 2025-01-27 09:30) or Unix seconds")
}

#[cfg(test)]
mod tests {
    use super::*;

    const NY: chrono_tz::Tz = chrono_tz::America::New_York;

    #[test]
    fn every_time_form_names_the_same_instant() {
        let at = 1_737_988_200; // 2025-01-27 09:30 New York = 14:30 UTC
        for text in [
            "2025-01-27T09:30:00-05:00",
            "2025-01-27 09:30:00-05:00",
            "2025-01-27T14:30Z",
            "2025-01-27T14:30:00.000Z",
            "2025-01-27 14:30:00+0000",
            "2025-01-27 09:30",
            "2025-01-27T09:30:00",
            "1737988200",
        ] {
            assert_eq!(parse_time(text, NY), Ok(at), "{text}");
        }
        // The forms read by position are the ones chrono's parser reads.
        for text in [
            "2025-01-27T09:30:00-05:00",
            "2025-01-27 14:30:00+0000",
            "2025-01-27T14:30Z",
        ] {
            assert_eq!(parse_iso_fast(text), Some(at), "{text}");
        }
        assert_eq!(parse_iso_fast("2025-01-27T14:30:00.000Z"), None);
        assert_eq!(
            parse_iso_fast("2025-01-27 09:30"),
            None,
            "no offset: the exchange's clock"
        );
        assert_eq!(parse_iso_fast("2025-02-30T09:30Z"), None);
        assert!(parse_time("27/01/2025 09:30", NY).is_err());
        assert!(parse_time("2025-03-09 02:30", NY).is_err());
    }

    #[test]
    fn files_read_in_either_order_and_say_what_is_wrong() {
        let p = Path::new("NVDA.csv");
        let newest_first = b"Datetime,Open,Close,Volume\n\
            2025-01-27 09:31:00-05:00,1,121.5,200\n\
            2025-01-27 09:30:00-05:00,1,120.0,\n";
        let bars = read_bars(newest_first, p, NY).unwrap();
        assert_eq!(bars.len(), 2);
        assert_eq!(bars[0].close, 120.0);
        assert!(bars[0].volume.is_nan());
        assert_eq!((bars[1].close, bars[1].volume), (121.5, 200.0));

        let daily = b"date,close,adj_close\n2025-01-27,1,1\n";
        let err = read_bars(daily, p, NY).unwrap_err().to_string();
        assert!(err.contains("has daily prices"), "{err}");
        let twice = b"timestamp,close\n1737988200,1\n2025-01-27T14:30Z,2\n";
        let err = read_bars(twice, p, NY).unwrap_err().to_string();
        assert!(err.contains("lines 2 and 3 give the same time"), "{err}");
        let bad = b"datetime,close\n2025-01-27 09:30,abc\n";
        let err = read_bars(bad, p, NY).unwrap_err().to_string();
        assert!(err.contains("line 2: close 'abc' is not a number"), "{err}");
        let negative = b"datetime,close\n2025-01-27 09:30,-1\n";
        assert!(read_bars(negative, p, NY).is_err());
    }
}
