//! The size of the per-bar AR t under the null on 1-minute bars whose variance is U-shaped
//! within the session (three times the midday standard deviation at the open and the close):
//! over 20,000 event-window bars, `--tod-variance` rejects at 5% within 4-6% (4.7%); one
//! variance for every bar (the default) rejects 5.6% over the day but 19% in the first and last
//! half hours and none at midday.

mod common;

use rand::rngs::StdRng;
use rand::SeedableRng;

use common::minutes::u_shape;
use common::normal;
use eventstudy::study::stats::student_t_critical;
use eventstudy::study::{run_event, BarLayout, ModelKind, RelWindow, ReturnPanel, StudyDesign};

const SESSIONS: usize = 21;
const BARS: usize = 390;

/// One replication: 20 estimation sessions and the event session, no shock. Returns each
/// within-session event bar's t (the event bar is the session's second bar; the window runs
/// to its close) and its slot.
fn replication(seed: u64, tod: bool) -> Vec<(usize, f64)> {
    let mut rng = StdRng::seed_from_u64(seed);
    let n = SESSIONS * BARS;
    let (mut firm, mut market) = (vec![f64::NAN; n], vec![f64::NAN; n]);
    let (mut overnight, mut slot) = (vec![false; n], vec![0u16; n]);
    for i in 1..n {
        let k = i % BARS;
        slot[i] = k as u16;
        overnight[i] = k == 0;
        let (rm, e) = match k {
            0 => (0.004 * normal(&mut rng), 0.008 * normal(&mut rng)),
            _ => {
                let sd = 0.0004 * u_shape(k);
                (sd * normal(&mut rng), 1.5 * sd * normal(&mut rng))
            }
        };
        market[i] = rm;
        firm[i] = 0.00001 + 1.1 * rm + e;
    }
    let event = (SESSIONS - 1) * BARS + 1;
    let mut panel = ReturnPanel::new(&firm, &market, None);
    panel.bars = Some(BarLayout {
        overnight: &overnight,
        slot: &slot,
        tod_variance: tod,
        tod_pool: 15,
    });
    let design = StudyDesign {
        model: ModelKind::Market,
        estimation: RelWindow::new(-(event as i32) + 1, -2).unwrap(),
        window: RelWindow::new(0, (BARS - 2) as i32).unwrap(),
        car_windows: vec![RelWindow::new(0, 0).unwrap()],
        min_estimation: 120,
    };
    let r = run_event(&panel, &design, event).unwrap();
    assert_eq!(r.model.n, (SESSIONS - 1) * (BARS - 1));
    r.days
        .iter()
        .map(|d| (slot[d.index] as usize, d.ar_t))
        .collect()
}

/// (rejection rate over all bars, at the open's and close's half hours, at midday's hour).
fn rejection(tod: bool) -> (f64, f64, f64, usize) {
    let critical = student_t_critical(0.05, 7778.0);
    let (mut all, mut edge, mut mid) = ((0, 0), (0, 0), (0, 0));
    for rep in 0..52 {
        for (k, t) in replication(1000 + rep, tod) {
            let reject = (t.abs() > critical) as usize;
            all = (all.0 + reject, all.1 + 1);
            if !(30..360).contains(&k) {
                edge = (edge.0 + reject, edge.1 + 1);
            }
            if (165..225).contains(&k) {
                mid = (mid.0 + reject, mid.1 + 1);
            }
        }
    }
    let rate = |(r, n): (usize, usize)| r as f64 / n as f64;
    (rate(all), rate(edge), rate(mid), all.1)
}

#[test]
fn per_bar_t_has_its_size_with_the_time_of_day_profile() {
    let (rate, edge, mid, bars) = rejection(true);
    assert!(bars >= 20_000, "{bars}");
    eprintln!(
        "--tod-variance: {rate:.4} of {bars} bars ({edge:.4} at the edges, {mid:.4} at midday)"
    );
    assert!((0.04..=0.06).contains(&rate), "size {rate}");
    assert!(
        (0.03..=0.07).contains(&edge) && (0.03..=0.07).contains(&mid),
        "{edge} {mid}"
    );

    // Without the profile the size over the whole day (5.6% with this seed) hides that it is
    // wrong at every time of day: about 19% in the first and last half hours, 0% at midday.
    let (flat, flat_edge, flat_mid, _) = rejection(false);
    eprintln!("one variance: {flat:.4} ({flat_edge:.4} at the edges, {flat_mid:.4} at midday)");
    assert!(
        flat_edge > 0.15 && flat_mid < 0.01,
        "{flat_edge} {flat_mid}"
    );
}
