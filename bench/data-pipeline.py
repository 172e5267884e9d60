"""The peer of netsec's data stages (ingest → validate → transform, bench/data-pipeline.ts) in
pandas + scikit-learn, as the seed pipeline does them: read the CSV, check every feature against
its allowed values (schema.yaml), count duplicate rows, split 80/20 stratified (seed 42), test
every feature for train/test drift (chi-square on the value counts, scipy), KNNImputer(3) fitted
on train and applied to both, write the arrays (float64 .npy, target last).

usage: python bench/data-pipeline.py <csv> <out dir>
prints one JSON line: rows, seconds, stage seconds.
"""
import json
import os
import sys
import time

started = time.perf_counter()
import numpy as np
import pandas as pd
import yaml
from scipy.stats import chi2_contingency
from sklearn.impute import KNNImputer
from sklearn.model_selection import train_test_split

csv, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
schema = yaml.safe_load(open(os.path.join(root, "schema.yaml")))
features = [c["name"] for c in schema["features"]]
target = schema["target"]["name"]
stages = {}

t = time.perf_counter()
frame = pd.read_csv(csv, na_values=["na"])
train, test = train_test_split(frame, test_size=0.2, stratify=frame[target], random_state=42)
stages["ingest"] = time.perf_counter() - t

t = time.perf_counter()
invalid = np.zeros(len(frame), dtype=bool)
for c in schema["features"]:
    if "allowed" in c:
        invalid |= ~(frame[c["name"]].isin(c["allowed"]) | frame[c["name"]].isna()).to_numpy()
duplicates = int(frame.duplicated(subset=features).sum())
drifted = []
for name in features:
    counts = pd.concat([train[name].value_counts(), test[name].value_counts()], axis=1).fillna(0).to_numpy()
    if counts.shape[0] > 1 and chi2_contingency(counts)[1] < 0.05:
        drifted.append(name)
stages["validate"] = time.perf_counter() - t

t = time.perf_counter()
imputer = KNNImputer(n_neighbors=3)
x_train = imputer.fit_transform(train[features].to_numpy(dtype=np.float64))
x_test = imputer.transform(test[features].to_numpy(dtype=np.float64))
classes = {v: i for i, v in enumerate(sorted(schema["target"]["allowed"]))}
np.save(os.path.join(out, "train.npy"), np.c_[x_train, train[target].map(classes).to_numpy()])
np.save(os.path.join(out, "test.npy"), np.c_[x_test, test[target].map(classes).to_numpy()])
stages["transform"] = time.perf_counter() - t
print(json.dumps({"system": "pandas+sklearn", "rows": int(len(frame)), "invalidRows": int(invalid.sum()), "duplicates": duplicates,
                  "drifted": len(drifted), "seconds": time.perf_counter() - started, "stages": stages}))
