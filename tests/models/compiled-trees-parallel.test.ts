import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createModel } from "../../src/models/registry.ts";
import { createParallelScorer } from "../../src/models/scoring/parallel-scorer.ts";
import { DENO, ROOT, tempDir } from "../helpers/env.ts";
import { writeRealModel } from "../serve/real-model.ts";
import { FEATURES, schema } from "../serve/helpers.ts";
import { syntheticData } from "./synthetic.ts";

describe("parallel batch scorer", () => {
  it("without workers (Node) scores in this thread with the model's own answers", async () => {
    const { x, y } = syntheticData(700, 30, 5);
    const model = createModel("hist_gbt", { n_estimators: 25 });
    model.fit(x, y);
    const scorer = createParallelScorer(model.toJSON(), { workers: 2, minRows: 10 });
    expect(scorer.workers).toBe(0);
    expect(Array.from(await scorer.predictProba(x))).toEqual(Array.from(model.predictProba(x)));
    scorer.close();
  });

  it("with 2 Deno workers (or this thread + 1) gives exactly the one-thread answers (odd row counts, NaN cells, both tree families)", () => {
    // Deno has Web Workers; the scorer starts them through platform.createWorker.
    const script = `
      import { createModel } from "${ROOT}/src/models/registry.ts";
      import { createParallelScorer } from "${ROOT}/src/models/scoring/parallel-scorer.ts";
      import { syntheticData } from "${ROOT}/tests/models/synthetic.ts";
      const { x, y } = syntheticData(600, 30, 11);
      const results = [];
      for (const [family, params] of [["hist_gbt", { n_estimators: 30, max_leaf_nodes: 31 }], ["hist_forest", { n_estimators: 12, seed: 3 }]]) {
        const model = createModel(family, params);
        model.fit(x, y);
        for (const callerScores of [false, true]) {
          const scorer = createParallelScorer(model.toJSON(), { workers: 2, minRows: 100, callerScores });
          for (const rows of [99, 101, 1001, 4097]) {
            const values = new Float64Array(rows * 30);
            for (let i = 0; i < values.length; i++) values[i] = i % 97 === 0 ? NaN : ((i * 7919) % 3) - 1 + (i % 13 === 0 ? 0.5 : 0);
            const m = { values, rows, cols: 30 };
            const one = model.predictProba(m);
            const two = await scorer.predictProba(m);
            results.push({ family, rows, workers: scorer.workers, same: one.length === two.length && one.every((v, i) => Object.is(v, two[i])) });
          }
          scorer.close();
        }
      }
      console.log(JSON.stringify(results));
    `;
    const out = execFileSync(DENO, ["eval", "--ext=ts", script], { cwd: ROOT, encoding: "utf8", timeout: 120_000 });
    const results = JSON.parse(out.trim().split("\n").pop()!) as { family: string; rows: number; workers: number; same: boolean }[];
    expect(results).toHaveLength(16); // 2 families × (2 workers, this thread + 1 worker) × 4 sizes
    for (const r of results) expect(r).toEqual({ family: r.family, rows: r.rows, workers: 2, same: true });
  });

  it("netsec predict writes the same bytes with 2 workers (chunks scored while the next is read) as without", async () => {
    const dir = tempDir("netsec-parallel-predict-");
    const modelDir = join(dir, "final_model");
    await writeRealModel(modelDir, 1, 12, { threshold: 0.3 });
    // 5,000 rows in 1,500-row chunks: four chunks, two in flight; some cells missing (imputed).
    const lines = [FEATURES.join(",")];
    const allowed = FEATURES.map((f) => schema.features.find((x) => x.name === f)?.allowed ?? [-1, 0, 1]);
    for (let r = 0; r < 5000; r++) {
      lines.push(FEATURES.map((_, c) => ((r * 31 + c * 17) % 23 === 0 ? "" : String(allowed[c][(r * 7 + c * 13 + ((r * c) % 5)) % allowed[c].length]))).join(","));
    }
    writeFileSync(join(dir, "in.csv"), lines.join("\n") + "\n");
    const script = `
      import { predictFile } from "${ROOT}/src/predict/predict-file.ts";
      for (const workers of [0, 2]) {
        const s = await predictFile({ input: "${dir}/in.csv", output: "${dir}/out-" + workers + ".csv", modelDir: "${modelDir}", chunkRows: 1500, workers });
        console.log(JSON.stringify({ workers, rows: s.rows, predicted: s.predicted }));
        // another threshold and the explanations: the same bytes with and without workers too
        await predictFile({ input: "${dir}/in.csv", output: "${dir}/explained-" + workers + ".csv", modelDir: "${modelDir}", chunkRows: 1500, workers, threshold: 0.7, explain: true });
      }
    `;
    const out = execFileSync(DENO, ["eval", "--ext=ts", script], { cwd: ROOT, encoding: "utf8", timeout: 120_000 });
    expect(out.trim().split("\n").map((l) => JSON.parse(l))).toEqual([{ workers: 0, rows: 5000, predicted: 5000 }, { workers: 2, rows: 5000, predicted: 5000 }]);
    const one = readFileSync(join(dir, "out-0.csv"), "utf8");
    expect(one.split("\n")).toHaveLength(5002);
    expect(readFileSync(join(dir, "out-2.csv"), "utf8")).toBe(one);
    // predictions follow the model's threshold (manifest.json: 0.3), then the override (0.7)
    const follows = (text: string, t: number) => text.trim().split("\n").slice(1).every((line) => {
      const cells = line.split(",");
      return (Number(cells[30]) === -1) === (Number(cells[31]) >= t);
    });
    expect(follows(one, 0.3)).toBe(true);
    const explained = readFileSync(join(dir, "explained-0.csv"), "utf8");
    expect(readFileSync(join(dir, "explained-2.csv"), "utf8")).toBe(explained);
    expect(follows(explained, 0.7)).toBe(true);
    expect(explained.split("\n")[0].split(",")).toHaveLength(30 + 2 + 31);
  });
});
