#!/usr/bin/env python3
"""An independent computation of the Scholes-Williams and Dimson betas (METHODS.md, "Thin
trading") with numpy, for `tests/thin_trading.rs` to compare with eventstudy's to 1e-10.

    python3 scripts/check_thin_trading.py PRICES_DIR FIRM BENCHMARK DAY0 [LAGS...]

prints one JSON object: {"scholes_williams": {"alpha", "beta", "sigma", "n"},
"dimson_<L>": {...} for each L in LAGS}. Event time is the benchmark's calendar; returns are
simple, from the adjusted close; the estimation window is days -250 to -11; numpy is the only
dependency (not one of eventstudy's).
"""

import csv
import json
import sys

import numpy as np


def read_adj_close(path):
    prices = {}
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            value = row.get("adj_close") or ""
            prices[row["date"]] = float(value) if value else np.nan
    return prices


def main():
    prices_dir, firm, benchmark, day0 = sys.argv[1:5]
    lags_list = [int(x) for x in sys.argv[5:]] or [1]
    bench = read_adj_close(f"{prices_dir}/{benchmark}.csv")
    firm_prices = read_adj_close(f"{prices_dir}/{firm}.csv")
    dates = sorted(d for d, p in bench.items() if np.isfinite(p))
    pb = np.array([bench[d] for d in dates])
    pf = np.array([firm_prices.get(d, np.nan) for d in dates])
    rm = np.concatenate([[np.nan], pb[1:] / pb[:-1] - 1.0])
    ri = np.concatenate([[np.nan], pf[1:] / pf[:-1] - 1.0])
    t0 = dates.index(day0)
    lo, hi = t0 - 250, t0 - 11
    days = np.arange(lo, hi + 1)
    y = ri[days]

    def market(offset):
        idx = days + offset
        out = np.full(len(idx), np.nan)
        ok = (idx >= 0) & (idx < len(rm))
        out[ok] = rm[idx[ok]]
        return out

    def slope(y, x):
        ok = np.isfinite(y) & np.isfinite(x)
        X = np.column_stack([np.ones(ok.sum()), x[ok]])
        return np.linalg.lstsq(X, y[ok], rcond=None)[0][1]

    out = {}
    m = market(0)
    ok = np.isfinite(y) & np.isfinite(m)
    before = market(-1)
    both = np.isfinite(m) & np.isfinite(before)
    rho = np.corrcoef(m[both], before[both])[0, 1]
    beta = (slope(y, before) + slope(y, m) + slope(y, market(1))) / (1 + 2 * rho)
    alpha = y[ok].mean() - beta * m[ok].mean()
    ar = y[ok] - alpha - beta * m[ok]
    n = int(ok.sum())
    out["scholes_williams"] = {
        "alpha": alpha,
        "beta": beta,
        "sigma": float(np.sqrt(ar @ ar / (n - 2))),
        "n": n,
    }
    for lags in lags_list:
        cols = [market(k) for k in range(-lags, lags + 1)]
        ok = np.isfinite(y) & np.all([np.isfinite(c) for c in cols], axis=0)
        X = np.column_stack([np.ones(ok.sum())] + [c[ok] for c in cols])
        coef, *_ = np.linalg.lstsq(X, y[ok], rcond=None)
        resid = y[ok] - X @ coef
        n = int(ok.sum())
        out[f"dimson_{lags}"] = {
            "alpha": coef[0],
            "beta": float(coef[1:].sum()),
            "sigma": float(np.sqrt(resid @ resid / (n - 2 * lags - 2))),
            "n": n,
        }
    print(json.dumps(out, default=float))


if __name__ == "__main__":
    main()
