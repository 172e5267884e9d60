// The service's own cost without the network: Requests handed straight to the Hono app's fetch
// handler under Deno (no sockets, no client in the same CPU budget). Complements bench/serve.mjs,
// whose figures include the kernel, the client and whatever else runs on the machine.
// Usage: node_modules/deno/deno run -A --config deno.json bench/serve-inprocess.ts <model dir> <100k-row csv>
import { createApp } from "../src/serve/app.ts";
import { ModelStore } from "../src/serve/model-store.ts";
import { loadSchema } from "../src/schema.ts";
import { loadModelFile } from "../src/models/model-file.ts";
import { platform } from "../src/runtime/index.ts";

const [modelDir = "final_model", csvPath = "bench/out/serve-100000.csv"] = platform.args();
const schema = await loadSchema();
const store = new ModelStore({ dir: modelDir, load: (dir) => loadModelFile(dir, { schema }), pollMs: 0 });
await store.check();
const app = createApp({ schema, store });
const csv = await platform.readFile(csvPath);
const text = new TextDecoder().decode(csv.subarray(0, 4096)).split("\n");
const header = text[0].split(",").map((h) => h.replaceAll('"', ""));
const single = JSON.stringify([Object.fromEntries(header.map((h, i) => [h, Number(text[1].split(",")[i])]))]);

async function time(body: BodyInit, contentType: string, accept = "application/json"): Promise<number> {
  const started = performance.now();
  const response = await app.fetch(new Request("http://bench/predict", { method: "POST", headers: { "content-type": contentType, accept }, body }));
  await response.arrayBuffer();
  if (response.status !== 200) throw new Error(`status ${response.status}`);
  return performance.now() - started;
}

for (let i = 0; i < 1000; i++) await time(single, "application/json"); // warm-up
const times: number[] = [];
for (let i = 0; i < 10_000; i++) times.push(await time(single, "application/json"));
times.sort((a, b) => a - b);
const q = (f: number) => times[Math.floor(f * (times.length - 1))].toFixed(3);
console.log(`single-row JSON, 10000 requests: p50 ${q(0.5)} ms, p99 ${q(0.99)} ms, max ${q(1)} ms`);
const big: number[] = [];
for (let i = 0; i < 5; i++) big.push(await time(csv as BodyInit, "text/csv", "text/csv"));
big.sort((a, b) => a - b);
console.log(`${csvPath} (${(csv.length / 1e6).toFixed(1)} MB) as CSV: best ${big[0].toFixed(0)} ms, median ${big[2].toFixed(0)} ms`);
