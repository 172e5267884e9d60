/**
 * The one check of a value against its column's rules in schema.yaml (allowed values, may it be
 * missing, must it be an integer), used by the validate stage (stages/contract.ts), the HTTP
 * service (serve/input.ts) and `netsec predict` (predict/predict-file.ts). Each caller words its
 * own message (a contract issue, an HTTP problem, a refused row) from the verdict and
 * `expectedText`, so the three agree on what is valid. Membership is a lookup table when the
 * allowed values are small integers (the schema's -1/0/1), else a Set.
 */

export interface ColumnRule {
  /** Whether `v` is one of the allowed values (undefined: any number). */
  allowed?: (v: number) => boolean;
  /** "one of -1, 0, 1" (undefined when any value is allowed). */
  expectedText?: string;
  nullable: boolean;
  integer: boolean;
}

export type ValueVerdict = "ok" | "missing" | "not_integer" | "not_allowed";

/** "one of -1, 0, 1" */
export function allowedText(values: readonly number[]): string {
  return `one of ${values.join(", ")}`;
}

/** A membership test for a column's allowed values. */
export function allowedTest(values: readonly number[]): (v: number) => boolean {
  if (values.every((v) => Number.isInteger(v) && v >= -128 && v <= 127)) {
    const table = new Uint8Array(256);
    for (const v of values) table[v + 128] = 1;
    return (v) => v >= -128 && v <= 127 && Number.isInteger(v) && table[v + 128] === 1;
  }
  const set = new Set(values);
  return (v) => set.has(v);
}

/** The rule of a column spec of schema.yaml (`integer`: check dtype int apart from the allowed values). */
export function columnRule(spec: { allowed?: readonly number[]; nullable?: boolean; dtype?: string }, options: { nullable?: boolean; integer?: boolean } = {}): ColumnRule {
  return {
    allowed: spec.allowed ? allowedTest(spec.allowed) : undefined,
    expectedText: spec.allowed ? allowedText(spec.allowed) : undefined,
    nullable: options.nullable ?? spec.nullable ?? true,
    integer: options.integer ?? spec.dtype === "int",
  };
}

/** The verdict on one value (NaN = missing). */
export function checkValue(rule: ColumnRule, v: number): ValueVerdict {
  if (Number.isNaN(v)) return rule.nullable ? "ok" : "missing";
  if (rule.integer && !Number.isInteger(v)) return "not_integer";
  if (rule.allowed && !rule.allowed(v)) return "not_allowed";
  return "ok";
}
