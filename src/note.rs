//! What a run tells its user besides the numbers: notes on one event or symbol (a fallback
//! taken, a gap in the data, a repair of the store) and the warnings the console prints.
//!
//! Notes are typed so that code can tell them apart; they serialise as their sentence, which
//! is what `notes` holds in the JSON. This module imports nothing of the crate.

use std::fmt;
use std::path::PathBuf;

use chrono::NaiveDate;
use serde::{Serialize, Serializer};

/// Something worth knowing about one event's or one symbol's result.
#[derive(Debug, Clone, PartialEq, bincode::Encode, bincode::Decode)]
pub enum Note {
    /// SEC EDGAR could not answer for this firm.
    NoShareCountFromSec { reason: String },
    /// The `--shares-file` has no row for the ticker.
    NoShareCountInFile { ticker: String, file: PathBuf },
    /// SEC EDGAR answered, without a count for the ticker.
    SecHasNoShareCount { ticker: String },
    /// Neither `--shares` nor `--shares-file` was given and SEC is not asked (a CSV source).
    NoShareCountGiven,
    /// A share count dated before a split was scaled to the split-adjusted price basis.
    SharesSplitAdjusted {
        #[bincode(with_serde)]
        as_of: NaiveDate,
        factor: f64,
    },
    /// The source has no as-traded close: market value uses the adjusted close.
    MarketValueFromAdjustedClose,
    /// Event days without a return.
    DaysWithoutReturn { days: usize },
    /// No usable volume over the estimation window: the abnormal-volume fields are null.
    NoVolume,
    /// `--model garch`: the likelihood search did not converge; the event uses the OLS
    /// market model.
    GarchFallback,
    /// The event window runs past the end of the data.
    WindowPastData {
        window: String,
        days: usize,
        of: usize,
    },
    /// CAR windows that do not fit the event's own window: null for this event.
    CarWindowsLeftOut {
        windows: Vec<String>,
        window: String,
    },
    /// A BHAR window runs past the firm's last return (it stopped trading, or the data
    /// ends): its returns compound to that day.
    BharCutShort {
        window: String,
        days: usize,
        of: usize,
    },
    /// The store's copy of a symbol was unreadable and was fetched again.
    CorruptStoreRefetched { reason: String },
    /// The source re-based its prices (a split or dividend) and the whole history was fetched.
    PricesRebased,
    /// The requests for a symbol brought no new rows.
    NothingFetched,
    /// Yahoo's chart answer did not fit `yahoo_finance_api`'s types and was read by the
    /// tolerant reader.
    TolerantChartReader,
    /// SEC EDGAR refused the request (403): its fair-access policy wants a declared identity.
    SecRefused { status: String },
    /// Fewer sessions before an intraday event than `--estimation-sessions` asks for.
    FewerEstimationSessions { sessions: usize, of: usize },
    /// `fetch --interval`: part of the range is older than Yahoo keeps; the rest was fetched.
    BeyondYahooLimit {
        interval: String,
        from: String,
        kept_from: String,
        limit: String,
    },
}

impl Note {
    /// A note that holds for the whole run, not for one event or symbol: said once.
    pub fn is_run_wide(&self) -> bool {
        matches!(self, Note::TolerantChartReader | Note::SecRefused { .. })
    }

    /// The sentence without the one event or symbol it is about: the console says a note
    /// that many events share once, with their count and the first few of them.
    pub fn shared_sentence(&self) -> String {
        match self {
            Note::NoShareCountInFile { file, .. } => {
                format!("no share count in {}: market value is null", file.display())
            }
            Note::SecHasNoShareCount { .. } => {
                "SEC EDGAR has no share count: market value is null".to_string()
            }
            other => other.to_string(),
        }
    }
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Note::NoShareCountFromSec { reason } => {
                write!(f, "no share count from SEC EDGAR ({reason}): market value is null")
            }
            Note::NoShareCountInFile { ticker, file } => write!(
                f,
                "no share count for {ticker} in {}: market value is null",
                file.display()
            ),
            Note::SecHasNoShareCount { ticker } => {
                write!(f, "SEC EDGAR has no share count for {ticker}: market value is null")
            }
            Note::NoShareCountGiven => {
                f.write_str("no share count (--shares or --shares-file): market value is null")
            }
            Note::SharesSplitAdjusted { as_of, factor } => write!(
                f,
                "share count as of {as_of} scaled by {factor} for the split(s) since, to match split-adjusted prices"
            ),
            Note::MarketValueFromAdjustedClose => {
                f.write_str("no close prices: market value uses adjusted close")
            }
            Note::GarchFallback => f.write_str(
                "the GARCH(1,1) fit did not converge: this event uses the OLS market model",
            ),
            Note::NoVolume => f.write_str(
                "no trading volume that varies over the estimation window (none in the data, or fewer than three days): abnormal volume is null",
            ),
            Note::DaysWithoutReturn { days } => {
                write!(f, "{days} event day(s) without a return: AR is null there")
            }
            Note::WindowPastData { window, days, of } => write!(
                f,
                "the event window {window} runs past the data: {days} of {of} days"
            ),
            Note::CarWindowsLeftOut { windows, window } => write!(
                f,
                "the CAR window(s) {} do not fit the event window {window}: left out (null) for this event",
                windows.join(", ")
            ),
            Note::BharCutShort { window, days, of } => write!(
                f,
                "the BHAR window {window} runs past the firm's last return: compounded over {days} of {of} days"
            ),
            Note::CorruptStoreRefetched { reason } => {
                write!(f, "the store's copy was corrupt ({reason}); fetched again")
            }
            Note::PricesRebased => f.write_str(
                "prices were re-based by the source (a split or dividend): refetched the whole history",
            ),
            Note::NothingFetched => f.write_str("nothing fetched"),
            Note::TolerantChartReader => f.write_str(
                "Yahoo's chart answer no longer fits yahoo_finance_api's types; it was read with the tolerant reader (the numbers are the same; `eventstudy doctor` shows the drift)",
            ),
            Note::FewerEstimationSessions { sessions, of } => write!(
                f,
                "the data holds {sessions} sessions before the event's, fewer than the {of} asked: the model is fitted on those"
            ),
            Note::BeyondYahooLimit {
                interval,
                from,
                kept_from,
                limit,
            } => write!(
                f,
                "{interval} bars from {from} are older than Yahoo keeps ({limit}): fetched from {kept_from}; a daily `fetch --interval {interval}` from cron keeps an archive"
            ),
            Note::SecRefused { status } => write!(
                f,
                "SEC EDGAR refused the request ({status}): its fair-access policy asks every client to declare a name and a contact e-mail; set EVENTSTUDY_SEC_USER_AGENT='Your Name you@example.com'. Market value is null"
            ),
        }
    }
}

impl Serialize for Note {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// A line the console prints on stderr as `warning: ...` (unless `--quiet`).
#[derive(Debug, Clone, PartialEq)]
pub enum Warning {
    /// A note on one event or one symbol (named as in the charts).
    Symbol { symbol: String, note: Note },
    /// A note that holds for the whole run, said once.
    RunWide(Note),
    /// An event that could not run.
    Excluded {
        ticker: String,
        date: Option<NaiveDate>,
        reason: String,
    },
    /// A symbol that could not be fetched.
    FetchFailed { symbol: String, reason: String },
    /// Per-event charts for a large run are slow.
    ManyEventCharts { events: usize },
    /// A chart whose data cannot be drawn (corrupt prices) was not written.
    ChartSkipped { subject: String, why: String },
    /// `--cross-section` was asked, but fewer than two events ran: there is no regression.
    NoCrossSection { events: usize },
    /// A table too long for a sheet of `tables.xlsx` (what it says, naming the file to read).
    TableLeftOut(String),
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Warning::Symbol { symbol, note } => write!(f, "{symbol}: {note}"),
            Warning::RunWide(note) => write!(f, "{note}"),
            Warning::Excluded {
                ticker,
                date,
                reason,
            } => write!(
                f,
                "{ticker} {}: {reason}",
                date.map_or(String::new(), |d| d.to_string())
            ),
            Warning::FetchFailed { symbol, reason } => write!(f, "{symbol}: {reason}"),
            Warning::ChartSkipped { subject, why } => write!(f, "{subject}: chart {why}"),
            Warning::TableLeftOut(what) => write!(f, "{what}"),
            Warning::ManyEventCharts { events } => write!(
                f,
                "rendering 4 charts for each of {events} events; --no-event-charts renders the portfolio's only"
            ),
            Warning::NoCrossSection { events } => write!(
                f,
                "--cross-section: {events} event(s) ran, too few for a regression; none was made"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_serialise_as_their_sentence() {
        let note = Note::DaysWithoutReturn { days: 2 };
        assert_eq!(
            serde_json::to_string(&note).unwrap(),
            "\"2 event day(s) without a return: AR is null there\""
        );
        let w = Warning::Excluded {
            ticker: "NVDA".into(),
            date: None,
            reason: "no data".into(),
        };
        assert_eq!(w.to_string(), "NVDA : no data");
    }
}
