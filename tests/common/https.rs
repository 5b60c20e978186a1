//! A local HTTPS server for the fetcher tests: a test CA and a certificate for Yahoo's and
//! SEC's host names, generated at test time, and a handler that plays the remote API.
#![allow(dead_code)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_rustls::rustls;

/// One request as the handler sees it.
#[derive(Debug, Clone)]
pub struct Request {
    pub path: String,
    pub query: HashMap<String, String>,
    pub headers: HashMap<String, String>,
}

/// What the server does with a request.
#[derive(Debug, Clone)]
pub enum Reply {
    /// A status and a JSON body.
    Json(u16, String),
    /// Answer nothing for this long (longer than the client's timeout: a stall).
    Stall(Duration),
    /// Close the connection without an answer.
    Hangup,
}

pub type Handler = Arc<dyn Fn(&Request) -> Reply + Send + Sync>;

pub struct TestServer {
    pub addr: SocketAddr,
    /// The test CA, PEM, to trust (EVENTSTUDY_CA_CERT).
    pub ca_path: PathBuf,
    /// Every request's path and query, in order.
    pub log: Arc<Mutex<Vec<Request>>>,
    _dir: tempfile::TempDir,
    _thread: std::thread::JoinHandle<()>,
}

impl TestServer {
    pub fn requests_to(&self, path_prefix: &str) -> usize {
        self.log
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.path.starts_with(path_prefix))
            .count()
    }
}

fn certificates() -> (String, Vec<u8>, Vec<u8>) {
    use rcgen::{
        BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose,
    };
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    ca.distinguished_name
        .push(DnType::CommonName, "eventstudy test CA");
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca, ca_key);

    let names = [
        "query1.finance.yahoo.com",
        "query2.finance.yahoo.com",
        "data.sec.gov",
        "www.sec.gov",
        "localhost",
    ];
    let leaf_key = KeyPair::generate().unwrap();
    let mut leaf =
        CertificateParams::new(names.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap();
    leaf.distinguished_name
        .push(DnType::CommonName, "eventstudy test server");
    let leaf_cert = leaf.signed_by(&leaf_key, &issuer).unwrap();
    (
        ca_cert.pem(),
        leaf_cert.der().to_vec(),
        leaf_key.serialize_der(),
    )
}

fn parse_request(head: &str) -> Option<Request> {
    let mut lines = head.split("\r\n");
    let target = lines.next()?.split(' ').nth(1)?.to_string();
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let decode = |s: &str| {
        let bytes = s.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'%' && i + 2 < bytes.len() {
                if let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                    out.push(b);
                    i += 3;
                    continue;
                }
            }
            out.push(bytes[i]);
            i += 1;
        }
        String::from_utf8_lossy(&out).into_owned()
    };
    let query = query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (decode(k), decode(v)))
        .collect();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Some(Request {
        path: decode(path),
        query,
        headers,
    })
}

fn reason(code: u16) -> &'static str {
    match code {
        200 => "OK",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

async fn serve_one<S>(mut stream: S, handler: Handler, log: Arc<Mutex<Vec<Request>>>)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
        if buf.len() > 65_536 {
            return;
        }
    }
    let Some(request) = parse_request(&String::from_utf8_lossy(&buf)) else {
        return;
    };
    log.lock().unwrap().push(request.clone());
    match handler(&request) {
        Reply::Json(code, body) => {
            let head = format!(
                "HTTP/1.1 {code} {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                reason(code),
                body.len()
            );
            let _ = stream.write_all(head.as_bytes()).await;
            let _ = stream.write_all(body.as_bytes()).await;
            let _ = stream.shutdown().await;
        }
        Reply::Stall(d) => tokio::time::sleep(d).await,
        Reply::Hangup => {}
    }
}

/// Starts the server on 127.0.0.1 (a free port) in its own thread; it lives as long as the
/// test process. The CA certificate is written to a temp file.
pub fn start(handler: Handler) -> TestServer {
    let (ca_pem, leaf_der, key_der) = certificates();
    let dir = tempfile::tempdir().unwrap();
    let ca_path = dir.path().join("ca.pem");
    std::fs::write(&ca_path, ca_pem).unwrap();

    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![rustls::pki_types::CertificateDer::from(leaf_der)],
            rustls::pki_types::PrivateKeyDer::Pkcs8(key_der.into()),
        )
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let addr = listener.local_addr().unwrap();
    let log = Arc::new(Mutex::new(Vec::new()));
    let thread_log = log.clone();
    let thread = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    continue;
                };
                let (acceptor, handler, log) =
                    (acceptor.clone(), handler.clone(), thread_log.clone());
                tokio::spawn(async move {
                    if let Ok(tls) = acceptor.accept(tcp).await {
                        serve_one(tls, handler, log).await;
                    }
                });
            }
        });
    });
    TestServer {
        addr,
        ca_path,
        log,
        _dir: dir,
        _thread: thread,
    }
}

/// A synthetic symbol as Yahoo's chart API would serve it.
#[derive(Debug, Clone)]
pub struct ChartSeries {
    pub symbol: String,
    pub dates: Vec<chrono::NaiveDate>,
    /// Split-adjusted close; NaN for a null hole.
    pub close: Vec<f64>,
    pub adj_close: Vec<f64>,
    /// (date, numerator, denominator)
    pub splits: Vec<(chrono::NaiveDate, f64, f64)>,
    /// (date, amount)
    pub dividends: Vec<(chrono::NaiveDate, f64)>,
    /// Seconds east of UTC (New York in winter: -18000).
    pub gmtoffset: i64,
    /// Local time of the bar's timestamp, in seconds after midnight (09:30 = 34200).
    pub bar_time: i64,
    /// The exchange's IANA time zone, `meta.exchangeTimezoneName`.
    pub zone: &'static str,
    /// Yahoo changed its format: the metadata lacks `fullExchangeName` and `priceHint` (which
    /// `yahoo_finance_api` requires) and carries fields nobody knows.
    pub drifted: bool,
    /// The answer has no `indicators.adjclose` at all.
    pub without_adjclose: bool,
}

impl ChartSeries {
    pub fn new(
        symbol: &str,
        dates: Vec<chrono::NaiveDate>,
        close: Vec<f64>,
        adj_close: Vec<f64>,
    ) -> Self {
        ChartSeries {
            symbol: symbol.into(),
            dates,
            close,
            adj_close,
            splits: vec![],
            dividends: vec![],
            gmtoffset: -18000,
            bar_time: 34_200,
            zone: "America/New_York",
            drifted: false,
            without_adjclose: false,
        }
    }

    fn timestamp(&self, d: chrono::NaiveDate) -> i64 {
        d.and_hms_opt(0, 0, 0).unwrap().and_utc().timestamp() + self.bar_time - self.gmtoffset
    }

    /// The chart JSON for the bars whose timestamps fall in [period1, period2).
    pub fn chart_json(&self, period1: i64, period2: i64) -> String {
        let idx: Vec<usize> = (0..self.dates.len())
            .filter(|&i| (period1..period2).contains(&self.timestamp(self.dates[i])))
            .collect();
        let num = |v: f64| {
            if v.is_nan() {
                serde_json::Value::Null
            } else {
                serde_json::json!(v)
            }
        };
        let ts: Vec<i64> = idx.iter().map(|&i| self.timestamp(self.dates[i])).collect();
        let col = |v: &Vec<f64>| idx.iter().map(|&i| num(v[i])).collect::<Vec<_>>();
        let volume: Vec<serde_json::Value> = idx
            .iter()
            .map(|&i| {
                if self.close[i].is_nan() {
                    serde_json::Value::Null
                } else {
                    serde_json::json!(1000)
                }
            })
            .collect();
        let mut splits = serde_json::Map::new();
        for (d, n, den) in &self.splits {
            let t = self.timestamp(*d);
            if (period1..period2).contains(&t) {
                splits.insert(t.to_string(), serde_json::json!({"date": t, "numerator": n, "denominator": den, "splitRatio": format!("{n}:{den}")}));
            }
        }
        let mut dividends = serde_json::Map::new();
        for (d, a) in &self.dividends {
            let t = self.timestamp(*d);
            if (period1..period2).contains(&t) {
                dividends.insert(t.to_string(), serde_json::json!({"amount": a, "date": t}));
            }
        }
        let period =
            serde_json::json!({"timezone":"EST","start":0,"end":0,"gmtoffset":self.gmtoffset});
        let meta = serde_json::json!({"currency":"USD","symbol":self.symbol,"exchangeName":"NMS","fullExchangeName":"NasdaqGS",
            "instrumentType":"EQUITY","gmtoffset":self.gmtoffset,"timezone":"EST","exchangeTimezoneName":self.zone,
            "hasPrePostMarketData":false,"priceHint":2,
            "currentTradingPeriod":{"pre":period,"regular":period,"post":period},
            "dataGranularity":"1d","range":"","validRanges":["1d","5d"]});
        let mut meta = meta;
        if self.drifted {
            let m = meta.as_object_mut().unwrap();
            m.remove("fullExchangeName");
            m.remove("priceHint");
            m.insert("exchangeCode".into(), serde_json::json!({"mic": "XNAS"}));
            m.insert("tradeable".into(), serde_json::json!(true));
        }
        let mut result = serde_json::json!({"meta": meta});
        if ts.is_empty() {
            result["indicators"] = serde_json::json!({"quote":[{}],"adjclose":[{}]});
        } else {
            result["timestamp"] = serde_json::json!(ts);
            result["events"] = serde_json::json!({"splits": splits, "dividends": dividends});
            let close = col(&self.close);
            result["indicators"] = serde_json::json!({
                "quote":[{"open":close,"high":close,"low":close,"close":close,"volume":volume}],
                "adjclose":[{"adjclose": col(&self.adj_close)}]});
            if self.without_adjclose {
                result["indicators"]
                    .as_object_mut()
                    .unwrap()
                    .remove("adjclose");
            }
        }
        serde_json::json!({"chart":{"result":[result],"error":null}}).to_string()
    }
}

/// Yahoo's answer for an unknown symbol.
pub fn not_found_json() -> String {
    r#"{"chart":{"result":null,"error":{"code":"Not Found","description":"No data found, symbol may be delisted"}}}"#.to_string()
}

/// The symbol of a chart request path (`/v8/finance/chart/^GSPC`).
pub fn chart_symbol(request: &Request) -> Option<String> {
    request
        .path
        .strip_prefix("/v8/finance/chart/")
        .map(str::to_string)
}

pub fn periods(request: &Request) -> (i64, i64) {
    let get = |k: &str| {
        request
            .query
            .get(k)
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (get("period1"), get("period2"))
}
