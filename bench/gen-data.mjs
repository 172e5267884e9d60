#!/usr/bin/env node
/**
 * Generate a large CSV in the seed's format for the benchmarks: rows resampled (with replacement,
 * seeded) from the real dataset, then a share of the feature cells blanked to `na` (missing values
 * for the imputer). Streams its output, so any size fits in memory.
 *
 *   node bench/gen-data.mjs [--rows 1000000] [--missing 0.001] [--seed 7] [--flip 0]
 *                           [--source ../shared/data/phisingData.csv] [--out bench/out/phishing-1m.csv]
 *
 * --missing is the share of feature cells made missing (the target is never blanked).
 * --flip P: each feature cell is replaced, with probability P, by another value seen in that column
 *   (the label stays the source row's). Resampled rows repeat (the real data has ~5.8k distinct
 *   feature vectors), which lets duplicate merging make any size cheap; --flip 0.15 gives almost
 *   distinct rows (every row ~4.5 changed cells) that still carry the real rows' signal. The number
 *   of distinct feature vectors is printed at the end.
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { csvLines, mulberry32, parseArgs } from "./gen-common.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const args = parseArgs();
const rows = Number(args.rows ?? 1_000_000);
const missing = Number(args.missing ?? 0.001);
const seed = Number(args.seed ?? 7);
const flip = Number(args.flip ?? 0);
const source = args.source ?? join(root, "..", "shared", "data", "phisingData.csv");
const out = args.out ?? join(root, "bench", "out", `phishing-${rows >= 1e6 ? `${rows / 1e6}m` : rows}.csv`);

const lines = readFileSync(source, "utf8").split(/\r?\n/).filter((l) => l.trim() !== "");
const header = lines[0];
const data = lines.slice(1).map((l) => l.split(","));
const features = data[0].length - 1;
const random = mulberry32(seed);
const columnValues = Array.from({ length: features }, (_, c) => [...new Set(data.map((cells) => cells[c]))].sort());
const distinct = flip > 0 ? new Set() : undefined;
const csv = await csvLines(out, header);
let blanked = 0;
for (let r = 0; r < rows; r++) {
  const cells = data[Math.floor(random() * data.length)].slice();
  if (flip > 0) {
    for (let c = 0; c < features; c++) {
      if (random() >= flip) continue;
      const others = columnValues[c].filter((v) => v !== cells[c]);
      if (others.length) cells[c] = others[Math.floor(random() * others.length)];
    }
    distinct.add(cells.slice(0, features).join(","));
  }
  for (let c = 0; c < features; c++) {
    if (random() < missing) {
      cells[c] = "na";
      blanked++;
    }
  }
  await csv.line(cells.join(","));
}
await csv.close();
const unique = distinct ? `, ${distinct.size} distinct feature vectors (flip ${flip})` : "";
console.error(`gen-data: ${rows} rows, ${blanked} missing cells (${((blanked / (rows * features)) * 100).toFixed(2)}% of feature cells)${unique}, seed ${seed} → ${out}`);
