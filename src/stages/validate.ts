/**
 * Validate stage (the IO around contract.ts, duplicates.ts and drift.ts): read
 * `ingested/{train,test}.csv`, check every row against schema.yaml, write valid rows to
 * `validated/<split>.csv` and rows that break the contract to `invalid/<split>.csv` (original
 * cells + `reason`), count missing values, duplicates (repeated rows, repeated feature vectors,
 * vectors on both sides of the split) and class balance into `contract.json`, find conflicting
 * groups (same features, different labels) and apply `validation.conflicts` to them (keep and
 * report, drop, or majority label), and report drift (train vs test, and new data vs a reference
 * run) in `drift_report/report.{yaml,json}`.
 *
 * Fails (VALIDATION_FAILED, and writes nothing) when a file's columns differ from the contract,
 * when the share of invalid rows is over `max_invalid_share`, or on drift with `fail_on_drift`.
 */
import { stringify as toYaml } from "yaml";
import { CsvFile } from "../data/csv.ts";
import { createFrame, type Frame } from "../data/frame.ts";
import type { Schema } from "../schema.ts";
import { NetsecError, describeLocation } from "../errors.ts";
import { STAGE_FILES, ensureParent, loadRunFolder, writeStage } from "../artifacts.ts";
import type { StageContext } from "./context.ts";
import { writeNpy } from "../data/npy.ts";
import { platform } from "../runtime/index.ts";
import { checkColumns, DuplicateCounter, type ContractIssue } from "./contract.ts";
import { compareSamples, describeDrift, type DriftColumn, type DriftComparison } from "./drift.ts";
import { findDuplicates, type ConflictPolicy, type ConflictReport, type VectorReport } from "./duplicates.ts";
import { RowStore } from "./row-store.ts";
import { profileSplits, type SplitProfile } from "./profile.ts";
import { validateSplit, writeValidated, type SplitReport } from "./validate-split.ts";

export interface ValidateInput {
  /** `ingested/train.csv` and `ingested/test.csv` (IngestArtifacts has them). */
  train: string;
  test: string;
}

/** Validate's own settings (experiment `validation`, `--reference`): plain data, part of its result's key. */
export interface ValidateSettings {
  maxInvalidShare: number;
  driftPValue: number;
  failOnDrift: boolean;
  /** What to do with rows whose features repeat with another label (default "keep": kept and reported). */
  conflicts?: ConflictPolicy;
  /** A previous run folder; its validated train.csv is the drift reference. */
  reference?: string;
}

export type ValidateOptions = StageContext & ValidateSettings;


export type { SplitReport };

export interface ContractReport {
  schemaHash: string;
  columns: string[];
  maxInvalidShare: number;
  rows: number;
  invalidRows: number;
  invalidShare: number;
  train: SplitReport;
  test: SplitReport;
  /**
   * Over the valid rows of both splits, before the conflict policy: `duplicates` rows repeat an
   * earlier row exactly (label included; `train`: within train), `vectors` groups rows by their
   * features alone, `acrossSplits` counts feature vectors found in both train and test.
   */
  duplicates: { rows: number; duplicates: number; share: number; train: number; vectors: VectorReport["vectors"]; acrossSplits: VectorReport["acrossSplits"] };
  /** Groups of identical feature vectors with more than one label, and what the policy did. */
  conflicts: ConflictReport;
  classBalance: { counts: Record<string, number>; minorityShare: number };
  /** The first problems found (at most 50), in file order. */
  firstIssues: ContractIssue[];
  warnings: string[];
  /** Value shares (or histograms) of every column in the valid rows of each split, before the conflict policy. */
  profile: { train: SplitProfile; test: SplitProfile };
}

export interface DriftReport {
  threshold: number;
  trainTest: DriftComparison;
  reference?: DriftComparison & { run: string };
  summary: { drifted: string[]; referenceDrifted: string[] };
}

export interface ValidateArtifacts {
  dir: string;
  validTrain: string;
  validTest: string;
  invalidTrain: string;
  invalidTest: string;
  contractFile: string;
  driftYaml: string;
  driftJson: string;
  contract: ContractReport;
  drift: DriftReport;
  warnings: string[];
  /**
   * The row of ingested/<split>.csv (1-based) of every validated row, in order (also
   * `validated/{train,test}_rows.npy`): with ingest's source rows, where a row came from.
   */
  fileRows: { train: Uint32Array; test: Uint32Array };
}

async function openChecked(path: string, schema: Schema): Promise<CsvFile> {
  const file = await CsvFile.open(path);
  const issues = checkColumns(file.columns, schema, path);
  if (issues.length) {
    throw new NetsecError("VALIDATION_FAILED", `${path}: the columns do not match the contract ${schema.source}:\n  ${issues.map((i) => i.message).join("\n  ")}`, {
      location: { file: path, row: 0, value: issues[0].value, expected: issues[0].expected },
    });
  }
  return file;
}

function driftColumns(schema: Schema, base: RowStore | RowStore[], current: RowStore | RowStore[]): [number, (c: number) => DriftColumn] {
  // One buffer per side, refilled for every column: the comparison reads a column pair before it
  // asks for the next, and at 3M rows a fresh pair per column was 24 MB of garbage 31 times over.
  const buffers = new Map<RowStore | RowStore[], Float64Array>();
  const gather = (stores: RowStore | RowStore[], c: number): Float64Array => {
    const list = Array.isArray(stores) ? stores : [stores];
    const rows = list.reduce((n, s) => n + s.rows, 0);
    let out = buffers.get(stores);
    if (!out || out.length !== rows) buffers.set(stores, (out = new Float64Array(rows)));
    let offset = 0;
    for (const s of list) {
      s.columnInto(c, out, offset);
      offset += s.rows;
    }
    return out;
  };
  const specs = [...schema.features, schema.target];
  return [specs.length, (c) => ({ name: specs[c].name, categorical: specs[c].allowed !== undefined, base: gather(base, c), current: gather(current, c) })];
}

async function readReference(reference: string, schema: Schema): Promise<{ store: RowStore; path: string }> {
  const path = (await loadRunFolder(reference)).file("validation", STAGE_FILES.validation.validTrain);
  const file = await CsvFile.open(path).catch((error) => {
    throw new NetsecError("FILE_NOT_FOUND", `--reference ${reference}: no validated training data at ${path} (give the folder of an earlier run, e.g. Artifacts/<timestamp>)`, { cause: error, location: { file: path } });
  });
  const checked = await openChecked(file.path, schema);
  const store = new RowStore(schema.columns);
  for await (const chunk of checked.chunks({ reuseBuffer: true })) store.append(chunk.values, chunk.rows);
  return { store, path };
}

export async function runValidate(input: ValidateInput, options: ValidateOptions): Promise<ValidateArtifacts> {
  const { run, schema, reporter } = options;
  const files = STAGE_FILES.validation;
  const finalDir = run.stage("validation");
  const trainFile = await openChecked(input.train, schema);
  const testFile = await openChecked(input.test, schema);
  const reference = options.reference ? await readReference(options.reference, schema) : undefined;

  return writeStage(finalDir, async (dir) => {
    const firstIssues: ContractIssue[] = [];
    const train = await validateSplit(trainFile, schema, `${dir}/${files.invalidTrain}`, firstIssues);
    const test = await validateSplit(testFile, schema, `${dir}/${files.invalidTest}`, firstIssues).catch(async (error) => {
      await train.invalid.close();
      throw error;
    });
    // invalid/ stays open until the conflict policy has added its rows (writeValidated closes it).
    const closeInvalid = () => Promise.all([train.invalid.close(), test.invalid.close()]).catch(() => undefined);
    const rows = train.report.rows + test.report.rows;
    const invalidRows = train.report.invalid + test.report.invalid;
    const invalidShare = rows ? invalidRows / rows : 0;
    if (invalidShare > options.maxInvalidShare) {
      await closeInvalid();
      const shown = firstIssues.slice(0, 5).map((i) => `${i.message}`).join("\n  ");
      const first = firstIssues[0];
      throw new NetsecError(
        "VALIDATION_FAILED",
        `${invalidRows} of ${rows} rows (${(invalidShare * 100).toFixed(2)}%) break the data contract, more than validation.max_invalid_share = ${(options.maxInvalidShare * 100).toFixed(2)}%. First problems:\n  ${shown}`,
        { location: first ? { file: first.file, row: first.row, column: first.column, value: first.value, expected: first.expected } : undefined },
      );
    }
    if (train.report.valid === 0 || test.report.valid === 0) {
      await closeInvalid();
      throw new NetsecError("VALIDATION_FAILED", `no valid rows left in ${train.report.valid === 0 ? input.train : input.test}`, { location: { file: train.report.valid === 0 ? input.train : input.test } });
    }

    const warnings: string[] = [];
    const width = schema.columns.length;
    const trainStore = train.store, testStore = test.store;
    // rows are compared by their stored codes: give both stores the same encoding
    if (trainStore.encoding !== testStore.encoding) {
      trainStore.toFloat64();
      testStore.toFloat64();
    }
    const locate = (id: number) => (id < trainStore.rows ? trainStore.locate(id) : testStore.locate(id - trainStore.rows));
    const overall = new DuplicateCounter(width, locate);
    const inTrain = new DuplicateCounter(width, (id) => trainStore.locate(id));
    for (let i = 0; i < trainStore.rows; i++) {
      overall.add(i);
      inTrain.add(i);
    }
    for (let i = 0; i < testStore.rows; i++) overall.add(trainStore.rows + i);
    const validRows = trainStore.rows + testStore.rows;
    const found = findDuplicates({
      features: schema.featureNames.length,
      trainRows: trainStore.rows,
      testRows: testStore.rows,
      locate,
      label: (id) => (id < trainStore.rows ? trainStore.get(id, width - 1) : testStore.get(id - trainStore.rows, width - 1)),
      where: (id) => (id < trainStore.rows ? { split: "train", file: input.train, row: train.fileRows[id] } : { split: "test", file: input.test, row: test.fileRows[id - trainStore.rows] }),
      policy: options.conflicts ?? "keep",
    });
    const duplicates = { rows: validRows, duplicates: overall.duplicates, share: validRows ? overall.duplicates / validRows : 0, train: inTrain.duplicates, vectors: found.report.vectors, acrossSplits: found.report.acrossSplits };
    const v = found.report.vectors;
    if (v.repeatedRows > 0) {
      warnings.push(`validate: ${v.repeatedRows} of ${validRows} valid rows (${(v.repeatedShare * 100).toFixed(1)}%) share their feature vector with another row (${v.distinct} distinct vectors, largest group ${v.largestGroup} rows; ${duplicates.duplicates} rows repeat an earlier row exactly)${found.report.acrossSplits.vectors ? `; ${found.report.acrossSplits.vectors} vectors are in both train and test (${found.report.acrossSplits.testRows} test rows): test scores are optimistic (split.group_duplicates keeps them apart)` : ""}`);
    }
    const conflicts = found.conflicts;
    if (conflicts.groups > 0) {
      const what = conflicts.policy === "keep" ? "kept (validation.conflicts: keep)" : conflicts.policy === "drop" ? `${conflicts.dropped} rows dropped to invalid/` : `${conflicts.relabelled} rows relabelled to their group's majority, ${conflicts.dropped} dropped (no majority)`;
      warnings.push(`validate: ${conflicts.groups} feature vectors carry both labels (${conflicts.rows} rows): ${what}`);
    }
    const fileRows = {
      train: await writeValidated(train, `${dir}/${files.validTrain}`, found.action.subarray(0, trainStore.rows), found.labels.subarray(0, trainStore.rows), found.reasons.train),
      test: await writeValidated(test, `${dir}/${files.validTest}`, found.action.subarray(trainStore.rows), found.labels.subarray(trainStore.rows), found.reasons.test),
    };
    for (const side of ["train", "test"] as const) {
      const rows = fileRows[side];
      await writeNpy(`${dir}/${files.fileRows(side)}`, rows.length, 1, (from, to, out) => {
        for (let r = from; r < to; r++) out[r - from] = rows[r];
      });
    }
    if (train.report.valid === 0 || test.report.valid === 0) {
      throw new NetsecError("VALIDATION_FAILED", `no valid rows left in ${train.report.valid === 0 ? input.train : input.test} after validation.conflicts: ${conflicts.policy}`, { location: { file: train.report.valid === 0 ? input.train : input.test } });
    }
    const counts: Record<string, number> = {};
    for (const split of [train.report, test.report]) for (const [k, n] of Object.entries(split.classes)) counts[k] = (counts[k] ?? 0) + n;
    const classValues = schema.target.allowed.map((v) => counts[String(v)] ?? 0);
    const minorityShare = validRows ? Math.min(...classValues) / validRows : 0;
    if (minorityShare < 0.2) {
      warnings.push(`validate: class imbalance: ${schema.target.allowed.map((v, i) => `${schema.labelOf(v)} (${v}) ${classValues[i]}`).join(", ")}; the minority class is ${(minorityShare * 100).toFixed(1)}% of the rows`);
    }
    if (invalidRows > 0) {
      warnings.push(`validate: ${invalidRows} rows break the contract and were set aside in invalid/ (first: ${describeLocation(firstIssues[0] ?? {})})`);
    }

    const trainTest = compareSamples("train", "test", ...driftColumns(schema, trainStore, testStore), options.driftPValue);
    let referenceDrift: DriftReport["reference"];
    if (reference) {
      const comparison = compareSamples(`reference ${reference.path}`, "new data (train + test)", ...driftColumns(schema, reference.store, [trainStore, testStore]), options.driftPValue);
      referenceDrift = { ...comparison, run: options.reference! };
    }
    const drift: DriftReport = {
      threshold: options.driftPValue,
      trainTest,
      reference: referenceDrift,
      summary: { drifted: trainTest.drifted, referenceDrifted: referenceDrift?.drifted ?? [] },
    };
    if (trainTest.drifted.length) warnings.push(`validate: drift between train and test in ${describeDrift(trainTest)}`);
    if (referenceDrift?.drifted.length) warnings.push(`validate: drift against the reference run in ${describeDrift(referenceDrift)}`);
    if (options.failOnDrift && (trainTest.drifted.length || referenceDrift?.drifted.length)) {
      const parts = [trainTest.drifted.length ? `train vs test: ${describeDrift(trainTest)}` : "", referenceDrift?.drifted.length ? `reference vs new data: ${describeDrift(referenceDrift)}` : ""].filter(Boolean);
      throw new NetsecError("VALIDATION_FAILED", `drift detected (KS p-value < ${options.driftPValue}) and validation.fail_on_drift is set: ${parts.join("; ")}`);
    }

    const contract: ContractReport = {
      schemaHash: schema.hash,
      columns: schema.columns,
      maxInvalidShare: options.maxInvalidShare,
      rows,
      invalidRows,
      invalidShare,
      train: train.report,
      test: test.report,
      duplicates,
      conflicts,
      classBalance: { counts, minorityShare },
      firstIssues,
      warnings,
      profile: profileSplits(schema, { train: trainStore, test: testStore }),
    };
    await platform.writeFile(`${dir}/${files.contract}`, JSON.stringify(contract, null, 2) + "\n");
    await ensureParent(`${dir}/${files.driftYaml}`);
    // report.yaml: the seed's layout (column → {p_value, drift_status}) plus our extra keys.
    await platform.writeFile(`${dir}/${files.driftYaml}`, toYaml(trainTest.columns));
    if (referenceDrift) await platform.writeFile(`${dir}/${STAGE_FILES.validation.driftReferenceYaml}`, toYaml(referenceDrift.columns));
    await platform.writeFile(`${dir}/${files.driftJson}`, JSON.stringify(drift, null, 2) + "\n");
    for (const w of warnings) reporter?.warn(w);
    reporter?.info(`validate: ${validRows} valid rows (${v.distinct} distinct feature vectors, ${conflicts.groups} with both labels), ${invalidRows} invalid, ${trainTest.drifted.length} drifted columns`);
    return { ...validationFiles(finalDir), contract, drift, warnings, fileRows };
  });
}

/** The paths of a validation stage folder's files (the stage and its loader name them alike). */
export function validationFiles(dir: string): Pick<ValidateArtifacts, "dir" | "validTrain" | "validTest" | "invalidTrain" | "invalidTest" | "contractFile" | "driftYaml" | "driftJson"> {
  const files = STAGE_FILES.validation;
  const at = (relative: string) => `${dir}/${relative}`;
  return {
    dir,
    validTrain: at(files.validTrain),
    validTest: at(files.validTest),
    invalidTrain: at(files.invalidTrain),
    invalidTest: at(files.invalidTest),
    contractFile: at(files.contract),
    driftYaml: at(files.driftYaml),
    driftJson: at(files.driftJson),
  };
}

/** Open a CSV file whose header must be exactly the contract's columns (VALIDATION_FAILED otherwise). */
export const openContractCsv = openChecked;

/** Read a validated split back as a Frame (notebooks, small data). */
export async function readValidated(path: string, schema: Schema): Promise<Frame> {
  const file = await openChecked(path, schema);
  const store = new RowStore(schema.columns);
  for await (const chunk of file.chunks({ reuseBuffer: true })) store.append(chunk.values, chunk.rows);
  return store.rows ? store.drainToFrame() : createFrame(schema.columns, 0);
}
