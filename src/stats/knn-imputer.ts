/**
 * K-nearest-neighbours imputation, as scikit-learn's
 * `KNNImputer(n_neighbors=k, weights="uniform", metric="nan_euclidean")`:
 * - distance between a row x and a fit row y over the coordinates present in both:
 *   d = sqrt(sum (x_i − y_i)² / n_present · n_features); NaN when no coordinate is shared;
 * - a missing cell (row r, column c) gets the mean of column c over the k nearest fit rows that
 *   have column c present and a finite distance to r (fewer when fewer exist); when no such row
 *   exists, the mean of column c over the fit data;
 * - columns entirely missing in the fit data are dropped from the output (sklearn's default
 *   `keep_empty_features=False`), or filled with 0 with `keepEmptyFeatures: true`.
 * Ties: among fit rows at the same distance the lower row index wins. (scikit-learn uses
 * numpy's `argpartition`, whose choice between equal distances depends on the CPU — AVX-512
 * sorting networks or introselect — so it has no portable tie order; results are identical
 * whenever the k-th nearest distance is not shared by donors with different values.)
 *
 * Work is bounded (see knn-index.ts): only rows with a missing value are queried, identical
 * query rows are answered once, fit rows are grouped into distinct rows, and donors at distance 0
 * are found by hash look-ups before any scan; a scan (O(U·F) per query, U distinct fit rows, F
 * features) is needed only when fewer than k donors sit at distance 0.
 */
import { NetsecError } from "../errors.ts";
import { buildIndex, type FitIndex } from "./knn-index.ts";
import { imputeRow, newWorkspace } from "./knn-search.ts";

export interface KnnImputerState {
  k: number;
  cols: number;
  rows: number;
  /** Fit rows, row-major: base64 of Int8 (NaN = -128) when all values are small ints, else of little-endian Float64. */
  fitValues: string;
  encoding: "int8" | "float64";
  /** Mean of each column over the fit rows where it is present (0 for a column missing in every fit row). */
  columnMeans: number[];
  keepEmptyFeatures?: boolean;
}

export interface KnnImputerOptions {
  k?: number;
  keepEmptyFeatures?: boolean;
}

const INT8_NAN = -128;

export class KnnImputer {
  readonly k: number;
  readonly keepEmptyFeatures: boolean;
  /** Built on first use: loading a model whose rows never miss a value never pays for it. */
  #index: FitIndex | null = null;
  #raw: Int8Array | Float64Array = new Int8Array(0);
  #rows = 0;
  #cols = 0;

  constructor(options: KnnImputerOptions = {}) {
    const k = options.k ?? 5;
    if (!Number.isInteger(k) || k < 1) throw new NetsecError("CONFIG_INVALID", `KNN imputer: k must be a positive integer, got ${k}`);
    this.k = k;
    this.keepEmptyFeatures = options.keepEmptyFeatures ?? false;
  }

  fit(values: Float64Array, rows: number, cols: number): this {
    if (values.length !== rows * cols || rows < 1 || cols < 1) {
      throw new NetsecError("TRANSFORM_FAILED", `KNN imputer: fit data has ${values.length} values, expected rows × cols = ${rows} × ${cols} (both at least 1)`);
    }
    this.#setFit(encode(values), rows, cols);
    return this;
  }

  /** Indices (into the input columns) of the columns transform() returns. */
  get outputColumns(): number[] {
    if (this.keepEmptyFeatures && this.#cols > 0) return Array.from({ length: this.#cols }, (_, c) => c);
    const index = this.#fitted();
    const out: number[] = [];
    for (let c = 0; c < index.cols; c++) if (this.keepEmptyFeatures || !Number.isNaN(index.columnMeans[c]!)) out.push(c);
    return out;
  }

  /** Imputes every missing value; returns a new row-major array of rows × outputColumns.length. */
  transform(values: Float64Array, rows: number): Float64Array {
    const index = this.#fitted();
    const cols = index.cols;
    if (values.length !== rows * cols) {
      throw new NetsecError("TRANSFORM_FAILED", `KNN imputer: got ${values.length} values for ${rows} rows, expected ${rows * cols} (${cols} columns as in fit)`);
    }
    const out = values.slice();
    const answered = new Map<string, Float64Array>();
    const row = new Float64Array(cols);
    const work = newWorkspace(index, this.k);
    for (let r = 0; r < rows; r++) {
      let needs = false;
      for (let c = 0; c < cols; c++) {
        if (Number.isNaN(values[r * cols + c]!) && !Number.isNaN(index.columnMeans[c]!)) needs = true;
      }
      if (!needs) continue;
      row.set(values.subarray(r * cols, (r + 1) * cols));
      const key = rowKey(row);
      let filled = answered.get(key);
      if (!filled) {
        filled = imputeRow(index, row, this.k, work);
        answered.set(key, filled);
      }
      out.set(filled, r * cols);
    }
    const keep = this.outputColumns;
    if (keep.length === cols) {
      // keepEmptyFeatures: a column missing in every fit row becomes 0 (sklearn sets the whole column).
      for (let c = 0; c < cols; c++) {
        if (Number.isNaN(index.columnMeans[c]!)) for (let r = 0; r < rows; r++) out[r * cols + c] = 0;
      }
      return out;
    }
    const result = new Float64Array(rows * keep.length);
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < keep.length; j++) result[r * keep.length + j] = out[r * cols + keep[j]!]!;
    }
    return result;
  }

  toJSON(): KnnImputerState {
    const index = this.#fitted();
    const raw = this.#raw;
    const int8 = raw instanceof Int8Array;
    return {
      k: this.k,
      cols: index.cols,
      rows: index.rows,
      fitValues: bytesToBase64(int8 ? new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength) : float64ToBytes(raw)),
      encoding: int8 ? "int8" : "float64",
      columnMeans: Array.from(index.columnMeans, (m) => (Number.isNaN(m) ? 0 : m)),
      keepEmptyFeatures: this.keepEmptyFeatures,
    };
  }

  static fromJSON(state: KnnImputerState): KnnImputer {
    const { k, cols, rows, fitValues, encoding } = state;
    if (!Number.isInteger(cols) || !Number.isInteger(rows) || cols < 1 || rows < 1) {
      throw new NetsecError("MODEL_INVALID", `KNN imputer state: rows and cols must be positive integers (got ${rows} × ${cols})`);
    }
    const bytes = base64ToBytes(fitValues);
    const expected = encoding === "int8" ? rows * cols : rows * cols * 8;
    if (bytes.length !== expected || (encoding !== "int8" && encoding !== "float64")) {
      throw new NetsecError("MODEL_INVALID", `KNN imputer state: fitValues holds ${bytes.length} bytes, expected ${expected} for ${rows} × ${cols} ${encoding} values`);
    }
    const raw = encoding === "int8" ? new Int8Array(bytes.buffer, bytes.byteOffset, bytes.length) : bytesToFloat64(bytes);
    const imputer = new KnnImputer({ k, keepEmptyFeatures: state.keepEmptyFeatures ?? false });
    imputer.#setFit(raw, rows, cols);
    return imputer;
  }

  #setFit(raw: Int8Array | Float64Array, rows: number, cols: number): void {
    this.#raw = raw;
    this.#rows = rows;
    this.#cols = cols;
    this.#index = null;
  }

  #fitted(): FitIndex {
    if (this.#cols === 0) throw new NetsecError("TRANSFORM_FAILED", "KNN imputer: transform() called before fit()");
    const raw = this.#raw;
    this.#index ??= buildIndex(this.#rows, this.#cols, raw instanceof Int8Array ? (i) => (raw[i] === INT8_NAN ? NaN : raw[i]!) : (i) => raw[i]!);
    return this.#index;
  }
}

/** Int8 (NaN → -128) when every value is NaN or an integer in [-127, 127], else a Float64 copy. */
function encode(values: Float64Array): Int8Array | Float64Array {
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isNaN(v) && !(Number.isInteger(v) && v >= -127 && v <= 127)) return values.slice();
  }
  const out = new Int8Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = Number.isNaN(values[i]!) ? INT8_NAN : values[i]!;
  return out;
}

function rowKey(row: Float64Array): string {
  return Array.prototype.join.call(row, ",");
}

function float64ToBytes(values: Float64Array): Uint8Array {
  const bytes = new Uint8Array(values.length * 8);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat64(i * 8, values[i]!, true);
  return bytes;
}

function bytesToFloat64(bytes: Uint8Array): Float64Array {
  const out = new Float64Array(bytes.length / 8);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat64(i * 8, true);
  return out;
}

function bytesToBase64(bytes: Uint8Array): string {
  let binary = "";
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) {
    binary += String.fromCharCode.apply(null, Array.from(bytes.subarray(i, i + chunk)));
  }
  return btoa(binary);
}

function base64ToBytes(text: string): Uint8Array {
  let binary: string;
  try {
    binary = atob(text);
  } catch (cause) {
    throw new NetsecError("MODEL_INVALID", "KNN imputer state: fitValues is not valid base64", { cause });
  }
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
