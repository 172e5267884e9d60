#!/usr/bin/env bash
# Models benchmark: `netsec train` (whole pipeline, default experiment) and the scikit-learn seed
# pipeline on the SAME split, in one run; then batch prediction rates (one thread and 2 workers, on
# distinct rows), a 10M-row `netsec predict`, and 1M distinct rows through `netsec predict` with and
# without workers.
#   bash bench/models.sh            (NETSEC_BENCH_ROWS=10000000 rows for the predict run)
# Needs the venv of scripts/setup.sh (~/.cache/netsec/venv) and the dataset copy.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DENO="$ROOT/node_modules/deno/deno"
PY="${NETSEC_PYTHON:-$HOME/.cache/netsec/venv/bin/python}"
DATA="${NETSEC_BENCH_DATA:-$ROOT/../shared/data/phisingData.csv}"
ROWS="${NETSEC_BENCH_ROWS:-10000000}"
OUT="$ROOT/bench/out/models"
rm -rf "$OUT" && mkdir -p "$OUT"
cd "$OUT"

echo "== netsec train (Deno, whole pipeline: ingest → validate → transform → search → evaluate → push)"
start=$(date +%s.%N)
MLFLOW_TRACKING_URI= /usr/bin/time -f "%U %S" -o train.cpu "$DENO" run -A "$ROOT/src/cli.ts" train --data "$DATA" --json > train.json 2> train.err
ours=$(echo "$(date +%s.%N) - $start" | bc)
RUN="$OUT/$(tail -1 train.json | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["runDir"])')"
echo "netsec train: ${ours}s, run $RUN"

echo "== scikit-learn seed pipeline on the same split (ingested train/test CSVs of that run)"
start=$(date +%s.%N)
/usr/bin/time -f "%U %S" -o sklearn.cpu "$PY" "$ROOT/bench/sklearn_seed.py" "$RUN" --predict-rows 100000 > sklearn.json
theirs_wall=$(echo "$(date +%s.%N) - $start" | bc)

echo "== prediction rates and hist_forest quality (Deno)"
"$DENO" run -A "$ROOT/bench/models-predict.ts" "$RUN" "$OUT/final_model" --rows 100000 > ours-predict.json

echo "== netsec predict on $ROWS generated rows (constant memory)"
node "$ROOT/bench/gen-data.mjs" --rows "$ROWS" --missing 0 --out "$OUT/predict-input.csv" > /dev/null
/usr/bin/time -v "$DENO" run -A "$ROOT/src/cli.ts" predict --input predict-input.csv --output predict-output.csv --model-dir final_model --json > predict.json 2> predict.time || { tail -20 predict.time; exit 1; }
rss_kb=$(grep "Maximum resident set size" predict.time | awk '{print $NF}')
rm -f predict-input.csv predict-output.csv

echo "== netsec predict on 1,000,000 DISTINCT rows (random allowed values), one thread vs workers (default)"
"$PY" - "$ROOT/schema.yaml" "$OUT/distinct-input.csv" <<'PYEOF'
import random, sys, yaml
schema = yaml.safe_load(open(sys.argv[1]))
allowed = [f.get("allowed") or [-1, 0, 1] for f in schema["features"]]
rng = random.Random(5)
with open(sys.argv[2], "w") as out:
    out.write(",".join(f["name"] for f in schema["features"]) + "\n")
    for _ in range(50):
        out.write("\n".join(",".join(str(rng.choice(a)) for a in allowed) for _ in range(20000)) + "\n")
PYEOF
"$DENO" run -A "$ROOT/src/cli.ts" predict --input distinct-input.csv --output distinct-output-0.csv --model-dir final_model --workers 0 --json > predict-distinct-0.json
"$DENO" run -A "$ROOT/src/cli.ts" predict --input distinct-input.csv --output distinct-output-w.csv --model-dir final_model --json > predict-distinct-w.json
cmp distinct-output-0.csv distinct-output-w.csv && echo "same output with and without workers"
rm -f distinct-input.csv distinct-output-0.csv distinct-output-w.csv

"$PY" - "$ours" "$theirs_wall" "$rss_kb" <<'PYEOF'
import json, sys
ours_s, theirs_wall, rss_kb = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
train = json.loads(open("train.json").read().strip().splitlines()[-1])
sk = json.loads(open("sklearn.json").read().strip().splitlines()[-1])
pr = json.loads(open("ours-predict.json").read().strip().splitlines()[-1])
pj = json.loads(open("predict.json").read().strip().splitlines()[-1])
search_s = train["stages"]["trainer"]["searchSeconds"]
print()
print("| figure | netsec | scikit-learn seed | ratio | goal |")
print("|---|---|---|---|---|")
print(f"| whole pipeline with model search, s | {ours_s:.1f} | {sk['seconds']:.1f} (search part; {theirs_wall:.1f} with Python start-up and the extra RF fits) | {ours_s / sk['seconds']:.3f}× | ≤ 0.25× |")
ours_cpu = sum(map(float, open("train.cpu").read().split()))
sk_cpu = sum(map(float, open("sklearn.cpu").read().split()))
print(f"| CPU seconds (the machine is shared, so wall time is noisy): netsec process user+sys vs sklearn pipeline process_time | {ours_cpu:.1f} | {sk['cpu_seconds']:.1f} | {ours_cpu / sk['cpu_seconds']:.3f}× | |")
print(f"| best model (by CV F1) | {train['bestModel']['family']} {json.dumps(train['bestModel']['params'])} | {sk['best']['model']} {json.dumps(sk['best']['params'])} | | |")
print(f"| its test F1 (phishing) | {train['metrics']['f1']:.4f} | {sk['best']['test_f1']:.4f} | {train['metrics']['f1'] - sk['best']['test_f1']:+.4f} | ≥ −0.002 |")
print(f"| random forest test F1 (100 trees, mean of 5 seeds) | {pr['hist_forest100_test_f1_mean_5_seeds']:.4f} | {sk['rf100_test_f1_mean_5_seeds']:.4f} | {pr['hist_forest100_test_f1_mean_5_seeds'] - sk['rf100_test_f1_mean_5_seeds']:+.4f} | within 0.002 |")
sk_rate = sk['rf256_predict_rows_per_s']
print(f"| batch prediction rows/s, pushed model, test rows tiled, no cache, one thread, vs sklearn RF 256 (one core) | {pr['pushed']['predict_rows_per_s']:,.0f} | {sk_rate:,.0f} | {pr['pushed']['predict_rows_per_s'] / sk_rate:.1f}× | ≥ 10× |")
print(f"| batch prediction rows/s, pushed model, 100k distinct random rows, no cache, one thread | {pr['pushed']['distinct_rows_per_s']:,.0f} | {sk_rate:,.0f} | {pr['pushed']['distinct_rows_per_s'] / sk_rate:.1f}× | |")
print(f"| batch prediction rows/s, pushed model, test rows tiled, row cache on (default) | {pr['pushed']['repeated_rows_with_cache_per_s']:,.0f} | {sk_rate:,.0f} | {pr['pushed']['repeated_rows_with_cache_per_s'] / sk_rate:.1f}× | |")
print(f"| batch prediction rows/s, pushed model, 100k distinct random rows, 2 workers (identical answers: {pr['pushed']['two_workers_identical_to_one_thread']}) | {pr['pushed']['two_workers_distinct_rows_per_s']:,.0f} | {sk_rate:,.0f} | {pr['pushed']['two_workers_distinct_rows_per_s'] / sk_rate:.1f}× | ≥ 10× |")
print(f"| batch prediction rows/s, pushed model, test rows tiled, no cache, 2 workers | {pr['pushed']['two_workers_tiled_rows_per_s']:,.0f} | {sk_rate:,.0f} | {pr['pushed']['two_workers_tiled_rows_per_s'] / sk_rate:.1f}× | ≥ 10× |")
print(f"| batch prediction rows/s, pushed model, 100k distinct random rows, this thread + 1 worker (identical answers: {pr['pushed']['this_thread_plus_worker_identical_to_one_thread']}) | {pr['pushed']['this_thread_plus_worker_distinct_rows_per_s']:,.0f} | {sk_rate:,.0f} | {pr['pushed']['this_thread_plus_worker_distinct_rows_per_s'] / sk_rate:.1f}× | ≥ 10× |")
print(f"| batch prediction rows/s, pushed model, test rows tiled, no cache, this thread + 1 worker | {pr['pushed']['this_thread_plus_worker_tiled_rows_per_s']:,.0f} | {sk_rate:,.0f} | {pr['pushed']['this_thread_plus_worker_tiled_rows_per_s'] / sk_rate:.1f}× | ≥ 10× |")
print(f"| batch prediction, rows/s (hist_forest 256 vs sklearn RF 256) | {pr['hist_forest256_predict_rows_per_s']:,.0f} | {sk['rf256_predict_rows_per_s']:,.0f} | {pr['hist_forest256_predict_rows_per_s'] / sk['rf256_predict_rows_per_s']:.1f}× | |")
print(f"| batch prediction, rows/s (hist_forest 256 on 2 workers vs sklearn RF 256 one core) | {pr['hist_forest256_two_workers_rows_per_s']:,.0f} | {sk['rf256_predict_rows_per_s']:,.0f} | {pr['hist_forest256_two_workers_rows_per_s'] / sk['rf256_predict_rows_per_s']:.1f}× | |")
print(f"| netsec predict {pj['rows']:,} rows (CSV in → CSV out) | {pj['seconds']:.1f} s, {pj['rows'] / pj['seconds']:,.0f} rows/s, peak RSS {rss_kb / 1024:.0f} MB | | | constant memory |")
d0 = json.loads(open("predict-distinct-0.json").read().strip().splitlines()[-1])
dw = json.loads(open("predict-distinct-w.json").read().strip().splitlines()[-1])
print(f"| netsec predict 1,000,000 distinct rows (CSV in → CSV out), one thread (--workers 0) vs workers (default) | {d0['seconds']:.1f} s → {dw['seconds']:.1f} s ({d0['rows'] / d0['seconds']:,.0f} → {dw['rows'] / dw['seconds']:,.0f} rows/s) | | {d0['seconds'] / dw['seconds']:.2f}× faster | |")
print()
print("scikit-learn per model:", json.dumps({k: {"cv_f1": round(v["cv_f1"], 4), "test_f1": round(v["test_f1"], 4), "s": round(v["seconds"], 1)} for k, v in sk["models"].items()}))
PYEOF
