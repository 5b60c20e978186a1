//! A fake market: Yahoo's chart API and SEC EDGAR's share counts, served by `https::start`.
#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use super::https::{chart_symbol, not_found_json, periods, ChartSeries, Reply, Request};

/// What the fake Yahoo does for a symbol, besides serving its series.
#[derive(Clone, Debug)]
pub enum Fault {
    None,
    /// Answer 429 this many times, then serve.
    TooManyThen(usize),
    ServerErrorForever,
    Stall,
    Truncated,
    EmptyResult,
}

#[derive(Default)]
pub struct Yahoo {
    pub series: Mutex<HashMap<String, ChartSeries>>,
    pub faults: Mutex<HashMap<String, Fault>>,
    pub served: AtomicUsize,
}

impl Yahoo {
    pub fn handle(&self, r: &Request) -> Reply {
        let Some(symbol) = chart_symbol(r) else {
            return Reply::Json(404, "{}".into());
        };
        let fault = self
            .faults
            .lock()
            .unwrap()
            .get(&symbol)
            .cloned()
            .unwrap_or(Fault::None);
        let series = self.series.lock().unwrap().get(&symbol).cloned();
        let (p1, p2) = periods(r);
        match (fault, series) {
            (_, None) => Reply::Json(404, not_found_json()),
            (Fault::TooManyThen(n), Some(s)) => {
                let mut faults = self.faults.lock().unwrap();
                if n > 0 {
                    faults.insert(symbol, Fault::TooManyThen(n - 1));
                    return Reply::Json(429, "Too Many Requests".into());
                }
                faults.insert(symbol, Fault::None);
                Reply::Json(200, s.chart_json(p1, p2))
            }
            (Fault::ServerErrorForever, _) => Reply::Json(500, "{\"error\":\"oops\"}".into()),
            (Fault::Stall, _) => Reply::Stall(Duration::from_secs(5)),
            (Fault::Truncated, Some(s)) => {
                let body = s.chart_json(p1, p2);
                Reply::Json(200, body[..body.len() / 2].to_string())
            }
            (Fault::EmptyResult, _) => {
                Reply::Json(200, r#"{"chart":{"result":[],"error":null}}"#.into())
            }
            (Fault::None, Some(s)) => {
                self.served.fetch_add(1, Ordering::SeqCst);
                Reply::Json(200, s.chart_json(p1, p2))
            }
        }
    }
}

/// One reported count: (end, val, accn, form, filed).
pub type SecFact = (String, f64, String, String, String);

/// SEC EDGAR: the ticker file and `dei:EntityCommonStockSharesOutstanding` per CIK.
#[derive(Default)]
pub struct Sec {
    /// ticker -> (cik, [(end, val, accn, form, filed)])
    pub companies: Mutex<HashMap<String, (u64, Vec<SecFact>)>>,
    /// The User-Agent of every request.
    pub agents: Mutex<Vec<String>>,
    /// Answer 500 to everything.
    pub broken: std::sync::atomic::AtomicBool,
    /// Answer 403 to agents without an e-mail address, as SEC's fair-access policy does.
    pub strict: std::sync::atomic::AtomicBool,
}

impl Sec {
    pub fn handle(&self, r: &Request) -> Option<Reply> {
        let is_sec = r.path == "/files/company_tickers.json" || r.path.starts_with("/api/xbrl/");
        let agent = r.headers.get("user-agent").cloned().unwrap_or_default();
        if is_sec && self.strict.load(Ordering::SeqCst) && !agent.contains('@') {
            self.agents.lock().unwrap().push(agent);
            return Some(Reply::Json(403, "<html>Your request has been identified as part of a network of automated tools outside of the acceptable policy</html>".into()));
        }
        if is_sec && self.broken.load(Ordering::SeqCst) {
            self.agents
                .lock()
                .unwrap()
                .push(r.headers.get("user-agent").cloned().unwrap_or_default());
            return Some(Reply::Json(500, "{}".into()));
        }
        if r.path == "/files/company_tickers.json" {
            self.agents
                .lock()
                .unwrap()
                .push(r.headers.get("user-agent").cloned().unwrap_or_default());
            let companies = self.companies.lock().unwrap();
            let map: serde_json::Map<String, serde_json::Value> = companies
                .iter()
                .enumerate()
                .map(|(i, (t, (cik, _)))| (i.to_string(), serde_json::json!({"cik_str": cik, "ticker": t, "title": format!("{t} Inc")})))
                .collect();
            return Some(Reply::Json(200, serde_json::Value::Object(map).to_string()));
        }
        let rest = r.path.strip_prefix("/api/xbrl/companyconcept/CIK")?;
        self.agents
            .lock()
            .unwrap()
            .push(r.headers.get("user-agent").cloned().unwrap_or_default());
        let cik: u64 = rest.split('/').next()?.parse().ok()?;
        let companies = self.companies.lock().unwrap();
        let Some((_, facts)) = companies.values().find(|(c, _)| *c == cik) else {
            return Some(Reply::Json(404, "{}".into()));
        };
        let shares: Vec<serde_json::Value> = facts
            .iter()
            .map(|(end, val, accn, form, filed)| serde_json::json!({"end": end, "val": val, "accn": accn, "fy": 2024, "fp": "Q3", "form": form, "filed": filed}))
            .collect();
        Some(Reply::Json(200, serde_json::json!({"cik": cik, "taxonomy": "dei", "tag": "EntityCommonStockSharesOutstanding", "units": {"shares": shares}}).to_string()))
    }
}

/// Both services behind one server.
#[derive(Default)]
pub struct Market {
    pub yahoo: Yahoo,
    pub sec: Sec,
}

impl Market {
    pub fn handle(&self, r: &Request) -> Reply {
        self.sec.handle(r).unwrap_or_else(|| self.yahoo.handle(r))
    }
}
