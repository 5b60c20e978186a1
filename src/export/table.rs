//! `--format table`: readable, aligned text for every command. A study's summary has the
//! conventions on top, then each event, the portfolio and the excluded events.

use std::fmt::Write;
use std::path::Path;

pub use crate::export::numbers::{
    billions, fixed, p_value, p_with_adjusted, pct, stat, t_with_adjusted_stars,
};
use crate::export::output::Output;
use crate::report::{
    AggregateBharRow, AggregateReport, BharRow, CarRow, Check, CoefficientReport, DayRow,
    EventReport, Exclusion, FetchedSymbol, StoreEntry, Summary, TestReport, TestsReport,
};
use crate::study::RelWindow;

/// One event day's cells: day, date, return, benchmark return, AR, its t, CAR, abnormal
/// dollars.
pub(super) fn day_line(d: &DayRow) -> [String; 8] {
    [
        format!("{:+}", d.rel),
        d.date.to_string(),
        pct(d.ret),
        pct(d.benchmark_return),
        pct(d.ar),
        t_with_adjusted_stars(d.ar_t, d.ar_p_adj),
        pct(d.car),
        billions(d.abnormal_market_value_change),
    ]
}

/// One CAR window's cells: window, dates, days, CAR, t, p, simple t, dollars, abnormal dollars.
/// `event_window` is the event's own: a CAR window outside it was left out.
pub(super) fn car_line(c: &CarRow, event_window: RelWindow) -> [String; 9] {
    let dates = match (c.start, c.end) {
        (Some(s), Some(t)) => format!("{s} to {t}"),
        _ if !event_window.contains(c.rel_window) => "outside the event window".into(),
        _ => "outside the data".into(),
    };
    [
        c.window.clone(),
        dates,
        c.days.to_string(),
        pct(c.car),
        fixed(c.t, 2),
        p_with_adjusted(c.p, c.p_adj),
        fixed(c.t_simple, 2),
        billions(c.market_value_change),
        billions(c.abnormal_market_value_change),
    ]
}

/// One event's line in a list: id, name, date, day 0, AR(0), its t, the first CAR window's
/// CAR and its abnormal dollars.
pub(super) fn event_line(e: &EventReport) -> [String; 8] {
    let day0 = e.day(0);
    let car = e.car.first();
    [
        e.id.to_string(),
        e.display_name(false),
        e.event_date.to_string(),
        e.day0.to_string(),
        pct(day0.and_then(|d| d.ar)),
        fixed(day0.and_then(|d| d.ar_t), 2),
        pct(car.and_then(|c| c.car)),
        billions(car.and_then(|c| c.abnormal_market_value_change)),
    ]
}

/// Up to this many events get their full daily table; beyond, one line each.
const FULL_EVENTS: usize = 10;
/// The compact list shows at most this many events.
pub(super) const LISTED_EVENTS: usize = 50;

/// What a command prints as a table.
pub fn render(output: Output<'_>) -> String {
    match output {
        Output::Study(summary) => render_summary(summary),
        Output::Bars(summary) => super::bars::table(summary),
        Output::Simulation(report) => super::simulation::table(report),
        Output::Fetch(rows) => render_fetch(rows),
        Output::StoreList { data_dir, entries } => render_store_list(data_dir, entries),
        Output::Doctor(checks) => render_doctor(checks),
        Output::Message(text) => format!("{text}\n"),
        Output::Text(text) => text.to_string(),
    }
}

/// One line per check; a failure's remedy on the line below it.
fn render_doctor(checks: &[Check]) -> String {
    let mut out = String::new();
    for c in checks {
        let _ = writeln!(
            out,
            "{:<7}  {:<28}  {}",
            c.status.as_str(),
            c.name,
            c.detail
        );
        if let Some(fix) = &c.fix {
            let _ = writeln!(out, "{:<7}  {:<28}  -> {fix}", "", "");
        }
    }
    out
}

/// A missing date as `-`.
fn date(d: Option<chrono::NaiveDate>) -> String {
    d.map_or("-".into(), |d| d.to_string())
}

fn render_fetch(rows: &[FetchedSymbol]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<10}  {:<12}  {:>6}  {:<10}  {:<10}",
        "symbol", "status", "rows", "first", "last"
    );
    for r in rows {
        let status = match (&r.error, r.requests) {
            (Some(_), _) => "failed".to_string(),
            (None, 0) => "up to date".to_string(),
            (None, n) => format!("{n} request{}", if n == 1 { "" } else { "s" }),
        };
        let _ = writeln!(
            out,
            "{:<10}  {:<12}  {:>6}  {:<10}  {:<10}{}",
            r.symbol,
            status,
            r.rows.map_or("-".into(), |n| n.to_string()),
            date(r.first),
            date(r.last),
            r.error.as_ref().map_or(String::new(), |e| format!("  {e}"))
        );
    }
    out
}

fn render_store_list(data_dir: &Path, entries: &[StoreEntry]) -> String {
    let mut out = String::new();
    if entries.is_empty() {
        let _ = writeln!(
            out,
            "the store at {} is empty (fill it with `eventstudy fetch`)",
            data_dir.display()
        );
        return out;
    }
    let _ = writeln!(out, "store: {}", data_dir.display());
    let _ = writeln!(
        out,
        "{:<10}  {:<8}  {:<10}  {:<10}  {:>7}  {:<20}  {:>6}  {:>9}  status",
        "symbol", "interval", "first", "last", "rows", "fetched at (UTC)", "splits", "dividends"
    );
    for e in entries {
        let _ = writeln!(
            out,
            "{:<10}  {:<8}  {:<10}  {:<10}  {:>7}  {:<20}  {:>6}  {:>9}  {}",
            e.symbol,
            e.interval,
            date(e.first),
            date(e.last),
            e.rows.map_or("-".into(), |r| r.to_string()),
            e.fetched_at
                .map_or("-".into(), |t| t.format("%Y-%m-%d %H:%M").to_string()),
            e.splits,
            e.dividends,
            e.status
        );
    }
    out
}

fn render_summary(summary: &Summary) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "conventions: {}", summary.conventions.describe());
    let _ = writeln!(out, "source: {}", summary.source);
    if summary.events.len() <= FULL_EVENTS {
        for event in &summary.events {
            out.push('\n');
            render_event(&mut out, event);
        }
    } else {
        out.push('\n');
        render_event_list(&mut out, &summary.events);
    }
    if let Some(aggregate) = &summary.aggregate {
        out.push('\n');
        render_aggregate(&mut out, aggregate);
    }
    if !summary.excluded.is_empty() {
        out.push('\n');
        render_excluded(&mut out, &summary.excluded);
    }
    out
}

/// An event's diagnostics on one line: the residual tests (p-values in parentheses) and the
/// pre-trend.
pub(super) fn diagnostics_line(d: &crate::report::diagnostics::DiagnosticsReport) -> String {
    let p = |p: Option<f64>| fixed(p, 3);
    let mut line = format!(
        "diagnostics: Jarque-Bera {} (p {}), Durbin-Watson {}, Ljung-Box({}) {} (p {}), ARCH-LM({}) {} (p {})",
        fixed(d.jarque_bera.stat, 2),
        p(d.jarque_bera.p),
        fixed(d.durbin_watson, 2),
        d.ljung_box.lags,
        fixed(d.ljung_box.stat, 2),
        p(d.ljung_box.p),
        d.arch_lm.lags,
        fixed(d.arch_lm.stat, 2),
        p(d.arch_lm.p)
    );
    if let Some(t) = &d.pretrend {
        let _ = write!(
            line,
            "; pre-trend {} CAR {} (t {}, p {}; chi2 {} p {})",
            t.window,
            pct(t.car),
            fixed(t.t, 2),
            p(t.p),
            fixed(t.chi2, 2),
            p(t.chi2_p)
        );
    }
    line
}

/// An event's GARCH(1,1) fit on one line (`--model garch`).
pub(super) fn garch_line(g: &crate::report::GarchReport) -> String {
    let fit = format!(
        "omega {}, a {}, b {}, a + b {}, log-likelihood {}",
        g.omega.map_or("-".into(), |v| format!("{v:.3e}")),
        fixed(g.arch, 3),
        fixed(g.garch, 3),
        fixed(g.persistence, 3),
        fixed(g.loglik, 2)
    );
    match g.converged {
        true => format!("GARCH(1,1): {fit}"),
        false => format!("GARCH(1,1) did not converge ({fit}): OLS market model used"),
    }
}

fn render_event(out: &mut String, e: &EventReport) {
    let moved = match (&e.event_time, e.day0 == e.event_date) {
        (Some(time), _) => format!(
            " ({time} is {} on the {} clock: {})",
            e.event_date,
            e.exchange_tz.as_deref().unwrap_or("exchange's"),
            e.day0_rule
        ),
        (None, true) => String::new(),
        (None, false) => format!(" (event date {}: {})", e.event_date, e.day0_rule),
    };
    let _ = writeln!(
        out,
        "{} vs {}: day 0 = {} {}{}",
        e.ticker,
        e.benchmark,
        e.day0,
        e.day0.format("%a"),
        moved
    );
    let _ = writeln!(
        out,
        "  alpha {}  beta {}  sigma {}  estimation {} returns, {} to {} (dof {})",
        fixed(e.alpha, 5),
        fixed(e.beta, 3),
        pct(e.sigma),
        e.n_estimation,
        e.estimation_start,
        e.estimation_end,
        e.degrees_of_freedom
    );
    if let Some(d0) = e.day(0).filter(|d| d.abnormal_volume.is_some()) {
        let _ = writeln!(
            out,
            "  day 0 volume {} shares, abnormal log volume {} (x{} normal, t {})",
            d0.volume.map_or("-".into(), |v| format!("{v:.0}")),
            fixed(d0.abnormal_volume, 2),
            fixed(d0.abnormal_volume.map(f64::exp), 1),
            fixed(d0.abnormal_volume_t, 2)
        );
    }
    let _ = writeln!(out);
    // Adjusted p-values widen the t and p columns (stars; the adjusted p beside the p).
    let (tw, pw, p_head) = match e.adjust {
        Some(_) => (10, 18, "p (adjusted)"),
        None => (7, 10, "p"),
    };
    let _ = writeln!(
        out,
        "  {:>4}  {:<10}  {:>9}  {:>9}  {:>9}  {:>tw$}  {:>9}  {:>12}",
        "day", "date", "return", "benchmark", "AR", "t", "CAR", "abn. MV"
    );
    for d in &e.days {
        let [rel, date, ret, bench, ar, t, car, mv] = day_line(d);
        let _ = writeln!(
            out,
            "  {rel:>4}  {date:<10}  {ret:>9}  {bench:>9}  {ar:>9}  {t:>tw$}  {car:>9}  {mv:>12}"
        );
    }
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "  {:<7}  {:<23}  {:>4}  {:>9}  {:>7}  {:>pw$}  {:>8}  {:>12}  {:>12}",
        "CAR", "dates", "days", "CAR", "t", p_head, "t simple", "MV change", "abn. MV"
    );
    for c in &e.car {
        let [window, dates, days, car, t, p, simple, mv, abn] = car_line(c, e.event_window);
        let _ = writeln!(
            out,
            "  {window:<7}  {dates:<23}  {days:>4}  {car:>9}  {t:>7}  {p:>pw$}  {simple:>8}  {mv:>12}  {abn:>12}"
        );
    }
    let _ = writeln!(out);
    if !e.bhar.is_empty() {
        render_event_bhar(out, e);
    }
    match (e.market_value_before, e.day(0)) {
        (Some(mv), Some(d0)) => {
            let shares = e
                .shares_outstanding
                .map_or("-".into(), |s| format!("{:.3}bn shares", s / 1e9));
            let _ = writeln!(
                out,
                "  market value at day -1: ${:.1}bn ({shares}, {})",
                mv / 1e9,
                e.shares_source.as_deref().unwrap_or("")
            );
            let _ = writeln!(
                out,
                "  day 0: market value change {}, abnormal {}",
                billions(d0.market_value_change),
                billions(d0.abnormal_market_value_change)
            );
        }
        _ => {
            let _ = writeln!(out, "  market value: not available (no share count)");
        }
    }
    if let Some(g) = &e.garch {
        let _ = writeln!(out, "  {}", garch_line(g));
    }
    if let Some(d) = &e.diagnostics {
        let _ = writeln!(out, "  {}", diagnostics_line(d));
        let rejected = d.rejections();
        if !rejected.is_empty() {
            let _ = writeln!(
                out,
                "  warning: {} reject{} at 1%: see docs/guide/diagnostics.md",
                rejected.join(", "),
                if rejected.len() == 1 { "s" } else { "" }
            );
        }
    }
    for note in &e.notes {
        let _ = writeln!(out, "  note: {note}");
    }
}

/// An event's BHAR window as cells: window, dates, days, firm, benchmark, BHAR, abnormal MV
/// (the console table and the Markdown report; each marks a cut-short window its own way).
pub(super) fn bhar_line(b: &BharRow) -> [String; 7] {
    let dates = match (b.start, b.end) {
        (Some(s), Some(t)) => format!("{s} to {t}"),
        _ => "-".into(),
    };
    [
        b.window.clone(),
        dates,
        b.days.to_string(),
        pct(b.firm_bh_return),
        pct(b.benchmark_bh_return),
        pct(b.bhar),
        billions(b.abnormal_market_value_change),
    ]
}

/// A portfolio BHAR window as cells: window, N, cut short, mean, median, skewness, t, t_sa,
/// bootstrap p, abnormal MV.
pub(super) fn aggregate_bhar_line(b: &AggregateBharRow) -> [String; 10] {
    [
        b.window.clone(),
        b.n.to_string(),
        b.cut_short.to_string(),
        pct(b.mean_bhar),
        pct(b.median_bhar),
        fixed(b.skewness, 2),
        stat(&b.t),
        stat(&b.t_sa),
        p_value(b.bootstrap_p),
        billions(b.abnormal_market_value_change),
    ]
}

/// A regression coefficient as cells: name, estimate, s.e., t, p.
pub(super) fn coefficient_line(c: &CoefficientReport) -> [String; 5] {
    [
        c.name.clone(),
        fixed(c.estimate, 5),
        fixed(c.se, 5),
        fixed(c.t, 2),
        p_value(c.p),
    ]
}

/// An event's buy-and-hold windows: the firm, its benchmark, the gap and its dollars.
fn render_event_bhar(out: &mut String, e: &EventReport) {
    let _ = writeln!(
        out,
        "  {:<7}  {:<23}  {:>4}  {:>9}  {:>9}  {:>9}  {:>12}",
        "BHAR", "dates", "days", "firm", "benchmark", "BHAR", "abn. MV"
    );
    for b in &e.bhar {
        let [window, dates, days, firm, bench, bhar, mv] = bhar_line(b);
        let days = format!("{days}{}", if b.cut_short { "*" } else { "" });
        let _ = writeln!(
            out,
            "  {window:<7}  {dates:<23}  {days:>4}  {firm:>9}  {bench:>9}  {bhar:>9}  {mv:>12}"
        );
    }
    if e.bhar.iter().any(|b| b.cut_short) {
        let _ = writeln!(
            out,
            "  (* cut short: the window runs past the firm's last return)"
        );
    }
    let _ = writeln!(out);
}

/// The portfolio's BHAR windows: mean and median, the conventional and the skewness-adjusted
/// t, and the bootstrap p.
fn render_aggregate_bhar(out: &mut String, a: &AggregateReport) {
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "  {:<7} {:>3}  {:>5}  {:>9}  {:>9}  {:>6}  {:>9}  {:>9}  {:>9}  {:>12}",
        "BHAR", "N", "short", "mean", "median", "skew", "t", "t_sa", "boot. p", "abn. MV"
    );
    for b in &a.bhar {
        let [window, n, short, mean, median, skew, t, t_sa, boot, mv] = aggregate_bhar_line(b);
        let _ = writeln!(
            out,
            "  {window:<7} {n:>3}  {short:>5}  {mean:>9}  {median:>9}  {skew:>6}  {t:>9}  {t_sa:>9}  {boot:>9}  {mv:>12}"
        );
    }
    if let Some(b) = a.bhar.first() {
        let _ = writeln!(
            out,
            "  (t_sa: Lyon-Barber-Tsai skewness-adjusted; bootstrap of {} resamples of {} events)",
            b.bootstrap_draws, b.bootstrap_sample
        );
    }
}

/// The cross-sectional regressions: one block per CAR window, a line per coefficient.
fn render_cross_section(out: &mut String, a: &AggregateReport) {
    for r in &a.cross_section {
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "  CAR {} on characteristics: N {} ({} left out), R2 {}, adj. R2 {}, {} standard errors",
            r.window,
            r.n,
            r.left_out,
            fixed(r.r2, 3),
            fixed(r.adj_r2, 3),
            r.se_kind.as_str().to_ascii_uppercase()
        );
        let _ = writeln!(
            out,
            "    {:<16}  {:>11}  {:>10}  {:>8}  {:>10}",
            "", "estimate", "s.e.", "t", "p"
        );
        for c in &r.coefficients {
            let [name, estimate, se, t, p] = coefficient_line(c);
            let _ = writeln!(
                out,
                "    {name:<16}  {estimate:>11}  {se:>10}  {t:>8}  {p:>10}"
            );
        }
    }
}

fn render_event_list(out: &mut String, events: &[EventReport]) {
    let first_car = events
        .first()
        .and_then(|e| e.car.first())
        .map_or(String::new(), |c| c.window.clone());
    let _ = writeln!(
        out,
        "  {:>4}  {:<24}  {:<10}  {:<10}  {:>9}  {:>7}  {:>12}  {:>12}",
        "id",
        "event",
        "date",
        "day 0",
        "AR(0)",
        "t",
        format!("CAR {first_car}"),
        "abn. MV"
    );
    for e in events.iter().take(LISTED_EVENTS) {
        let [id, name, date, day0, ar, t, car, mv] = event_line(e);
        let _ = writeln!(
            out,
            "  {id:>4}  {name:<24}  {date:<10}  {day0:<10}  {ar:>9}  {t:>7}  {car:>12}  {mv:>12}"
        );
    }
    if events.len() > LISTED_EVENTS {
        let _ = writeln!(
            out,
            "  ... and {} more events (every one is in the portfolio's events.csv)",
            events.len() - LISTED_EVENTS
        );
    }
}

fn render_aggregate(out: &mut String, a: &AggregateReport) {
    let _ = writeln!(
        out,
        "portfolio: {} events ({} with a share count); residual correlation {}; share of positive estimation ARs {}",
        a.n,
        a.n_with_market_value,
        fixed(a.residual_correlation, 3),
        fixed(a.positive_share, 3)
    );
    let header = |out: &mut String, first: &str| {
        let labels: Vec<String> = TestsReport::LABELS
            .iter()
            .map(|l| format!("{l:>9}"))
            .collect();
        let _ = writeln!(
            out,
            "  {:<7} {:>3}  {:>8}  {:>8}  {}",
            first,
            "N",
            "AAR",
            "CAAR",
            labels.join("  ")
        );
    };
    let tests = |t: &TestsReport| {
        t.named()
            .iter()
            .map(|(_, test)| format!("{:>9}", stat(test)))
            .collect::<Vec<_>>()
            .join("  ")
    };
    header(out, "day");
    for d in &a.days {
        let _ = writeln!(
            out,
            "  {:<7} {:>3}  {:>8}  {:>8}  {}",
            format!("{:+}", d.rel),
            d.n,
            pct(d.aar),
            pct(d.caar),
            tests(&d.tests)
        );
    }
    let _ = writeln!(out);
    header(out, "CAR");
    for c in &a.car {
        let _ = writeln!(
            out,
            "  {:<7} {:>3}  {:>8}  {:>8}  {}",
            c.window,
            c.n,
            "",
            pct(c.caar),
            tests(&c.tests)
        );
    }
    let _ = writeln!(out, "  (* p < 0.10, ** p < 0.05, *** p < 0.01; two-sided)");
    if let Some(d) = &a.diagnostics {
        let _ = writeln!(
            out,
            "  diagnostics: of {} events, at 1% {} fail Jarque-Bera, {} Ljung-Box, {} ARCH-LM, {} the pre-trend",
            d.events, d.jarque_bera, d.ljung_box, d.arch_lm, d.pretrend
        );
    }
    render_volatility(out, a);
    render_volume(out, a);
    if a.n_with_market_value > 0 {
        let _ = writeln!(
            out,
            "  day 0 market value change of the {} events with a share count: {}, abnormal {}",
            a.n_with_market_value,
            billions(a.market_value_change),
            billions(a.abnormal_market_value_change)
        );
    }
    if !a.bhar.is_empty() {
        render_aggregate_bhar(out, a);
    }
    render_cross_section(out, a);
    super::calendar_time::render_table(out, a);
    super::groups::render_table(out, a);
}

/// Abnormal volatility: mean U = SAR^2 (about 1 under the null) and its chi-square test, for
/// day 0 and each CAR window.
fn render_volatility(out: &mut String, a: &AggregateReport) {
    let line = |label: String, mean_u: Option<f64>, chi: &crate::report::ChiSquareReport| {
        format!(
            "{label} mean U {} (chi2 {} on {}, p {})",
            fixed(mean_u, 2),
            fixed(chi.stat, 1),
            chi.df,
            p_value(chi.p)
        )
    };
    let day0 = a
        .days
        .iter()
        .find(|d| d.rel == 0)
        .map(|d| line("day 0".into(), d.mean_u, &d.volatility_chi2));
    let windows = a
        .car
        .iter()
        .map(|c| line(format!("CAR {}", c.window), c.mean_u, &c.volatility_chi2));
    let parts: Vec<String> = day0.into_iter().chain(windows).collect();
    let _ = writeln!(
        out,
        "  abnormal volatility (U = SAR^2, about 1 without an effect): {}",
        parts.join("; ")
    );
}

/// Abnormal volume: the mean abnormal log volume and its standardized t, for day 0 and each
/// CAR window; nothing when no event has volume.
fn render_volume(out: &mut String, a: &AggregateReport) {
    let line = |label: String, aav: Option<f64>, t: &TestReport| {
        format!(
            "{label} {} (t {}, p {})",
            fixed(aav, 2),
            fixed(t.stat, 2),
            p_value(t.p)
        )
    };
    let day0 = a
        .days
        .iter()
        .find(|d| d.rel == 0 && d.aav.is_some())
        .map(|d| line("day 0".into(), d.aav, &d.aav_std_t));
    let Some(day0) = day0 else {
        return;
    };
    let windows = a
        .car
        .iter()
        .map(|c| line(format!("CAR {}", c.window), c.aav, &c.aav_std_t));
    let parts: Vec<String> = std::iter::once(day0).chain(windows).collect();
    let _ = writeln!(
        out,
        "  abnormal log volume (mean, standardized t): {}",
        parts.join("; ")
    );
}

fn render_excluded(out: &mut String, excluded: &[Exclusion]) {
    let _ = writeln!(out, "excluded:");
    for x in excluded {
        let date = x.event_date.map_or(String::new(), |d| format!(" {d}"));
        let _ = writeln!(out, "  {}{date}: {}", x.ticker, x.reason);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(pct(Some(-0.16968)), "-16.97%");
        assert_eq!(pct(None), "-");
        assert_eq!(billions(Some(-592.9e9)), "-$592.9bn");
        assert_eq!(billions(Some(1.25e9)), "+$1.2bn");
        assert_eq!(p_value(Some(0.003)), "0.0030***");
        assert_eq!(p_value(Some(0.2)), "0.2000");
    }
}
