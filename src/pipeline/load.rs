//! Load: the plan's symbols from their source → one aligned return panel per (firm, benchmark)
//! pair, the factor table of a factor model, and the share-count sources. Each symbol is loaded
//! once and each pair aligned once; a failure is kept (as a cloneable error) for the events
//! that need it.

use crate::study::calendar_time::Regressors;
use std::collections::HashMap;

use chrono::NaiveDate;
use rayon::prelude::*;

use crate::console::Console;
use crate::data::factors::FactorTable;
use crate::data::fetch::{Fetcher, Progress};
use crate::data::http::NetworkSettings;
use crate::data::sec::{adjust_for_splits, SecClient};
use crate::data::store::Store;
use crate::data::yahoo::SplitEvent;
use crate::data::{align, AlignedPrices, PriceFrame, PriceSource, ShareCount, SharesTable};
use crate::error::{exit, Error, Result};
use crate::note::Note;
use crate::options::{DataSettings, SharesSpec, SourceSpec, StudySettings};
use crate::pipeline::plan::Plan;
use crate::study::engine::FactorPanel;
use crate::study::model::MAX_REGRESSORS;
use crate::study::{self, ModelKind, ReturnKind, ReturnPanel};
use crate::ticker::Ticker;
use crate::util::epoch_days;

/// Prices from the local store, filled from Yahoo first (unless offline).
pub struct StoreSource {
    store: Store,
    /// Symbols whose fetch failed, and why: their loads report that, not "not in the store".
    failures: HashMap<Ticker, Error>,
}

impl PriceSource for StoreSource {
    fn load(&self, ticker: &Ticker) -> Result<PriceFrame> {
        if let Some(failure) = self.failures.get(ticker) {
            return Err(Error::data(failure.to_string()));
        }
        self.store.price_frame(ticker).map(|(frame, _)| frame)
    }

    fn splits(&self, ticker: &Ticker) -> Vec<SplitEvent> {
        self.store
            .manifest(ticker)
            .ok()
            .flatten()
            .map(|m| m.splits)
            .unwrap_or_default()
    }

    fn describe(&self) -> String {
        format!("yahoo (store: {})", self.store.root().display())
    }

    fn fetched_on(&self, ticker: &Ticker) -> Option<NaiveDate> {
        let manifest = self.store.manifest(ticker).ok().flatten()?;
        Some(manifest.tail_fetched_at.date_naive())
    }

    fn exchange_zone(&self, ticker: &Ticker) -> Option<String> {
        self.store.manifest(ticker).ok().flatten()?.timezone
    }
}

impl StoreSource {
    /// Fills the store for every symbol the plan needs, one request per symbol. What cannot be
    /// had is remembered: the events that need it are excluded with the reason (or the run
    /// fails, when that is its one benchmark).
    pub fn fill(
        plan: &Plan,
        study: &StudySettings,
        data: &DataSettings,
        console: &Console,
    ) -> Result<StoreSource> {
        let store = Store::open(&data.data_dir)?;
        let fetcher = Fetcher::new(store.clone(), NetworkSettings::from_env()?, data.store_mode);
        let needs = plan.symbol_needs(study);
        let progress = console.progress("fetching");
        let results = fetcher.ensure_ranges(&needs, progress.as_ref());
        let mut failures = HashMap::new();
        for ((symbol, _), result) in needs.iter().zip(results) {
            match result {
                Ok(report) => {
                    for note in &report.notes {
                        console.note_on_symbol(symbol.as_str(), note);
                    }
                }
                Err(e) => {
                    failures.insert(symbol.clone(), e);
                }
            }
        }
        console.flush();
        Ok(StoreSource { store, failures })
    }
}

/// The source a run's settings name.
pub fn price_source(
    plan: &Plan,
    study: &StudySettings,
    data: &DataSettings,
    console: &Console,
) -> Result<Box<dyn PriceSource>> {
    Ok(match &data.source {
        SourceSpec::CsvDir(dir) => Box::new(crate::data::csv::CsvDirSource::new(dir)),
        SourceSpec::Yahoo => Box::new(StoreSource::fill(plan, study, data, console)?),
        SourceSpec::Memory => return Err(SourceSpec::memory_refused("this study")),
    })
}

/// Where share counts come from, in order of precedence.
pub struct ShareSources {
    spec: SharesSpec,
    table: Option<SharesTable>,
    sec: Option<SecClient>,
}

impl ShareSources {
    pub fn new(data: &DataSettings) -> Result<Self> {
        let table = match &data.shares {
            SharesSpec::File(path) => Some(SharesTable::read_csv(path)?),
            _ => None,
        };
        // SEC EDGAR goes with the network source; a CSV run stays off the network.
        let sec = match (&data.shares, &data.source) {
            (SharesSpec::None, SourceSpec::Yahoo) => Some(SecClient::new(
                &data.data_dir,
                NetworkSettings::from_env()?,
                data.store_mode,
            )),
            _ => None,
        };
        Ok(ShareSources {
            spec: data.shares.clone(),
            table,
            sec,
        })
    }

    /// The count for `ticker` as of `day_before`, on the price basis of `splits` (the source's
    /// split history: a count dated before a split is scaled by it). Notes say what was done or
    /// why there is no count.
    pub fn count(
        &self,
        ticker: &Ticker,
        day_before: NaiveDate,
        splits: &[SplitEvent],
        notes: &mut Vec<Note>,
    ) -> Option<ShareCount> {
        let dated = match &self.spec {
            SharesSpec::Count(n) => {
                return Some(ShareCount {
                    shares: *n,
                    as_of: None,
                    adr_ratio: 1.0,
                    source: "--shares".into(),
                })
            }
            SharesSpec::File(_) => self
                .table
                .as_ref()
                .and_then(|t| t.lookup(ticker, day_before)),
            SharesSpec::None => match self
                .sec
                .as_ref()
                .map(|sec| sec.share_count(ticker, day_before))
            {
                Some(Ok(count)) => count,
                Some(Err(e)) => {
                    let refused = self.sec.as_ref().and_then(SecClient::refused);
                    notes.push(match refused {
                        Some(status) => Note::SecRefused { status },
                        None => Note::NoShareCountFromSec {
                            reason: e.to_string(),
                        },
                    });
                    return None;
                }
                None => None,
            },
        };
        let Some(mut count) = dated else {
            notes.push(match &self.spec {
                SharesSpec::File(path) => Note::NoShareCountInFile {
                    ticker: ticker.to_string(),
                    file: path.clone(),
                },
                _ if self.sec.is_some() => Note::SecHasNoShareCount {
                    ticker: ticker.to_string(),
                },
                _ => Note::NoShareCountGiven,
            });
            return None;
        };
        if let Some(as_of) = count.as_of {
            let (shares, factor) = adjust_for_splits(count.shares, as_of, splits);
            if factor != 1.0 {
                notes.push(Note::SharesSplitAdjusted { as_of, factor });
                count.shares = shares;
                count.source = format!("{}, split-adjusted x{factor}", count.source);
            }
        }
        Some(count)
    }
}

/// A firm and its benchmark, aligned and turned into returns once for all their events.
pub struct Pair {
    pub aligned: AlignedPrices,
    firm_returns: Vec<f64>,
    market_returns: Vec<f64>,
    /// The price market value is computed from (close, else adjusted close).
    close: Vec<f64>,
    close_note: Option<Note>,
    /// The firm's return minus RF, and the model's factors, for a factor model.
    excess: Vec<f64>,
    factors: Vec<Vec<f64>>,
    /// The risk-free rate of a factor model's file, on the pair's calendar (empty otherwise).
    rf: Vec<f64>,
    /// Calendar keys (days since 1970) for the cross-event residual correlation.
    pub keys: Vec<i32>,
    pub splits: Vec<SplitEvent>,
    /// The firm's exchange's time zone as the source records it (an IANA name).
    pub exchange_zone: Option<String>,
    /// Whether the firm has any volume (checked once, not per event).
    has_volume: bool,
    /// The firm's and the benchmark's simple returns when the study's are log returns.
    simple_returns: Option<[Vec<f64>; 2]>,
}

impl Pair {
    fn new(
        model: ModelKind,
        returns: ReturnKind,
        (firm, benchmark): (&PriceFrame, &PriceFrame),
        splits: Vec<SplitEvent>,
        factors: Option<&FactorTable>,
    ) -> Result<Pair> {
        let aligned = align(firm, benchmark)?;
        let firm_returns = study::returns(&aligned.firm_adj_close, returns);
        let market_returns = study::returns(&aligned.benchmark_adj_close, returns);
        let (close, close_note) = if firm.has_close() {
            (aligned.firm_close.clone(), None)
        } else {
            (
                aligned.firm_adj_close.clone(),
                Some(Note::MarketValueFromAdjustedClose),
            )
        };
        let (excess, factor_columns, rf) = match factors {
            Some(table) => {
                let mut names: Vec<&str> = model.factor_columns().to_vec();
                names.push("RF");
                let mut columns = table.on_calendar(&aligned.calendar, &names)?;
                let rf = columns.pop().unwrap_or_default();
                let excess = firm_returns.iter().zip(&rf).map(|(r, f)| r - f).collect();
                (excess, columns, rf)
            }
            None => (Vec::new(), Vec::new(), Vec::new()),
        };
        let keys = aligned
            .calendar
            .dates()
            .iter()
            .copied()
            .map(epoch_days)
            .collect();
        // Buy-and-hold returns compound simple returns whatever `--returns` says.
        let simple_returns = match returns {
            ReturnKind::Simple => None,
            _ => Some([
                study::returns(&aligned.firm_adj_close, ReturnKind::Simple),
                study::returns(&aligned.benchmark_adj_close, ReturnKind::Simple),
            ]),
        };
        Ok(Pair {
            has_volume: aligned.firm_volume.iter().any(|v| v.is_finite()),
            simple_returns,
            aligned,
            firm_returns,
            market_returns,
            close,
            close_note,
            excess,
            factors: factor_columns,
            rf,
            keys,
            splits,
            exchange_zone: None,
        })
    }

    /// The firm's market value at each close for a share count, and the note on its price.
    pub fn market_value(&self, count: &ShareCount) -> (Vec<f64>, Option<Note>) {
        let shares = count.listed_shares();
        (
            self.close.iter().map(|p| p * shares).collect(),
            self.close_note.clone(),
        )
    }

    /// The firm's and the benchmark's simple returns (for buy-and-hold returns).
    pub fn simple_returns(&self) -> (&[f64], &[f64]) {
        match &self.simple_returns {
            Some([firm, benchmark]) => (firm, benchmark),
            None => (&self.firm_returns, &self.market_returns),
        }
    }

    /// The calendar-time portfolio's regressors on position `i` of the calendar: the factors
    /// and RF of a factor model, else the benchmark's simple return (RF 0).
    pub fn calendar_regressors(&self, i: usize) -> Regressors {
        match self.factors.is_empty() {
            true => Regressors {
                rf: 0.0,
                factors: vec![self.simple_returns().1[i]],
            },
            false => Regressors {
                rf: self.rf[i],
                factors: self.factors.iter().map(|c| c[i]).collect(),
            },
        }
    }

    /// The engine's view of the pair, with a market value series when there is one.
    pub fn panel<'a>(&'a self, market_value: Option<&'a [f64]>) -> ReturnPanel<'a> {
        let mut panel = ReturnPanel::new(&self.firm_returns, &self.market_returns, market_value);
        if self.has_volume {
            panel.volume = Some(&self.aligned.firm_volume);
        }
        if !self.factors.is_empty() {
            let empty: &[f64] = &[];
            let mut columns = [empty; MAX_REGRESSORS];
            for (slot, column) in columns.iter_mut().zip(&self.factors) {
                *slot = column;
            }
            panel.factors = Some(FactorPanel {
                excess_firm: &self.excess,
                columns,
            });
        }
        panel
    }
}

/// Everything the study stage reads.
pub struct Loaded {
    /// One per [`Plan::pairs`], in its order; an error is shared by the pair's events.
    pub pairs: Vec<Result<Pair>>,
    pub shares: ShareSources,
    /// The source, as the console and JSON name it.
    pub source: String,
    /// When each symbol's prices were fetched (a store source only).
    pub fetched: std::collections::BTreeMap<String, NaiveDate>,
}

/// Every symbol of the plan's pairs, each loaded once, in parallel.
fn load_symbols(
    plan: &Plan,
    source: &dyn PriceSource,
    progress: &dyn Progress,
) -> HashMap<Ticker, Result<PriceFrame>> {
    let mut symbols: Vec<&Ticker> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for p in &plan.pairs {
        for symbol in [&p.firm, &p.benchmark] {
            if seen.insert(symbol) {
                symbols.push(symbol);
            }
        }
    }
    progress.start(symbols.len());
    let frames = symbols
        .par_iter()
        .map(|&symbol| {
            // Each symbol's prices are checked once, however many pairs use them.
            let frame = source
                .load(symbol)
                .and_then(|f| refuse_implausible_moves(symbol, &f).map(|()| f));
            progress.done(symbol);
            (symbol.clone(), frame)
        })
        .collect();
    progress.finish();
    frames
}

/// Loads every pair of the plan from `source`, each symbol once: the symbols in parallel,
/// then the pairs' alignments in parallel.
pub fn load(
    plan: &Plan,
    study: &StudySettings,
    data: &DataSettings,
    source: &dyn PriceSource,
    progress: &dyn Progress,
) -> Result<Loaded> {
    let factors = if study.model.uses_factors() {
        let table = FactorTable::read(&study.factors)?;
        table.require(study.model.factor_columns())?;
        Some(table)
    } else {
        None
    };
    let shares = ShareSources::new(data)?;
    let frames = load_symbols(plan, source, progress);
    let frame = |ticker: &Ticker| -> Result<&PriceFrame> {
        match frames.get(ticker) {
            Some(Ok(frame)) => Ok(frame),
            Some(Err(e)) => Err(e.clone()),
            None => Err(Error::Internal(format!("{ticker} was not loaded"))),
        }
    };
    // A single benchmark that cannot be loaded fails the whole run, as there is nothing to do.
    if let Some(benchmark) = plan.single_benchmark() {
        if let Err(e) = frame(benchmark) {
            return Err(benchmark_failure(benchmark, &e));
        }
    }
    let needs_clock = plan.needs_clock();
    let pairs = plan
        .pairs
        .par_iter()
        .map(|p| {
            let firm = frame(&p.firm)?;
            let benchmark =
                frame(&p.benchmark).map_err(|e| e.context(format!("benchmark {}", p.benchmark)))?;
            Pair::new(
                study.model,
                study.returns,
                (firm, benchmark),
                source.splits(&p.firm),
                factors.as_ref(),
            )
            .map(|pair| Pair {
                exchange_zone: needs_clock.then(|| source.exchange_zone(&p.firm)).flatten(),
                ..pair
            })
        })
        .collect();
    let fetched = frames
        .keys()
        .filter_map(|t| Some((t.to_string(), source.fetched_on(t)?)))
        .collect();
    Ok(Loaded {
        pairs,
        shares,
        source: source.describe(),
        fetched,
    })
}

/// A price series with a day that cannot be a market's move (a return beyond +1,000%, a price
/// that is not positive) is an input error naming the symbol, the date and the values: the
/// study would otherwise report it as a confident abnormal return.
fn refuse_implausible_moves(symbol: &Ticker, frame: &PriceFrame) -> Result<()> {
    let prices =
        crate::data::prices::f64_column(frame.frame(), crate::data::prices::col::ADJ_CLOSE)?;
    let Some((i, r)) = study::first_implausible_move(&prices) else {
        return Ok(());
    };
    let date = frame.dates()?[i];
    Err(if r.is_nan() {
        Error::usage(format!(
            "{symbol}: the adjusted close on {date} is {}, not a positive price",
            prices[i]
        ))
    } else {
        let before = prices[..i].iter().rev().find(|p| !p.is_nan()).copied();
        Error::usage(format!(
            "{symbol}: the adjusted close goes from {} to {} on {date}, a return of {:+.3e}%, beyond the plausible +{:.0}% a day: a corrupt price?",
            before.map_or("?".to_string(), readable),
            readable(prices[i]),
            r * 100.0,
            study::MAX_DAILY_RETURN * 100.0
        ))
    })
}

/// A price as a message shows it: plain digits in the usual range, else scientific.
fn readable(price: f64) -> String {
    if (1e-4..1e9).contains(&price.abs()) {
        format!("{}", (price * 1e4).round() / 1e4)
    } else {
        format!("{price:e}")
    }
}

/// The run's one benchmark could not be loaded: a usage error if the input was bad, else a
/// data error.
fn benchmark_failure(benchmark: &Ticker, e: &Error) -> Error {
    let message = format!("benchmark {benchmark}: {e}");
    if e.exit_code() == exit::USAGE {
        Error::usage(message)
    } else {
        Error::data(message)
    }
}
