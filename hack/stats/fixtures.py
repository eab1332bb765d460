"""Reference values for operator/src/core/stats, computed once by scipy and statsmodels.

The TypeScript tests read the output, test/fixtures/stats/reference.json, and compare; nothing
runs this script in CI. The committed JSON was made with scipy 1.17.1, statsmodels 0.15.0 and
numpy 2.4.6 on Python 3.11.7, and re-running it with those reproduces the file byte for byte:

    python3 -m venv /tmp/statsvenv
    /tmp/statsvenv/bin/pip install scipy statsmodels numpy
    /tmp/statsvenv/bin/python hack/stats/fixtures.py > test/fixtures/stats/reference.json

Bootstrap results are not here: numpy's random streams cannot be reproduced in TypeScript, so the
bootstraps are tested by their properties instead.
"""

import json
import math
import sys

import numpy
import scipy
import statsmodels
from scipy.stats import binomtest, norm
from statsmodels.stats.contingency_tables import mcnemar
from statsmodels.stats.proportion import proportion_confint

# Probabilities across both branches of AS241 (|p - 0.5| <= 0.425, and the two tails).
QUANTILE_PROBABILITIES = [
    1e-300, 1e-100, 1e-20, 1e-10, 1e-5, 0.0005, 0.001, 0.01, 0.025, 0.05, 0.07, 0.075, 0.08,
    0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.925, 0.95, 0.975, 0.99, 0.995, 0.999,
    0.9995, 1 - 1e-10,
]

CONFIDENCES = [0.8, 0.9, 0.95, 0.99, 0.999]

# (successes, trials). 81/263, 15/148, 0/20 and 1/29 are the worked examples of Newcombe (1998),
# "Two-sided confidence intervals for the single proportion: comparison of seven methods",
# Statistics in Medicine 17:857-872, Table I, whose Wilson (method 3) limits are printed there.
WILSON_COUNTS = [
    (0, 1), (1, 1), (0, 10), (10, 10), (3, 10), (81, 263), (15, 148), (0, 20), (1, 29),
    (712, 1000), (745, 1000), (1, 100000), (99999, 100000), (7021, 14042),
    # The three-round gate test on the real node (test/e2e/real-node/gated-rounds.ts).
    (47, 60), (48, 60), (35, 60),
]

# (b, c): items A got right and B wrong, and the reverse. (150, 86) is the discordant pairs of
# Agresti's presidential approval example (An Introduction to Categorical Data Analysis, 2nd ed.,
# section 8.1: 794, 150, 86, 570 of 1600 people).
MCNEMAR_COUNTS = [
    (0, 1), (1, 0), (0, 5), (1, 1), (5, 5), (3, 12), (12, 3), (2, 9), (150, 86), (480, 520),
    (500, 500), (10, 40), (100, 300), (2000, 2100), (0, 1000), (33, 17), (1, 2), (40, 41),
    # The three-round gate test on the real node (test/e2e/real-node/gated-rounds.ts).
    (3, 4), (2, 15), (0, 12),
]

# Paired 2x2 tables (a: both right, b: A right B wrong, c: A wrong B right, d: both wrong) for
# Newcombe's method 10 interval of the difference of paired proportions. (59, 6, 16, 80) is the
# Cavo et al. (2012) example of Fagerland, Lydersen & Laake, Statistical Analysis of Contingency
# Tables (2017), chapter 8, whose Newcombe square-and-add interval is printed there as
# -0.1186 to -0.0046; the script checks it reproduces that before writing anything.
CAVO_2012 = (59, 6, 16, 80)
NEWCOMBE_PAIRED_TABLES = [
    CAVO_2012, (1, 1, 7, 12), (794, 150, 86, 570), (36, 12, 2, 0), (5, 5, 1, 1), (0, 0, 0, 10), (10, 0, 0, 0),
    (600, 40, 73, 287), (3, 0, 0, 3), (20, 5, 5, 20), (0, 3, 7, 0), (70, 10, 5, 15),
    # The three-round gate test on the real node (test/e2e/real-node/gated-rounds.ts): noise between
    # the candidate and production, the candidate's regression, and its drop from the round before.
    (44, 3, 4, 9), (33, 2, 15, 10), (35, 0, 12, 13), (47, 0, 0, 13),
]


def wilson(successes, trials, confidence):
    low, high = proportion_confint(successes, trials, alpha=1 - confidence, method="wilson")
    return float(low), float(high)


def newcombe_paired(a, b, c, d, confidence):
    """Newcombe (1998), Statistics in Medicine 17:2635-2650, method 10, written out from the paper
    with statsmodels' Wilson limits: an independent check of the TypeScript."""
    n = a + b + c + d
    p1, p2 = (a + b) / n, (a + c) / n
    l1, u1 = wilson(a + b, n, confidence)
    l2, u2 = wilson(a + c, n, confidence)
    margins = (a + b) * (c + d) * (a + c) * (b + d)
    # The paper's correlation estimate, with its continuity correction for a positive one.
    excess = a * d - b * c
    corrected = excess - n / 2 if excess > n / 2 else (0 if excess >= 0 else excess)
    phi = 0.0 if margins == 0 else corrected / math.sqrt(margins)
    delta = math.sqrt(max(0.0, (p1 - l1) ** 2 - 2 * phi * (p1 - l1) * (u2 - p2) + (u2 - p2) ** 2))
    epsilon = math.sqrt(max(0.0, (u1 - p1) ** 2 - 2 * phi * (u1 - p1) * (p2 - l2) + (p2 - l2) ** 2))
    return p1 - p2 - delta, p1 - p2 + epsilon


def mcnemar_p(b, c):
    p = binomtest(b, b + c, 0.5).pvalue
    other = mcnemar([[0, b], [c, 0]], exact=True).pvalue
    assert math.isclose(p, other, rel_tol=1e-12), (b, c, p, other)
    return float(p)


cavo_low, cavo_high = newcombe_paired(*CAVO_2012, 0.95)
assert (round(cavo_low, 4), round(cavo_high, 4)) == (-0.1186, -0.0046), (cavo_low, cavo_high)
assert [(round(low, 4), round(high, 4)) for low, high in [wilson(81, 263, 0.95)]] == [(0.2553, 0.3662)]

reference = {
    "generatedBy": "hack/stats/fixtures.py",
    "versions": {
        "python": sys.version.split()[0],
        "scipy": scipy.__version__,
        "statsmodels": statsmodels.__version__,
        "numpy": numpy.__version__,
    },
    "normalQuantile": [{"p": p, "z": float(norm.ppf(p))} for p in QUANTILE_PROBABILITIES],
    "wilson": [
        {"successes": k, "trials": n, "confidence": conf, "low": low, "high": high}
        for k, n in WILSON_COUNTS
        for conf in CONFIDENCES
        for low, high in [wilson(k, n, conf)]
    ],
    "mcnemarExact": [{"b": b, "c": c, "pValue": mcnemar_p(b, c)} for b, c in MCNEMAR_COUNTS],
    "newcombePaired": [
        {"a": a, "b": b, "c": c, "d": d, "confidence": conf, "low": low, "high": high}
        for a, b, c, d in NEWCOMBE_PAIRED_TABLES
        for conf in (0.9, 0.95, 0.99)
        for low, high in [newcombe_paired(a, b, c, d, conf)]
    ],
}

json.dump(reference, sys.stdout, indent=2)
sys.stdout.write("\n")
