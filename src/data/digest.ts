/**
 * Digests that name data: a file's sha256 read in bounded blocks, and the sha256 of a value's
 * canonical JSON (object keys sorted), which keys stage results (src/plan.ts).
 */
import { platform } from "../runtime/index.ts";

const BLOCK = 8 << 20;

/**
 * sha256 of a file in hex, read in 8 MiB blocks (memory stays bounded): the plain sha256 for a
 * file of one block, else the sha256 of the blocks' sha256s.
 */
export async function fileSha256(path: string): Promise<string> {
  const hashes: string[] = [];
  const buffer = new Uint8Array(BLOCK);
  let filled = 0;
  for await (const chunk of platform.readChunks(path, BLOCK)) {
    let offset = 0;
    while (offset < chunk.length) {
      const n = Math.min(BLOCK - filled, chunk.length - offset);
      buffer.set(chunk.subarray(offset, offset + n), filled);
      filled += n;
      offset += n;
      if (filled === BLOCK) {
        hashes.push(await platform.sha256(buffer)); // the block is hashed (copied) before the await returns: reuse it
        filled = 0;
      }
    }
  }
  if (filled > 0 || hashes.length === 0) hashes.push(await platform.sha256(buffer.subarray(0, filled)));
  return hashes.length === 1 ? hashes[0] : await platform.sha256(hashes.join("\n"));
}

/** The data digest netsec shows (runs table, MLflow tag and dataset): the first 16 hex digits of a sha256. */
export function dataDigest(sha256: string): string {
  return sha256.slice(0, 16);
}

/** JSON with every object's keys sorted, so equal values give equal text whatever their key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) => (v && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v));
}

/** sha256 of a value's canonical JSON. */
export function valueSha256(value: unknown): Promise<string> {
  return platform.sha256(canonicalJson(value));
}
