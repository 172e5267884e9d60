/**
 * The everyday questions behind `lab.mistakes()`, `lab.explain(row)` and `lab.compare(a, b)`, as
 * functions of stage results (no display here): which test rows the model gets wrong, traced back
 * to the data file's row numbers, with their probability and top reasons; one row explained; two
 * runs side by side with the rows where their predictions disagree.
 */
import type { Schema } from "../schema.ts";
import { NetsecError } from "../errors.ts";
import type { Matrix } from "../models/classifier.ts";
import { canExplain, describeOutput, explainPositive } from "../models/explain.ts";
import type { IngestArtifacts } from "../stages/ingest.ts";
import type { ValidateArtifacts } from "../stages/validate.ts";
import type { TransformArtifacts } from "../stages/transform.ts";
import type { TrainArtifacts } from "../stages/train.ts";
import type { EvaluateArtifacts } from "../stages/evaluate.ts";
import type { ExplanationSummary } from "../stages/explanations.ts";
import { loadPreprocessor } from "../stages/load.ts";
import { readCsv } from "../data/csv.ts";
import type { RunRecord } from "../report/record.ts";
import type { ComparedRun } from "./runs-views.ts";

/** The data file's row (1-based data row) of each transformed test row. */
export function testSourceRows(ingestion: IngestArtifacts, validation: ValidateArtifacts): Uint32Array {
  const fileRows = validation.fileRows.test;
  return Uint32Array.from(fileRows, (row) => ingestion.sourceRows.test[row - 1] ?? 0);
}

const rowOf = (x: Matrix, r: number) => Array.from(x.values.subarray(r * x.cols, (r + 1) * x.cols));

/** "URL_of_Anchor=-1 (+1.82), SSLfinal_State=-1 (+0.95)": the features that pushed a row towards its predicted class. */
function reasons(features: readonly string[], values: number[], contributions: ArrayLike<number>, towardsPositive: boolean, top = 3): string {
  const order = features.map((_, i) => i).filter((i) => (towardsPositive ? contributions[i] > 0 : contributions[i] < 0)).sort((a, b) => Math.abs(contributions[b]) - Math.abs(contributions[a])).slice(0, top);
  return order.map((i) => `${features[i]}=${values[i]} (${contributions[i] >= 0 ? "+" : ""}${contributions[i].toFixed(2)})`).join(", ");
}

export interface MistakeRows {
  rows: Record<string, unknown>[];
  of: number;
  note: string;
}

/** The test rows the model gets wrong at its threshold, most confident first. */
export function findMistakes(schema: Schema, ingestion: IngestArtifacts, validation: ValidateArtifacts, transformation: TransformArtifacts, trainer: TrainArtifacts, evaluation: EvaluateArtifacts, limit = 200): MistakeRows {
  const positive = schema.positiveIndex;
  const threshold = evaluation.threshold;
  const { x, y } = transformation.test;
  const p = evaluation.probability;
  const wrong: number[] = [];
  for (let r = 0; r < y.length; r++) {
    const predicted = p[r] >= threshold ? positive : 1 - positive;
    if (predicted !== y[r]) wrong.push(r);
  }
  // most confident mistakes first: furthest from the threshold
  wrong.sort((a, b) => Math.abs(p[b] - threshold) - Math.abs(p[a] - threshold) || a - b);
  const shown = wrong.slice(0, limit);
  const sources = testSourceRows(ingestion, validation);
  const features = schema.featureNames;
  let contributions: Float64Array | undefined;
  if (canExplain(trainer.model) && shown.length) {
    const sub = new Float64Array(shown.length * x.cols);
    shown.forEach((r, i) => sub.set(x.values.subarray(r * x.cols, (r + 1) * x.cols), i * x.cols));
    contributions = explainPositive(trainer.model, { values: sub, rows: shown.length, cols: x.cols }, positive).contributions;
  }
  const positiveLabel = schema.labelOf(schema.target.positive);
  const rows = shown.map((r, i) => {
    const values = rowOf(x, r);
    const predictedPositive = p[r] >= threshold;
    return {
      "source row": sources[r] || null,
      label: schema.labelOf(schema.targetValue(y[r])),
      predicted: schema.labelOf(schema.targetValue(predictedPositive ? positive : 1 - positive)),
      [`P(${positiveLabel})`]: p[r],
      "top reasons": contributions ? reasons(features, values, contributions.subarray(i * x.cols, (i + 1) * x.cols), predictedPositive) : "",
      ...Object.fromEntries(features.map((f, j) => [f, values[j]])),
    };
  });
  const note = `source row = the row of ${ingestion.summary.source} (1 = the first data row); top reasons = the features that pushed the row towards the wrong class (${contributions ? "TreeSHAP / linear contributions" : `${trainer.model.family} has no explanations`})${wrong.length > limit ? `; the ${limit} most confident of ${wrong.length} shown` : ""}`;
  return { rows, of: y.length, note };
}

/** One row explained: by its row number in the data file (a test or training row), or by its feature values. */
export function explainRow(schema: Schema, row: number | Record<string, number>, trainer: TrainArtifacts, transformation: TransformArtifacts, sources: { test: Uint32Array; train?: Uint32Array }): { summary: ExplanationSummary; label: string; probability: number; values: number[] } {
  const features = schema.featureNames;
  let x: Matrix;
  if (typeof row === "number") {
    const find = (rows: Uint32Array | undefined, split: { x: Matrix }) => {
      const at = rows ? rows.indexOf(row) : -1;
      return at >= 0 ? { values: split.x.values.slice(at * split.x.cols, (at + 1) * split.x.cols), rows: 1, cols: split.x.cols } : undefined;
    };
    const found = find(sources.test, transformation.test) ?? find(sources.train, transformation.train);
    if (!found) throw new NetsecError("USAGE", `row ${row} of the data file is not among the validated rows (give a row number that mistakes() or the data file shows, or the feature values as an object)`);
    x = found;
  } else {
    const missing = features.filter((f) => !(f in row));
    if (missing.length) throw new NetsecError("USAGE", `the row has no value for ${missing.slice(0, 5).join(", ")}${missing.length > 5 ? ` and ${missing.length - 5} more` : ""} (give every feature of ${schema.source})`);
    x = transformation.preprocessor.transformMatrix({ values: Float64Array.from(features, (f) => row[f]), rows: 1, cols: features.length });
  }
  const positive = schema.positiveIndex;
  const e = explainPositive(trainer.model, x, positive);
  const p1 = trainer.model.predictProba(x)[0];
  const probability = positive === 1 ? p1 : 1 - p1;
  const contributions = Array.from(e.contributions);
  const positiveLabel = schema.labelOf(schema.target.positive);
  const predicted = probability >= trainer.threshold.threshold;
  return {
    summary: { output: describeOutput(e.output, positiveLabel), family: trainer.model.family, features: [...features], rows: 1, of: 1, base: e.base, meanAbs: contributions.map(Math.abs), values: [Array.from(x.values)], contributions: [contributions] },
    label: `predicted ${predicted ? positiveLabel : schema.labelOf(schema.targetValue(1 - positive))} (threshold ${trainer.threshold.threshold.toFixed(4)})`,
    probability,
    values: Array.from(x.values),
  };
}

/** What a compare table shows of one run. */
export function comparedRun(record: RunRecord): ComparedRun {
  const t = record.trainer;
  return {
    run: record.run.timestamp,
    data: record.ingestion?.summary.sha256.slice(0, 16),
    family: t?.search.best.family,
    params: t?.search.best.params,
    cvGrouped: t?.search.protocols.grouped?.meanScore,
    cvLeaky: t?.search.protocols.leaky?.meanScore,
    threshold: t?.threshold.threshold,
    test: record.evaluation?.scalars,
    pushed: record.push?.pushed,
    version: record.push?.version,
  };
}

/** Both runs' models on the validated test rows of `b`: probabilities, decisions, the rows where they differ. */
export async function disagreements(schema: Schema, a: RunRecord, b: RunRecord): Promise<{ rows: Record<string, unknown>[]; pa: Float64Array; pb: Float64Array; agree: Uint8Array }> {
  for (const r of [a, b]) {
    if (!r.trainer) throw new NetsecError("USAGE", `run ${r.run.timestamp} has no trained model (its search did not run): compare runs that searched`);
  }
  if (!b.validation || !b.ingestion) throw new NetsecError("USAGE", `run ${b.run.timestamp} has no validated test rows to compare on`);
  const frame = (await readCsv(b.validation.validTest)).frame;
  const positive = schema.positiveIndex;
  const scores = async (r: RunRecord) => {
    const preprocessor = await loadPreprocessor(r.run, schema);
    const p1 = r.trainer!.model.predictProba(preprocessor.transformFrame(frame).x);
    return Float64Array.from(p1, (p) => (positive === 1 ? p : 1 - p));
  };
  const pa = await scores(a), pb = await scores(b);
  const ta = a.trainer!.threshold.threshold, tb = b.trainer!.threshold.threshold;
  const target = frame.columns.indexOf(schema.target.name);
  const sources = testSourceRows(b.ingestion, b.validation);
  const agree = new Uint8Array(frame.rows);
  const rows: Record<string, unknown>[] = [];
  const name = (isPositive: boolean) => schema.labelOf(isPositive ? schema.target.positive : schema.targetValue(1 - positive));
  for (let r = 0; r < frame.rows; r++) {
    const da = pa[r] >= ta, db = pb[r] >= tb;
    agree[r] = da === db ? 1 : 0;
    if (da !== db) rows.push({ "source row": sources[r] || null, label: schema.labelOf(frame.values[r * frame.columns.length + target]), a: name(da), b: name(db), "P(a)": pa[r], "P(b)": pb[r] });
  }
  return { rows, pa, pb, agree };
}
