"""Read back runs with the official MLflow Python client, as JSON, for tests/tracking.

usage: python readback.py <tracking uri> '<json: {"runs": [run ids], "model": name|null, "alias": name|null,
                                                  "experiment": name|null, "all_runs": bool}>'
Prints one JSON object: every param, tag, metric history (step, timestamp, value), artifact path
(recursive, with sizes) and dataset input of each run (all runs of `experiment` with all_runs),
the experiment's tags, and the registered model's versions (tags, description) and alias target.
Credentials come from MLFLOW_TRACKING_USERNAME / MLFLOW_TRACKING_PASSWORD, as for any MLflow user.
Runs under MLflow 2.7.1 (venv-mlflow27) and 3.x alike.
"""
import json
import math
import sys

from mlflow.tracking import MlflowClient


def artifacts(client, run_id, path=None):
    out = []
    for f in client.list_artifacts(run_id, path):
        if f.is_dir:
            out.extend(artifacts(client, run_id, f.path))
        else:
            out.append({"path": f.path, "size": f.file_size})
    return out


def value(v):
    if isinstance(v, float) and math.isnan(v):
        return "NaN"
    return v


def main():
    uri, spec = sys.argv[1], json.loads(sys.argv[2])
    import mlflow
    mlflow.set_tracking_uri(uri)  # MLflow 2.7's mlflow-artifacts repository resolves against it
    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    result = {"runs": {}, "model": None, "client_version": mlflow.__version__}
    if spec.get("experiment"):
        exp = client.get_experiment_by_name(spec["experiment"])
        result["experiment"] = {"id": exp.experiment_id, "tags": dict(exp.tags)} if exp else None
        if exp and spec.get("all_runs"):
            spec["runs"] = [r.info.run_id for r in client.search_runs([exp.experiment_id], max_results=1000)]
    for run_id in spec.get("runs", []):
        run = client.get_run(run_id)
        metrics = {}
        for key in run.data.metrics:
            hist = client.get_metric_history(run_id, key)
            metrics[key] = sorted([[m.step, m.timestamp, value(m.value)] for m in hist], key=lambda p: (p[0], p[1]))
        result["runs"][run_id] = {
            "name": run.info.run_name,
            "status": run.info.status,
            "experiment_id": run.info.experiment_id,
            "start_time": run.info.start_time,
            "end_time": run.info.end_time,
            "params": run.data.params,
            "tags": run.data.tags,
            "metrics": metrics,
            "artifacts": artifacts(client, run_id),
            "datasets": [
                {
                    "name": d.dataset.name,
                    "digest": d.dataset.digest,
                    "source_type": d.dataset.source_type,
                    "source": d.dataset.source,
                    "schema": d.dataset.schema,
                    "profile": d.dataset.profile,
                    "tags": {t.key: t.value for t in d.tags},
                }
                for d in (run.inputs.dataset_inputs if run.inputs else [])
            ],
        }
    name = spec.get("model")
    if name:
        versions = client.search_model_versions(f"name='{name}'")
        model = {
            "versions": sorted(
                [
                    # search results leave aliases out: read each version
                    {
                        "version": v.version,
                        "run_id": v.run_id,
                        "source": v.source,
                        "aliases": list(full.aliases or []),
                        "tags": dict(full.tags or {}),
                        "description": full.description,
                    }
                    for v in versions
                    for full in [client.get_model_version(name, v.version)]
                ],
                key=lambda v: int(v["version"]),
            )
        }
        alias = spec.get("alias")
        if alias:
            model["alias_version"] = client.get_model_version_by_alias(name, alias).version
        result["model"] = model
    print(json.dumps(result))


if __name__ == "__main__":
    main()
