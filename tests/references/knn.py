"""Reference numbers for the knn tests (tests/models/knn-reference.test.ts).

Run once, from the repository root, with the project's venv (scripts/setup.sh installs the pinned
scikit-learn):

    $NETSEC_CACHE/venv/bin/python tests/references/knn.py

It writes tests/references/knn.json: two small seeded data sets and scikit-learn's
KNeighborsClassifier(algorithm="brute", weights="uniform") probabilities of class 1 on them.

- `real`: continuous features (netsec's float distance path): no ties, every query kept.
- `ternary`: 30 features in {-1, 0, 1} with repeated rows (netsec's bit-mask path, like the
  phishing data). Distances there are small integers and tie often. scikit-learn breaks a tie at
  the k-th distance by row order, netsec shares it out in proportion to the tied rows' classes
  (docs/models.md), so only the queries whose k-th and (k+1)-th nearest training rows are at
  different distances are kept: for those both rules pick the same k rows.

Re-running must give the same file (everything is seeded).
"""
import json
import os

import numpy as np
import sklearn
from sklearn.neighbors import KNeighborsClassifier

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "tests", "references", "knn.json")
KS = [1, 5, 15]


def untied(x_train, x_test, k):
    """Indices of the test rows whose k-th and (k+1)-th smallest distances differ."""
    d = ((x_test[:, None, :] - x_train[None, :, :]) ** 2).sum(axis=2)
    d.sort(axis=1)
    return [i for i in range(len(x_test)) if d[i, k - 1] != d[i, k]]


def case(x_train, y_train, x_test, keep_untied):
    out = {"train": x_train.tolist(), "labels": y_train.tolist(), "test": x_test.tolist(), "k": {}}
    for k in KS:
        rows = untied(x_train, x_test, k) if keep_untied else list(range(len(x_test)))
        model = KNeighborsClassifier(n_neighbors=k, algorithm="brute").fit(x_train, y_train)
        proba = model.predict_proba(x_test[rows])[:, 1] if rows else np.array([])
        out["k"][str(k)] = {"rows": rows, "proba": proba.tolist()}
    return out


def main():
    rng = np.random.default_rng(20261201)
    x_real = np.round(rng.normal(size=(240, 12)), 6)
    y_real = (x_real[:, 0] + 0.5 * x_real[:, 1] - x_real[:, 2] * x_real[:, 3] + rng.normal(scale=0.7, size=240) > 0).astype(int)
    q_real = np.round(rng.normal(size=(80, 12)), 6)

    pool = rng.integers(-1, 2, size=(150, 30))
    x_tern = pool[rng.integers(0, 150, size=400)].astype(float)
    y_tern = (x_tern[:, :6].sum(axis=1) + rng.normal(scale=1.0, size=400) > 0).astype(int)
    q_tern = rng.integers(-1, 2, size=(400, 30)).astype(float)

    data = {
        "source": f"scikit-learn {sklearn.__version__} KNeighborsClassifier(algorithm='brute'), numpy {np.__version__}; tests/references/knn.py",
        "real": case(x_real, y_real, q_real, keep_untied=True),
        "ternary": case(x_tern, y_tern, q_tern, keep_untied=True),
    }
    with open(OUT, "w") as f:
        json.dump(data, f, separators=(",", ":"))
        f.write("\n")
    for name in ("real", "ternary"):
        print(name, {k: len(v["rows"]) for k, v in data[name]["k"].items()})


if __name__ == "__main__":
    main()
