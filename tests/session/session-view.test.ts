// What the notebooks need of the session beyond its steps: the session showing itself and its
// summary on close, a notebook's parameters resolved as session() resolves them, show() for a table
// or figure of one's own, and a push from a fresh session (a restarted kernel) that records its run
// folder and shows the tracked run and the registry's version (real MLflow server).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { session } from "../../src/session/session.ts";
import { parameters } from "../../src/session/parameters.ts";
import { show } from "../../src/session/show.ts";
import { parseExperiment } from "../../src/experiment.ts";
import { MlflowClient } from "../../src/tracking/mlflow.ts";
import { frameOf } from "../../src/session/show.ts";
import { requireEnv, ROOT, tempDir } from "../helpers/env.ts";
import { writeFixtureData } from "../report/fixture-run.ts";

const EXPERIMENT = `name: view-test
seed: 7
search:
  folds: 3
  workers: 0
  candidates:
    - family: hist_gbt
      grid: { n_estimators: [20], learning_rate: [0.3] }
gates: { min_score: 0.5, max_overfit: 0.5 }
`;

const saved = new Map<string, string | undefined>();
function setEnv(name: string, value: string | undefined): void {
  if (!saved.has(name)) saved.set(name, process.env[name]);
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}
afterEach(() => {
  for (const [name, value] of saved) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  saved.clear();
});

async function lab(dir: string, data: string) {
  return await session({
    experiment: parseExperiment(EXPERIMENT, "view-test.yaml"),
    data,
    artifacts: join(dir, "Artifacts"),
    modelDir: join(dir, "final_model"),
    stateDir: join(dir, ".netsec"),
    quiet: true,
  });
}

const htmlOf = async (r: { bundle(): Promise<Record<string, unknown>> }) => String((await r.bundle())["text/html"]);

describe("the session as a result", () => {
  it("shows its settings and steps, and on close where each run went; its JSON is what a notebook's last cell gives CI", async () => {
    setEnv("MLFLOW_TRACKING_URI", undefined);
    setEnv("DAGSHUB_REPO_OWNER", undefined);
    const dir = tempDir("netsec-view-");
    const l = await lab(dir, await writeFixtureData(dir));
    const before = l.status();
    expect(before.title).toBe("Session: experiment view-test (hist_gbt; 3 folds, grouped)");
    expect(await htmlOf(before)).toContain("<table class=\"netsec-table\">");
    expect(before.table.toRecords()).toContainEqual({ setting: "run log", value: join(dir, ".netsec") });
    expect(before.steps.height).toBe(0);
    const searched = await l.search();
    await l.data();
    const closed = await l.close();
    expect(closed.title).toBe(`Session closed after 2 step(s); last run ${searched.trainer.dir.replace(/\/model_trainer$/, "")}`);
    // steps in the order first taken, each with its result's own JSON
    const json = closed.toJSON() as { steps: Record<string, unknown>; tracked: { kind: string; runDir: string; runId: string }[]; closed: boolean };
    expect(Object.keys(json.steps)).toEqual(["search", "data"]);
    expect(json.steps.search).toEqual(searched.toJSON());
    expect(json.closed).toBe(true);
    expect(json.tracked).toEqual([{ kind: "local", runDir: searched.trainer.dir.replace(/\/model_trainer$/, ""), runId: expect.stringMatching(/^run-/), url: null, outbox: null }]);
    expect(closed.toString()).toMatch(/tracked in the local run log .*\.netsec\/runs \(run run-/);
  });

  it("a fresh session (a restarted kernel) that only pushes records the push in a run folder the manifest names, so compare() finds the served run", async () => {
    setEnv("MLFLOW_TRACKING_URI", undefined);
    const dir = tempDir("netsec-view-");
    const data = await writeFixtureData(dir);
    await (await lab(dir, data)).evaluate();
    const fresh = await lab(dir, data);
    const pushed = await fresh.push();
    expect(pushed.push.pushed).toBe(true);
    const manifest = JSON.parse(readFileSync(join(dir, "final_model", "manifest.json"), "utf8")) as { runDir?: string };
    expect(manifest.runDir).toBe(pushed.runDir);
    const summary = JSON.parse(readFileSync(join(pushed.runDir!, "summary.json"), "utf8")) as { stages: { push: { pushed: boolean; version: number } } };
    expect(summary.stages.push).toMatchObject({ pushed: true, version: 1 });
    expect(pushed.table.toRecords()).toContainEqual({ property: "tracked", value: expect.stringMatching(/^local run log, run run-/) });
    await fresh.search("hist_gbt", { n_estimators: [5], learning_rate: [0.1] });
    const compared = await fresh.compare();
    expect(compared.a.run).toBe(pushed.runDir!.split("/").at(-1));
    expect(compared.a).toMatchObject({ pushed: true, version: 1, family: "hist_gbt" });
  });

  it("with MLFLOW_TRACKING_URI set, push shows the MLflow run and the registry's version of the pushed model", async () => {
    const uri = requireEnv("NETSEC_TEST_MLFLOW_URI");
    const name = `netsec-view-${Date.now()}`;
    setEnv("MLFLOW_TRACKING_URI", uri);
    setEnv("MLFLOW_EXPERIMENT_NAME", name);
    setEnv("NETSEC_REGISTERED_MODEL", name);
    const dir = tempDir("netsec-view-");
    const l = await lab(dir, await writeFixtureData(dir));
    const pushed = await l.push();
    const champion = await new MlflowClient(uri).getModelVersionByAlias(name, "champion");
    expect(champion?.tags?.find((t) => t.key === "netsec.sha256")?.value).toBe(pushed.push.sha256);
    expect(pushed.tracked?.registered).toEqual({ name, alias: "champion", version: champion!.version });
    expect(pushed.tracked?.run).toMatchObject({ kind: "mlflow", target: uri, serverId: champion!.run_id });
    expect(pushed.toString()).toContain(`registered as ${name} version ${champion!.version} (alias champion)`);
    expect(pushed.toJSON()).toMatchObject({ pushed: true, tracking: { kind: "mlflow", runId: champion!.run_id }, registered: { name, version: champion!.version } });
    // asked again: already served, and still the registry's version (read back, no new run)
    const again = await l.push();
    expect(again.already).toBe(true);
    expect(again.tracked?.registered?.version).toBe(champion!.version);
  });
});

describe("export", () => {
  it("shows the ONNX graph's input and outputs, or refuses a family ONNX cannot express with the families that can", async () => {
    setEnv("MLFLOW_TRACKING_URI", undefined);
    const dir = tempDir("netsec-view-");
    const l = await lab(dir, await writeFixtureData(dir));
    const exported = await l.export("onnx");
    expect(exported.table.toRecords().map((r) => [r.name, r.type])).toEqual([["features", "float32 [N, 30]"], ["label", "int64 [N]"], ["probability_phishing", "float32 [N]"], ["probability_legitimate", "float32 [N]"]]);
    expect(readFileSync(exported.exported.path!).length).toBe(exported.exported.bytes);
    await l.search("knn", { n_neighbors: [3] });
    const refused = await l.export("onnx");
    expect(refused.title).toMatch(/^Not exported: cannot export the knn model to ONNX: /);
    const families = refused.table.getColumn("families ONNX can express").toArray();
    expect(families).toContain("hist_gbt");
    expect(families).not.toContain("knn");
    expect(refused.toString()).not.toMatch(/--[a-z]/); // no CLI flag in a notebook's message
  });
});

describe("a notebook's parameters", () => {
  it("are shown with what the session uses for each, resolved as session() resolves them: the value, else NETSEC_*, else the default", async () => {
    const dir = tempDir("netsec-params-");
    setEnv("NETSEC_ARTIFACTS", join(dir, "from-env"));
    setEnv("NETSEC_MODEL_DIR", undefined);
    setEnv("NETSEC_EXPERIMENT", undefined);
    const shown = await parameters({ experiment: "fast", artifacts: undefined, modelDir: undefined, threshold: 0.7 });
    const rows = shown.toJSON() as Record<string, { value: unknown; uses: string; from: string }>;
    const l = await session({ experiment: "fast", quiet: true });
    expect(rows.experiment).toEqual({ value: "fast", uses: l.settings.experiment, from: "this notebook" });
    expect(rows.artifacts).toEqual({ value: null, uses: join(dir, "from-env"), from: "NETSEC_ARTIFACTS" });
    expect(l.settings.artifacts).toBe(join(dir, "from-env"));
    expect(rows.modelDir).toEqual({ value: null, uses: `${ROOT}/final_model`, from: "default (NETSEC_MODEL_DIR not set)" });
    expect(l.settings.modelDir).toBe(`${ROOT}/final_model`);
    expect(rows.threshold).toEqual({ value: 0.7, uses: "0.7", from: "the notebook's cells" });
    expect(shown.title).toBe("Parameters: experiment, threshold given; 2 from the environment or the defaults");
    expect(await htmlOf(shown)).toContain("<table class=\"netsec-table\">");
  });
});

describe("show()", () => {
  it("makes a DataFrame a table result (numbers right-aligned, text left) and a figure a figure result", async () => {
    const df = frameOf([{ name: "a", count: 3 }, { name: "b", count: 12_345 }]);
    const table = show(df, "Counts");
    const html = await htmlOf(table);
    expect(table.title).toBe("Counts");
    expect(html).toMatch(/<th class="">name<\/th><th class="num">count<\/th>/);
    expect(html).toContain('<td class="">b</td><td class="num">12,345</td>');
    expect(table.toJSON()).toEqual({ rows: 2, columns: ["name", "count"] });
    const figure = show({ data: [{ type: "bar", x: ["a"], y: [1] }], layout: { title: { text: "old" } } }, "Bars");
    expect(figure.title).toBe("Bars");
    expect(await htmlOf(figure)).toContain('class="netsec-plot"');
  });
});
