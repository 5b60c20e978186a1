//! `eventstudy simulate`: loads every firm of the source against the benchmark as a study
//! would, lays their returns on one calendar, and runs the trials of
//! [`crate::study::simulate`]; writes `summary.json`, `simulation.csv` and `power.png`.

use std::path::Path;

use chrono::NaiveDate;

use crate::console::Console;
use crate::data::store::Store;
use crate::error::{Error, Result};
use crate::event::EventSpec;
use crate::options::{EventInput, SimulateOptions, SourceSpec};
use crate::pipeline::{load, plan};
use crate::report::simulation::SimulationReport;
use crate::study::simulate::{simulate, Candidates, SimulationDesign, SimulationFirm};
use crate::ticker::Ticker;

/// Every symbol the source holds (a CSV folder's files, the store's symbols) but the indices
/// (`^...`), or the ones given.
fn firms_of(options: &SimulateOptions) -> Result<Vec<Ticker>> {
    if let Some(given) = &options.tickers {
        return Ok(given.clone());
    }
    let names: Vec<String> = match &options.data.source {
        SourceSpec::CsvDir(dir) => {
            let entries = std::fs::read_dir(dir)
                .map_err(|e| Error::input(dir, format!("cannot list the price folder: {e}")))?;
            let mut names: Vec<String> = entries
                .filter_map(|e| e.ok())
                .filter_map(|e| {
                    let name = e.file_name().to_string_lossy().into_owned();
                    name.strip_suffix(".csv").map(str::to_string)
                })
                .collect();
            names.sort();
            names
        }
        SourceSpec::Yahoo => Store::open(&options.data.data_dir)?
            .list()?
            .into_iter()
            .map(|(name, _)| name)
            .collect(),
        SourceSpec::Memory => return Err(SourceSpec::memory_refused("simulate")),
    };
    let firms: Vec<Ticker> = names
        .iter()
        .filter_map(|n| n.parse::<Ticker>().ok())
        // An index (^GSPC, ^IXIC) is a benchmark, not a firm.
        .filter(|t| t != &options.benchmark && !t.as_str().starts_with('^'))
        .collect();
    if firms.is_empty() {
        return Err(Error::usage(format!(
            "{} holds no symbol but the benchmark {}: nothing to draw from",
            source_name(&options.data.source),
            options.benchmark
        )));
    }
    Ok(firms)
}

fn source_name(source: &SourceSpec) -> String {
    match source {
        SourceSpec::CsvDir(dir) => format!("csv:{}", dir.display()),
        SourceSpec::Yahoo => "the store".into(),
        SourceSpec::Memory => "a table in memory".into(),
    }
}

/// Runs the simulation and writes its files.
pub fn run(options: &SimulateOptions) -> Result<SimulationReport> {
    let console = Console::new(options.output.quiet);
    let design = options.design()?;
    let firms = firms_of(options)?;
    // One pseudo-event per firm makes the plan load each firm against the benchmark once.
    let anchor = NaiveDate::from_ymd_opt(2000, 1, 3).expect("a date");
    let specs: Vec<EventSpec> = firms
        .iter()
        .map(|ticker| EventSpec {
            ticker: ticker.clone(),
            date: anchor,
            instant: None,
            benchmark: options.benchmark.clone(),
            label: None,
            row: None,
            estimation: options.study.estimation,
            window: options.study.window,
            characteristics: Vec::new(),
            group: None,
        })
        .collect();
    let plan = plan::plan(&EventInput::List(specs), &options.study)?;
    let source = load::price_source(&plan, &options.study, &options.data, &console)?;
    let progress = console.progress("loading");
    let loaded = load::load(
        &plan,
        &options.study,
        &options.data,
        source.as_ref(),
        progress.as_ref(),
    )?;
    progress.finish();
    let pairs: Vec<&load::Pair> = loaded
        .pairs
        .iter()
        .filter_map(|p| p.as_ref().ok())
        .collect();
    let unreadable = loaded.pairs.len() - pairs.len();
    if unreadable > 0 {
        console.warn(&crate::note::Warning::Excluded {
            ticker: format!("{unreadable} firm(s)"),
            date: None,
            reason: "their prices could not be read; the others are drawn from".into(),
        });
    }
    let panels: Vec<SimulationFirm<'_>> = pairs
        .iter()
        .map(|p| SimulationFirm {
            panel: p.panel(None),
            keys: &p.keys,
        })
        .collect();
    let s = &options.simulation;
    let simulation = SimulationDesign {
        study: design,
        events: s.events,
        trials: s.trials,
        shocks: s.shocks.clone(),
        shock_window: s.shock_window,
        seed: s.seed,
        cluster: s.cluster,
        level: s.level,
    };
    let candidates = Candidates::new(&panels, &simulation);
    let bar = console.progress("trials");
    bar.start(s.trials);
    let step = || bar.step();
    let counts = simulate(&panels, &candidates, &simulation, &step)
        .map_err(|e| Error::data(e.to_string()))?;
    bar.finish();
    let drawn_firms = {
        let mut f: Vec<u32> = candidates.firms();
        f.dedup();
        f.len()
    };
    let mut report = SimulationReport {
        trials: s.trials,
        events_per_trial: s.events,
        seed: s.seed,
        level: s.level,
        cluster: s.cluster,
        shock_window: s.shock_window,
        model: options.study.model,
        estimation: simulation.study.estimation,
        window: simulation.study.window,
        source: loaded.source.clone(),
        firms: drawn_firms,
        candidates: candidates.len(),
        results: SimulationReport::rows(
            &counts,
            &s.shocks,
            &simulation.study.car_windows,
            s.trials,
        ),
        folder: None,
    };
    let folder = options.output.out_dir.join(&options.output.portfolio_name);
    write_files(&folder, &report, options)?;
    report.folder = Some(folder);
    Ok(report)
}

/// `summary.json`, `simulation.csv` and (unless `--no-charts`) `power.png`, each written
/// atomically.
fn write_files(folder: &Path, report: &SimulationReport, options: &SimulateOptions) -> Result<()> {
    std::fs::create_dir_all(folder).map_err(|e| Error::io(folder, e))?;
    let write = |name: &str, bytes: &[u8]| {
        let path = folder.join(name);
        crate::util::write_atomic(&path, bytes).map_err(|e| Error::io(&path, e))
    };
    write(
        "summary.json",
        (crate::export::simulation::json(report)? + "\n").as_bytes(),
    )?;
    write(
        "simulation.csv",
        crate::export::simulation::csv(report).as_bytes(),
    )?;
    if options.output.charts != crate::export::ChartsMode::None {
        crate::chart::render_power_chart(
            &folder.join("power"),
            report,
            options.output.chart_files,
        )?;
    }
    Ok(())
}
