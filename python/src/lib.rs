//! `eventstudy_rs._eventstudy_rs`: the engine for Python. A front end like the CLI: the
//! arguments go through the CLI's own parser (so the settings, their defaults and their
//! errors are the CLI's), tables cross as Arrow through the C stream interface, and nothing is
//! computed here. The Python package (`python/eventstudy_rs/`) turns keyword arguments into
//! those arguments and wraps what this module hands back.

mod arrow;

use std::ffi::OsString;
use std::sync::Arc;

use eventstudy::config::{self, ParseFailure};
use eventstudy::data::frame::FrameSource;
use eventstudy::data::PriceSource;
use eventstudy::export::{self, OutputFormat};
use eventstudy::options::{CommandOptions, EventInput, RunOptions, SourceSpec};
use eventstudy::pipeline::{self, parts};
use eventstudy::report::bars::BarSummary;
use eventstudy::report::Summary;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

/// The CLI's allocator: a large batch allocates each event's report between short-lived
/// buffers, which the system allocator fragments (see the binary's `main.rs`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

pyo3::create_exception!(
    _eventstudy_rs,
    EventStudyError,
    PyException,
    "An input, data or usage error, with the CLI's one-line message; `exit_code` is the code \
     the CLI would have exited with (2 input, 3 data, 4 network, 1 other)."
);

/// The exception for an error of the library, with its exit code.
fn py_error(py: Python<'_>, message: String, exit_code: i32) -> PyErr {
    let err = EventStudyError::new_err(message);
    let _ = err.value(py).setattr("exit_code", exit_code);
    err
}

fn library_error(py: Python<'_>, e: eventstudy::Error) -> PyErr {
    let code = e.exit_code();
    py_error(py, e.to_string(), code)
}

/// The settings of `argv` (`["batch", "--events", ...]`), as the CLI parses and validates
/// them; `events_csv`, when given, is the events file's text (a table from Python).
fn study_options(
    py: Python<'_>,
    argv: Vec<String>,
    events_csv: Option<Vec<u8>>,
) -> PyResult<RunOptions> {
    let argv: Vec<OsString> = std::iter::once("eventstudy".to_string())
        .chain(argv)
        .map(OsString::from)
        .collect();
    let cli = config::parse_args(argv).map_err(|f| match f {
        ParseFailure::Clap(e) => py_error(
            py,
            eventstudy::cli::one_line_error(&e),
            eventstudy::error::exit::USAGE,
        ),
        ParseFailure::Config(e) => library_error(py, e),
    })?;
    let mut options = match cli.into_options().map_err(|e| library_error(py, e))? {
        CommandOptions::Study(options) => *options,
        _ => {
            return Err(py_error(
                py,
                "only run and batch studies are available from Python".into(),
                eventstudy::error::exit::USAGE,
            ))
        }
    };
    if let (Some(csv), EventInput::File { text, .. }) = (events_csv, &mut options.events) {
        *text = Some(Arc::from(csv));
    }
    Ok(options)
}

/// The prices handed over (an object with `__arrow_c_stream__`: a long `symbol, date,
/// adj_close[, close, volume]` table), as a price source.
fn frame_source(
    py: Python<'_>,
    prices: Option<&Bound<'_, PyAny>>,
) -> PyResult<Option<FrameSource>> {
    let Some(prices) = prices else {
        return Ok(None);
    };
    let frame = arrow::import_frame(prices)?;
    py.detach(|| FrameSource::new(&frame))
        .map(Some)
        .map_err(|e| library_error(py, e))
}

/// A finished study: its settings and its summary (events, aggregate), in memory.
#[pyclass(module = "eventstudy_rs._eventstudy_rs")]
struct NativeResult {
    options: RunOptions,
    summary: Summary,
}

#[pymethods]
impl NativeResult {
    /// The summary as `--format json` prints it.
    fn json(&self, py: Python<'_>) -> PyResult<String> {
        export::json::summary_json(&self.summary).map_err(|e| library_error(py, e))
    }

    /// The console's table (`--format table`), for `print(result)`.
    fn text(&self, py: Python<'_>) -> PyResult<String> {
        export::render_stdout(export::Output::Study(&self.summary), OutputFormat::Table)
            .map_err(|e| library_error(py, e))
    }

    /// The Markdown report of the run, as `report.md` has it.
    fn markdown(&self, py: Python<'_>) -> PyResult<String> {
        export::render_stdout(export::Output::Study(&self.summary), OutputFormat::Markdown)
            .map_err(|e| library_error(py, e))
    }

    /// The names of the run's tables, in the order the run folder and tables.xlsx have them.
    fn table_names(&self) -> Vec<&'static str> {
        export::run_tables(&self.summary)
            .into_iter()
            .map(|t| t.name)
            .collect()
    }

    /// One table as an Arrow C stream capsule (`None` when the run has no such table).
    fn table<'py>(&self, py: Python<'py>, name: &str) -> PyResult<Option<Bound<'py, PyAny>>> {
        let frame = py.detach(
            || -> eventstudy::Result<Option<polars::prelude::DataFrame>> {
                let Some(table) = export::run_tables(&self.summary)
                    .into_iter()
                    .find(|t| t.name == name)
                else {
                    return Ok(None);
                };
                let mut batches = table.batches;
                let Some(first) = batches.next() else {
                    return Ok(None);
                };
                let mut frame = first?;
                for batch in batches {
                    frame
                        .vstack_mut_owned(batch?)
                        .map_err(|e| eventstudy::Error::Internal(format!("table {name}: {e}")))?;
                }
                frame.rechunk_mut();
                Ok(Some(frame))
            },
        );
        match frame.map_err(|e| library_error(py, e))? {
            Some(frame) => Ok(Some(arrow::export_frame(py, frame)?)),
            None => Ok(None),
        }
    }

    /// Writes the run's folders under `out` (the run folder and, for a small run, each
    /// event's), as the CLI writes them; returns the warnings (charts left out).
    fn save(&mut self, py: Python<'_>, out: std::path::PathBuf) -> PyResult<Vec<String>> {
        let mut output = self.options.output.clone();
        output.out_dir = out;
        // In place, not on a copy: a million events' reports are gigabytes.
        let summary = &mut self.summary;
        py.detach(|| pipeline::save(&output, summary))
            .map(|warnings| warnings.iter().map(|w| w.to_string()).collect())
            .map_err(|e| library_error(py, e))
    }

    /// The run folder's name (`portfolio_<events>`, or `--name`).
    fn run_name(&self) -> String {
        self.options.output.portfolio_name.clone()
    }
}

/// A finished intraday study (`interval=`): its settings and its summary, in memory.
#[pyclass(module = "eventstudy_rs._eventstudy_rs")]
struct NativeBarResult {
    options: RunOptions,
    summary: BarSummary,
}

#[pymethods]
impl NativeBarResult {
    fn json(&self, py: Python<'_>) -> PyResult<String> {
        export::bars::json(&self.summary).map_err(|e| library_error(py, e))
    }

    fn text(&self, py: Python<'_>) -> PyResult<String> {
        export::bars::render(&self.summary, OutputFormat::Table).map_err(|e| library_error(py, e))
    }

    fn markdown(&self, py: Python<'_>) -> PyResult<String> {
        export::bars::render(&self.summary, OutputFormat::Markdown)
            .map_err(|e| library_error(py, e))
    }

    fn table_names(&self, py: Python<'_>) -> PyResult<Vec<&'static str>> {
        let tables = export::bar_tables(&self.summary).map_err(|e| library_error(py, e))?;
        Ok(tables.into_iter().map(|(name, _)| name).collect())
    }

    fn table<'py>(&self, py: Python<'py>, name: &str) -> PyResult<Option<Bound<'py, PyAny>>> {
        let tables = py
            .detach(|| export::bar_tables(&self.summary))
            .map_err(|e| library_error(py, e))?;
        match tables.into_iter().find(|(n, _)| *n == name) {
            Some((_, frame)) => Ok(Some(arrow::export_frame(py, frame)?)),
            None => Ok(None),
        }
    }

    fn save(&mut self, py: Python<'_>, out: std::path::PathBuf) -> PyResult<Vec<String>> {
        let mut output = self.options.output.clone();
        output.out_dir = out;
        let summary = &mut self.summary;
        py.detach(|| pipeline::intraday::save(&output, summary))
            .map(|warnings| warnings.iter().map(|w| w.to_string()).collect())
            .map_err(|e| library_error(py, e))
    }

    fn run_name(&self) -> String {
        self.options.output.portfolio_name.clone()
    }
}

/// A result, or the error of a run in which no event ran (as the CLI's exit).
fn finished(
    py: Python<'_>,
    options: RunOptions,
    outcome: eventstudy::Result<pipeline::RunOutcome>,
) -> PyResult<NativeResult> {
    let outcome = outcome.map_err(|e| library_error(py, e))?;
    if let Some(failure) = outcome.failure {
        return Err(py_error(py, failure, outcome.exit_code));
    }
    Ok(NativeResult {
        options,
        summary: outcome.summary,
    })
}

/// Runs the study `argv` describes; prices from `prices` (an Arrow stream) when given.
#[pyfunction]
#[pyo3(signature = (argv, events_csv=None, prices=None))]
fn study(
    py: Python<'_>,
    argv: Vec<String>,
    events_csv: Option<Vec<u8>>,
    prices: Option<&Bound<'_, PyAny>>,
) -> PyResult<Py<PyAny>> {
    let mut options = study_options(py, argv, events_csv)?;
    if options.study.intraday.is_some() {
        if prices.is_some() {
            return Err(py_error(
                py,
                "an intraday study (interval=) reads its bars from source= (csv:DIR or the store), not from prices=".into(),
                eventstudy::error::exit::USAGE,
            ));
        }
        let outcome = py
            .detach(|| pipeline::intraday::run_in_memory(&options))
            .map_err(|e| library_error(py, e))?;
        if let Some(failure) = outcome.failure {
            return Err(py_error(py, failure, outcome.exit_code));
        }
        let result = NativeBarResult {
            options,
            summary: outcome.summary,
        };
        return Ok(Py::new(py, result)?.into_any());
    }
    let source = frame_source(py, prices)?;
    if source.is_some() {
        options.data.source = SourceSpec::Memory;
    }
    let outcome = py.detach(|| {
        pipeline::run_in_memory(&options, source.as_ref().map(|s| s as &dyn PriceSource))
    });
    Ok(Py::new(py, finished(py, options, outcome)?)?.into_any())
}

/// Studies one part of a batch (its events' ids from `first_id`) and returns it as bytes:
/// every report, the pooled sums, the BHAR sums.
#[pyfunction]
#[pyo3(signature = (argv, first_id, events_csv=None, prices=None))]
fn partial<'py>(
    py: Python<'py>,
    argv: Vec<String>,
    first_id: usize,
    events_csv: Option<Vec<u8>>,
    prices: Option<&Bound<'_, PyAny>>,
) -> PyResult<(Bound<'py, PyBytes>, usize, usize)> {
    let mut options = study_options(py, argv, events_csv)?;
    if options.study.intraday.is_some() {
        return Err(py_error(
            py,
            "a batch in parts is daily: run an intraday study (interval=) in one batch".into(),
            eventstudy::error::exit::USAGE,
        ));
    }
    let source = frame_source(py, prices)?;
    if source.is_some() {
        options.data.source = SourceSpec::Memory;
    }
    let bytes = py
        .detach(|| -> eventstudy::Result<(Vec<u8>, usize, usize)> {
            let prices = source.as_ref().map(|s| s as &dyn PriceSource);
            let part = parts::partial(&options, prices, first_id)?;
            Ok((part.to_bytes()?, part.events(), part.excluded()))
        })
        .map_err(|e| library_error(py, e))?;
    Ok((PyBytes::new(py, &bytes.0), bytes.1, bytes.2))
}

/// The run over every part (the bytes [`partial`] returned), as one batch would have made it.
#[pyfunction]
fn combine(py: Python<'_>, argv: Vec<String>, parts: Vec<Vec<u8>>) -> PyResult<NativeResult> {
    let options = study_options(py, argv, None)?;
    let outcome = py.detach(|| {
        let partials = parts
            .iter()
            .map(|bytes| parts::Partial::from_bytes(bytes))
            .collect::<eventstudy::Result<Vec<_>>>()?;
        parts::combine_in_memory(&options, partials)
    });
    finished(py, options, outcome)
}

#[pymodule]
fn _eventstudy_rs(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("EventStudyError", m.py().get_type::<EventStudyError>())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<NativeResult>()?;
    m.add_class::<NativeBarResult>()?;
    m.add_function(wrap_pyfunction!(study, m)?)?;
    m.add_function(wrap_pyfunction!(partial, m)?)?;
    m.add_function(wrap_pyfunction!(combine, m)?)?;
    Ok(())
}
