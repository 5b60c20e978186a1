"""An independent computation of an intraday event study (METHODS, "Intraday: bars instead of
days") with numpy, for tests/intraday.rs: reads the bar files, places the event bar, fits the
market model by least squares on the within-session returns of the 20 sessions before, and
prints the fit, each window bar's AR, t, CAR and dollars, and each CAR window, as JSON.

usage: intraday_numpy.py DIR FIRM BENCHMARK NEWS SHARES START:END [START:END ...]
(the first window is the event window, the rest the CAR windows, in bars)
"""
import datetime as dt
import json
import sys
from zoneinfo import ZoneInfo

import numpy as np

NY = ZoneInfo("America/New_York")
OPEN, CLOSE = dt.time(9, 30), dt.time(16, 0)


def read(path):
    rows = [line.split(",") for line in open(path).read().splitlines()[1:]]
    bars = []
    for r in rows:
        t = dt.datetime.fromisoformat(r[0].replace("Z", "+00:00")).astimezone(NY)
        if OPEN <= t.time() < CLOSE:
            bars.append((t, float(r[1])))
    bars.sort(key=lambda b: b[0])
    return bars


def main():
    folder, firm, bench, news, shares = sys.argv[1:6]
    windows = [tuple(int(x) for x in w.split(":")) for w in sys.argv[6:]]
    f, m = read(f"{folder}/{firm}.csv"), read(f"{folder}/{bench}.csv")
    assert [b[0] for b in f] == [b[0] for b in m], "the synthetic files share their bars"
    times = [b[0] for b in f]
    pf = np.array([b[1] for b in f])
    pm = np.array([b[1] for b in m])
    rf = np.full(len(pf), np.nan)
    rm = np.full(len(pm), np.nan)
    rf[1:] = pf[1:] / pf[:-1] - 1
    rm[1:] = pm[1:] / pm[:-1] - 1
    days = [t.date() for t in times]
    overnight = np.array([i > 0 and days[i] != days[i - 1] for i in range(len(days))])
    sessions = sorted(set(days))
    first_bar = {d: days.index(d) for d in sessions}

    local = dt.datetime.fromisoformat(news.replace("Z", "+00:00")).astimezone(NY)
    day, clock = local.date(), local.time()
    later = [d for d in sessions if d > day]
    if day in first_bar and clock < OPEN:
        event, rule = first_bar[day], "pre-market"
    elif day in first_bar and clock < CLOSE:
        minutes = clock.hour * 60 + clock.minute - (9 * 60 + 30)
        event, rule = first_bar[day] + minutes, "in session"
    elif day in first_bar:
        event, rule = first_bar[later[0]], "after close"
    else:
        event, rule = first_bar[later[0]], "next trading day"

    s = sessions.index(days[event])
    est = [i for i in range(1, event) if sessions[s - 20] <= days[i] < days[event]]
    within = [i for i in est if not overnight[i]]
    X = np.column_stack([np.ones(len(within)), rm[within]])
    y = rf[within]
    coef, *_ = np.linalg.lstsq(X, y, rcond=None)
    resid = y - X @ coef
    L, k = len(within), 2
    s2 = resid @ resid / (L - k)
    xtx_inv = np.linalg.inv(X.T @ X)
    on = [i for i in est if overnight[i]]
    on_resid = rf[on] - coef[0] - coef[1] * rm[on]
    s2_on = np.mean(on_resid ** 2)

    def ar(i):
        return rf[i] - coef[0] - coef[1] * rm[i]

    def own(i):
        return s2_on if overnight[i] else s2

    mv = float(shares) * pf[event - 1]
    lo, hi = windows[0]
    bars, car = [], 0.0
    for i in range(event + lo, event + hi + 1):
        z = np.array([1.0, rm[i]])
        var = own(i) + s2 * (z @ xtx_inv @ z)
        car += ar(i)
        bars.append([i - event, ar(i), ar(i) / np.sqrt(var), car, mv * ar(i)])
    cars = []
    for a, b in windows[1:]:
        idx = range(event + a, event + b + 1)
        z = np.array([len(idx), sum(rm[i] for i in idx)])
        total = sum(ar(i) for i in idx)
        var = sum(own(i) for i in idx) + s2 * (z @ xtx_inv @ z)
        cars.append([total, total / np.sqrt(var), mv * total])
    start = times[event]
    print(json.dumps({
        "event_bar": start.isoformat(),
        "day0_rule": rule,
        "alpha": coef[0], "beta": coef[1], "sigma": np.sqrt(s2), "n_estimation": L,
        "overnight_sigma": np.sqrt(s2_on),
        "bars": bars, "cars": cars,
    }))


main()
