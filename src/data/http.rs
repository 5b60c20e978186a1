//! The HTTP client every fetcher shares: host overrides and extra trusted roots from the
//! environment, timeouts, and the retry policy for transient faults.
//!
//! - `EVENTSTUDY_YAHOO_HOST=ADDR:PORT` sends requests for Yahoo's hosts to that address,
//!   `EVENTSTUDY_SEC_HOST=ADDR:PORT` those for SEC's hosts (reqwest's `resolve`: TLS still checks
//!   the real host name, so the server needs a certificate for it).
//! - `EVENTSTUDY_CA_CERT=FILE` adds a trusted root certificate (PEM), for a TLS-inspecting proxy
//!   or a test server.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use rand::Rng;

use crate::error::{Error, Result};

pub const YAHOO_HOSTS: [&str; 2] = ["query1.finance.yahoo.com", "query2.finance.yahoo.com"];
pub const SEC_HOSTS: [&str; 2] = ["data.sec.gov", "www.sec.gov"];

/// The largest answer read from a service: a daily chart of decades or a company's share
/// counts is a few MB; anything far larger is a mistake or an attack, not data.
pub const MAX_ANSWER_BYTES: usize = 64 << 20;

/// Why an answer's body could not be read.
#[derive(Debug)]
pub enum BodyError {
    /// The connection broke off.
    Broken(reqwest::Error),
    /// The answer is larger than the cap.
    TooLarge(usize),
}

/// Reads an answer's body, refusing one larger than `cap` bytes (by its announced length or
/// as it arrives) before it fills the memory.
pub async fn read_capped(
    mut response: reqwest::Response,
    cap: usize,
) -> std::result::Result<Vec<u8>, BodyError> {
    if let Some(length) = response.content_length() {
        if length as usize > cap {
            return Err(BodyError::TooLarge(cap));
        }
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(BodyError::Broken)? {
        if body.len() + chunk.len() > cap {
            return Err(BodyError::TooLarge(cap));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// The innermost cause of an error: what a user can act on ("Connection refused"), not the
/// wrapper ("error sending request").
pub fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

/// A browser-like agent: Yahoo turns away unknown clients.
const BROWSER_AGENT: &str =
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0 Safari/537.36";

/// Network settings, usually read from the environment.
#[derive(Debug, Clone)]
pub struct NetworkSettings {
    pub yahoo_host: Option<SocketAddr>,
    pub sec_host: Option<SocketAddr>,
    pub ca_cert: Option<PathBuf>,
    /// Longest a single request may take.
    pub request_timeout: Duration,
    pub retry: RetryPolicy,
}

impl Default for NetworkSettings {
    fn default() -> Self {
        NetworkSettings {
            yahoo_host: None,
            sec_host: None,
            ca_cert: None,
            request_timeout: Duration::from_secs(20),
            retry: RetryPolicy::default(),
        }
    }
}

fn env_addr(name: &str) -> Result<Option<SocketAddr>> {
    match std::env::var(name) {
        Ok(v) if !v.trim().is_empty() => v.trim().parse::<SocketAddr>().map(Some).map_err(|_| {
            Error::usage(format!(
                "{name}='{v}' is not ADDRESS:PORT (e.g. 127.0.0.1:8443)"
            ))
        }),
        _ => Ok(None),
    }
}

impl NetworkSettings {
    /// Defaults, with the `EVENTSTUDY_*` overrides of the environment applied.
    pub fn from_env() -> Result<Self> {
        Ok(NetworkSettings {
            yahoo_host: env_addr("EVENTSTUDY_YAHOO_HOST")?,
            sec_host: env_addr("EVENTSTUDY_SEC_HOST")?,
            ca_cert: std::env::var_os("EVENTSTUDY_CA_CERT")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from),
            ..NetworkSettings::default()
        })
    }

    /// Builds the client: overrides, extra root, timeouts, user agent.
    pub fn client(&self) -> Result<reqwest::Client> {
        let mut builder = reqwest::Client::builder()
            .timeout(self.request_timeout)
            .connect_timeout(self.request_timeout.min(Duration::from_secs(10)))
            .user_agent(BROWSER_AGENT);
        for (hosts, addr) in [(YAHOO_HOSTS, self.yahoo_host), (SEC_HOSTS, self.sec_host)] {
            if let Some(addr) = addr {
                for host in hosts {
                    builder = builder.resolve(host, addr);
                }
            }
        }
        if let Some(path) = &self.ca_cert {
            let pem = std::fs::read(path)
                .map_err(|e| Error::input(path, format!("cannot read the CA certificate: {e}")))?;
            let certs = reqwest::Certificate::from_pem_bundle(&pem)
                .map_err(|e| Error::input(path, format!("not a PEM certificate: {e}")))?;
            if certs.is_empty() {
                return Err(Error::input(path, "holds no PEM certificate"));
            }
            builder = builder.tls_certs_merge(certs);
        }
        builder
            .build()
            .map_err(|e| Error::Internal(format!("cannot set up the HTTP client: {e}")))
    }
}

/// Exponential backoff with full jitter, bounded in attempts and in total time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    pub max_attempts: u32,
    pub base_delay: Duration,
    pub max_delay: Duration,
    /// No new attempt starts after this much time since the first.
    pub total: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 5,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(8),
            total: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// The pause before retry number `attempt` (1 for the first retry): a random duration in
    /// [d/2, d] with d = min(base 2^(attempt-1), max).
    pub fn delay(&self, attempt: u32) -> Duration {
        let exp = self
            .base_delay
            .saturating_mul(1u32 << (attempt.saturating_sub(1)).min(16));
        let cap = exp.min(self.max_delay);
        let jitter = rand::rng().random_range(0.5..=1.0);
        cap.mul_f64(jitter)
    }
}

/// Whether a failed attempt is worth another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt<E> {
    /// Timeout, connection error, 429, 5xx: try again after a pause.
    Transient(E),
    /// Anything else: give up at once.
    Permanent(E),
}

/// Runs `op` until it succeeds, fails permanently, or the policy runs out; returns the last
/// error and the number of attempts made.
pub async fn retry<T, E, F, Fut>(
    policy: &RetryPolicy,
    mut op: F,
) -> std::result::Result<T, (E, u32)>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = std::result::Result<T, Attempt<E>>>,
{
    let started = tokio::time::Instant::now();
    let mut attempt = 0;
    loop {
        attempt += 1;
        match op().await {
            Ok(v) => return Ok(v),
            Err(Attempt::Permanent(e)) => return Err((e, attempt)),
            Err(Attempt::Transient(e)) => {
                let pause = policy.delay(attempt);
                if attempt >= policy.max_attempts || started.elapsed() + pause > policy.total {
                    return Err((e, attempt));
                }
                tokio::time::sleep(pause).await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(body: &str, announced: bool) -> reqwest::Response {
        let mut builder = http::Response::builder().status(200);
        if announced {
            builder = builder.header("content-length", body.len());
        }
        reqwest::Response::from(builder.body(body.to_string()).unwrap())
    }

    #[test]
    fn answers_larger_than_the_cap_are_refused() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let body = "x".repeat(1000);
        for announced in [true, false] {
            let read = rt.block_on(read_capped(answer(&body, announced), 999));
            assert!(matches!(read, Err(BodyError::TooLarge(999))), "{read:?}");
            let read = rt.block_on(read_capped(answer(&body, announced), 1000));
            assert_eq!(read.unwrap().len(), 1000);
        }
    }
    use std::cell::Cell;

    fn fast() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(4),
            total: Duration::from_secs(5),
        }
    }

    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap()
            .block_on(f)
    }

    #[test]
    fn delays_grow_and_are_capped_with_jitter() {
        let p = RetryPolicy {
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(1000),
            ..fast()
        };
        for _ in 0..50 {
            let d1 = p.delay(1);
            assert!(d1 >= Duration::from_millis(50) && d1 <= Duration::from_millis(100));
            let d3 = p.delay(3);
            assert!(d3 >= Duration::from_millis(200) && d3 <= Duration::from_millis(400));
            let d9 = p.delay(9);
            assert!(d9 >= Duration::from_millis(500) && d9 <= Duration::from_millis(1000));
        }
    }

    #[test]
    fn transient_then_success() {
        let calls = Cell::new(0);
        let r = block_on(retry(&fast(), || {
            calls.set(calls.get() + 1);
            let n = calls.get();
            async move {
                if n < 3 {
                    Err(Attempt::Transient("429"))
                } else {
                    Ok(n)
                }
            }
        }));
        assert_eq!(r, Ok(3));
    }

    #[test]
    fn gives_up_after_max_attempts_or_at_once_when_permanent() {
        let calls = Cell::new(0);
        let r: std::result::Result<(), _> = block_on(retry(&fast(), || {
            calls.set(calls.get() + 1);
            async { Err(Attempt::Transient("500")) }
        }));
        assert_eq!(r, Err(("500", 4)));
        assert_eq!(calls.get(), 4);
        let r: std::result::Result<(), _> =
            block_on(retry(&fast(), || async { Err(Attempt::Permanent("404")) }));
        assert_eq!(r, Err(("404", 1)));
    }

    #[test]
    fn total_time_bounds_the_retries() {
        let p = RetryPolicy {
            max_attempts: 100,
            base_delay: Duration::from_millis(20),
            max_delay: Duration::from_millis(20),
            total: Duration::from_millis(50),
        };
        let calls = Cell::new(0);
        let r: std::result::Result<(), _> = block_on(retry(&p, || {
            calls.set(calls.get() + 1);
            async { Err(Attempt::Transient("timeout")) }
        }));
        assert!(r.is_err());
        assert!(calls.get() <= 6, "{} attempts", calls.get());
    }

    #[test]
    fn env_address_must_be_an_address() {
        assert!("127.0.0.1:8443".parse::<SocketAddr>().is_ok());
        std::env::set_var("EVENTSTUDY_TEST_ADDR_X", "localhost");
        assert!(env_addr("EVENTSTUDY_TEST_ADDR_X").is_err());
        std::env::remove_var("EVENTSTUDY_TEST_ADDR_X");
        assert_eq!(env_addr("EVENTSTUDY_TEST_ADDR_X").unwrap(), None);
    }
}
