"""Times shap's TreeExplainer (tree_path_dependent) on trees in its custom dict format, read from stdin (bench/explain.ts)."""
import json
import sys
import time

import numpy as np
import shap

request = json.load(sys.stdin)
trees = [{k: np.asarray(v, dtype=np.int32 if k in ("children_left", "children_right", "children_default", "features") else np.float64) for k, v in t.items()} for t in request["trees"]]
for t in trees:
    t["values"] = t["values"].reshape(-1, 1)
rows = np.asarray(request["rows"], dtype=np.float64)
start = time.perf_counter()
explainer = shap.TreeExplainer({"trees": trees, "base_offset": request["base_offset"]}, feature_perturbation="tree_path_dependent")
values = explainer.shap_values(rows, check_additivity=False)
seconds = time.perf_counter() - start
json.dump({"values": np.asarray(values).tolist(), "seconds": seconds, "shap": shap.__version__}, sys.stdout)
