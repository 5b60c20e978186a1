"""The group comparison of a batch's JSON recomputed with scipy, for tests/groups.rs;
independent of the crate, which it is not a dependency of.

usage: check_groups.py SUMMARY.json

Reads each event's `group` and its CARs (`car[].window`, `car[].car`) from SUMMARY.json (the
JSON of `eventstudy batch --group-by COLUMN`), and for each CAR window: each group's mean CAR
and one-sample t (`scipy.stats.ttest_1samp`); with two groups, the first (by name) against
the second, with more, each group against the rest: the difference of means, Welch's t
(`ttest_ind(equal_var=False)`, its statistic, df and p) and the rank-sum test
(`mannwhitneyu(method="asymptotic", use_continuity=False)`, its p; z from U with the tie
correction). Prints JSON: {"groups": [...], "differences": [...]}; a statistic that does not
exist (the t of a group of one) is null.
"""
import json
import math
import sys
import warnings

import numpy as np
from scipy import stats

warnings.simplefilter("ignore")  # a group of one has no t: NaN, printed as null


def finite(x):
    return x if isinstance(x, (int, str)) or math.isfinite(x) else None


summary = json.load(open(sys.argv[1]))
events = [e for e in summary["events"] if e.get("group") is not None]
names = sorted({e["group"] for e in events})
windows = [c["window"] for c in summary["events"][0]["car"]]


def cars(group_filter, window):
    out = []
    for e in events:
        if group_filter(e["group"]):
            car = next(c["car"] for c in e["car"] if c["window"] == window)
            if car is not None:
                out.append(car)
    return np.array(out)


def rank_sum_z(a, b):
    u = stats.mannwhitneyu(a, b, method="asymptotic", use_continuity=False,
                           alternative="two-sided")
    n1, n2 = len(a), len(b)
    n = n1 + n2
    _, counts = np.unique(np.concatenate([a, b]), return_counts=True)
    ties = float(np.sum(counts ** 3 - counts))
    sigma = math.sqrt(n1 * n2 / 12.0 * ((n + 1) - ties / (n * (n - 1))))
    return (float(u.statistic) - n1 * n2 / 2.0) / sigma, float(u.pvalue)


groups, differences = [], []
for w in windows:
    for g in names:
        x = cars(lambda name: name == g, w)
        t = stats.ttest_1samp(x, 0.0)
        groups.append({"group": g, "window": w, "n": len(x), "caar": float(np.mean(x)),
                       "t": float(t.statistic), "p": float(t.pvalue)})
    pairs = [(names[0], names[1])] if len(names) == 2 else [(g, "rest") for g in names]
    if len(names) < 2:
        pairs = []
    for a_name, b_name in pairs:
        a = cars(lambda name: name == a_name, w)
        b = cars(lambda name: name != a_name if b_name == "rest" else name == b_name, w)
        welch = stats.ttest_ind(a, b, equal_var=False)
        z, z_p = rank_sum_z(a, b)
        differences.append({
            "window": w, "a": a_name, "b": b_name, "n_a": len(a), "n_b": len(b),
            "diff": float(np.mean(a) - np.mean(b)),
            "welch_t": float(welch.statistic), "welch_df": float(welch.df),
            "welch_p": float(welch.pvalue), "rank_sum_z": z, "rank_sum_p": z_p,
        })
clean = lambda rows: [{k: finite(v) for k, v in r.items()} for r in rows]
print(json.dumps({"groups": clean(groups), "differences": clean(differences)}))
