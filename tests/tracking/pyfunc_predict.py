"""Load a registered netsec model with MLflow's own pyfunc loader and score rows with it.

usage: pyfunc_predict.py <tracking uri> <model uri> <rows.f64> <columns json> [<csv> ...]
  rows.f64: little-endian float64, row-major, one column per name in <columns json>
  <csv>: files scored as a user does it, model.predict(pd.read_csv(csv)) (int64 columns, float64
  where a cell is missing); their dtypes and answers are in "csv" (NaN as null)
Prints one JSON object: the MLflow version, the flavors and signature MLflow read from MLmodel,
the files of the model folder, and the prediction DataFrame (columns, dtypes, values).
"""
import json
import os
import sys

import mlflow
import numpy as np
import pandas as pd
from mlflow.models import Model

uri, model_uri, rows_path, columns = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
csvs = sys.argv[5:]
mlflow.set_tracking_uri(uri)
mlflow.set_registry_uri(uri)
local = mlflow.artifacts.download_artifacts(artifact_uri=model_uri)
meta = Model.load(os.path.join(local, "MLmodel"))
model = mlflow.pyfunc.load_model(model_uri)
x = np.fromfile(rows_path, dtype="<f8").reshape(-1, len(columns))
df = pd.DataFrame(x, columns=columns)
out = model.predict(df)


def nan_to_none(v):
    return None if v != v else float(v)


csv_answers = []
for path in csvs:
    frame = pd.read_csv(path)
    answer = model.predict(frame)
    csv_answers.append({
        "dtypes": sorted(set(str(t) for t in frame.dtypes)),
        "values": {c: [nan_to_none(v) for v in answer[c]] for c in answer.columns},
    })
print(json.dumps({
    "mlflow": mlflow.__version__,
    "flavors": sorted(meta.flavors.keys()),
    "loader_module": meta.flavors["python_function"]["loader_module"],
    "code": meta.flavors["python_function"].get("code"),
    "signature": None if meta.signature is None else meta.signature.to_dict(),
    # registered_model_meta: written by MLflow 3's client into what it downloads from the registry
    "files": sorted(f for f in os.listdir(local) if f != "registered_model_meta"),
    "columns": list(out.columns),
    "dtypes": [str(t) for t in out.dtypes],
    "values": {c: [float(v) for v in out[c]] for c in out.columns},
    "csv": csv_answers,
}))
