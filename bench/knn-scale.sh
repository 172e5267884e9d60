#!/usr/bin/env bash
# KNN imputation at 30k, 100k and 1M distinct rows with 2 % missing cells: netsec (fit on the first
# 80 %, impute every row with a gap in both parts, bench/imputer-size.ts) and scikit-learn's
# KNNImputer(3) on the same rows (bench/sklearn_knn.py --csv) where it finishes (NETSEC_SKLEARN_SIZES).
# Rows: node bench/gen-data.mjs --rows N --missing 0.02 --flip 0.15 --seed 7 (almost all distinct).
# Run it under the benchmark lock:  flock /tmp/netsec-heavy.lock bash bench/knn-scale.sh
set -euo pipefail
cd "$(dirname "$0")/.."
out=bench/out/knn-scale
mkdir -p "$out"
PY="${NETSEC_PYTHON:-$HOME/.cache/netsec/venv/bin/python}"
DENO="node_modules/.bin/deno"
for n in ${NETSEC_BENCH_SIZES:-30000 100000 1000000}; do
  csv="bench/out/knn-$n.csv"
  [ -f "$csv" ] || node bench/gen-data.mjs --rows "$n" --missing 0.02 --flip 0.15 --seed 7 --out "$csv"
  echo "== $n rows, $(date -u +%H:%M:%S) UTC, $(uptime | sed 's/.*load/load/')"
  /usr/bin/time -f "netsec $n: wall %e s, user %U s, peak RSS %M KB" "$DENO" run -A bench/imputer-size.ts --csv "$csv" --queries all
  if [[ " ${NETSEC_SKLEARN_SIZES:-30000 100000} " == *" $n "* ]]; then
    /usr/bin/time -f "sklearn $n: wall %e s, user %U s, peak RSS %M KB" timeout "${NETSEC_SKLEARN_TIMEOUT:-900}" "$PY" bench/sklearn_knn.py --csv "$csv" || echo "sklearn $n: did not finish"
  fi
done 2>&1 | tee "$out/run-$(date -u +%H%M).log"
