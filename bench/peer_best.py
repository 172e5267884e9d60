"""One gradient-boosting fit of LightGBM or XGBoost at its best settings (shared/REFERENCE.md,
"LightGBM at its best"): the same work as bench/fit-one.ts and bench/peer_fit.py (300 trees,
learning rate 0.2, 31 leaves, at most 255 bins, min 20 rows per leaf, no L2, no subsampling, no
early stopping), but
  - LightGBM: force_row_wise=True, float32 input, the Dataset constructed before the timed fit
    (its construction timed apart: datasetSeconds);
  - XGBoost: tree_method="hist", grow_policy="lossguide", max_leaves = the leaf count, the
    QuantileDMatrix built before the timed fit (datasetSeconds).
fitSeconds is the boosting alone; fitSeconds + datasetSeconds compares with netsec's fit, which
bins its input inside the fit.

usage: python bench/peer_best.py <train.npy> <test.npy> --lib lightgbm|xgboost [--threads 1]
       [--trees 300 --lr 0.2 --leaves 31]
prints one JSON line (same fields as peer_fit.py, plus datasetSeconds).
"""
import json
import resource
import sys
import time

import numpy as np


def opt(name, default):
    return sys.argv[sys.argv.index(f"--{name}") + 1] if f"--{name}" in sys.argv else default


lib = opt("lib", "lightgbm")
threads = int(opt("threads", "1"))
trees, lr, leaves = int(opt("trees", "300")), float(opt("lr", "0.2")), int(opt("leaves", "31"))


def load(path, dtype):
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


X, y = load(sys.argv[1], np.float32)
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
    predict = lambda Xt: booster.predict(Xt)
else:
    import xgboost as xgb
    params = dict(objective="binary:logistic", learning_rate=lr, max_leaves=leaves, max_depth=0, grow_policy="lossguide",
                  tree_method="hist", max_bin=255, min_child_weight=1e-3, reg_lambda=0.0, subsample=1.0, nthread=threads,
                  verbosity=0)
    t0 = time.perf_counter()
    dtrain = xgb.QuantileDMatrix(X, label=y, max_bin=255, nthread=threads)
    dataset_seconds = time.perf_counter() - t0
    started, cpu0 = time.perf_counter(), time.process_time()
    booster = xgb.train(params, dtrain, num_boost_round=trees)
    predict = lambda Xt: booster.predict(xgb.DMatrix(Xt, nthread=threads))
fit_seconds, fit_cpu = time.perf_counter() - started, time.process_time() - cpu0
peak_after_fit = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
Xt, yt = load(sys.argv[2], np.float32)
p1 = predict(Xt)

from sklearn.metrics import f1_score, log_loss, roc_auc_score
print(json.dumps({
    "system": f"{lib}-best", "threads": threads, "trainRows": int(len(y)), "fitSeconds": fit_seconds, "fitCpuSeconds": fit_cpu,
    "datasetSeconds": dataset_seconds,
    "testF1": f1_score(yt, (p1 >= 0.5).astype(int), pos_label=0), "testAuc": roc_auc_score(1 - yt, 1 - p1),
    "testLogLoss": log_loss(yt, p1), "rssBeforeFitMb": rss_before, "peakRssMb": peak_after_fit,
}))
