/**
 * What `netsec train` and `netsec serve` say to a person, word for word, run as a user runs them
 * (bin/netsec as a child process): train ends with one plain summary on stdout (and --json still
 * ends with its JSON line); a run that cannot start records nothing (no run folder, no tracked
 * run, no line about tracking); serve on a port in use is one line naming the port and --port.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { createServer, type Server } from "node:net";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT, SHARED_DATA, tempDir } from "./helpers/env.ts";
import { writeRealModel } from "./serve/real-model.ts";

const FAST = join(ROOT, "experiments", "fast.yaml");
const BIN = join(ROOT, "bin", "netsec");

function netsec(cwd: string, args: string[]) {
  // No tracking server: the local run log in <cwd>/.netsec is where a run would be recorded.
  return spawnSync(BIN, args, { cwd, encoding: "utf8", env: { ...process.env, NO_COLOR: "1", MLFLOW_TRACKING_URI: "", DAGSHUB_REPO_OWNER: "", DAGSHUB_REPO_NAME: "" } });
}

describe.skipIf(!existsSync(SHARED_DATA))("netsec train: one plain summary on stdout", () => {
  const cwd = tempDir("netsec-cli-msg-");
  let first: ReturnType<typeof netsec>;
  let second: ReturnType<typeof netsec>;
  beforeAll(() => {
    first = netsec(cwd, ["train", "--data", SHARED_DATA, "--experiment", FAST]);
    second = netsec(cwd, ["train", "--data", SHARED_DATA, "--experiment", FAST]);
  });

  it("names the model and parameters, CV F1, test F1 at the threshold, pushed and why, run folder, report — as the run's files say", () => {
    expect(first.status, first.stderr).toBe(0);
    const runDir = readdirSync(join(cwd, "Artifacts")).filter((n) => /^\d\d_/.test(n)).sort()[0];
    const metrics = JSON.parse(readFileSync(join(cwd, "Artifacts", runDir, "model_evaluation", "metrics.json"), "utf8"));
    const params = Object.entries(metrics.params as Record<string, unknown>).map(([k, v]) => `${k}=${v}`).join(", ");
    const testRows = metrics.test.support.positive + metrics.test.support.negative;
    const lines = first.stdout.split("\n");
    expect(lines.at(-1)).toBe("");
    expect(lines.slice(0, -1)).toEqual([
      `model       ${metrics.family} (${params})`,
      expect.stringMatching(/^CV F1       0\.9\d{3} ± 0\.0\d{3} \(3 grouped folds; 0\.9\d{3} with rows dealt one by one\)$/),
      `test F1     ${metrics.test.f1.toFixed(4)} at threshold ${metrics.threshold.toFixed(4)} (${testRows} test rows; precision ${metrics.test.precision.toFixed(4)}, recall ${metrics.test.recall.toFixed(4)})`,
      "pushed      yes, version 1 in final_model: no current model to compare with",
      `run folder  Artifacts/${runDir}`,
      `report      Artifacts/${runDir}/report.html`,
      expect.stringMatching(/^warnings    \d+ \(printed above on stderr; also in the report\)$/),
    ]);
    // Progress stays on stderr, the summary is not repeated there.
    expect(first.stderr).toContain("evaluate: test f1");
    expect(first.stderr).not.toContain("run folder  ");
  });

  it("says why a model was not pushed and how to push it anyway", () => {
    expect(second.status, second.stderr).toBe(0);
    const pushed = second.stdout.split("\n").find((l) => l.startsWith("pushed"));
    expect(pushed).toMatch(/^pushed      no, final_model unchanged: not better than the current model on the \d+ test rows neither model was trained on: f1 0\.\d{4} ≤ 0\.\d{4} \(--force pushes it anyway\)$/);
  });

  it("--json: stdout is only the JSON object, as before", () => {
    const result = netsec(cwd, ["train", "--data", SHARED_DATA, "--experiment", FAST, "--json"]);
    expect(result.status, result.stderr).toBe(0);
    const lines = result.stdout.trim().split("\n");
    expect(lines).toHaveLength(1);
    const json = JSON.parse(lines[0]);
    expect(Object.keys(json)).toEqual(["runDir", "data", "experiment", "stages", "warnings", "bestModel", "cv", "threshold", "metrics", "pushed", "pushReasons", "modelVersion"]);
    expect(json.pushed).toBe(false);
  });
});

describe("netsec train: a run that cannot start records nothing", () => {
  const cases: { name: string; args: (dir: string) => string[]; stderr: (dir: string) => string; needsData?: boolean }[] = [
    {
      name: "--data nope.csv",
      args: () => ["--data", "nope.csv"],
      stderr: () => "netsec train: error [FILE_NOT_FOUND]: data file not found: nope.csv (expected a .csv or .arff file, or a mongodb:// URI)\n",
    },
    {
      name: "an experiment file that does not exist",
      args: () => ["--experiment", "nope.yaml"],
      stderr: () => "netsec train: error [FILE_NOT_FOUND]: experiment file not found: nope.yaml\n",
    },
    {
      name: "a bad experiment",
      args: (dir) => {
        writeFileSync(join(dir, "bad.yaml"), "name: bad\nbogus: 1\n");
        return ["--experiment", "bad.yaml"];
      },
      stderr: () => 'netsec train: error [EXPERIMENT_INVALID]: bad.yaml is not a valid experiment:\n  search: Invalid input: expected object, received undefined\n  (top level): Unrecognized key: "bogus"\n',
    },
    {
      name: "--reference to a folder that is not a run",
      needsData: true,
      args: () => ["--data", SHARED_DATA, "--experiment", FAST, "--reference", "nope"],
      stderr: () => "netsec train: error [FILE_NOT_FOUND]: --reference nope: no validated training data at nope/data_validation/validated/train.csv (give the folder of an earlier run, e.g. Artifacts/<timestamp>)\n",
    },
    {
      name: "--artifacts where no folder can be made",
      needsData: true,
      args: (dir) => {
        writeFileSync(join(dir, "a-file"), "");
        return ["--data", SHARED_DATA, "--experiment", FAST, "--artifacts", "a-file/runs"];
      },
      stderr: () => expect.stringMatching(/^netsec train: error \[OUTPUT_UNWRITABLE\]: --artifacts a-file\/runs: cannot create the folder for run folders \(.*\); give a folder you can write to\n$/) as unknown as string,
    },
  ];
  for (const c of cases) {
    it.skipIf(c.needsData && !existsSync(SHARED_DATA))(`${c.name}: one error line, no run folder, nothing in netsec runs`, () => {
      const dir = tempDir("netsec-cli-nostart-");
      const result = netsec(dir, ["train", ...c.args(dir)]);
      expect(result.status).toBe(1);
      expect(result.stdout).toBe("");
      expect(result.stderr).toEqual(c.stderr(dir));
      expect(readdirSync(dir).filter((n) => !["bad.yaml", "a-file"].includes(n))).toEqual([]);
      const runs = netsec(dir, ["runs", "--json"]);
      expect(JSON.parse(runs.stdout)).toEqual({ runs: [] });
    });
  }
});

describe.skipIf(!existsSync(SHARED_DATA))("netsec serve on a port in use", () => {
  it("is one line naming the port and --port, exit 1, and no model line before it", async () => {
    const dir = tempDir("netsec-cli-port-");
    await writeRealModel(join(dir, "final_model"), 1, 5);
    const busy: Server = createServer();
    await new Promise<void>((resolve) => busy.listen(0, "127.0.0.1", resolve));
    const port = (busy.address() as { port: number }).port;
    try {
      const result = netsec(dir, ["serve", "--port", String(port)]);
      expect(result.status).toBe(1);
      expect(result.stdout).toBe("");
      expect(result.stderr).toBe(`netsec serve: error [PORT_IN_USE]: port ${port} on 127.0.0.1 is already in use (another netsec serve, or another program); pick another with --port <n>, or --port 0 for any free port\n`);
    } finally {
      busy.close();
    }
  });
});
