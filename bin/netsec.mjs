#!/usr/bin/env node
// `npx netsec …`: start the CLI under the Deno binary that npm installed (package "deno").
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const deno = join(root, "node_modules", "deno", "deno");
if (!existsSync(deno)) {
  console.error(`netsec: the Deno binary is missing (${deno}). Run \`npm ci\` in ${root} first.`);
  process.exit(1);
}
const result = spawnSync(
  deno,
  ["run", "--allow-all", "--quiet", "--config", join(root, "deno.json"), join(root, "src", "cli.ts"), ...process.argv.slice(2)],
  { stdio: "inherit", env: { ...process.env, DENO_NO_UPDATE_CHECK: "1" } },
);
if (result.error) {
  console.error(`netsec: could not start Deno: ${result.error.message}`);
  process.exit(1);
}
process.exit(result.status ?? 1);
