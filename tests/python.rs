//! The Python package (`python/`, `eventstudy_rs`): built into a fresh virtual environment and
//! tested with pytest against this build's CLI binary (`scripts/test-python`): its results
//! equal the CLI's, a batch in parts on a Dask cluster equals one batch. It needs python3 with
//! venv and pip, and PyPI for the packages it installs (maturin, polars, pandas, pyarrow, dask,
//! pytest).

use std::path::Path;
use std::process::Command;

#[test]
fn the_python_package_passes_its_tests() {
    let bin = Path::new(env!("CARGO_BIN_EXE_eventstudy"));
    // <target>/debug/eventstudy: the package builds in <target>/python.
    let target = bin.parent().and_then(Path::parent).unwrap();
    let run = Command::new("bash")
        .arg("scripts/test-python")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("CARGO_TARGET_DIR", target)
        .env("EVENTSTUDY_BIN", bin)
        .output()
        .expect("bash runs scripts/test-python");
    let stdout = String::from_utf8_lossy(&run.stdout);
    let stderr = String::from_utf8_lossy(&run.stderr);
    let tail = |text: &str| -> String {
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(60)..].join("\n")
    };
    assert!(
        run.status.success(),
        "scripts/test-python failed:\n{}\n{}",
        tail(&stdout),
        tail(&stderr)
    );
    // pytest's last line: "16 passed in 7.30s", nothing failed or skipped.
    let last = stdout
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("");
    assert!(
        last.contains(" passed") && !last.contains("failed") && !last.contains("skipped"),
        "{last}"
    );
    println!("python/tests: {last}");
}
