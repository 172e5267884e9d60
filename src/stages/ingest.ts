/**
 * Ingest stage: read a source (CSV, ARFF or MongoDB), keep the full data as read in
 * `feature_store/<name>.csv`, and split it, stratified by the target and seeded, into
 * `ingested/train.csv` and `ingested/test.csv`. By default rows with the same feature vector stay
 * on one side (the UCI data repeats itself: a random split puts copies of training rows into
 * test); `groupDuplicates: false` splits rows as the seed did.
 *
 * Nothing is judged here (validate does that): cells the reader could not parse and ragged rows
 * are written back as they were read, so validate sees them with the same row in the split file.
 * Rows whose target is missing or not an allowed value form a stratum of their own and are split
 * like the others, so validate reports them in whichever split they land.
 */
import type { CellProblem, NumericChunk } from "../data/csv.ts";
import { problemsByRow } from "../data/chunks.ts";
import { NetsecError, quoted, showName } from "../errors.ts";
import { STAGE_FILES, ensureParent, writeStage } from "../artifacts.ts";
import type { StageContext } from "./context.ts";
import { writeNpy } from "../data/npy.ts";
import { fileSha256 } from "../data/digest.ts";
import { platform } from "../runtime/index.ts";
import { groupedStratifiedSplit, stratifiedSplit } from "./split.ts";
import { VectorGroups } from "../stats/vector-groups.ts";
import { RowStore } from "./row-store.ts";
import type { Schema } from "../schema.ts";
import { LineWriter, csvField, formatRow } from "./csv-lines.ts";

/** What ingest reads: the shape `openSource()` of src/data/source.ts returns. */
export interface IngestSource {
  /** Used for `feature_store/<name>.csv`. */
  name: string;
  columns: readonly string[];
  /** `reuseBuffer`: the reader may hand over every chunk in one buffer (ingest copies each row out). */
  chunks(options?: { reuseBuffer?: boolean }): AsyncIterable<NumericChunk>;
  /** e.g. "CSV file network_data/phisingData.csv" (credentials never included). */
  describe: string;
  /** sha256 of what the rows come from (files); undefined for a database. */
  digest?(): Promise<string>;
}

/** Ingest's own settings (experiment `seed`, `split`): plain data, part of its result's key. */
export interface IngestSettings {
  testRatio: number;
  seed: number;
  /** Keep identical feature vectors on one side of the split (default true). */
  groupDuplicates: boolean;
}

export type IngestOptions = StageContext & IngestSettings;

export interface SplitCounts {
  rows: number;
  /** Rows per target value ("-1", "1"), plus "invalid" for a missing / unknown target. */
  classes: Record<string, number>;
}

export interface IngestSummary {
  source: string;
  name: string;
  /** sha256 of feature_store/<name>.csv: the data as ingested (any source), what names it in runs and MLflow. */
  sha256: string;
  columns: string[];
  rows: number;
  /** Cells the reader could not parse plus ragged rows (validate decides). */
  readerProblems: number;
  /** The first reader problems (at most 20), naming where each row came from (e.g. the MongoDB document). */
  firstReaderProblems: { row: number; where?: string; column?: string; value: string; expected: string }[];
  seed: number;
  testRatio: number;
  stratifiedBy: string | null;
  /** "feature vector" when identical feature vectors were kept on one side, else null (rows split one by one). */
  groupedBy: "feature vector" | null;
  /** Distinct feature vectors (rows the reader had trouble with count one each). */
  vectors: number;
  /** Feature vectors found in both train and test (0 when grouped). */
  sharedVectors: number;
  classes: Record<string, number>;
  train: SplitCounts;
  test: SplitCounts;
}

export interface IngestArtifacts {
  dir: string;
  featureStore: string;
  train: string;
  test: string;
  summaryFile: string;
  summary: IngestSummary;
  /**
   * The source's data row (1-based, as the reader counts rows: the line after the header is row 1)
   * of every row of ingested/train.csv and test.csv, in file order (also `ingested/{train,test}_rows.npy`):
   * how a row the model gets wrong is traced back to the file it came from.
   */
  sourceRows: { train: Uint32Array; test: Uint32Array };
}

const INVALID_STRATUM = "invalid";

/** The raw text of a row the reader had trouble with: its line as read, or the cells rebuilt. */
function problemLine(problems: CellProblem[], values: Float64Array, start: number, columns: readonly string[]): string {
  const withLine = problems.find((p) => p.line !== undefined && p.line !== "");
  if (withLine) return withLine.line;
  const cells = formatRow(values, start, columns.length).split(",");
  for (const p of problems) {
    const c = p.column === undefined ? -1 : columns.indexOf(p.column);
    if (c >= 0) cells[c] = csvField(p.value);
  }
  return cells.join(",");
}

export async function runIngest(source: IngestSource, options: IngestOptions): Promise<IngestArtifacts> {
  const { run, schema, testRatio, seed, reporter } = options;
  const files = STAGE_FILES.ingestion;
  const finalDir = run.stage("ingestion");
  const name = source.name.replace(/[^A-Za-z0-9._-]+/g, "_") || "data";
  const columns = [...source.columns];
  const targetIndex = columns.indexOf(schema.target.name);
  const allowedTargets = new Set(schema.target.allowed);
  if (targetIndex < 0) {
    reporter?.warn(`ingest: no "${schema.target.name}" column in ${source.describe}; the split is not stratified (validate will report the columns)`);
  }

  return writeStage(finalDir, async (dir) => {
    const featureStore = `${dir}/${files.featureStore(name)}`;
    await ensureParent(featureStore);
    const store = new RowStore(columns);
    const rawLines = new Map<number, string>();
    const strata: string[] = [];
    let readerProblems = 0;
    const firstReaderProblems: IngestSummary["firstReaderProblems"] = [];
    const out = await LineWriter.create(featureStore, columns);
    try {
      for await (const chunk of source.chunks({ reuseBuffer: true })) {
        const byRow = problemsByRow(chunk.problems);
        readerProblems += chunk.problems.length;
        for (const p of chunk.problems) {
          if (firstReaderProblems.length >= 20) break;
          firstReaderProblems.push({ row: p.row, where: p.where, column: p.column, value: p.value.length > 200 ? `${p.value.slice(0, 200)}…` : p.value, expected: p.expected });
        }
        const width = columns.length;
        for (let r = 0; r < chunk.rows; r++) {
          const start = r * width;
          const id = store.rows;
          store.appendRow(chunk.values, start);
          const problems = byRow.get(chunk.firstRow + r);
          let flushed: Promise<void> | undefined;
          if (problems) {
            const line = problemLine(problems, chunk.values, start, columns);
            rawLines.set(id, line);
            flushed = out.line(line);
          } else flushed = out.row(chunk.values, start, width);
          if (flushed) await flushed;
          const target = targetIndex < 0 ? 0 : chunk.values[start + targetIndex];
          const ragged = problems?.some((p) => p.kind === "ragged_row");
          strata.push(targetIndex < 0 ? "all" : !ragged && allowedTargets.has(target) ? String(target) : INVALID_STRATUM);
        }
      }
    } finally {
      await out.close();
    }
    if (store.rows === 0) {
      throw new NetsecError("DATA_INVALID", `${source.describe} has a header but no data rows: nothing to train on`, { location: { file: source.describe, row: 1, expected: "at least one data row" } });
    }

    // One class in the whole source: nothing for a classifier to separate (the search would fail
    // deep inside a model library). Said here, naming the column and the value.
    if (targetIndex >= 0) {
      const seen = new Map<string, number>();
      for (const s of strata) if (s !== INVALID_STRATUM) seen.set(s, (seen.get(s) ?? 0) + 1);
      if (seen.size === 1) {
        const [[value, count]] = [...seen];
        const target = schema.target.name;
        throw new NetsecError("DATA_INVALID", `${source.describe}: every row with a valid ${target} has ${target} = ${value} (${count} row${count === 1 ? "" : "s"}): a classifier needs rows of both classes (${schema.target.allowed.join(" and ")}); check the source's ${target} column`, { location: { file: source.describe, column: target, value, expected: `rows of each class: ${schema.target.allowed.join(", ")}` } });
      }
    }

    // Group rows by their features (every column but the target) once the store's encoding is
    // final; rows the reader had trouble with are groups of their own.
    const featureColumns = columns.map((_, i) => i).filter((i) => i !== targetIndex);
    const vectors = new VectorGroups(featureColumns, (id) => store.locate(id));
    const group = new Int32Array(store.rows);
    let extra = 0;
    for (let id = 0; id < store.rows; id++) group[id] = rawLines.has(id) ? -1 : vectors.add(id);
    for (let id = 0; id < store.rows; id++) if (group[id] < 0) group[id] = vectors.groups + extra++;
    const grouped = options.groupDuplicates !== false;
    const split = grouped ? groupedStratifiedSplit(strata, group, testRatio, seed) : stratifiedSplit(strata, testRatio, seed);
    const side = new Uint8Array(vectors.groups + extra); // bit 1: in train, bit 2: in test
    for (const id of split.train) side[group[id]] |= 1;
    for (const id of split.test) side[group[id]] |= 2;
    let sharedVectors = 0;
    for (const s of side) if (s === 3) sharedVectors++;
    if (vectors.groups + extra === 1) {
      throw new NetsecError("DATA_INVALID", `${source.describe}: all ${store.rows} rows have one and the same feature vector (every column but ${targetIndex < 0 ? "the target" : schema.target.name}): there is nothing for a model to learn from${grouped ? ", and copies of a vector never straddle train and test" : ""}; check the source (one row repeated?)`, { location: { file: source.describe, expected: "at least two distinct feature vectors" } });
    }
    if (split.train.length === 0 || split.test.length === 0) {
      throw new NetsecError("DATA_INVALID", `${source.describe}: ${store.rows} rows are too few to split with test_ratio ${testRatio} (train ${split.train.length}, test ${split.test.length} rows)`, { location: { file: source.describe } });
    }
    // One class left in the training split although the source has both: the other class's rows all
    // went to the test split (copies of a vector stay on one side, so a class made of few distinct
    // vectors can land there whole). Training on it would fail deep inside a model.
    if (targetIndex >= 0) checkTrainClasses(strata, split, group, source.describe, schema);
    const writeSplit = async (path: string, indices: Uint32Array): Promise<SplitCounts> => {
      await ensureParent(path);
      const writer = await LineWriter.create(path, columns);
      const classes: Record<string, number> = {};
      try {
        for (const id of indices) {
          const raw = rawLines.get(id);
          const flushed = raw === undefined ? store.writeRow(id, writer) : writer.line(raw);
          if (flushed) await flushed;
          classes[strata[id]] = (classes[strata[id]] ?? 0) + 1;
        }
      } finally {
        await writer.close();
      }
      return { rows: indices.length, classes };
    };
    const train = await writeSplit(`${dir}/${files.train}`, split.train);
    const test = await writeSplit(`${dir}/${files.test}`, split.test);
    // Rows are stored in the order read and every row read is stored: row id + 1 is its source row.
    const sourceRows = { train: Uint32Array.from(split.train, (id) => id + 1), test: Uint32Array.from(split.test, (id) => id + 1) };
    for (const side of ["train", "test"] as const) {
      const rows = sourceRows[side];
      await writeNpy(`${dir}/${files.sourceRows(side)}`, rows.length, 1, (from, to, out) => {
        for (let r = from; r < to; r++) out[r - from] = rows[r];
      });
    }
    const classes: Record<string, number> = {};
    for (const s of strata) classes[s] = (classes[s] ?? 0) + 1;
    const summary: IngestSummary = {
      source: source.describe,
      name,
      sha256: await fileSha256(featureStore),
      columns,
      rows: store.rows,
      readerProblems,
      firstReaderProblems,
      seed,
      testRatio,
      stratifiedBy: targetIndex < 0 ? null : schema.target.name,
      groupedBy: grouped ? "feature vector" : null,
      vectors: vectors.groups + extra,
      sharedVectors,
      classes,
      train,
      test,
    };
    await platform.writeFile(`${dir}/${files.summary}`, JSON.stringify(summary, null, 2) + "\n");
    reporter?.info(`ingest: ${store.rows} rows (${vectors.groups + extra} distinct feature vectors) from ${source.describe} → train ${train.rows}, test ${test.rows}${grouped ? ", identical vectors kept on one side" : `, split row by row (${sharedVectors} vectors on both sides)`}`);
    if (readerProblems > 0) {
      const shown = firstReaderProblems.slice(0, 3).map((p) => `${p.where ?? `row ${p.row}`}${p.column ? `, field ${showName(p.column)}` : ""}: got ${quoted(p.value)}, expected ${p.expected}`);
      reporter?.warn(`ingest: ${readerProblems} value${readerProblems === 1 ? "" : "s"} of ${source.describe} could not be read as numbers (validate decides what to do with their rows): ${shown.join("; ")}${readerProblems > shown.length ? "; …" : ""}`);
    }
    return {
      dir: finalDir,
      featureStore: `${finalDir}/${files.featureStore(name)}`,
      train: `${finalDir}/${files.train}`,
      test: `${finalDir}/${files.test}`,
      summaryFile: `${finalDir}/${files.summary}`,
      summary,
      sourceRows,
    };
  });
}

/** DATA_INVALID when the training split holds rows of one class only while the source had both (see the call). */
function checkTrainClasses(strata: string[], split: { train: ArrayLike<number>; test: ArrayLike<number> }, group: Int32Array, describe: string, schema: Schema): void {
  const inTrain = new Set<string>();
  for (let i = 0; i < split.train.length; i++) if (strata[split.train[i]] !== INVALID_STRATUM) inTrain.add(strata[split.train[i]]);
  if (inTrain.size !== 1) return;
  const [kept] = inTrain;
  const missing = new Map<string, { rows: number; vectors: Set<number> }>();
  for (let i = 0; i < split.test.length; i++) {
    const s = strata[split.test[i]];
    if (s === INVALID_STRATUM || s === kept) continue;
    const m = missing.get(s) ?? { rows: 0, vectors: new Set<number>() };
    m.rows++;
    m.vectors.add(group[split.test[i]]);
    missing.set(s, m);
  }
  if (missing.size === 0) return;
  const target = schema.target.name;
  const [[value, { rows, vectors }]] = [...missing];
  throw new NetsecError(
    "DATA_INVALID",
    `${describe}: after splitting, the training split has only ${target} = ${kept}: all ${rows} row${rows === 1 ? "" : "s"} with ${target} = ${value} went to the test split, because ${rows === 1 ? "it holds" : "they hold"} only ${vectors.size} distinct feature vector${vectors.size === 1 ? "" : "s"} and copies of a vector stay on one side; a classifier needs rows of both classes to train: add rows of ${target} = ${value} with other feature values`,
    { location: { file: describe, column: target, value, expected: `rows of each class in the training split: ${schema.target.allowed.join(", ")}` } },
  );
}
