/**
 * A netsec model as an ONNX model (docs/export.md has the layout):
 *
 *   input   features                 float32 [N, 30], the schema's features in schema order, imputed
 *   outputs label                    int64 [N]: the target value (e.g. -1 / 1) — 0 for a row with a NaN
 *           probability_<label 0>    float32 [N]: P(first target value), e.g. probability_phishing
 *           probability_<label 1>    float32 [N]: P(second target value), e.g. probability_legitimate
 *
 * One 1-D output per quantity, so MLflow's onnx pyfunc (which flattens every output into one
 * DataFrame column) and `mlflow models serve` answer with them as they are. The label is the
 * positive class when its probability is ≥ the model's decision threshold (manifest.json; 0.5 by
 * default), else the other target value, as netsec's predictions (`decide`). The graph does
 * not impute: a row with a missing value (NaN) gets NaN probabilities and label 0 instead of a
 * silent guess; impute first (netsec's preprocessor, `netsec predict`) to get netsec's answer.
 */
import { NetsecError } from "../../errors.ts";
import type { ModelJson } from "../classifier.ts";
import { modelFromJSON } from "../registry.ts";
import { coreBuilder, exportableFamilies, NOT_EXPORTABLE } from "./families.ts";
import { DTYPE, ML_DOMAIN, node, tensor, valueInfo, attr } from "./graph.ts";
import { encodeModelProto } from "./proto.ts";
import type { ModelProto } from "./types.ts";

export const ONNX_INPUT = "features";
export const ONNX_LABEL = "label";
/** ONNX opsets of the exported graph: ai.onnx 15, ai.onnx.ml 3 (TreeEnsembleRegressor with double tensors). */
export const ONNX_OPSETS = { "": 15, [ML_DOMAIN]: 3 } as const;
/** IR version 8 (onnx ≥ 1.10), which carries these opsets. */
export const ONNX_IR_VERSION = 8;

export interface OnnxExportInput {
  model: ModelJson;
  /** Feature names in schema order (the columns of the input). */
  features: readonly string[];
  /** Target values by class index (e.g. [-1, 1]) and their labels (e.g. ["phishing", "legitimate"]). */
  target: { name: string; values: readonly [number, number]; labels: readonly [string, string]; positive: number };
  /** Recorded in the model's metadata (e.g. netsec.model_sha256, netsec.version). */
  metadata?: Record<string, string>;
  /** ModelProto.model_version (netsec's pushed version number). */
  version?: number;
  /** The label is the positive class when P(positive) ≥ this (the model's decision threshold; default 0.5). */
  threshold?: number;
  producerVersion?: string;
}

export type OnnxSupport = { exportable: true } | { exportable: false; reason: string };

/** Whether models of `family` can be exported to ONNX, and why not. */
export function onnxSupport(family: string): OnnxSupport {
  if (coreBuilder(family)) return { exportable: true };
  return { exportable: false, reason: NOT_EXPORTABLE[family] ?? `no ONNX export is known for the model family "${family}"` };
}

/** Output names: label, then the probability of each target value in class-index order. */
export function onnxOutputNames(labels: readonly [string, string]): [string, string, string] {
  const name = (l: string) => `probability_${l.replace(/[^A-Za-z0-9_]+/g, "_")}`;
  const [a, b] = [name(labels[0]), name(labels[1])];
  if (a === b) throw new NetsecError("EXPORT_REFUSED", `the target labels ${JSON.stringify(labels)} give the same ONNX output name ${a}`);
  return [ONNX_LABEL, a, b];
}

/** Build the ONNX graph of a model as plain ModelProto data (encode with `encodeModelProto`). */
export function onnxModelProto(input: OnnxExportInput): ModelProto {
  const { model, features, target } = input;
  const support = onnxSupport(model?.family);
  if (!support.exportable) throw new NetsecError("EXPORT_REFUSED", `cannot export the ${model?.family} model to ONNX: ${support.reason}. Exportable families: ${exportableFamilies().join(", ")}`);
  try {
    modelFromJSON(model); // the same checks as loading the model: a damaged state is refused here
  } catch (error) {
    throw new NetsecError("EXPORT_REFUSED", `cannot export the model to ONNX: ${(error as Error).message}`, { cause: error });
  }
  const [labelName, p0Name, p1Name] = onnxOutputNames(target.labels);
  const width = features.length;
  let core;
  try {
    core = coreBuilder(model.family)!(model, width, ONNX_INPUT, "p1_column");
  } catch (error) {
    throw new NetsecError("EXPORT_REFUSED", `cannot export the ${model.family} model to ONNX: ${(error as Error).message}`, { cause: error });
  }
  const [v0, v1] = target.values;
  const threshold = input.threshold ?? 0.5;
  if (!(threshold >= 0 && threshold <= 1)) throw new NetsecError("EXPORT_REFUSED", `the decision threshold ${threshold} is not a number in [0, 1]`);
  const positiveIsFirst = target.positive === v0;
  const other = positiveIsFirst ? v1 : v0;
  const tail = [
    node("Reshape", ["p1_column", "flat_shape"], ["p1_model"]),
    // A row with a NaN anywhere sums to NaN: its answer becomes NaN / label 0 (the graph does not impute).
    node("ReduceSum", [ONNX_INPUT, "feature_axis"], ["row_sum"], [attr.int("keepdims", 0)]),
    node("IsNaN", ["row_sum"], ["row_missing"]),
    node("Where", ["row_missing", "nan", "p1_model"], [p1Name]),
    node("Sub", ["one", p1Name], [p0Name]),
    // The positive class when P(positive) ≥ the threshold, as netsec's `decide`.
    node("GreaterOrEqual", [positiveIsFirst ? p0Name : p1Name, "threshold"], ["is_positive"]),
    node("Where", ["is_positive", "value_positive", "value_other"], ["label_model"]),
    node("Where", ["row_missing", "no_label", "label_model"], [labelName]),
  ];
  const constants = [
    tensor("flat_shape", DTYPE.INT64, [1], [-1]),
    tensor("feature_axis", DTYPE.INT64, [1], [1]),
    tensor("nan", DTYPE.FLOAT, [], [NaN]),
    tensor("one", DTYPE.FLOAT, [], [1]),
    tensor("threshold", DTYPE.FLOAT, [], [threshold]),
    tensor("value_positive", DTYPE.INT64, [], [target.positive]),
    tensor("value_other", DTYPE.INT64, [], [other]),
    tensor("no_label", DTYPE.INT64, [], [0]),
  ];
  const [l0, l1] = target.labels;
  const metadata: Record<string, string> = {
    "netsec.family": model.family,
    "netsec.features": JSON.stringify(features),
    "netsec.target": JSON.stringify({ name: target.name, values: target.values, labels: target.labels, positive: target.positive }),
    "netsec.missing_values": "not imputed: a row with a NaN gets NaN probabilities and label 0",
    "netsec.threshold": String(threshold),
    ...input.metadata,
  };
  return {
    ir_version: ONNX_IR_VERSION,
    opset_import: Object.entries(ONNX_OPSETS).map(([domain, version]) => ({ domain, version })),
    producer_name: "netsec",
    producer_version: input.producerVersion ?? "0.1.0",
    domain: "netsec",
    ...(input.version ? { model_version: input.version } : {}),
    doc_string: `netsec ${model.family} classifier of ${target.name} (${core.operators.join(", ")}). Input ${ONNX_INPUT}: float32 [N, ${width}], imputed, in schema order. Outputs: ${labelName} (int64 [N], ${target.positive} when P(${target.name} = ${target.positive}) ≥ ${threshold}, else ${other}), ${p0Name} (float32 [N], P(${target.name} = ${v0})), ${p1Name} (float32 [N], P(${target.name} = ${v1})).`,
    graph: {
      name: `netsec_${model.family}`,
      node: [...core.nodes, ...tail],
      initializer: [...core.initializers, ...constants],
      input: [valueInfo(ONNX_INPUT, DTYPE.FLOAT, ["N", width], `the ${width} features in schema order: ${features.join(", ")}`)],
      output: [
        valueInfo(labelName, DTYPE.INT64, ["N"], `${target.name}: ${v0} (${l0}) or ${v1} (${l1}); 0 when the row has a missing value`),
        valueInfo(p0Name, DTYPE.FLOAT, ["N"], `probability of ${target.name} = ${v0} (${l0})`),
        valueInfo(p1Name, DTYPE.FLOAT, ["N"], `probability of ${target.name} = ${v1} (${l1})`),
      ],
    },
    metadata_props: Object.entries(metadata).map(([key, value]) => ({ key, value })),
  };
}

/** The model as ONNX bytes (refuses, with NetsecError EXPORT_REFUSED, a family ONNX cannot express). */
export async function exportOnnx(input: OnnxExportInput): Promise<Uint8Array> {
  return await encodeModelProto(onnxModelProto(input));
}
