/**
 * The fitted KNN imputer's size and speed at scale: fits KnnImputer (k = 3) on N rows of 30
 * features, prints the state's donor rows and its JSON size, and the seconds to fit and serialize
 * it; then imputes rows with a missing cell.
 *   deno run -A bench/imputer-size.ts [--rows 1000000] [--queries 2000]
 *     N generated rows in {-1, 0, 1}, each cell uniform (2 % missing; the worst case: no structure,
 *     rows almost all distinct); imputes the first `--queries` rows with a gap and projects the time
 *     for every such row (per-query cost × gap rows). `--queries all` imputes every gap row.
 *   deno run -A bench/imputer-size.ts --csv bench/out/knn-1000000.csv [--queries all]
 *     the rows of a CSV in the seed's format (`na` = missing, last column the target, dropped), e.g.
 *     from `node bench/gen-data.mjs --rows 1000000 --missing 0.02 --flip 0.15 --seed 7`; fit on the
 *     first 80 % (the train split), impute the gap rows of both parts, as the transform stage does.
 */
import { KnnImputer } from "../src/stats/knn-imputer.ts";
import { mulberry32 } from "../src/stats/rng.ts";

declare const Deno: { args: string[]; readTextFileSync(path: string): string };
const arg = (name: string) => {
  const i = Deno.args.indexOf(name);
  return i >= 0 ? Deno.args[i + 1] : undefined;
};
const csv = arg("--csv");
let rows: number;
let cols = 30;
let values: Float64Array;
if (csv) {
  const lines = Deno.readTextFileSync(csv).split("\n").filter((l) => l !== "");
  cols = lines[0]!.split(",").length - 1;
  rows = lines.length - 1;
  values = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const cells = lines[r + 1]!.split(",");
    for (let c = 0; c < cols; c++) values[r * cols + c] = cells[c] === "na" ? NaN : Number(cells[c]);
  }
} else {
  rows = Number(arg("--rows") ?? 1_000_000);
  const rng = mulberry32(7);
  values = new Float64Array(rows * cols);
  for (let v = 0; v < values.length; v++) values[v] = rng.next() < 0.02 ? NaN : rng.int(3) - 1;
}
const fitRows = csv ? Math.floor(rows * 0.8) : rows;
const started = performance.now();
const fitted = new KnnImputer({ k: 3 }).fit(values.subarray(0, fitRows * cols), fitRows, cols);
const state = fitted.toJSON();
const bytes = JSON.stringify(state).length;
console.log(JSON.stringify({ source: csv ?? "uniform", rows, fitRows, cols, donorRows: state.rows, jsonBytes: bytes, jsonMB: bytes / 1e6, seconds: (performance.now() - started) / 1000 }));

const gap: number[] = [];
for (let r = 0; r < rows; r++) {
  for (let c = 0; c < cols; c++) if (Number.isNaN(values[r * cols + c])) { gap.push(r); break; }
}
const q = arg("--queries") ?? "2000";
const queries = q === "all" ? gap.length : Math.min(gap.length, Number(q));
if (queries > 0) {
  const imputer = KnnImputer.fromJSON(state);
  const x = new Float64Array(queries * cols);
  for (let j = 0; j < queries; j++) x.set(values.subarray(gap[j]! * cols, (gap[j]! + 1) * cols), j * cols);
  const t0 = performance.now();
  imputer.transform(x.subarray(0, cols), 1); // builds the search index (on first use)
  const indexSeconds = (performance.now() - t0) / 1000;
  const t1 = performance.now();
  imputer.transform(x, queries);
  const searchSeconds = (performance.now() - t1) / 1000;
  const perQueryMs = (searchSeconds * 1000) / queries;
  // projected: the index once, then every gap row at this sample's cost per query
  console.log(JSON.stringify({ queries, gapRows: gap.length, indexSeconds, searchSeconds, perQueryMs, projectedSeconds: indexSeconds + (perQueryMs * gap.length) / 1000 }));
}
