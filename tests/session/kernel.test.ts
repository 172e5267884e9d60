// The session in the real Deno Jupyter kernel, driven through jupyter_client as a notebook front end
// drives it (tests/helpers/kernel_driver.py, the project venv's python): every result type, as a
// cell's last expression, renders as text/html holding a table or a figure, with text/plain and
// application/json; re-running the search cell unchanged writes nothing and says the stages were
// reused; a changed grid re-runs only the search. On the real dataset with experiments/fast.yaml.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { DENO, PYTHON, ROOT, tempDir } from "../helpers/env.ts";

interface Output { type: string; data?: Record<string, unknown>; text?: string; ename?: string; evalue?: string }
interface Cell { status: string; error: string | null; seconds: number; outputs: Output[]; late: Output[]; before: [string, number, number][]; after: [string, number, number][] }

/** Run `cells` in one kernel (working directory notebooks/, as a notebook of the project). */
function runKernel(cells: string[], env: Record<string, string | undefined>, watch?: string): Cell[] {
  const spec = { deno: DENO, cwd: join(ROOT, "notebooks"), env, cells, timeout: 300, watch, grace: 0.5 };
  const result = spawnSync(PYTHON, [join(ROOT, "tests", "helpers", "kernel_driver.py")], { input: JSON.stringify(spec), encoding: "utf8", timeout: 10 * 60_000, maxBuffer: 256 << 20 });
  if (result.status !== 0) throw new Error(`kernel driver failed (${result.status}): ${result.stderr.slice(-3000)}`);
  return (JSON.parse(result.stdout) as { cells: Cell[] }).cells;
}

/** The kernel's environment: no NETSEC_* or tracking variables of the caller's shell, plus `extra`. */
function kernelEnv(extra: Record<string, string>): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...process.env };
  for (const name of Object.keys(env)) if (/^(NETSEC_(DATA|ARTIFACTS|MODEL_DIR|STATE_DIR|EXPERIMENT|REGISTERED_MODEL)|MLFLOW_|DAGSHUB_)/.test(name)) delete env[name];
  return { ...env, ...extra };
}

/** The display_data a session result sent (the plotly.js preamble and the search's progress line left out). */
function resultOf(cell: Cell): Output {
  const shown = [...cell.outputs, ...cell.late].filter((o) => o.type === "display_data" && String(o.data?.["text/html"] ?? "").includes('class="netsec-result"'));
  expect(shown, `one result shown; outputs: ${JSON.stringify(cell.outputs.map((o) => [o.type, Object.keys(o.data ?? {})]))}; error: ${cell.error}`).toHaveLength(1);
  return shown[0];
}

const text = (o: Output) => String(o.data?.["text/plain"] ?? "");

const STEPS = [
  ["session", 'import { parameters, session, show } from "netsec";\nconst lab = await session({ experiment: "fast" });\nlab'],
  ["parameters", 'await parameters({ experiment: "fast", data: undefined })'],
  ["data", "await lab.data()"],
  ["validation", "await lab.validate()"],
  ["search", "await lab.search()"],
  ["search again", "await lab.search()"],
  ["changed grid", 'await lab.search("hist_gbt", { n_estimators: [30], learning_rate: [0.3] })'],
  ["evaluation", "await lab.evaluate()"],
  ["threshold", "await lab.threshold({ recall: 0.95 })"],
  ["explanation", "await lab.explain()"],
  ["mistakes", "await lab.mistakes()"],
  ["push", "await lab.push()"],
  ["another search", 'await lab.search("hist_gbt", { n_estimators: [10], learning_rate: [0.5] })'],
  ["runs", "await lab.runs()"],
  ["compare", "await lab.compare()"],
  ["export", 'await lab.export("onnx")'],
  ["learning curve", "await lab.learningCurve()"],
  ["report", "await lab.report()"],
  ["gc", "await lab.gc({ keep: 10 })"],
  ["show", 'show((await lab.data()).train().head(3), "The first rows")'],
  ["close", "await lab.close()"],
] as const;

describe("the session in a live Deno kernel (jupyter_client)", () => {
  const dir = tempDir("netsec-kernel-");
  const artifacts = join(dir, "Artifacts");
  let cells: Map<string, Cell>;

  beforeAll(() => {
    const env = kernelEnv({ NETSEC_ARTIFACTS: artifacts, NETSEC_MODEL_DIR: join(dir, "final_model"), NETSEC_STATE_DIR: join(dir, ".netsec") });
    const ran = runKernel(STEPS.map(([, code]) => code), env, artifacts);
    cells = new Map(STEPS.map(([name], i) => [name, ran[i]]));
  }, 10 * 60_000);

  it.each(STEPS.map(([name]) => name))("%s: its result renders as text/html with a table or figure, text/plain and application/json", (name) => {
    const cell = cells.get(name)!;
    expect(cell.status, `${name}: ${cell.error}`).toBe("ok");
    const shown = resultOf(cell);
    expect(String(shown.data!["text/html"])).toMatch(/<table class="netsec-table">|class="netsec-plot"/);
    expect(text(shown).split("\n")[0].length).toBeGreaterThan(5);
    expect(shown.data!["application/json"]).toBeTruthy();
  });

  it("figures where a data scientist expects them: search, evaluation, threshold, explanation, runs, compare, learning curve", () => {
    const figures = (name: string) => (String(resultOf(cells.get(name)!).data!["text/html"]).match(/class="netsec-plot"/g) ?? []).length;
    expect(Object.fromEntries(["data", "validation", "search", "evaluation", "threshold", "explanation", "runs", "compare", "learning curve"].map((n) => [n, figures(n)])))
      .toEqual({ data: 2, validation: 2, search: 1, evaluation: 4, threshold: 2, explanation: 2, runs: 1, compare: 1, "learning curve": 1 });
    expect(text(resultOf(cells.get("learning curve")!))).toMatch(/^Learning curve: \w+ \(grouped folds\)/);
  });

  it("re-running the search cell unchanged writes nothing and says every stage was reused", () => {
    const again = cells.get("search again")!;
    expect(again.after).toEqual(again.before);
    expect(again.before.length).toBeGreaterThan(10);
    expect(text(resultOf(again))).toContain("reused (same inputs, nothing re-run): ingest, validate, transform, search from run");
    expect(text(resultOf(again))).not.toMatch(/\bran: /);
    // what the issue asks for is < 0.5 s; measured, not asserted (a shared machine): printed for the record
    console.log(`search cell re-run: ${again.seconds.toFixed(3)} s in the kernel (first run ${cells.get("search")!.seconds.toFixed(1)} s)`);
  });

  it("a changed grid re-runs only the search: the data stages reused (the output says so), no data file rewritten", () => {
    const changed = cells.get("changed grid")!;
    const shownText = text(resultOf(changed));
    expect(shownText).toMatch(/reused \(same inputs, nothing re-run\): ingest, validate, transform from run (\S+); ran: search [\d.]+ s into run (\S+)/);
    const [, from, into] = shownText.match(/from run (\S+); ran: search [\d.]+ s into run (\S+)/)!;
    expect(into).not.toBe(from);
    const before = new Map(changed.before.map(([path, size, mtime]) => [path, `${size} ${mtime}`]));
    const after = new Map(changed.after.map(([path, size, mtime]) => [path, `${size} ${mtime}`]));
    const dataFiles = [...before.keys()].filter((p) => /\/data_(ingestion|validation|transformation)\//.test(p));
    expect(dataFiles.length).toBeGreaterThan(5);
    for (const p of dataFiles) expect(after.get(p), p).toBe(before.get(p));
    const added = [...after.keys()].filter((p) => !before.has(p));
    expect(added.every((p) => p.startsWith(`${into}/`) || /(^|\/)(report\.html|index\.html|summary\.json)$/.test(p)), added.join("\n")).toBe(true);
    expect(added.filter((p) => p.startsWith(`${into}/`) && p.includes("/data_"))).toEqual([]);
  });

  it("close shows where the session's runs were recorded: the local run log, with the run ids", () => {
    const closed = resultOf(cells.get("close")!).data!["application/json"] as { tracked: { kind: string; runId: string }[]; steps: Record<string, unknown> };
    expect(closed.tracked.length).toBeGreaterThanOrEqual(2);
    for (const t of closed.tracked) expect(t).toMatchObject({ kind: "local", runId: expect.stringMatching(/^run-/) });
    expect(Object.keys(closed.steps)).toEqual(["data", "validate", "search", "evaluate", "threshold", "explain", "mistakes", "push", "runs", "compare", "export", "learning curve", "report", "gc"]);
  });
});

describe("the session's defaults in a notebook of the project", () => {
  it("are the project's Artifacts/, final_model/ and .netsec/ (the folders netsec train uses from the project root), whatever folder the kernel runs in", () => {
    const [cell] = runKernel(['import { session } from "netsec";\n(await session()).status()'], kernelEnv({}));
    expect(cell.status, String(cell.error)).toBe("ok");
    const { settings } = resultOf(cell).data!["application/json"] as { settings: Record<string, string> };
    expect(settings).toMatchObject({ artifacts: `${ROOT}/Artifacts`, modelDir: `${ROOT}/final_model`, stateDir: `${ROOT}/.netsec` });
  }, 120_000);
});
