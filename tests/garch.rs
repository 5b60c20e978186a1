//! The market model with GARCH(1,1) errors (`--model garch`, METHODS "GARCH(1,1) market
//! model"): the event days' t statistics from the variance forecast, by hand; each event's
//! log-likelihood and parameters against Python's `arch` (`scripts/check_garch.py`, skipped
//! with a message where python3 has no `arch`) on a synthetic GARCH panel and on the nine
//! DeepSeek stocks of `examples/`; the size of the AR t under the null; the CLI's outputs.

mod common;

use std::path::Path;
use std::process::Command as Process;

use assert_cmd::Command;
use common::{d, normal, trading_days, write_price_csv};
use eventstudy::study::model::garch::{conditional_variances, forecast, GarchParams};
use eventstudy::study::stats::student_t_critical;
use eventstudy::study::{run_event, ModelKind, RelWindow, ReturnPanel, StudyDesign};
use rand::rngs::StdRng;
use rand::SeedableRng;
use serde_json::Value;

fn design() -> StudyDesign {
    let w = |a, b| RelWindow::new(a, b).unwrap();
    StudyDesign {
        model: ModelKind::Garch,
        estimation: w(-250, -11),
        window: w(-5, 5),
        car_windows: vec![w(0, 0), w(-1, 1), w(-5, 5)],
        min_estimation: 120,
    }
}

/// `n` days of a benchmark (N(0.0003, 0.01)) and a firm whose residuals follow `truth`'s
/// GARCH(1,1), with `truth`'s alpha and beta; index 0 has no return.
fn simulate(rng: &mut StdRng, n: usize, truth: &GarchParams) -> (Vec<f64>, Vec<f64>) {
    let (mut firm, mut market) = (vec![f64::NAN], vec![f64::NAN]);
    let mut h = truth.omega / (1.0 - truth.arch - truth.garch);
    let mut e: f64 = 0.0;
    for _ in 1..n {
        h = truth.omega + truth.arch * e * e + truth.garch * h;
        e = h.sqrt() * normal(rng);
        let rm = 0.0003 + 0.01 * normal(rng);
        market.push(rm);
        firm.push(truth.alpha + truth.beta * rm + e);
    }
    (firm, market)
}

const TRUTH: GarchParams = GarchParams {
    alpha: 0.0004,
    beta: 1.3,
    omega: 1e-5,
    arch: 0.1,
    garch: 0.8,
};

#[test]
fn event_days_are_tested_on_the_variance_forecast() {
    let mut rng = StdRng::seed_from_u64(3);
    let (firm, market) = simulate(&mut rng, 300, &TRUTH);
    let panel = ReturnPanel::new(&firm, &market, None);
    let day0 = 280;
    let r = run_event(&panel, &design(), day0).unwrap();
    let fit = r.garch.expect("a GARCH fit");
    assert!(fit.converged, "{fit:?}");
    assert_eq!(r.model.kind, ModelKind::Garch);
    assert_eq!((r.model.alpha, r.model.beta()), (fit.alpha, fit.beta));
    // 240 estimation returns less five parameters.
    assert_eq!(r.model.dof(), 235.0);

    // By hand: the recursion over the estimation days 30..=269, then the forecast on.
    let (lo, hi) = (day0 - 250, day0 - 11);
    assert_eq!(r.estimation_span, (lo, hi));
    let p = fit.params();
    let (y, x) = (&firm[lo..=hi], &market[lo..=hi]);
    let mean_sq = {
        let ols = eventstudy::study::FittedModel::fit(ModelKind::Market, y, &[x], 120).unwrap();
        let ssr: f64 = (y.iter().zip(x))
            .map(|(a, b)| (a - ols.alpha - ols.beta() * b).powi(2))
            .sum();
        ssr / y.len() as f64
    };
    assert!((fit.backcast - mean_sq).abs() <= 1e-15 * mean_sq);
    let h = conditional_variances(&p, y, x, fit.backcast);
    let e_last = y[y.len() - 1] - p.alpha - p.beta * x[x.len() - 1];
    let ahead: Vec<f64> = forecast(&p, e_last, h[h.len() - 1]).take(16).collect();
    // Day -5 is 6 steps after the estimation's last day (day -11).
    let h_of = |rel: i32| ahead[(rel + 10) as usize];
    for d in &r.days {
        let ar = firm[d.index] - p.alpha - p.beta * market[d.index];
        assert!((d.ar - ar).abs() < 1e-15, "day {}", d.rel);
        let t = ar / h_of(d.rel).sqrt();
        assert!(
            (d.ar_t - t).abs() < 1e-12 * t.abs().max(1.0),
            "day {}: {} vs {t}",
            d.rel,
            d.ar_t
        );
    }
    // CAR(-5:5): Var = the sum of the days' h.
    let car = r
        .cars
        .iter()
        .find(|c| c.window == RelWindow::new(-5, 5).unwrap())
        .unwrap();
    let var: f64 = (-5..=5).map(h_of).sum();
    assert!(
        (car.variance - var).abs() < 1e-12 * var,
        "{} vs {var}",
        car.variance
    );
    assert!((car.t - car.car / var.sqrt()).abs() < 1e-12);
    // The forecast converges to the unconditional variance omega / (1 - a - b).
    let long_run = p.omega / (1.0 - p.arch - p.garch);
    let far = forecast(&p, e_last, h[h.len() - 1]).nth(2000).unwrap();
    assert!((far - long_run).abs() < 1e-9 * long_run);
    // The diagnostics are the OLS residuals', whatever the model.
    let market_model = run_event(
        &panel,
        &StudyDesign {
            model: ModelKind::Market,
            ..design()
        },
        day0,
    )
    .unwrap();
    assert_eq!(r.residual_tests, market_model.residual_tests);
    assert!(market_model.garch.is_none());
}

/// Sizes the AR t of GARCH events under the null: 2,000 simulated firms with GARCH(1,1)
/// residuals, no event effect; the day-0 t and every event day's t against Student t's 5%.
/// (The t ignores the estimates' error, as METHODS has it: it rejects a little more than 5%,
/// about 6% at 3,000 trials, where the OLS market model's t on the same data rejects 5.8%.)
#[test]
fn the_ar_t_has_its_size_under_the_null() {
    let mut rng = StdRng::seed_from_u64(2026);
    let (mut day0_rejections, mut rejections, mut tests, mut fallbacks) = (0, 0, 0, 0);
    let trials = 2000;
    for _ in 0..trials {
        let (firm, market) = simulate(&mut rng, 270, &TRUTH);
        let panel = ReturnPanel::new(&firm, &market, None);
        let r = run_event(&panel, &design(), 260).unwrap();
        // A search that does not converge leaves the event on the OLS market model.
        let converged = r.garch.expect("a GARCH fit").converged;
        let expected = if converged {
            ModelKind::Garch
        } else {
            ModelKind::Market
        };
        assert_eq!(r.model.kind, expected);
        fallbacks += !converged as usize;
        let critical = student_t_critical(0.05, r.model.dof());
        for d in &r.days {
            let reject = d.ar_t.abs() > critical;
            rejections += reject as usize;
            tests += 1;
            if d.rel == 0 {
                day0_rejections += reject as usize;
            }
        }
    }
    let day0 = day0_rejections as f64 / trials as f64;
    let all = rejections as f64 / tests as f64;
    eprintln!("size at 5%: day 0 {day0}, every event day {all}, {fallbacks} fell back to OLS");
    assert!((0.03..=0.07).contains(&day0), "day 0 rejects {day0}");
    // The likelihood's supremum can lie on a flat ridge at the boundary (a = 0, b -> 1), where
    // the search may not settle: rare.
    assert!(
        fallbacks <= trials / 100,
        "{fallbacks} fits did not converge"
    );
    assert!((0.03..=0.07).contains(&all), "event days reject {all}");
}

/// Eight firms whose residuals follow GARCH(1,1) of different persistence, one event each.
fn fixture(dir: &Path) {
    let prices = dir.join("prices");
    std::fs::create_dir(&prices).unwrap();
    let dates = trading_days(d("2023-01-03"), 300, &[]);
    let mut rng = StdRng::seed_from_u64(17);
    let mut index = vec![4000.0];
    let market: Vec<f64> = (1..dates.len())
        .map(|_| 0.0003 + 0.01 * normal(&mut rng))
        .collect();
    for r in &market {
        index.push(index[index.len() - 1] * (1.0 + r));
    }
    write_price_csv(&prices, "^GSPC", &dates, &index);
    let mut events = String::from("ticker,date\n");
    for k in 0..8 {
        let persistence = [0.6, 0.75, 0.85, 0.9, 0.93, 0.95, 0.97, 0.98][k];
        let arch = [0.15, 0.1, 0.12, 0.08, 0.1, 0.05, 0.07, 0.04][k];
        let (garch, long_run) = (persistence - arch, 0.0004);
        let mut h: f64 = long_run;
        let mut e: f64 = 0.0;
        let mut price = vec![50.0];
        for rm in &market {
            h = long_run * (1.0 - persistence) + arch * e * e + garch * h;
            e = h.sqrt() * normal(&mut rng);
            let r = 0.0002 + (0.8 + 0.1 * k as f64) * rm + e;
            price.push(price[price.len() - 1] * (1.0 + r));
        }
        write_price_csv(&prices, &format!("G{k}"), &dates, &price);
        events.push_str(&format!("G{k},{}\n", dates[270 + k]));
    }
    std::fs::write(dir.join("events.csv"), events).unwrap();
}

fn batch_json(events: &Path, prices: &Path, out: &Path) -> Value {
    let mut cmd = Command::cargo_bin("eventstudy").unwrap();
    cmd.arg("batch")
        .arg("--events")
        .arg(events)
        .arg("--source")
        .arg(format!("csv:{}", prices.display()))
        .args(["--model", "garch", "--no-charts", "--format", "json", "-q"])
        .arg("--out")
        .arg(out);
    common::success_json(cmd)
}

/// Compares every event with `arch`: the log-likelihood at least arch's less 1e-6 relative;
/// where both optima are interior (a and b above 1e-3, a + b below 0.999) and the two
/// likelihoods agree, the parameters on arch's percent scale within 0.02 and beta within
/// 1e-3. Returns how many events were compared that closely.
fn compare_with_arch(summary: &Value, prices: &Path, dir: &Path) -> usize {
    let file = dir.join("summary.json");
    std::fs::write(&file, serde_json::to_vec(summary).unwrap()).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/check_garch.py");
    let out = Process::new("python3")
        .arg(&script)
        .arg(prices)
        .arg("^GSPC")
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let reference: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let events = summary["events"].as_array().unwrap();
    assert_eq!(events.len(), reference.len());
    let mut interior = 0;
    for (e, r) in events.iter().zip(&reference) {
        let ticker = e["ticker"].as_str().unwrap();
        let g = &e["garch"];
        assert_eq!(g["converged"], true, "{ticker}: {g}");
        assert_eq!(e["model"], "garch", "{ticker}");
        let f = |v: &Value| v.as_f64().unwrap();
        let (ours, theirs) = (f(&g["loglik"]), f(&r["loglik"]));
        assert!(
            ours >= theirs - 1e-6 * theirs.abs(),
            "{ticker}: log-likelihood {ours} below arch's {theirs}"
        );
        let inside = |a: f64, b: f64| a > 1e-3 && b > 1e-3 && a + b < 0.999;
        let both_interior = inside(f(&g["arch"]), f(&g["garch"]))
            && r["interior"] == true
            && (ours - theirs).abs() <= 1e-6 * theirs.abs();
        if !both_interior {
            continue;
        }
        interior += 1;
        let pairs = [
            (
                "alpha (%)",
                100.0 * f(&e["alpha"]),
                100.0 * f(&r["alpha"]),
                0.02,
            ),
            (
                "omega (%^2)",
                1e4 * f(&g["omega"]),
                1e4 * f(&r["omega"]),
                0.02,
            ),
            ("arch", f(&g["arch"]), f(&r["arch"]), 0.02),
            ("garch", f(&g["garch"]), f(&r["garch"]), 0.02),
            ("beta", f(&e["beta"]), f(&r["beta"]), 1e-3),
        ];
        for (name, a, b, tol) in pairs {
            assert!((a - b).abs() <= tol, "{ticker}: {name} {a} vs arch {b}");
        }
    }
    interior
}

#[test]
fn likelihood_and_parameters_match_python_arch() {
    if !common::python_has("arch") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    fixture(dir.path());
    let prices = dir.path().join("prices");
    let summary = batch_json(
        &dir.path().join("events.csv"),
        &prices,
        &dir.path().join("out"),
    );
    let interior = compare_with_arch(&summary, &prices, dir.path());
    eprintln!("synthetic: {interior} of 8 events with interior optima compared");
    assert!(interior >= 5, "only {interior} of 8 events compared");

    // The nine DeepSeek stocks (examples/): several optima lie on the boundary (a or b 0, or
    // a + b 1), where only the likelihood is compared.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let prices = root.join("examples/prices");
    let summary = batch_json(
        &root.join("examples/deepseek9.csv"),
        &prices,
        &dir.path().join("ds"),
    );
    let interior = compare_with_arch(&summary, &prices, dir.path());
    eprintln!("DeepSeek: {interior} of 9 events with interior optima compared");
    assert!(
        interior >= 4,
        "only {interior} of 9 DeepSeek events compared"
    );
}

#[test]
fn run_reports_the_fit_and_refuses_bars() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let run = |model: &str| {
        let mut cmd = Command::cargo_bin("eventstudy").unwrap();
        cmd.current_dir(root)
            .args(["run", "--ticker", "NVDA", "--date", "2025-01-27"])
            .args([
                "--source",
                "csv:examples/prices",
                "--no-charts",
                "--format",
                "json",
            ])
            .args(["--model", model, "-q", "--out"])
            .arg(dir.path().join(model));
        common::success_json(cmd)
    };
    let garch = run("garch");
    let e = &garch["events"][0];
    assert_eq!(e["model"], "garch");
    assert_eq!(garch["conventions"]["prediction_error_correction"], false);
    let g = &e["garch"];
    let f = |v: &Value| v.as_f64().unwrap();
    assert!((f(&g["persistence"]) - f(&g["arch"]) - f(&g["garch"])).abs() < 1e-15);
    assert!(f(&g["omega"]) > 0.0 && g["converged"] == true);
    assert_eq!(e["degrees_of_freedom"], 235);
    // The events table carries the fit.
    let table = std::fs::read_to_string(
        dir.path()
            .join("garch/portfolio_2025-01-27/tables/events.csv"),
    )
    .unwrap();
    let header = table.lines().next().unwrap();
    for column in [
        "garch_omega",
        "garch_arch",
        "garch_garch",
        "garch_persistence",
        "garch_loglik",
        "garch_converged",
    ] {
        assert!(
            header.split(',').any(|c| c == column),
            "{column} missing from {header}"
        );
    }
    // The market model has no GARCH field and no GARCH column.
    let market = run("market");
    assert!(market["events"][0].get("garch").is_none());
    let table = std::fs::read_to_string(
        dir.path()
            .join("market/portfolio_2025-01-27/tables/events.csv"),
    )
    .unwrap();
    assert!(!table.lines().next().unwrap().contains("garch"));

    let mut cmd = Command::cargo_bin("eventstudy").unwrap();
    let out = cmd
        .current_dir(root)
        .args([
            "run",
            "--ticker",
            "NVDA",
            "--date",
            "2025-01-27",
            "--source",
            "csv:examples/prices",
        ])
        .args(["--model", "garch", "--interval", "5m", "--out"])
        .arg(dir.path().join("bars"))
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    let stderr = String::from_utf8_lossy(&out);
    assert!(
        stderr.contains("--model garch is not available with --interval"),
        "{stderr}"
    );
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
}
