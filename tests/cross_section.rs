//! `batch --cross-section`: OLS of each CAR window's CARs on columns of the batch file, with
//! HC0, HC1, HC3 or classical standard errors, against statsmodels
//! (`scripts/check_cross_section.py`); and its errors: a cell that is not a number, a column
//! that is not there, a singular design.

use std::path::{Path, PathBuf};
use std::process::Command as Process;

use assert_cmd::Command;
use serde_json::Value;

fn examples() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples")
}

/// The example events with two characteristics of our own choosing (an exposure score and a
/// log market value); VST's log_mv is empty, so it is left out of the regression.
const EVENTS: &str = "\
ticker,date,label,benchmark,ai_exposure,log_mv
NVDA,2025-01-27,DeepSeek,,0.9,28.8
AVGO,2025-01-27,DeepSeek,,0.7,27.9
TSM,2025-01-27,DeepSeek,,0.6,27.7
MRVL,2025-01-27,DeepSeek,,0.8,25.3
ARM,2025-01-27,DeepSeek,,0.5,25.9
MU,2025-01-27,DeepSeek,,0.4,25.4
ASML,2025-01-27,DeepSeek,,0.3,26.4
VST,2025-01-27,DeepSeek,,0.6,
CEG,2025-01-27,DeepSeek,,0.5,25.2
BABA,2025-01-29,Qwen 2.5-Max,^IXIC,0.2,26.0
";

/// What `scripts/check_cross_section.py` printed with statsmodels 0.14 for each kind and
/// window: ([r2, adj_r2], [[estimate, se, t, p]; const, ai_exposure, log_mv]).
type Recorded = (&'static str, &'static str, [f64; 2], [[f64; 4]; 3]);
const STATSMODELS: [Recorded; 8] = [
    (
        "hc0",
        "0:0",
        [0.673714896149433, 0.5649531948659108],
        [
            [
                -0.461562135478493,
                0.3064661458003362,
                -1.5060787033201455,
                0.18276019827390647,
            ],
            [
                -0.2641006087155322,
                0.051722737375514874,
                -5.106083361329505,
                0.0022081691764844753,
            ],
            [
                0.01917326484231474,
                0.012025578210614622,
                1.5943736348071038,
                0.16196232154247117,
            ],
        ],
    ),
    (
        "hc0",
        "-1:1",
        [0.5179343772726205, 0.35724583636349405],
        [
            [
                -0.8959545989935203,
                0.4013658826963397,
                -2.232263970655847,
                0.06705674534406893,
            ],
            [
                -0.3239469386858762,
                0.14546395656093083,
                -2.2269911141196257,
                0.0675449558308045,
            ],
            [
                0.03716388513158207,
                0.01694350587849992,
                2.1933999609101176,
                0.07074256445904857,
            ],
        ],
    ),
    (
        "hc1",
        "0:0",
        [0.673714896149433, 0.5649531948659108],
        [
            [
                -0.461562135478493,
                0.3753428403241088,
                -1.2297081118689617,
                0.26483480704018286,
            ],
            [
                -0.2641006087155322,
                0.0633471573349959,
                -4.169099606457492,
                0.005884434667021195,
            ],
            [
                0.01917326484231474,
                0.014728265238968702,
                1.301800621541311,
                0.24072751429003034,
            ],
        ],
    ),
    (
        "hc1",
        "-1:1",
        [0.5179343772726205, 0.35724583636349405],
        [
            [
                -0.8959545989935203,
                0.4915708063839002,
                -1.822635899768649,
                0.1181879224053146,
            ],
            [
                -0.3239469386858762,
                0.17815623477032894,
                -1.8183306304351017,
                0.11889497722360741,
            ],
            [
                0.03716388513158207,
                0.02075147192808602,
                1.7909035686901187,
                0.12349827771774628,
            ],
        ],
    ),
    (
        "hc3",
        "0:0",
        [0.673714896149433, 0.5649531948659108],
        [
            [
                -0.461562135478493,
                0.5808855644366366,
                -0.7945835870893646,
                0.4571248977392835,
            ],
            [
                -0.2641006087155322,
                0.1262379450078974,
                -2.0920857726178146,
                0.08136324060380161,
            ],
            [
                0.01917326484231474,
                0.023562455848079606,
                0.813720987571735,
                0.44688667033856144,
            ],
        ],
    ),
    (
        "hc3",
        "-1:1",
        [0.5179343772726205, 0.35724583636349405],
        [
            [
                -0.8959545989935203,
                0.9206654796719363,
                -0.9731597619069834,
                0.3680572124841815,
            ],
            [
                -0.3239469386858762,
                0.2976929478565535,
                -1.0881915108112454,
                0.3182781619008024,
            ],
            [
                0.03716388513158207,
                0.0390181107735385,
                0.9524778210631886,
                0.3776321370850652,
            ],
        ],
    ),
    (
        "ols",
        "0:0",
        [0.673714896149433, 0.5649531948659108],
        [
            [
                -0.461562135478493,
                0.33332610766891413,
                -1.3847164229240425,
                0.21543246388868126,
            ],
            [
                -0.2641006087155322,
                0.07556163818700516,
                -3.4951678530568353,
                0.012901949289132818,
            ],
            [
                0.01917326484231474,
                0.013289947316743574,
                1.4426893038288395,
                0.19920667461991778,
            ],
        ],
    ),
    (
        "ols",
        "-1:1",
        [0.5179343772726205, 0.35724583636349405],
        [
            [
                -0.8959545989935203,
                0.5700363536686747,
                -1.5717499300303939,
                0.16706710580417533,
            ],
            [
                -0.3239469386858762,
                0.1292214432604106,
                -2.506913175648793,
                0.04609520668410554,
            ],
            [
                0.03716388513158207,
                0.02272775199598266,
                1.6351764634773882,
                0.15312911773982776,
            ],
        ],
    ),
];

fn batch(dir: &Path, events: &str, extra: &[&str]) -> assert_cmd::assert::Assert {
    let file = dir.join("events.csv");
    std::fs::write(&file, events).unwrap();
    Command::cargo_bin("eventstudy")
        .unwrap()
        .args(["batch", "--format", "json", "--no-charts", "-q", "--events"])
        .arg(&file)
        .arg(format!(
            "--source=csv:{}",
            examples().join("prices").display()
        ))
        .arg("--out")
        .arg(dir.join("out"))
        .args(extra)
        .assert()
}

/// statsmodels' numbers, from the script when it runs here (else the recorded ones, which the
/// live ones must match).
fn independent(dir: &Path, recorded: &Recorded) -> ([f64; 2], [[f64; 4]; 3]) {
    let (se, window, fit, coefficients) = *recorded;
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scripts/check_cross_section.py");
    let run = Process::new("python3")
        .arg(script)
        .arg(dir.join("events.csv"))
        .arg(dir.join("out/portfolio_events"))
        .args([window, "ai_exposure,log_mv", se])
        .output();
    let Some(output) = run.ok().filter(|o| o.status.success()) else {
        eprintln!("numpy not available: comparing with the numbers statsmodels printed before");
        return (fit, coefficients);
    };
    let v: Value = serde_json::from_slice(&output.stdout).unwrap();
    let live_fit = [v["r2"].as_f64().unwrap(), v["adj_r2"].as_f64().unwrap()];
    let mut live = [[0.0; 4]; 3];
    for (j, row) in live.iter_mut().enumerate() {
        let c = &v["coefficients"][j];
        *row = ["estimate", "se", "t", "p"].map(|k| c[k].as_f64().unwrap_or(f64::NAN));
    }
    let with_p = v["engine"] == "statsmodels";
    for (a, b) in live.iter().flatten().zip(coefficients.iter().flatten()) {
        if a.is_nan() && !with_p {
            continue; // numpy alone prints no p
        }
        assert!(
            (a - b).abs() < 1e-12,
            "the recorded numbers are out of date: {a} vs {b}"
        );
    }
    for (j, row) in live.iter_mut().enumerate() {
        if row[3].is_nan() {
            row[3] = coefficients[j][3];
        }
    }
    (live_fit, live)
}

#[test]
fn estimates_and_standard_errors_agree_with_statsmodels() {
    for kind in ["hc0", "hc1", "hc3", "ols"] {
        let dir = tempfile::tempdir().unwrap();
        let out = batch(
            dir.path(),
            EVENTS,
            &[
                "--cross-section",
                "ai_exposure,log_mv",
                "--cross-section-se",
                kind,
            ],
        )
        .success()
        .get_output()
        .stdout
        .clone();
        let v: Value = serde_json::from_slice(&out).unwrap();
        let regressions = v["aggregate"]["cross_section"].as_array().unwrap();
        assert_eq!(regressions.len(), 4, "one per CAR window");
        for recorded in STATSMODELS.iter().filter(|r| r.0 == kind) {
            let (fit, coefficients) = independent(dir.path(), recorded);
            let r = regressions
                .iter()
                .find(|r| r["window"] == recorded.1)
                .unwrap();
            assert_eq!(
                (r["n"].as_u64(), r["left_out"].as_u64()),
                (Some(9), Some(1))
            );
            assert_eq!(r["se_kind"], kind);
            let close = |a: &Value, b: f64| {
                let a = a.as_f64().unwrap();
                assert!((a - b).abs() < 1e-8, "{kind} {}: {a} vs {b}", recorded.1);
            };
            close(&r["r2"], fit[0]);
            close(&r["adj_r2"], fit[1]);
            let names = ["const", "ai_exposure", "log_mv"];
            for (j, expected) in coefficients.iter().enumerate() {
                let c = &r["coefficients"][j];
                assert_eq!(c["name"], names[j]);
                for (k, key) in ["estimate", "se", "t", "p"].iter().enumerate() {
                    close(&c[key], expected[k]);
                }
            }
        }
        let csv =
            std::fs::read_to_string(dir.path().join("out/portfolio_events/cross_section.csv"))
                .unwrap();
        assert!(csv.starts_with("window,n,left_out,r2,adj_r2,se_kind,name,estimate,se,t,p\n"));
        assert_eq!(csv.lines().count(), 1 + 4 * 3);
    }
}

/// One line on stderr, no panic, no backtrace.
fn one_line_error(assert: assert_cmd::assert::Assert, code: i32) -> String {
    let output = assert.code(code).get_output().clone();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(
        !stderr.contains("panicked") && !stderr.contains("RUST_BACKTRACE"),
        "{stderr}"
    );
    stderr
}

#[test]
fn bad_columns_and_singular_designs_are_one_line_errors_that_keep_earlier_results() {
    let dir = tempfile::tempdir().unwrap();
    batch(dir.path(), EVENTS, &["--cross-section", "ai_exposure"]).success();
    let summary = dir.path().join("out/portfolio_events/summary.json");
    let before = std::fs::read(&summary).unwrap();
    let out = dir.path().join("out");
    let files = every_file(&out);

    let words = EVENTS.replace(
        "NVDA,2025-01-27,DeepSeek,,0.9,",
        "NVDA,2025-01-27,DeepSeek,,high,",
    );
    let e = one_line_error(
        batch(dir.path(), &words, &["--cross-section", "ai_exposure"]),
        2,
    );
    assert!(
        e.contains("row 2: ai_exposure 'high' is not a number"),
        "{e}"
    );

    let e = one_line_error(batch(dir.path(), EVENTS, &["--cross-section", "beta"]), 2);
    assert!(
        e.contains("names the column 'beta', which the file does not have"),
        "{e}"
    );

    // A column that is twice another: the design is singular.
    let doubled: String = EVENTS
        .lines()
        .enumerate()
        .map(|(i, line)| {
            let twice = match i {
                0 => "twice".to_string(),
                _ => {
                    let x: f64 = line.split(',').nth(4).unwrap().parse().unwrap();
                    (2.0 * x).to_string()
                }
            };
            format!("{line},{twice}\n")
        })
        .collect();
    let e = one_line_error(
        batch(
            dir.path(),
            &doubled,
            &["--cross-section", "ai_exposure,twice"],
        ),
        2,
    );
    assert!(e.contains("CAR 0:0") && e.contains("singular"), "{e}");

    let e = one_line_error(batch(dir.path(), EVENTS, &["--cross-section", ","]), 2);
    assert!(e.contains("at least one column"), "{e}");
    // None of the failed runs touched the first one's files, nor left any (the singular
    // design fails while the per-event tables are being written, in a staging folder).
    assert_eq!(std::fs::read(&summary).unwrap(), before);
    assert_eq!(every_file(&out), files);
}

/// Every file under `dir` (its path, its bytes), hidden ones too.
fn every_file(dir: &Path) -> std::collections::BTreeMap<PathBuf, Vec<u8>> {
    let mut files = std::collections::BTreeMap::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(every_file(&path));
        } else {
            files.insert(path.clone(), std::fs::read(&path).unwrap());
        }
    }
    files
}

#[test]
fn a_run_with_one_event_says_there_is_no_regression() {
    let dir = tempfile::tempdir().unwrap();
    let events = "ticker,date,size\nNVDA,2025-01-27,1\nNOPE,2025-01-27,2\n";
    let output = batch(dir.path(), events, &["--cross-section", "size"])
        .success()
        .get_output()
        .clone();
    let v: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(v["aggregate"].is_null());
    // -q silences warnings; without it the run says why there is no regression.
    let file = dir.path().join("events.csv");
    let stderr = Command::cargo_bin("eventstudy")
        .unwrap()
        .args([
            "batch",
            "--no-charts",
            "--format",
            "json",
            "--cross-section",
            "size",
        ])
        .arg("--events")
        .arg(&file)
        .arg(format!(
            "--source=csv:{}",
            examples().join("prices").display()
        ))
        .arg("--out")
        .arg(dir.path().join("out"))
        .assert()
        .success()
        .get_output()
        .stderr
        .clone();
    let stderr = String::from_utf8_lossy(&stderr);
    assert!(
        stderr.contains("--cross-section: 1 event(s) ran, too few for a regression"),
        "{stderr}"
    );
}
