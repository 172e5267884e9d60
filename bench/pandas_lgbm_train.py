"""The peer of `netsec train` (default experiment) at scale: pandas reads the CSV, an 80/20
stratified split (seed 42), LightGBM (300 trees, learning rate 0.2, 31 leaves: netsec's default
hist_gbt) scored by stratified 3-fold CV F1 of the positive class, refit on the whole train part,
F1 on the test part. 2 threads (n_jobs=2). What a data scientist would write in pandas + LightGBM.

usage: python bench/pandas_lgbm_train.py <csv> [--threads 2] [--target Result --positive -1]
prints one JSON line: seconds, cvF1, testF1, rows.
"""
import json
import sys
import time

started = time.perf_counter()
import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold, cross_val_score, train_test_split


def opt(name, default):
    return sys.argv[sys.argv.index(f"--{name}") + 1] if f"--{name}" in sys.argv else default


threads = int(opt("threads", "2"))
target = opt("target", "Result")
positive = float(opt("positive", "-1"))
frame = pd.read_csv(sys.argv[1], na_values=["na"])
y = (frame.pop(target).to_numpy() == positive).astype(np.int32)  # 1 = the positive class
X = frame.to_numpy(dtype=np.float32)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, stratify=y, random_state=42)
model = lgb.LGBMClassifier(n_estimators=300, learning_rate=0.2, num_leaves=31, min_child_samples=20, reg_lambda=0.0,
                           n_jobs=threads, verbose=-1, force_row_wise=True)
cv = cross_val_score(model, X_train, y_train, cv=StratifiedKFold(3, shuffle=True, random_state=42), scoring="f1")
model.fit(X_train, y_train)
test_f1 = f1_score(y_test, model.predict(X_test))
print(json.dumps({"system": "pandas+lightgbm", "threads": threads, "rows": int(len(y)), "seconds": time.perf_counter() - started,
                  "cvF1": float(cv.mean()), "testF1": float(test_f1)}))
