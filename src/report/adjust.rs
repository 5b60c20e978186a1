//! `--adjust`: each family of p-values of a report gets its adjusted values beside them
//! (METHODS, "Multiple testing"). The families: one event's AR p-values over its event window's
//! days (or bars); one event's CAR windows; each portfolio test over the days (or bars), and
//! over the CAR windows.

use crate::report::bars::BarEventReport;
use crate::report::{AggregateReport, EventReport, TestReport, TestsReport};
use crate::study::adjust::{adjust_options, PAdjust};

/// Adjusts an event's days (when it keeps them as rows; a large run's flat days are adjusted
/// when read) and its CAR windows.
pub fn adjust_event(event: &mut EventReport, method: PAdjust) {
    event.adjust = Some(method);
    let days: Vec<Option<f64>> = event.days.iter().map(|d| d.ar_p).collect();
    for (day, p) in event.days.iter_mut().zip(adjust_options(&days, method)) {
        day.ar_p_adj = Some(p);
    }
    let cars: Vec<Option<f64>> = event.car.iter().map(|c| c.p).collect();
    for (car, p) in event.car.iter_mut().zip(adjust_options(&cars, method)) {
        car.p_adj = Some(p);
    }
}

/// Adjusts an intraday event's bars and its CAR windows.
pub fn adjust_bar_event(event: &mut BarEventReport, method: PAdjust) {
    event.adjust = Some(method);
    let bars: Vec<Option<f64>> = event.bars.iter().map(|b| b.ar_p).collect();
    for (bar, p) in event.bars.iter_mut().zip(adjust_options(&bars, method)) {
        bar.ar_p_adj = Some(p);
    }
    let cars: Vec<Option<f64>> = event.car.iter().map(|c| c.p).collect();
    for (car, p) in event.car.iter_mut().zip(adjust_options(&cars, method)) {
        car.p_adj = Some(p);
    }
}

/// Adjusts each test of the portfolio's battery over the days, and over the CAR windows.
pub fn adjust_aggregate(report: &mut AggregateReport, method: PAdjust) {
    adjust_battery(report.days.iter_mut().map(|d| &mut d.tests), method);
    adjust_battery(report.car.iter_mut().map(|c| &mut c.tests), method);
}

/// One family per test: that test's p-values over `rows`.
fn adjust_battery<'a>(rows: impl Iterator<Item = &'a mut TestsReport>, method: PAdjust) {
    let mut rows: Vec<[&mut TestReport; 9]> = rows.map(TestsReport::each_mut).collect();
    for k in 0..TestsReport::NAMES.len() {
        let p: Vec<Option<f64>> = rows.iter().map(|r| r[k].p).collect();
        for (row, p_adj) in rows.iter_mut().zip(adjust_options(&p, method)) {
            row[k].p_adj = Some(p_adj);
        }
    }
}
