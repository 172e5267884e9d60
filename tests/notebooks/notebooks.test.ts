// The shipped notebooks: as committed (a parameters cell, no outputs, imports only from "netsec",
// short), executed headless the way CI runs them (scripts/notebooks.sh run: nbclient on the Deno
// kernel, the real dataset, the local MLflow server) and counted on the executed copies (every code
// cell shows something, most a table or figure, enough figures), `-p` overriding a parameter, and a
// notebook's runs listed by `netsec runs`.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { beforeAll, describe, expect, it } from "vitest";
import { ROOT, requireEnv, tempDir } from "../helpers/env.ts";
import { MlflowClient } from "../../src/tracking/mlflow.ts";

const notebooks = readdirSync(join(ROOT, "notebooks")).filter((n) => n.endsWith(".ipynb")).sort();

interface Output { output_type: string; data?: Record<string, unknown>; text?: string | string[] }
interface Cell { cell_type: string; source: string | string[]; outputs?: Output[]; execution_count?: number | null; metadata?: { tags?: string[]; netsec?: { expect?: string } } }
const read = (path: string): Cell[] => JSON.parse(readFileSync(path, "utf8")).cells;
const text = (value: string | string[] | undefined) => (Array.isArray(value) ? value.join("") : value ?? "");
const codeCells = (cells: Cell[]) => cells.filter((c) => c.cell_type === "code");
const htmlOf = (o: Output) => text(o.data?.["text/html"] as string | string[] | undefined);
/** Plotly figures of an output: one `<div class="netsec-plot">` each (src/viz/html.ts). */
const figuresOf = (cell: Cell) => (cell.outputs ?? []).reduce((n, o) => n + (htmlOf(o).match(/class="netsec-plot"/g) ?? []).length, 0);
const isRich = (cell: Cell) => (cell.outputs ?? []).some((o) => /<table class="netsec-table">|class="netsec-plot"/.test(htmlOf(o)));
/** The application/json of a cell's session result (its last display). */
const jsonOf = (cell: Cell) => [...(cell.outputs ?? [])].reverse().find((o) => o.data?.["application/json"])?.data?.["application/json"] as Record<string, unknown>;

/** The environment of a notebook run: nothing of the caller's NETSEC_* / tracking settings, then `extra`. */
function runEnv(extra: Record<string, string>): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...process.env };
  for (const name of Object.keys(env)) if (/^(NETSEC_(DATA|ARTIFACTS|MODEL_DIR|STATE_DIR|EXPERIMENT|REGISTERED_MODEL|NOTEBOOK_OUT)|MLFLOW_|DAGSHUB_)/.test(name)) delete env[name];
  return { ...env, ...extra };
}

function runNotebooks(args: string[], env: Record<string, string | undefined>) {
  const result = spawnSync("bash", [join(ROOT, "scripts", "notebooks.sh"), "run", ...args], { cwd: ROOT, encoding: "utf8", timeout: 15 * 60_000, env });
  return { status: result.status, log: `${result.stdout}\n${result.stderr}` };
}

describe("notebooks as committed", () => {
  it("are the five stage notebooks", () => {
    expect(notebooks).toEqual(["01_data_ingestion.ipynb", "02_data_validation.ipynb", "03_model_training.ipynb", "04_model_evaluation.ipynb", "05_tracking.ipynb"]);
  });

  it.each(notebooks)("%s: a narrative first, one parameters cell, no outputs, imports only from \"netsec\", a checked last cell", (name) => {
    const all = read(join(ROOT, "notebooks", name));
    expect(all[0].cell_type).toBe("markdown");
    expect(text(all[0].source)).toMatch(/^# \d\d — /);
    const code = codeCells(all);
    const tagged = code.filter((c) => c.metadata?.tags?.includes("parameters"));
    expect(tagged).toHaveLength(1);
    expect(tagged[0]).toBe(code[0]);
    // parameters declared, left to the session's own resolution (environment, then defaults), and shown
    expect(text(tagged[0].source)).toMatch(/^let experiment: string \| undefined, data: string \| undefined/m);
    expect(text(tagged[0].source)).toMatch(/^await parameters\(\{ experiment, data, artifacts, modelDir \}\)$/m);
    for (const c of code) {
      expect(c.outputs ?? []).toEqual([]);
      expect(c.execution_count ?? null).toBeNull();
      const source = text(c.source);
      for (const m of source.matchAll(/\bfrom\s+["']([^"']+)["']|\bimport\s*\(\s*["']([^"']+)["']|^\s*import\s+["']([^"']+)["']/gm)) expect(m[1] ?? m[2] ?? m[3]).toBe("netsec");
    }
    expect(code.at(-1)!.metadata?.netsec?.expect).toBeTruthy();
    expect(text(code.at(-1)!.source)).toBe("await lab.close()");
  });

  it("hold at most 110 non-blank code lines in all (the issue counted 253 before the session)", () => {
    const lines = notebooks.map((n) => codeCells(read(join(ROOT, "notebooks", n))).flatMap((c) => text(c.source).split("\n")).filter((l) => l.trim()).length);
    console.log(`non-blank code lines per notebook: ${lines.join(", ")}; total ${lines.reduce((a, b) => a + b, 0)}`);
    expect(lines.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(110);
  });
});

describe("notebooks executed headless with the Deno kernel (MLflow tracking on)", () => {
  const dir = tempDir("netsec-notebooks-");
  const out = join(ROOT, "test-results", "notebooks");
  const name = `netsec-notebooks-test-${Date.now()}`;
  const stateDir = join(dir, ".netsec");
  let run: { status: number | null; log: string };
  const executed = (n: string) => read(join(out, n));

  beforeAll(() => {
    run = runNotebooks([], runEnv({
      NETSEC_ARTIFACTS: join(dir, "Artifacts"),
      NETSEC_MODEL_DIR: join(dir, "final_model"),
      NETSEC_STATE_DIR: stateDir,
      NETSEC_NOTEBOOK_OUT: out,
      MLFLOW_TRACKING_URI: requireEnv("NETSEC_TEST_MLFLOW_URI"),
      MLFLOW_EXPERIMENT_NAME: name,
      NETSEC_REGISTERED_MODEL: name,
    }));
  }, 16 * 60_000);

  it("run without a cell error and show their expected output", () => {
    expect(run.status, run.log).toBe(0);
    for (const n of notebooks) expect(run.log).toContain(`ok   ${n}`);
  });

  it("no code cell without output; at least 80 % show a table or figure; at least 16 Plotly figures", () => {
    const cells = notebooks.flatMap((n) => codeCells(executed(n)).map((c, i) => ({ n, i, c })));
    for (const { n, i, c } of cells) expect((c.outputs ?? []).length, `${n} code cell ${i + 1}`).toBeGreaterThan(0);
    const rich = cells.filter(({ c }) => isRich(c)).length;
    const figures = cells.reduce((sum, { c }) => sum + figuresOf(c), 0);
    console.log(`executed notebooks: ${cells.length} code cells, ${rich} with a table or figure (${((100 * rich) / cells.length).toFixed(0)} %), ${figures} figures (${notebooks.map((n) => codeCells(executed(n)).reduce((s, c) => s + figuresOf(c), 0)).join(" + ")})`);
    expect(rich / cells.length).toBeGreaterThanOrEqual(0.8);
    expect(figures).toBeGreaterThanOrEqual(16);
  });

  it("03 draws the winner's learning curve on grouped folds; 05 compares the runs in figures (runs over time, two runs' probabilities)", () => {
    const curve = codeCells(executed("03_model_training.ipynb")).find((c) => text(c.source).includes("learningCurve"))!;
    expect(text(curve.outputs?.at(-1)?.data?.["text/plain"] as string | string[])).toMatch(/^Learning curve: \w+ \(grouped folds\)/);
    expect(figuresOf(curve)).toBe(1);
    const tracking = codeCells(executed("05_tracking.ipynb"));
    const runs = tracking.find((c) => text(c.source).includes("lab.runs()"))!;
    const compare = tracking.find((c) => text(c.source).includes("lab.compare()"))!;
    expect(htmlOf(runs.outputs!.at(-1)!)).toContain("CV and test F1 by run");
    expect(figuresOf(runs)).toBe(1);
    expect(htmlOf(compare.outputs!.at(-1)!)).toContain("P(positive) of each test row: run a against run b");
    expect(figuresOf(compare)).toBe(1);
  });

  it("05 logs to MLflow with tracking on by default: its cell shows the run and the registered version, which the registry's champion confirms", async () => {
    const closed = jsonOf(codeCells(executed("05_tracking.ipynb")).at(-1)!) as { steps: { push: { pushed: boolean; tracking: { kind: string; runId: string }; registered: { name: string; version: string } } } };
    const push = closed.steps.push;
    expect(push).toMatchObject({ pushed: true, tracking: { kind: "mlflow" }, registered: { name } });
    const champion = await new MlflowClient(requireEnv("NETSEC_TEST_MLFLOW_URI")).getModelVersionByAlias(name, "champion");
    expect(champion?.version).toBe(push.registered.version);
    expect(champion?.run_id).toBe(push.tracking.runId);
    const manifest = JSON.parse(readFileSync(join(dir, "final_model", "manifest.json"), "utf8")) as { sha256: string };
    expect(champion?.tags?.find((t) => t.key === "netsec.sha256")?.value).toBe(manifest.sha256);
  });

  it("a notebook's training runs are listed by `netsec runs` (one run log for CLI and notebooks)", () => {
    const result = spawnSync(join(ROOT, "bin", "netsec"), ["runs", "--json"], { cwd: ROOT, encoding: "utf8", env: runEnv({ NETSEC_STATE_DIR: stateDir }) });
    expect(result.status, result.stderr).toBe(0);
    const listed = JSON.parse(result.stdout.trim().split("\n").at(-1)!) as { runs: { runDir?: string; pushed?: boolean; serverRunId?: string }[] };
    const tracked = (n: string) => (jsonOf(codeCells(executed(n)).at(-1)!) as { tracked: { runDir: string }[] }).tracked.map((t) => t.runDir);
    const fromNotebooks = [...tracked("03_model_training.ipynb"), ...tracked("05_tracking.ipynb")];
    expect(fromNotebooks.length).toBeGreaterThanOrEqual(3);
    for (const runDir of fromNotebooks) expect(listed.runs.map((r) => r.runDir), runDir).toContain(runDir);
    expect(listed.runs.filter((r) => r.pushed).map((r) => r.runDir)).toEqual([tracked("05_tracking.ipynb")[0]]);
  });
});

describe("scripts/notebooks.sh run -p", () => {
  it("overrides the parameters cell with an injected cell of TypeScript literals, papermill style, and the session uses the value", () => {
    const dir = tempDir("netsec-notebooks-p-");
    const out = join(dir, "executed");
    const { status, log } = runNotebooks(["-p", "experiment=fast", "-p", `artifacts="${join(dir, "Artifacts")}"`, join(ROOT, "notebooks", "01_data_ingestion.ipynb")], runEnv({ NETSEC_NOTEBOOK_OUT: out, NETSEC_STATE_DIR: join(dir, ".netsec"), NETSEC_ARTIFACTS: join(dir, "elsewhere") }));
    expect(status, log).toBe(0);
    const code = codeCells(read(join(out, "01_data_ingestion.ipynb")));
    expect(code[1].metadata?.tags).toEqual(["injected-parameters"]);
    expect(text(code[1].source)).toContain(`let experiment = "fast";\nlet artifacts = "${join(dir, "Artifacts")}";\n`);
    const shown = jsonOf(code[1]) as Record<string, { value: unknown; from: string }>;
    expect(shown.experiment).toMatchObject({ value: "fast", from: "this notebook" });
    expect(shown.artifacts).toMatchObject({ value: join(dir, "Artifacts"), from: "this notebook" });
    const closed = jsonOf(code.at(-1)!) as { experiment: string; settings: { artifacts: string }; runDir: string };
    expect(closed.experiment).toBe("fast");
    expect(closed.settings.artifacts).toBe(join(dir, "Artifacts"));
    expect(closed.runDir.startsWith(join(dir, "Artifacts"))).toBe(true);
  }, 5 * 60_000);

  it("refuses a name the parameters cell does not declare, naming the ones it does", () => {
    const { status, log } = runNotebooks(["-p", "experimnt=fast", join(ROOT, "notebooks", "01_data_ingestion.ipynb")], runEnv({ NETSEC_NOTEBOOK_OUT: tempDir("netsec-notebooks-p-") }));
    expect(status).toBe(1);
    expect(log).toContain("FAIL 01_data_ingestion.ipynb: -p experimnt: not a parameter of 01_data_ingestion.ipynb (its parameters cell declares experiment, data, artifacts, modelDir)");
  });
});

describe("05_tracking with no server at all", () => {
  it("tracks the push and the second search in the local run log (no registry to show)", () => {
    const dir = tempDir("netsec-notebooks-local-");
    const out = join(dir, "executed");
    const { status, log } = runNotebooks([join(ROOT, "notebooks", "05_tracking.ipynb")], runEnv({
      NETSEC_ARTIFACTS: join(dir, "Artifacts"), NETSEC_MODEL_DIR: join(dir, "final_model"), NETSEC_STATE_DIR: join(dir, ".netsec"), NETSEC_NOTEBOOK_OUT: out, NETSEC_EXPERIMENT: "fast",
    }));
    expect(status, log).toBe(0);
    const closed = jsonOf(codeCells(read(join(out, "05_tracking.ipynb"))).at(-1)!) as { steps: { push: { pushed: boolean; tracking: { kind: string }; registered?: unknown } }; tracked: { kind: string }[] };
    expect(closed.steps.push).toMatchObject({ pushed: true, tracking: { kind: "local" } });
    expect(closed.steps.push.registered).toBeNull();
    expect(closed.tracked.map((t) => t.kind)).toEqual(["local", "local"]);
  }, 11 * 60_000);
});
