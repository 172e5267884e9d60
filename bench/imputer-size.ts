/**
 * The fitted KNN imputer's size at scale: fits KnnImputer (k = 3) on N generated rows of 30
 * features in {-1, 0, 1} (2 % of the cells missing, rows almost all distinct), prints the state's
 * donor rows and its JSON size, and the seconds to fit and serialize it.
 *   deno run -A bench/imputer-size.ts [--rows 1000000]
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
