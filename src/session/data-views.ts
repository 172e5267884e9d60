/**
 * What `lab.data()` and `lab.validate()` return: the split with its class balance, and the
 * contract (invalid rows, duplicates, conflicting labels) with drift — each showing itself.
 */
import pl from "nodejs-polars";
import type { Schema } from "../schema.ts";
import type { IngestArtifacts } from "../stages/ingest.ts";
import type { ValidateArtifacts } from "../stages/validate.ts";
import { classBalanceFigure } from "../viz/class-balance.ts";
import { distributionFigure, frameProfile } from "../viz/distributions.ts";
import { readCsv } from "../data/csv.ts";
import type { SplitProfile } from "../stages/profile.ts";
import { driftColumnsOf, driftFigure } from "../viz/drift.ts";
import type { Provenance } from "./engine.ts";
import { figure, frameOf, lines, Shown, table, type DataFrame, type Part } from "./show.ts";
import { provenanceLine } from "./provenance.ts";

const n = (v: number) => v.toLocaleString("en-US");
const pct = (v: number) => `${(v * 100).toFixed(1)}%`;

/** Target value → label, for a split's class counts ("invalid" stays as it is). */
function labelled(schema: Schema, classes: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(classes).map(([value, count]) => [value === "invalid" ? "invalid target" : schema.labelOf(Number(value)), count]));
}

/** Value counts of every feature in the ingested train and test files (what the data result's shares figure draws). */
export async function splitProfiles(ingestion: IngestArtifacts, schema: Schema): Promise<{ train: SplitProfile; test: SplitProfile }> {
  const profile = async (file: string) => frameProfile((await readCsv(file)).frame, schema.featureNames);
  return { train: await profile(ingestion.train), test: await profile(ingestion.test) };
}

export class DataResult extends Shown {
  /** Rows per class and split (label, train, test, shares). */
  readonly table: DataFrame;

  constructor(readonly ingestion: IngestArtifacts, private readonly schema: Schema, readonly provenance: Provenance[], readonly profiles?: { train: SplitProfile; test: SplitProfile }) {
    super();
    const s = ingestion.summary;
    const labels = [...new Set([...Object.keys(s.train.classes), ...Object.keys(s.test.classes)])];
    this.table = frameOf(labels.map((value) => {
      const label = value === "invalid" ? "invalid target" : schema.labelOf(Number(value));
      const train = s.train.classes[value] ?? 0, test = s.test.classes[value] ?? 0;
      return { class: label, value, train, test, "train share": train / s.train.rows, "test share": test / s.test.rows };
    }));
  }

  get title(): string {
    const s = this.ingestion.summary;
    return `Data: ${n(s.rows)} rows (${n(s.vectors)} distinct feature vectors) → train ${n(s.train.rows)}, test ${n(s.test.rows)}`;
  }

  /** The training split as read (a polars DataFrame). */
  train(): DataFrame {
    return pl.readCSV(this.ingestion.train);
  }

  /** The test split as read (a polars DataFrame). */
  test(): DataFrame {
    return pl.readCSV(this.ingestion.test);
  }

  protected parts(): Part[] {
    const s = this.ingestion.summary;
    return [
      lines(
        `from ${s.source}; stratified by ${s.stratifiedBy ?? "nothing"}, seed ${s.seed}, test share ${s.testRatio}; ${s.groupedBy ? "identical feature vectors kept on one side" : `split row by row (${n(s.sharedVectors)} vectors on both sides)`}`,
        s.readerProblems > 0 && `${n(s.readerProblems)} values could not be read as numbers; validate decides what to do with their rows`,
        provenanceLine(this.provenance),
      ),
      table("Rows per class", this.table),
      figure(classBalanceFigure([{ name: "train", counts: labelled(this.schema, s.train.classes) }, { name: "test", counts: labelled(this.schema, s.test.classes) }])),
      ...(this.profiles ? [figure(distributionFigure(this.profiles.train, this.profiles.test, { title: "Value shares of every feature, train vs test (as ingested)" }))] : []),
    ];
  }

  toJSON(): unknown {
    const s = this.ingestion.summary;
    return { rows: s.rows, vectors: s.vectors, train: s.train, test: s.test, source: s.source, runDir: this.ingestion.dir.replace(/\/[^/]+$/, "") };
  }
}

export class ValidationResult extends Shown {
  /** Every column: drift tests (train vs test), drifted or not, missing cells. */
  readonly table: DataFrame;
  /** Groups of identical feature vectors with both labels, largest first. */
  readonly conflicts: DataFrame;

  constructor(readonly validation: ValidateArtifacts, private readonly schema: Schema, readonly provenance: Provenance[]) {
    super();
    const c = validation.contract;
    const drift = validation.drift.trainTest;
    this.table = frameOf(Object.entries(drift.columns).map(([column, d]) => ({
      column,
      "ks p": d.p_value,
      "ks D": d.ks_statistic,
      "chi2 p": d.chi2_p_value,
      drift: d.drift_status,
      "missing train": c.train.missing[column] ?? 0,
      "missing test": c.test.missing[column] ?? 0,
    })));
    this.conflicts = frameOf(c.conflicts.listed.map((g) => ({
      rows: g.rows,
      labels: Object.entries(g.labels).map(([value, count]) => `${schema.labelOf(Number(value))} ×${count}`).join(", "),
      resolution: g.resolution,
      where: g.members.slice(0, 6).map((m) => `${m.split} ${m.row}: ${schema.labelOf(m.label)}`).join("; ") + (g.members.length > 6 ? "; …" : ""),
    })), ["rows", "labels", "resolution", "where"]);
  }

  get title(): string {
    const c = this.validation.contract;
    return `Validation: ${n(c.rows - c.invalidRows)} of ${n(c.rows)} rows meet the contract; ${n(c.duplicates.vectors.distinct)} distinct feature vectors, ${c.conflicts.groups} with both labels; ${this.validation.drift.trainTest.drifted.length} drifted columns`;
  }

  protected parts(): Part[] {
    const c = this.validation.contract;
    const d = c.duplicates;
    const drift = this.validation.drift;
    const parts: Part[] = [lines(
      `${n(c.invalidRows)} rows (${pct(c.invalidShare)}) break ${this.schema.source} and went to invalid/ (limit ${pct(c.maxInvalidShare)})`,
      `${n(d.vectors.repeatedRows)} of ${n(d.rows)} rows (${pct(d.vectors.repeatedShare)}) share their feature vector with another row; ${d.acrossSplits.vectors ? `${n(d.acrossSplits.vectors)} vectors are in both train and test: test scores are optimistic` : "no vector is in both train and test"}`,
      `${c.conflicts.groups} feature vectors carry both labels (${n(c.conflicts.rows)} rows): ${c.conflicts.policy === "keep" ? "kept" : c.conflicts.policy === "drop" ? `${c.conflicts.dropped} rows dropped` : `${c.conflicts.relabelled} rows relabelled, ${c.conflicts.dropped} dropped`} (validation.conflicts: ${c.conflicts.policy})`,
      `drift, train vs test (KS p < ${drift.threshold}): ${drift.trainTest.drifted.length ? drift.trainTest.drifted.join(", ") : "none"}${drift.reference ? `; against the reference run: ${drift.reference.drifted.length ? drift.reference.drifted.join(", ") : "none"}` : ""}`,
      provenanceLine(this.provenance),
    )];
    parts.push(figure(driftFigure(driftColumnsOf(drift.trainTest), drift.threshold, "Drift per column, train vs test (−log10 p)")));
    if (drift.reference) parts.push(figure(driftFigure(driftColumnsOf(drift.reference), drift.threshold, "Drift per column against the reference run")));
    parts.push(figure(distributionFigure(c.profile.train, c.profile.test, { columns: this.schema.featureNames })));
    if (this.conflicts.height) parts.push(table("Conflicting feature vectors (largest first)", this.conflicts, 10));
    parts.push(table("Columns: drift and missing cells", this.table, 40));
    return parts;
  }

  toJSON(): unknown {
    const c = this.validation.contract;
    return { rows: c.rows, invalidRows: c.invalidRows, distinctVectors: c.duplicates.vectors.distinct, conflictingVectors: c.conflicts.groups, vectorsInTrainAndTest: c.duplicates.acrossSplits.vectors, drifted: this.validation.drift.summary.drifted, referenceDrifted: this.validation.drift.summary.referenceDrifted };
  }
}
