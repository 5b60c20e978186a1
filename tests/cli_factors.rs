//! Factor models end to end: a Kenneth French-layout file generated in the test, a firm built
//! from known loadings, and the loadings and the planted AR recovered.

mod common;

use assert_cmd::Command;
use common::{d, normal, trading_days, write_price_csv};
use rand::rngs::StdRng;
use rand::SeedableRng;

const EVENT: usize = 270;

struct Fixture {
    dir: tempfile::TempDir,
    date: String,
}

/// Percent with two decimals, as French publishes; the firm is built from the rounded values.
fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let prices = dir.path().join("prices");
    std::fs::create_dir(&prices).unwrap();
    let dates = trading_days(d("2024-01-02"), 300, &[]);
    let mut rng = StdRng::seed_from_u64(99);
    let round = |x: f64| (x * 10_000.0).round() / 10_000.0;
    let mut file = String::from("This file was created in a test.\n\n,Mkt-RF,SMB,HML,RF\n");
    let (mut index, mut firm) = (vec![1000.0], vec![50.0]);
    for (i, date) in dates.iter().enumerate() {
        let mkt = round(0.0004 + 0.01 * normal(&mut rng));
        let smb = round(0.006 * normal(&mut rng));
        let hml = round(0.006 * normal(&mut rng));
        let rf = 0.0002;
        file.push_str(&format!(
            "{},{:.2},{:.2},{:.2},{:.2}\n",
            date.format("%Y%m%d"),
            mkt * 100.0,
            smb * 100.0,
            hml * 100.0,
            rf * 100.0
        ));
        if i > 0 {
            let planted = if i == EVENT { -0.10 } else { 0.0 };
            let r =
                rf + 0.0002 + 1.2 * mkt + 0.6 * smb - 0.4 * hml + 0.01 * normal(&mut rng) + planted;
            index.push(index[i - 1] * (1.0 + mkt + rf));
            firm.push(firm[i - 1] * (1.0 + r));
        }
    }
    file.push_str("\nCopyright 2026 a test\n");
    std::fs::write(dir.path().join("F-F_Research_Data_Factors_daily.CSV"), file).unwrap();
    write_price_csv(&prices, "^GSPC", &dates, &index);
    write_price_csv(&prices, "FIRM", &dates, &firm);
    Fixture {
        date: dates[EVENT].to_string(),
        dir,
    }
}

impl Fixture {
    fn cmd(&self, model: &str) -> Command {
        let mut c = Command::cargo_bin("eventstudy").unwrap();
        c.args([
            "run",
            "--ticker",
            "FIRM",
            "--date",
            &self.date,
            "--model",
            model,
            "--no-charts",
            "--format",
            "json",
        ])
        .arg("--source")
        .arg(format!("csv:{}", self.dir.path().join("prices").display()))
        .arg("--out")
        .arg(self.dir.path().join("out"));
        c
    }

    fn factors(&self) -> String {
        self.dir
            .path()
            .join("F-F_Research_Data_Factors_daily.CSV")
            .display()
            .to_string()
    }
}

#[test]
fn ff3_recovers_the_loadings_and_the_planted_ar() {
    let f = fixture();
    let v = common::success_json(f.cmd("ff3").args(["--factors", &f.factors()]));
    assert_eq!(v["conventions"]["model"], "ff3");
    assert!(v["conventions"]["factors"][0]
        .as_str()
        .unwrap()
        .ends_with("F-F_Research_Data_Factors_daily.CSV"));
    let e = &v["events"][0];
    let betas = &e["factor_betas"];
    let b = |k: &str| betas[k].as_f64().unwrap();
    // Standard errors about 0.01 / (0.01 sqrt 240) = 0.065 for Mkt-RF, 0.11 for SMB and HML.
    assert!((b("Mkt-RF") - 1.2).abs() < 0.2, "{betas}");
    assert!((b("SMB") - 0.6).abs() < 0.35, "{betas}");
    assert!((b("HML") + 0.4).abs() < 0.35, "{betas}");
    assert_eq!(e["beta"].as_f64().unwrap(), b("Mkt-RF"));
    assert_eq!(e["n_estimation"], 240);
    assert_eq!(e["degrees_of_freedom"], 236, "L - k with k = 4");
    let day0 = e["days"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["rel"] == 0)
        .unwrap();
    assert!((day0["ar"].as_f64().unwrap() + 0.10).abs() < 0.04, "{day0}");
    assert!(day0["ar_t"].as_f64().unwrap() < -5.0);
    // The normal return is reported on the scale of the raw return: return - normal = AR.
    let (r, n, ar) = (
        day0["return"].as_f64().unwrap(),
        day0["normal_return"].as_f64().unwrap(),
        day0["ar"].as_f64().unwrap(),
    );
    assert!((r - n - ar).abs() < 1e-12);
}

#[test]
fn capm_uses_excess_returns() {
    let f = fixture();
    let v = common::success_json(f.cmd("capm").args(["--factors", &f.factors()]));
    let e = &v["events"][0];
    assert!((e["beta"].as_f64().unwrap() - 1.2).abs() < 0.2);
    // Alpha of the excess return: 0.0002 a day, give or take its standard error (0.0008).
    assert!(e["alpha"].as_f64().unwrap().abs() < 0.003);
    assert_eq!(e["degrees_of_freedom"], 238);
}

#[test]
fn factor_models_need_the_right_file() {
    let f = fixture();
    let out = f.cmd("ff3").assert().code(2).get_output().clone();
    assert!(String::from_utf8_lossy(&out.stderr).contains("needs --factors"));
    let out = f
        .cmd("carhart")
        .args(["--factors", &f.factors()])
        .assert()
        .code(2)
        .get_output()
        .clone();
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("lack Mom"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    f.cmd("ff3")
        .args(["--factors", "/nonexistent.csv"])
        .assert()
        .code(2);
}
