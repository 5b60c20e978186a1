//! Plan: validated settings → the event jobs, keyed by id, grouped by the (firm, benchmark)
//! pair they run on, and the calendar range each symbol must cover. Reads the batch file, if
//! any; touches no price data.

use std::collections::HashMap;

use rayon::iter::Either;
use rayon::prelude::*;

use crate::data::events::read_events;
use crate::data::fetch::calendar_span;
use crate::data::store::DateRange;
use crate::error::{Error, Result};
use crate::event::{EventSpec, Exclusion};
use crate::options::{EventInput, StudySettings};
use crate::study::WindowSpec;
use crate::ticker::Ticker;

/// One event to study. `id` is its 1-based position among the run's events: the key of every
/// per-event output (one firm may have several events).
#[derive(Debug, Clone)]
pub struct EventJob {
    pub id: usize,
    pub spec: EventSpec,
}

/// The events that share one firm and one benchmark: aligned once, studied together.
#[derive(Debug, Clone)]
pub struct PairJobs {
    pub firm: Ticker,
    pub benchmark: Ticker,
    /// Indices into [`Plan::jobs`], in the events' order.
    pub jobs: Vec<usize>,
}

/// What the run will do.
#[derive(Debug, Clone)]
pub struct Plan {
    pub jobs: Vec<EventJob>,
    /// Batch rows that could not be read: reported in `excluded`, never fatal.
    pub rejected: Vec<Exclusion>,
    /// The jobs grouped by pair, in the order of each pair's first event.
    pub pairs: Vec<PairJobs>,
}

impl Plan {
    /// Whether an event was given as an instant: its day 0 needs the exchange's clock.
    pub fn needs_clock(&self) -> bool {
        self.jobs.iter().any(|j| j.spec.instant.is_some())
    }

    /// The benchmark of every event, when they all share one: a failure to load it fails the
    /// run, since no event could run without it.
    pub fn single_benchmark(&self) -> Option<&Ticker> {
        let first = &self.jobs.first()?.spec.benchmark;
        self.jobs
            .iter()
            .all(|j| &j.spec.benchmark == first)
            .then_some(first)
    }

    /// One request per symbol (firms and benchmarks): the union of the calendar dates its
    /// events need, in first-seen order.
    pub fn symbol_needs(&self, study: &StudySettings) -> Vec<(Ticker, DateRange)> {
        let mut needs: Vec<(Ticker, DateRange)> = Vec::new();
        let mut index: HashMap<Ticker, usize> = HashMap::new();
        for job in &self.jobs {
            let need = event_need(study, &job.spec);
            for symbol in [&job.spec.benchmark, &job.spec.ticker] {
                match index.get(symbol) {
                    Some(&i) => needs[i].1 = needs[i].1.union(need),
                    None => {
                        index.insert(symbol.clone(), needs.len());
                        needs.push((symbol.clone(), need));
                    }
                }
            }
        }
        needs
    }
}

/// Builds the plan: reads the batch file (a row that cannot be read is rejected with its line),
/// checks each event's relative windows, numbers the events and groups them by pair.
pub fn plan(events: &EventInput, study: &StudySettings) -> Result<Plan> {
    let (specs, rejected) = match events {
        EventInput::List(specs) => (specs.clone(), Vec::new()),
        EventInput::File {
            path,
            defaults,
            text,
        } => {
            let (specs, mut rejected) = read_events(path, text.as_deref(), defaults)?;
            if specs.is_empty() && rejected.is_empty() {
                return Err(Error::input(path, "has no events"));
            }
            // A row whose own windows conflict (a window too short for the CAR windows) is
            // that row's problem: it is excluded with its reason, the others run.
            let (valid, excluded): (Vec<EventSpec>, Vec<Exclusion>) =
                specs.into_par_iter().partition_map(|spec| {
                    let Err(e) = study.validate_event(&spec) else {
                        return Either::Left(spec);
                    };
                    Either::Right(Exclusion {
                        id: None,
                        ticker: spec.ticker.to_string(),
                        event_date: Some(spec.date),
                        label: spec.label.clone(),
                        row: spec.row,
                        reason: e.to_string(),
                        exit_code: e.exit_code(),
                    })
                });
            rejected.extend(excluded);
            (valid, rejected)
        }
    };
    let mut rejected = rejected;
    let ids = number_rows(&specs, &mut rejected);
    let jobs: Vec<EventJob> = specs
        .into_iter()
        .zip(ids)
        .map(|(spec, id)| EventJob { id, spec })
        .collect();
    let pairs = group_by_pair(&jobs);
    check_calendar_benchmarks(&pairs, study)?;
    Ok(Plan {
        jobs,
        rejected,
        pairs,
    })
}

/// A market-model calendar-time portfolio is regressed on one benchmark: a run whose events
/// name several cannot have one.
fn check_calendar_benchmarks(pairs: &[PairJobs], settings: &StudySettings) -> Result<()> {
    if settings.calendar_time.is_empty() || settings.model.uses_factors() {
        return Ok(());
    }
    let mut benchmarks: Vec<&str> = pairs.iter().map(|p| p.benchmark.as_str()).collect();
    benchmarks.sort_unstable();
    benchmarks.dedup();
    if benchmarks.len() > 1 {
        return Err(Error::usage(format!(
            "--calendar-time regresses the portfolio on one benchmark, and the events name {}: give every event the same benchmark, or use a factor model",
            benchmarks.join(", ")
        )));
    }
    Ok(())
}

/// The ids of the events, 1-based in the order given: a batch file's rows in file order,
/// counting the rows that could not be read or run (each rejected row gets its id too, so that
/// every row of the `events` table joins on it); a list's events in its order.
fn number_rows(specs: &[EventSpec], rejected: &mut [Exclusion]) -> Vec<usize> {
    let rows: Vec<Option<usize>> = specs.iter().map(|s| s.row).collect();
    if rows.iter().any(Option::is_none) || rejected.iter().any(|x| x.row.is_none()) {
        return (1..=specs.len()).collect();
    }
    let mut all: Vec<usize> = rows
        .iter()
        .flatten()
        .copied()
        .chain(rejected.iter().filter_map(|x| x.row))
        .collect();
    all.sort_unstable();
    let id_of = |row: usize| all.partition_point(|&r| r < row) + 1;
    for x in rejected.iter_mut() {
        x.id = x.row.map(id_of);
    }
    rows.into_iter().flatten().map(id_of).collect()
}

/// Groups the jobs by (firm, benchmark), keeping their order.
fn group_by_pair(jobs: &[EventJob]) -> Vec<PairJobs> {
    let mut pairs: Vec<PairJobs> = Vec::new();
    let mut pair_of: HashMap<(&Ticker, &Ticker), usize> = HashMap::new();
    for (i, job) in jobs.iter().enumerate() {
        let key = (&job.spec.ticker, &job.spec.benchmark);
        let p = *pair_of.entry(key).or_insert_with(|| {
            pairs.push(PairJobs {
                firm: job.spec.ticker.clone(),
                benchmark: job.spec.benchmark.clone(),
                jobs: Vec::new(),
            });
            pairs.len() - 1
        });
        pairs[p].jobs.push(i);
    }
    pairs
}

/// The calendar dates an event needs prices for: its windows, with room for holidays.
fn event_need(study: &StudySettings, event: &EventSpec) -> DateRange {
    // The CAR and BHAR windows (a BHAR window may reach months past the event window).
    let long = study.car_windows.iter().chain(&study.bhar_windows);
    let mut before = 1 + long.clone().map(|w| -w.start).max().unwrap_or(0).max(0);
    let mut after = long.map(|w| w.end).max().unwrap_or(0);
    let mut range: Option<DateRange> = None;
    for spec in [event.estimation, event.window] {
        match spec {
            WindowSpec::Relative(w) => {
                before = before.max(-w.start + 1);
                after = after.max(w.end);
            }
            WindowSpec::Dates { from, to } => {
                let dated = DateRange::new(
                    from - chrono::Duration::days(10),
                    to + chrono::Duration::days(10),
                );
                range = Some(range.map_or(dated, |r| r.union(dated)));
            }
        }
    }
    let relative = calendar_span(event.date, before, after);
    range.map_or(relative, |r| r.union(relative))
}
