/**
 * ONNX export checked in the real runtimes: for every exportable family, a model fitted on the
 * real data is exported and scored by Python onnxruntime (after onnx.checker with full_check) and
 * by onnxruntime-node; both give netsec's probabilities to 1e-5 on the test rows and on 100k
 * random rows, and netsec's label wherever the probability is not within 1e-5 of 0.5.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { createModel, modelFromJSON } from "../../src/models/registry.ts";
import type { Matrix, Params } from "../../src/models/classifier.ts";
import { exportOnnx, onnxSupport, type OnnxExportInput } from "../../src/models/onnx/export.ts";
import { maxDiff, phishingSplit, randomRows, runNode, runPython, type OnnxAnswers, type PhishingSplit } from "./onnx-helpers.ts";

const TOL = 1e-5;

/** Each family as the experiments use it; the ml-cart ones on a slice of the rows (they are slow). */
const FAMILIES: { family: string; params: Params; trainRows?: number }[] = [
  { family: "hist_gbt", params: { n_estimators: 300, learning_rate: 0.2, max_leaf_nodes: 31 } },
  { family: "hist_forest", params: { n_estimators: 100, max_features: "sqrt", seed: 42 } },
  { family: "logistic_regression", params: { C: 1 } },
  { family: "decision_tree", params: { max_depth: 8 }, trainRows: 2000 },
  { family: "ml_random_forest", params: { n_estimators: 5, max_depth: 6, seed: 3 }, trainRows: 600 },
];

function head(x: Matrix, rows: number): Matrix {
  const n = Math.min(rows, x.rows);
  return { values: x.values.slice(0, n * x.cols), rows: n, cols: x.cols };
}

function exportInput(data: PhishingSplit, model: OnnxExportInput["model"]): OnnxExportInput {
  const { schema } = data;
  const values = [schema.targetValue(0), schema.targetValue(1)] as [number, number];
  return { model, features: schema.featureNames, target: { name: schema.target.name, values, labels: [schema.labelOf(values[0]), schema.labelOf(values[1])], positive: schema.target.positive } };
}

function expectSame(family: string, where: string, p1: Float64Array, answers: OnnxAnswers): void {
  const p0 = p1.map((p) => 1 - p);
  console.info(`${family} ${where}: max |Δp| ${maxDiff(answers.p1, p1).toExponential(2)} over ${p1.length} rows`);
  expect(maxDiff(answers.p1, p1), `${family} ${where}: P(class 1)`).toBeLessThan(TOL);
  expect(maxDiff(answers.p0, p0), `${family} ${where}: P(class 0)`).toBeLessThan(TOL);
  let wrong = 0;
  for (let i = 0; i < p1.length; i++) {
    if (Math.abs(p1[i] - 0.5) > TOL && answers.label[i] !== (p1[i] > 0.5 ? 1 : -1)) wrong++;
  }
  expect(wrong, `${family} ${where}: labels different from netsec's`).toBe(0);
}

describe("ONNX export, checked in Python onnxruntime and onnxruntime-node", () => {
  let data: PhishingSplit;
  const random = randomRows(100_000);
  beforeAll(async () => {
    data = await phishingSplit();
  });

  for (const { family, params, trainRows } of FAMILIES) {
    it(`${family}: same probabilities as netsec on the test rows and 100k random rows`, async () => {
      expect(onnxSupport(family)).toEqual({ exportable: true });
      const model = createModel(family, params);
      const x = trainRows ? head(data.train.x, trainRows) : data.train.x;
      await model.fit(x, data.train.y.subarray(0, x.rows));
      // Export from the JSON state (what model.json holds), as push and `netsec export` do.
      const json = JSON.parse(JSON.stringify(model.toJSON()));
      const onnx = await exportOnnx(exportInput(data, json));
      const netsec = modelFromJSON(json);
      for (const [where, rows] of [["test rows", data.test.x], ["100k random rows", random]] as const) {
        const p1 = netsec.predictProba(rows);
        const py = runPython(onnx, rows);
        expect(py.info.checker).toBe("ok");
        expectSame(family, `${where} (Python onnxruntime ${py.info.onnxruntime})`, p1, py);
        expectSame(family, `${where} (onnxruntime-node)`, p1, await runNode(onnx, rows));
      }
    }, 300_000);
  }
});
