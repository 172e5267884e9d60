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
 * The fitted imputer is bounded: it keeps at most `maxDonorBytes` (default 3 MiB) of fit values.
 * Past that, the donors are a seeded sample of the fit rows (ascending row order, so ties still go
 * to the lower fit row) and the column means stay those of every fit row; below it (the reference
 * data, any few-thousand-row table) every fit row is a donor and the answers are scikit-learn's.
 * At 1M rows × 30 small-integer features: ~104k donors, ~4 MiB of base64 in preprocessor.json.
 *
 * Work is bounded (see knn-index.ts): only rows with a missing value are queried, identical
 * query rows are answered once, fit rows are grouped into distinct rows. On small-integer data the
 * donors are found by branch and bound over a trie of column blocks (knn-trie.ts), exact and
 * without measuring every donor; otherwise donors at distance 0 are found by hash look-ups before
 * any scan, and a scan (O(U·F) per query, U distinct fit rows, F features) is needed only when
 * fewer than k donors sit at distance 0.
 */
import { NetsecError } from "../errors.ts";
import { buildIndex, type FitIndex } from "./knn-index.ts";
import { imputeRow, newWorkspace } from "./knn-search.ts";
import { mulberry32, type Rng } from "./rng.ts";

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
  /** Fit rows seen by fit() when only a sample of them was kept as donors (`rows` of them). */
  fitRows?: number;
  /** Imputed cells rounded to the nearest value of their column (see KnnImputerOptions.round). */
  round?: boolean;
}

export interface KnnImputerOptions {
  k?: number;
  keepEmptyFeatures?: boolean;
  /** Most bytes of fit values kept as donors (1 per value for small integers, 8 otherwise); default 3 MiB. */
  maxDonorBytes?: number;
  /** Seed of the donor sample (only used past maxDonorBytes). */
  seed?: number;
  /**
   * Round each imputed cell to the nearest value its column takes among the donors (the lower one
   * on a tie), for columns with at most 16 distinct values; others keep the mean. Default false
   * (scikit-learn's answers). With it, an imputed cell of a {-1, 0, 1} column stays in {-1, 0, 1}
   * (the k donors' mean 1/3 becomes 0, 2/3 becomes 1): the column keeps 3 bins, and the
   * histogram trees keep packing five such features in one byte (src/models/trees/bundles.ts);
   * means like 1/3 would give it up to 2k + 1 values and break the packing.
   */
  round?: boolean;
}

/** Default bound of the donor values an imputer keeps (and writes to its file). */
export const MAX_DONOR_BYTES = 3 << 20;

const INT8_NAN = -128;
/** Most answered query rows remembered by one transform() (identical rows are answered once). */
const MAX_ANSWERED = 1 << 16;

export class KnnImputer {
  readonly k: number;
  readonly keepEmptyFeatures: boolean;
  readonly maxDonorBytes: number;
  readonly seed: number;
  readonly round: boolean;
  /** Column means over every fit row when the donors are a sample of them (else the index's). */
  #means: Float64Array | null = null;
  #fitRows = 0;
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
    this.maxDonorBytes = options.maxDonorBytes ?? MAX_DONOR_BYTES;
    this.seed = options.seed ?? 42;
    this.round = options.round ?? false;
  }

  fit(values: Float64Array, rows: number, cols: number): this {
    if (values.length !== rows * cols || rows < 1 || cols < 1) {
      throw new NetsecError("TRANSFORM_FAILED", `KNN imputer: fit data has ${values.length} values, expected rows × cols = ${rows} × ${cols} (both at least 1)`);
    }
    const encoded = encode(values);
    const perRow = cols * (encoded instanceof Int8Array ? 1 : 8);
    const keep = Math.max(1, Math.floor(this.maxDonorBytes / perRow));
    if (rows <= keep) {
      this.#setFit(encoded, rows, cols);
      return this;
    }
    // A seeded sample of `keep` rows, in ascending row order; the means stay those of all rows.
    const picked = sampleRows(rows, keep, mulberry32(this.seed));
    const donors = encoded instanceof Int8Array ? new Int8Array(keep * cols) : new Float64Array(keep * cols);
    for (let i = 0; i < keep; i++) donors.set(encoded.subarray(picked[i]! * cols, (picked[i]! + 1) * cols), i * cols);
    this.#setFit(donors, keep, cols);
    this.#means = columnMeansOf(values, rows, cols);
    this.#fitRows = rows;
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
        if (answered.size >= MAX_ANSWERED) answered.clear(); // bounded memory on millions of distinct rows
        answered.set(key, filled);
      }
      out.set(filled, r * cols);
    }
    // The search's per-query tables (up to 16 MB a block) are not kept between calls.
    if (index.trie) for (const cache of index.trie.cache) cache.clear();
    if (this.round) roundImputed(index, values, out, rows);
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
      ...(this.#fitRows ? { fitRows: this.#fitRows } : {}),
      ...(this.round ? { round: true } : {}),
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
    const imputer = new KnnImputer({ k, keepEmptyFeatures: state.keepEmptyFeatures ?? false, round: state.round === true });
    imputer.#setFit(raw, rows, cols);
    if (state.fitRows !== undefined) {
      if (!Number.isInteger(state.fitRows) || state.fitRows < rows || !Array.isArray(state.columnMeans) || state.columnMeans.length !== cols) {
        throw new NetsecError("MODEL_INVALID", `KNN imputer state: fitRows must be a whole number ≥ rows (${rows}) with one column mean per column (${cols})`);
      }
      imputer.#means = Float64Array.from(state.columnMeans);
      imputer.#fitRows = state.fitRows;
    }
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
    if (!this.#index) {
      const index = buildIndex(this.#rows, this.#cols, raw instanceof Int8Array ? (i) => (raw[i] === INT8_NAN ? NaN : raw[i]!) : (i) => raw[i]!);
      // Sampled donors: the fallback for a cell without donors is the mean over every fit row.
      const means = this.#means;
      if (means) for (let c = 0; c < index.cols; c++) if (Number.isFinite(means[c]!) && (!Number.isNaN(index.columnMeans[c]!) || means[c] !== 0)) index.columnMeans[c] = means[c]!;
      this.#index = index;
    }
    return this.#index;
  }
}

/** Each imputed cell (NaN in `values`) of a column with few values: the nearest of them, the lower on a tie. */
function roundImputed(index: FitIndex, values: Float64Array, out: Float64Array, rows: number): void {
  const cols = index.cols;
  for (let c = 0; c < cols; c++) {
    const levels = index.levels[c];
    if (!levels || levels.length === 0) continue;
    for (let at = c; at < rows * cols; at += cols) {
      if (values[at] === values[at]) continue;
      const v = out[at]!;
      let best = levels[0]!;
      for (const level of levels) if (Math.abs(level - v) < Math.abs(best - v)) best = level;
      out[at] = best;
    }
  }
}

/** `count` distinct row indices of [0, rows), ascending: a seeded partial Fisher–Yates. */
function sampleRows(rows: number, count: number, rng: Rng): Int32Array {
  const all = new Int32Array(rows);
  for (let i = 0; i < rows; i++) all[i] = i;
  for (let i = 0; i < count; i++) {
    const j = i + rng.int(rows - i);
    const t = all[i]!;
    all[i] = all[j]!;
    all[j] = t;
  }
  return all.slice(0, count).sort();
}

/** Mean of each column over its present cells (NaN for a column missing everywhere). */
function columnMeansOf(values: Float64Array, rows: number, cols: number): Float64Array {
  const sum = new Float64Array(cols);
  const n = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const v = values[r * cols + c]!;
      if (v === v) {
        sum[c] += v;
        n[c]++;
      }
    }
  }
  for (let c = 0; c < cols; c++) sum[c] = n[c] ? sum[c]! / n[c]! : NaN;
  return sum;
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
