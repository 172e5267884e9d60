"""The equal-work search in scikit-learn (the peer side of bench/search.sh): the 33 grid points of
bench/equal-work.yaml, GridSearchCV with stratified 3-fold CV scored by F1 of phishing (class 0),
the winner refitted on the whole train set and scored on the test set. Same arrays as netsec's
search (the transformed train/test .npy of one netsec run: imputed, last column = class index).

usage: python bench/sklearn_grid.py <train.npy> <test.npy> [--jobs 1]
--jobs: GridSearchCV's n_jobs (processes); each process runs its models on one thread (OpenMP and
BLAS limited to 1 with threadpoolctl; joblib does the same in its workers), so --jobs 1 is one
core and --jobs 2 two, like netsec's search with 1 or 2 workers. (Left to itself, HistGradient-
Boosting starts one OpenMP thread per core inside every fit.)
prints one JSON line: search seconds (CV of every point + the refit), process CPU seconds, the
winner, its CV and test F1, and each point's mean CV F1.
"""
import json
import sys
import time

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score, make_scorer
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsClassifier
from threadpoolctl import threadpool_limits

jobs = int(sys.argv[sys.argv.index("--jobs") + 1]) if "--jobs" in sys.argv else 1
threadpool_limits(1)


def load(path):
    a = np.load(path)
    return np.ascontiguousarray(a[:, :-1]), a[:, -1].astype(np.int32)


X, y = load(sys.argv[1])
Xt, yt = load(sys.argv[2])
trees = [8, 16, 32, 64, 128, 256]
candidates = [
    (HistGradientBoostingClassifier(early_stopping=False, max_leaf_nodes=31, min_samples_leaf=20, l2_regularization=0.0, max_bins=255),
     {"max_iter": trees, "learning_rate": [0.05, 0.1, 0.2]}),
    (RandomForestClassifier(random_state=42), {"n_estimators": trees}),
    (KNeighborsClassifier(), {"n_neighbors": [3, 5, 7, 9, 11]}),
    (LogisticRegression(max_iter=1000), {"C": [0.1, 1.0, 10.0]}),
    (GaussianNB(), {}),
]
scorer = make_scorer(f1_score, pos_label=0)
cv = StratifiedKFold(n_splits=3, shuffle=True, random_state=42)
started, cpu0 = time.perf_counter(), time.process_time()
results = []
for model, grid in candidates:
    gs = GridSearchCV(model, grid, cv=cv, scoring=scorer, n_jobs=jobs, refit=False)
    gs.fit(X, y)
    for params, mean in zip(gs.cv_results_["params"], gs.cv_results_["mean_test_score"]):
        results.append({"family": type(model).__name__, "params": params, "cvF1": float(mean), "model": model})
best = max(results, key=lambda r: r["cvF1"])  # first of equal scores: grid order, as netsec
winner = best["model"].set_params(**best["params"]).fit(X, y)
seconds, cpu = time.perf_counter() - started, time.process_time() - cpu0
test_f1 = f1_score(yt, winner.predict(Xt), pos_label=0)
print(json.dumps({
    "system": "scikit-learn", "points": len(results), "jobs": jobs, "seconds": seconds, "cpuSeconds": cpu,
    "best": {"family": best["family"], "params": best["params"], "cvF1": best["cvF1"]}, "testF1": test_f1,
    "points_cv": [{k: v for k, v in r.items() if k != "model"} for r in results],
}))
