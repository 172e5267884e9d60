/**
 * The training-set fingerprint a pushed model carries (model.json `trainingSet`, optional: files
 * written before it existed load without it): the sorted distinct 64-bit keys of the raw feature
 * vectors it was trained on (`vectorKey`, src/stats/vector-groups.ts). With it, the push gate can
 * tell which test rows a model has already seen and compare two models only on rows neither was
 * trained on.
 */
import { vectorKey } from "../stats/vector-groups.ts";

export const TRAINING_SET_KEY = "fnv64-float64-bits";

export interface TrainingSetJson {
  /** How a vector's key is made (so a later netsec can tell whether it can read the keys). */
  key: typeof TRAINING_SET_KEY;
  /** Training rows. */
  rows: number;
  /** Distinct feature vectors among them. */
  vectors: number;
  /** The sorted distinct keys, 16 hex digits each, concatenated. */
  keys: string;
}

/**
 * The fingerprint of `rows` raw feature vectors: row r's features are `values[r * stride …]`, the
 * first `cols` values (NaN = missing); `stride` > `cols` skips trailing columns such as the target.
 */
export function trainingSetOf(values: ArrayLike<number>, rows: number, cols: number, stride = cols): TrainingSetJson {
  const builder = new TrainingSetBuilder(cols);
  builder.add(values, rows, stride);
  return builder.result();
}

/** The same fingerprint collected block by block (a file read in chunks: no copy of all its rows). */
export class TrainingSetBuilder {
  private readonly keys = new Set<string>();
  private rows = 0;

  constructor(private readonly cols: number) {}

  /** Add `rows` vectors: row r's features are `values[r * stride …]`, the first `cols` values. */
  add(values: ArrayLike<number>, rows: number, stride = this.cols): void {
    for (let r = 0; r < rows; r++) this.keys.add(vectorKey(values, r * stride, this.cols));
    this.rows += rows;
  }

  result(): TrainingSetJson {
    const sorted = [...this.keys].sort();
    return { key: TRAINING_SET_KEY, rows: this.rows, vectors: sorted.length, keys: sorted.join("") };
  }
}

/** A membership test for a fingerprint, or undefined when it is absent or not readable. */
export function trainingSetLookup(set: TrainingSetJson | undefined, cols: number): ((values: ArrayLike<number>, offset: number) => boolean) | undefined {
  if (!set || set.key !== TRAINING_SET_KEY || typeof set.keys !== "string" || set.keys.length !== set.vectors * 16) return undefined;
  const keys = new Set<string>();
  for (let i = 0; i < set.keys.length; i += 16) keys.add(set.keys.slice(i, i + 16));
  return (values, offset) => keys.has(vectorKey(values, offset, cols));
}
