/** Paths and service addresses the tests share. Services come from tests/global-setup.ts. */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const FIXTURES = join(ROOT, "tests", "fixtures");
/** The real dataset (never committed; tests may read it from ../shared). */
export const SHARED_DATA = join(ROOT, "..", "shared", "data", "phisingData.csv");
export const DENO = join(ROOT, "node_modules", "deno", "deno");
export const PYTHON = process.env.NETSEC_PYTHON ?? join(process.env.HOME ?? "", ".cache", "netsec", "venv", "bin", "python");

export function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the tests through vitest (tests/global-setup.ts starts the services)`);
  return value;
}

/** MongoDB under test: MONGODB_URI if the user set one, else the FerretDB that services.sh started. */
export function mongoUri(): string {
  return process.env.MONGODB_URI ?? requireEnv("NETSEC_TEST_MONGO_URI");
}

export function tempDir(prefix = "netsec-test-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}
