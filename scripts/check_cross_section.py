#!/usr/bin/env python3
"""An independent check of `eventstudy batch --cross-section`: OLS of one CAR window's CARs on
columns of the batch file, with statsmodels (HC0, HC1, HC3 or classical errors, p from Student t
with n - k dof) when it is installed, else with numpy's least squares and the sandwich written
out here.

    python3 scripts/check_cross_section.py EVENTS_CSV RUN_FOLDER WINDOW COLUMNS SE

EVENTS_CSV is the batch file, RUN_FOLDER the run folder (its tables/events.csv has each event's
`row` in the batch file and its `car_<WINDOW>`), COLUMNS comma-separated, SE hc0|hc1|hc3|ols.
Prints JSON: {"n", "r2", "adj_r2", "engine", "coefficients": [{"name", "estimate", "se", "t", "p"}]}.
Not a dependency of the crate: `tests/cross_section.rs` runs it when numpy is there.
"""
import csv
import json
import math
import os
import sys

import numpy as np


def main():
    events_csv, run, window, columns, se = sys.argv[1:6]
    columns = columns.split(",")
    with open(events_csv, newline="") as f:
        rows = list(csv.DictReader(f))
    header = {k.strip().lower(): k for k in rows[0].keys()}
    with open(os.path.join(run, "tables", "events.csv"), newline="") as f:
        ran = [r for r in csv.DictReader(f) if r["status"] == "ok"]
    y, x = [], []
    for r in ran:
        line = int(r["row"])
        source = rows[line - 2]
        car = r["car_" + window]
        cells = [source[header[c]].strip() for c in columns]
        if car == "" or any(c == "" for c in cells):
            continue
        y.append(float(car))
        x.append([1.0] + [float(c) for c in cells])
    y, x = np.array(y), np.array(x)
    n, k = x.shape
    try:
        import statsmodels.api as sm

        cov = {"hc0": "HC0", "hc1": "HC1", "hc3": "HC3", "ols": "nonrobust"}[se]
        fit = sm.OLS(y, x).fit(cov_type=cov, use_t=True)
        est, ses, ts, ps = fit.params, fit.bse, fit.tvalues, fit.pvalues
        r2, adj = fit.rsquared, fit.rsquared_adj
        engine = "statsmodels"
    except ImportError:
        est, *_ = np.linalg.lstsq(x, y, rcond=None)
        e = y - x @ est
        inv = np.linalg.inv(x.T @ x)
        if se == "ols":
            cov = inv * (e @ e) / (n - k)
        else:
            h = np.einsum("ij,jk,ik->i", x, inv, x)
            w = {"hc0": e**2, "hc1": e**2 * n / (n - k), "hc3": e**2 / (1 - h) ** 2}[se]
            cov = inv @ (x.T * w) @ x @ inv
        ses = np.sqrt(np.diag(cov))
        ts = est / ses
        ps = [float("nan")] * k  # without scipy: the crate's p-values are checked elsewhere
        r2 = 1 - (e @ e) / np.sum((y - y.mean()) ** 2)
        adj = 1 - (1 - r2) * (n - 1) / (n - k)
        engine = "numpy"
    names = ["const"] + columns
    print(json.dumps({
        "n": int(n),
        "r2": float(r2),
        "adj_r2": float(adj),
        "engine": engine,
        "coefficients": [
            {"name": names[j], "estimate": float(est[j]), "se": float(ses[j]),
             "t": float(ts[j]),
             # JSON has no NaN: a p-value numpy alone cannot give is null.
             "p": None if np.isnan(ps[j]) else float(ps[j])}
            for j in range(k)
        ],
    }))


if __name__ == "__main__":
    main()
