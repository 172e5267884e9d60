#!/usr/bin/env bash
# One hist_gbt fit on 30 continuous features (bench/gen-continuous.mjs --features 30: normal,
# uniform and lognormal columns, every row distinct), 200k train rows / 50k test rows, 1 thread,
# side by side in one run with LightGBM and XGBoost at their best settings (bench/peer_fit.py
# --settings best: LightGBM force_row_wise + float32 + Dataset built before the timed fit; XGBoost
# hist + lossguide + QuantileDMatrix built before) and LightGBM as bench/ ran it before
# (--settings as-bench-ran: force_col_wise, float64).
# Same work: 300 trees, learning rate 0.2, 31 leaves, ≤ 255 bins, ≥ 20 rows a leaf, no L2.
# Rounds interleaved; each run is its own process. Prints one JSON line per run.
#   flock /tmp/netsec-heavy.lock bash bench/hist-continuous.sh     (NETSEC_BENCH_ROUNDS=2, NETSEC_BENCH_TREES=300)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DENO="$ROOT/node_modules/deno/deno"
PY="${NETSEC_PYTHON:-${NETSEC_CACHE:-$HOME/.cache/netsec}/venv/bin/python}"
ROUNDS="${NETSEC_BENCH_ROUNDS:-2}"
TREES="${NETSEC_BENCH_TREES:-300}"
OUT="$ROOT/bench/out/hist-continuous"
mkdir -p "$OUT"
[ -f "$OUT/c30-train.npy" ] || node "$ROOT/bench/gen-continuous.mjs" --rows 250000 --features 30 --seed 7 --npy-out "$OUT/c30"
TRAIN="$OUT/c30-train.npy" TEST="$OUT/c30-test.npy"
for round in $(seq "$ROUNDS"); do
  "$DENO" run -A "$ROOT/bench/fit-one.ts" "$TRAIN" "$TEST" --threads 1 --params "{\"n_estimators\":$TREES,\"learning_rate\":0.2,\"max_leaf_nodes\":31}"
  "$PY" "$ROOT/bench/peer_fit.py" "$TRAIN" "$TEST" --lib lightgbm --settings best --threads 1 --trees "$TREES"
  "$PY" "$ROOT/bench/peer_fit.py" "$TRAIN" "$TEST" --lib xgboost --settings best --threads 1 --trees "$TREES"
  "$PY" "$ROOT/bench/peer_fit.py" "$TRAIN" "$TEST" --lib lightgbm --settings as-bench-ran --threads 1 --trees "$TREES"
done
