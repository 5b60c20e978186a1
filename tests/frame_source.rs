//! Prices from a long table in memory (`data::frame::FrameSource`, what a notebook hands the
//! engine): the nine DeepSeek stocks' batch on the example prices gathered into one
//! DataFrame equals the same batch on the CSV files, every number of the summary.

use std::path::{Path, PathBuf};

use clap::Parser;
use eventstudy::cli::{Cli, Command as Sub};
use eventstudy::data::frame::FrameSource;
use polars::prelude::*;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every example price file as one long table: `symbol` and the file's columns, the symbols
/// interleaved by date (as a table sorted by date would be).
fn long_table() -> DataFrame {
    let mut frames = Vec::new();
    for entry in std::fs::read_dir(root().join("examples/prices")).unwrap() {
        let path = entry.unwrap().path();
        let symbol = path.file_stem().unwrap().to_string_lossy().into_owned();
        let mut df = CsvReadOptions::default()
            .with_has_header(true)
            .try_into_reader_with_file_path(Some(path))
            .unwrap()
            .finish()
            .unwrap();
        let n = df.height();
        df.with_column(Column::new("symbol".into(), vec![symbol; n]))
            .unwrap();
        // A file's empty or `null` cells are missing prices: its text columns become numbers.
        for name in ["close", "adj_close", "volume"] {
            let numbers = df.column(name).unwrap().cast(&DataType::Float64).unwrap();
            df.with_column(numbers).unwrap();
        }
        frames.push(
            df.select(["symbol", "date", "close", "adj_close", "volume"])
                .unwrap(),
        );
    }
    let mut all = frames.remove(0);
    for f in &frames {
        all.vstack_mut(f).unwrap();
    }
    all.sort(["date"], SortMultipleOptions::default()).unwrap()
}

fn options(out: &Path) -> eventstudy::options::RunOptions {
    let args = [
        "eventstudy",
        "batch",
        "--events",
        "examples/deepseek9.csv",
        "--source",
        "csv:examples/prices",
        "--shares-file",
        "examples/shares_outstanding.csv",
        "--bhar",
        "0:5",
        "--no-charts",
        "--quiet",
        "--out",
    ];
    let mut args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    args.push(out.display().to_string());
    let Sub::Batch(batch) = Cli::try_parse_from(&args).unwrap().command else {
        panic!("not batch")
    };
    batch.into_options().unwrap()
}

fn summary(outcome: &eventstudy::pipeline::RunOutcome) -> serde_json::Value {
    let text = eventstudy::export::json::summary_json(&outcome.summary).unwrap();
    let mut value: serde_json::Value = serde_json::from_str(&text).unwrap();
    value.as_object_mut().unwrap().remove("source");
    value
}

#[test]
fn a_batch_on_a_prices_table_equals_the_batch_on_the_files() {
    std::env::set_current_dir(root()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let files = eventstudy::pipeline::run(&options(&dir.path().join("files"))).unwrap();
    let table = FrameSource::new(&long_table()).unwrap();
    assert_eq!(table.symbols(), 12);
    let in_memory =
        eventstudy::pipeline::run_with_source(&options(&dir.path().join("memory")), &table)
            .unwrap();
    assert_eq!(in_memory.summary.events.len(), 9);
    assert!(
        in_memory.summary.source.contains("in memory (12 symbols"),
        "{}",
        in_memory.summary.source
    );
    assert_eq!(summary(&in_memory), summary(&files));
}
