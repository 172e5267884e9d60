// Writes a model folder for bench/serve.mjs when no pushed model is at hand: the transform stage's
// preprocessor and a 100-tree hist_forest fitted on the whole real data set, in the format
// `loadModelFile` reads (the same files `netsec train` pushes).
// Usage: node_modules/deno/deno run -A --config deno.json bench/serve-model.ts bench/out/final_model [trees]
import { writeRealModel } from "../tests/serve/real-model.ts";

const [dir = "bench/out/final_model", trees = "100"] = (globalThis as unknown as { Deno: { args: string[] } }).Deno.args;
await writeRealModel(dir, 1, Number(trees));
console.log(`wrote ${dir}/model.json (hist_forest, ${trees} trees)`);
