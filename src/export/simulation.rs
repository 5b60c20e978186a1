//! `eventstudy simulate` in every format: the JSON contract, `simulation.csv`, the console
//! table (a row per shock and window, a column per test: its rejection rate, marked where its
//! Wilson interval excludes the level under no shock) and a Markdown version of it.

use std::fmt::Write;

use crate::error::{Error, Result};
use crate::report::simulation::SimulationReport;
use crate::study::aggregate::TestBattery;

pub fn json(report: &SimulationReport) -> Result<String> {
    serde_json::to_string_pretty(report).map_err(|e| Error::Internal(format!("JSON: {e}")))
}

/// `simulation.csv`: `shock,window,test,rejections,rate,ci_low,ci_high`.
pub fn csv(report: &SimulationReport) -> String {
    let mut out = String::from("shock,window,test,rejections,rate,ci_low,ci_high\n");
    for r in &report.results {
        let _ = writeln!(
            out,
            "{},{},{},{},{},{},{}",
            r.shock, r.window, r.test, r.rejections, r.rate, r.ci_low, r.ci_high
        );
    }
    out
}

fn header(report: &SimulationReport) -> String {
    format!(
        "simulation: {} trials x {} pseudo-events{} from {} firms ({} firm-days with the full windows), {}, estimation {}, event window {}, shock over {}, seed {}, two-sided level {}",
        report.trials,
        report.events_per_trial,
        if report.cluster { " on one date each" } else { "" },
        report.firms,
        report.candidates,
        report.model.describe(),
        report.estimation,
        report.window,
        report.shock_window,
        report.seed,
        report.level
    )
}

/// The rate of a cell; `!` where the shock is 0 and Wilson's interval excludes the level (the
/// test is mis-sized).
fn cell(report: &SimulationReport, shock: f64, window: &str, test: &str) -> String {
    match report.row(shock, window, test) {
        Some(r) => {
            let missized = shock == 0.0 && !(r.ci_low..=r.ci_high).contains(&report.level);
            format!("{:.3}{}", r.rate, if missized { "!" } else { " " })
        }
        None => "-".into(),
    }
}

/// The console table.
pub fn table(report: &SimulationReport) -> String {
    let mut out = header(report) + "\n";
    let _ = write!(out, "  {:>7}  {:<9}", "shock", "window");
    for label in TestBattery::<f64>::LABELS {
        let _ = write!(out, "  {label:>8}");
    }
    out.push('\n');
    for shock in report.shocks() {
        for window in report.windows() {
            let _ = write!(out, "  {:>6.2}%  {window:<9}", shock * 100.0);
            for test in TestBattery::<f64>::NAMES {
                let _ = write!(out, "  {:>8}", cell(report, shock, window, test));
            }
            // The last cell's mark column is blank when it has no mark: no trailing space.
            out.truncate(out.trim_end().len());
            out.push('\n');
        }
    }
    let _ = writeln!(
        out,
        "  (rejection rates at {}; ! under no shock: the 95% Wilson interval excludes {}, the test is mis-sized here)",
        report.level, report.level
    );
    if let Some(folder) = &report.folder {
        let _ = writeln!(
            out,
            "wrote {}/ (summary.json, simulation.csv, power.png)",
            folder.display()
        );
    }
    out
}

/// The same table in Markdown.
pub fn markdown(report: &SimulationReport) -> String {
    let mut out = format!("# Power and size by simulation\n\n{}.\n\n", header(report));
    out.push_str("| shock | window |");
    for label in TestBattery::<f64>::LABELS {
        let _ = write!(out, " {label} |");
    }
    out.push_str("\n|---:|---|");
    for _ in TestBattery::<f64>::LABELS {
        out.push_str("---:|");
    }
    out.push('\n');
    for shock in report.shocks() {
        for window in report.windows() {
            let _ = write!(out, "| {:.2}% | {window} |", shock * 100.0);
            for test in TestBattery::<f64>::NAMES {
                let _ = write!(out, " {} |", cell(report, shock, window, test).trim());
            }
            out.push('\n');
        }
    }
    let _ = writeln!(
        out,
        "\nRejection rates at a two-sided level of {}; `!` under no shock marks a test whose 95% Wilson interval excludes the level.",
        report.level
    );
    out
}
