/**
 * The exported graph's contract (docs/export.md): input and output names, types and shapes as
 * the real runtimes report them, what a row with a missing value gets, the metadata, the families
 * that are refused and why, and the protobuf schema being ONNX's own.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { createModel } from "../../src/models/registry.ts";
import { exportOnnx, onnxOutputNames, onnxSupport, type OnnxExportInput } from "../../src/models/onnx/export.ts";
import { decodeModelProto, ONNX_PROTO_FILE } from "../../src/models/onnx/proto.ts";
import { isNetsecError } from "../../src/errors.ts";
import { decide } from "../../src/models/model-file.ts";
import { PYTHON, ROOT } from "../helpers/env.ts";
import { syntheticData } from "./synthetic.ts";
import { runNode, runPython } from "./onnx-helpers.ts";
import { execFileSync } from "node:child_process";

const TARGET = { name: "Result", values: [-1, 1] as const, labels: ["phishing", "legitimate"] as const, positive: -1 };
const FEATURES = Array.from({ length: 30 }, (_, i) => `f${i}`);
const train = syntheticData(400, 30, 1);

async function fitted(family: string, params: Record<string, number> = {}) {
  const model = createModel(family, params);
  await model.fit(train.x, train.y);
  return model;
}

function input(model: OnnxExportInput["model"]): OnnxExportInput {
  return { model, features: FEATURES, target: TARGET, metadata: { "netsec.model_sha256": "ab".repeat(32) }, version: 7 };
}

describe("ONNX graph layout", () => {
  let onnx: Uint8Array;
  let model: Awaited<ReturnType<typeof fitted>>;
  beforeAll(async () => {
    model = await fitted("hist_gbt", { n_estimators: 20 });
    onnx = await exportOnnx(input(model.toJSON()));
  });

  it("input features float32 [N, 30]; outputs label int64 [N], probability_<label> float32 [N] in class order", () => {
    const rows = syntheticData(7, 30, 3).x;
    const py = runPython(onnx, rows);
    expect(py.info.inputs).toEqual([{ name: "features", type: "tensor(float)", shape: ["N", 30] }]);
    expect(py.info.outputs.map((o) => [o.name, o.type, o.shape, o.shape_out])).toEqual([
      ["label", "tensor(int64)", ["N"], [7]],
      ["probability_phishing", "tensor(float)", ["N"], [7]],
      ["probability_legitimate", "tensor(float)", ["N"], [7]],
    ]);
    expect(py.info.opsets).toEqual({ "": 15, "ai.onnx.ml": 3 });
    expect(py.info.ir_version).toBe(8);
    expect(py.info.metadata["netsec.family"]).toBe("hist_gbt");
    expect(JSON.parse(py.info.metadata["netsec.features"])).toEqual(FEATURES);
    expect(py.info.metadata["netsec.model_sha256"]).toBe("ab".repeat(32));
    expect(new Set(py.label)).toEqual(new Set([-1, 1]));
  });

  it("a row with a missing value gets NaN probabilities and label 0; the other rows of the batch are untouched", async () => {
    const rows = syntheticData(5, 30, 4).x;
    const clean = runPython(onnx, rows);
    const gappy = { ...rows, values: rows.values.slice() };
    gappy.values[2 * 30 + 17] = NaN;
    for (const answers of [runPython(onnx, gappy), await runNode(onnx, gappy)]) {
      expect(answers.label[2]).toBe(0);
      expect(Number.isNaN(answers.p0[2]) && Number.isNaN(answers.p1[2])).toBe(true);
      for (const r of [0, 1, 3, 4]) {
        expect(answers.label[r]).toBe(clean.label[r]);
        expect(answers.p1[r]).toBe(clean.p1[r]);
      }
    }
  });

  it("records the pushed version and the model file's checksum; decodes back to the same graph", async () => {
    const proto = await decodeModelProto(onnx);
    expect(proto.producer_name).toBe("netsec");
    expect(proto.model_version).toBe(7);
    expect(proto.graph.node.map((n) => n.op_type)).toEqual(["Cast", "TreeEnsembleRegressor", "Sigmoid", "Reshape", "ReduceSum", "IsNaN", "Where", "Sub", "GreaterOrEqual", "Where", "Where"]);
    expect(proto.graph.node[1].domain).toBe("ai.onnx.ml");
  });

  it("knn and naive_bayes are refused, saying why; a damaged model state is refused", async () => {
    for (const family of ["knn", "naive_bayes"]) {
      const m = await fitted(family);
      expect(onnxSupport(family).exportable).toBe(false);
      const error = await exportOnnx(input(m.toJSON())).catch((e) => e);
      expect(isNetsecError(error, "EXPORT_REFUSED")).toBe(true);
      expect(error.message).toContain(`cannot export the ${family} model to ONNX`);
      expect(error.message).toContain("Exportable families: hist_gbt, hist_forest, decision_tree, ml_random_forest, logistic_regression");
    }
    expect(onnxSupport("knn")).toMatchObject({ reason: expect.stringContaining("neighbour search") });
    const json = JSON.parse(JSON.stringify(model.toJSON()));
    json.state.trees.right[0] = 10_000_000;
    await expect(exportOnnx(input(json))).rejects.toThrow(/cannot export the model to ONNX: hist_gbt model state is damaged: tree 0, node 0 \(index 0\): right child 10000000 is not a node of this tree/);
    await expect(exportOnnx(input({ ...json, family: "pickle" }))).rejects.toThrow(/no ONNX export is known for the model family "pickle"/);
  });

  it("the label follows the model's decision threshold on P(positive class), as netsec's decide()", async () => {
    const rows = syntheticData(400, 30, 5).x;
    const p1 = model.predictProba(rows);
    const pPositive = p1.map((p) => 1 - p); // positive = -1 = class index 0
    for (const threshold of [0.5, 0.2, 0.8]) {
      const graph = await exportOnnx({ ...input(model.toJSON()), threshold });
      const expected = decide(pPositive, { name: "Result", values: [-1, 1], positive: -1 }, threshold);
      for (const answers of [runPython(graph, rows), await runNode(graph, rows)]) {
        const wrong = answers.label.filter((l, i) => l !== expected[i] && Math.abs(pPositive[i] - threshold) > 1e-6);
        expect(wrong, `threshold ${threshold}`).toEqual([]);
      }
      if (threshold !== 0.5) expect(Array.from(expected)).not.toEqual(Array.from(decide(pPositive, { name: "Result", values: [-1, 1], positive: -1 }, 0.5)));
    }
    await expect(exportOnnx({ ...input(model.toJSON()), threshold: 1.5 })).rejects.toThrow(/decision threshold 1.5 is not a number in \[0, 1\]/);
  });

  it("output names come from the schema's labels", () => {
    expect(onnxOutputNames(["phishing", "legitimate"])).toEqual(["label", "probability_phishing", "probability_legitimate"]);
    expect(onnxOutputNames(["bad site", "ok-site"])).toEqual(["label", "probability_bad_site", "probability_ok_site"]);
    expect(() => onnxOutputNames(["a b", "a-b"])).toThrow(/same ONNX output name probability_a_b/);
  });

  it("the protobuf schema is ONNX's own onnx-ml.proto, byte for byte the one the PyPI onnx package installs", () => {
    const installed = execFileSync(PYTHON, ["-c", "import onnx, os; print(os.path.join(os.path.dirname(onnx.__file__), 'onnx-ml.proto'))"], { encoding: "utf8" }).trim();
    expect(readFileSync(join(ROOT, ONNX_PROTO_FILE), "utf8")).toBe(readFileSync(installed, "utf8"));
  });
});
