//! Study: each event of the plan on its pair's panel (day 0, windows, share count, the engine)
//! → its report, or its exclusion with the reason; then, with two events or more, the
//! aggregate. The numbers come from [`crate::study`]; this stage only resolves the calendar
//! and turns the engine's results into report rows.

use crate::study::calendar_time::{CalendarPanel, Holding};
use std::collections::HashMap;

use rayon::prelude::*;

use crate::console::Console;
use crate::error::{Error, Result};
use crate::event::EventSpec;
use crate::event::Exclusion;
use crate::note::{Note, Warning};
use crate::options::{validate_design, StudySettings};
use crate::pipeline::load::{Pair, ShareSources};
use crate::pipeline::plan::{EventJob, Plan};
use crate::report::{
    num, AggregateBharRow, BharRow, CarRow, CrossSectionReport, DayRow, DayValues, EventReport,
    MeanBharPath, PricePath, StoredDay,
};
use crate::study::aggregate::{CarMoments, DayMoments, EventView, Pool};
use crate::study::bhar::{self, BuyAndHoldPath, PathSums};
use crate::study::calendar::{Day0Rule, Session};
use crate::study::regression;
use crate::study::stats::student_t_critical;
use crate::study::{self, EventResult, RelWindow, StudyDesign, TradingCalendar, WindowSpec};
use chrono::NaiveDate;

/// The aggregate reads an event's numbers from its report (its estimation residuals already
/// pooled, the engine's result dropped): a large run keeps them once.
impl EventView for EventReport {
    fn day(&self, rel: i32) -> Option<DayMoments> {
        let report = self;
        // The first ten numbers of a day, and its (volume, abnormal volume, t) if any.
        let moments = |core: &[f64], volume: Option<&[f64]>| DayMoments {
            ar: core[DayValues::AR],
            sar: core[DayValues::AR_T],
            car: core[DayValues::CAR],
            market_value_change: core[DayValues::MARKET_VALUE_CHANGE],
            abnormal_market_value_change: core[DayValues::ABNORMAL_MARKET_VALUE_CHANGE],
            av: volume.map_or(f64::NAN, |v| v[1]),
            av_t: volume.map_or(f64::NAN, |v| v[2]),
        };
        // The days are consecutive: look where the day should be. A large run's stored
        // numbers are read in place (a million events, eleven days); a small run's rows are
        // flattened.
        if let Some(first) = report.day_values.first() {
            let at = usize::try_from(rel - first.rel).ok()?;
            let d = report.day_values.get(at).filter(|d| d.rel == rel)?;
            return Some(moments(
                &d.values,
                report.day_volumes.get(at).map(|v| &v[..]),
            ));
        }
        let d = report.day_at(usize::try_from(rel - report.days.first()?.rel).ok()?)?;
        (d.rel == rel).then(|| moments(&d.values, Some(&d.values[DayValues::VOLUME..])))
    }

    fn car(&self, index: usize, window: RelWindow) -> Option<CarMoments> {
        let cars = &self.car;
        let row = match cars.get(index) {
            Some(c) if c.rel_window == window => c,
            _ => cars.iter().find(|c| c.rel_window == window)?,
        };
        let v = |x: Option<f64>| x.unwrap_or(f64::NAN);
        Some(CarMoments {
            window,
            car: v(row.car),
            scar: v(row.t),
            market_value_change: v(row.market_value_change),
            abnormal_market_value_change: v(row.abnormal_market_value_change),
            volatility_ratio: v(row.volatility_ratio),
            days: row.days,
            av: v(row.abnormal_volume),
            av_t: v(row.abnormal_volume_t),
        })
    }

    fn dof(&self) -> f64 {
        self.degrees_of_freedom as f64
    }

    fn has_market_value(&self) -> bool {
        self.market_value_before.is_some()
    }

    fn prefetch_days(&self, positions: std::ops::Range<usize>) {
        crate::util::prefetch_part(&self.day_values, positions);
    }

    fn prefetch_cars(&self, indices: std::ops::Range<usize>) {
        crate::util::prefetch_part(&self.car, indices);
    }
}

/// Every event of the plan, studied or excluded, in the plan's order, and the pooled
/// estimation windows of those that ran.
pub struct Studied {
    pub events: Vec<EventReport>,
    pub excluded: Vec<Exclusion>,
    pub pool: Pool,
    /// The calendar-time portfolios' holdings and regressors (with `--calendar-time`).
    pub calendar: CalendarPanel,
    /// The events' BHAR paths summed day by day (with `--bhar`), for the portfolio's chart.
    pub bhar_path: PathSums,
}

impl Studied {
    /// The events of another part of the batch after these: its reports and exclusions
    /// appended, its pools and BHAR sums added, its calendar-time holdings renumbered into
    /// these firms (the order of the events is the caller's to restore).
    pub fn absorb(&mut self, other: Studied) {
        self.events.extend(other.events);
        self.excluded.extend(other.excluded);
        self.pool.merge(&other.pool);
        self.bhar_path.merge(&other.bhar_path);
        self.calendar.absorb(other.calendar);
    }
}

/// Not boxed: the outcomes vector becomes the events' vector in place at the end (see
/// [`study_events`]), where boxes meant a second vector of every report at the peak.
type Outcome = std::result::Result<EventReport, Exclusion>;

/// What one pair's events give: their outcomes by plan index, their pooled residuals and their
/// summed BHAR paths.
type PairOutcome = (Vec<(usize, Outcome)>, Pool, PathSums, CalendarPanel);

/// How the study keeps each event's report.
#[derive(Debug, Clone, Copy)]
pub struct Keep {
    /// The price chart's series (for the event's charts).
    pub price_paths: bool,
    /// Daily rows flat (`EventReport::day_values`): a large run without event folders.
    pub compact_days: bool,
}

/// Pairs studied at once: their pools are merged, in order, and dropped before the next ones,
/// so a run of 5,000 firms does not hold 5,000 pools.
const PAIRS_PER_CHUNK: usize = 256;

/// Studies every event of the plan, the pairs in parallel; each pair's panel (one per
/// [`Plan::pairs`], in its order) is dropped as soon as its events are done. Warnings are
/// printed afterwards, in the plan's order.
pub fn study_events(
    plan: &Plan,
    pairs: Vec<Result<Pair>>,
    shares: &ShareSources,
    study: &StudySettings,
    keep: Keep,
    console: &Console,
) -> Studied {
    let progress = console.progress("studying");
    progress.start(plan.pairs.len());
    let mut outcomes: Vec<Option<Outcome>> = plan.jobs.iter().map(|_| None).collect();
    let mut studied = Studied {
        events: Vec::new(),
        excluded: plan.rejected.clone(),
        pool: Pool::default(),
        bhar_path: PathSums::default(),
        calendar: CalendarPanel::default(),
    };
    // A firm is held once a day in a calendar-time portfolio, whatever its benchmarks: one id
    // per ticker.
    let mut firm_ids: HashMap<&str, u32> = HashMap::new();
    for p in &plan.pairs {
        let next = firm_ids.len() as u32;
        firm_ids.entry(p.firm.as_str()).or_insert_with(|| {
            studied.calendar.firms.push(p.firm.as_str().to_string());
            next
        });
    }
    let mut pairs = pairs.into_iter();
    for chunk in plan.pairs.chunks(PAIRS_PER_CHUNK) {
        let panels: Vec<Result<Pair>> = pairs.by_ref().take(chunk.len()).collect();
        let per_pair: Vec<PairOutcome> = chunk
            .par_iter()
            .zip(panels.into_par_iter())
            .map(|(pair_jobs, pair)| {
                let mut pool = Pool::default();
                let mut bhar_path = PathSums::default();
                let mut critical = CriticalValues::default();
                let mut calendar = CalendarPanel::default();
                let firm = firm_ids[pair_jobs.firm.as_str()];
                let outcomes = pair_jobs
                    .jobs
                    .iter()
                    .map(|&i| {
                        let job = &plan.jobs[i];
                        let studied = pair.as_ref().map_err(Clone::clone).and_then(|pair| {
                            let mut context = EventContext {
                                study,
                                shares,
                                keep,
                                pool: &mut pool,
                                bhar_path: &mut bhar_path,
                                critical: &mut critical,
                                calendar: &mut calendar,
                                firm,
                            };
                            study_event(&mut context, job, pair)
                        });
                        (i, studied.map_err(|e| job.spec.exclusion(Some(job.id), &e)))
                    })
                    .collect();
                progress.done(&pair_jobs.firm);
                (outcomes, pool, bhar_path, calendar)
            })
            .collect();
        // Pools merge in the plan's pair order: the same sums on every run, however threads ran.
        for (pair_outcomes, pool, bhar_path, calendar) in per_pair {
            studied.pool.merge(&pool);
            studied.bhar_path.merge(&bhar_path);
            studied.calendar.merge(calendar);
            for (i, outcome) in pair_outcomes {
                outcomes[i] = Some(outcome);
            }
        }
    }
    progress.finish();

    // A `filter_map` over the vector's own `into_iter`: the standard library collects it into
    // the same allocation (an outcome is as large as an event), so the million reports of a
    // large run are never held twice (3.8 GB peak before, with boxed outcomes).
    studied.events = outcomes
        .into_iter()
        .filter_map(|outcome| match outcome? {
            Ok(event) => {
                for note in &event.notes {
                    console.note_on_event(&event.display_name(false), note);
                }
                Some(event)
            }
            Err(x) => {
                console.warn(&Warning::Excluded {
                    ticker: x.ticker.clone(),
                    date: x.event_date,
                    reason: x.reason.clone(),
                });
                studied.excluded.push(x);
                None
            }
        })
        .collect();
    console.flush();
    studied.excluded.sort_by_key(|x| x.row.unwrap_or(0));
    disambiguate_slugs(&mut studied.events);
    studied
}

/// The aggregate of the events that ran (two at least), on the union of their event windows.
pub fn aggregate(
    events: &[EventReport],
    pool: &Pool,
    car_windows: &[RelWindow],
) -> Option<study::Aggregate> {
    if events.len() < 2 {
        return None;
    }
    let window = union_window(events.iter().map(|e| e.event_window));
    Some(study::aggregate::aggregate_pooled(
        events,
        pool,
        window,
        car_windows,
    ))
}

/// The smallest window holding every event's window.
fn union_window(windows: impl Iterator<Item = RelWindow>) -> RelWindow {
    windows
        .reduce(|a, b| RelWindow {
            start: a.start.min(b.start),
            end: a.end.max(b.end),
        })
        .unwrap_or(RelWindow { start: 0, end: 0 })
}

/// Two events of one ticker, date and label would share a folder: number the later ones.
fn disambiguate_slugs(reports: &mut [EventReport]) {
    let slugs: Vec<String> = reports.par_iter().map(EventReport::slug).collect();
    for (i, count) in repeated_slugs(&slugs) {
        let report = &mut reports[i];
        let label = report.label.take().unwrap_or_default();
        let dash = if label.is_empty() { "" } else { "-" };
        report.label = Some(format!("{label}{dash}{count}"));
    }
}

/// Each slug that an earlier one repeats, as (its position, its count: 2 for the first
/// repeat). Found by sorting the positions by slug on every core, not by hashing a million
/// slugs on one (a second of a million-event run).
fn repeated_slugs(slugs: &[String]) -> Vec<(usize, usize)> {
    let mut order: Vec<usize> = (0..slugs.len()).collect();
    order.par_sort_unstable_by(|&a, &b| slugs[a].cmp(&slugs[b]).then(a.cmp(&b)));
    order
        .chunk_by(|&a, &b| slugs[a] == slugs[b])
        .flat_map(|same| same.iter().enumerate().skip(1).map(|(k, &i)| (i, k + 1)))
        .collect()
}

/// Resolves a window of one event against its calendar and day 0.
fn resolve(
    spec: WindowSpec,
    name: &str,
    calendar: &TradingCalendar,
    day0: usize,
) -> Result<RelWindow> {
    spec.resolve(calendar, day0)
        .map_err(|m| Error::data(format!("{name} window {spec}: {m}")))
}

/// The 5% two-sided critical values of Student t by degrees of freedom: one inverse CDF per
/// distinct L - k (a root search costing more than the event's whole fit), not per event.
#[derive(Default)]
struct CriticalValues(HashMap<usize, f64>);

impl CriticalValues {
    fn at(&mut self, dof: usize) -> f64 {
        *self
            .0
            .entry(dof)
            .or_insert_with(|| student_t_critical(0.05, dof as f64))
    }
}

/// What studying an event needs besides the event and its pair: the settings, the share
/// counts, how to keep the report, and the pair's running pool and critical values.
struct EventContext<'a> {
    study: &'a StudySettings,
    shares: &'a ShareSources,
    keep: Keep,
    pool: &'a mut Pool,
    bhar_path: &'a mut PathSums,
    critical: &'a mut CriticalValues,
    /// The pair's calendar-time holdings, and its firm's id.
    calendar: &'a mut CalendarPanel,
    firm: u32,
}

/// Where an event's day 0 fell, and why.
struct Placed {
    day0: usize,
    /// The event's date: as given, or an instant's date on the exchange's clock.
    event_date: NaiveDate,
    rule: Day0Rule,
    /// The exchange's time zone an instant was placed in.
    zone: Option<chrono_tz::Tz>,
}

/// Day 0 of an event: a date by `--non-trading` and `--after-close`; an instant in the
/// session of its exchange (`--exchange-tz`, else the source's record of the firm's exchange,
/// else New York).
fn place_day0(study: &StudySettings, event: &EventSpec, pair: &Pair) -> Result<Placed> {
    let calendar = &pair.aligned.calendar;
    let placed = match &event.instant {
        None => calendar
            .resolve_day0_with_rule(event.date, study.non_trading, study.after_close)
            .map(|(day0, rule)| Placed {
                day0,
                event_date: event.date,
                rule,
                zone: None,
            }),
        Some(instant) => {
            let zone = study
                .exchange_tz
                .or_else(|| pair.exchange_zone.as_deref()?.parse().ok())
                .unwrap_or(chrono_tz::America::New_York);
            calendar
                .place_instant(instant.at, &Session::regular(zone))
                .map(|(day0, event_date, rule)| Placed {
                    day0,
                    event_date,
                    rule,
                    zone: Some(zone),
                })
        }
    };
    placed.map_err(|e| Error::data(e.to_string()))
}

/// Studies one event on its pair's panel: day 0, windows, share count, engine, report.
fn study_event(context: &mut EventContext<'_>, job: &EventJob, pair: &Pair) -> Result<EventReport> {
    let study = context.study;
    let event = &job.spec;
    let calendar = &pair.aligned.calendar;
    let placed = place_day0(study, event, pair)?;
    let day0 = placed.day0;
    if pair.aligned.firm_adj_close[day0].is_nan() {
        return Err(Error::data(format!(
            "no {} price on day 0 ({})",
            event.ticker,
            calendar.date(day0)
        )));
    }
    let design = study.design(
        resolve(event.estimation, "estimation", calendar, day0)?,
        resolve(event.window, "event", calendar, day0)?,
    );
    // Dated windows that conflict are the input's problem, as the same windows in days are.
    validate_design(&design)?;

    let mut notes = Vec::new();
    let day_before = calendar.date(day0.saturating_sub(1));
    let share_count = context
        .shares
        .count(&event.ticker, day_before, &pair.splits, &mut notes);
    let market_value = share_count.as_ref().map(|count| {
        let (values, note) = pair.market_value(count);
        notes.extend(note);
        values
    });

    let panel = pair.panel(market_value.as_deref());
    let result = study::run_event(&panel, &design, day0)?;
    let gaps = result.days.iter().filter(|d| d.ar.is_nan()).count();
    if gaps > 0 {
        notes.push(Note::DaysWithoutReturn { days: gaps });
    }
    if result.volume_model.is_none() {
        notes.push(Note::NoVolume);
    }
    if result.garch.is_some_and(|g| !g.converged) {
        notes.push(Note::GarchFallback);
    }
    let left_out: Vec<String> = (design.car_windows.iter())
        .filter(|w| !design.window.contains(**w))
        .map(ToString::to_string)
        .collect();
    if !left_out.is_empty() {
        notes.push(Note::CarWindowsLeftOut {
            windows: left_out,
            window: design.window.to_string(),
        });
    }
    if result.days.len() < design.window.len() {
        notes.push(Note::WindowPastData {
            window: design.window.to_string(),
            days: result.days.len(),
            of: design.window.len(),
        });
    }
    let critical = context.critical.at(result.model.dof() as usize);
    let rows = (!context.keep.compact_days).then_some(critical);
    let mut report = build_report(job, &design, calendar, &result, share_count, notes, rows);
    report.event_date = placed.event_date;
    report.day0_rule = placed.rule;
    report.event_time = event.instant.as_ref().map(|i| i.given.clone());
    report.exchange_tz = placed.zone.map(|z| z.name().to_string());
    if context.keep.price_paths {
        report.price_path = Some(Box::new(price_path(calendar, pair, &result, &design)));
    }
    if !study.bhar_windows.is_empty() {
        buy_and_hold_rows(&mut report, context, pair, day0);
    }
    if context.keep.compact_days {
        // Straight from the engine's days: no row struct is built only to be flattened.
        report.day_values = result
            .days
            .iter()
            .map(|d| stored_day(d, calendar))
            .collect();
        if result.days.iter().any(|d| d.volume.is_finite()) {
            let v = |x: f64| if x.is_finite() { x } else { f64::NAN };
            report.day_volumes = result
                .days
                .iter()
                .map(|d| [v(d.volume), v(d.abnormal_volume), v(d.abnormal_volume_t)])
                .collect();
        }
    }
    if let Some(method) = study.adjust {
        crate::report::adjust::adjust_event(&mut report, method);
    }
    if !study.calendar_time.is_empty() {
        let weight = report.market_value_before.unwrap_or(f64::NAN);
        calendar_holdings(context, pair, day0, weight);
    }
    // The residuals are pooled now, and only what the aggregate reads is kept: memory stays
    // bounded however many events.
    let (lo, hi) = result.estimation_span;
    context.pool.add(&result, &pair.keys[lo..=hi]);
    Ok(report)
}

fn build_report(
    job: &EventJob,
    design: &StudyDesign,
    calendar: &TradingCalendar,
    r: &EventResult,
    share_count: Option<crate::data::ShareCount>,
    notes: Vec<Note>,
    rows_with_critical: Option<f64>,
) -> EventReport {
    let event = &job.spec;
    // Without daily rows (a large run keeps its days flat), the AR band is not drawn either.
    let critical = rows_with_critical.unwrap_or(f64::NAN);
    let (mut raw_total, mut abnormal_total) = (0.0, 0.0);
    let running = |total: &mut f64, change: Option<f64>| {
        change.map(|c| {
            *total += c;
            *total
        })
    };
    let days = r
        .days
        .iter()
        .filter(|_| rows_with_critical.is_some())
        .map(|d| {
            let car_sd = num(d.car_variance.sqrt());
            let (raw, abnormal) = (
                num(d.market_value_change),
                num(d.abnormal_market_value_change),
            );
            DayRow {
                cumulative_market_value_change: running(&mut raw_total, raw),
                cumulative_abnormal_market_value_change: running(&mut abnormal_total, abnormal),
                rel: d.rel,
                date: calendar.date(d.index),
                ret: num(d.ret),
                benchmark_return: num(d.market),
                normal_return: num(d.normal),
                ar: num(d.ar),
                ar_t: num(d.ar_t),
                ar_p: num(d.ar_p),
                ar_p_adj: None,
                car: num(d.car),
                car_sd,
                market_value_change: raw,
                abnormal_market_value_change: abnormal,
                sar_squared: num(d.ar_t * d.ar_t),
                volume: num(d.volume),
                abnormal_volume: num(d.abnormal_volume),
                abnormal_volume_t: num(d.abnormal_volume_t),
                car_band: car_sd.map(|sd| critical * sd),
            }
        })
        .collect();
    let car = r
        .cars
        .iter()
        .map(|c| CarRow {
            window: c.window.label(),
            rel_window: c.window,
            start: c.span.map(|(s, _)| calendar.date(s)),
            end: c.span.map(|(_, e)| calendar.date(e)),
            days: c.days,
            car: num(c.car),
            t: num(c.t),
            p: num(c.p),
            p_adj: None,
            t_simple: num(c.t_simple),
            p_simple: num(c.p_simple),
            abnormal_market_value_change: num(c.abnormal_market_value_change),
            market_value_change: num(c.market_value_change),
            volatility_ratio: num(c.volatility_ratio),
            abnormal_volume: num(c.abnormal_volume),
            abnormal_volume_t: num(c.abnormal_volume_t),
        })
        .collect();
    let market_value_before = r
        .days
        .iter()
        .find(|d| d.rel == 0)
        .and_then(|d| num(d.market_value_before));
    let sigma = num(r.model.sigma);
    EventReport {
        id: job.id,
        label: event.label.clone(),
        row: event.row,
        ticker: event.ticker.as_str().to_owned(),
        event_date: event.date,
        day0: calendar.date(r.day0),
        benchmark: event.benchmark.as_str().to_owned(),
        model: r.model.kind,
        factor_betas: design
            .model
            .factor_columns()
            .iter()
            .zip(&r.model.betas)
            .map(|(name, beta)| (name.to_string(), *beta))
            .collect(),
        alpha: num(r.model.alpha),
        beta: num(r.model.beta()),
        sigma,
        ar_band: critical * sigma.unwrap_or(0.0),
        n_estimation: r.model.n,
        degrees_of_freedom: r.model.dof() as usize,
        estimation_start: calendar.date(r.estimation_span.0),
        estimation_end: calendar.date(r.estimation_span.1),
        estimation_window: design.estimation,
        event_window: design.window,
        shares_outstanding: share_count.as_ref().map(|c| c.listed_shares()),
        shares_as_of: share_count.as_ref().and_then(|c| c.as_of),
        shares_source: share_count.map(|c| c.source),
        market_value_before,
        diagnostics: Some(crate::report::diagnostics::DiagnosticsReport::new(
            &r.residual_tests,
            r.pretrend.as_ref(),
        )),
        garch: r.garch.as_ref().map(crate::report::GarchReport::from),
        days,
        car,
        notes,
        price_path: None,
        bhar: Vec::new(),
        characteristics: event.characteristics.clone(),
        group: event.group.clone(),
        bhar_path: None,
        day_values: Box::default(),
        day_volumes: Box::default(),
        event_time: None,
        day0_rule: Day0Rule::TradingDay,
        exchange_tz: None,
        adjust: None,
    }
}

/// The event's days inside each calendar-time window (its simple returns, its market value
/// at day -1 as the weight), and those days' regressors.
fn calendar_holdings(context: &mut EventContext<'_>, pair: &Pair, day0: usize, weight: f64) {
    let windows = &context.study.calendar_time;
    let panel = &mut *context.calendar;
    panel.holdings.resize(windows.len(), Vec::new());
    let firm_returns = pair.simple_returns().0;
    for (w, holdings) in windows.iter().zip(panel.holdings.iter_mut()) {
        let first = day0 as i64 + w.start as i64;
        let last = (day0 as i64 + w.end as i64).min(firm_returns.len() as i64 - 1);
        for i in first.max(0)..=last {
            let i = i as usize;
            let key = pair.keys[i];
            holdings.push(Holding {
                key,
                firm: context.firm,
                ret: firm_returns[i],
                weight,
            });
            panel
                .regressors
                .entry(key)
                .or_insert_with(|| pair.calendar_regressors(i));
        }
    }
}

/// The event's BHAR windows (METHODS, "Long horizons"), a note for each cut short; its
/// buy-and-hold path over all of them goes to the portfolio's sums (and to its chart).
fn buy_and_hold_rows(
    report: &mut EventReport,
    context: &mut EventContext<'_>,
    pair: &Pair,
    day0: usize,
) {
    let windows = &context.study.bhar_windows;
    let calendar = &pair.aligned.calendar;
    let (firm, benchmark) = pair.simple_returns();
    for &window in windows {
        let r = bhar::buy_and_hold(firm, benchmark, day0, window);
        if r.cut_short {
            report.notes.push(Note::BharCutShort {
                window: window.to_string(),
                days: r.days,
                of: window.len(),
            });
        }
        report.bhar.push(BharRow {
            window: window.label(),
            rel_window: window,
            start: r.span.map(|(s, _)| calendar.date(s)),
            end: r.span.map(|(_, e)| calendar.date(e)),
            days: r.days,
            cut_short: r.cut_short,
            bhar: num(r.bhar),
            firm_bh_return: num(r.firm),
            benchmark_bh_return: num(r.benchmark),
            abnormal_market_value_change: report
                .market_value_before
                .and_then(|mv| num(mv * r.bhar)),
        });
    }
    let all = union_window(windows.iter().copied());
    let path = BuyAndHoldPath::new(firm, benchmark, day0, all);
    context.bhar_path.add(&path.rel, &path.held_gap());
    if context.keep.price_paths {
        report.bhar_path = Some(Box::new(path));
    }
}

/// The portfolio's BHAR windows: each window's tests over the events with a BHAR, its
/// cut-short count and dollars; and the mean path for the chart.
pub fn long_horizon(
    events: &[EventReport],
    bhar_path: &PathSums,
    study: &StudySettings,
) -> (Vec<AggregateBharRow>, Option<MeanBharPath>) {
    if study.bhar_windows.is_empty() {
        return (Vec::new(), None);
    }
    // The windows' bootstraps are independent (each from the seed): one per core.
    let rows = study
        .bhar_windows
        .par_iter()
        .enumerate()
        .map(|(i, &window)| {
            let rows = || {
                events
                    .iter()
                    .filter_map(|e| e.bhar.get(i))
                    .filter(|b| b.bhar.is_some())
            };
            let values: Vec<f64> = rows().filter_map(|b| b.bhar).collect();
            let tests = bhar::bhar_tests(&values, study.bootstrap);
            let cut_short = rows().filter(|b| b.cut_short).count();
            let dollars: Vec<f64> = rows()
                .filter_map(|b| b.abnormal_market_value_change)
                .collect();
            AggregateBharRow::new(
                window,
                &tests,
                cut_short,
                (dollars.len(), dollars.iter().sum()),
            )
        })
        .collect();
    (rows, Some(MeanBharPath::from_sums(bhar_path)))
}

/// The `--cross-section` regression of each CAR window's CARs on the batch file's columns,
/// over the events with the CAR and every column; a window that cannot be fitted (a singular
/// design, too few events) is a usage error naming it.
pub fn cross_section(
    events: &[EventReport],
    study: &StudySettings,
) -> Result<Vec<CrossSectionReport>> {
    let names = &study.cross_section;
    if names.is_empty() {
        return Ok(Vec::new());
    }
    study
        .car_windows
        .iter()
        .enumerate()
        .map(|(i, window)| {
            let mut y = Vec::new();
            let mut columns: Vec<Vec<f64>> = vec![Vec::new(); names.len()];
            let mut left_out = 0;
            for e in events {
                let car = e
                    .car
                    .get(i)
                    .filter(|c| c.rel_window == *window)
                    .and_then(|c| c.car);
                let xs: Option<Vec<f64>> = e.characteristics.iter().copied().collect();
                match (car, xs) {
                    (Some(car), Some(xs)) if xs.len() == names.len() => {
                        y.push(car);
                        for (column, x) in columns.iter_mut().zip(xs) {
                            column.push(x);
                        }
                    }
                    _ => left_out += 1,
                }
            }
            let fit = regression::ols(&y, &columns, study.cross_section_se).map_err(|e| {
                Error::usage(format!(
                    "--cross-section {} on CAR {window}: {e}",
                    names.join(",")
                ))
            })?;
            Ok(CrossSectionReport::new(
                window.to_string(),
                left_out,
                names,
                &fit,
            ))
        })
        .collect()
}

/// Both price series rebased to 100 at day -1, from the estimation start to the window end.
fn price_path(
    calendar: &TradingCalendar,
    pair: &Pair,
    r: &EventResult,
    design: &StudyDesign,
) -> PricePath {
    let aligned = &pair.aligned;
    let lo = r.estimation_span.0;
    let hi = design
        .window
        .indices(r.day0, calendar.len())
        .map_or(r.day0, |(_, hi)| hi);
    let base = r.day0.saturating_sub(1);
    let rebase = |series: &[f64]| {
        // The last price on or before day -1: a firm's gap at day -1 must not blank the chart.
        let b = series[..=base]
            .iter()
            .rev()
            .copied()
            .find(|p| p.is_finite())
            .unwrap_or(f64::NAN);
        (lo..=hi)
            .map(|i| 100.0 * series[i] / b)
            .collect::<Vec<f64>>()
    };
    let volume_normal = r.volume_model.map(|m| {
        let half = student_t_critical(0.05, m.dof()) * m.sd * (1.0 + 1.0 / m.n as f64).sqrt();
        [m.mean, m.mean - half, m.mean + half].map(f64::exp_m1)
    });
    PricePath {
        rel: (lo..=hi).map(|i| i as i32 - r.day0 as i32).collect(),
        dates: (lo..=hi).map(|i| calendar.date(i)).collect(),
        firm: rebase(&aligned.firm_adj_close),
        benchmark: rebase(&aligned.benchmark_adj_close),
        volume: aligned.firm_volume[lo..=hi].to_vec(),
        volume_normal,
    }
}

/// One engine day as the flat numbers a large run keeps ([`StoredDay`]): what
/// [`DayValues::from`] makes of the day's [`DayRow`], without the row.
fn stored_day(d: &study::DayResult, calendar: &TradingCalendar) -> StoredDay {
    let v = |x: f64| if x.is_finite() { x } else { f64::NAN };
    StoredDay {
        rel: d.rel,
        date: calendar.date(d.index),
        values: [
            v(d.ret),
            v(d.market),
            v(d.normal),
            v(d.ar),
            v(d.ar_t),
            v(d.ar_p),
            v(d.car),
            v(d.market_value_change),
            v(d.abnormal_market_value_change),
            v(d.car_variance.sqrt()),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repeats(slugs: &[&str]) -> Vec<(usize, usize)> {
        let slugs: Vec<String> = slugs.iter().map(|s| s.to_string()).collect();
        let mut found = repeated_slugs(&slugs);
        found.sort_unstable();
        found
    }

    #[test]
    fn each_repeat_of_a_slug_is_counted_in_order() {
        assert_eq!(
            repeats(&["a", "b", "a", "a", "b", "c"]),
            [(2, 2), (3, 3), (4, 2)]
        );
        assert!(repeats(&["x", "y", "z"]).is_empty());
        assert!(repeats(&[]).is_empty());
    }

    #[test]
    fn repeats_are_what_counting_in_order_finds() {
        let mut rng = crate::testing::xorshift(7);
        for size in [1, 2, 10, 1000] {
            let slugs: Vec<String> = (0..size).map(|_| format!("T_{}", rng() % 40)).collect();
            // The definition: the n-th time a slug is seen, its count is n.
            let mut seen: HashMap<&str, usize> = HashMap::new();
            let mut expected = Vec::new();
            for (i, slug) in slugs.iter().enumerate() {
                let count = seen.entry(slug).or_insert(0);
                *count += 1;
                if *count > 1 {
                    expected.push((i, *count));
                }
            }
            let mut found = repeated_slugs(&slugs);
            found.sort_unstable();
            assert_eq!(found, expected, "{size} slugs");
        }
    }
}
