//! A batch in parts (`pipeline::parts`): the parts of a batch file, cut into consecutive slices,
//! studied with `partial` and put together with `combine`, give the batch's summary: every
//! event and every aggregate statistic (Kolari-Pynnönen and the rank test, which read the
//! pooled estimation residuals, the Wilcoxon and sign tests, which read the whole cross-section)
//! to 1e-12, and the same tables.

use std::path::{Path, PathBuf};

use clap::Parser;
use eventstudy::cli::{Cli, Command as Sub};
use eventstudy::data::csv::CsvDirSource;
use eventstudy::data::PriceSource;
use eventstudy::options::RunOptions;
use eventstudy::pipeline::parts::{combine, combine_in_memory, partial, Partial};
use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn options(events: &Path, prices: &Path, out: &Path, extra: &[&str]) -> RunOptions {
    let mut args: Vec<String> = ["eventstudy", "batch", "--no-charts", "--quiet", "--events"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    args.push(events.display().to_string());
    args.push("--source".into());
    args.push(format!("csv:{}", prices.display()));
    args.push("--out".into());
    args.push(out.display().to_string());
    args.extend(extra.iter().map(|s| s.to_string()));
    let Sub::Batch(batch) = Cli::try_parse_from(&args).unwrap().command else {
        panic!("not batch")
    };
    batch.into_options().unwrap()
}

/// The nine DeepSeek stocks' batch file and the example prices, from the repository's root
/// (the share-count file's path is relative to it).
fn nine_stocks() -> (PathBuf, PathBuf) {
    std::env::set_current_dir(root()).unwrap();
    (
        root().join("examples/deepseek9.csv"),
        root().join("examples/prices"),
    )
}

/// `events` cut into files of `sizes` rows each (the header on every one), and each part's
/// first id.
fn cut(events: &Path, sizes: &[usize], dir: &Path) -> Vec<(PathBuf, usize)> {
    let text = std::fs::read_to_string(events).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), sizes.iter().sum::<usize>());
    let mut parts = Vec::new();
    let mut first = 0;
    for (i, &n) in sizes.iter().enumerate() {
        let path = dir.join(format!("part{i}.csv"));
        std::fs::write(
            &path,
            format!("{header}\n{}\n", rows[first..first + n].join("\n")),
        )
        .unwrap();
        parts.push((path, first + 1));
        first += n;
    }
    parts
}

/// Numbers equal to 1e-12 relative, everything else exactly.
fn assert_close(a: &Value, b: &Value, at: &str) {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
            let scale = x.abs().max(y.abs());
            assert!((x - y).abs() <= 1e-12 * scale, "{at}: {x} vs {y}");
        }
        (Value::Object(x), Value::Object(y)) => {
            let keys = |o: &serde_json::Map<String, Value>| o.keys().cloned().collect::<Vec<_>>();
            assert_eq!(keys(x), keys(y), "{at}");
            for (k, v) in x {
                assert_close(v, &y[k], &format!("{at}.{k}"));
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            assert_eq!(x.len(), y.len(), "{at}");
            for (i, (v, w)) in x.iter().zip(y).enumerate() {
                assert_close(v, w, &format!("{at}[{i}]"));
            }
        }
        _ => assert_eq!(a, b, "{at}"),
    }
}

fn summary(outcome: &eventstudy::pipeline::RunOutcome) -> Value {
    let text = eventstudy::export::json::summary_json(&outcome.summary).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// One batch, and the same batch in parts: their summaries, and the run folders' files.
fn batch_and_parts(
    events: &Path,
    prices: &Path,
    sizes: &[usize],
    extra: &[&str],
    through_bytes: bool,
) -> (Value, Value, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap().keep();
    let (whole_out, parts_out) = (dir.join("whole"), dir.join("parts"));
    let whole = eventstudy::pipeline::run(&options(events, prices, &whole_out, extra)).unwrap();
    let source = CsvDirSource::new(prices);
    let partials = cut(events, sizes, &dir)
        .into_iter()
        .map(|(file, first_id)| {
            // Prices handed over, or (through bytes) from the source the options name.
            let given = (!through_bytes).then_some(&source as &dyn PriceSource);
            let part =
                partial(&options(&file, prices, &parts_out, extra), given, first_id).unwrap();
            if !through_bytes {
                return part;
            }
            // As a worker sends it: the part as bytes, read back in another place.
            let bytes = part.to_bytes().unwrap();
            let back = Partial::from_bytes(&bytes).unwrap();
            assert_eq!(back.to_bytes().unwrap(), bytes, "the bytes round-trip");
            back
        })
        .collect::<Vec<_>>();
    let mut partials = partials;
    if through_bytes {
        // As a cluster hands them back: in any order (combine orders them by their ids).
        partials.reverse();
    }
    let combined = combine(&options(events, prices, &parts_out, extra), partials).unwrap();
    (summary(&whole), summary(&combined), whole_out, parts_out)
}

#[test]
fn the_nine_stocks_in_three_parts_equal_the_batch() {
    let (events, prices) = nine_stocks();
    let extra = [
        "--shares-file",
        "examples/shares_outstanding.csv",
        "--bhar",
        "0:5",
        "--group-by",
        "sector",
    ];
    for through_bytes in [false, true] {
        let (whole, combined, ..) =
            batch_and_parts(&events, &prices, &[3, 4, 2], &extra, through_bytes);
        assert_eq!(combined["events"].as_array().unwrap().len(), 9);
        assert_eq!(combined["events"][3]["id"], 4);
        assert_eq!(combined["events"][3]["row"], 5, "the whole file's line");
        assert!(combined["aggregate"]["days"][5]["kp_bmp_t"]["stat"].is_number());
        assert!(combined["aggregate"]["days"][5]["corrado_rank_z"]["stat"].is_number());
        assert_close(&whole, &combined, "summary");
    }
}

#[test]
fn calendar_time_portfolios_in_parts_equal_the_batch() {
    let (events, prices) = nine_stocks();
    let extra = [
        "--shares-file",
        "examples/shares_outstanding.csv",
        "--calendar-time",
        "0:5,0:20",
        "--calendar-weights",
        "value",
    ];
    // The parts in any order: combine puts them in the order of their ids.
    let (whole, combined, ..) = batch_and_parts(&events, &prices, &[4, 3, 2], &extra, true);
    let portfolios = combined["aggregate"]["calendar_time"].as_array().unwrap();
    assert_eq!(portfolios.len(), 2);
    assert!(portfolios[0]["alpha"].is_number(), "{}", portfolios[0]);
    assert_close(&whole, &combined, "summary");
}

/// A firm with events in two parts is held once a day, by its first event, as in one batch:
/// NVDA on 2025-01-27 and again two days later, the parts cut between them.
#[test]
fn a_firm_in_two_parts_is_held_by_its_first_event() {
    std::env::set_current_dir(root()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let events = dir.path().join("twice.csv");
    std::fs::write(
        &events,
        "ticker,date\nNVDA,2025-01-27\nAVGO,2025-01-27\nNVDA,2025-01-29\nTSM,2025-01-29\n",
    )
    .unwrap();
    let prices = root().join("examples/prices");
    // Value weights: which of NVDA's events holds it decides its weight (its day -1 value).
    let extra = [
        "--shares-file",
        "examples/shares_outstanding.csv",
        "--calendar-time",
        "0:5",
        "--calendar-weights",
        "value",
    ];
    let (whole, combined, ..) = batch_and_parts(&events, &prices, &[2, 2], &extra, true);
    let portfolio = &combined["aggregate"]["calendar_time"][0];
    assert!(portfolio["n_days"].as_u64().unwrap() >= 6, "{portfolio}");
    // Three firms: NVDA counts once on the days both its windows hold it.
    let mean_firms = portfolio["mean_firms"].as_f64().unwrap();
    assert!(mean_firms > 1.0 && mean_firms <= 3.0, "{mean_firms}");
    assert_close(&whole, &combined, "summary");
}

#[test]
fn sixty_synthetic_events_in_parts_equal_the_batch_and_write_the_same_tables() {
    let dir = tempfile::tempdir().unwrap();
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_eventstudy"))
        .args([
            "synthetic",
            "--firms",
            "20",
            "--days",
            "700",
            "--events",
            "60",
            "--seed",
            "3",
            "--out",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(status.status.success());
    let events = dir.path().join("events.csv");
    let prices = dir.path().join("prices");
    let extra = ["--bhar", "0:20"];
    let (whole, combined, whole_out, parts_out) =
        batch_and_parts(&events, &prices, &[25, 5, 30], &extra, true);
    // Sixty events: a large run's summary, the events in the tables.
    assert_eq!(combined["n_events"], 60);
    assert_close(&whole, &combined, "summary");
    for table in [
        "events",
        "days",
        "cars",
        "aggregate_days",
        "aggregate_cars",
        "bhar",
    ] {
        let read = |out: &Path| {
            let run = std::fs::read_dir(out)
                .unwrap()
                .next()
                .unwrap()
                .unwrap()
                .path();
            std::fs::read_to_string(run.join(format!("tables/{table}.csv"))).unwrap()
        };
        let (a, b) = (read(&whole_out), read(&parts_out));
        if table.starts_with("aggregate") {
            assert_eq!(a.lines().count(), b.lines().count(), "{table}");
        } else {
            assert_eq!(a, b, "{table}: the per-event tables are the same bytes");
        }
    }
}

#[test]
fn parts_refuse_what_they_cannot_do() {
    let (events, prices) = nine_stocks();
    let out = tempfile::tempdir().unwrap();
    let source = CsvDirSource::new(&prices);
    let plain = options(&events, &prices, out.path(), &[]);
    let twice = vec![
        partial(&plain, Some(&source), 1).unwrap(),
        partial(&plain, Some(&source), 1).unwrap(),
    ];
    let e = combine(&plain, twice).err().unwrap().to_string();
    assert!(e.contains("two parts hold an event with id 1"), "{e}");
    let e = combine(&plain, Vec::new()).err().unwrap().to_string();
    assert!(e.contains("no part was given"), "{e}");
    // Bytes that are not a part, or a part cut short, are an error in one line, not a panic.
    let e = Partial::from_bytes(b"not a part")
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("not a part of a batch"), "{e}");
    let bytes = partial(&plain, Some(&source), 1)
        .unwrap()
        .to_bytes()
        .unwrap();
    let e = Partial::from_bytes(&bytes[..bytes.len() / 2])
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("cannot be read"), "{e}");
}

#[test]
fn combined_in_memory_is_the_written_run_and_saves_its_folders() {
    let (events, prices) = nine_stocks();
    let dir = tempfile::tempdir().unwrap();
    let extra = ["--shares-file", "examples/shares_outstanding.csv"];
    let source = CsvDirSource::new(&prices);
    let written_out = dir.path().join("written");
    let whole =
        eventstudy::pipeline::run(&options(&events, &prices, &written_out, &extra)).unwrap();
    let saved_out = dir.path().join("saved");
    let opts = options(&events, &prices, &saved_out, &extra);
    let parts = cut(&events, &[4, 5], dir.path())
        .into_iter()
        .map(|(file, first)| {
            partial(
                &options(&file, &prices, &saved_out, &extra),
                Some(&source),
                first,
            )
            .unwrap()
        })
        .collect();
    let mut combined = combine_in_memory(&opts, parts).unwrap();
    assert!(!saved_out.exists(), "nothing is written before save");
    assert_close(&summary(&whole), &summary(&combined), "summary");
    eventstudy::pipeline::save(&opts.output, &mut combined.summary).unwrap();
    // The same folders and files as the run that wrote them, summary.json to 1e-12.
    let listing = |out: &Path| -> Vec<String> {
        let mut names: Vec<String> = walk(out)
            .iter()
            .map(|p| p.strip_prefix(out).unwrap().display().to_string())
            .collect();
        names.sort();
        names
    };
    assert_eq!(listing(&written_out), listing(&saved_out));
    let json = |out: &Path| -> Value {
        let text = std::fs::read_to_string(out.join("portfolio_deepseek9/summary.json")).unwrap();
        serde_json::from_str(&text).unwrap()
    };
    assert_close(&json(&written_out), &json(&saved_out), "summary.json");
}

/// Every file under `dir`.
fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}
