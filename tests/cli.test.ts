import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "../src/cli/args.ts";
import { commands } from "../src/cli/commands.ts";
import { ROOT } from "./helpers/env.ts";

const specs = [
  { name: "input", value: "<csv>", description: "input file", required: true },
  { name: "model-dir", value: "<dir>", description: "model folder", default: "final_model" },
  { name: "json", description: "print JSON" },
];

describe("argument parsing", () => {
  it("reads values, flags, --name=value and defaults", () => {
    const args = parseArgs(["--input", "a.csv", "--json", "extra"], specs, "predict");
    expect(args.options).toEqual({ input: "a.csv", json: true, "model-dir": "final_model" });
    expect(args.positionals).toEqual(["extra"]);
    expect(parseArgs(["--input=b.csv", "--model-dir=m"], specs, "predict").options["model-dir"]).toBe("m");
  });

  it("names the unknown option and the known ones", () => {
    expect(() => parseArgs(["--inptu", "x"], specs, "predict")).toThrow(
      "netsec predict: unknown option --inptu (options: --input, --model-dir, --json; see netsec predict --help)",
    );
  });

  it("refuses a missing required option and a missing value", () => {
    expect(() => parseArgs([], specs, "predict")).toThrow("netsec predict: --input <csv> is required");
    expect(() => parseArgs(["--input"], specs, "predict")).toThrow("netsec predict: --input needs a value <csv>");
    expect(() => parseArgs(["--input", "a", "--json=1"], specs, "predict")).toThrow("--json is a flag and takes no value");
  });
});

describe("bin/netsec (npm's bin: the CLI under the npm-installed Deno)", () => {
  const run = (...args: string[]) => spawnSync(join(ROOT, "bin", "netsec"), args, { encoding: "utf8", cwd: ROOT });

  it("lists every registered command in --help", () => {
    const result = run("--help");
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("Usage: netsec <command> [options]");
    for (const command of commands) expect(result.stdout).toContain(`  ${command.name}`);
  });

  it("is package.json's bin under its own name (a shell script, no .mjs), and `npx netsec --help` runs it", () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
    expect(pkg.bin).toEqual({ netsec: "bin/netsec" });
    expect(readFileSync(join(ROOT, "bin", "netsec"), "utf8").startsWith("#!/bin/sh\n")).toBe(true);
    expect(existsSync(join(ROOT, "bin", "netsec.mjs"))).toBe(false);
    const npx = spawnSync("npx", ["netsec", "--help"], { encoding: "utf8", cwd: ROOT });
    expect(npx.status, npx.stderr).toBe(0);
    expect(npx.stdout).toContain("Usage: netsec <command> [options]");
  });

  it("answers an unknown command with exit code 2 and the help", () => {
    const result = run("frobnicate");
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('netsec: unknown command "frobnicate"');
  });

  it("shows each command's own options from its spec", () => {
    for (const command of commands) {
      const result = run(command.name, "--help");
      expect(result.status, result.stderr).toBe(0);
      for (const option of command.options) expect(result.stdout).toContain(`--${option.name}`);
    }
  });
});
