/**
 * `predictFile`: scores a CSV file with a pushed model, streaming chunk by chunk (constant memory
 * whatever the file size); used by `netsec predict`, notebooks and programs (exported by mod.ts). The input must hold the schema's
 * feature columns (any order; the target column is optional and passed through). Output: the
 * input columns plus `prediction` (a target value, e.g. -1/1: the positive class when its
 * probability is ≥ the model's threshold, or `threshold` when given) and `probability` (of the
 * positive class); with `explain`, one `contribution:<feature>` column per feature and
 * `contribution:base` (they add up to the model's raw output: src/models/explain.ts). A bad row
 * stops the run with its row and column, or with --skip-invalid goes to `<output>.invalid.csv`
 * with the reason. The output appears only when complete.
 */
import { platform } from "../runtime/index.ts";
import { listNames, NetsecError, quoted, showName } from "../errors.ts";
import { CsvFile } from "../data/csv.ts";
import { csvHeader, formatCell } from "../data/csv-write.ts";
import { createFrame } from "../data/frame.ts";
import { loadModelFile } from "../models/model-file.ts";
import { loadSchema, type Schema } from "../schema.ts";
import { createBatchPredictor } from "../models/scoring/batch-predictor.ts";
import { checkOutputPath, writeError } from "./output-path.ts";
import { CsvRowWriter } from "./csv-out.ts";
import { checkValue, columnRule } from "../data/row-check.ts";
import { describeOutput } from "../models/explain.ts";
import { createRowExplainer } from "./explain-rows.ts";
import { personCell } from "../data/csv-write.ts";

/** The explanation columns `--explain` adds, after prediction and probability. */
export function contributionColumns(features: readonly string[]): string[] {
  return [...features.map((f) => `contribution:${f}`), "contribution:base"];
}

export interface PredictOptions {
  input: string;
  output: string;
  modelDir?: string;
  skipInvalid?: boolean;
  schema?: Schema;
  chunkRows?: number;
  /**
   * Workers scoring full chunks while this thread parses the next one (default: one per core;
   * 0: score here). Same answers either way.
   */
  workers?: number;
  onProgress?: (rows: number) => void;
  /** Add the per-feature contributions of every row (`contribution:<feature>`, `contribution:base`). */
  explain?: boolean;
  /**
   * With explain: called as rows are explained, with the rows explained so far and the file's
   * row count (counted before scoring starts; only when this is given).
   */
  onExplainProgress?: (explained: number, total: number) => void;
  /** Decision threshold on P(positive class) instead of the model's own (manifest.json). */
  threshold?: number;
}

export interface PredictSummary {
  input: string;
  output: string;
  rows: number;
  predicted: number;
  invalid: number;
  invalidFile?: string;
  modelVersion: number;
  modelSha256: string;
  /** The threshold the predictions used. */
  threshold: number;
  /** With explain: what base + Σ contributions is, e.g. "log-odds of phishing". */
  explanationOutput?: string;
  seconds: number;
}

interface RowProblem {
  row: number;
  column?: string;
  value: string;
  expected: string;
}

function describe(p: RowProblem): string {
  return `row ${p.row}${p.column ? `, column ${showName(p.column)}` : ""}: got ${quoted(p.value)}, expected ${p.expected}`;
}

/** Check the header against the contract: every feature present, only the target besides. */
function checkColumns(columns: string[], schema: Schema, input: string): void {
  const missing = schema.featureNames.filter((f) => !columns.includes(f));
  const extra = columns.filter((c) => !schema.featureNames.includes(c) && c !== schema.target.name);
  const problems: string[] = [];
  if (missing.length) problems.push(`missing column${missing.length > 1 ? "s" : ""} ${listNames(missing)}`);
  if (extra.length) problems.push(`unexpected column${extra.length > 1 ? "s" : ""} ${listNames(extra)}`);
  if (problems.length) {
    throw new NetsecError("PREDICT_INVALID", `${input}: ${problems.join("; ")} (expected the ${schema.featureNames.length} features of schema.yaml, ${schema.target.name} optional)`, {
      location: { file: input, column: missing[0] ?? extra[0] },
    });
  }
}

/** Data rows of a CSV file (lines after the header, a last line without newline included), counted in one streaming pass. */
async function countDataLines(path: string): Promise<number> {
  let lines = 0;
  let last = 10;
  for await (const bytes of platform.readChunks(path)) {
    for (let i = 0; i < bytes.length; i++) if (bytes[i] === 10) lines++;
    if (bytes.length) last = bytes[bytes.length - 1];
  }
  return Math.max(0, lines - 1 + (last === 10 ? 0 : 1));
}

export async function predictFile(options: PredictOptions): Promise<PredictSummary> {
  const started = performance.now();
  const partial = `${options.output}.partial`;
  const invalidFile = `${options.output}.invalid.csv`;
  await checkOutputPath(options.output, options.input, [partial, invalidFile]);
  const schema = options.schema ?? await loadSchema();
  const model = await loadModelFile(options.modelDir ?? "final_model", { schema });
  if (options.threshold !== undefined && !(options.threshold >= 0 && options.threshold <= 1)) {
    throw new NetsecError("USAGE", `threshold must be a number in [0, 1], got ${options.threshold}`);
  }
  const threshold = options.threshold ?? model.threshold;
  if (options.explain && !model.explainable) {
    throw new NetsecError("EXPLAIN_UNAVAILABLE", `the model in ${model.dir} is a ${model.family}: its predictions cannot be explained (explanations exist for hist_gbt, hist_forest and logistic_regression)`);
  }
  const csv = await CsvFile.open(options.input);
  checkColumns(csv.columns, schema, options.input);
  const width = csv.columns.length;
  // Allowed values / nullability per input column (features only).
  const specs = csv.columns.map((name) => schema.features.find((f) => f.name === name));
  // The one value check (data/row-check.ts), features only (the target is passed through).
  const rules = specs.map((f) => (f ? columnRule(f, { integer: false }) : undefined));
  const out = await platform.openWriter(partial).catch((error) => {
    throw writeError(error, options.output);
  });
  let bad: Awaited<ReturnType<typeof platform.openWriter>> | undefined;
  let rows = 0;
  let predicted = 0;
  let invalid = 0;
  // Two chunks in flight at most: chunk k is scored (on workers) while chunk k+1 is parsed.
  const predictor = createBatchPredictor(model, { workers: options.workers, minRows: 1024, threshold });
  // Explanations: each distinct row once, on workers, with progress per block of rows.
  const total = options.explain && options.onExplainProgress ? await countDataLines(options.input) : 0;
  let explainedBefore = 0;
  const explainer = options.explain ? createRowExplainer(model, { workers: options.workers, onProgress: (done) => options.onExplainProgress?.(explainedBefore + done, Math.max(total, explainedBefore + done)) }) : undefined;
  let previous: Promise<Uint8Array> | undefined;
  const writer = new CsvRowWriter();
  let explanationOutput: string | undefined;
  try {
    await out.write(csvHeader([...csv.columns, "prediction", "probability", ...(options.explain ? contributionColumns(schema.featureNames) : [])]));
    for await (const chunk of csv.chunks({ chunkRows: options.chunkRows })) {
      const problems = new Map<number, RowProblem>();
      for (const p of chunk.problems) {
        if (!problems.has(p.row)) problems.set(p.row, { row: p.row, column: p.column, value: p.kind === "ragged_row" ? p.line : p.value, expected: p.expected });
      }
      for (let r = 0; r < chunk.rows; r++) {
        const row = chunk.firstRow + r;
        if (problems.has(row)) continue;
        for (let c = 0; c < width; c++) {
          const v = chunk.values[r * width + c];
          const rule = rules[c];
          if (!rule) continue;
          const verdict = checkValue(rule, v);
          if (verdict === "missing") problems.set(row, { row, column: csv.columns[c], value: "", expected: "a value (the column is not nullable)" });
          else if (verdict !== "ok") problems.set(row, { row, column: csv.columns[c], value: String(v), expected: rule.expectedText! });
          if (problems.has(row)) break;
        }
      }
      if (problems.size && !options.skipInvalid) {
        const first = [...problems.values()].sort((a, b) => a.row - b.row)[0];
        throw new NetsecError("PREDICT_INVALID", `${options.input}: ${describe(first)}${problems.size > 1 ? ` (and ${problems.size - 1} more bad row(s) in this chunk)` : ""}; fix the rows or use --skip-invalid`, {
          location: { file: options.input, row: first.row, column: first.column, value: first.value, expected: first.expected },
        });
      }
      const keep: number[] = [];
      for (let r = 0; r < chunk.rows; r++) if (!problems.has(chunk.firstRow + r)) keep.push(r);
      if (problems.size) {
        if (!bad) {
          bad = await platform.openWriter(invalidFile);
          await bad.write(csvHeader([...csv.columns, "reason"]));
        }
        const lines: string[] = [];
        for (const p of [...problems.values()].sort((a, b) => a.row - b.row)) {
          const r = p.row - chunk.firstRow;
          const cells: string[] = [];
          for (let c = 0; c < width; c++) cells.push(formatCell(chunk.values[r * width + c]));
          lines.push(`${cells.join(",")},${personCell(describe(p))}`);
        }
        await bad.write(lines.join("\n") + "\n");
        invalid += problems.size;
      }
      const values: Float64Array = keep.length === chunk.rows ? chunk.values : new Float64Array(keep.length * width);
      if (values !== chunk.values) keep.forEach((r, i) => values.set(chunk.values.subarray(r * width, (r + 1) * width), i * width));
      const frame = createFrame(csv.columns, keep.length, values as Float64Array<ArrayBuffer>);
      if (keep.length) {
        // The chunk is scored (score workers) while it is explained (explain workers).
        const scored = predictor.predictFrame(frame);
        scored.catch(() => undefined); // awaited below; never an unhandled rejection meanwhile
        const explained = explainer ? await explainer.explain(frame) : undefined;
        explainedBefore += keep.length;
        if (explained) explanationOutput = describeOutput(explained.output, schema.labelOf(schema.target.positive));
        const scoring = scored.then(({ prediction, probability }) => {
          const features = explained?.features ?? 0;
          for (let i = 0; i < keep.length; i++) {
            for (let c = 0; c < width; c++) {
              writer.number(values[i * width + c]);
              writer.comma();
            }
            writer.plain(prediction[i]);
            writer.comma();
            writer.plain(probability[i]);
            if (explained) {
              for (let f = 0; f < features; f++) {
                writer.comma();
                writer.plain(explained.contributions[i * features + f]);
              }
              writer.comma();
              writer.plain(explained.base);
            }
            writer.newline();
          }
          return writer.take();
        });
        scoring.catch(() => undefined); // awaited below; never an unhandled rejection meanwhile
        if (previous) await out.write(await previous);
        previous = scoring;
      }
      rows += chunk.rows;
      predicted += keep.length;
      options.onProgress?.(rows);
    }
    if (previous) await out.write(await previous);
    predictor.close();
    explainer?.close();
    await out.close();
    await bad?.close();
    await platform.rename(partial, options.output);
  } catch (error) {
    predictor.close();
    explainer?.close();
    await out.close().catch(() => undefined);
    await bad?.close().catch(() => undefined);
    await platform.remove(partial);
    throw error;
  }
  return {
    input: options.input,
    output: options.output,
    rows,
    predicted,
    invalid,
    invalidFile: invalid ? invalidFile : undefined,
    modelVersion: model.version,
    modelSha256: model.sha256,
    threshold,
    explanationOutput,
    seconds: (performance.now() - started) / 1000,
  };
}
