/**
 * `netsec predict` under Deno with a model trained by `netsec train` (the fast experiment): scores a
 * features-only file (like the seed's valida_data), a file with the Result column, refuses a bad row
 * naming row and column, and with --skip-invalid sends it to <output>.invalid.csv with the reason.
 * Predictions follow the threshold stored with the model (or --threshold); --explain adds the
 * per-feature contributions, which add up to the model's raw output on every row.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DENO, ROOT, SHARED_DATA, tempDir } from "../helpers/env.ts";

function netsec(cwd: string, args: string[]) {
  return spawnSync(DENO, ["run", "-A", join(ROOT, "src", "cli.ts"), ...args], { cwd, encoding: "utf8", env: { ...process.env, NO_COLOR: "1", MLFLOW_TRACKING_URI: "" } });
}

describe.skipIf(!existsSync(SHARED_DATA))("netsec predict", () => {
  const cwd = tempDir("netsec-e2e-predict-");
  let lines: string[];
  let threshold: number;
  let family: string;

  beforeAll(() => {
    copyFileSync(SHARED_DATA, join(cwd, "phisingData.csv"));
    const trained = netsec(cwd, ["train", "--data", "phisingData.csv", "--experiment", join(ROOT, "experiments/fast.yaml"), "--json"]);
    expect(trained.status, trained.stderr).toBe(0);
    lines = readFileSync(SHARED_DATA, "utf8").trim().split(/\r?\n/).slice(0, 201);
    threshold = JSON.parse(readFileSync(join(cwd, "final_model/manifest.json"), "utf8")).threshold;
    family = JSON.parse(readFileSync(join(cwd, "final_model/model.json"), "utf8")).model.family;
  });

  const dropLast = (line: string) => line.split(",").slice(0, -1).join(",");

  it("scores a features-only file: input columns + prediction (-1/1) + probability", () => {
    writeFileSync(join(cwd, "valida.csv"), lines.map(dropLast).join("\n") + "\n");
    const r = netsec(cwd, ["predict", "--input", "valida.csv", "--output", "out.csv"]);
    expect(r.status, r.stderr).toBe(0);
    const out = readFileSync(join(cwd, "out.csv"), "utf8").trim().split("\n");
    expect(out).toHaveLength(201);
    expect(out[0]).toBe(`${dropLast(lines[0])},"prediction","probability"`);
    let agree = 0;
    for (let i = 1; i < out.length; i++) {
      const cells = out[i].split(",");
      const [pred, prob] = cells.slice(-2).map(Number);
      expect([-1, 1]).toContain(pred);
      expect(prob).toBeGreaterThanOrEqual(0);
      expect(prob).toBeLessThanOrEqual(1);
      // probability is of the positive class, phishing (-1); flagged from the stored threshold on
      expect(pred === -1).toBe(prob >= threshold);
      if (pred === Number(lines[i].split(",").pop())) agree++;
    }
    expect(agree / 200).toBeGreaterThan(0.9);
  });

  it("accepts the Result column and passes it through", () => {
    writeFileSync(join(cwd, "with-result.csv"), lines.join("\n") + "\n");
    const r = netsec(cwd, ["predict", "--input", "with-result.csv", "--output", "out2.csv", "--json"]);
    expect(r.status, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout.trim().split("\n").pop()!);
    expect(summary).toMatchObject({ rows: 200, predicted: 200, invalid: 0 });
    expect(readFileSync(join(cwd, "out2.csv"), "utf8").split("\n")[0]).toMatch(/"Result","prediction","probability"$/);
  });

  it("stops at a bad row naming row and column, writing no output; --skip-invalid sends it to a side file", () => {
    const bad = [...lines];
    const cells = bad[3].split(",");
    cells[1] = "7"; // URL_Length allows -1, 0, 1
    bad[3] = cells.join(",");
    writeFileSync(join(cwd, "bad.csv"), bad.join("\n") + "\n");
    const r = netsec(cwd, ["predict", "--input", "bad.csv", "--output", "out3.csv"]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/error \[PREDICT_INVALID\]: bad\.csv: row 3, column URL_Length: got "7", expected one of -1, 0, 1; fix the rows or use --skip-invalid/);
    expect(existsSync(join(cwd, "out3.csv"))).toBe(false);
    const s = netsec(cwd, ["predict", "--input", "bad.csv", "--output", "out3.csv", "--skip-invalid"]);
    expect(s.status, s.stderr).toBe(0);
    expect(readFileSync(join(cwd, "out3.csv"), "utf8").trim().split("\n")).toHaveLength(200);
    const invalid = readFileSync(join(cwd, "out3.csv.invalid.csv"), "utf8").trim().split("\n");
    expect(invalid).toHaveLength(2);
    expect(invalid[0]).toMatch(/"reason"$/);
    expect(invalid[1]).toMatch(/"row 3, column URL_Length: got ""7"", expected one of -1, 0, 1"$/);
  });

  it("--threshold overrides the stored threshold", () => {
    expect(threshold).toBeGreaterThan(0);
    expect(threshold).not.toBe(0.5);
    writeFileSync(join(cwd, "valida.csv"), lines.map(dropLast).join("\n") + "\n");
    for (const t of ["0.05", "0.95"]) {
      const r = netsec(cwd, ["predict", "--input", "valida.csv", "--output", `out-t${t}.csv`, "--threshold", t, "--json"]);
      expect(r.status, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout.trim().split("\n").pop()!).threshold).toBe(Number(t));
      for (const line of readFileSync(join(cwd, `out-t${t}.csv`), "utf8").trim().split("\n").slice(1)) {
        const [pred, prob] = line.split(",").slice(-2).map(Number);
        expect(pred === -1).toBe(prob >= Number(t));
      }
    }
    const bad = netsec(cwd, ["predict", "--input", "valida.csv", "--output", "x.csv", "--threshold", "1.5"]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--threshold must be a number in \[0, 1\], got "1\.5"/);
  });

  it("--explain: contribution:<feature> and contribution:base columns that add up to the raw output of every row", () => {
    writeFileSync(join(cwd, "with-result.csv"), lines.join("\n") + "\n");
    const r = netsec(cwd, ["predict", "--input", "with-result.csv", "--output", "explained.csv", "--explain", "--json"]);
    expect(r.status, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout.trim().split("\n").pop()!);
    const output = family === "hist_forest" ? "probability of phishing" : "log-odds of phishing";
    expect(summary.explanationOutput).toBe(output);
    const out = readFileSync(join(cwd, "explained.csv"), "utf8").trim().split("\n");
    const header = out[0].split(",").map((h) => h.replace(/"/g, ""));
    const features = header.slice(0, 30);
    expect(header.slice(31)).toEqual(["prediction", "probability", ...features.map((f) => `contribution:${f}`), "contribution:base"]);
    expect(out).toHaveLength(201);
    for (const line of out.slice(1)) {
      const cells = line.split(",").map(Number);
      const probability = cells[32];
      const sum = cells.slice(33).reduce((a, b) => a + b, 0);
      expect(sum).toBeCloseTo(output.startsWith("log-odds") ? Math.log(probability / (1 - probability)) : probability, 8);
    }
  });

  it("refuses a file without a feature column", () => {
    writeFileSync(join(cwd, "short.csv"), lines.map((l) => l.split(",").slice(1).join(",")).join("\n") + "\n");
    const r = netsec(cwd, ["predict", "--input", "short.csv", "--output", "out4.csv"]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/short\.csv: missing column having_IP_Address \(expected the 30 features of schema\.yaml, Result optional\)/);
  });
});
