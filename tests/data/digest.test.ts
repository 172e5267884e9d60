/** fileSha256: a file read in 8 MiB blocks, one reused buffer; the sha256 of the blocks' sha256s. */
import { describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileSha256 } from "../../src/data/digest.ts";
import { tempDir } from "../helpers/env.ts";

const sha = (data: Uint8Array | string) => createHash("sha256").update(data).digest("hex");

describe("fileSha256", () => {
  it("hashes every block of a file over several blocks (each block its own bytes, not the last one's)", async () => {
    const MiB = 1 << 20;
    const bytes = new Uint8Array(20 * MiB);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 2654435761) >>> 24;
    bytes.fill(1, 0, 8 * MiB); // the first block differs from the second
    const path = join(tempDir("netsec-digest-"), "big.bin");
    writeFileSync(path, bytes);
    const blocks = [bytes.subarray(0, 8 * MiB), bytes.subarray(8 * MiB, 16 * MiB), bytes.subarray(16 * MiB)].map(sha);
    expect(await fileSha256(path)).toBe(sha(blocks.join("\n")));
  });

  it("is the plain sha256 for a file of one block", async () => {
    const path = join(tempDir("netsec-digest-"), "small.txt");
    writeFileSync(path, "a,b\n1,2\n");
    expect(await fileSha256(path)).toBe(sha("a,b\n1,2\n"));
  });
});
