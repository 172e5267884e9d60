/**
 * The fitted preprocessor: features in contract order, a KNN imputer fitted on the training
 * features, and the target mapping (target value → class index, -1→0 and 1→1 as the seed). Saved
 * as versioned JSON; `fromJSON` checks the format and, when given, the schema hash, and never
 * runs code. `transformFrame` accepts a full training frame (gives `y`) or a features-only frame
 * (predict / serve), with columns in any order and extra columns ignored.
 */
import { z } from "zod";
import { KnnImputer, type KnnImputerState } from "../stats/knn-imputer.ts";
import type { Frame } from "../data/frame.ts";
import type { Matrix } from "./classifier.ts";
import type { Schema } from "../schema.ts";
import { NetsecError } from "../errors.ts";

export const PREPROCESSOR_FORMAT = "netsec-preprocessor";
export const PREPROCESSOR_FORMAT_VERSION = 1;

const preprocessorJson = z.object({
  format: z.literal(PREPROCESSOR_FORMAT),
  formatVersion: z.literal(PREPROCESSOR_FORMAT_VERSION),
  schemaHash: z.string().min(1),
  features: z.array(z.string().min(1)).min(1),
  target: z.object({
    name: z.string().min(1),
    /** Target value (as text, e.g. "-1") → class index. */
    mapping: z.record(z.string(), z.number().int().min(0).max(1)),
  }).strict(),
  imputer: z.object({ k: z.number().int().min(1), cols: z.number().int().min(1) }).passthrough(),
}).strict();

export interface PreprocessorJson {
  format: typeof PREPROCESSOR_FORMAT;
  formatVersion: typeof PREPROCESSOR_FORMAT_VERSION;
  schemaHash: string;
  features: string[];
  target: { name: string; mapping: Record<string, number> };
  imputer: KnnImputerState;
}

export interface PreprocessorOptions {
  /** Neighbours of the KNN imputer. */
  k: number;
  /** Round imputed cells to the nearest value of their column (KnnImputerOptions.round); default false. */
  round?: boolean;
}

export interface Transformed {
  x: Matrix;
  /** Class indices; present when the frame has the target column. */
  y?: Uint8Array;
}

export class Preprocessor {
  private constructor(
    readonly schemaHash: string,
    readonly features: readonly string[],
    readonly target: { name: string; mapping: Record<string, number> },
    private readonly imputer: KnnImputer,
  ) {}

  /** Fit on a training frame holding every feature of the schema (NaN = missing). */
  static fit(frame: Frame, schema: Schema, options: PreprocessorOptions): Preprocessor {
    return Preprocessor.fitMatrix(featureMatrix(frame, schema.featureNames, "fit"), schema, options);
  }

  /** Fit on raw training features already in contract order (`x.cols` = number of features). */
  static fitMatrix(x: Matrix, schema: Schema, options: PreprocessorOptions): Preprocessor {
    const mapping: Record<string, number> = {};
    for (const value of schema.target.allowed) mapping[String(value)] = schema.classIndex(value);
    const features = schema.featureNames;
    if (x.cols !== features.length) throw new NetsecError("TRANSFORM_FAILED", `cannot fit the preprocessor: ${x.cols} feature columns given, the contract has ${features.length}`);
    if (x.rows === 0) throw new NetsecError("TRANSFORM_FAILED", "cannot fit the preprocessor on 0 training rows");
    // keepEmptyFeatures: a feature missing in every training row stays a column (filled with 0), so
    // the model always sees the contract's features in the contract's order.
    const imputer = new KnnImputer({ k: options.k, keepEmptyFeatures: true, round: options.round }).fit(x.values, x.rows, x.cols);
    return new Preprocessor(schema.hash, features, { name: schema.target.name, mapping }, imputer);
  }

  /** Features (imputed, contract order) and, when the target column is there, class indices. */
  transformFrame(frame: Frame): Transformed {
    const result: Transformed = { x: this.imputeInPlace(featureMatrix(frame, this.features, "transform")) };
    const t = frame.columns.indexOf(this.target.name);
    if (t >= 0) result.y = this.targetIndices(frame, t);
    return result;
  }

  /** Impute raw features already in contract order; returns a new matrix without missing values. */
  transformMatrix(x: Matrix): Matrix {
    return this.imputeInPlace({ values: x.values.slice(), rows: x.rows, cols: x.cols });
  }

  /**
   * Impute `x` in place and return it. Only the rows with a missing value go through the imputer
   * (gathered into a small matrix and scattered back), so memory stays at one copy of the data.
   */
  imputeInPlace(x: Matrix): Matrix {
    if (x.cols !== this.features.length) throw new NetsecError("TRANSFORM_FAILED", `cannot transform: ${x.cols} feature columns given, the preprocessor has ${this.features.length}`);
    const { values, rows, cols } = x;
    if (rows === 0) return x;
    if (this.imputer.outputColumns.length !== cols) {
      // features missing in every training row: the imputer sets those columns in every row
      values.set(this.imputer.transform(values, rows));
      return x;
    }
    const gaps: number[] = [];
    for (let r = 0; r < rows; r++) {
      for (let c = r * cols, end = c + cols; c < end; c++) {
        if (Number.isNaN(values[c])) {
          gaps.push(r);
          break;
        }
      }
    }
    if (gaps.length === 0) return x;
    const gathered = new Float64Array(gaps.length * cols);
    gaps.forEach((r, i) => gathered.set(values.subarray(r * cols, (r + 1) * cols), i * cols));
    const filled = this.imputer.transform(gathered, gaps.length);
    gaps.forEach((r, i) => values.set(filled.subarray(i * cols, (i + 1) * cols), r * cols));
    return x;
  }

  /** Class index of a target value, or undefined when it is not a known target value. */
  classIndex(value: number): number | undefined {
    return this.target.mapping[String(value)];
  }

  private targetIndices(frame: Frame, t: number): Uint8Array {
    const width = frame.columns.length;
    const y = new Uint8Array(frame.rows);
    for (let r = 0; r < frame.rows; r++) {
      const v = frame.values[r * width + t];
      const index = this.classIndex(v);
      if (index === undefined) {
        throw new NetsecError("TRANSFORM_FAILED", `row ${r + 1}, column ${this.target.name}: got ${Number.isNaN(v) ? "a missing value" : v}, expected one of ${Object.keys(this.target.mapping).join(", ")}`, {
          location: { row: r + 1, column: this.target.name, value: Number.isNaN(v) ? "" : String(v), expected: Object.keys(this.target.mapping).join(", ") },
        });
      }
      y[r] = index;
    }
    return y;
  }

  toJSON(): PreprocessorJson {
    return {
      format: PREPROCESSOR_FORMAT,
      formatVersion: PREPROCESSOR_FORMAT_VERSION,
      schemaHash: this.schemaHash,
      features: [...this.features],
      target: { name: this.target.name, mapping: { ...this.target.mapping } },
      imputer: this.imputer.toJSON(),
    };
  }

  /** Rebuild from JSON; refuses other formats/versions and, with `schemaHash`, another contract. */
  static fromJSON(json: unknown, options: { schemaHash?: string; source?: string } = {}): Preprocessor {
    const source = options.source ?? "preprocessor";
    const parsed = preprocessorJson.safeParse(json);
    if (!parsed.success) {
      const problems = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join(".") || "(top level)"}: ${i.message}`);
      throw new NetsecError("MODEL_INVALID", `${source} is not a ${PREPROCESSOR_FORMAT} version ${PREPROCESSOR_FORMAT_VERSION} object:\n  ${problems.join("\n  ")}`, { location: { file: source } });
    }
    const p = parsed.data;
    if (options.schemaHash && p.schemaHash !== options.schemaHash) {
      throw new NetsecError("MODEL_INVALID", `${source} was fitted for another data contract (schema hash ${p.schemaHash.slice(0, 12)}…, this schema.yaml is ${options.schemaHash.slice(0, 12)}…)`, { location: { file: source } });
    }
    if (p.imputer.cols !== p.features.length) {
      throw new NetsecError("MODEL_INVALID", `${source}: the imputer has ${p.imputer.cols} columns but ${p.features.length} features are listed`, { location: { file: source } });
    }
    let imputer: KnnImputer;
    try {
      imputer = KnnImputer.fromJSON(p.imputer as unknown as KnnImputerState);
    } catch (error) {
      throw new NetsecError("MODEL_INVALID", `${source}: the imputer state is not valid: ${(error as Error).message}`, { cause: error, location: { file: source } });
    }
    return new Preprocessor(p.schemaHash, p.features, p.target, imputer);
  }
}

/** The feature columns of a frame in the given order (missing columns → TRANSFORM_FAILED). */
function featureMatrix(frame: Frame, features: readonly string[], what: string): Matrix {
  const index = features.map((f) => frame.columns.indexOf(f));
  const absent = features.filter((_, i) => index[i] < 0);
  if (absent.length) {
    throw new NetsecError("TRANSFORM_FAILED", `cannot ${what}: the data has no column${absent.length > 1 ? "s" : ""} ${absent.join(", ")} (expected every feature of schema.yaml)`, {
      location: { column: absent[0], expected: "every feature of schema.yaml" },
    });
  }
  const width = frame.columns.length;
  const cols = features.length;
  const values = new Float64Array(frame.rows * cols);
  const inOrder = index.every((c, i) => c === i);
  if (inOrder && width === cols) values.set(frame.values);
  else {
    for (let r = 0; r < frame.rows; r++) {
      const base = r * width;
      for (let j = 0; j < cols; j++) values[r * cols + j] = frame.values[base + index[j]];
    }
  }
  return { values, rows: frame.rows, cols };
}

/** Rebuild a model file's preprocessor from its JSON (checked by zod, never executed). */
export function restorePreprocessor(json: unknown, schemaHash?: string): Preprocessor {
  return Preprocessor.fromJSON(json, { schemaHash, source: "the model's preprocessor" });
}
