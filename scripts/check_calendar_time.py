"""A calendar-time portfolio built from the price files and fitted by statsmodels' OLS, for
tests/calendar_time.rs; independent of the crate, which it is not a dependency of.

usage: check_calendar_time.py PRICES_DIR EVENTS.csv SUMMARY.json WINDOW WEIGHTS [FACTORS.CSV]

On each trading day of ^GSPC's calendar, the firms whose event's day 0 + a <= day <= day 0 + b
(a firm once a day: its first event in the file's order); their simple returns from
adj_close averaged equally or by the events' market value at day -1 (from SUMMARY.json);
regressed on the market's return, or (with a Kenneth French file) the portfolio's return
less RF on Mkt-RF, SMB and HML. Prints JSON: n_days, mean_firms, alpha, alpha_se, alpha_t,
alpha_p, r2, params.
"""
import csv
import json
import math
import sys

import numpy as np
import statsmodels.api as sm

prices_dir, events_path, summary_path, window, weights = sys.argv[1:6]
factors_path = sys.argv[6] if len(sys.argv) > 6 else None
a, b = (int(v) for v in window.split(":"))


def adj_close(symbol):
    with open(f"{prices_dir}/{symbol}.csv") as f:
        return {row["date"]: float(row["adj_close"]) for row in csv.DictReader(f)}


market = adj_close("^GSPC")
dates = sorted(market)
summary = json.load(open(summary_path))
mv = {(e["ticker"], e["event_date"]): e["market_value_before"] for e in summary["events"]}
events = list(csv.DictReader(open(events_path)))

holdings = {}  # day index -> {ticker: (return, weight)}
for e in events:
    prices = adj_close(e["ticker"])
    day0 = dates.index(e["date"])
    weight = 1.0 if weights == "equal" else mv[(e["ticker"], e["date"])]
    for i in range(max(day0 + a, 1), min(day0 + b, len(dates) - 1) + 1):
        now, before = prices.get(dates[i]), prices.get(dates[i - 1])
        if now is None or before is None:
            continue
        day = holdings.setdefault(i, {})
        if e["ticker"] not in day:
            day[e["ticker"]] = (now / before - 1.0, weight)

factors = {}
if factors_path:
    lines = open(factors_path).read().splitlines()
    start = next(k for k, line in enumerate(lines) if line.startswith(",Mkt-RF"))
    for line in lines[start + 1:]:
        cells = line.split(",")
        if len(cells) < 5 or not cells[0].strip().isdigit():
            break
        d = cells[0].strip()
        factors[f"{d[:4]}-{d[4:6]}-{d[6:]}"] = [float(c) / 100.0 for c in cells[1:5]]

y, x, firms = [], [], []
for i in sorted(holdings):
    day = [(r, w) for r, w in holdings[i].values() if w is not None and w > 0 and math.isfinite(r)]
    if not day:
        continue
    total = sum(w for _, w in day)
    rp = sum(r * w for r, w in day) / total
    if factors_path:
        mkt, smb, hml, rf = factors[dates[i]]
        y.append(rp - rf)
        x.append([mkt, smb, hml])
    else:
        y.append(rp)
        x.append([market[dates[i]] / market[dates[i - 1]] - 1.0])
    firms.append(len(day))

fit = sm.OLS(np.array(y), sm.add_constant(np.array(x))).fit()
print(json.dumps({
    "n_days": len(y),
    "mean_firms": sum(firms) / len(firms),
    "alpha": float(fit.params[0]),
    "alpha_se": float(fit.bse[0]),
    "alpha_t": float(fit.tvalues[0]),
    "alpha_p": float(fit.pvalues[0]),
    "r2": float(fit.rsquared),
    "params": [float(v) for v in fit.params],
}))
