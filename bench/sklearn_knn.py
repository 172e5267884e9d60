"""scikit-learn's KNNImputer(n_neighbors=3) on the ingested split of a netsec run: fit on train,
transform train and test, timed. The peer of netsec's transform stage for data with many gaps.

usage: python bench/sklearn_knn.py <run dir>
"""
import sys
import time

import numpy as np
import pandas as pd
from sklearn.impute import KNNImputer

run = sys.argv[1]
train = pd.read_csv(f"{run}/data_ingestion/ingested/train.csv", na_values=["na"]).drop(columns=["Result"])
test = pd.read_csv(f"{run}/data_ingestion/ingested/test.csv", na_values=["na"]).drop(columns=["Result"])
start = time.time()
imputer = KNNImputer(n_neighbors=3).fit(train.values)
imputer.transform(train.values)
imputer.transform(test.values)
seconds = time.time() - start
missing = int(np.isnan(train.values).sum()), int(np.isnan(test.values).sum())
print(f"sklearn KNNImputer fit+transform train {train.shape} test {test.shape}: {seconds:.1f} s, missing cells {missing[0]}+{missing[1]}")
