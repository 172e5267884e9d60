// The layer rules of docs/DESIGN.md bite: dependency-cruiser with the repository's
// .dependency-cruiser.cjs passes on src/ as it is, and fails — naming both files — on a copy of
// src/ with an upward import, a type-only import cycle, a Node built-in outside runtime/ or a file
// outside every layer planted in it. Also: no file under src/ is over 400 lines.
import { spawnSync } from "node:child_process";
import { appendFileSync, cpSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT, tempDir } from "./helpers/env.ts";

const CRUISER = join(ROOT, "node_modules", "dependency-cruiser", "bin", "dependency-cruise.mjs");

function cruise(cwd: string): { status: number | null; output: string } {
  const r = spawnSync(process.execPath, [CRUISER, "src", "--config", ".dependency-cruiser.cjs", "--output-type", "err"], { cwd, encoding: "utf8" });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

function copyOfRepo(): string {
  const dir = tempDir("netsec-layers-");
  cpSync(join(ROOT, "src"), join(dir, "src"), { recursive: true });
  for (const file of [".dependency-cruiser.cjs", "tsconfig.json", "package.json"]) cpSync(join(ROOT, file), join(dir, file));
  symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"));
  return dir;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : name.endsWith(".ts") ? [path] : [];
  });
}

describe("layers", () => {
  it("src/ as it is passes the layer check", () => {
    const r = cruise(ROOT);
    expect(r.output).toContain("no dependency violations found");
    expect(r.status).toBe(0);
  });

  it("fails on an upward import, a type-only cycle, a built-in outside runtime/ and an unlayered file, naming the files", () => {
    const dir = copyOfRepo();
    appendFileSync(join(dir, "src/stats/ks.ts"), '\nimport type { Command } from "../cli/command.ts";\nexport type Planted = Command;\n');
    appendFileSync(join(dir, "src/data/chunks.ts"), '\nimport type { CsvTable } from "./csv.ts";\nexport type PlantedTable = CsvTable;\n');
    appendFileSync(join(dir, "src/stages/split.ts"), '\nimport { readFileSync as plantedRead } from "node:fs";\nexport const planted = plantedRead;\n');
    writeFileSync(join(dir, "src/helpers.ts"), 'import { NetsecError } from "./errors.ts";\nexport const planted = NetsecError;\n');
    const r = cruise(dir);
    expect(r.status).not.toBe(0);
    expect(r.output).toContain("layer-1-base-imports-upward: src/stats/ks.ts → src/cli/command.ts");
    expect(r.output).toMatch(/no-circular: src\/data\/(chunks|csv)\.ts → \s*src\/data\/(csv|chunks)\.ts/);
    expect(r.output).toContain("runtime-only-node-builtins: src/stages/split.ts → fs");
    expect(r.output).toContain("unlayered-file: src/helpers.ts → src/errors.ts");
  });

  it("no file under src/ is over 400 lines", () => {
    const long = sourceFiles(join(ROOT, "src"))
      .map((path) => ({ file: relative(ROOT, path), lines: readFileSync(path, "utf8").split("\n").length }))
      .filter((f) => f.lines > 400);
    expect(long).toEqual([]);
  });
});
