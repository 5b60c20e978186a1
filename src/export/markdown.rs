//! `report.md` in every event and run folder, and `--format markdown`: the finding in words,
//! the tables, the charts, the conventions and where the data came from.
//!
//! The same inputs give the same bytes: no clock, no randomness, numbers in fixed formats.

use std::fmt::Write;

use crate::export::output::Output;
use crate::export::table::{self, billions, fixed, pct, LISTED_EVENTS};
use crate::report::{AggregateReport, EventReport, Summary, TestsReport};

/// What a command prints with `--format markdown`: a study's report (the portfolio's with
/// several events, else the event's), with the charts linked where they are; anything else as
/// its table in a code block.
pub fn render(output: Output<'_>) -> String {
    match output {
        Output::Simulation(report) => super::simulation::markdown(report),
        Output::Study(summary) if summary.aggregate.is_some() => {
            let folder = summary.layout.out_dir.join(&summary.layout.run_name);
            portfolio_report(summary, &format!("{}/", folder.display()))
        }
        Output::Study(summary) if summary.events.is_empty() => {
            let mut out = String::from("# No event ran\n\n");
            for x in &summary.excluded {
                let date = x.event_date.map_or(String::new(), |d| format!(" {d}"));
                let _ = writeln!(out, "- {}{date}: {}", x.ticker, x.reason);
            }
            out
        }
        Output::Study(summary) => summary
            .events
            .iter()
            .map(|e| {
                let folder = summary.layout.out_dir.join(e.slug());
                event_report(summary, e, &format!("{}/", folder.display()))
            })
            .collect::<Vec<_>>()
            .join("\n"),
        Output::Text(text) => text.to_string(),
        Output::Bars(summary) => super::bars::markdown(summary),
        other => format!("```\n{}```\n", table::render(other)),
    }
}

/// Stars are Markdown's emphasis: in a report they are significance marks, escaped.
fn marks(text: String) -> String {
    text.replace('*', "\\*")
}

/// A p-value as prose: `p < 0.0001` or `p = 0.0371`.
fn p_prose(p: Option<f64>) -> String {
    match p {
        Some(p) if p < 0.0001 => "p < 0.0001".into(),
        Some(p) => format!("p = {p:.4}"),
        None => "no p-value".into(),
    }
}

/// A benchmark as a reader knows it.
fn benchmark_name(symbol: &str) -> String {
    match symbol {
        "^GSPC" => "the S&P 500".into(),
        "^IXIC" => "the Nasdaq Composite".into(),
        "^DJI" => "the Dow Jones Industrial Average".into(),
        "^SOX" => "the PHLX Semiconductor index".into(),
        other => other.to_string(),
    }
}

/// A number with sign in percent, as prose: `-16.97%`.
fn pct_of(x: f64) -> String {
    format!("{:.2}%", x * 100.0)
}

/// Dollars in billions as prose: `$592.7 bn`.
fn bn(x: f64) -> String {
    format!("${:.1} bn", x.abs() / 1e9)
}

/// The event's finding in one paragraph.
fn finding(e: &EventReport) -> String {
    let mut out = String::new();
    let Some(d0) = e.day(0) else {
        return format!("{} has no return on day 0 ({}).", e.ticker, e.day0);
    };
    match (d0.ret, d0.ar) {
        (Some(ret), Some(ar)) => {
            let moved = if ret < 0.0 { "fell" } else { "rose" };
            let more = if (ar < 0.0) == (ret < 0.0) {
                "more"
            } else {
                "less"
            };
            let _ = write!(
                out,
                "{} {moved} {:.2}% on {}, {:.2} points {more} than its beta of {} to {} predicted (abnormal return {}, t = {}, {}).",
                e.ticker,
                ret.abs() * 100.0,
                e.day0,
                ar.abs() * 100.0,
                fixed(e.beta, 2),
                benchmark_name(&e.benchmark),
                pct_of(ar),
                fixed(d0.ar_t, 2),
                p_prose(d0.ar_p),
            );
        }
        _ => {
            let _ = write!(
                out,
                "{} has no valid return on {} (day 0).",
                e.ticker, e.day0
            );
        }
    }
    if let (Some(change), Some(abnormal)) =
        (d0.market_value_change, d0.abnormal_market_value_change)
    {
        let _ = write!(
            out,
            " That is about {} of market value {}, {} of it abnormal.",
            bn(change),
            if change < 0.0 { "lost" } else { "gained" },
            bn(abnormal)
        );
    }
    let windows: Vec<String> = e
        .car
        .iter()
        .filter(|c| c.window != "0:0")
        .filter_map(|c| {
            Some(format!(
                "{} over days {} (t = {})",
                pct_of(c.car?),
                c.window,
                fixed(c.t, 2)
            ))
        })
        .collect();
    if !windows.is_empty() {
        let _ = write!(
            out,
            " Its cumulative abnormal return was {}.",
            windows.join(", ")
        );
    }
    if e.event_date != e.day0 {
        let _ = write!(
            out,
            " (The event date {} is not a trading day: day 0 is {}.)",
            e.event_date, e.day0
        );
    }
    out
}

fn conventions(out: &mut String, summary: &Summary) {
    let _ = writeln!(out, "## Conventions and data\n");
    let _ = writeln!(out, "- {}", summary.conventions.describe());
    let _ = writeln!(out, "- Prices: {}", summary.source);
    if !summary.fetched.is_empty() {
        let dates: Vec<String> = summary
            .fetched
            .iter()
            .map(|(symbol, date)| format!("{symbol} {date}"))
            .collect();
        let _ = writeln!(out, "- Fetched: {}", dates.join(", "));
    }
}

/// `report.md` of one event; charts are linked as `<charts>NAME.png` (`.svg` when only SVG is written).
pub fn event_report(summary: &Summary, e: &EventReport, charts: &str) -> String {
    let mut out = String::new();
    let title = match &e.label {
        Some(label) => format!("{} on {}: {label}", e.ticker, e.event_date),
        None => format!("{} on {}", e.ticker, e.event_date),
    };
    let _ = writeln!(out, "# {title}\n");
    let _ = writeln!(out, "{}\n", finding(e));
    let _ = writeln!(out, "## Abnormal returns\n");
    let _ = writeln!(
        out,
        "| day | date | return | {} | AR | t | CAR | abnormal MV |",
        e.benchmark
    );
    let _ = writeln!(out, "|---:|---|---:|---:|---:|---:|---:|---:|");
    for d in &e.days {
        let _ = writeln!(out, "| {} |", table::day_line(d).join(" | "));
    }
    let _ = writeln!(out, "\n## Cumulative abnormal returns\n");
    let _ = writeln!(
        out,
        "| window | dates | days | CAR | t | {} | t simple | MV change | abnormal MV |",
        if e.adjust.is_some() {
            "p (adjusted)"
        } else {
            "p"
        }
    );
    let _ = writeln!(out, "|---|---|---:|---:|---:|---:|---:|---:|---:|");
    for c in &e.car {
        let _ = writeln!(
            out,
            "| {} |",
            marks(table::car_line(c, e.event_window).join(" | "))
        );
    }
    if !e.bhar.is_empty() {
        let _ = writeln!(out, "\n## Buy-and-hold abnormal returns\n");
        let _ = writeln!(
            out,
            "| window | dates | days | {} | {} | BHAR | abnormal MV |",
            e.ticker, e.benchmark
        );
        let _ = writeln!(out, "|---|---|---:|---:|---:|---:|---:|");
        for b in &e.bhar {
            let mut cells = table::bhar_line(b);
            if b.cut_short {
                cells[2].push_str(" (cut short)");
            }
            let _ = writeln!(out, "| {} |", cells.join(" | "));
        }
    }
    let _ = writeln!(
        out,
        "\nModel: alpha {}, beta {}, sigma {}, {} estimation returns from {} to {}.\n",
        fixed(e.alpha, 5),
        fixed(e.beta, 3),
        pct(e.sigma),
        e.n_estimation,
        e.estimation_start,
        e.estimation_end
    );
    match (e.market_value_before, &e.shares_source) {
        (Some(mv), Some(source)) => {
            let _ = writeln!(
                out,
                "Market value at day -1: {} ({:.3} bn shares, {source}).",
                bn(mv),
                e.shares_outstanding.unwrap_or(0.0) / 1e9
            );
        }
        _ => {
            let _ = writeln!(out, "Market value: not available (no share count).");
        }
    }
    if let Some(g) = &e.garch {
        let _ = writeln!(out, "\n{}.", table::garch_line(g));
    }
    if let Some(d) = &e.diagnostics {
        let rejected = d.rejections();
        let verdict = match rejected.is_empty() {
            true => "none rejects at 1%".to_string(),
            false => format!("at 1%, {} reject", rejected.join(", ")),
        };
        let _ = writeln!(
            out,
            "\nResidual {} ({verdict}).",
            table::diagnostics_line(d)
        );
    }
    for note in &e.notes {
        let _ = writeln!(out, "\n> Note: {note}");
    }
    if summary.layout.event_charts {
        let _ = writeln!(out, "\n## Charts\n");
        let mut names = vec![
            ("price", "Price, rebased to 100 at day -1"),
            ("abnormal_returns", "Daily abnormal returns"),
            ("car", "Cumulative abnormal return"),
        ];
        if e.market_value_before.is_some() {
            names.push(("market_value", "Change in market value"));
        }
        if e.bhar_path.is_some() {
            names.push(("bhar", "Buy-and-hold returns and their gap"));
        }
        let ext = summary.layout.chart_extension();
        for (file, alt) in names {
            let _ = writeln!(out, "![{alt}]({charts}{file}.{ext})\n");
        }
    }
    out.push('\n');
    conventions(&mut out, summary);
    out
}

/// The tests of a row as a table's cells.
fn tests_cells(t: &TestsReport) -> String {
    t.named()
        .iter()
        .map(|(_, test)| marks(table::stat(test)))
        .collect::<Vec<_>>()
        .join(" | ")
}

fn portfolio_finding(a: &AggregateReport, summary: &Summary) -> String {
    let mut out = String::new();
    let Some(d0) = a.days.iter().find(|d| d.rel == 0) else {
        return out;
    };
    let stat = |t: &crate::report::TestReport| fixed(t.stat, 2);
    let _ = write!(
        out,
        "Across {} events, the average abnormal return on day 0 was {} (cross-sectional t = {}, Patell Z = {}, Kolari-Pynnönen t = {}; {} of {} events had a positive abnormal return).",
        a.n,
        pct(d0.aar),
        stat(&d0.tests.csect_t),
        stat(&d0.tests.patell_z),
        stat(&d0.tests.kp_bmp_t),
        d0.positive,
        d0.n
    );
    if a.n_with_market_value > 0 {
        let _ = write!(
            out,
            " The {} events with a share count changed in market value by {} on day 0 ({} abnormal).",
            a.n_with_market_value,
            billions(a.market_value_change),
            billions(a.abnormal_market_value_change)
        );
    }
    if !summary.excluded.is_empty() {
        let _ = write!(
            out,
            " {} event(s) could not run (listed below).",
            summary.excluded.len()
        );
    }
    out
}

/// The portfolio's BHAR windows and their tests.
fn long_horizon(out: &mut String, a: &AggregateReport) {
    if a.bhar.is_empty() {
        return;
    }
    let _ = writeln!(out, "\n## Buy-and-hold abnormal returns\n");
    let _ = writeln!(
        out,
        "| window | N | cut short | mean BHAR | median | skewness | t | t_sa | bootstrap p | abnormal MV |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for b in &a.bhar {
        let cells = table::aggregate_bhar_line(b).join(" | ");
        let _ = writeln!(out, "| {} |", marks(cells));
    }
    if let Some(b) = a.bhar.first() {
        let _ = writeln!(
            out,
            "\nt_sa is Lyon, Barber & Tsai's skewness-adjusted t; its bootstrap drew {} resamples of {} events.",
            b.bootstrap_draws, b.bootstrap_sample
        );
    }
}

/// The `--cross-section` regressions, a table per CAR window.
fn cross_section(out: &mut String, a: &AggregateReport) {
    for r in &a.cross_section {
        let _ = writeln!(
            out,
            "\n## CAR {} on the events' characteristics\n\nN {} ({} left out for a missing value), R² {}, adjusted R² {}, {} standard errors.\n",
            r.window,
            r.n,
            r.left_out,
            fixed(r.r2, 3),
            fixed(r.adj_r2, 3),
            r.se_kind.as_str().to_ascii_uppercase()
        );
        let _ = writeln!(
            out,
            "| | estimate | s.e. | t | p |\n|---|---:|---:|---:|---:|"
        );
        for c in &r.coefficients {
            let cells = table::coefficient_line(c).join(" | ");
            let _ = writeln!(out, "| {} |", marks(cells));
        }
    }
}

/// The run folder's `report.md` with the portfolio; charts are linked as `<charts>NAME.png` (`.svg` when only SVG is written).
pub fn portfolio_report(summary: &Summary, charts: &str) -> String {
    let mut out = String::new();
    let Some(a) = &summary.aggregate else {
        return out;
    };
    let _ = writeln!(out, "# Portfolio of {} events\n", a.n);
    let _ = writeln!(out, "{}\n", portfolio_finding(a, summary));
    let header = format!("| N | AAR | CAAR | {} |", TestsReport::LABELS.join(" | "));
    let rule = "|---:".repeat(3 + TestsReport::LABELS.len()) + "|";
    let _ = writeln!(out, "## By day\n\n| day {header}\n|---:{rule}");
    for d in &a.days {
        let _ = writeln!(
            out,
            "| {:+} | {} | {} | {} | {} |",
            d.rel,
            d.n,
            pct(d.aar),
            pct(d.caar),
            tests_cells(&d.tests)
        );
    }
    let _ = writeln!(out, "\n## By window\n\n| window {header}\n|---{rule}");
    for c in &a.car {
        let _ = writeln!(
            out,
            "| {} | {} | | {} | {} |",
            c.window,
            c.n,
            pct(c.caar),
            tests_cells(&c.tests)
        );
    }
    let _ = writeln!(
        out,
        "\nStatistics with stars: \\* p < 0.10, \\*\\* p < 0.05, \\*\\*\\* p < 0.01 (two-sided)."
    );
    long_horizon(&mut out, a);
    cross_section(&mut out, a);
    super::calendar_time::render_markdown(&mut out, a);
    super::groups::render_markdown(&mut out, a);
    let _ = writeln!(out, "\n## Events\n");
    let _ = writeln!(
        out,
        "| id | event | date | day 0 | AR(0) | t | CAR | abnormal MV |"
    );
    let _ = writeln!(out, "|---:|---|---|---|---:|---:|---:|---:|");
    for e in summary.events.iter().take(LISTED_EVENTS) {
        let _ = writeln!(out, "| {} |", table::event_line(e).join(" | "));
    }
    if summary.events.len() > LISTED_EVENTS {
        let _ = writeln!(
            out,
            "\n{} more events are in `tables/events.csv`.",
            summary.events.len() - LISTED_EVENTS
        );
    }
    if !summary.excluded.is_empty() {
        let _ = writeln!(out, "\n## Excluded\n");
        for x in &summary.excluded {
            let date = x.event_date.map_or(String::new(), |d| format!(" {d}"));
            let _ = writeln!(out, "- {}{date}: {}", x.ticker, x.reason);
        }
    }
    if summary.layout.portfolio_charts {
        let ext = summary.layout.chart_extension();
        let _ = writeln!(out, "\n## Charts\n");
        let _ = writeln!(
            out,
            "![Cumulative average abnormal return]({charts}caar.{ext})\n"
        );
        let _ = writeln!(
            out,
            "![Daily abnormal returns by event]({charts}abnormal_returns_heatmap.{ext})\n"
        );
        if a.n_with_market_value > 0 {
            let _ = writeln!(
                out,
                "![Change in market value by event, days {}]({charts}market_value_by_ticker.{ext})\n",
                summary.layout.mv_window
            );
        }
        if !a.bhar.is_empty() {
            let _ = writeln!(
                out,
                "![Mean buy-and-hold abnormal return]({charts}bhar.{ext})\n"
            );
        }
    }
    out.push('\n');
    conventions(&mut out, summary);
    out
}
