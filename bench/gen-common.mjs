/**
 * What the data generators of bench/ share (gen-data.mjs: resampled UCI rows; gen-continuous.mjs:
 * continuous flow features): the seeded PRNG, `--name value` arguments, and a CSV file written
 * in blocks of lines with back-pressure, so any row count fits in memory.
 */
import { createWriteStream, mkdirSync } from "node:fs";
import { dirname } from "node:path";

/** mulberry32: uniform in [0, 1), seeded (the same generator as src/stats/rng.ts). */
export function mulberry32(s) {
  let state = s >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `--name value` pairs of argv (after the script) as an object of strings. */
export function parseArgs(argv = process.argv.slice(2)) {
  return Object.fromEntries(argv.reduce((pairs, a, i, all) => (a.startsWith("--") ? [...pairs, [a.slice(2), all[i + 1]]] : pairs), []));
}

/**
 * A CSV file written line by line: `line(text)` buffers, every 10,000 lines go out in one write
 * (awaiting the stream's drain), `close()` flushes the rest. The header is the first line.
 */
export async function csvLines(path, header) {
  mkdirSync(dirname(path), { recursive: true });
  const stream = createWriteStream(path);
  const write = (text) => (stream.write(text) ? Promise.resolve() : new Promise((r) => stream.once("drain", r)));
  let buffer = [];
  await write(header + "\n");
  return {
    async line(text) {
      buffer.push(text);
      if (buffer.length === 10_000) {
        await write(buffer.join("\n") + "\n");
        buffer = [];
      }
    },
    async close() {
      if (buffer.length) await write(buffer.join("\n") + "\n");
      await new Promise((resolve) => stream.end(resolve));
    },
  };
}
