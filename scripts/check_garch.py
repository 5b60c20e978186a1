"""Python's `arch` package on each event's estimation window, for tests/garch.rs; independent
of the crate, which it is not a dependency of.

usage: check_garch.py PRICES_DIR BENCHMARK SUMMARY.json

For every event of SUMMARY.json (the JSON of `eventstudy batch --model garch`): the firm's and
the benchmark's simple returns from adj_close on the benchmark's calendar, the days from the
event's estimation_start to estimation_end where both have a return; OLS of the firm on the
benchmark (numpy) for the backcast, the mean squared residual; then arch's least-squares mean
with GARCH(1,1) normal errors, fitted in percent (returns x 100, backcast x 10^4, as arch
advises for its optimiser) and put back in decimals: omega / 10^4, the constant / 100, the
log-likelihood + n ln 100. Prints a JSON list, one object per event: ticker, event_date, n,
alpha, beta, omega, arch, garch, loglik, interior (arch's a and b both above 1e-3 and a + b
below 0.999: an optimum inside the parameter space), convergence (arch's flag).
"""
import csv
import json
import math
import sys

import numpy as np
from arch import arch_model

prices_dir, benchmark, summary_path = sys.argv[1:4]


def adj_close(symbol):
    with open(f"{prices_dir}/{symbol}.csv") as f:
        return {row["date"]: float(row["adj_close"]) for row in csv.DictReader(f)}


market = adj_close(benchmark)
dates = sorted(market)
summary = json.load(open(summary_path))
out = []
for event in summary["events"]:
    firm = adj_close(event["ticker"])
    start = dates.index(event["estimation_start"])
    end = dates.index(event["estimation_end"])
    y, x = [], []
    for i in range(max(start, 1), end + 1):
        now, before = firm.get(dates[i]), firm.get(dates[i - 1])
        if now is None or before is None:
            continue
        y.append(now / before - 1.0)
        x.append(market[dates[i]] / market[dates[i - 1]] - 1.0)
    y, x = np.array(y), np.array(x)
    design = np.column_stack([np.ones_like(x), x])
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    backcast = float(np.mean((y - design @ coef) ** 2))
    model = arch_model(100 * y, x=100 * x.reshape(-1, 1), mean="LS", vol="GARCH", p=1, q=1,
                       dist="normal", rescale=False)
    fit = model.fit(disp="off", backcast=backcast * 1e4, options={"maxiter": 1000})
    p = fit.params
    a, b = float(p["alpha[1]"]), float(p["beta[1]"])
    out.append({
        "ticker": event["ticker"],
        "event_date": event["event_date"],
        "n": len(y),
        "alpha": float(p["Const"]) / 100,
        "beta": float(p["x0"]),
        "omega": float(p["omega"]) / 1e4,
        "arch": a,
        "garch": b,
        "loglik": float(fit.loglikelihood) + len(y) * math.log(100),
        "interior": a > 1e-3 and b > 1e-3 and a + b < 0.999,
        "convergence": int(fit.convergence_flag),
    })
print(json.dumps(out))
