//! Shares outstanding, point in time, for market value.

use std::path::Path;

use chrono::NaiveDate;
use polars::prelude::*;
use serde::Serialize;

use crate::data::prices::polars_err;
use crate::error::{Error, Result};
use crate::ticker::Ticker;

/// A share count and where it came from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ShareCount {
    /// Ordinary shares outstanding.
    pub shares: f64,
    /// The date the count is as of (None for a count given on the command line).
    pub as_of: Option<NaiveDate>,
    /// Ordinary shares per listed ADS (1 for a plain listing). The listed security's market
    /// value is price x shares / adr_ratio.
    pub adr_ratio: f64,
    /// A human description of the source.
    pub source: String,
}

impl ShareCount {
    /// Shares of the listed security (ADS-equivalent for an ADR).
    pub fn listed_shares(&self) -> f64 {
        self.shares / self.adr_ratio
    }
}

impl Row {
    /// Shares per listed security (ADS), as the lookup gives them.
    fn per_listed_share(&self) -> f64 {
        self.shares / self.adr_ratio
    }
}

#[derive(Debug, Clone)]
struct Row {
    ticker: String,
    shares: f64,
    as_of: NaiveDate,
    adr_ratio: f64,
    /// Weighted-average counts from secondary sources are a fallback only.
    fallback: bool,
}

/// Two rows of one kind (primary or fallback) that give one ticker different counts as of one
/// date: an input error naming both lines, since either choice would be a silent guess. The
/// same count twice is harmless.
fn refuse_conflicts(path: &Path, rows: &[Row]) -> Result<()> {
    let mut seen: std::collections::HashMap<(&str, NaiveDate, bool), usize> =
        std::collections::HashMap::new();
    for (i, row) in rows.iter().enumerate() {
        let key = (row.ticker.as_str(), row.as_of, row.fallback);
        match seen.get(&key) {
            Some(&j) if rows[j].per_listed_share() != row.per_listed_share() => {
                return Err(Error::input(
                    path,
                    format!(
                        "lines {} and {} give {} two share counts as of {} ({} and {}): keep one",
                        j + 2,
                        i + 2,
                        row.ticker,
                        row.as_of,
                        rows[j].shares,
                        row.shares
                    ),
                ))
            }
            Some(_) => {}
            None => {
                seen.insert(key, i);
            }
        }
    }
    Ok(())
}

/// A table of share counts (`ticker,shares_outstanding,as_of[,adr_ratio][,kind]`).
#[derive(Debug, Clone, Default)]
pub struct SharesTable {
    rows: Vec<Row>,
    origin: String,
}

impl SharesTable {
    pub fn read_csv(path: &Path) -> Result<Self> {
        if !path.is_file() {
            return Err(Error::input(path, "shares file does not exist"));
        }
        let df = CsvReadOptions::default()
            .with_has_header(true)
            .with_infer_schema_length(Some(0))
            .try_into_reader_with_file_path(Some(path.to_path_buf()))
            .and_then(|r| r.finish())
            .map_err(|e| Error::input(path, format!("not a readable CSV ({e})")))?;
        let text = |name: &str| -> Result<Option<Vec<Option<String>>>> {
            let Ok(column) = df.column(name) else {
                return Ok(None);
            };
            let column = column
                .cast(&DataType::String)
                .map_err(|e| polars_err(name, e))?;
            let values = column.str().map_err(|e| polars_err(name, e))?;
            Ok(Some(
                values
                    .iter()
                    .map(|v| v.map(|s| s.trim().to_string()))
                    .collect(),
            ))
        };
        let required = |name: &str| {
            text(name)?.ok_or_else(|| {
                Error::input(
                    path,
                    format!("missing column {name} (needs ticker,shares_outstanding,as_of)"),
                )
            })
        };
        let tickers = required("ticker")?;
        let shares = required("shares_outstanding")?;
        let as_of = required("as_of")?;
        let adr = text("adr_ratio")?;
        let kind = text("kind")?;

        let mut rows = Vec::with_capacity(tickers.len());
        for i in 0..tickers.len() {
            let line = i + 2;
            let bad = |m: String| Error::input(path, format!("line {line}: {m}"));
            let ticker = tickers[i].clone().unwrap_or_default().to_ascii_uppercase();
            let count_text = shares[i].clone().unwrap_or_default();
            let count: f64 = count_text
                .parse()
                .ok()
                .filter(|v: &f64| v.is_finite() && *v > 0.0)
                .ok_or_else(|| {
                    bad(format!(
                        "shares_outstanding '{}' is not a positive number",
                        crate::util::cut_for_message(&count_text, 40)
                    ))
                })?;
            let date_text = as_of[i].clone().unwrap_or_default();
            let date =
                crate::util::parse_day(&date_text).map_err(|why| bad(format!("as_of {why}")))?;
            let adr_text = adr.as_ref().and_then(|c| c[i].clone()).unwrap_or_default();
            let adr_ratio = if adr_text.is_empty() {
                1.0
            } else {
                adr_text
                    .parse()
                    .ok()
                    .filter(|v: &f64| v.is_finite() && *v > 0.0)
                    .ok_or_else(|| {
                        bad(format!(
                            "adr_ratio '{}' is not a positive number",
                            crate::util::cut_for_message(&adr_text, 40)
                        ))
                    })?
            };
            let fallback = kind
                .as_ref()
                .and_then(|c| c[i].as_deref())
                .is_some_and(|k| k.to_ascii_lowercase().contains("weighted"));
            rows.push(Row {
                ticker,
                shares: count,
                as_of: date,
                adr_ratio,
                fallback,
            });
        }
        refuse_conflicts(path, &rows)?;
        Ok(SharesTable {
            rows,
            origin: path.display().to_string(),
        })
    }

    /// The count for `ticker` as of `day_before` (day -1): the latest row on or before it,
    /// else the earliest after it. Primary rows (cover pages) win over fallback rows.
    pub fn lookup(&self, ticker: &Ticker, day_before: NaiveDate) -> Option<ShareCount> {
        let mine = |fallback: bool| {
            self.rows
                .iter()
                .filter(move |r| r.ticker == ticker.as_str() && r.fallback == fallback)
        };
        let pick = |fallback: bool| {
            mine(fallback)
                .filter(|r| r.as_of <= day_before)
                .max_by_key(|r| r.as_of)
                .or_else(|| {
                    mine(fallback)
                        .filter(|r| r.as_of > day_before)
                        .min_by_key(|r| r.as_of)
                })
        };
        pick(false).or_else(|| pick(true)).map(|r| ShareCount {
            shares: r.shares,
            as_of: Some(r.as_of),
            adr_ratio: r.adr_ratio,
            source: format!("{} (as of {})", self.origin, r.as_of),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn table(text: &str) -> SharesTable {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("s.csv");
        std::fs::write(&p, text).unwrap();
        SharesTable::read_csv(&p).unwrap()
    }

    #[test]
    fn point_in_time_lookup() {
        let t = table(
            "ticker,shares_outstanding,as_of,adr_ratio,kind\n\
             NVDA,24490000000,2024-11-15,,cover_page\n\
             NVDA,24400000000,2025-02-21,,cover_page\n\
             NVDA,25000000000,2025-01-10,,weighted_avg_basic_FMP\n\
             TSM,25932733242,2024-12-31,5,cover_page\n",
        );
        let nvda: Ticker = "NVDA".parse().unwrap();
        let c = t.lookup(&nvda, d("2025-01-24")).unwrap();
        assert_eq!((c.shares, c.as_of), (24.49e9, Some(d("2024-11-15"))));
        // Before every row: the earliest after.
        assert_eq!(
            t.lookup(&nvda, d("2024-01-02")).unwrap().as_of,
            Some(d("2024-11-15"))
        );
        assert_eq!(t.lookup(&nvda, d("2025-03-01")).unwrap().shares, 24.4e9);
        let tsm = t.lookup(&"TSM".parse().unwrap(), d("2025-01-24")).unwrap();
        assert!((tsm.listed_shares() - 25932733242.0 / 5.0).abs() < 1e-3);
        assert!(t.lookup(&"AMD".parse().unwrap(), d("2025-01-24")).is_none());
    }

    #[test]
    fn fallback_rows_only_when_nothing_else() {
        let t = table("ticker,shares_outstanding,as_of,kind\nARM,1000,2025-01-01,weighted_avg\n");
        assert_eq!(
            t.lookup(&"ARM".parse().unwrap(), d("2025-02-01"))
                .unwrap()
                .shares,
            1000.0
        );
    }

    #[test]
    fn bad_rows_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("s.csv");
        std::fs::write(
            &p,
            "ticker,shares_outstanding,as_of\nNVDA,lots,2025-01-01\n",
        )
        .unwrap();
        let e = SharesTable::read_csv(&p).unwrap_err().to_string();
        assert!(e.contains("line 2: shares_outstanding 'lots'"), "{e}");
    }

    /// Two counts for one ticker and date are an error naming both lines; the same count twice,
    /// or a primary and a fallback row, are not.
    #[test]
    fn conflicting_counts_for_one_date_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("s.csv");
        std::fs::write(
            &p,
            "ticker,shares_outstanding,as_of\nNVDA,24.49e9,2024-11-15\nAVGO,4.7e9,2024-11-29\nNVDA,24.5e9,2024-11-15\n",
        )
        .unwrap();
        let e = SharesTable::read_csv(&p).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(
            e.to_string()
                .contains("lines 2 and 4 give NVDA two share counts as of 2024-11-15"),
            "{e}"
        );
        table(
            "ticker,shares_outstanding,as_of\nNVDA,24.49e9,2024-11-15\nNVDA,24.49e9,2024-11-15\n",
        );
        table("ticker,shares_outstanding,as_of,kind\nNVDA,24.49e9,2024-11-15,cover\nNVDA,24.6e9,2024-11-15,weighted\n");
    }
}
