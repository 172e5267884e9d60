"""SHAP values from the `shap` package for trees and linear models we export (used live by
tests/models/explain.test.ts; reads a JSON request on stdin, writes JSON on stdout).

Tree request:   {"kind": "trees", "trees": [{children_left, children_right, children_default,
                 features, thresholds, values, node_sample_weight}, ...], "base_offset": b,
                 "rows": [[...], ...]}
                 -> shap.TreeExplainer(model dict, feature_perturbation="tree_path_dependent")
Linear request: {"kind": "linear", "coef": [...], "intercept": b, "background": [[...]], "rows": [[...]]}
                 -> shap.LinearExplainer((coef, intercept), maskers.Independent(background, all rows))
Answer:         {"values": [[...], ...], "expected": e, "shap": version}
"""
import json
import sys

import numpy as np
import shap


def main():
    request = json.load(sys.stdin)
    rows = np.asarray(request["rows"], dtype=np.float64)
    if request["kind"] == "trees":
        trees = []
        for t in request["trees"]:
            trees.append({
                "children_left": np.asarray(t["children_left"], dtype=np.int32),
                "children_right": np.asarray(t["children_right"], dtype=np.int32),
                "children_default": np.asarray(t["children_default"], dtype=np.int32),
                "features": np.asarray(t["features"], dtype=np.int32),
                "thresholds": np.asarray(t["thresholds"], dtype=np.float64),
                "values": np.asarray(t["values"], dtype=np.float64).reshape(-1, 1),
                "node_sample_weight": np.asarray(t["node_sample_weight"], dtype=np.float64),
            })
        model = {"trees": trees, "base_offset": request.get("base_offset", 0.0)}
        explainer = shap.TreeExplainer(model, feature_perturbation="tree_path_dependent")
        values = explainer.shap_values(rows, check_additivity=False)
        expected = float(np.asarray(explainer.expected_value).reshape(-1)[0])
    else:
        coef = np.asarray(request["coef"], dtype=np.float64)
        background = np.asarray(request["background"], dtype=np.float64)
        # every background row (the masker's default keeps a sample of 100)
        masker = shap.maskers.Independent(background, max_samples=len(background))
        explainer = shap.LinearExplainer((coef, float(request["intercept"])), masker)
        values = explainer.shap_values(rows)
        expected = float(np.asarray(explainer.expected_value).reshape(-1)[0])
    json.dump({"values": np.asarray(values).tolist(), "expected": expected, "shap": shap.__version__}, sys.stdout)


if __name__ == "__main__":
    main()
