#!/usr/bin/env bash
# `netsec train` with the default experiment vs pandas + LightGBM 3-fold CV + refit
# (bench/pandas_lgbm_train.py) on 2 threads, on the same generated CSV of almost distinct rows
# (bench/gen-data.mjs --flip 0.15: resampled UCI rows, every row ~4.5 cells changed), side by side
# in one run, rounds interleaved. Each run is its own process under /usr/bin/time: wall, CPU
# (user + sys), peak RSS. netsec's test F1 is its evaluate stage's (grouped split, threshold chosen
# on out-of-fold predictions); the peer's at 0.5 on a stratified split.
# NETSEC_BENCH_DATA_SIZES (e.g. "3000000") adds the data stages alone on that many rows, in the same
# rounds: netsec's ingest → validate → transform (bench/data-pipeline.ts) vs pandas + scikit-learn
# doing the same steps (bench/data-pipeline.py). The machine's load (`uptime`) is printed per run.
#   flock /tmp/netsec-heavy.lock bash bench/train-default.sh   (NETSEC_BENCH_SIZES="100000", NETSEC_BENCH_ROUNDS=1)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PY="${NETSEC_PYTHON:-${NETSEC_CACHE:-$HOME/.cache/netsec}/venv/bin/python}"
SIZES="${NETSEC_BENCH_SIZES:-100000}"
DATA_SIZES="${NETSEC_BENCH_DATA_SIZES:-}"
ROUNDS="${NETSEC_BENCH_ROUNDS:-1}"
EXPERIMENT="${NETSEC_BENCH_EXPERIMENT:-$ROOT/experiments/default.yaml}"
OUT="$ROOT/bench/out/train-default"
mkdir -p "$OUT"
cd "$OUT"
timed() { # label, command...: one JSON line with wall, cpu, peak RSS and the command's last JSON line
  local label=$1
  shift
  /usr/bin/time -f "%e %U %S %M" -o time.txt "$@" > run.out 2> run.err || { tail -5 run.err >&2; return 1; }
  read -r wall user sys rss < time.txt
  "$PY" - "$label" "$wall" "$user" "$sys" "$rss" <<'PYEOF'
import json, sys
label, wall, user, sys_, rss = sys.argv[1:]
d = json.loads(open("run.out").read().strip().splitlines()[-1])
keep = {k: d[k] for k in ("bestModel", "metrics", "cv", "testF1", "cvF1", "rows", "stages", "stagePeakRssMB") if k in d}
if isinstance(keep.get("stages"), dict): keep["stages"] = {k: (v.get("seconds") if isinstance(v, dict) else v) for k, v in keep["stages"].items()}
if "bestModel" in keep: keep["bestModel"] = {k: keep["bestModel"][k] for k in ("family", "params", "cvScore")}
if "metrics" in keep: keep["testF1"] = keep.pop("metrics").get("f1")
print(json.dumps({"label": label, "load": open("/proc/loadavg").read().split()[0], "wallS": float(wall), "cpuS": float(user) + float(sys_), "maxRssMb": int(rss) / 1024, **keep}))
PYEOF
}
for size in $DATA_SIZES; do
  csv="$OUT/rows-$size.csv"
  [ -f "$csv" ] || node "$ROOT/bench/gen-data.mjs" --rows "$size" --missing 0 --flip 0.15 --seed 7 --out "$csv"
  for round in $(seq "$ROUNDS"); do
    rm -rf data-artifacts data-peer
    timed "netsec data stages $size" "$ROOT/node_modules/deno/deno" run -A "$ROOT/bench/data-pipeline.ts" "$csv" "$OUT/data-artifacts"
    timed "pandas data stages $size" "$PY" "$ROOT/bench/data-pipeline.py" "$csv" "$OUT/data-peer"
  done
  rm -rf data-artifacts data-peer
done
for size in $SIZES; do
  csv="$OUT/rows-$size.csv"
  [ -f "$csv" ] || node "$ROOT/bench/gen-data.mjs" --rows "$size" --missing 0 --flip 0.15 --seed 7 --out "$csv"
  for round in $(seq "$ROUNDS"); do
    rm -rf Artifacts final_model .netsec
    NETSEC_STATE_DIR="$OUT/.netsec" MLFLOW_TRACKING_URI="" timed "netsec train $size" "$ROOT/bin/netsec" train --data "$csv" --experiment "$EXPERIMENT" --json
    timed "pandas+lightgbm $size" "$PY" "$ROOT/bench/pandas_lgbm_train.py" "$csv" --threads 2
  done
done
