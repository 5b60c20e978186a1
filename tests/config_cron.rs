//! The config file and running from cron: short command lines, precedence, clear errors, and
//! output fit for cron mail (no progress bars or escape codes without a terminal; `--quiet`
//! leaves only errors).

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

fn examples() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples")
}

/// A working folder with an `eventstudy.toml` pointing at the example data.
fn folder(extra: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let ex = examples();
    std::fs::write(
        dir.path().join("eventstudy.toml"),
        format!(
            "source = \"csv:{}\"\nshares-file = \"{}\"\nno-charts = true\nout = \"reports\"\n{extra}",
            ex.join("prices").display(),
            ex.join("shares_outstanding.csv").display()
        ),
    )
    .unwrap();
    dir
}

fn eventstudy(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("eventstudy").unwrap();
    c.current_dir(dir)
        .env_remove("EVENTSTUDY_CONFIG")
        .env_remove("EVENTSTUDY_DATA_DIR")
        .env_remove("EVENTSTUDY_SEC_USER_AGENT");
    c
}

fn json(out: &std::process::Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)))
}

#[test]
fn a_cron_line_under_80_characters_reproduces_the_deepseek_portfolio() {
    let dir = folder("");
    std::fs::copy(
        examples().join("deepseek.csv"),
        dir.path().join("deepseek.csv"),
    )
    .unwrap();
    let line = "eventstudy batch --events deepseek.csv --format json -q";
    assert!(line.len() < 80);
    let args: Vec<&str> = line.split_whitespace().skip(1).collect();
    let short = eventstudy(dir.path()).args(&args).output().unwrap();
    assert!(
        short.status.success(),
        "{}",
        String::from_utf8_lossy(&short.stderr)
    );
    assert!(short.stderr.is_empty(), "--quiet leaves stderr empty");
    let v = json(&short);
    assert_eq!(v["aggregate"]["n"], 10);
    assert!(dir
        .path()
        .join("reports/portfolio_deepseek/tables/events.parquet")
        .is_file());
    assert!(
        !dir.path()
            .join("reports/portfolio_deepseek/caar.png")
            .exists(),
        "no-charts"
    );

    // The same as every flag spelled out, without a config file.
    let ex = examples();
    let bare = tempfile::tempdir().unwrap();
    let long = eventstudy(bare.path())
        .args(["batch", "--events"])
        .arg(ex.join("deepseek.csv"))
        .arg(format!("--source=csv:{}", ex.join("prices").display()))
        .arg("--shares-file")
        .arg(ex.join("shares_outstanding.csv"))
        .args(["--no-charts", "--format", "json", "-q", "--out", "reports"])
        .output()
        .unwrap();
    let w = json(&long);
    assert_eq!(v["aggregate"], w["aggregate"]);
    assert_eq!(v["events"], w["events"]);
}

#[test]
fn the_command_line_beats_the_environment_beats_the_file() {
    let dir = folder("data-dir = \"from-file\"\nwindow = \"-4:4\"\ncar = [\"0:0\", \"-1:1\"]\n");
    let show = |c: &mut Command| {
        String::from_utf8(c.args(["config", "show"]).output().unwrap().stdout).unwrap()
    };
    let line = |text: &str, key: &str| {
        text.lines()
            .find(|l| l.split_whitespace().next() == Some(key))
            .unwrap_or_else(|| panic!("no {key}: {text}"))
            .to_string()
    };
    let text = show(&mut eventstudy(dir.path()));
    assert!(
        line(&text, "data-dir").contains("from-file")
            && line(&text, "data-dir").contains("config eventstudy.toml")
    );
    assert!(line(&text, "car").contains("0:0,-1:1"));
    assert!(line(&text, "benchmark").ends_with("default"));
    let text = show(eventstudy(dir.path()).env("EVENTSTUDY_DATA_DIR", "from-env"));
    assert!(
        line(&text, "data-dir").contains("from-env")
            && line(&text, "data-dir").contains("environment EVENTSTUDY_DATA_DIR")
    );
    // A run: the file's window (9 days), then the command line's (3 days).
    let days = |args: &[&str]| {
        let out = eventstudy(dir.path())
            .args([
                "run",
                "-t",
                "NVDA",
                "-d",
                "2025-01-27",
                "--format",
                "json",
                "-q",
            ])
            .args(args)
            .output()
            .unwrap();
        json(&out)["events"][0]["days"].as_array().unwrap().len()
    };
    assert_eq!(days(&[]), 9);
    assert_eq!(days(&["--window", "-1:1", "--car", "0:0"]), 3);
}

#[test]
fn a_config_file_elsewhere_is_named_by_flag_or_environment() {
    let dir = folder("window = \"-2:2\"\ncar = \"0:0\"\n");
    let elsewhere = tempfile::tempdir().unwrap();
    let file = dir.path().join("eventstudy.toml");
    let days = |c: &mut Command| {
        let out = c
            .args([
                "run",
                "-t",
                "NVDA",
                "-d",
                "2025-01-27",
                "--format",
                "json",
                "-q",
            ])
            .output()
            .unwrap();
        json(&out)["events"][0]["days"].as_array().unwrap().len()
    };
    assert_eq!(
        days(eventstudy(elsewhere.path()).arg("--config").arg(&file)),
        5
    );
    assert_eq!(
        days(eventstudy(elsewhere.path()).env("EVENTSTUDY_CONFIG", &file)),
        5
    );
}

#[test]
fn unknown_keys_and_bad_values_name_the_key_and_the_file() {
    for (extra, needle) in [
        ("windoww = \"-5:5\"\n", "unknown key 'windoww'"),
        (
            "window = \"5\"\n",
            "key 'window': window '5' is not START:END",
        ),
        ("model = \"magic\"\n", "key 'model'"),
        ("car = { a = 1 }\n", "key 'car'"),
        ("window = \"-5:5\n", "not valid TOML"),
    ] {
        let dir = folder(extra);
        let out = eventstudy(dir.path())
            .args(["run", "-t", "NVDA", "-d", "2025-01-27"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{extra}");
        let err = String::from_utf8_lossy(&out.stderr);
        let lines: Vec<&str> = err.lines().collect();
        assert_eq!(lines.len(), 1, "{extra}: {err}");
        assert!(
            lines[0].starts_with("error: ")
                && lines[0].contains("eventstudy.toml")
                && lines[0].contains(needle),
            "{extra}: {err}"
        );
    }
}

#[test]
fn without_a_terminal_the_output_is_plain_lines() {
    let dir = folder("");
    // Warnings (ARM has no share count) are single plain lines on stderr; stdout is the table.
    let out = eventstudy(dir.path())
        .args(["run", "-t", "NVDA,ARM", "-d", "2025-01-27"])
        .write_stdin("")
        .output()
        .unwrap();
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.is_empty());
    for line in err.lines() {
        assert!(line.starts_with("warning: "), "{line}");
    }
    for text in [&err[..], &String::from_utf8_lossy(&out.stdout)[..]] {
        assert!(
            !text.contains('\u{1b}') && !text.contains('\r'),
            "escape codes or bars: {text}"
        );
    }
    // --quiet: a successful run prints nothing at all.
    let out = eventstudy(dir.path())
        .args(["run", "-t", "NVDA,ARM", "-d", "2025-01-27", "-q"])
        .output()
        .unwrap();
    assert!(out.status.success() && out.stdout.is_empty() && out.stderr.is_empty());
    // A failure is one line on stderr and a non-zero exit, even under --quiet.
    let out = eventstudy(dir.path())
        .args(["run", "-t", "NVDA", "-d", "2025-01-27", "-b", "^NONE", "-q"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(String::from_utf8_lossy(&out.stderr).lines().count(), 1);
}
