//! `eventstudy doctor`: which side broke, when something breaks. One check per line, each with
//! what to do about a failure:
//!
//! - the settings in effect (store, host and CA overrides, SEC identity);
//! - Yahoo reachable, and a known symbol's chart answer readable by `yahoo_finance_api`'s typed
//!   reader and by the tolerant one (a format drift shows here before it bites);
//! - SEC EDGAR reachable with the configured identity (a 403 explained);
//! - every symbol of the store sound.
//!
//! It honours the same `EVENTSTUDY_*` host and CA overrides as every command, so the tests run
//! it against a local HTTPS server. `--offline` checks only the settings and the store.

use chrono::{Duration, NaiveDate, Utc};
use serde_json::Value;
use yahoo_finance_api::YResponse;

use crate::data::http::{root_cause, Attempt, NetworkSettings};
use crate::data::sec;
use crate::data::store::Store;
use crate::data::tolerant::read_chart;
use crate::data::yahoo::{chart_url, get_json, parse_history, FetchFailure};
use crate::error::{Error, Result};
use crate::report::{Check, CheckStatus};
use crate::ticker::Ticker;

/// What the doctor looks at.
#[derive(Debug, Clone)]
pub struct DoctorOptions {
    pub data_dir: std::path::PathBuf,
    /// A symbol Yahoo certainly has (`^GSPC`).
    pub symbol: Ticker,
    pub offline: bool,
    /// The config file in effect, if any.
    pub config_file: Option<std::path::PathBuf>,
}

/// Runs every check; the exit code is the caller's: 3 when one failed.
pub fn examine(options: &DoctorOptions) -> Result<Vec<Check>> {
    let network = NetworkSettings::from_env()?;
    let mut checks = vec![settings(options, &network)];
    if !options.offline {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Error::Internal(format!("cannot start the async runtime: {e}")))?;
        let http = network.client()?;
        checks.extend(runtime.block_on(yahoo(&http, &options.symbol)));
        checks.push(runtime.block_on(sec_edgar(&http)));
    }
    checks.push(store(options));
    Ok(checks)
}

fn check(name: &str, status: CheckStatus, detail: String, fix: Option<String>) -> Check {
    Check {
        name: name.to_string(),
        status,
        detail,
        fix,
    }
}

fn settings(options: &DoctorOptions, network: &NetworkSettings) -> Check {
    let (agent, declared) = sec::user_agent();
    let overrides: Vec<String> = [
        network.yahoo_host.map(|a| format!("Yahoo at {a}")),
        network.sec_host.map(|a| format!("SEC at {a}")),
        network
            .ca_cert
            .as_ref()
            .map(|p| format!("extra CA {}", p.display())),
    ]
    .into_iter()
    .flatten()
    .collect();
    check(
        "settings",
        CheckStatus::Info,
        format!(
            "config {}; store {}; {}; SEC identity '{agent}'{}",
            options
                .config_file
                .as_ref()
                .map_or("none".to_string(), |p| p.display().to_string()),
            options.data_dir.display(),
            if overrides.is_empty() {
                "no host overrides".to_string()
            } else {
                overrides.join(", ")
            },
            if declared {
                ""
            } else {
                " (generic: no contact e-mail)"
            }
        ),
        None,
    )
}

/// Yahoo: one chart request for the last weeks of `symbol`, then both readers on its answer.
async fn yahoo(http: &reqwest::Client, symbol: &Ticker) -> Vec<Check> {
    let to = Utc::now().date_naive();
    let from = to - Duration::days(21);
    let midnight = |d: NaiveDate| {
        d.and_hms_opt(0, 0, 0)
            .map_or(0, |t| t.and_utc().timestamp())
    };
    let url = chart_url(
        symbol.as_str(),
        midnight(from),
        midnight(to + Duration::days(1)),
    );
    let json = match get_json(http, &url, symbol.as_str()).await {
        Ok(json) => json,
        Err(Attempt::Transient(f) | Attempt::Permanent(f)) => {
            let skipped = |name: &str| {
                check(
                    name,
                    CheckStatus::Skipped,
                    "Yahoo did not answer".into(),
                    None,
                )
            };
            return vec![
                yahoo_unreachable(f),
                skipped("yahoo chart, typed reader"),
                skipped("yahoo chart, tolerant reader"),
            ];
        }
    };
    vec![
        check(
            "yahoo reachable",
            CheckStatus::Ok,
            format!("answered the chart request for {symbol}"),
            None,
        ),
        typed_reader(&json, symbol, from, to),
        tolerant_reader(&json, symbol, from, to),
    ]
}

fn yahoo_unreachable(failure: FetchFailure) -> Check {
    let (detail, fix) = match failure {
        FetchFailure::Offline(m) => (
            m,
            "check the network or proxy (EVENTSTUDY_CA_CERT trusts a TLS-inspecting proxy's root); meanwhile --offline or --source csv:DIR work without it",
        ),
        FetchFailure::Unreachable(m) => (
            m,
            "Yahoo is failing or rate-limiting this address (429): wait a few minutes and try again",
        ),
        FetchFailure::NoData(m) => (
            m,
            "Yahoo does not know the symbol: try another with --symbol",
        ),
        FetchFailure::BadAnswer(m) => (
            m,
            "Yahoo answered something that is not JSON (a block page?): try again later",
        ),
    };
    check(
        "yahoo reachable",
        CheckStatus::Fail,
        detail,
        Some(fix.into()),
    )
}

fn bars_read(count: usize, symbol: &Ticker) -> String {
    format!("{count} daily bars of {symbol} read")
}

fn typed_reader(json: &Value, symbol: &Ticker, from: NaiveDate, to: NaiveDate) -> Check {
    let name = "yahoo chart, typed reader";
    let read = YResponse::from_json(json.clone())
        .map_err(|e| e.to_string())
        .and_then(|r| parse_history(&r, symbol.as_str(), from, to).map_err(|f| format!("{f:?}")));
    match read {
        Ok(history) => check(name, CheckStatus::Ok, bars_read(history.bars.len(), symbol), None),
        Err(e) => check(
            name,
            CheckStatus::Fail,
            format!("yahoo_finance_api cannot read Yahoo's chart answer: {e}"),
            Some("Yahoo changed its answer: runs fall back to the tolerant reader (next line); report it so the crate can be updated".into()),
        ),
    }
}

fn tolerant_reader(json: &Value, symbol: &Ticker, from: NaiveDate, to: NaiveDate) -> Check {
    let name = "yahoo chart, tolerant reader";
    match read_chart(json, symbol.as_str(), from, to) {
        Ok(history) => check(name, CheckStatus::Ok, bars_read(history.bars.len(), symbol), None),
        Err(
            FetchFailure::BadAnswer(m)
            | FetchFailure::NoData(m)
            | FetchFailure::Offline(m)
            | FetchFailure::Unreachable(m),
        ) => check(
            name,
            CheckStatus::Fail,
            m,
            Some("the answer lacks what the study needs: fetches will fail until eventstudy is updated; the store and --source csv:DIR still work".into()),
        ),
    }
}

/// SEC: the ticker table, with the configured identity.
async fn sec_edgar(http: &reqwest::Client) -> Check {
    let name = "sec edgar";
    let (agent, declared) = sec::user_agent();
    let response = http
        .get(sec::TICKER_TABLE_URL)
        .header(reqwest::header::USER_AGENT, &agent)
        .send()
        .await;
    let identity_fix = "SEC's fair-access policy asks every client for a name and a contact e-mail: set EVENTSTUDY_SEC_USER_AGENT='Your Name you@example.com'";
    match response {
        Err(e) => check(
            name,
            CheckStatus::Fail,
            format!("cannot reach SEC EDGAR ({})", root_cause(&e)),
            Some("check the network or proxy; without SEC, market values need --shares or --shares-file".into()),
        ),
        Ok(r) if matches!(r.status().as_u16(), 401 | 403) => check(
            name,
            CheckStatus::Fail,
            format!("SEC EDGAR refused the identity '{agent}' ({})", r.status()),
            Some(identity_fix.into()),
        ),
        Ok(r) if !r.status().is_success() => check(
            name,
            CheckStatus::Fail,
            format!("SEC EDGAR answered {}", r.status()),
            Some("SEC is failing or rate-limiting this address: try again later".into()),
        ),
        Ok(r) => match r.json::<Value>().await {
            Ok(_) => check(
                name,
                CheckStatus::Ok,
                if declared {
                    format!("answered with the identity '{agent}'")
                } else {
                    "answered, with a generic identity that SEC may refuse at any time".into()
                },
                (!declared).then(|| identity_fix.to_string()),
            ),
            Err(e) => check(
                name,
                CheckStatus::Fail,
                format!("SEC EDGAR's ticker table is not valid JSON ({e})"),
                Some("try again later".into()),
            ),
        },
    }
}

/// The store: every symbol's Parquet file and manifest agree.
fn store(options: &DoctorOptions) -> Check {
    let name = "store";
    match Store::at(&options.data_dir).list() {
        Err(e) => check(
            name,
            CheckStatus::Fail,
            e.to_string(),
            Some("check the --data-dir folder's permissions".into()),
        ),
        Ok(entries) => {
            let mut corrupt: Vec<String> = entries
                .iter()
                .filter_map(|(symbol, state)| {
                    state.as_ref().err().map(|c| format!("{symbol} ({})", c.0))
                })
                .collect();
            // The archive of intraday bars, interval by interval.
            for interval in crate::data::bar_store::stored_intervals(&options.data_dir) {
                let bars = crate::data::bar_store::BarStore::new(&options.data_dir, interval);
                corrupt.extend(bars.list().into_iter().filter_map(|(symbol, state)| {
                    state
                        .err()
                        .map(|c| format!("{symbol} {interval} bars ({})", c.0))
                }));
            }
            if corrupt.is_empty() {
                let detail = match entries.len() {
                    0 => "empty (`eventstudy fetch` or any run fills it)".to_string(),
                    1 => "1 symbol, sound".to_string(),
                    n => format!("{n} symbols, all sound"),
                };
                check(name, CheckStatus::Ok, detail, None)
            } else {
                check(
                    name,
                    CheckStatus::Fail,
                    format!("corrupt: {}", corrupt.join(", ")),
                    Some("the next run that needs them fetches them again; or `eventstudy fetch --refresh [--interval ...]` them now".into()),
                )
            }
        }
    }
}
