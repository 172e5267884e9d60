#!/usr/bin/env node
/**
 * A generated network-flow table with continuous features and its own data contract: the other
 * kind of data `netsec train --schema` must handle (issue 24). Seeded, streamed, every row
 * distinct. Two layouts:
 *   - "flows" (default): 8 named flow statistics (lognormal byte and packet counts, durations, an
 *     entropy in [0, 8], a URL length, and `protocol` in {6, 17}: the one categorical column), target
 *     `malicious` in {0, 1} (1 = malicious, the positive class);
 *   - --features N: N continuous columns x01..xNN (normal, uniform and lognormal in turn), the same
 *     target. bench/ uses 30 of them for the histogram-tree benchmark.
 * The label comes from a logistic score of a few features (one interaction, one threshold), with
 * --flip of the labels flipped. --missing blanks that share of feature cells (empty cells).
 *
 *   node bench/gen-continuous.mjs [--rows 20000] [--features N] [--seed 7] [--flip 0.01]
 *        [--missing 0] --out flows.csv [--schema-out flows.schema.yaml] [--npy-out prefix]
 *
 * --npy-out writes <prefix>-train.npy and <prefix>-test.npy (float64, last column = class index,
 * the layout bench/fit-one.ts and bench/peer_fit.py read; the first 80 % of the rows train).
 */
import { openSync, writeSync, closeSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { csvLines, mulberry32, parseArgs } from "./gen-common.mjs";

export { mulberry32 };

const FLOW_COLUMNS = [
  { name: "duration_s", dtype: "float", description: "flow duration in seconds" },
  { name: "bytes_in", dtype: "float", description: "bytes from the client" },
  { name: "bytes_out", dtype: "float", description: "bytes to the client" },
  { name: "packets", dtype: "int", description: "packets in the flow" },
  { name: "mean_iat_ms", dtype: "float", description: "mean inter-arrival time (ms)" },
  { name: "payload_entropy", dtype: "float", description: "Shannon entropy of the payload (bits per byte)" },
  { name: "url_length", dtype: "int", description: "length of the requested URL" },
  { name: "protocol", dtype: "int", allowed: [6, 17], description: "IP protocol (6 = TCP, 17 = UDP)" },
];

/** The columns of a layout: the named flow statistics, or `features` generic continuous columns. */
export function layout(features) {
  if (!features) return FLOW_COLUMNS;
  return Array.from({ length: features }, (_, i) => ({ name: `x${String(i + 1).padStart(2, "0")}`, dtype: "float", description: ["normal", "uniform", "lognormal"][i % 3] }));
}

/** The data contract of a layout, as schema.yaml text. */
export function schemaYaml(features) {
  const lines = ["version: 1", `name: ${features ? `continuous-${features}` : "generated-flows"}`, "features:"];
  for (const c of layout(features)) {
    lines.push(`  - name: ${c.name}`, `    dtype: ${c.dtype}`);
    if (c.allowed) lines.push(`    allowed: [${c.allowed.join(", ")}]`);
    lines.push(`    description: "${c.description}"`);
  }
  lines.push("target:", "  name: malicious", "  dtype: int", "  allowed: [0, 1]", "  labels:", '    "0": benign', '    "1": malicious', "  positive: 1", "");
  return lines.join("\n");
}

/**
 * Row generator: yields [features..., label] as numbers (NaN = missing). Deterministic for a seed.
 */
export function* rows({ rows: count = 20_000, features, seed = 7, flip = 0.01, missing = 0 } = {}) {
  const random = mulberry32(seed);
  const normal = () => {
    const u = Math.max(random(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
  };
  const width = layout(features).length;
  for (let r = 0; r < count; r++) {
    const x = new Array(width);
    let score;
    if (!features) {
      const malicious = random() < 0.45; // the latent class drives the distributions
      const shift = malicious ? 1 : 0;
      x[0] = Math.exp(normal() * 0.8 + (malicious ? 0.2 : 1.0)); // duration
      x[1] = Math.exp(normal() + 6 + shift * 0.8); // bytes in
      x[2] = Math.exp(normal() + 8 - shift * 1.2); // bytes out
      x[3] = 1 + Math.floor(Math.exp(normal() * 0.7 + 2.5 - shift * 0.4)); // packets
      x[4] = Math.exp(normal() * 0.6 + 3 - shift * 0.9); // mean IAT
      x[5] = Math.min(8, Math.max(0, 5.5 + normal() * 0.9 + shift * 1.1)); // entropy
      x[6] = Math.max(1, Math.round(40 + normal() * 15 + shift * 25)); // url length
      x[7] = random() < (malicious ? 0.6 : 0.2) ? 17 : 6; // protocol
      score = 1.3 * (x[5] - 6) + 0.9 * (Math.log(x[1]) - Math.log(x[2]) + 1.5) + 0.04 * (x[6] - 52) - 0.8 * (Math.log(x[4]) - 2.5) + (x[7] === 17 ? 0.8 : -0.3);
      score *= 4;
    } else {
      for (let c = 0; c < width; c++) x[c] = c % 3 === 0 ? normal() : c % 3 === 1 ? random() * 10 : Math.exp(normal());
      score = 2 * x[0] - 0.6 * (x[1] - 5) + 1.5 * Math.log(x[2]) + (width > 3 ? 1.2 * x[3] * (x[4] > 5 ? 1 : -1) : 0) + (width > 6 ? (x[6] > 0.5 ? 1.5 : -1.5) : 0);
      score *= 1.5;
    }
    let label = random() < 1 / (1 + Math.exp(-score)) ? 1 : 0;
    if (random() < flip) label = 1 - label;
    if (missing > 0) for (let c = 0; c < width; c++) if (random() < missing) x[c] = NaN;
    x.push(label);
    yield x;
  }
}

const cell = (v) => (Number.isNaN(v) ? "" : Number.isInteger(v) ? String(v) : v.toPrecision(8));

/** The whole table as CSV text (small sizes; the CLI streams). */
export function csvText(options = {}) {
  const header = [...layout(options.features).map((c) => c.name), "malicious"].join(",");
  const out = [header];
  for (const x of rows(options)) out.push(x.map(cell).join(","));
  return out.join("\n") + "\n";
}

function npyHeader(count, width) {
  let dict = `{'descr': '<f8', 'fortran_order': False, 'shape': (${count}, ${width}), }`;
  const total = 10 + dict.length + 1;
  dict += " ".repeat((64 - (total % 64)) % 64) + "\n";
  const head = new Uint8Array(10 + dict.length);
  head.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, dict.length & 0xff, dict.length >> 8]);
  head.set(new TextEncoder().encode(dict), 10);
  return head;
}

async function main() {
  const args = parseArgs();
  const options = { rows: Number(args.rows ?? 20_000), features: args.features ? Number(args.features) : undefined, seed: Number(args.seed ?? 7), flip: Number(args.flip ?? 0.01), missing: Number(args.missing ?? 0) };
  if (args["schema-out"]) writeFileSync(args["schema-out"], schemaYaml(options.features));
  const width = layout(options.features).length + 1;
  const trainRows = Math.floor(options.rows * 0.8);
  let npy;
  const csv = args.out ? await csvLines(args.out, [...layout(options.features).map((c) => c.name), "malicious"].join(",")) : undefined;
  if (args["npy-out"]) {
    npy = [openSync(`${args["npy-out"]}-train.npy`, "w"), openSync(`${args["npy-out"]}-test.npy`, "w")];
    writeSync(npy[0], npyHeader(trainRows, width));
    writeSync(npy[1], npyHeader(options.rows - trainRows, width));
  }
  let r = 0;
  for (const x of rows(options)) {
    if (npy) writeSync(npy[r < trainRows ? 0 : 1], new Uint8Array(Float64Array.from(x).buffer));
    if (csv) await csv.line(x.map(cell).join(","));
    r++;
  }
  if (csv) await csv.close();
  if (npy) npy.forEach((fd) => closeSync(fd));
  console.error(`gen-continuous: ${options.rows} rows × ${width - 1} features, seed ${options.seed}, flip ${options.flip}, missing ${options.missing}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
