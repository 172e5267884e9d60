/**
 * One split file through the data contract (validate.ts's streaming half): valid rows go into a
 * RowStore (with their file rows), rows that break the contract to `invalid/<split>.csv` with the
 * reason; once the conflict policy has been decided over both splits, `writeValidated` writes
 * `validated/<split>.csv` (and adds the dropped rows to invalid/).
 */
import type { CsvFile } from "../data/csv.ts";
import { problemsByRow } from "../data/chunks.ts";
import type { Schema } from "../schema.ts";
import { checkRowValues, compileContract, reasonOf, readerIssues, type ContractIssue, type IssueCode } from "./contract.ts";
import { ensureParent } from "../artifacts.ts";
import { RowStore } from "./row-store.ts";
import { LineWriter, formatRow } from "./csv-lines.ts";
import { personCell, personLine } from "../data/csv-write.ts";

export interface SplitReport {
  file: string;
  rows: number;
  /** Rows written to validated/ (after the conflict policy). */
  valid: number;
  /** Rows that break the contract (what max_invalid_share limits). */
  invalid: number;
  /** Valid rows the conflict policy dropped (written to invalid/ with the reason). */
  conflictDropped: number;
  /** Valid rows the conflict policy relabelled to their group's majority label. */
  conflictRelabelled: number;
  /** Missing cells per column (all rows read), only columns with any. */
  missing: Record<string, number>;
  issues: Partial<Record<IssueCode, number>>;
  /** Validated rows per target value. */
  classes: Record<string, number>;
}

const FIRST_ISSUES = 50;

export interface SplitResult {
  report: SplitReport;
  /** The valid rows, in file order. */
  store: RowStore;
  /** File row (1-based data row) of each valid row. */
  fileRows: number[];
  /** invalid/<split>.csv, still open: the conflict policy may add rows. */
  invalid: LineWriter;
  firstIssues: ContractIssue[];
}

/** Stream one split file through the contract: valid rows into a store, rows that break it to invalid/. */
export async function validateSplit(file: CsvFile, schema: Schema, invalidPath: string, firstIssues: ContractIssue[]): Promise<SplitResult> {
  const contract = compileContract(schema);
  const columns = schema.columns;
  const width = columns.length;
  const store = new RowStore(columns);
  const fileRows: number[] = [];
  const report: SplitReport = { file: file.path, rows: 0, valid: 0, invalid: 0, conflictDropped: 0, conflictRelabelled: 0, missing: {}, issues: {}, classes: {} };
  const missing = new Float64Array(width);
  await ensureParent(invalidPath);
  const invalid = await LineWriter.create(invalidPath, [...columns, "reason"]);
  try {
    for await (const chunk of file.chunks({ reuseBuffer: true })) { // each row is copied out or written before the next chunk
      const byRow = problemsByRow(chunk.problems);
      for (let r = 0; r < chunk.rows; r++) {
        const row = chunk.firstRow + r;
        const start = r * width;
        const problems = byRow.get(row);
        report.rows++;
        let issues: ContractIssue[];
        if (problems) {
          issues = readerIssues(problems, file.path);
          if (!problems.some((p) => p.kind === "ragged_row")) {
            const skip = new Set(problems.map((p) => p.column!));
            issues.push(...checkRowValues(contract, chunk.values, start, row, file.path, skip));
          }
        } else issues = checkRowValues(contract, chunk.values, start, row, file.path);
        if (!problems?.some((p) => p.kind === "ragged_row")) {
          for (let c = 0; c < width; c++) {
            if (Number.isNaN(chunk.values[start + c]) && !problems?.some((p) => p.column === columns[c])) missing[c]++;
          }
        }
        if (issues.length === 0) {
          report.valid++;
          store.appendRow(chunk.values, start);
          fileRows.push(row);
          continue;
        }
        report.invalid++;
        for (const issue of issues) report.issues[issue.code] = (report.issues[issue.code] ?? 0) + 1;
        if (firstIssues.length < FIRST_ISSUES) firstIssues.push(...issues.slice(0, FIRST_ISSUES - firstIssues.length));
        // invalid/ is read by people (often in a spreadsheet): the raw line's cells are neutralised.
        const raw = problems?.find((p) => p.line)?.line;
        const cells = raw !== undefined ? personLine(raw) : formatRow(chunk.values, start, width);
        const flushed = invalid.line(`${cells},${personCell(reasonOf(issues))}`);
        if (flushed) await flushed;
      }
    }
  } catch (error) {
    await invalid.close();
    throw error;
  }
  for (let c = 0; c < width; c++) if (missing[c] > 0) report.missing[columns[c]] = missing[c];
  return { report, store, fileRows, invalid, firstIssues };
}

/**
 * Write a split's valid rows to validated/, applying the conflict policy: `action[i]` 0 keeps row
 * i, -1 drops it (to invalid/ with `reasons[i]`), 1 writes it with `labels[i]` as its target.
 * Returns the row of the split file (1-based) of every row written to validated/.
 */
export async function writeValidated(split: SplitResult, path: string, action: Int8Array, labels: Float64Array, reasons: Map<number, string>): Promise<Uint32Array> {
  const { store, report, invalid } = split;
  const width = store.width;
  const target = width - 1;
  const classCounts = new Map<number, number>();
  const cells = new Float64Array(width);
  const kept: number[] = [];
  await ensureParent(path);
  const valid = await LineWriter.create(path, store.columns);
  try {
    for (let i = 0; i < store.rows; i++) {
      let flushed: Promise<void> | undefined;
      if (action[i] === -1) {
        report.conflictDropped++;
        flushed = invalid.line(`${store.formatRow(i)},${personCell(reasons.get(i) ?? "conflicting_label")}`);
      } else {
        for (let c = 0; c < width; c++) cells[c] = store.get(i, c);
        if (action[i] === 1) {
          report.conflictRelabelled++;
          cells[target] = labels[i];
        }
        classCounts.set(cells[target], (classCounts.get(cells[target]) ?? 0) + 1);
        kept.push(split.fileRows[i]);
        flushed = action[i] === 1 ? valid.row(cells, 0, width) : store.writeRow(i, valid);
      }
      if (flushed) await flushed;
    }
  } finally {
    await valid.close();
    await invalid.close();
  }
  report.valid = store.rows - report.conflictDropped;
  report.classes = {};
  for (const [value, n] of [...classCounts].sort((a, b) => a[0] - b[0])) report.classes[String(value)] = n;
  return Uint32Array.from(kept);
}

