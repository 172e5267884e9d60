/**
 * The fitted KNN imputer's size at scale: fits KnnImputer (k = 3) on N generated rows of 30
 * features in {-1, 0, 1} (2 % of the cells missing, rows almost all distinct), prints the state's
 * donor rows and its JSON size, and the seconds to fit and serialize it; then imputes the first
 * `--queries` rows with a missing cell and projects the time for every such row (per-query cost ×
 * gap rows).
 *   deno run -A bench/imputer-size.ts [--rows 1000000] [--queries 2000]
 */
import { KnnImputer } from "../src/stats/knn-imputer.ts";
import { mulberry32 } from "../src/stats/rng.ts";

declare const Deno: { args: string[] };
const i = Deno.args.indexOf("--rows");
const rows = i >= 0 ? Number(Deno.args[i + 1]) : 1_000_000;
const cols = 30;
const rng = mulberry32(7);
const values = new Float64Array(rows * cols);
for (let v = 0; v < values.length; v++) values[v] = rng.next() < 0.02 ? NaN : rng.int(3) - 1;
const started = performance.now();
const state = new KnnImputer({ k: 3 }).fit(values, rows, cols).toJSON();
const bytes = JSON.stringify(state).length;
console.log(JSON.stringify({ rows, cols, donorRows: state.rows, fitRows: state.fitRows ?? rows, jsonBytes: bytes, jsonMB: bytes / 1e6, seconds: (performance.now() - started) / 1000 }));

// Imputation cost with that donor set: the first `--queries` rows with a missing cell (default 2,000).
const q = Deno.args.indexOf("--queries");
const queries = q >= 0 ? Number(Deno.args[q + 1]) : 2_000;
if (queries > 0) {
  const imputer = KnnImputer.fromJSON(state);
  const gap: number[] = [];
  for (let r = 0; r < rows && gap.length < queries; r++) {
    for (let c = 0; c < cols; c++) if (Number.isNaN(values[r * cols + c])) { gap.push(r); break; }
  }
  const x = new Float64Array(gap.length * cols);
  gap.forEach((r, j) => x.set(values.subarray(r * cols, (r + 1) * cols), j * cols));
  imputer.transform(x.subarray(0, cols), 1); // builds the index
  const t0 = performance.now();
  imputer.transform(x, gap.length);
  const perQueryMs = (performance.now() - t0) / gap.length;
  let gapRows = 0;
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) if (Number.isNaN(values[r * cols + c])) { gapRows++; break; }
  console.log(JSON.stringify({ queries: gap.length, perQueryMs, gapRows, projectedSeconds: (perQueryMs * gapRows) / 1000 }));
}
