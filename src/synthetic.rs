//! Synthetic markets for benchmarks and scale tests: `eventstudy synthetic` writes a panel of
//! firms following a market model, a benchmark, and an events file, all seeded and so the same
//! on every machine. It is how the README's performance figures are reproduced.

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate, TimeZone, Timelike, Weekday};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::error::{Error, Result};
use crate::study::bars::Interval;

/// The size of a synthetic study.
#[derive(Debug, Clone)]
pub struct SyntheticOptions {
    pub firms: usize,
    /// Trading days, or with intraday bars, sessions.
    pub days: usize,
    pub events: usize,
    pub seed: u64,
    pub out: PathBuf,
    /// Daily prices, or intraday bars of New York sessions.
    pub interval: Interval,
}

/// What was written.
#[derive(Debug, Clone)]
pub struct SyntheticPanel {
    /// `csv:` source folder: `FIRMnnnnn.csv` and `^MKT.csv`.
    pub prices: PathBuf,
    /// `ticker,date,benchmark`, one event per row.
    pub events: PathBuf,
    pub bytes: u64,
}

/// The benchmark's symbol.
pub const BENCHMARK: &str = "^MKT";

/// Weekdays from 2010-01-04 on.
fn trading_days(n: usize) -> Vec<NaiveDate> {
    let mut days = Vec::with_capacity(n);
    let mut d = NaiveDate::from_ymd_opt(2010, 1, 4).expect("valid date");
    while days.len() < n {
        if !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
            days.push(d);
        }
        d = d.succ_opt().expect("within the calendar");
    }
    days
}

/// A standard normal draw (Box-Muller).
fn normal(rng: &mut StdRng) -> f64 {
    let u1: f64 = rng.random::<f64>().max(1e-300);
    let u2: f64 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

/// Streams `lines` into `path` atomically (a temp file renamed into place); returns the bytes.
fn write_lines(path: &Path, lines: impl Iterator<Item = String>) -> Result<u64> {
    let mut bytes = 0u64;
    crate::util::write_atomic_with(
        path,
        |tmp| {
            let io = |e| Error::io(tmp, e);
            let file = std::fs::File::create(tmp).map_err(io)?;
            let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
            for line in lines {
                bytes += line.len() as u64;
                out.write_all(line.as_bytes()).map_err(io)?;
            }
            out.flush().map_err(io)
        },
        |e| Error::io(path, e),
    )?;
    Ok(bytes)
}

fn write_prices(path: &Path, dates: &[NaiveDate], prices: &[f64]) -> Result<u64> {
    let rows = dates
        .iter()
        .zip(prices)
        .map(|(d, p)| format!("{d},{p:.4},{p:.4}\n"));
    write_lines(
        path,
        std::iter::once("date,close,adj_close\n".to_string()).chain(rows),
    )
}

/// Writes the panel: every firm R_i = alpha_i + beta_i R_m + sigma_i e, a price path from 50,
/// and events on random firms and days that leave room for a 250-day estimation window and a
/// 10-day event window.
/// The largest panel `synthetic` writes: its days run from 2010-01-04 and stay inside the
/// years every reader accepts (to 2200); a million firms or a hundred million events are far
/// past any benchmark and would only fill the disk.
pub const MAX_DAYS: usize = 40_000;
pub const MAX_FIRMS: usize = 1_000_000;
pub const MAX_EVENTS: usize = 100_000_000;

fn check_size(options: &SyntheticOptions) -> Result<()> {
    let check = |flag: &str, value: usize, min: usize, max: usize| {
        if value < min || value > max {
            return Err(Error::usage(format!(
                "--{flag} {value} is outside {min} to {max}"
            )));
        }
        Ok(())
    };
    match options.interval {
        Interval::Day => check("days", options.days, 300, MAX_DAYS)?,
        Interval::Minutes(_) => check("days", options.days, 22, MAX_SESSIONS)?,
    }
    check("firms", options.firms, 1, MAX_FIRMS)?;
    check("events", options.events, 0, MAX_EVENTS)
}

pub fn generate(options: &SyntheticOptions) -> Result<SyntheticPanel> {
    check_size(options)?;
    if let Interval::Minutes(minutes) = options.interval {
        return generate_bars(options, minutes);
    }
    let prices = options.out.join("prices");
    std::fs::create_dir_all(&prices).map_err(|e| Error::io(&prices, e))?;
    let mut rng = StdRng::seed_from_u64(options.seed);
    let dates = trading_days(options.days);
    let market: Vec<f64> = (0..options.days)
        .map(|_| 0.0003 + 0.01 * normal(&mut rng))
        .collect();
    let path_of = |returns: &mut dyn Iterator<Item = f64>| {
        let mut level = 50.0;
        returns
            .map(|r| {
                level *= 1.0 + r;
                level
            })
            .collect::<Vec<f64>>()
    };
    let mut bytes = write_prices(
        &prices.join(format!("{BENCHMARK}.csv")),
        &dates,
        &path_of(&mut market.iter().copied()),
    )?;
    for firm in 0..options.firms {
        let alpha = 0.0002 * normal(&mut rng);
        let beta = 0.6 + 0.8 * rng.random::<f64>();
        let sigma = 0.01 + 0.02 * rng.random::<f64>();
        let returns: Vec<f64> = market
            .iter()
            .map(|m| alpha + beta * m + sigma * normal(&mut rng))
            .collect();
        bytes += write_prices(
            &prices.join(format!("{}.csv", firm_symbol(firm))),
            &dates,
            &path_of(&mut returns.into_iter()),
        )?;
    }
    let events = options.out.join("events.csv");
    let rows: Vec<String> = (0..options.events)
        .map(|_| {
            let firm = rng.random_range(0..options.firms);
            let day = rng.random_range(260..options.days - 10);
            format!("{},{},{BENCHMARK}\n", firm_symbol(firm), dates[day])
        })
        .collect();
    write_lines(
        &events,
        std::iter::once("ticker,date,benchmark\n".to_string()).chain(rows),
    )?;
    Ok(SyntheticPanel {
        prices,
        events,
        bytes,
    })
}

/// The most sessions an intraday panel has (a year of 1-minute bars is 98,000 rows a firm).
pub const MAX_SESSIONS: usize = 2_000;

/// Minutes of a New York session, 09:30 to 16:00.
const SESSION_MINUTES: u32 = 390;

/// A within-session bar's standard deviation relative to midday's: three times at the open
/// and the close (the U shape of intraday volatility).
fn u_shape(minute: u32) -> f64 {
    let x = (minute as f64 - 195.0) / 195.0;
    1.0 + 2.0 * x * x
}

/// The bars of a synthetic intraday panel.
struct BarShape {
    sessions: usize,
    per_session: usize,
    minutes: u32,
}

impl BarShape {
    /// Bar returns: `beta` times the market's plus noise of `sigma` a minute, scaled by the
    /// bar's length and its time of day; the first bar of a session is an overnight gap.
    fn returns(&self, rng: &mut StdRng, market: Option<&[f64]>, beta: f64, sigma: f64) -> Vec<f64> {
        let scale = (self.minutes as f64).sqrt();
        let mut out = Vec::with_capacity(self.sessions * self.per_session);
        for s in 0..self.sessions {
            for k in 0..self.per_session {
                let i = s * self.per_session + k;
                let noise = match k {
                    0 => 0.004 * normal(rng),
                    _ => sigma * scale * u_shape(k as u32 * self.minutes) * normal(rng),
                };
                out.push(market.map_or(0.0, |m| beta * m[i]) + noise);
            }
        }
        out
    }
}

/// The reaction planted at an intraday event: the firm falls 3% in the event bar and 1% more
/// over the hour after (bars cut short at the end of the data).
fn plant_reaction(returns: &mut [f64], bar: usize, minutes: u32) {
    if let Some(r) = returns.get_mut(bar) {
        *r -= 0.03;
    }
    let after = (60 / minutes).max(1) as usize;
    for r in returns.iter_mut().skip(bar + 1).take(after) {
        *r -= 0.01 / after as f64;
    }
}

/// One symbol's bar file from its returns (a price path from 50).
fn write_bars(
    path: &Path,
    days: &[NaiveDate],
    opens: &[(chrono::DateTime<chrono_tz::Tz>, String)],
    shape: &BarShape,
    returns: &[f64],
    volume: u64,
) -> Result<u64> {
    let mut level = 50.0;
    let rows = returns.iter().enumerate().map(move |(i, r)| {
        level *= 1.0 + r;
        let (s, k) = (i / shape.per_session, i % shape.per_session);
        let (open, offset) = &opens[s];
        let t = *open + chrono::Duration::minutes((k as u32 * shape.minutes) as i64);
        format!(
            "{}T{:02}:{:02}:00{offset},{level:.6},{volume}\n",
            days[s],
            t.hour(),
            t.minute()
        )
    });
    write_lines(
        path,
        std::iter::once("datetime,close,volume\n".to_string()).chain(rows),
    )
}

/// Intraday bars of New York sessions: each firm R = alpha + beta R_m + e on every bar (a
/// U-shaped variance within the session, an overnight gap at the first bar), written as
/// `datetime,close,volume` with the exchange's offset; events at random minutes of sessions
/// that leave 20 sessions before them, as instants with their offset.
fn generate_bars(options: &SyntheticOptions, minutes: u32) -> Result<SyntheticPanel> {
    let prices = options.out.join("prices");
    std::fs::create_dir_all(&prices).map_err(|e| Error::io(&prices, e))?;
    let mut rng = StdRng::seed_from_u64(options.seed);
    let days = trading_days(options.days);
    let per_session = SESSION_MINUTES.div_ceil(minutes) as usize;
    // Each session's open as text pieces: the date, and the offset of New York that day.
    let opens: Vec<(chrono::DateTime<chrono_tz::Tz>, String)> = days
        .iter()
        .map(|d| {
            let open = chrono_tz::America::New_York
                .from_local_datetime(&d.and_hms_opt(9, 30, 0).expect("a valid time"))
                .earliest()
                .expect("09:30 exists in New York");
            let offset = open.format("%:z").to_string();
            (open, offset)
        })
        .collect();
    let shape = BarShape {
        sessions: days.len(),
        per_session,
        minutes,
    };
    let market = shape.returns(&mut rng, None, 0.0, 0.0004);
    let mut bytes = write_bars(
        &prices.join(format!("{BENCHMARK}.csv")),
        &days,
        &opens,
        &shape,
        &market,
        100_000,
    )?;
    // The events first: (firm, session, minute of the session).
    let placed: Vec<(usize, usize, u32)> = (0..options.events)
        .map(|_| {
            (
                rng.random_range(0..options.firms),
                rng.random_range(21..days.len()),
                rng.random_range(0..SESSION_MINUTES),
            )
        })
        .collect();
    for firm in 0..options.firms {
        let beta = 0.6 + 0.8 * rng.random::<f64>();
        let sigma = 0.0004 + 0.0008 * rng.random::<f64>();
        let mut returns = shape.returns(&mut rng, Some(&market), beta, sigma);
        for &(_, s, minute) in placed.iter().filter(|e| e.0 == firm) {
            plant_reaction(
                &mut returns,
                s * per_session + (minute / minutes) as usize,
                minutes,
            );
        }
        bytes += write_bars(
            &prices.join(format!("{}.csv", firm_symbol(firm))),
            &days,
            &opens,
            &shape,
            &returns,
            1_000,
        )?;
    }
    let events = options.out.join("events.csv");
    let rows: Vec<String> = placed
        .iter()
        .map(|&(firm, s, minute)| {
            let (open, offset) = &opens[s];
            let t = *open + chrono::Duration::minutes(minute as i64);
            format!(
                "{},{}T{:02}:{:02}{offset},{BENCHMARK}\n",
                firm_symbol(firm),
                days[s],
                t.hour(),
                t.minute()
            )
        })
        .collect();
    write_lines(
        &events,
        std::iter::once("ticker,date,benchmark\n".to_string()).chain(rows),
    )?;
    Ok(SyntheticPanel {
        prices,
        events,
        bytes,
    })
}

/// `FIRM00042`.
pub fn firm_symbol(i: usize) -> String {
    format!("FIRM{i:05}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_a_seeded_panel() {
        let dir = tempfile::tempdir().unwrap();
        let options = SyntheticOptions {
            firms: 3,
            days: 300,
            events: 5,
            seed: 7,
            out: dir.path().to_path_buf(),
            interval: Interval::Day,
        };
        let panel = generate(&options).unwrap();
        let firm = std::fs::read_to_string(panel.prices.join("FIRM00002.csv")).unwrap();
        assert_eq!(firm.lines().count(), 301);
        assert!(firm.starts_with("date,close,adj_close\n2010-01-04,"));
        let events = std::fs::read_to_string(&panel.events).unwrap();
        assert_eq!(events.lines().count(), 6);
        // The same seed writes the same bytes.
        let again = tempfile::tempdir().unwrap();
        generate(&SyntheticOptions {
            out: again.path().to_path_buf(),
            ..options
        })
        .unwrap();
        assert_eq!(
            std::fs::read(again.path().join("events.csv")).unwrap(),
            events.as_bytes()
        );
    }
}
