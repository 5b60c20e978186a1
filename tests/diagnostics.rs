//! Residual diagnostics against statsmodels (`scripts/check_diagnostics.py`): Jarque-Bera,
//! Durbin-Watson, Ljung-Box(10) and ARCH-LM(5) to 1e-8, on residuals with fat tails,
//! autocorrelation and volatility clustering. Skipped, with a message, where python3 has no
//! statsmodels.

mod common;

use std::path::PathBuf;
use std::process::Command;

use rand::rngs::StdRng;
use rand::SeedableRng;
use serde_json::Value;

use common::normal;
use eventstudy::study::diagnostics::residual_tests;

/// 250 residuals: GARCH(1,1)-like variance, an AR(1) term, a few jumps.
fn residuals(seed: u64) -> Vec<f64> {
    let mut rng = StdRng::seed_from_u64(seed);
    let (mut h, mut e_prev, mut out) = (1e-4, 0.0f64, Vec::new());
    for t in 0..250 {
        h = 1e-5 + 0.15 * e_prev * e_prev + 0.8 * h;
        let mut e = h.sqrt() * normal(&mut rng) + 0.2 * e_prev;
        if t % 97 == 13 {
            e += 0.05;
        }
        out.push(e);
        e_prev = e;
    }
    out
}

fn close(label: &str, got: f64, want: f64) {
    assert!(
        (got - want).abs() <= 1e-8 * want.abs().max(1.0),
        "{label}: {got} vs statsmodels {want}"
    );
}

#[test]
fn diagnostics_equal_statsmodels() {
    if !common::python_has("statsmodels") {
        return;
    }
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scripts/check_diagnostics.py");
    let dir = tempfile::tempdir().unwrap();
    for seed in [1, 2, 3] {
        let e = residuals(seed);
        let file = dir.path().join(format!("e{seed}.txt"));
        let text: Vec<String> = e.iter().map(|v| format!("{v:e}")).collect();
        std::fs::write(&file, text.join("\n")).unwrap();
        // The file's text is what both read.
        let e: Vec<f64> = text.iter().map(|v| v.parse().unwrap()).collect();
        let out = Command::new("python3")
            .arg(&script)
            .arg(&file)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        let ours = residual_tests(&e);
        let pair = |k: &str, i: usize| v[k][i].as_f64().unwrap();
        close("JB", ours.jarque_bera.stat, pair("jarque_bera", 0));
        close("JB p", ours.jarque_bera.p, pair("jarque_bera", 1));
        close(
            "DW",
            ours.durbin_watson,
            v["durbin_watson"].as_f64().unwrap(),
        );
        close("LB", ours.ljung_box.stat, pair("ljung_box", 0));
        close("LB p", ours.ljung_box.p, pair("ljung_box", 1));
        close("ARCH-LM", ours.arch_lm.stat, pair("arch_lm", 0));
        close("ARCH-LM p", ours.arch_lm.p, pair("arch_lm", 1));
    }
}
