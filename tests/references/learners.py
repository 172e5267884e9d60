"""Reference numbers for the learner tests (tests/models/references.test.ts).

Run once, from the repository root, with the project's venv (scripts/setup.sh installs the pinned
scikit-learn and LightGBM):

    $NETSEC_CACHE/venv/bin/python tests/references/learners.py

It writes the fixed data sets tests/fixtures/learners/{train,test}.csv (generated here from a
seeded numpy generator: small, synthetic, shaped like the phishing data: ternary and binary
features plus one integer feature with 16 levels, repeated rows and a few conflicting labels) and
tests/references/learners.json: predictions of scikit-learn's HistGradientBoostingClassifier,
RandomForestClassifier and LogisticRegression, and of LightGBM, for the settings the tests use,
with the library versions that produced them. The tests read the JSON; re-running this script
must give the same file (everything is seeded).
"""
import json
import os
import sys

import numpy as np
import sklearn
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import confusion_matrix, precision_recall_curve
from sklearn.model_selection import StratifiedGroupKFold

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURES = os.path.join(ROOT, "tests", "fixtures", "learners")
OUT = os.path.join(ROOT, "tests", "references", "learners.json")
COLUMNS = [f"t{i}" for i in range(6)] + ["b0", "b1", "level", "y"]


def make_data(rng, rows, pool):
    """Rows drawn from a pool of distinct vectors (so rows repeat), labels from a noisy rule."""
    vectors = np.column_stack([
        rng.integers(-1, 2, size=(pool, 6)),
        rng.choice([-1, 1], size=(pool, 2)),
        rng.integers(0, 16, size=pool),
    ]).astype(float)
    pick = rng.integers(0, pool, size=rows)
    x = vectors[pick]
    z = 1.2 * x[:, 0] - 0.8 * x[:, 1] + 0.6 * x[:, 2] * x[:, 3] + 0.9 * x[:, 6] + 0.15 * (x[:, 8] - 7.5) - 0.4 * x[:, 4] * x[:, 7]
    p = 1 / (1 + np.exp(-z))
    y = (rng.random(rows) < p).astype(int)
    return x, y


def write_csv(path, x, y):
    with open(path, "w") as f:
        f.write(",".join(f'"{c}"' for c in COLUMNS) + "\n")
        for row, label in zip(x, y):
            f.write(",".join(str(int(v)) for v in row) + f",{int(label)}\n")


def main():
    rng = np.random.default_rng(20261201)
    x_train, y_train = make_data(rng, 600, 260)
    # Test rows: fresh vectors, and the integer feature at half-levels between the training ones
    # (x.5 values never seen in training): where a tree puts its threshold between two levels
    # decides which way they go.
    x_test, y_test = make_data(rng, 200, 200)
    x_probe = x_test.copy()
    x_probe[:, 8] = x_probe[:, 8] + 0.5
    os.makedirs(FIXTURES, exist_ok=True)
    write_csv(os.path.join(FIXTURES, "train.csv"), x_train, y_train)
    write_csv(os.path.join(FIXTURES, "test.csv"), x_test, y_test)
    # the probe rows are the test rows with level + 0.5 (the test builds them the same way)

    out = {
        "source": "tests/references/learners.py",
        "versions": {"python": sys.version.split()[0], "numpy": np.__version__, "scikit-learn": sklearn.__version__},
        "hist_gbt": {},
        "lightgbm": {},
        "random_forest": {},
        "logistic_regression": {},
    }

    # HistGradientBoostingClassifier with early stopping off (our hist_gbt has none), otherwise
    # its defaults, and one parameter changed at a time.
    gbt_settings = {
        "defaults": {},
        "learning_rate": {"learning_rate": 0.5},
        "n_estimators": {"max_iter": 20},
        "max_leaf_nodes": {"max_leaf_nodes": 4},
        "max_depth": {"max_depth": 2},
        "min_samples_leaf": {"min_samples_leaf": 60},
        "l2_regularization": {"l2_regularization": 10.0},
    }
    ours = {"learning_rate": "learning_rate", "max_iter": "n_estimators", "max_leaf_nodes": "max_leaf_nodes", "max_depth": "max_depth", "min_samples_leaf": "min_samples_leaf", "l2_regularization": "l2_regularization"}
    for name, params in gbt_settings.items():
        m = HistGradientBoostingClassifier(early_stopping=False, random_state=0, **params).fit(x_train, y_train)
        out["hist_gbt"][name] = {
            "params": {ours[k]: v for k, v in params.items()},
            "train": m.predict_proba(x_train)[:, 1].tolist(),
            "test": m.predict_proba(x_test)[:, 1].tolist(),
            "probe": m.predict_proba(x_probe)[:, 1].tolist(),
        }

    try:
        import lightgbm as lgb
        out["versions"]["lightgbm"] = lgb.__version__
        # LightGBM where it lines up with scikit-learn and us: leaf-wise growth, min hessian 1e-3,
        # no L2, 100 rounds, starting from the log-odds of the prior; min_data_in_bin=1 so no level
        # is merged into its neighbour's bin. Two of its defaults do not line up: min_data_in_leaf
        # is checked on counts estimated from hessians (LightGBM rounds sum_hessian × rows /
        # hessian), and with many leaves near-equal gains are broken differently; so the
        # reference uses 4 leaves and 1 row a leaf, where the three libraries grow the same trees.
        for name, params in {"leaves_4": {}, "leaves_4_rate_0.5": {"learning_rate": 0.5}}.items():
            base = dict(objective="binary", n_estimators=100, learning_rate=0.1, num_leaves=4, min_child_samples=1,
                        min_child_weight=1e-3, reg_lambda=0.0, min_data_in_bin=1, max_bin=255, verbose=-1, deterministic=True,
                        force_row_wise=True, subsample=1.0, colsample_bytree=1.0)
            base.update(params)
            m = lgb.LGBMClassifier(**base).fit(x_train, y_train)
            mapped = {"n_estimators": 100, "max_leaf_nodes": 4, "min_samples_leaf": 1, "learning_rate": base["learning_rate"]}
            out["lightgbm"][name] = {"params": mapped, "train": m.predict_proba(x_train)[:, 1].tolist()}
    except ImportError:
        pass

    # RandomForestClassifier: many trees, so the mean over trees is close to its expectation and
    # two correct implementations agree up to Monte-Carlo noise.
    rf_settings = {
        "defaults": {},
        "max_depth": {"max_depth": 2},
        "min_samples_leaf": {"min_samples_leaf": 40},
        "min_samples_split": {"min_samples_split": 120},
        "max_features": {"max_features": 1},
        "no_bootstrap_all_features": {"bootstrap": False, "max_features": None},
    }
    for name, params in rf_settings.items():
        m = RandomForestClassifier(n_estimators=2000, random_state=0, n_jobs=1, **params).fit(x_train, y_train)
        mapped = dict(params)
        if "max_features" in mapped and mapped["max_features"] is None:
            mapped["max_features"] = x_train.shape[1]
        out["random_forest"][name] = {"params": mapped, "test": m.predict_proba(x_test)[:, 1].tolist(), "probe": m.predict_proba(x_probe)[:, 1].tolist()}

    for name, params in {"C=1": {"C": 1.0}, "C=0.01": {"C": 0.01}}.items():
        m = LogisticRegression(C=params["C"], tol=1e-12, max_iter=10000).fit(x_train, y_train)
        out["logistic_regression"][name] = {"params": params, "intercept": float(m.intercept_[0]), "coef": m.coef_[0].tolist(), "test": m.predict_proba(x_test)[:, 1].tolist()}

    # StratifiedGroupKFold without shuffling on small groups: the assignment rule our grouped
    # folds use (src/search/folds.ts assignGroupFolds, given the groups in id order).
    g_rng = np.random.default_rng(7)
    groups = g_rng.integers(0, 40, size=300)
    labels = (g_rng.random(300) < 0.35 + 0.3 * (groups % 3 == 0)).astype(int)
    folds = np.zeros(300, dtype=int)
    for f, (_, test_idx) in enumerate(StratifiedGroupKFold(n_splits=3).split(np.zeros(300), labels, groups)):
        folds[test_idx] = f
    out["stratified_group_kfold"] = {"groups": groups.tolist(), "y": labels.tolist(), "k": 3, "fold": folds.tolist()}

    # Decision thresholds: scikit-learn's precision_recall_curve on fixed scores (positive = 1,
    # predict positive when score >= threshold); for each rule the best threshold, scanning from
    # the highest (ties keep the higher threshold), and the confusion there.
    t_rng = np.random.default_rng(11)
    t_y = (t_rng.random(400) < 0.4).astype(int)
    t_scores = np.round(np.clip(0.35 * t_y + 0.65 * t_rng.random(400), 0, 1), 3)  # rounded: ties
    precision, recall, thresholds = precision_recall_curve(t_y, t_scores)
    candidates = []
    for p, r, t in zip(precision[:-1], recall[:-1], thresholds):
        tn, fp, fn, tp = confusion_matrix(t_y, (t_scores >= t).astype(int), labels=[0, 1]).ravel()
        f1 = 2 * tp / (2 * tp + fp + fn)
        candidates.append(dict(threshold=float(t), precision=float(p), recall=float(r), f1=float(f1), tp=int(tp), fp=int(fp), fn=int(fn), tn=int(tn)))
    candidates.reverse()  # highest threshold first

    def best(objective, feasible=lambda c: True):
        chosen = None
        for c in candidates:
            if feasible(c) and (chosen is None or objective(c) > objective(chosen)):
                chosen = c
        return chosen

    out["threshold"] = {
        "y": t_y.tolist(),
        "scores": t_scores.tolist(),
        "best_f1": best(lambda c: c["f1"]),
        "recall_0.95": best(lambda c: c["precision"], lambda c: c["recall"] >= 0.95),
        "precision_0.9": best(lambda c: c["recall"], lambda c: c["precision"] >= 0.9),
        "cost_fn10_fp1": best(lambda c: -(10 * c["fn"] + 1 * c["fp"])),
    }

    with open(OUT, "w") as f:
        json.dump(out, f, indent=None, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {OUT} and {FIXTURES}/{{train,test}}.csv", file=sys.stderr)


if __name__ == "__main__":
    main()
