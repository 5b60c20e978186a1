//! A synthetic market of 1-minute bars: New York sessions of 390 bars, a U-shaped intraday
//! variance (three times the midday standard deviation at the open and the close), overnight
//! gaps, and shocks planted at chosen bars.

use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::America::New_York;
use rand::rngs::StdRng;
use rand::SeedableRng;

use super::{normal, trading_days};

/// Minutes per session, 09:30 to 16:00.
pub const BARS: usize = 390;

/// One symbol's bars: each bar's start (UTC) and close.
#[derive(Debug, Clone)]
pub struct Bars {
    pub starts: Vec<DateTime<Utc>>,
    pub closes: Vec<f64>,
}

/// A market and a firm that follows R = alpha + beta R_m + e on every bar.
#[derive(Debug, Clone)]
pub struct MinuteMarket {
    pub days: Vec<NaiveDate>,
    pub market: Bars,
    pub firm: Bars,
}

/// The standard deviation of a within-session bar in slot `k` relative to midday's: 1 at
/// midday, 3 at the open and the close.
pub fn u_shape(k: usize) -> f64 {
    let x = (k as f64 - 195.0) / 195.0;
    1.0 + 2.0 * x * x
}

/// `sessions` sessions from 2025-01-02; `shocks` are (session, slot, added return).
pub fn minute_market(
    seed: u64,
    sessions: usize,
    alpha: f64,
    beta: f64,
    shocks: &[(usize, usize, f64)],
) -> MinuteMarket {
    let days = trading_days(NaiveDate::from_ymd_opt(2025, 1, 2).unwrap(), sessions, &[]);
    let mut rng = StdRng::seed_from_u64(seed);
    let (mut pm, mut pf) = (5000.0, 100.0);
    let mut market = Bars {
        starts: Vec::new(),
        closes: Vec::new(),
    };
    let mut firm = market.clone();
    for (s, day) in days.iter().enumerate() {
        let open = New_York
            .from_local_datetime(&day.and_time(NaiveTime::from_hms_opt(9, 30, 0).unwrap()))
            .unwrap()
            .with_timezone(&Utc);
        for k in 0..BARS {
            let (rm, e) = if k == 0 {
                (0.004 * normal(&mut rng), 0.008 * normal(&mut rng))
            } else {
                let sd = 0.0004 * u_shape(k);
                (sd * normal(&mut rng), 1.5 * sd * normal(&mut rng))
            };
            let mut rf = alpha + beta * rm + e;
            for &(at_s, at_k, shock) in shocks {
                if at_s == s && at_k == k {
                    rf += shock;
                }
            }
            if s > 0 || k > 0 {
                pm *= 1.0 + rm;
                pf *= 1.0 + rf;
            }
            let start = open + chrono::Duration::minutes(k as i64);
            market.starts.push(start);
            market.closes.push(pm);
            firm.starts.push(start);
            firm.closes.push(pf);
        }
    }
    MinuteMarket { days, market, firm }
}

/// How a bar file writes its times.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TimeStyle {
    /// `2025-01-27T09:30:00-05:00`
    NewYorkOffset,
    /// `2025-01-27T14:30:00Z`
    Utc,
}

/// A bar file's text: `datetime,close,volume`, oldest first unless `newest_first`.
pub fn bar_csv(bars: &Bars, style: TimeStyle, newest_first: bool) -> String {
    let mut rows: Vec<String> = bars
        .starts
        .iter()
        .zip(&bars.closes)
        .map(|(t, c)| {
            let time = match style {
                TimeStyle::NewYorkOffset => t
                    .with_timezone(&New_York)
                    .format("%Y-%m-%dT%H:%M:%S%:z")
                    .to_string(),
                TimeStyle::Utc => t.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            };
            format!("{time},{c:.10},1000")
        })
        .collect();
    if newest_first {
        rows.reverse();
    }
    format!("datetime,close,volume\n{}\n", rows.join("\n"))
}
