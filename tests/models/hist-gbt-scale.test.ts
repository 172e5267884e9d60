/**
 * hist_gbt at scale: the sharded, bundled, threaded fit (trees/gbt-*.ts, fit-team.ts) on tens of
 * thousands of almost-distinct rows, checked against scikit-learn's HistGradientBoostingClassifier
 * computed live in the venv, and the same model bytes on 1 and 2 threads (Deno workers). Binning
 * and grouping checked against scikit-learn's _BinMapper and numpy.unique.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { encodeNpy } from "../../src/data/npy.ts";
import { fitBins } from "../../src/models/trees/binning.ts";
import { bundleFeatures } from "../../src/models/trees/bundles.ts";
import { groupRows } from "../../src/models/trees/grouping.ts";
import { mulberry32 } from "../../src/stats/rng.ts";
import { DENO, PYTHON, ROOT, tempDir } from "../helpers/env.ts";

/** Ternary rows (some columns only ±1), a noisy linear rule for the label; last column = class. */
function ternaryRows(rows: number, seed: number): Float64Array {
  const rng = mulberry32(seed);
  const v = new Float64Array(rows * 31);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let c = 0; c < 30; c++) {
      const x = c % 4 === 0 ? (rng.next() < 0.5 ? -1 : 1) : rng.int(3) - 1;
      v[r * 31 + c] = x;
      s += x * ((c % 7) - 3);
    }
    v[r * 31 + 30] = s + (rng.next() - 0.5) * 8 > 0 ? 1 : 0;
  }
  return v;
}

describe("hist_gbt on many distinct rows", () => {
  it("matches scikit-learn's HistGradientBoostingClassifier, and gives the same model bytes on 1 and 2 threads (Deno workers)", () => {
    const dir = tempDir("netsec-gbt-scale-");
    const data = join(dir, "rows.npy");
    writeFileSync(data, encodeNpy({ rows: 40_000, cols: 31, values: ternaryRows(40_000, 11) }));
    const script = `
      import { readNpy, splitFeaturesAndLabels } from "${ROOT}/src/data/npy.ts";
      import { HistGbt } from "${ROOT}/src/models/families/hist-gbt.ts";
      const { x, y } = splitFeaturesAndLabels(await readNpy("${data}"));
      const out = {};
      for (const threads of [1, 2]) {
        const model = new HistGbt({ n_estimators: 40, learning_rate: 0.2, max_leaf_nodes: 31 });
        await model.fit(x, y, { threads });
        Deno.writeTextFileSync("${dir}/model-" + threads + ".json", JSON.stringify(model.toJSON()));
        out["threads" + threads] = model.fitThreads;
        if (threads === 1) Deno.writeTextFileSync("${dir}/p.json", JSON.stringify(Array.from(model.predictProba(x))));
      }
      // Continuous features (every bundle one feature): the WebAssembly kernels alone, no team.
      const rows = 40_000, cols = 4;
      const values = Float64Array.from({ length: rows * cols }, (_, i) => Math.sin(i * 12.9898) * 43758.5453 % 1);
      const labels = Uint8Array.from({ length: rows }, (_, r) => values[r * cols] + values[r * cols + 1] > 0 ? 1 : 0);
      const continuous = new HistGbt({ n_estimators: 2 });
      await continuous.fit({ values, rows, cols }, labels, { threads: 2 });
      out.continuousThreads2 = continuous.fitThreads;
      console.log(JSON.stringify(out));
    `;
    const text = execFileSync(DENO, ["eval", "--ext=ts", script], { cwd: ROOT, encoding: "utf8", timeout: 120_000 });
    // The second fit really ran on two threads (a fit team), not in this thread alone.
    // Continuous features ran on one thread with the WebAssembly kernels even when given two.
    expect(JSON.parse(text.trim().split("\n").pop()!)).toEqual({ threads1: 1, threads2: 2, continuousThreads2: 1 });
    const sha = (t: number) => createHash("sha256").update(readFileSync(join(dir, `model-${t}.json`))).digest("hex");
    expect(sha(2)).toBe(sha(1));

    const reference = execFileSync(PYTHON, ["-c", `
import json, sys, numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
a = np.load(sys.argv[1]); X, y = a[:, :-1], a[:, -1].astype(int)
m = HistGradientBoostingClassifier(max_iter=40, learning_rate=0.2, max_leaf_nodes=31, min_samples_leaf=20,
                                   l2_regularization=0.0, max_bins=255, early_stopping=False).fit(X, y)
d = np.abs(m.predict_proba(X)[:, 1] - np.array(json.load(open(sys.argv[2]))))
print(json.dumps({"max": float(d.max()), "mean": float(d.mean())}))
`, data, join(dir, "p.json")], { encoding: "utf8", timeout: 120_000 });
    const diff = JSON.parse(reference.trim());
    // scikit-learn keeps gradients in float32: the two agree to ~1e-9, not bit for bit.
    expect(diff.max).toBeLessThan(1e-6);
    expect(diff.mean).toBeLessThan(1e-7);
  }, 300_000); // three Deno fits and a scikit-learn fit: ~16 s alone, over 60 s beside the whole suite
});

describe("binning and grouping", () => {
  it("cut points equal scikit-learn's _BinMapper thresholds, and the groups are numpy.unique's rows", () => {
    const rng = mulberry32(5);
    const rows = 3000;
    const cols = 6;
    const values = new Float64Array(rows * cols);
    const pools = [[-1, 0, 1], [-1, 1], [0, 1 / 3, 2 / 3, 1, -1 / 3], [7], Array.from({ length: 40 }, (_, i) => i * 0.25 - 3), [-1, 0, 1, 0.5]];
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) values[r * cols + c] = pools[c][rng.int(pools[c].length)];
    const y = Uint8Array.from({ length: rows }, () => rng.int(2));
    const x = { values, rows, cols };
    const bins = fitBins(x);
    const dir = tempDir("netsec-bins-");
    writeFileSync(join(dir, "x.npy"), encodeNpy({ rows, cols, values }));
    const out = execFileSync(PYTHON, ["-c", `
import json, sys, numpy as np
from sklearn.ensemble._hist_gradient_boosting.binning import _BinMapper
X = np.load(sys.argv[1])
m = _BinMapper(n_bins=256).fit(X)
print(json.dumps({"thresholds": [t.tolist() for t in m.bin_thresholds_], "unique": int(len(np.unique(X, axis=0)))}))
`, join(dir, "x.npy")], { encoding: "utf8", timeout: 60_000 });
    const ref = JSON.parse(out.trim());
    expect(bins.cuts.map((c) => Array.from(c))).toEqual(ref.thresholds);
    for (const bundles of [bundleFeatures(bins, 1), bundleFeatures(bins)]) {
      const groups = groupRows(x, y, bins, bundles);
      expect(groups.groups).toBe(ref.unique);
      let n0 = 0;
      let n1 = 0;
      for (let g = 0; g < groups.groups; g++) {
        n0 += groups.count0[g];
        n1 += groups.count1[g];
      }
      expect([n0, n1]).toEqual([y.filter((v) => v === 0).length, y.filter((v) => v === 1).length]);
    }
  });
});
