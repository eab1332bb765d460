"""Reference values for runner/src/judge/kappa.ts, computed once by scikit-learn's cohen_kappa_score.

The TypeScript test (runner/src/judge/kappa.test.ts) reads the output,
test/fixtures/stats/kappa.json, and compares; nothing runs this script in CI. The ratings are
written into the JSON, so the test needs nothing but the file:

    python3 -m venv /tmp/statsvenv
    /tmp/statsvenv/bin/pip install scikit-learn
    /tmp/statsvenv/bin/python hack/stats/kappa_fixtures.py > test/fixtures/stats/kappa.json
"""

import json
import random
import sys

import sklearn
from sklearn.metrics import cohen_kappa_score

SCALES = {"pass-fail": [0, 1], "1-5": [1, 2, 3, 4, 5], "0-10": list(range(11))}


def noisy(rng, labels, categories, spread):
    """A judge's ratings: each label moved by up to `spread` positions, kept on the scale."""
    low, high = categories[0], categories[-1]
    return [min(high, max(low, label + rng.randint(-spread, spread))) for label in labels]


def cases():
    rng = random.Random(20)
    # The textbook 2x2 table: 20 both yes, 5 yes/no, 10 no/yes, 15 both no; kappa 0.4.
    a = [1] * 20 + [1] * 5 + [0] * 10 + [0] * 15
    b = [1] * 20 + [0] * 5 + [1] * 10 + [0] * 15
    yield "textbook 2x2", "pass-fail", "unweighted", a, b
    labels = [rng.randint(0, 1) for _ in range(40)]
    yield "pass-fail, judge flips some", "pass-fail", "unweighted", labels, [
        label if rng.random() < 0.8 else 1 - label for label in labels
    ]
    labels = [rng.randint(1, 5) for _ in range(60)]
    yield "1-5, judge off by one at most", "1-5", "quadratic", labels, noisy(rng, labels, SCALES["1-5"], 1)
    yield "1-5 unweighted, same ratings", "1-5", "unweighted", labels, noisy(random.Random(5), labels, SCALES["1-5"], 1)
    labels = [rng.randint(3, 5) for _ in range(25)]
    yield "1-5, categories 1 and 2 never used", "1-5", "quadratic", labels, noisy(rng, labels, [3, 4, 5], 1)
    labels = [rng.randint(0, 10) for _ in range(80)]
    yield "0-10, judge off by two at most", "0-10", "quadratic", labels, noisy(rng, labels, SCALES["0-10"], 2)
    labels = [rng.randint(0, 10) for _ in range(30)]
    yield "0-10, judge unrelated", "0-10", "quadratic", labels, [rng.randint(0, 10) for _ in labels]


def main():
    out = []
    for name, scale, weights, labels, judged in cases():
        kappa = cohen_kappa_score(
            labels, judged, labels=SCALES[scale], weights=None if weights == "unweighted" else "quadratic"
        )
        out.append(
            {"name": name, "scale": scale, "weights": weights, "labels": labels, "judge": judged, "kappa": float(kappa)}
        )
    json.dump({"sklearn": sklearn.__version__, "cases": out}, sys.stdout, indent=1)
    sys.stdout.write("\n")


main()
