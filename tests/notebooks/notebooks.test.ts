// CI for the notebooks: scripts/notebooks.sh installs the Deno kernel into the venv and executes
// every notebook headless (nbclient) against the default data and the local MLflow server; it
// fails on any cell error or when a notebook's last cell does not show its expected output.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { ROOT, requireEnv, tempDir } from "../helpers/env.ts";

const notebooks = readdirSync(join(ROOT, "notebooks")).filter((n) => n.endsWith(".ipynb")).sort();

interface Cell { cell_type: string; source: string | string[]; outputs?: unknown[]; metadata?: { netsec?: { expect?: string } } }
const cells = (name: string): Cell[] => JSON.parse(readFileSync(join(ROOT, "notebooks", name), "utf8")).cells;
const text = (source: string | string[]) => (Array.isArray(source) ? source.join("") : source);

describe("notebooks as committed", () => {
  it("are the five stage notebooks", () => {
    expect(notebooks).toEqual(["01_data_ingestion.ipynb", "02_data_validation.ipynb", "03_model_training.ipynb", "04_model_evaluation.ipynb", "05_tracking.ipynb"]);
  });

  it.each(notebooks)("%s: opens with an explanation, has no outputs, imports only src/mod.ts, ends with a checked cell", (name) => {
    const all = cells(name);
    expect(all[0].cell_type).toBe("markdown");
    expect(text(all[0].source)).toMatch(/^# \d\d — /);
    const code = all.filter((c) => c.cell_type === "code");
    for (const c of code) {
      expect(c.outputs ?? []).toEqual([]);
      for (const m of text(c.source).matchAll(/from\s+"([^"]+)"/g)) expect(m[1]).toBe("../src/mod.ts");
    }
    expect(code[code.length - 1].metadata?.netsec?.expect).toBeTruthy();
  });
});

describe("notebooks executed headless with the Deno kernel", () => {
  it("run without a cell error and show their expected output", () => {
    const out = tempDir("netsec-notebooks-");
    const result = spawnSync("bash", [join(ROOT, "scripts", "notebooks.sh"), "all"], {
      cwd: ROOT,
      encoding: "utf8",
      timeout: 15 * 60_000,
      env: {
        ...process.env,
        NETSEC_ARTIFACTS: join(out, "Artifacts"),
        NETSEC_MODEL_DIR: join(out, "final_model"),
        NETSEC_NOTEBOOK_OUT: join(ROOT, "test-results", "notebooks"),
        MLFLOW_TRACKING_URI: requireEnv("NETSEC_TEST_MLFLOW_URI"),
        MLFLOW_EXPERIMENT_NAME: `netsec-notebooks-test-${Date.now()}`,
        NETSEC_REGISTERED_MODEL: `netsec-notebooks-test-${Date.now()}`,
      },
    });
    const log = `${result.stdout}\n${result.stderr}`;
    expect(result.status, log).toBe(0);
    for (const name of notebooks) expect(log).toContain(`ok   ${name}`);
  }, 16 * 60_000);

  it("05_tracking runs with no server at all: the local run log, runs browsed from it", () => {
    const out = tempDir("netsec-notebooks-local-");
    const env: Record<string, string | undefined> = {
      ...process.env,
      NETSEC_ARTIFACTS: join(out, "Artifacts"),
      NETSEC_MODEL_DIR: join(out, "final_model"),
      NETSEC_NOTEBOOK_OUT: join(out, "executed"),
    };
    for (const name of ["MLFLOW_TRACKING_URI", "DAGSHUB_REPO_OWNER", "DAGSHUB_REPO_NAME"]) delete env[name];
    const result = spawnSync("bash", [join(ROOT, "scripts", "notebooks.sh"), "all", join(ROOT, "notebooks", "05_tracking.ipynb")], { cwd: ROOT, encoding: "utf8", timeout: 10 * 60_000, env });
    const log = `${result.stdout}\n${result.stderr}`;
    expect(result.status, log).toBe(0);
    expect(log).toMatch(/ok {3}05_tracking\.ipynb .*"tracking":"local".*"matchesFinalModel":true/);
  }, 11 * 60_000);
});
