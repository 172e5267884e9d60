#!/usr/bin/env bash
# The equal-work model search: the same 33 grid points (bench/equal-work.yaml) × stratified 3-fold
# CV + the winner's refit, by netsec (bench/search-one.ts, 1 and 2 workers) and by scikit-learn
# (bench/sklearn_grid.py, GridSearchCV with n_jobs 1 and 2, one thread per process), on the same
# transformed UCI split; rounds interleaved. Then the start-up of the CLI (--help) through
# bin/netsec, npx and Deno directly (hyperfine, Debian's package).
#   bash bench/search.sh            (NETSEC_BENCH_ROUNDS=3)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DENO="$ROOT/node_modules/deno/deno"
PY="${NETSEC_PYTHON:-${NETSEC_CACHE:-$HOME/.cache/netsec}/venv/bin/python}"
ROUNDS="${NETSEC_BENCH_ROUNDS:-3}"
OUT="$ROOT/bench/out/search"
mkdir -p "$OUT"
cd "$OUT"
results="$OUT/runs.jsonl"
: > "$results"

bash "$ROOT/scripts/fetch-data" > /dev/null
if [ ! -f split ]; then
  "$DENO" run -A "$ROOT/bench/data-pipeline.ts" "$ROOT/network_data/phisingData.csv" "$OUT/Artifacts" > pipeline.json
  "$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["runDir"] + "/data_transformation/transformed")' pipeline.json > split
fi
split=$(cat split)
for round in $(seq 1 "$ROUNDS"); do
  for n in 1 2; do
    /usr/bin/time -f "%U %S" -o cpu.txt "$DENO" run -A "$ROOT/bench/search-one.ts" "$split/train.npy" "$split/test.npy" --experiment "$ROOT/bench/equal-work.yaml" --workers "$n" > run.json
    "$PY" -c 'import json,sys; d=json.loads(open("run.json").read().strip().splitlines()[-1]); d["processCpuS"]=sum(map(float,open("cpu.txt").read().split())); d["n"]=int(sys.argv[1]); print(json.dumps(d))' "$n" >> "$results"
    tail -1 "$results" | cut -c1-200
    /usr/bin/time -f "%U %S" -o cpu.txt "$PY" "$ROOT/bench/sklearn_grid.py" "$split/train.npy" "$split/test.npy" --jobs "$n" > run.json
    "$PY" -c 'import json,sys; d=json.loads(open("run.json").read().strip().splitlines()[-1]); d["processCpuS"]=sum(map(float,open("cpu.txt").read().split())); d["n"]=int(sys.argv[1]); print(json.dumps(d))' "$n" >> "$results"
    tail -1 "$results" | cut -c1-200
  done
done

"$PY" - "$results" <<'PYEOF'
import json, statistics, sys
runs = [json.loads(l) for l in open(sys.argv[1])]
print()
print("| system | workers / n_jobs | search + refit s min / median | CPU s median | winner | its test F1 |")
print("|---|---|---|---|---|---|")
med = {}
for system in ("netsec", "scikit-learn"):
    for n in (1, 2):
        rs = [r for r in runs if r["system"] == system and r["n"] == n]
        s = sorted(r["seconds"] for r in rs)
        med[(system, n)] = (s[0], statistics.median(s), rs[0]["testF1"])
        print(f"| {system} | {n} | {s[0]:.2f} / {statistics.median(s):.2f} | {statistics.median(r['processCpuS'] for r in rs):.1f} | "
              f"{rs[0]['best']['family']} {json.dumps(rs[0]['best']['params'])} | {rs[0]['testF1']:.4f} |")
for n in (1, 2):
    a, b = med[("netsec", n)], med[("scikit-learn", n)]
    print(f"\n{n} worker(s)/job(s): netsec / scikit-learn = {a[0] / b[0]:.2f}x (min), {a[1] / b[1]:.2f}x (median); test F1 difference {a[2] - b[2]:+.4f}")
PYEOF

echo
echo "== start-up: --help"
cd "$ROOT"
hyperfine --warmup 3 --runs 20 --export-markdown "$OUT/startup.md" \
  "bin/netsec --help" \
  "npx netsec --help" \
  "$DENO run --allow-all --quiet --config deno.json src/cli.ts --help" > /dev/null
cat "$OUT/startup.md"
