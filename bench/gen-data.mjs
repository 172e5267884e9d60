#!/usr/bin/env node
/**
 * Generate a large CSV in the seed's format for the data-pipeline benchmark: rows resampled (with
 * replacement, seeded) from the real dataset, then a share of the feature cells blanked to `na`
 * (missing values for the imputer). Streams its output, so any size fits in memory.
 *
 *   node bench/gen-data.mjs [--rows 1000000] [--missing 0.001] [--seed 7]
 *                           [--source ../shared/data/phisingData.csv] [--out bench/out/phishing-1m.csv]
 *
 * --missing is the share of feature cells made missing (the target is never blanked).
 */
import { createWriteStream, mkdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const args = Object.fromEntries(process.argv.slice(2).reduce((pairs, a, i, all) => (a.startsWith("--") ? [...pairs, [a.slice(2), all[i + 1]]] : pairs), []));
const rows = Number(args.rows ?? 1_000_000);
const missing = Number(args.missing ?? 0.001);
const seed = Number(args.seed ?? 7);
const source = args.source ?? join(root, "..", "shared", "data", "phisingData.csv");
const out = args.out ?? join(root, "bench", "out", `phishing-${rows >= 1e6 ? `${rows / 1e6}m` : rows}.csv`);

function mulberry32(s) {
  let state = s >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const lines = readFileSync(source, "utf8").split(/\r?\n/).filter((l) => l.trim() !== "");
const header = lines[0];
const data = lines.slice(1).map((l) => l.split(","));
const features = data[0].length - 1;
const random = mulberry32(seed);
mkdirSync(dirname(out), { recursive: true });
const stream = createWriteStream(out);
const write = (text) => (stream.write(text) ? Promise.resolve() : new Promise((r) => stream.once("drain", r)));
await write(header + "\n");
let blanked = 0;
let buffer = [];
for (let r = 0; r < rows; r++) {
  const cells = data[Math.floor(random() * data.length)].slice();
  for (let c = 0; c < features; c++) {
    if (random() < missing) {
      cells[c] = "na";
      blanked++;
    }
  }
  buffer.push(cells.join(","));
  if (buffer.length === 10_000) {
    await write(buffer.join("\n") + "\n");
    buffer = [];
  }
}
if (buffer.length) await write(buffer.join("\n") + "\n");
await new Promise((resolve) => stream.end(resolve));
console.error(`gen-data: ${rows} rows, ${blanked} missing cells (${((blanked / (rows * features)) * 100).toFixed(2)}% of feature cells), seed ${seed} → ${out}`);
