//! Scholes-Williams and Dimson betas (METHODS.md, "Thin trading") against an independent
//! computation with numpy (`scripts/check_thin_trading.py`), on the example prices.

use std::path::PathBuf;
use std::process::Command as Process;

use assert_cmd::Command;
use serde_json::Value;

fn examples() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples")
}

/// The event's fit (alpha, beta, sigma, L) with `--model` and its extra flags.
fn fit(ticker: &str, model: &[&str]) -> [f64; 4] {
    let out = tempfile::tempdir().unwrap();
    let output = Command::cargo_bin("eventstudy")
        .unwrap()
        .args(["run", "--ticker", ticker, "--date", "2025-01-27", "--model"])
        .args(model)
        .args(["--format", "json", "--no-charts", "-q", "--out"])
        .arg(out.path())
        .arg(format!(
            "--source=csv:{}",
            examples().join("prices").display()
        ))
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: Value = serde_json::from_slice(&output).unwrap();
    let e = &v["events"][0];
    let f = |k: &str| e[k].as_f64().unwrap();
    [f("alpha"), f("beta"), f("sigma"), f("n_estimation")]
}

/// What `python3 scripts/check_thin_trading.py examples/prices TICKER ^GSPC 2025-01-27 1 2`
/// printed (numpy 2.x): (alpha, beta, sigma, L) for Scholes-Williams, Dimson 1 and Dimson 2.
const NUMPY: [(&str, [[f64; 4]; 3]); 2] = [
    (
        "BABA",
        [
            [
                0.0003007713067104754,
                0.6994666897659159,
                0.022814629972907823,
                240.0,
            ],
            [
                0.0003022912938222052,
                0.7095924129377388,
                0.022854999183632967,
                240.0,
            ],
            [
                5.5298489775020235e-05,
                1.0227289352596889,
                0.02288339577303892,
                240.0,
            ],
        ],
    ),
    (
        "NVDA",
        [
            [
                0.0020858285951991158,
                2.3143692248844374,
                0.026105835607337292,
                240.0,
            ],
            [
                0.0021015213899250444,
                2.2851762643038698,
                0.025921089989097826,
                240.0,
            ],
            [
                0.0019067859946030974,
                2.5406025598770934,
                0.025974352059323465,
                240.0,
            ],
        ],
    ),
];

/// numpy's numbers, from the script when numpy is installed (else the recorded ones).
fn independent(ticker: &str, recorded: [[f64; 4]; 3]) -> [[f64; 4]; 3] {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scripts/check_thin_trading.py");
    let run = Process::new("python3")
        .arg(script)
        .arg(examples().join("prices"))
        .args([ticker, "^GSPC", "2025-01-27", "1", "2"])
        .output();
    let Some(output) = run.ok().filter(|o| o.status.success()) else {
        eprintln!("numpy not available: comparing with the numbers it printed before");
        return recorded;
    };
    let v: Value = serde_json::from_slice(&output.stdout).unwrap();
    let row = |k: &str| {
        let f = |n: &str| v[k][n].as_f64().unwrap();
        [f("alpha"), f("beta"), f("sigma"), f("n")]
    };
    let live = [row("scholes_williams"), row("dimson_1"), row("dimson_2")];
    for (a, b) in live.iter().flatten().zip(recorded.iter().flatten()) {
        assert!(
            (a - b).abs() < 1e-12,
            "the recorded numbers are out of date: {a} vs {b}"
        );
    }
    live
}

#[test]
fn thin_trading_betas_agree_with_numpy() {
    for (ticker, recorded) in NUMPY {
        let numpy = independent(ticker, recorded);
        let ours = [
            fit(ticker, &["scholes-williams"]),
            fit(ticker, &["dimson"]),
            fit(ticker, &["dimson", "--dimson-lags", "2"]),
        ];
        for (model, (a, b)) in ["scholes-williams", "dimson 1", "dimson 2"]
            .iter()
            .zip(ours.iter().zip(&numpy))
        {
            for (name, (x, y)) in ["alpha", "beta", "sigma", "L"].iter().zip(a.iter().zip(b)) {
                assert!(
                    (x - y).abs() < 1e-10,
                    "{ticker} {model} {name}: {x} vs numpy {y}"
                );
            }
        }
        // Thin-trading betas differ from OLS: these are not the market model's.
        let ols = fit(ticker, &["market"]);
        assert!((ours[0][1] - ols[1]).abs() > 1e-3, "{ticker}");
    }
}

#[test]
fn dimson_lags_beyond_two_are_a_usage_error() {
    let output = Command::cargo_bin("eventstudy")
        .unwrap()
        .args([
            "run",
            "--ticker",
            "BABA",
            "--date",
            "2025-01-27",
            "--model",
            "dimson",
        ])
        .args(["--dimson-lags", "3", "--no-charts"])
        .arg(format!(
            "--source=csv:{}",
            examples().join("prices").display()
        ))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("--dimson-lags") && stderr.trim().lines().count() == 1,
        "{stderr}"
    );
}
