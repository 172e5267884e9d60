// The notebook session (src/session/): steps that run what is missing, results keyed by their
// inputs (a rerun writes nothing, a changed grid re-runs only the search), lineage, tracking like
// the CLI, and the everyday questions. Under Node, on 600 generated rows; the live-kernel test is
// tests/session/kernel.test.ts.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { session } from "../../src/session/session.ts";
import { parseExperiment } from "../../src/experiment.ts";
import { localRunRows } from "../../src/tracking/runs.ts";
import { readRunStatus } from "../../src/artifacts.ts";
import { collectRuns } from "../../src/report/gc.ts";
import { isNetsecError } from "../../src/errors.ts";
import { tempDir } from "../helpers/env.ts";
import { writeFixtureData } from "../report/fixture-run.ts";

const EXPERIMENT = `name: session-test
seed: 7
search:
  folds: 3
  workers: 0
  candidates:
    - family: hist_gbt
      grid: { n_estimators: [20], learning_rate: [0.3] }
    - family: logistic_regression
gates: { min_score: 0.5, max_overfit: 0.5 }
`;

async function lab(dir: string, data?: string) {
  return await session({
    experiment: parseExperiment(EXPERIMENT, "session-test.yaml"),
    data: data ?? await writeFixtureData(dir),
    artifacts: join(dir, "Artifacts"),
    modelDir: join(dir, "final_model"),
    stateDir: join(dir, ".netsec"),
    quiet: true,
  });
}

/** Every file under `dir` with its size and mtime: what "writes nothing" is checked against. */
function snapshot(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const s = statSync(p);
      if (s.isDirectory()) walk(p);
      else out.push(`${p} ${s.size} ${s.mtimeMs}`);
    }
  };
  walk(dir);
  return out.sort();
}

describe("session steps", () => {
  it("runs the missing earlier steps, then answers a repeated step from memory and writes nothing", async () => {
    const dir = tempDir("netsec-session-");
    const l = await lab(dir);
    const first = await l.search();
    expect(first.provenance.map((p) => [p.stage, p.origin])).toEqual([["ingestion", "ran"], ["validation", "ran"], ["transformation", "ran"], ["trainer", "ran"]]);
    const before = snapshot(join(dir, "Artifacts"));
    const again = await l.search();
    expect(again.provenance.every((p) => p.origin === "memory")).toBe(true);
    expect(again.trainer).toBe(first.trainer);
    expect(snapshot(join(dir, "Artifacts"))).toEqual(before);
    expect(again.toString()).toContain("reused (same inputs, nothing re-run): ingest, validate, transform, search");
  });

  it("a changed grid re-runs only the search, into a new run folder that reuses the data stages by lineage", async () => {
    const dir = tempDir("netsec-session-");
    const l = await lab(dir);
    const first = await l.search();
    const firstRun = first.trainer.dir.split("/").at(-2)!;
    const second = await l.search("hist_gbt", { n_estimators: [10, 30], learning_rate: [0.3] });
    expect(second.provenance.map((p) => [p.stage, p.origin])).toEqual([["ingestion", "memory"], ["validation", "memory"], ["transformation", "memory"], ["trainer", "ran"]]);
    expect(second.trainer.search.leaderboard).toHaveLength(2);
    const secondRun = second.trainer.dir.split("/").slice(0, -1).join("/");
    expect(secondRun.split("/").at(-1)).not.toBe(firstRun);
    const status = await readRunStatus(secondRun);
    expect(status?.lineage).toEqual({ ingestion: firstRun, validation: firstRun, transformation: firstRun });
    expect(Object.keys(status?.stages ?? {})).toEqual(["trainer"]);
    expect(readdirSync(secondRun).sort()).toEqual(["model_trainer", "run.json"]);
    expect(second.toString()).toMatch(new RegExp(`reused \\(same inputs, nothing re-run\\): ingest, validate, transform from run ${firstRun}; ran: search`));
  });

  it("a new session (a restarted kernel) reuses every stage an earlier one wrote with the same inputs, and writes nothing", async () => {
    const dir = tempDir("netsec-session-");
    const data = await writeFixtureData(dir);
    await (await lab(dir, data)).evaluate();
    const before = snapshot(join(dir, "Artifacts"));
    const again = await (await lab(dir, data)).evaluate();
    expect(again.provenance.map((p) => p.origin)).toEqual(["disk", "disk", "disk", "disk", "disk"]);
    expect(snapshot(join(dir, "Artifacts"))).toEqual(before);
  });

  it("refuses an experiment with an unknown parameter before any folder is made", async () => {
    const dir = tempDir("netsec-session-");
    const bad = parseExperiment(EXPERIMENT.replace("learning_rate: [0.3]", "learnin_rate: [0.3]"), "typo.yaml");
    const error = await session({ experiment: bad, data: await writeFixtureData(dir), artifacts: join(dir, "Artifacts"), quiet: true }).catch((e) => e);
    expect(isNetsecError(error, "EXPERIMENT_INVALID")).toBe(true);
    expect(String(error.message)).toMatch(/search\.candidates\[0\]\.grid\.learnin_rate: hist_gbt: unknown parameter "learnin_rate"/);
    expect(() => statSync(join(dir, "Artifacts"))).toThrow();
    const l = await lab(dir);
    await expect(l.search("hist_gbt", { max_depth: [-3] })).rejects.toThrow(/the search asked for is not a valid experiment:\n {2}search\.candidates\[0\]\.grid\.max_depth: hist_gbt: parameter max_depth = -3 is invalid/);
    expect(() => statSync(join(dir, "Artifacts"))).toThrow();
  });
});

describe("session questions", () => {
  it("re-decides the threshold for a recall floor without searching again; the test metrics follow", async () => {
    const dir = tempDir("netsec-session-");
    const l = await lab(dir);
    const best = await l.evaluate();
    const first = await l.search();
    const floor = await l.threshold({ recall: 0.97 });
    expect(floor.trainer.search).toBe(first.trainer.search); // the same search result object: nothing refitted
    expect(floor.trainer.threshold.rule).toBe("recall ≥ 0.97");
    expect(floor.trainer.threshold.recall).toBeGreaterThanOrEqual(0.97);
    expect(floor.trainer.threshold.threshold).toBeLessThanOrEqual(first.trainer.threshold.threshold);
    expect(floor.evaluation.threshold).toBe(floor.trainer.threshold.threshold);
    expect(floor.evaluation.metrics.recall).toBeGreaterThanOrEqual(best.evaluation.metrics.recall);
    await expect(l.threshold({ recal: 0.9 } as never)).rejects.toThrow(/threshold: \{"recal":0\.9\} is not a rule/);
  });

  it("lists the rows the model gets wrong with the data file's row number, features, probability and reasons", async () => {
    const dir = tempDir("netsec-session-");
    const data = await writeFixtureData(dir);
    const l = await lab(dir, data);
    const wrong = await l.mistakes();
    const rows = wrong.table.toRecords() as Record<string, unknown>[];
    expect(rows.length).toBeGreaterThan(0);
    const lines = readFileSync(data, "utf8").trim().split("\n");
    const header = lines[0].replace(/"/g, "").split(",");
    for (const row of rows.slice(0, 10)) {
      const cells = lines[Number(row["source row"])].split(",").map(Number);
      for (const [i, name] of header.slice(0, -1).entries()) expect(row[name], `${name} of source row ${row["source row"]}`).toBe(cells[i]);
      expect(row.label).toBe(cells.at(-1) === -1 ? "phishing" : "legitimate");
      expect(row.predicted).not.toBe(row.label);
      expect(String(row["top reasons"])).toMatch(/^\w+=-?\d \([+-]\d+\.\d\d\)/);
    }
    expect(wrong.of).toBe((await l.evaluate()).evaluation.probability.length);
  });

  it("push refuses in words a notebook can act on, forces on request, and says when the model is already served", async () => {
    const dir = tempDir("netsec-session-");
    const l = await lab(dir);
    const pushed = await l.push();
    expect(pushed.push.pushed).toBe(true);
    expect((await l.push()).already).toBe(true);
    await l.search("logistic_regression");
    const refused = await l.push();
    if (!refused.push.pushed) {
      const text = refused.toString();
      expect(text).toContain("lab.push({ force: true }) pushes it anyway");
      expect(text).not.toContain("--force");
      const forced = await l.push({ force: true });
      expect(forced.push.pushed).toBe(true);
      expect(forced.toString()).toContain("pushed anyway (lab.push({ force: true }))");
    }
  });

  it("records its runs in the local run log as netsec train does, and gc keeps the served run and its lineage", async () => {
    const dir = tempDir("netsec-session-");
    const l = await lab(dir);
    await l.push();
    await l.search("hist_gbt", { n_estimators: [10], learning_rate: [0.3] });
    await l.close();
    const rows = await localRunRows(join(dir, ".netsec"));
    expect(rows).toHaveLength(2);
    const pushedRow = rows.find((r) => r.pushed)!;
    expect(pushedRow).toMatchObject({ family: expect.any(String), modelVersion: 1, status: "FINISHED" });
    expect(pushedRow.dataDigest).toMatch(/^[0-9a-f]{16}$/);
    expect(pushedRow.testF1).toBeGreaterThan(0);
    const runsShown = await l.runs();
    expect(runsShown.table.height).toBe(2);
    // the newest run reuses the data stages of the pushed one: with another model folder, lineage alone keeps it
    const lineageOnly = await collectRuns(join(dir, "Artifacts"), { keep: 1, modelDir: join(dir, "elsewhere"), dryRun: true });
    expect(lineageOnly.removed).toEqual([]);
    expect(lineageOnly.kept.map((k) => k.why)).toEqual(["among the newest", expect.stringMatching(/^run \S+ reuses its stages$/)]);
    // keep 0: the served run stays, the newest goes
    const gc = await l.gc({ keep: 0 });
    expect(gc.outcome.kept).toEqual([{ run: pushedRow.runDir!.split("/").at(-1), why: `its model is the one ${join(dir, "final_model")} serves` }]);
    expect(gc.outcome.removed).toHaveLength(1);
    expect(readdirSync(join(dir, "Artifacts")).filter((n) => /^\d/.test(n))).toEqual([pushedRow.runDir!.split("/").at(-1)]);
  });

  it("compares two runs: side by side, and the test rows where their decisions differ", async () => {
    const dir = tempDir("netsec-session-");
    const l = await lab(dir);
    const a = await l.search();
    await l.push();
    const b = await l.search("hist_gbt", { n_estimators: [5], learning_rate: [0.1] });
    await l.evaluate();
    const compared = await l.compare();
    expect(compared.a.run).toBe(a.trainer.dir.split("/").at(-2));
    expect(compared.b.run).toBe(b.trainer.dir.split("/").at(-2));
    expect(compared.a.family).toBe(a.trainer.search.best.family);
    expect(compared.b.params).toEqual({ n_estimators: 5, learning_rate: 0.1 });
    const { pa, pb } = compared.scored;
    const ta = Number(compared.a.threshold), tb = Number(compared.b.threshold);
    let differ = 0;
    for (let i = 0; i < pa.length; i++) if ((pa[i] >= ta) !== (pb[i] >= tb)) differ++;
    expect(compared.disagreements.height).toBe(differ);
  });

  it("every result shows itself as self-contained HTML with its table or figure, plain text and JSON", async () => {
    const dir = tempDir("netsec-session-");
    const l = await lab(dir);
    for (const result of [await l.data(), await l.validate(), await l.search(), await l.evaluate(), await l.explain(), await l.mistakes(), await l.runs()]) {
      const bundle = await result.bundle();
      expect(String(bundle["text/html"]), result.title).toMatch(/<table class="netsec-table">|class="netsec-plot"/);
      expect(String(bundle["text/plain"])).toContain(result.title);
      expect(bundle["application/json"]).toBeTruthy();
    }
  });
});
