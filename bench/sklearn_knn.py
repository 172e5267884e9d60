"""scikit-learn's KNNImputer(n_neighbors=3), fit on train, transform train and test, timed. The peer
of netsec's KNN imputation (src/stats/knn-imputer.ts).

usage: python bench/sklearn_knn.py <run dir>
         the ingested split of a netsec run (data_ingestion/ingested/{train,test}.csv)
       python bench/sklearn_knn.py --csv <file>
         a CSV in the seed's format (`na` = missing, last column the target, dropped): fit on the
         first 80 % of the rows, transform both parts, as bench/imputer-size.ts --csv does
"""
import sys
import time

import numpy as np
import pandas as pd
from sklearn.impute import KNNImputer

if sys.argv[1] == "--csv":
    data = pd.read_csv(sys.argv[2], na_values=["na"])
    features = data.drop(columns=[data.columns[-1]]).values.astype(np.float64)
    cut = int(len(features) * 0.8)
    train, test = features[:cut], features[cut:]
else:
    run = sys.argv[1]
    train = pd.read_csv(f"{run}/data_ingestion/ingested/train.csv", na_values=["na"]).drop(columns=["Result"]).values
    test = pd.read_csv(f"{run}/data_ingestion/ingested/test.csv", na_values=["na"]).drop(columns=["Result"]).values
start = time.time()
imputer = KNNImputer(n_neighbors=3).fit(train)
imputer.transform(train)
imputer.transform(test)
seconds = time.time() - start
missing = int(np.isnan(train).sum()), int(np.isnan(test).sum())
print(f"sklearn KNNImputer fit+transform train {train.shape} test {test.shape}: {seconds:.1f} s, missing cells {missing[0]}+{missing[1]}")
