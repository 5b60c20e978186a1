"""statsmodels' multipletests against the p_adj of an eventstudy JSON summary, family by
family (an event's days, its CAR windows, each portfolio test over the days and over the
windows), for tests/adjust.rs. Prints JSON: the number of adjusted p-values compared and the
largest absolute difference. Not a dependency of the crate.

usage: check_adjust.py SUMMARY.json holm|bh|bonferroni
"""
import json
import sys

import numpy as np
from statsmodels.stats.multitest import multipletests

summary = json.load(open(sys.argv[1]))
method = {"holm": "holm", "bh": "fdr_bh", "bonferroni": "bonferroni"}[sys.argv[2]]
TESTS = ["csect_t", "patell_z", "bmp_t", "kp_bmp_t", "corrado_rank_z",
         "generalized_sign_z", "sign_z", "wilcoxon_z", "cda_t"]
compared, worst = 0, 0.0


def family(p, p_adj):
    """Adjusts the non-missing p-values of one family; a missing p must stay missing."""
    global compared, worst
    kept = [i for i, v in enumerate(p) if v is not None]
    for i, v in enumerate(p):
        if v is None and p_adj[i] is not None:
            raise SystemExit(f"p_adj without p at {i}")
    if not kept:
        return
    want = multipletests(np.array([p[i] for i in kept]), method=method)[1]
    for w, i in zip(want, kept):
        worst = max(worst, abs(float(w) - p_adj[i]))
        compared += 1


for event in summary["events"]:
    family([d["ar_p"] for d in event["days"]], [d["ar_p_adj"] for d in event["days"]])
    family([c["p"] for c in event["car"]], [c["p_adj"] for c in event["car"]])
aggregate = summary.get("aggregate") or {}
for rows in (aggregate.get("days", []), aggregate.get("car", [])):
    for test in TESTS:
        family([r[test]["p"] for r in rows], [r[test]["p_adj"] for r in rows])
print(json.dumps({"compared": compared, "max_abs_diff": worst}))
