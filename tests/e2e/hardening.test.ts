/**
 * The CLI under Deno on inputs that used to go wrong: `predict` writing over its input (also
 * through links) or into a path that cannot be written, `report` on a folder that is not a run,
 * `train` on a binary file, and run folders saying whether they are complete, failed (and why) or
 * were stopped — in run.json and in Artifacts/index.html.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, linkSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DENO, ROOT, SHARED_DATA, tempDir } from "../helpers/env.ts";
import { COLUMNS, csvText, validRows } from "../stages/fixtures.ts";

function netsec(cwd: string, args: string[]) {
  return spawnSync(DENO, ["run", "-A", "--quiet", "--config", join(ROOT, "deno.json"), join(ROOT, "src", "cli.ts"), ...args], { cwd, encoding: "utf8", env: { ...process.env, NO_COLOR: "1", MLFLOW_TRACKING_URI: "" } });
}

const FAST = join(ROOT, "experiments", "fast.yaml");

/** The row of run folder `run` in `<dir>/Artifacts/index.html` (the netsec runs columns; status among them). */
function indexRow(dir: string, run: string): string {
  const index = readFileSync(join(dir, "Artifacts", "index.html"), "utf8");
  const row = index.split("\n").find((line) => line.startsWith("<tr>") && line.includes(`>${run}</td>`));
  expect(row, index).toBeDefined();
  return row!;
}

/** stderr is one line naming the command (no stack trace, no "Uncaught"). */
function oneLine(stderr: string, command: string): string {
  const lines = stderr.trim().split("\n");
  expect(lines, stderr).toHaveLength(1);
  expect(lines[0].startsWith(`netsec ${command}: error`)).toBe(true);
  expect(stderr).not.toMatch(/Uncaught|\n\s+at /);
  return lines[0];
}

describe.skipIf(!existsSync(SHARED_DATA))("CLI hardening (Deno)", () => {
  const cwd = tempDir("netsec-e2e-hard-");
  const input = join(cwd, "rows.csv");
  const original = csvText(COLUMNS.slice(0, -1), validRows(20).map((r) => r.slice(0, -1)));

  beforeAll(() => {
    const trained = netsec(cwd, ["train", "--data", SHARED_DATA, "--experiment", FAST, "--json"]);
    expect(trained.status, trained.stderr).toBe(0);
    writeFileSync(input, original);
  });

  it("a finished run says complete in run.json and in Artifacts/index.html", () => {
    const runs = readdirSync(join(cwd, "Artifacts")).filter((n) => /^\d\d_/.test(n));
    expect(runs).toHaveLength(1);
    const status = JSON.parse(readFileSync(join(cwd, "Artifacts", runs[0], "run.json"), "utf8"));
    expect(status).toMatchObject({ format: "netsec-run", status: "complete" });
    expect(status.finishedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(indexRow(cwd, runs[0])).toContain("<td>complete</td>");
  });

  it("predict refuses to write over its input: same path, a symbolic link, a hard link", () => {
    symlinkSync(input, join(cwd, "soft.csv"));
    linkSync(input, join(cwd, "hard.csv"));
    for (const output of ["rows.csv", join(cwd, "rows.csv"), "soft.csv", "hard.csv"]) {
      const r = netsec(cwd, ["predict", "--input", "rows.csv", "--output", output]);
      expect(r.status, r.stderr).toBe(2);
      expect(oneLine(r.stderr, "predict")).toMatch(/is the input file rows\.csv.*write to another file/);
      expect(readFileSync(input, "utf8")).toBe(original);
    }
    const ok = netsec(cwd, ["predict", "--input", "rows.csv", "--output", "scored.csv"]);
    expect(ok.status, ok.stderr).toBe(0);
  });

  it("predict into a path under a file, a missing folder or a read-only folder: one line, no stack trace", () => {
    const cases: [string, RegExp][] = [
      [join("rows.csv", "out.csv"), /cannot write rows\.csv\/out\.csv: rows\.csv is a file, not a folder/],
      [join("no", "such", "out.csv"), /cannot write no\/such\/out\.csv: the folder no\/such does not exist/],
      [cwd, /cannot write .*: it is a folder, expected a file name/],
    ];
    for (const [output, message] of cases) {
      const r = netsec(cwd, ["predict", "--input", "rows.csv", "--output", output]);
      expect(r.status).toBe(1);
      expect(oneLine(r.stderr, "predict")).toMatch(message);
    }
    if (process.getuid?.() !== 0) {
      const locked = join(cwd, "locked");
      mkdirSync(locked, { mode: 0o500 });
      const r = netsec(cwd, ["predict", "--input", "rows.csv", "--output", join(locked, "out.csv")]);
      expect(r.status).toBe(1);
      expect(oneLine(r.stderr, "predict")).toMatch(/permission denied/);
    }
  });

  it("report refuses a folder that is not a run and writes nothing there", () => {
    const empty = join(cwd, "empty");
    mkdirSync(empty);
    const r = netsec(cwd, ["report", empty]);
    expect(r.status).toBe(2);
    expect(oneLine(r.stderr, "report")).toMatch(/empty is not a run folder: it has no run\.json and none of the stage folders/);
    expect(readdirSync(empty)).toEqual([]);
  });

  it("train on a binary file is refused at ingest naming the file and what was expected; no run folder is left", () => {
    const dir = tempDir("netsec-e2e-binary-");
    const binary = join(dir, "data.csv");
    writeFileSync(binary, Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)));
    const r = netsec(dir, ["train", "--data", binary, "--experiment", FAST]);
    expect(r.status).toBe(1);
    const line = oneLine(r.stderr.split("\n").filter((l) => l.startsWith("netsec train: error")).join("\n"), "train");
    expect(line).toContain(`${binary}: not a UTF-8 CSV file: it has a NUL byte at byte offset 0: it looks like a binary file, not text`);
    expect(existsSync(join(dir, "Artifacts")) ? readdirSync(join(dir, "Artifacts")).filter((n) => /^\d\d_/.test(n)) : []).toEqual([]);
    // A UTF-16 file names its encoding.
    writeFileSync(binary, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(csvText(COLUMNS, validRows(5)), "utf16le")]));
    const utf16 = netsec(dir, ["train", "--data", binary, "--experiment", FAST]);
    expect(utf16.stderr).toContain("it is UTF-16LE text (byte-order mark ff fe); save it as UTF-8");
  });

  it("a stage that fails marks the run failed with the stage and the reason, shown in index.html", () => {
    const dir = tempDir("netsec-e2e-failed-");
    const columns = [...COLUMNS.slice(0, 3), "Not_A_Feature", ...COLUMNS.slice(4)];
    writeFileSync(join(dir, "bad.csv"), csvText(columns, validRows(200)));
    const r = netsec(dir, ["train", "--data", "bad.csv", "--experiment", FAST]);
    expect(r.status).toBe(1);
    const [run] = readdirSync(join(dir, "Artifacts")).filter((n) => /^\d\d_/.test(n));
    const status = JSON.parse(readFileSync(join(dir, "Artifacts", run, "run.json"), "utf8"));
    expect(status).toMatchObject({ status: "failed", stage: "validation" });
    expect(status.reason).toContain("Not_A_Feature");
    const row = indexRow(dir, run);
    expect(row).toContain(`<td>failed in validation: ${join("Artifacts", run)}/data_ingestion/ingested/train.csv: the columns do not match the contract`);
  });

  it("a killed run stays 'running' in run.json and the index shows it as incomplete", async () => {
    const dir = tempDir("netsec-e2e-killed-");
    const child = spawn(DENO, ["run", "-A", "--quiet", "--config", join(ROOT, "deno.json"), join(ROOT, "src", "cli.ts"), "train", "--data", SHARED_DATA, "--experiment", FAST], { cwd: dir, stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, MLFLOW_TRACKING_URI: "" } });
    // Kill it once the first stage folder is complete (the run is under way).
    await new Promise<void>((resolve) => {
      child.stderr.on("data", (chunk: Buffer) => {
        if (chunk.toString().includes("ingest:")) {
          child.kill("SIGKILL");
          resolve();
        }
      });
    });
    await new Promise((resolve) => child.on("exit", resolve));
    const [run] = readdirSync(join(dir, "Artifacts")).filter((n) => /^\d\d_/.test(n));
    expect(JSON.parse(readFileSync(join(dir, "Artifacts", run, "run.json"), "utf8")).status).toBe("running");
    // The next run's index lists the killed one as incomplete.
    const next = netsec(dir, ["train", "--data", SHARED_DATA, "--experiment", FAST]);
    expect(next.status, next.stderr).toBe(0);
    expect(indexRow(dir, run)).toContain("<td>incomplete: running, or stopped before it ended</td>");
  });
});
