/**
 * The python_function loader shipped in the logged model (`code/netsec_pyfunc.py`, MLmodel's
 * `loader_module: netsec_pyfunc`, `code: code`): MLflow puts the model's `code/` folder on
 * sys.path and calls `_load_pyfunc(<model>/model.onnx)`. It wraps mlflow.onnx's own pyfunc and,
 * before scoring a DataFrame, takes the 30 feature columns by name (the graph's `netsec.features`
 * metadata; extra columns such as Result are left out) and casts them to the graph's float32.
 *
 * Why: `pd.read_csv` gives int64 columns, or float64 where a cell is missing; MLflow's input
 * check refuses int64 for a `double` signature and float64 for a `long` one (2.7.1 and 3.x,
 * `_enforce_mlflow_datatype`), and mlflow.onnx only casts float64 to float32. So the model carries
 * no input signature (MLflow then checks nothing) and this loader does the one safe cast. Rows with
 * a missing cell get NaN probabilities and label 0 (the graph does not impute: docs/export.md).
 */
export const PYFUNC_MODULE = "netsec_pyfunc";
export const PYFUNC_CODE_DIR = "code";

export const PYFUNC_SOURCE = `"""MLflow python_function loader of a netsec model (written by netsec, src/tracking/pyfunc-loader.ts).

Wraps mlflow.onnx's pyfunc: a pandas DataFrame is reduced to the model's feature columns, in the
model's order (extra columns such as the target are left out), and cast to float32, the graph's
input type, so pd.read_csv(...) output (int64 columns, float64 where cells are missing) scores as is.
Rows with a missing value get NaN probabilities and label 0: the graph does not impute.
"""
import json

import numpy as np
import pandas as pd
from mlflow.onnx import _load_pyfunc as _load_onnx_pyfunc


class NetsecOnnxModel:
    def __init__(self, inner):
        self._inner = inner
        meta = inner.rt.get_modelmeta().custom_metadata_map
        self.features = json.loads(meta.get("netsec.features", "null")) or None

    def predict(self, data, params=None):
        if isinstance(data, pd.DataFrame):
            if self.features is not None:
                missing = [c for c in self.features if c not in data.columns]
                if missing:
                    raise ValueError(
                        "netsec model: the DataFrame lacks the feature column(s) "
                        + ", ".join(missing)
                        + " (expected the %d features of schema.yaml)" % len(self.features)
                    )
                data = data[self.features]
            data = pd.DataFrame(data.to_numpy(dtype=np.float32), columns=data.columns, index=data.index)
        return self._inner.predict(data)


def _load_pyfunc(path):
    return NetsecOnnxModel(_load_onnx_pyfunc(path))
`;
