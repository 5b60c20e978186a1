//! `batch --group-by COLUMN` (METHODS, "Comparing groups"): each group's CAAR and
//! cross-sectional t per CAR window, and the differences between groups (two groups: a
//! against b; more: each group against the rest), as every output shows them.

use serde::Serialize;

use crate::report::{num, EventReport, TestReport};
use crate::study::groups::{group_mean, rank_sum_z, welch_t};
use crate::study::RelWindow;

/// One group's CAAR and t in one CAR window.
#[derive(Debug, Clone, Serialize)]
pub struct GroupCarRow {
    pub window: String,
    /// Events of the group with a CAR in the window.
    pub n: usize,
    pub caar: Option<f64>,
    /// CAAR / (s / sqrt n), Student t with n - 1 d.f.
    pub csect_t: TestReport,
}

/// One group: its name (the column's value), its events and its windows.
#[derive(Debug, Clone, Serialize)]
pub struct GroupReport {
    pub group: String,
    pub n: usize,
    pub car: Vec<GroupCarRow>,
}

/// Welch's t with its Welch-Satterthwaite degrees of freedom.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct WelchReport {
    pub stat: Option<f64>,
    pub p: Option<f64>,
    pub df: Option<f64>,
}

/// The difference of two groups' mean CARs in one window: `a` less `b` (`b` is `rest` when
/// a group is compared with all the others).
#[derive(Debug, Clone, Serialize)]
pub struct GroupDifference {
    pub window: String,
    pub a: String,
    pub b: String,
    pub n_a: usize,
    pub n_b: usize,
    pub diff: Option<f64>,
    pub welch_t: WelchReport,
    pub rank_sum_z: TestReport,
}

/// The name of "every other group" in a comparison of more than two.
pub const REST: &str = "rest";

/// The groups and their differences for each CAR window; empty without `--group-by`.
#[derive(Debug, Clone, Default)]
pub struct Groups {
    pub groups: Vec<GroupReport>,
    pub differences: Vec<GroupDifference>,
    /// Events whose group cell is empty: in no group.
    pub ungrouped: usize,
}

impl Groups {
    /// The groups of `events` (by their `group`, sorted by name) over `windows`.
    pub fn of(events: &[EventReport], windows: &[RelWindow]) -> Groups {
        let mut names: Vec<&str> = events.iter().filter_map(|e| e.group.as_deref()).collect();
        names.sort_unstable();
        names.dedup();
        let ungrouped = events.iter().filter(|e| e.group.is_none()).count();
        // Each window's CARs by group, in `names`' order.
        let cars: Vec<Vec<Vec<f64>>> = windows
            .iter()
            .enumerate()
            .map(|(i, w)| {
                names
                    .iter()
                    .map(|name| {
                        events
                            .iter()
                            .filter(|e| e.group.as_deref() == Some(*name))
                            .filter_map(|e| car_of(e, i, *w))
                            .collect()
                    })
                    .collect()
            })
            .collect();
        let groups = names
            .iter()
            .enumerate()
            .map(|(g, name)| GroupReport {
                group: name.to_string(),
                n: events
                    .iter()
                    .filter(|e| e.group.as_deref() == Some(*name))
                    .count(),
                car: windows
                    .iter()
                    .zip(&cars)
                    .map(|(w, by_group)| group_row(*w, &by_group[g]))
                    .collect(),
            })
            .collect();
        let mut differences = Vec::new();
        for (w, by_group) in windows.iter().zip(&cars) {
            match names.len() {
                0 | 1 => {}
                2 => differences.push(difference(
                    *w,
                    (names[0], &by_group[0]),
                    (names[1], &by_group[1]),
                )),
                _ => {
                    for (g, name) in names.iter().enumerate() {
                        let rest: Vec<f64> = (by_group.iter().enumerate())
                            .filter(|(k, _)| *k != g)
                            .flat_map(|(_, cars)| cars.iter().copied())
                            .collect();
                        differences.push(difference(*w, (name, &by_group[g]), (REST, &rest)));
                    }
                }
            }
        }
        Groups {
            groups,
            differences,
            ungrouped,
        }
    }
}

/// The event's CAR in its `i`-th window (which is `w`), when it has one.
fn car_of(e: &EventReport, i: usize, w: RelWindow) -> Option<f64> {
    match e.car.get(i) {
        Some(c) if c.rel_window == w => c.car,
        _ => e.car.iter().find(|c| c.rel_window == w).and_then(|c| c.car),
    }
}

fn group_row(window: RelWindow, cars: &[f64]) -> GroupCarRow {
    let m = group_mean(cars);
    GroupCarRow {
        window: window.to_string(),
        n: m.n,
        caar: num(m.mean),
        csect_t: TestReport {
            stat: num(m.t),
            p: num(m.p),
            p_adj: None,
        },
    }
}

fn difference(
    window: RelWindow,
    (a, xa): (&str, &[f64]),
    (b, xb): (&str, &[f64]),
) -> GroupDifference {
    let welch = welch_t(xa, xb);
    let rank = rank_sum_z(xa, xb);
    GroupDifference {
        window: window.to_string(),
        a: a.to_string(),
        b: b.to_string(),
        n_a: xa.len(),
        n_b: xb.len(),
        diff: num(welch.diff),
        welch_t: WelchReport {
            stat: num(welch.t),
            p: num(welch.p),
            df: num(welch.df),
        },
        rank_sum_z: TestReport {
            stat: num(rank.z),
            p: num(rank.p),
            p_adj: None,
        },
    }
}
