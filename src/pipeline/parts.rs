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
//! The calendar-time portfolios (`--calendar-time`) hold a firm once a day by its first event
//! across every part, which the parts cannot know: they are refused here.

use std::collections::BTreeMap;

use super::{plan, study, study_part, summarize_and_write, workers, RunOutcome, StudiedPart};
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
}

/// Studies the events of `options` (one part of a batch) on `source`, their ids counted from
/// `first_id`; nothing is written.
pub fn partial(options: &RunOptions, source: &dyn PriceSource, first_id: usize) -> Result<Partial> {
    if !options.study.calendar_time.is_empty() {
        return Err(Error::usage(
            "--calendar-time needs every event at once (a firm is held once a day, by its first event): run it in one batch, not in parts",
        ));
    }
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
    // Each part keeps what a run of its own size keeps; `combine` reads either form.
    let event_folders = options.output.event_folders(plan.jobs.len());
    let part =
        workers()?.install(|| study_part(options, &plan, source, &console, event_folders))?;
    Ok(Partial { part, planned })
}

/// The run of `options` over every part: its summary, aggregate and files, as one batch of
/// the parts' events would have written them.
pub fn combine(options: &RunOptions, partials: Vec<Partial>) -> Result<RunOutcome> {
    let console = Console::new(options.output.quiet);
    let planned: usize = partials.iter().map(|p| p.planned).sum();
    let mut parts = partials.into_iter().map(|p| p.part);
    let Some(mut whole) = parts.next() else {
        return Err(Error::usage("nothing to combine: no part was given"));
    };
    let mut fetched: BTreeMap<String, chrono::NaiveDate> = std::mem::take(&mut whole.fetched);
    for part in parts {
        let study::Studied {
            events,
            excluded,
            pool,
            bhar_path,
            calendar: _,
        } = part.studied;
        let s = &mut whole.studied;
        s.events.extend(events);
        s.excluded.extend(excluded);
        s.pool.merge(&pool);
        s.bhar_path.merge(&bhar_path);
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
    let event_folders = options.output.event_folders(planned);
    summarize_and_write(options, whole, event_folders, &console)
}
