//! The text of an intraday study (`--interval 1m..90m`) in every format: the table, the
//! JSON, the CSV tables and the Markdown reports. Its folders are written by
//! `bars_folder.rs`.

use std::fmt::Write;

use crate::error::{Error, Result};
use crate::export::numbers::{dollars, fixed, p_with_adjusted, pct, stat, t_with_adjusted_stars};
use crate::export::settings::OutputFormat;
use crate::report::bars::{BarEventReport, BarSummary};
use crate::report::TestsReport;

/// What an intraday run prints on stdout in `format`.
pub fn render(summary: &BarSummary, format: OutputFormat) -> Result<String> {
    Ok(match format {
        OutputFormat::Table => table(summary),
        OutputFormat::Json => json(summary)? + "\n",
        OutputFormat::Csv => bars_csv(&summary.events),
        OutputFormat::Markdown => markdown(summary),
        // Intraday tables have no LaTeX layout of their own yet: the console table, verbatim.
        OutputFormat::Latex => {
            format!("\\begin{{verbatim}}\n{}\\end{{verbatim}}\n", table(summary))
        }
    })
}

/// `--format markdown`: the portfolio's report with several events, else each event's.
pub fn markdown(summary: &BarSummary) -> String {
    match &summary.aggregate {
        Some(_) => portfolio_report(summary),
        None => summary
            .events
            .iter()
            .map(|e| event_report(summary, e, summary.layout.event_charts))
            .collect::<Vec<_>>()
            .join("\n"),
    }
}

/// A large run's summary: everything but the events, which are in the run folder's
/// `events.csv`, `bars.csv` and `car.csv` (as a large daily run's are in its tables).
#[derive(serde::Serialize)]
struct Compact<'a> {
    conventions: &'a crate::report::bars::BarConventions,
    source: &'a str,
    n_events: usize,
    excluded: &'a [crate::report::Exclusion],
    aggregate: &'a Option<crate::report::bars::BarAggregateReport>,
}

/// The run as pretty JSON (a large run's without its events).
pub fn json(summary: &BarSummary) -> Result<String> {
    let text = match summary.layout.event_files {
        true => serde_json::to_string_pretty(summary),
        false => serde_json::to_string_pretty(&Compact {
            conventions: &summary.conventions,
            source: &summary.source,
            n_events: summary.events.len(),
            excluded: &summary.excluded,
            aggregate: &summary.aggregate,
        }),
    };
    text.map_err(|e| Error::Internal(format!("JSON: {e}")))
}

/// A number as a CSV cell: shortest round-trip text, empty when missing.
fn cell(x: Option<f64>) -> String {
    x.map_or_else(String::new, |v| zmij::Buffer::new().format(v).to_string())
}

/// An adjusted p-value's cell after its comma, or nothing when the run does not adjust.
fn adjusted_cell(adjusted: bool, p_adj: Option<Option<f64>>) -> String {
    match adjusted {
        true => format!(",{}", cell(p_adj.flatten())),
        false => String::new(),
    }
}

/// Text as a CSV cell, quoted when it must be.
fn text_cell(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// `bars.csv`: every event's bars, one row each.
/// With `--adjust`, `ar_p_adj` follows `ar_p`.
pub fn bars_csv(events: &[BarEventReport]) -> String {
    let adjusted = events.iter().any(|e| e.adjust.is_some());
    let mut out = String::from(
        "id,ticker,rel,time,overnight,return,benchmark_return,normal_return,ar,ar_t,ar_p,",
    );
    if adjusted {
        out.push_str("ar_p_adj,");
    }
    out.push_str("car,market_value_change,abnormal_market_value_change,volume\n");
    for e in events {
        for b in &e.bars {
            let _ = writeln!(
                out,
                "{},{},{},{},{},{},{},{},{},{},{}{},{},{},{},{}",
                e.id,
                text_cell(&e.ticker),
                b.rel,
                b.time,
                b.overnight,
                cell(b.ret),
                cell(b.benchmark_return),
                cell(b.normal_return),
                cell(b.ar),
                cell(b.ar_t),
                cell(b.ar_p),
                adjusted_cell(adjusted, b.ar_p_adj),
                cell(b.car),
                cell(b.market_value_change),
                cell(b.abnormal_market_value_change),
                cell(b.volume),
            );
        }
    }
    out
}

/// `car.csv`: every event's CAR windows.
/// With `--adjust`, `p_adj` follows `p`.
pub fn car_csv(events: &[BarEventReport]) -> String {
    let adjusted = events.iter().any(|e| e.adjust.is_some());
    let mut out = String::from("id,ticker,window,start_bar,end_bar,start,end,n,car,t,p,");
    if adjusted {
        out.push_str("p_adj,");
    }
    out.push_str("t_simple,p_simple,market_value_change,abnormal_market_value_change\n");
    for e in events {
        for c in &e.car {
            let _ = writeln!(
                out,
                "{},{},{},{},{},{},{},{},{},{},{}{},{},{},{},{}",
                e.id,
                text_cell(&e.ticker),
                c.window,
                c.bars.start,
                c.bars.end,
                c.start.as_deref().unwrap_or(""),
                c.end.as_deref().unwrap_or(""),
                c.n,
                cell(c.car),
                cell(c.t),
                cell(c.p),
                adjusted_cell(adjusted, c.p_adj),
                cell(c.t_simple),
                cell(c.p_simple),
                cell(c.market_value_change),
                cell(c.abnormal_market_value_change),
            );
        }
    }
    out
}

/// `events.csv`: one row per event (and per excluded one, with its reason), its fit, the
/// peak and every CAR window.
pub fn events_csv(summary: &BarSummary) -> String {
    let windows: Vec<&str> = summary
        .conventions
        .car_windows
        .iter()
        .map(String::as_str)
        .collect();
    let mut out = String::from(
        "id,status,ticker,benchmark,label,event_time,event_bar,day0_rule,alpha,beta,sigma,n_estimation,overnight_sigma,market_value_before,peak_rel,peak_time,peak_car",
    );
    let adjusted = summary.conventions.adjust.is_some();
    for w in &windows {
        let _ = write!(out, ",car_{w},car_{w}_t,car_{w}_p");
        if adjusted {
            let _ = write!(out, ",car_{w}_p_adj");
        }
    }
    out.push_str(",reason\n");
    for e in &summary.events {
        let peak = e.peak.as_ref();
        let _ = write!(
            out,
            "{},ok,{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
            e.id,
            text_cell(&e.ticker),
            text_cell(&e.benchmark),
            text_cell(e.label.as_deref().unwrap_or("")),
            text_cell(&e.event_time),
            e.event_bar,
            e.day0_rule,
            cell(e.alpha),
            cell(e.beta),
            cell(e.sigma),
            e.n_estimation,
            cell(e.overnight_sigma),
            cell(e.market_value_before),
            peak.map_or(String::new(), |p| p.rel.to_string()),
            peak.and_then(|p| p.time.clone()).unwrap_or_default(),
            cell(peak.map(|p| p.car)),
        );
        for c in &e.car {
            let _ = write!(out, ",{},{},{}", cell(c.car), cell(c.t), cell(c.p));
            if adjusted {
                let _ = write!(out, ",{}", cell(c.p_adj.flatten()));
            }
        }
        out.push_str(",\n");
    }
    for x in &summary.excluded {
        let _ = write!(
            out,
            "{},excluded,{},,{},,,,,,,,,,,,",
            x.id.map_or(String::new(), |i| i.to_string()),
            text_cell(&x.ticker),
            text_cell(x.label.as_deref().unwrap_or("")),
        );
        for _ in &windows {
            out.push_str(if adjusted { ",,,," } else { ",,," });
        }
        let _ = writeln!(out, ",{}", text_cell(&x.reason));
    }
    out
}

/// The bars a console table shows around the event bar; the rest are in `bars.csv`.
const SHOWN_BEFORE: i32 = 3;
const SHOWN_AFTER: i32 = 10;

/// `--format table`.
pub fn table(summary: &BarSummary) -> String {
    let c = &summary.conventions;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "conventions: {} bars of the regular session {}, {} model, {} returns, estimation on the {} sessions before the event's (overnight bars apart), event window {} ({} bars){}{}",
        c.interval,
        c.session,
        c.model,
        c.returns,
        c.estimation_sessions,
        c.window,
        c.window_bars,
        if c.tod_variance { ", time-of-day variance" } else { "" },
        adjusted_by(c.adjust)
    );
    let _ = writeln!(out, "source: {}", summary.source);
    for e in summary.events.iter().take(10) {
        out.push('\n');
        event_table(&mut out, e);
    }
    if summary.events.len() > 10 {
        let _ = writeln!(
            out,
            "\n... and {} more events (every one is in the run folder's events.csv)",
            summary.events.len() - 10
        );
    }
    if let Some(a) = &summary.aggregate {
        out.push('\n');
        aggregate_table(&mut out, a);
    }
    if !summary.excluded.is_empty() {
        let _ = writeln!(out, "\nexcluded:");
        for x in &summary.excluded {
            let _ = writeln!(out, "  {}: {}", x.ticker, x.reason);
        }
    }
    out
}

fn event_table(out: &mut String, e: &BarEventReport) {
    let _ = writeln!(
        out,
        "{} vs {}: news at {}, event bar {} ({})",
        e.ticker, e.benchmark, e.event_time, e.event_bar, e.day0_rule
    );
    let _ = writeln!(
        out,
        "  alpha {}  beta {}  sigma {}  n {} ({} sessions)  overnight sigma {} (n {})",
        fixed(e.alpha, 6),
        fixed(e.beta, 3),
        fixed(e.sigma, 6),
        e.n_estimation,
        e.estimation_sessions,
        fixed(e.overnight_sigma, 6),
        e.overnight_n
    );
    let _ = writeln!(out, "  {}", finding(e));
    // Adjusted p-values widen the t and p columns (stars; the adjusted p beside the p).
    let (tw, pw, p_head) = match e.adjust {
        Some(_) => (10, 18, "p (adjusted)"),
        None => (7, 9, "p"),
    };
    let _ = writeln!(
        out,
        "  {:>5}  {:<5}  {:>9}  {:>9}  {:>9}  {:>tw$}  {:>9}  {:>11}",
        "bar", "time", "return", "bench", "AR", "t", "CAR", "abn. MV"
    );
    for b in e
        .bars
        .iter()
        .filter(|b| (-SHOWN_BEFORE..=SHOWN_AFTER).contains(&b.rel))
    {
        let _ = writeln!(
            out,
            "  {:>5}  {:<5}  {:>9}  {:>9}  {:>9}  {:>tw$}  {:>9}  {:>11}{}",
            format!("{:+}", b.rel),
            b.clock,
            pct(b.ret),
            pct(b.benchmark_return),
            pct(b.ar),
            t_with_adjusted_stars(b.ar_t, b.ar_p_adj),
            pct(b.car),
            dollars(b.abnormal_market_value_change),
            if b.overnight { "  overnight" } else { "" }
        );
    }
    if e.bars.len() as i32 > SHOWN_BEFORE + SHOWN_AFTER + 1 {
        let _ = writeln!(
            out,
            "  (bars {} in all: every one is in bars.csv)",
            e.bars.len()
        );
    }
    let _ = writeln!(
        out,
        "  {:<9}  {:<9}  {:>4}  {:>9}  {:>7}  {:>pw$}  {:>11}",
        "CAR", "bars", "n", "CAR", "t", p_head, "abn. MV"
    );
    for c in &e.car {
        let _ = writeln!(
            out,
            "  {:<9}  {:<9}  {:>4}  {:>9}  {:>7}  {:>pw$}  {:>11}",
            c.window,
            c.bars.to_string(),
            c.n,
            pct(c.car),
            fixed(c.t, 2),
            p_with_adjusted(c.p, c.p_adj),
            dollars(c.abnormal_market_value_change)
        );
    }
    for note in &e.notes {
        let _ = writeln!(out, "  note: {note}");
    }
}

fn aggregate_table(out: &mut String, a: &crate::report::bars::BarAggregateReport) {
    let r = &a.report;
    let _ = writeln!(
        out,
        "portfolio: {} events ({} with a share count); residual correlation {}",
        r.n,
        r.n_with_market_value,
        fixed(r.residual_correlation, 3)
    );
    if let Some(p) = &a.peak {
        let _ = writeln!(
            out,
            "  the CAAR is largest in size at bar {:+}: {}",
            p.rel,
            pct(Some(p.car))
        );
    }
    let labels: Vec<String> = TestsReport::LABELS
        .iter()
        .map(|l| format!("{l:>9}"))
        .collect();
    let _ = writeln!(
        out,
        "  {:<9} {:>3}  {:>8}  {}",
        "CAR",
        "N",
        "CAAR",
        labels.join("  ")
    );
    for c in &r.car {
        let tests: Vec<String> = c
            .tests
            .named()
            .iter()
            .map(|(_, t)| format!("{:>9}", stat(t)))
            .collect();
        let _ = writeln!(
            out,
            "  {:<9} {:>3}  {:>8}  {}",
            c.window,
            c.n,
            pct(c.caar),
            tests.join("  ")
        );
    }
    let _ = writeln!(
        out,
        "  (* p < 0.10, ** p < 0.05, *** p < 0.01; two-sided; every bar in aar.csv)"
    );
}

/// How fast the price adjusted, in words: the event bar's abnormal return and the largest
/// cumulative one in the window ("NVDA lost 4.1% in the first minute and 5.9% by 10:45").
pub fn finding(e: &BarEventReport) -> String {
    let mut out = String::new();
    match e.bar(0).and_then(|b| b.ar.map(|ar| (b, ar))) {
        Some((b, ar)) => {
            let _ = write!(
                out,
                "{} {} {:.2}% (abnormal) in the event bar at {}{} (t = {})",
                e.ticker,
                if ar < 0.0 { "lost" } else { "gained" },
                ar.abs() * 100.0,
                b.clock,
                if b.overnight {
                    ", overnight gap included"
                } else {
                    ""
                },
                fixed(b.ar_t, 2)
            );
        }
        None => {
            let _ = write!(out, "{} has no abnormal return in the event bar", e.ticker);
        }
    }
    if let Some(p) = &e.peak {
        let clock = p.clock.clone().unwrap_or_default();
        let _ = write!(
            out,
            "; its cumulative abnormal return was largest by {clock} (bar {:+}): {:+.2}%",
            p.rel,
            p.car * 100.0
        );
    }
    out.push('.');
    out
}

/// An event's `report.md`.
pub fn event_report(summary: &BarSummary, e: &BarEventReport, charts: bool) -> String {
    let c = &summary.conventions;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# {}: {} bars around {}\n",
        e.ticker, c.interval, e.event_bar
    );
    let _ = writeln!(out, "{}\n", finding(e).replace('*', "\\*"));
    let _ = writeln!(
        out,
        "The news came out at {}; the event bar starts {} ({}). The {} model was fitted on {} within-session returns of the {} sessions before ({} to {}): alpha {}, beta {}, sigma {}; the overnight bars' own sigma is {} (n = {}).\n",
        e.event_time,
        e.event_bar,
        e.day0_rule,
        c.model,
        e.n_estimation,
        e.estimation_sessions,
        e.estimation_start,
        e.estimation_end,
        fixed(e.alpha, 6),
        fixed(e.beta, 3),
        fixed(e.sigma, 6),
        fixed(e.overnight_sigma, 6),
        e.overnight_n,
    );
    let _ = writeln!(out, "## Cumulative abnormal returns\n");
    let _ = writeln!(
        out,
        "| window | bars | from | to | n | CAR | t | p | abnormal market value |"
    );
    let _ = writeln!(out, "|---|---|---|---|---:|---:|---:|---:|---:|");
    for w in &e.car {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            w.window,
            w.bars,
            w.start.as_deref().unwrap_or("-"),
            w.end.as_deref().unwrap_or("-"),
            w.n,
            pct(w.car),
            fixed(w.t, 2),
            p_with_adjusted(w.p, w.p_adj).replace('*', "\\*"),
            dollars(w.abnormal_market_value_change)
        );
    }
    let _ = writeln!(out, "\n## Bars\n");
    let _ = writeln!(
        out,
        "| bar | time | return | benchmark | AR | t | CAR | abnormal market value |"
    );
    let _ = writeln!(out, "|---:|---|---:|---:|---:|---:|---:|---:|");
    for b in &e.bars {
        let _ = writeln!(
            out,
            "| {:+} | {}{} | {} | {} | {} | {} | {} | {} |",
            b.rel,
            b.clock,
            if b.overnight { " (overnight)" } else { "" },
            pct(b.ret),
            pct(b.benchmark_return),
            pct(b.ar),
            t_with_adjusted_stars(b.ar_t, b.ar_p_adj).replace('*', "\\*"),
            pct(b.car),
            dollars(b.abnormal_market_value_change)
        );
    }
    if charts {
        let ext = summary.layout.chart_extension();
        let _ = writeln!(out, "\n## Charts\n");
        for (file, what) in [
            ("price", "Price"),
            ("abnormal_returns", "Abnormal returns"),
            ("car", "Cumulative abnormal return"),
        ] {
            let _ = writeln!(out, "![{what}]({file}.{ext})");
        }
        if e.market_value_before.is_some() {
            let _ = writeln!(out, "![Market value](market_value.{ext})");
        }
    }
    for note in &e.notes {
        let _ = writeln!(out, "\n> {note}");
    }
    conventions_md(&mut out, summary);
    out
}

fn conventions_md(out: &mut String, summary: &BarSummary) {
    let c = &summary.conventions;
    let _ = writeln!(
        out,
        "\n## Conventions\n\n{} bars of the regular session ({}), each stamped with its start; returns {} from close to close; the overnight bar is left out of the estimation and tested on its own variance; {}; p-values {}. Source: {}. Methods: docs/guide/intraday.md.",
        c.interval,
        c.session,
        c.returns,
        if c.tod_variance {
            "each bar's variance scaled by its time of day"
        } else {
            "one variance for every within-session bar"
        },
        c.p_values,
        summary.source
    );
    if let Some(method) = c.adjust {
        let _ = writeln!(
            out,
            "\nP-values are adjusted by {} within each family (an event's bars, its CAR windows, each portfolio test over the bars and over the windows); the stars are on the adjusted p.",
            method.describe()
        );
    }
}

/// `, p-values adjusted by Holm (stars on the adjusted p)`, or nothing.
fn adjusted_by(adjust: Option<crate::study::adjust::PAdjust>) -> String {
    adjust.map_or(String::new(), |a| {
        format!(
            ", p-values adjusted by {} (stars on the adjusted p)",
            a.describe()
        )
    })
}

/// The run folder's `report.md` with two events or more.
pub fn portfolio_report(summary: &BarSummary) -> String {
    let mut out = String::new();
    let Some(a) = &summary.aggregate else {
        return out;
    };
    let r = &a.report;
    let c = &summary.conventions;
    let _ = writeln!(out, "# {} events on {} bars\n", r.n, c.interval);
    if let Some(p) = &a.peak {
        let _ = writeln!(
            out,
            "Across the events the cumulative average abnormal return was largest in size at bar {:+}: {:+.2}%.\n",
            p.rel,
            p.car * 100.0
        );
    }
    let _ = writeln!(
        out,
        "| window | N | CAAR | csect t | BMP | rank | gen. sign |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|---:|");
    for w in &r.car {
        let t = &w.tests;
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} |",
            w.window,
            w.n,
            pct(w.caar),
            stat(&t.csect_t).replace('*', "\\*"),
            stat(&t.bmp_t).replace('*', "\\*"),
            stat(&t.corrado_rank_z).replace('*', "\\*"),
            stat(&t.generalized_sign_z).replace('*', "\\*"),
        );
    }
    let _ = writeln!(out, "\n## Events\n");
    for e in &summary.events {
        let _ = writeln!(out, "- {}", finding(e).replace('*', "\\*"));
    }
    if summary.layout.portfolio_charts {
        let ext = summary.layout.chart_extension();
        let _ = writeln!(out, "\n![Cumulative average abnormal return](caar.{ext})");
    }
    for x in &summary.excluded {
        let _ = writeln!(out, "\n> excluded: {}: {}", x.ticker, x.reason);
    }
    conventions_md(&mut out, summary);
    out
}
