#!/usr/bin/env bash
# Benchmark: ingest → validate → transform of a generated 1M-row CSV under Deno.
# Reports wall time and peak RSS (/usr/bin/time -v "Maximum resident set size"); goal < 1 GB.
#   bash bench/data-pipeline.sh [rows]        (default 1000000; the CSV is generated once, seeded)
set -euo pipefail
cd "$(dirname "$0")/.."
rows="${1:-1000000}"
missing="${NETSEC_BENCH_MISSING:-0.001}"
csv="bench/out/phishing-${rows}.csv"
[ -s "$csv" ] || node bench/gen-data.mjs --rows "$rows" --missing "$missing" --seed 7 --out "$csv"
rm -rf bench/out/Artifacts
deno=node_modules/deno/deno
echo "data-pipeline: $csv ($(du -h "$csv" | cut -f1)), $(nproc) cores, deno $("$deno" --version | sed -n 1p | cut -d' ' -f2)" >&2
/usr/bin/time -v "$deno" run -A bench/data-pipeline.ts "$csv" bench/out/Artifacts 2> bench/out/data-pipeline.time >bench/out/data-pipeline.json || { cat bench/out/data-pipeline.time >&2; exit 1; }
grep -E "^(run folder|ingest|validate|transform|warning)" bench/out/data-pipeline.time >&2 || true
wall=$(grep "Elapsed (wall clock)" bench/out/data-pipeline.time | awk '{print $NF}')
rss_kb=$(grep "Maximum resident set size" bench/out/data-pipeline.time | awk '{print $NF}')
echo "summary: $(cat bench/out/data-pipeline.json)"
echo "wall clock: $wall   peak RSS: $((rss_kb / 1024)) MB (goal < 1024 MB)"
