/**
 * The data contract as checks (pure: no IO). Each check returns issues as data
 * `{code, file, row, column, value, expected, message}`; `validate.ts` decides what fails.
 * Rows are 1-based data rows of `file` (the header is row 0), as the CSV reader counts them.
 */
import type { Schema } from "../schema.ts";
import type { CellProblem } from "../data/csv.ts";
import { allowedText, checkValue, columnRule, type ColumnRule } from "../data/row-check.ts";
import { describeLocation, listNames, quoted } from "../errors.ts";

export type IssueCode =
  | "missing_column"
  | "extra_column"
  | "column_order"
  | "not_a_number"
  | "ragged_row"
  | "not_integer"
  | "not_allowed"
  | "missing_value"
  | "missing_target";

export interface ContractIssue {
  code: IssueCode;
  file: string;
  row?: number;
  column?: string;
  value?: string;
  expected?: string;
  message: string;
}

function issue(fields: Omit<ContractIssue, "message">, what: string): ContractIssue {
  const where = describeLocation({ file: fields.file, row: fields.row, column: fields.column, value: fields.value, expected: fields.expected });
  return { ...fields, message: `${what} (${where})` };
}

/**
 * Column names and order against the schema: missing, extra and reordered columns. Any of these
 * makes the file unusable as a whole (callers fail at once).
 */
export function checkColumns(columns: readonly string[], schema: Schema, file: string): ContractIssue[] {
  const expected = schema.columns;
  const have = new Set(columns);
  const want = new Set(expected);
  const issues: ContractIssue[] = [];
  const missing = expected.filter((c) => !have.has(c));
  const extra = columns.filter((c) => !want.has(c));
  if (missing.length) {
    issues.push({ code: "missing_column", file, row: 0, value: listNames(missing), expected: "every column of schema.yaml", message: `missing column${missing.length > 1 ? "s" : ""}: ${listNames(missing)}` });
  }
  if (extra.length) {
    issues.push({ code: "extra_column", file, row: 0, value: listNames(extra), expected: "only the columns of schema.yaml", message: `extra column${extra.length > 1 ? "s" : ""} not in schema.yaml: ${listNames(extra)}` });
  }
  const seen = new Set<string>();
  const duplicated: string[] = [];
  for (const c of columns) {
    if (seen.has(c)) duplicated.push(c);
    else seen.add(c);
  }
  if (duplicated.length) {
    issues.push({ code: "extra_column", file, row: 0, value: listNames(duplicated), expected: "each column once", message: `column${duplicated.length > 1 ? "s" : ""} named twice: ${listNames(duplicated)}` });
  }
  if (!missing.length && !extra.length && !duplicated.length) {
    const moved = expected.map((name, i) => ({ name, i, at: columns.indexOf(name) })).filter((m) => m.at !== m.i);
    if (moved.length) {
      const shown = moved.slice(0, 6).map((m) => `${m.name} is column ${m.at + 1}, expected ${m.i + 1}`).join("; ");
      issues.push({ code: "column_order", file, row: 0, value: moved.map((m) => m.name).join(", "), expected: "the column order of schema.yaml", message: `columns out of order: ${shown}${moved.length > 6 ? `; … ${moved.length - 6} more` : ""}` });
    }
  }
  return issues;
}

/** Per-column rules compiled from the schema, in file column order (after checkColumns passed). */
export interface CompiledContract {
  columns: readonly string[];
  targetIndex: number;
  isInt: boolean[];
  allowedText: (string | undefined)[];
  nullable: boolean[];
  /** The rule of each column (data/row-check.ts: the one value check of validate, serve and predict). */
  rules: ColumnRule[];
}

export function compileContract(schema: Schema): CompiledContract {
  const specs = [...schema.features, { ...schema.target, nullable: false }];
  return {
    columns: schema.columns,
    targetIndex: schema.columns.length - 1,
    isInt: specs.map((s) => s.dtype === "int"),
    allowedText: specs.map((s) => (s.allowed ? allowedText(s.allowed) : undefined)),
    nullable: specs.map((s) => s.nullable),
    rules: specs.map((s) => columnRule(s)),
  };
}

/** Issues from the reader for one row: cells that are not numbers, rows with the wrong cell count. */
export function readerIssues(problems: readonly CellProblem[], file: string): ContractIssue[] {
  return problems.map((p) =>
    p.kind === "ragged_row"
      ? issue({ code: "ragged_row", file, row: p.row, value: p.value, expected: p.expected }, "wrong number of cells")
      : issue({ code: "not_a_number", file, row: p.row, column: p.column, value: p.value, expected: p.expected }, "not a number")
  );
}

/**
 * Value checks of one parsed row (`values[start … start + width)`), skipping the columns the
 * reader already reported (`skip`). Missing values in nullable features are not issues (they are
 * counted by the caller and imputed later); a missing target is.
 */
export function checkRowValues(
  contract: CompiledContract,
  values: Float64Array,
  start: number,
  row: number,
  file: string,
  skip?: ReadonlySet<string>,
): ContractIssue[] {
  const issues: ContractIssue[] = [];
  const width = contract.columns.length;
  for (let c = 0; c < width; c++) {
    const v = values[start + c];
    const column = contract.columns[c];
    if (skip?.has(column)) continue;
    const verdict = checkValue(contract.rules[c], v);
    if (verdict === "ok") continue;
    if (verdict === "missing") {
      if (c === contract.targetIndex) issues.push(issue({ code: "missing_target", file, row, column, value: "", expected: contract.allowedText[c] }, "the target may not be missing"));
      else if (!contract.nullable[c]) issues.push(issue({ code: "missing_value", file, row, column, value: "", expected: contract.allowedText[c] ?? "a value" }, "missing value in a non-nullable column"));
      continue;
    }
    if (verdict === "not_integer") {
      issues.push(issue({ code: "not_integer", file, row, column, value: String(v), expected: contract.allowedText[c] ?? "an integer" }, "not an integer"));
      continue;
    }
    issues.push(issue({ code: "not_allowed", file, row, column, value: String(v), expected: contract.allowedText[c] }, "value outside the allowed set"));
  }
  return issues;
}

/** The `reason` cell of an invalid row: its issues, short. */
export function reasonOf(issues: readonly ContractIssue[]): string {
  return issues.map((i) => {
    const where = i.column ? `${i.column}: ` : "";
    const got = i.value !== undefined ? `got ${quoted(i.value)}` : "";
    return `${where}${i.code}${got ? ` (${got}${i.expected ? `, expected ${i.expected}` : ""})` : ""}`;
  }).join("; ");
}

/** Where row `id` lives: `values[offset … offset + width)`. */
export type RowResolver = (id: number) => { block: ArrayLike<number>; offset: number };

/**
 * Exact duplicate-row detection by a 32-bit hash plus a full compare against earlier rows. Keeps
 * only row ids (not copies), so memory is a map entry per distinct row.
 */
export class DuplicateCounter {
  private readonly seen = new Map<number, number | number[]>();
  duplicates = 0;
  rows = 0;

  constructor(private readonly width: number, private readonly resolve: RowResolver) {}

  /** Count row `id`; true when an identical row was added before. */
  add(id: number): boolean {
    this.rows++;
    const { block, offset } = this.resolve(id);
    let h = 0x811c9dc5;
    for (let c = 0; c < this.width; c++) {
      const v = block[offset + c];
      const x = Number.isNaN(v) ? 0x7ff8 : Number.isInteger(v) && Math.abs(v) < 2 ** 30 ? v | 0 : Math.floor(v * 1e6) | 0;
      h = Math.imul(h ^ x, 0x01000193) >>> 0;
      h = Math.imul(h ^ (h >>> 13), 0x5bd1e995) >>> 0;
    }
    const entry = this.seen.get(h);
    if (entry === undefined) {
      this.seen.set(h, id);
      return false;
    }
    const ids = typeof entry === "number" ? [entry] : entry;
    for (const other of ids) {
      const o = this.resolve(other);
      if (sameRow(o.block, o.offset, block, offset, this.width)) {
        this.duplicates++;
        return true;
      }
    }
    ids.push(id);
    if (typeof entry === "number") this.seen.set(h, ids);
    return false;
  }
}

function sameRow(a: ArrayLike<number>, ao: number, b: ArrayLike<number>, bo: number, width: number): boolean {
  for (let i = 0; i < width; i++) {
    const x = a[ao + i], y = b[bo + i];
    if (x !== y && !(Number.isNaN(x) && Number.isNaN(y))) return false;
  }
  return true;
}
