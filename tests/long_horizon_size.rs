//! Size of the BHAR tests on simulated long-horizon data with skewed returns (METHODS.md,
//! "Long horizons"): with no effect, the conventional t over-rejects, lopsidedly (too often
//! below, too rarely above); the skewness-adjusted t evens its tails out and its bootstrap
//! rejects close to the nominal 5% (Lyon, Barber & Tsai 1999).
//!
//! Each replication is a portfolio of 50 events. A firm's daily gross return is lognormal with
//! a volatility drawn from 2% to 8% a day, centred so that its expected 121-day buy-and-hold
//! return equals the benchmark's: E[BHAR] = 0 exactly, and BHAR is right-skewed, as
//! long-horizon returns are. The BHARs go through the crate's own `buy_and_hold` and
//! `bhar_tests`.

mod common;

use common::normal;
use eventstudy::study::bhar::{bhar_tests, buy_and_hold, Bootstrap};
use eventstudy::study::RelWindow;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const EVENTS: usize = 50;
const DAYS: usize = 121;
const REPLICATIONS: usize = 2000;
/// The benchmark's daily return, constant: the skew comes from the firms.
const BENCHMARK: f64 = 0.0004;

/// One portfolio's BHARs over days 0..=120 (day 0 at index 1; index 0 has no return).
fn portfolio(rng: &mut StdRng) -> Vec<f64> {
    let benchmark = vec![BENCHMARK; DAYS + 1];
    let window = RelWindow::new(0, DAYS as i32 - 1).unwrap();
    (0..EVENTS)
        .map(|_| {
            let sigma = 0.02 + 0.06 * rng.random::<f64>();
            // E[exp(mu + sigma z)] = 1 + BENCHMARK.
            let mu = (1.0 + BENCHMARK).ln() - sigma * sigma / 2.0;
            let firm: Vec<f64> = std::iter::once(f64::NAN)
                .chain((0..DAYS).map(|_| (mu + sigma * normal(rng)).exp() - 1.0))
                .collect();
            buy_and_hold(&firm, &benchmark, 1, window).bhar
        })
        .collect()
}

/// Rejections at 5%, two-sided: (below, above).
#[derive(Default)]
struct Tails(usize, usize);

impl Tails {
    fn count(&mut self, stat: f64, p: f64) {
        if p < 0.05 {
            if stat < 0.0 {
                self.0 += 1;
            } else {
                self.1 += 1;
            }
        }
    }
    fn rates(&self) -> (f64, f64, f64) {
        let r = |k: usize| k as f64 / REPLICATIONS as f64;
        (r(self.0), r(self.1), r(self.0 + self.1))
    }
}

#[test]
fn skewness_adjusted_tests_hold_their_size_where_the_t_does_not() {
    let mut rng = StdRng::seed_from_u64(1999);
    let (mut t, mut t_sa, mut boot) = (Tails::default(), Tails::default(), 0usize);
    let mut skew = 0.0;
    for r in 0..REPLICATIONS {
        let bhars = portfolio(&mut rng);
        let tests = bhar_tests(
            &bhars,
            Bootstrap {
                draws: 1000,
                seed: r as u64,
            },
        );
        skew += tests.skewness / REPLICATIONS as f64;
        t.count(tests.t.stat, tests.t.p);
        t_sa.count(tests.t_sa.stat, tests.t_sa.p);
        boot += usize::from(tests.bootstrap_p < 0.05);
    }
    let ((t_lo, t_hi, t), (sa_lo, sa_hi, sa)) = (t.rates(), t_sa.rates());
    let boot = boot as f64 / REPLICATIONS as f64;
    eprintln!(
        "rejection at 5% under the null, {REPLICATIONS} portfolios of {EVENTS} (mean skewness {skew:.2}):\n  \
         t {t:.3} ({t_lo:.3} below, {t_hi:.3} above)\n  \
         t_sa {sa:.3} ({sa_lo:.3} below, {sa_hi:.3} above)\n  bootstrap of t_sa {boot:.3}"
    );
    assert!(skew > 1.0, "the simulated BHARs are not skewed: {skew}");
    // One standard error of a 5% rate over 2,000 replications is 0.5 points; of 2.5%, 0.35.
    assert!(t > 0.065, "the conventional t should over-reject here: {t}");
    assert!(
        t_lo > 3.0 * t_hi,
        "its tails should be lopsided: {t_lo} vs {t_hi}"
    );
    assert!(
        sa_lo < t_lo - 0.01 && sa_hi > t_hi + 0.005,
        "t_sa: {sa_lo} / {sa_hi}"
    );
    assert!(sa < t, "t_sa {sa} vs t {t}");
    assert!((boot - 0.05).abs() < 0.015, "bootstrap {boot}");
    assert!(
        (boot - 0.05).abs() < (t - 0.05).abs() / 2.0,
        "bootstrap {boot} vs t {t}"
    );
}
