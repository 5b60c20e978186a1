//! A batch in parts: [`partial`] studies one part of the events (on one worker of a cluster,
//! say) and [`combine`] puts the parts together into the run one `batch` over all of them
//! would have made.
//!
//! What each part can sum on its own is merged by addition: the pooled estimation residuals
//! (`Pool`: the per-day cross-sections of the estimation windows that Kolari-Pynnönen's
//! correlation and the rank test's ranks need), the BHAR paths' sums. What must be global is
//! every statistic that reads the whole cross-section of the events on a day (the median, the
//! Wilcoxon signed ranks, the generalized sign test's counts, the cross-sectional t, the
//! cross-section regression, the groups): so a part keeps each event's report, and the
//! aggregate is computed once, in `combine`, over the union, as a batch computes it. The
//! numbers equal the batch's but for the order of floating-point additions in the pooled sums
//! (parts are added after their pairs, not pair after pair).
//!
//! The events of different parts must have different ids: each part is given the id of its
//! first event ([`partial`]'s `first_id`: one more than the events in the parts before it);
//! a batch file's line numbers move with it, so that the parts of one file, cut into
//! consecutive slices, name the whole file's lines.
//! The calendar-time portfolios (`--calendar-time`) hold a firm once a day, by its first event:
//! each part keeps its holdings with its firms' tickers, and `combine` renumbers the firms into
//! one set and puts the parts' holdings in the order of their ids, so that a firm in two parts
//! is held by its first event across them, as in one batch; the portfolios are formed there.

use std::collections::BTreeMap;

use super::{
    plan, study, study_part, summarize, summarize_and_write, workers, Prices, RunOutcome,
    StudiedPart,
};
use crate::console::Console;
use crate::data::PriceSource;
use crate::error::{Error, Result};
use crate::options::RunOptions;

/// One part of a batch, studied: its events' reports and exclusions, and its pooled sums.
pub struct Partial {
    part: StudiedPart,
    /// Events the part's plan studied (ran or not): the run's size decides its folders.
    planned: usize,
}

impl Partial {
    /// The events that ran in this part.
    pub fn events(&self) -> usize {
        self.part.studied.events.len()
    }

    /// The events of this part that could not run.
    pub fn excluded(&self) -> usize {
        self.part.studied.excluded.len()
    }

    /// The smallest id of the part's events, ran or not (none: after every part).
    fn first_id(&self) -> usize {
        let studied = &self.part.studied;
        let ran = studied.events.iter().map(|e| e.id);
        let not = studied.excluded.iter().filter_map(|x| x.id);
        ran.chain(not).min().unwrap_or(usize::MAX)
    }
}

/// What the bytes of a part begin with, and the layout's version: a part from another version
/// of the library is refused, not misread.
const WIRE_MAGIC: &[u8; 8] = b"ESPART02";

impl Partial {
    /// The part as bytes (to pickle it, or to send it to another process): every report, the
    /// pooled sums and the BHAR sums, exactly (floats bit for bit).
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let mut bytes = WIRE_MAGIC.to_vec();
        let wire = (
            self.planned as u64,
            &self.part.source,
            bincode::serde::Compat(&self.part.fetched),
            &self.part.studied.events,
            &self.part.studied.excluded,
            &self.part.studied.pool,
            &self.part.studied.bhar_path,
            &self.part.studied.calendar,
        );
        bincode::encode_into_std_write(wire, &mut bytes, bincode::config::standard())
            .map_err(|e| Error::Internal(format!("cannot encode a part: {e}")))?;
        Ok(bytes)
    }

    /// The part [`Partial::to_bytes`] wrote.
    pub fn from_bytes(bytes: &[u8]) -> Result<Partial> {
        let Some(body) = bytes.strip_prefix(WIRE_MAGIC) else {
            return Err(Error::usage(
                "not a part of a batch written by this version of eventstudy",
            ));
        };
        type Wire = (
            u64,
            String,
            bincode::serde::Compat<BTreeMap<String, chrono::NaiveDate>>,
            Vec<crate::report::EventReport>,
            Vec<crate::event::Exclusion>,
            crate::study::aggregate::Pool,
            crate::study::bhar::PathSums,
            crate::study::calendar_time::CalendarPanel,
        );
        let (wire, read): (Wire, usize) =
            bincode::decode_from_slice(body, bincode::config::standard())
                .map_err(|e| Error::usage(format!("a part of a batch cannot be read: {e}")))?;
        if read != body.len() {
            return Err(Error::usage(
                "a part of a batch cannot be read: bytes left over after it",
            ));
        }
        let (planned, source, fetched, events, excluded, pool, bhar_path, calendar) = wire;
        Ok(Partial {
            part: StudiedPart {
                studied: study::Studied {
                    events,
                    excluded,
                    pool,
                    calendar,
                    bhar_path,
                },
                source,
                fetched: fetched.0,
            },
            planned: planned as usize,
        })
    }
}

/// Studies the events of `options` (one part of a batch), their ids counted from `first_id`;
/// nothing is written. Prices come from `prices` when given, else from the source the
/// settings name.
pub fn partial(
    options: &RunOptions,
    prices: Option<&dyn PriceSource>,
    first_id: usize,
) -> Result<Partial> {
    if first_id == 0 {
        return Err(Error::usage("the first id of a part is 1 or more"));
    }
    let console = Console::new(options.output.quiet);
    let mut plan = plan::plan(&options.events, &options.study)?;
    let offset = first_id - 1;
    // A part that is a slice of a batch file: its lines move with its ids, so that a row
    // names the whole file's line.
    for job in &mut plan.jobs {
        job.id += offset;
        job.spec.row = job.spec.row.map(|r| r + offset);
    }
    for x in &mut plan.rejected {
        x.id = x.id.map(|id| id + offset);
        x.row = x.row.map(|r| r + offset);
    }
    let planned = plan.jobs.len();
    let source = Prices::given_or_named(prices, &plan, options, &console)?;
    // Each part keeps what a run of its own size keeps; `combine` reads either form.
    let event_folders = options.output.event_folders(plan.jobs.len());
    let part =
        workers()?.install(|| study_part(options, &plan, source.get(), &console, event_folders))?;
    Ok(Partial { part, planned })
}

/// The run of `options` over every part: its summary, aggregate and files, as one batch of
/// the parts' events would have written them.
pub fn combine(options: &RunOptions, partials: Vec<Partial>) -> Result<RunOutcome> {
    let console = Console::new(options.output.quiet);
    let (whole, event_folders) = merge(options, partials)?;
    summarize_and_write(options, whole, event_folders, &console)
}

/// As [`combine`], in memory: the summary and aggregate, no file written (see
/// [`super::save`]).
pub fn combine_in_memory(options: &RunOptions, partials: Vec<Partial>) -> Result<RunOutcome> {
    let console = Console::new(options.output.quiet);
    let (whole, event_folders) = merge(options, partials)?;
    summarize(options, whole, event_folders, &console)
}

/// The parts as one studied batch (pools and BHAR sums added, reports in id order), and
/// whether the whole run keeps event folders.
fn merge(options: &RunOptions, mut partials: Vec<Partial>) -> Result<(StudiedPart, bool)> {
    let planned: usize = partials.iter().map(|p| p.planned).sum();
    // In the order of their events' ids, as one batch meets them: a firm in two parts is held
    // by its first event in a calendar-time portfolio.
    partials.sort_by_key(|p| p.first_id());
    let mut parts = partials.into_iter().map(|p| p.part);
    let Some(mut whole) = parts.next() else {
        return Err(Error::usage("nothing to combine: no part was given"));
    };
    let mut fetched: BTreeMap<String, chrono::NaiveDate> = std::mem::take(&mut whole.fetched);
    for part in parts {
        whole.studied.absorb(part.studied);
        fetched.extend(part.fetched);
    }
    whole.fetched = fetched;
    let s = &mut whole.studied;
    s.events.sort_by_key(|e| e.id);
    s.excluded.sort_by_key(|x| x.id.unwrap_or(usize::MAX));
    if let Some(pair) = s.events.windows(2).find(|p| p[0].id == p[1].id) {
        return Err(Error::usage(format!(
            "two parts hold an event with id {}: give each part the first id after the ones before it",
            pair[0].id
        )));
    }
    Ok((whole, options.output.event_folders(planned)))
}
