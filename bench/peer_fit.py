"""One gradient-boosting fit of a peer library on a transformed split (the peer side of
bench/train-scale.sh and bench/hist-continuous.sh), the same work as bench/fit-one.ts: the same
.npy arrays (float64, last column = class index), 300 trees, learning rate 0.2, 31 leaves, at most
255 bins, min 20 rows per leaf, no L2, no early stopping, no row or feature subsampling.

--settings as-bench-ran (default): the estimators' scikit-learn API on the float64 arrays,
  LightGBM force_col_wise; what bench/train-scale.sh has always run.
--settings best: each peer at its best (shared/REFERENCE.md, "LightGBM at its best"):
  - LightGBM: force_row_wise=True, float32 input, the Dataset constructed before the timed fit
    (its construction timed apart: datasetSeconds);
  - XGBoost: tree_method="hist", grow_policy="lossguide", max_leaves = the leaf count, the
    QuantileDMatrix built before the timed fit (datasetSeconds).
  fitSeconds is then the boosting alone; fitSeconds + datasetSeconds compares with netsec's fit,
  which bins its input inside the fit.

usage: python bench/peer_fit.py <train.npy> <test.npy> --lib lightgbm|xgboost|sklearn [--threads 1]
       [--settings as-bench-ran|best] [--trees 300 --lr 0.2 --leaves 31]
prints one JSON line: system (the lib, "-best" appended with --settings best), fit seconds and CPU
seconds, datasetSeconds (best only), test F1 (class 0 = phishing) / ROC AUC / log loss, resident
memory before the fit and its peak up to the end of the fit (ru_maxrss; test rows read after it).
"""
import json
import resource
import sys
import time

import numpy as np


def opt(name, default):
    return sys.argv[sys.argv.index(f"--{name}") + 1] if f"--{name}" in sys.argv else default


lib = opt("lib", "lightgbm")
settings = opt("settings", "as-bench-ran")
if settings not in ("as-bench-ran", "best"):
    sys.exit(f"peer_fit.py: --settings must be as-bench-ran or best, got {settings!r}")
if settings == "best" and lib not in ("lightgbm", "xgboost"):
    sys.exit(f"peer_fit.py: --settings best is defined for lightgbm and xgboost, not {lib!r}")
threads = int(opt("threads", "1"))
trees, lr, leaves = int(opt("trees", "300")), float(opt("lr", "0.2")), int(opt("leaves", "31"))
dtype = np.float32 if settings == "best" else np.float64


def load(path):
    """The .npy read block by block into the features and labels (no second copy of the file), as bench/fit-one.ts."""
    with open(path, "rb") as f:
        np.lib.format.read_magic(f)
        (rows, width), _, _ = np.lib.format.read_array_header_1_0(f)
        X = np.empty((rows, width - 1), dtype=dtype)
        y = np.empty(rows, dtype=np.int32)
        for start in range(0, rows, 65536):
            block = np.fromfile(f, dtype="<f8", count=min(65536, rows - start) * width).reshape(-1, width)
            X[start:start + len(block)] = block[:, :-1]
            y[start:start + len(block)] = block[:, -1]
    return X, y


def rss_mb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024


def fit_as_bench_ran(X, y):
    """The scikit-learn API on float64 (binning inside the timed fit). Returns predict_proba of class 1."""
    if lib == "lightgbm":
        import lightgbm as lgb
        model = lgb.LGBMClassifier(n_estimators=trees, learning_rate=lr, num_leaves=leaves, max_depth=-1, min_child_samples=20,
                                   min_child_weight=1e-3, reg_lambda=0.0, max_bin=255, subsample=1.0, colsample_bytree=1.0,
                                   n_jobs=threads, verbose=-1, force_col_wise=True)
    elif lib == "xgboost":
        import xgboost as xgb
        model = xgb.XGBClassifier(n_estimators=trees, learning_rate=lr, max_leaves=leaves, max_depth=0, grow_policy="lossguide",
                                  tree_method="hist", max_bin=255, min_child_weight=1e-3, reg_lambda=0.0, subsample=1.0,
                                  n_jobs=threads, verbosity=0)
    else:
        from threadpoolctl import threadpool_limits
        from sklearn.ensemble import HistGradientBoostingClassifier
        threadpool_limits(threads)
        model = HistGradientBoostingClassifier(max_iter=trees, learning_rate=lr, max_leaf_nodes=leaves, min_samples_leaf=20,
                                               l2_regularization=0.0, max_bins=255, early_stopping=False)
    rss_before = rss_mb()
    started, cpu0 = time.perf_counter(), time.process_time()
    model.fit(X, y)
    return rss_before, None, started, cpu0, lambda Xt: model.predict_proba(Xt)[:, 1]


def fit_best(X, y):
    """The native API, input built before the timed fit (timed apart)."""
    rss_before = rss_mb()
    if lib == "lightgbm":
        import lightgbm as lgb
        params = dict(objective="binary", learning_rate=lr, num_leaves=leaves, max_depth=-1, min_data_in_leaf=20,
                      min_sum_hessian_in_leaf=1e-3, lambda_l2=0.0, max_bin=255, bagging_fraction=1.0, feature_fraction=1.0,
                      num_threads=threads, verbose=-1, force_row_wise=True, seed=0)
        t0 = time.perf_counter()
        dataset = lgb.Dataset(X, label=y, params={"max_bin": 255, "verbose": -1, "num_threads": threads}, free_raw_data=False)
        dataset.construct()
        dataset_seconds = time.perf_counter() - t0
        started, cpu0 = time.perf_counter(), time.process_time()
        booster = lgb.train(params, dataset, num_boost_round=trees)
        return rss_before, dataset_seconds, started, cpu0, lambda Xt: booster.predict(Xt)
    import xgboost as xgb
    params = dict(objective="binary:logistic", learning_rate=lr, max_leaves=leaves, max_depth=0, grow_policy="lossguide",
                  tree_method="hist", max_bin=255, min_child_weight=1e-3, reg_lambda=0.0, subsample=1.0, nthread=threads,
                  verbosity=0)
    t0 = time.perf_counter()
    dtrain = xgb.QuantileDMatrix(X, label=y, max_bin=255, nthread=threads)
    dataset_seconds = time.perf_counter() - t0
    started, cpu0 = time.perf_counter(), time.process_time()
    booster = xgb.train(params, dtrain, num_boost_round=trees)
    return rss_before, dataset_seconds, started, cpu0, lambda Xt: booster.predict(xgb.DMatrix(Xt, nthread=threads))


X, y = load(sys.argv[1])
rss_before, dataset_seconds, started, cpu0, predict = (fit_best if settings == "best" else fit_as_bench_ran)(X, y)
fit_seconds, fit_cpu = time.perf_counter() - started, time.process_time() - cpu0
peak_after_fit = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
Xt, yt = load(sys.argv[2])
p1 = predict(Xt)

from sklearn.metrics import f1_score, log_loss, roc_auc_score
out = {"system": lib + ("-best" if settings == "best" else ""), "threads": threads, "trainRows": int(len(y)),
       "fitSeconds": fit_seconds, "fitCpuSeconds": fit_cpu}
if dataset_seconds is not None:
    out["datasetSeconds"] = dataset_seconds
out.update({"testF1": f1_score(yt, (p1 >= 0.5).astype(int), pos_label=0), "testAuc": roc_auc_score(1 - yt, 1 - p1),
            "testLogLoss": log_loss(yt, p1), "rssBeforeFitMb": rss_before, "peakRssMb": peak_after_fit})
print(json.dumps(out))
