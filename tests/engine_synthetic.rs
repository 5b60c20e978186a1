//! The engine on a synthetic market model with a planted abnormal return.

mod common;

use common::{d, synthetic, trading_days};
use eventstudy::study::{run_event, ModelKind, RelWindow, ReturnPanel, StudyDesign};

fn design(model: ModelKind) -> StudyDesign {
    StudyDesign {
        model,
        estimation: RelWindow::new(-250, -11).unwrap(),
        window: RelWindow::new(-5, 5).unwrap(),
        car_windows: vec![
            RelWindow::new(0, 0).unwrap(),
            RelWindow::new(-5, 5).unwrap(),
        ],
        min_estimation: 120,
    }
}

#[test]
fn recovers_alpha_beta_and_the_planted_ar() {
    let dates = trading_days(d("2023-01-02"), 300, &[]);
    let s = synthetic(7, dates, 0.0005, 1.4, 0.012, 270, -0.10);
    let panel = ReturnPanel::new(&s.firm_returns, &s.market_returns, None);
    let r = run_event(&panel, &design(ModelKind::Market), 270).unwrap();

    assert_eq!(r.model.n, 240);
    // Standard errors: beta about 0.012 / (0.01 sqrt 240) = 0.077, alpha about 0.0008.
    assert!(
        (r.model.beta() - 1.4).abs() < 0.25,
        "beta {}",
        r.model.beta()
    );
    assert!(
        (r.model.alpha - 0.0005).abs() < 0.0025,
        "alpha {}",
        r.model.alpha
    );
    assert!(
        (r.model.sigma - 0.012).abs() < 0.0015,
        "sigma {}",
        r.model.sigma
    );

    let day0 = r.days.iter().find(|d| d.rel == 0).unwrap();
    // AR = planted + e_0 - estimation error: within 4 sigma of -0.10.
    assert!((day0.ar + 0.10).abs() < 4.0 * 0.012, "AR {}", day0.ar);
    assert!(day0.ar_t < -5.0, "t {}", day0.ar_t);
    assert!(day0.ar_p < 1e-5);

    // AR identity: AR = R - alpha - beta R_m, exactly.
    let i = day0.index;
    let expected = s.firm_returns[i] - r.model.alpha - r.model.beta() * s.market_returns[i];
    assert!((day0.ar - expected).abs() < 1e-15);
    // CAR over -5:5 is the sum of the eleven ARs.
    let sum: f64 = r.days.iter().map(|d| d.ar).sum();
    assert!((r.cars[1].car - sum).abs() < 1e-15);
    assert_eq!(r.cars[1].days, 11);
}

#[test]
fn no_planted_effect_no_significance() {
    let dates = trading_days(d("2023-01-02"), 300, &[]);
    let s = synthetic(11, dates, 0.0, 1.0, 0.015, 270, 0.0);
    let panel = ReturnPanel::new(&s.firm_returns, &s.market_returns, None);
    for model in [
        ModelKind::Market,
        ModelKind::MeanAdjusted,
        ModelKind::MarketAdjusted,
    ] {
        let r = run_event(&panel, &design(model), 270).unwrap();
        let day0 = r.days.iter().find(|d| d.rel == 0).unwrap();
        assert!(day0.ar_t.abs() < 4.0, "{model}: t {}", day0.ar_t);
        assert_eq!(r.model.kind.parameters(), model.parameters());
    }
}

#[test]
fn many_events_against_one_panel() {
    let dates = trading_days(d("2020-01-01"), 1200, &[]);
    let s = synthetic(3, dates, 0.0, 1.0, 0.01, 600, -0.2);
    let panel = ReturnPanel::new(&s.firm_returns, &s.market_returns, None);
    let day0s: Vec<usize> = (300..1100).step_by(50).collect();
    let results = eventstudy::study::run_events(&panel, &design(ModelKind::Market), &day0s);
    assert_eq!(results.len(), day0s.len());
    for (r, &d0) in results.iter().zip(&day0s) {
        let r = r.as_ref().unwrap();
        assert_eq!(r.day0, d0);
        // Each result equals the one-event call.
        // Same as the one-event call (compared as text: the NaN market values are not == ).
        let single = run_event(&panel, &design(ModelKind::Market), d0).unwrap();
        assert_eq!(format!("{r:?}"), format!("{single:?}"));
    }
}
