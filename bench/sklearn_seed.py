"""The Python seed pipeline, for comparison with `netsec train` on the same split.

Reads the train/test CSVs that netsec's ingest wrote (Artifacts/<run>/data_ingestion/ingested/),
then does what the seed did: KNNImputer(n_neighbors=3) fitted on train, GridSearchCV(cv=3) for
RandomForest [8..256 trees], DecisionTree, GradientBoosting [8..256], LogisticRegression and
AdaBoost [8..256], refit each on the whole train set, predict the test set. Unlike the seed (which
ranked by r²), the search is scored by F1 of the positive class (phishing, Result = -1), and the
winner is the best CV score. Single process (n_jobs=None), like the seed.

Also measures batch prediction of RandomForest(256 trees) in rows/s.

usage: python bench/sklearn_seed.py <run dir> [--predict-rows 100000]
prints one JSON object on the last line.
"""
import json
import sys
import time

import numpy as np
import pandas as pd
from sklearn.ensemble import AdaBoostClassifier, GradientBoostingClassifier, RandomForestClassifier
from sklearn.impute import KNNImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score, make_scorer
from sklearn.model_selection import GridSearchCV
from sklearn.tree import DecisionTreeClassifier

run = sys.argv[1]
predict_rows = int(sys.argv[sys.argv.index("--predict-rows") + 1]) if "--predict-rows" in sys.argv else 100_000

t0 = time.perf_counter()
cpu0 = time.process_time()
train = pd.read_csv(f"{run}/data_ingestion/ingested/train.csv")
test = pd.read_csv(f"{run}/data_ingestion/ingested/test.csv")
X_train, y_train = train.drop(columns=["Result"]), train["Result"].replace(-1, 0)
X_test, y_test = test.drop(columns=["Result"]), test["Result"].replace(-1, 0)
imputer = KNNImputer(n_neighbors=3, weights="uniform", missing_values=np.nan)
X_train = imputer.fit_transform(X_train)
X_test = imputer.transform(X_test)

f1_phishing = make_scorer(f1_score, pos_label=0)  # class index 0 = Result -1 = phishing
models = {
    "Random Forest": (RandomForestClassifier(verbose=0), {"n_estimators": [8, 16, 32, 64, 128, 256]}),
    "Decision Tree": (DecisionTreeClassifier(), {"criterion": ["gini", "entropy", "log_loss"]}),
    "Gradient Boosting": (GradientBoostingClassifier(), {"n_estimators": [8, 16, 32, 64, 128, 256]}),
    "Logistic Regression": (LogisticRegression(max_iter=1000), {}),
    "AdaBoost": (AdaBoostClassifier(), {"n_estimators": [8, 16, 32, 64, 128, 256]}),
}
report = {}
for name, (model, grid) in models.items():
    started = time.perf_counter()
    gs = GridSearchCV(model, grid, cv=3, scoring=f1_phishing)
    gs.fit(X_train, y_train)
    model.set_params(**gs.best_params_)
    model.fit(X_train, y_train)
    test_f1 = f1_score(y_test, model.predict(X_test), pos_label=0)
    report[name] = {"cv_f1": gs.best_score_, "params": gs.best_params_, "test_f1": test_f1, "seconds": time.perf_counter() - started}
total = time.perf_counter() - t0
cpu_total = time.process_time() - cpu0
best = max(report, key=lambda k: report[k]["cv_f1"])

# Batch prediction: RandomForest with 256 trees, test rows tiled to `predict_rows`.
rf = RandomForestClassifier(n_estimators=256, random_state=42).fit(X_train, y_train)
X_big = np.tile(X_test, (predict_rows // len(X_test) + 1, 1))[:predict_rows]
rf.predict_proba(X_big[:1000])
started = time.perf_counter()
rf.predict_proba(X_big)
rf_seconds = time.perf_counter() - started

# Quality reference for our hist_forest: sklearn RandomForest (100 trees, sqrt features), 5 seeds.
rf100 = [f1_score(y_test, RandomForestClassifier(n_estimators=100, random_state=s).fit(X_train, y_train).predict(X_test), pos_label=0) for s in range(5)]

print(json.dumps({
    "seconds": total,
    "cpu_seconds": cpu_total,
    "best": {"model": best, **report[best]},
    "models": report,
    "rf256_predict_rows_per_s": predict_rows / rf_seconds,
    "rf100_test_f1_mean_5_seeds": float(np.mean(rf100)),
    "rf100_test_f1_seeds": rf100,
}, default=float))
