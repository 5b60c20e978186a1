//! The unit of a study: one event to study ([`EventSpec`]) or one that could not run
//! ([`Exclusion`]). Events, not tickers, are the key: one firm may have several events.

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::Serialize;

use crate::error::Error;
use crate::study::WindowSpec;
use crate::ticker::Ticker;

/// An event given as an instant: the text as given and the moment it names.
#[derive(Debug, Clone, PartialEq)]
pub struct EventInstant {
    pub given: String,
    pub at: DateTime<FixedOffset>,
}

/// What `--date` and a batch file's `date` accept: a date, or an ISO-8601 instant with a UTC
/// offset or `Z` (`2025-01-29T01:00+08:00`, `2025-01-27T14:30Z`), placed in the exchange's
/// session when the study runs.
#[derive(Debug, Clone, PartialEq)]
pub enum EventWhen {
    Date(NaiveDate),
    Instant(EventInstant),
}

impl EventWhen {
    /// Parses a date or an instant; the error says what was expected.
    pub fn parse(raw: &str) -> Result<EventWhen, String> {
        let raw = raw.trim();
        // A time is a date, then `T`, then the clock: anything else is read as a date.
        let is_time = raw.len() > 10
            && raw.is_char_boundary(10)
            && raw.as_bytes()[10].eq_ignore_ascii_case(&b'T');
        if !is_time {
            return crate::util::parse_day(raw).map(EventWhen::Date).map_err(|why| {
                match why.contains("outside") {
                    true => format!("date {why}"),
                    false => format!(
                        "date '{}' is not YYYY-MM-DD or a time with a UTC offset (2025-01-29T01:00+08:00)",
                        crate::util::cut_for_message(raw, 40)
                    ),
                }
            });
        }
        let at = parse_instant(raw)?;
        crate::util::parse_day(&at.date_naive().to_string())
            .map_err(|why| format!("date {why}"))?;
        Ok(EventWhen::Instant(EventInstant {
            given: raw.to_string(),
            at,
        }))
    }

    /// The calendar date as given (an instant's date in its own offset): names and messages.
    pub fn date(&self) -> NaiveDate {
        match self {
            EventWhen::Date(d) => *d,
            EventWhen::Instant(i) => i.at.date_naive(),
        }
    }

    pub fn instant(&self) -> Option<EventInstant> {
        match self {
            EventWhen::Date(_) => None,
            EventWhen::Instant(i) => Some(i.clone()),
        }
    }
}

/// `YYYY-MM-DDTHH:MM[:SS[.fff]]` with `Z` or `±HH:MM` (or `±HHMM`).
fn parse_instant(raw: &str) -> Result<DateTime<FixedOffset>, String> {
    let normal = match raw.strip_suffix(['Z', 'z']) {
        Some(head) => format!("{head}+00:00"),
        None => raw.to_string(),
    };
    const FORMATS: [&str; 4] = [
        "%Y-%m-%dT%H:%M%:z",
        "%Y-%m-%dT%H:%M:%S%.f%:z",
        "%Y-%m-%dT%H:%M%z",
        "%Y-%m-%dT%H:%M:%S%.f%z",
    ];
    if let Some(at) = FORMATS
        .iter()
        .find_map(|f| DateTime::parse_from_str(&normal.replacen('t', "T", 1), f).ok())
    {
        return Ok(at);
    }
    let has_offset = normal
        .rsplit_once(['T', 't'])
        .is_some_and(|(_, time)| time.contains(['+', '-']));
    Err(if has_offset {
        format!("time '{raw}' is not YYYY-MM-DDTHH:MM with a UTC offset (2025-01-29T01:00+08:00)")
    } else {
        format!("time '{raw}' has no UTC offset: add one (2025-01-29T01:00+08:00) or Z for UTC")
    })
}

/// One event to study: a firm, a date, its benchmark and windows.
#[derive(Debug, Clone, PartialEq)]
pub struct EventSpec {
    pub ticker: Ticker,
    /// The date as given (an instant's own calendar date until it is placed in the session).
    pub date: NaiveDate,
    /// The instant, when the event was given as one: day 0 follows the session's clock.
    pub instant: Option<EventInstant>,
    pub benchmark: Ticker,
    /// A free label kept in the outputs (batch files).
    pub label: Option<String>,
    /// The batch file's line, for messages.
    pub row: Option<usize>,
    pub estimation: WindowSpec,
    pub window: WindowSpec,
    /// The batch file's values of the `--cross-section` columns, in their order (`None`: an
    /// empty cell).
    pub characteristics: Vec<Option<f64>>,
    /// The batch file's value of the `--group-by` column (`None`: an empty cell, or no
    /// `--group-by`).
    pub group: Option<String>,
}

impl EventSpec {
    /// This event (the run's `id`-th, when it has one) excluded for `error`, its batch row (if
    /// any) named in the reason.
    pub fn exclusion(&self, id: Option<usize>, error: &Error) -> Exclusion {
        let reason = error.to_string();
        Exclusion {
            id,
            ticker: self.ticker.to_string(),
            event_date: Some(self.date),
            label: self.label.clone(),
            row: self.row,
            reason: match self.row {
                Some(row) => format!("row {row}: {reason}"),
                None => reason,
            },
            exit_code: error.exit_code(),
        }
    }
}

/// An event that could not run, and why.
#[derive(bincode::Encode, bincode::Decode, Debug, Clone, Serialize)]
pub struct Exclusion {
    /// Its place among the run's events, as an event that ran would have (every row of a
    /// batch file has one, readable or not): the tables join on it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<usize>,
    pub ticker: String,
    /// `null` when a batch row's date could not be read.
    #[bincode(with_serde)]
    pub event_date: Option<NaiveDate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// The batch file's line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub row: Option<usize>,
    pub reason: String,
    /// The exit code this failure would have on its own (2 input, 3 data).
    #[serde(skip)]
    pub exit_code: i32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_instants_parse() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        assert_eq!(
            EventWhen::parse("2025-01-27"),
            Ok(EventWhen::Date(d("2025-01-27")))
        );
        for (raw, utc) in [
            ("2025-01-29T01:00+08:00", "2025-01-28T17:00:00+00:00"),
            ("2025-01-27T14:30Z", "2025-01-27T14:30:00+00:00"),
            ("2025-01-27T09:30:15-05:00", "2025-01-27T14:30:15+00:00"),
            (
                "2025-01-27T09:30:15.5-0500",
                "2025-01-27T14:30:15.500+00:00",
            ),
        ] {
            let when = EventWhen::parse(raw).unwrap();
            let instant = when.instant().unwrap();
            assert_eq!(instant.given, raw);
            assert_eq!(instant.at.to_utc().to_rfc3339(), utc, "{raw}");
        }
        assert_eq!(
            EventWhen::parse("2025-01-29T01:00+08:00").unwrap().date(),
            d("2025-01-29")
        );
    }

    #[test]
    fn bad_instants_say_why() {
        let e = EventWhen::parse("2025-01-29T01:00").unwrap_err();
        assert!(e.contains("no UTC offset"), "{e}");
        let e = EventWhen::parse("2025-01-29T25:00+08:00").unwrap_err();
        assert!(e.contains("is not YYYY-MM-DDTHH:MM"), "{e}");
        let e = EventWhen::parse("1066-10-14T09:00Z").unwrap_err();
        assert!(e.contains("outside"), "{e}");
        let e = EventWhen::parse("27/01/2025").unwrap_err();
        assert!(e.contains("is not YYYY-MM-DD"), "{e}");
        let e = EventWhen::parse("notadate").unwrap_err();
        assert!(e.starts_with("date 'notadate' is not YYYY-MM-DD"), "{e}");
    }
}
