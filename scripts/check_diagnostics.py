"""statsmodels' residual diagnostics of the series in a file (one number per line), as JSON:
Jarque-Bera, Durbin-Watson, Ljung-Box with 10 lags and Engle's ARCH-LM with 5, for
tests/diagnostics.rs. Not a dependency of the crate.

usage: check_diagnostics.py FILE
"""
import json
import sys

import numpy as np
from statsmodels.stats.diagnostic import acorr_ljungbox, het_arch
from statsmodels.stats.stattools import durbin_watson, jarque_bera

e = np.array([float(line) for line in open(sys.argv[1]) if line.strip()])
jb, jb_p, _, _ = jarque_bera(e)
lb = acorr_ljungbox(e, lags=[10], return_df=True)
lm, lm_p, _, _ = het_arch(e, nlags=5)
print(json.dumps({
    "jarque_bera": [float(jb), float(jb_p)],
    "durbin_watson": float(durbin_watson(e)),
    "ljung_box": [float(lb["lb_stat"].iloc[0]), float(lb["lb_pvalue"].iloc[0])],
    "arch_lm": [float(lm), float(lm_p)],
}))
