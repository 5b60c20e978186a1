//! The group comparison (`batch --group-by`, `aggregate.groups` and
//! `aggregate.group_difference`) in the readable outputs and the tables: a console block and
//! a Markdown section (each group's CAAR and t per window, then the differences with Welch's t
//! and the rank-sum z), `groups.csv` (a row per group and window) and `group_difference.csv`
//! (a row per comparison and window).

use std::fmt::Write;

use polars::prelude::*;

use crate::error::{polars_err, Result};
use crate::export::csv::float;
use crate::export::numbers::{fixed, p_value, pct, stat};
use crate::report::groups::{GroupCarRow, GroupDifference, GroupReport};
use crate::report::AggregateReport;

/// A group's window as cells: group, window, n, CAAR, t (stars), p.
fn group_line(g: &GroupReport, c: &GroupCarRow) -> [String; 6] {
    [
        g.group.clone(),
        c.window.clone(),
        c.n.to_string(),
        pct(c.caar),
        stat(&c.csect_t),
        p_value(c.csect_t.p),
    ]
}

/// A comparison as cells: window, a vs b (their n), difference, Welch t (df), p, rank-sum z,
/// p.
fn difference_line(d: &GroupDifference) -> [String; 7] {
    [
        d.window.clone(),
        format!("{} ({}) vs {} ({})", d.a, d.n_a, d.b, d.n_b),
        pct(d.diff),
        format!("{} ({})", fixed(d.welch_t.stat, 2), fixed(d.welch_t.df, 1)),
        p_value(d.welch_t.p),
        fixed(d.rank_sum_z.stat, 2),
        p_value(d.rank_sum_z.p),
    ]
}

fn heading(a: &AggregateReport) -> String {
    let without = match a.events_without_group {
        Some(n) if n > 0 => format!("; {n} event(s) with an empty group cell left out"),
        _ => String::new(),
    };
    format!("groups: each group's CAAR and cross-sectional t{without}")
}

/// The console block, after the portfolio's tests.
pub(super) fn render_table(out: &mut String, a: &AggregateReport) {
    if a.groups.is_empty() {
        return;
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "  {}", heading(a));
    let _ = writeln!(
        out,
        "    {:<14}  {:<9}  {:>4}  {:>9}  {:>9}  {:>10}",
        "group", "window", "n", "CAAR", "t", "p"
    );
    for g in &a.groups {
        for c in &g.car {
            let [group, window, n, caar, t, p] = group_line(g, c);
            let _ = writeln!(
                out,
                "    {group:<14}  {window:<9}  {n:>4}  {caar:>9}  {t:>9}  {p:>10}"
            );
        }
    }
    if a.group_difference.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "  differences: Welch's t (its d.f.) and the Wilcoxon rank-sum z"
    );
    let _ = writeln!(
        out,
        "    {:<9}  {:<28}  {:>9}  {:>14}  {:>10}  {:>7}  {:>10}",
        "window", "groups", "diff", "Welch t (df)", "p", "z", "p"
    );
    for d in &a.group_difference {
        let [window, groups, diff, welch, wp, z, zp] = difference_line(d);
        let _ = writeln!(
            out,
            "    {window:<9}  {groups:<28}  {diff:>9}  {welch:>14}  {wp:>10}  {z:>7}  {zp:>10}"
        );
    }
}

/// The Markdown section of the portfolio's `report.md`.
pub(super) fn render_markdown(out: &mut String, a: &AggregateReport) {
    if a.groups.is_empty() {
        return;
    }
    let mut title = heading(a);
    title[..1].make_ascii_uppercase();
    let _ = writeln!(out, "\n## {title}\n");
    let _ = writeln!(
        out,
        "| group | window | n | CAAR | t | p |\n|---|---|---:|---:|---:|---:|"
    );
    for g in &a.groups {
        for c in &g.car {
            let cells = group_line(g, c).join(" | ").replace('*', "\\*");
            let _ = writeln!(out, "| {cells} |");
        }
    }
    if a.group_difference.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "\nDifferences of the mean CARs: Welch's t (Welch-Satterthwaite d.f.) and the Wilcoxon rank-sum z (tie-corrected, no continuity correction).\n"
    );
    let _ = writeln!(
        out,
        "| window | groups | difference | Welch t (d.f.) | p | rank-sum z | p |\n|---|---|---:|---:|---:|---:|---:|"
    );
    for d in &a.group_difference {
        let cells = difference_line(d).join(" | ").replace('*', "\\*");
        let _ = writeln!(out, "| {cells} |");
    }
}

fn text_column(name: &str, values: Vec<String>) -> Column {
    Series::new(name.into(), values).into()
}

fn count_column(name: &str, values: Vec<u32>) -> Column {
    Series::new(name.into(), values).into()
}

/// `groups.csv`: `group`, `window`, `n`, `caar`, `csect_t`, `csect_t_p`.
pub fn groups_frame(a: &AggregateReport) -> Result<DataFrame> {
    let rows: Vec<(&GroupReport, &GroupCarRow)> = a
        .groups
        .iter()
        .flat_map(|g| g.car.iter().map(move |c| (g, c)))
        .collect();
    let columns = vec![
        text_column("group", rows.iter().map(|(g, _)| g.group.clone()).collect()),
        text_column(
            "window",
            rows.iter().map(|(_, c)| c.window.clone()).collect(),
        ),
        count_column("n", rows.iter().map(|(_, c)| c.n as u32).collect()),
        float("caar", rows.iter().map(|(_, c)| c.caar).collect()),
        float(
            "csect_t",
            rows.iter().map(|(_, c)| c.csect_t.stat).collect(),
        ),
        float("csect_t_p", rows.iter().map(|(_, c)| c.csect_t.p).collect()),
    ];
    DataFrame::new(rows.len(), columns).map_err(|e| polars_err("groups", e))
}

/// `group_difference.csv`: `window`, `a`, `b`, `n_a`, `n_b`, `diff`, `welch_t`,
/// `welch_t_df`, `welch_t_p`, `rank_sum_z`, `rank_sum_z_p`.
pub fn difference_frame(a: &AggregateReport) -> Result<DataFrame> {
    let rows = &a.group_difference;
    let columns = vec![
        text_column("window", rows.iter().map(|d| d.window.clone()).collect()),
        text_column("a", rows.iter().map(|d| d.a.clone()).collect()),
        text_column("b", rows.iter().map(|d| d.b.clone()).collect()),
        count_column("n_a", rows.iter().map(|d| d.n_a as u32).collect()),
        count_column("n_b", rows.iter().map(|d| d.n_b as u32).collect()),
        float("diff", rows.iter().map(|d| d.diff).collect()),
        float("welch_t", rows.iter().map(|d| d.welch_t.stat).collect()),
        float("welch_t_df", rows.iter().map(|d| d.welch_t.df).collect()),
        float("welch_t_p", rows.iter().map(|d| d.welch_t.p).collect()),
        float(
            "rank_sum_z",
            rows.iter().map(|d| d.rank_sum_z.stat).collect(),
        ),
        float(
            "rank_sum_z_p",
            rows.iter().map(|d| d.rank_sum_z.p).collect(),
        ),
    ];
    DataFrame::new(rows.len(), columns).map_err(|e| polars_err("group_difference", e))
}
