#!/usr/bin/env bash
# Training at scale, side by side: one hist_gbt fit (netsec) vs LightGBM and XGBoost (PyPI) on the
# same almost-distinct rows, same split, same settings (300 trees, learning rate 0.2, 31 leaves,
# ≤ 255 bins, ≥ 20 rows a leaf, no L2), on 1 and 2 threads; then the single fit on the UCI split.
# Rounds are interleaved (every system once per round); each run is its own process under
# /usr/bin/time (wall, user + sys CPU, peak RSS). Prints one JSON line per run and a table.
#   bash bench/train-scale.sh            (NETSEC_BENCH_SIZES="10000 100000 1000000", NETSEC_BENCH_ROUNDS=3)
# Needs scripts/setup.sh's venv ($NETSEC_CACHE/venv) and the dataset copy.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DENO="$ROOT/node_modules/deno/deno"
PY="${NETSEC_PYTHON:-${NETSEC_CACHE:-$HOME/.cache/netsec}/venv/bin/python}"
SIZES="${NETSEC_BENCH_SIZES:-10000 100000 1000000}"
ROUNDS="${NETSEC_BENCH_ROUNDS:-3}"
OUT="$ROOT/bench/out/train-scale"
mkdir -p "$OUT"
cd "$OUT"
results="$OUT/runs.jsonl"
: > "$results"

# One run: label, then the command. Appends {"label", the script's JSON, "wallS", "cpuS", "maxRssMb"}.
run() {
  local label=$1
  shift
  /usr/bin/time -f "%e %U %S %M" -o time.txt "$@" > run.json 2> run.err || { cat run.err >&2; exit 1; }
  read -r wall user sys rss < time.txt
  "$PY" - "$label" "$wall" "$user" "$sys" "$rss" >> "$results" <<'PYEOF'
import json, sys
label, wall, user, sys_, rss = sys.argv[1:]
d = json.loads(open("run.json").read().strip().splitlines()[-1])
d.update(label=label, wallS=float(wall), cpuS=float(user) + float(sys_), maxRssMb=int(rss) / 1024)
print(json.dumps(d))
PYEOF
  tail -1 "$results"
}

split_of() { # rows → the transformed split of a netsec data pipeline run on generated rows
  local rows=$1 dir="$OUT/data-$1"
  if [ ! -f "$dir/split" ]; then
    rm -rf "$dir" && mkdir -p "$dir"
    node "$ROOT/bench/gen-data.mjs" --rows "$rows" --missing 0 --flip 0.15 --seed 7 --out "$dir/rows.csv" 2> "$dir/gen.txt"
    "$DENO" run -A "$ROOT/bench/data-pipeline.ts" "$dir/rows.csv" "$dir/Artifacts" > "$dir/pipeline.json"
    "$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["runDir"] + "/data_transformation/transformed")' "$dir/pipeline.json" > "$dir/split"
    rm -f "$dir/rows.csv"
  fi
  cat "$dir/split"
}

uci_split() {
  local dir="$OUT/data-uci"
  if [ ! -f "$dir/split" ]; then
    rm -rf "$dir" && mkdir -p "$dir"
    "$DENO" run -A "$ROOT/bench/data-pipeline.ts" "$ROOT/network_data/phisingData.csv" "$dir/Artifacts" > "$dir/pipeline.json"
    "$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["runDir"] + "/data_transformation/transformed")' "$dir/pipeline.json" > "$dir/split"
  fi
  cat "$dir/split"
}

bash "$ROOT/scripts/fetch-data" > /dev/null
for size in uci $SIZES; do
  if [ "$size" = uci ]; then split=$(uci_split); else split=$(split_of "$size"); fi
  echo "== $size rows: $split" >&2
  for round in $(seq 1 "$ROUNDS"); do
    for threads in 1 2; do
      run "$size netsec $threads" "$DENO" run -A "$ROOT/bench/fit-one.ts" "$split/train.npy" "$split/test.npy" --threads "$threads" --model-out "$OUT/model-$size-$threads.json"
      run "$size lightgbm $threads" "$PY" "$ROOT/bench/peer_fit.py" "$split/train.npy" "$split/test.npy" --lib lightgbm --settings as-bench-ran --threads "$threads"
      run "$size xgboost $threads" "$PY" "$ROOT/bench/peer_fit.py" "$split/train.npy" "$split/test.npy" --lib xgboost --settings as-bench-ran --threads "$threads"
    done
  done
  cmp -s "$OUT/model-$size-1.json" "$OUT/model-$size-2.json" && echo "$size: netsec model.json identical for 1 and 2 threads" >&2 \
    || { echo "$size: netsec model.json DIFFERS between 1 and 2 threads" >&2; exit 1; }
done

"$PY" - "$results" <<'PYEOF'
import json, statistics, sys
runs = [json.loads(l) for l in open(sys.argv[1])]
groups = {}
for r in runs:
    groups.setdefault(r["label"], []).append(r)
print()
print("| rows (train) | system | threads | fit wall s min / median | process CPU s median | peak RSS MB median | test F1 | test AUC |")
print("|---|---|---|---|---|---|---|---|")
for label, rs in groups.items():
    size, system, threads = label.split()
    fit = sorted(r["fitSeconds"] for r in rs)
    print(f"| {size} ({rs[0]['trainRows']:,}) | {system} | {threads} | {fit[0]:.2f} / {statistics.median(fit):.2f} | "
          f"{statistics.median(r['cpuS'] for r in rs):.1f} | {statistics.median(r['maxRssMb'] for r in rs):.0f} | "
          f"{rs[0]['testF1']:.4f} | {rs[0]['testAuc']:.4f} |")
PYEOF
