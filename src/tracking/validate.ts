/**
 * Checks names and values before they are sent, so the server never silently changes them and
 * the user is told what we changed or refused (as warnings; nothing here throws).
 *
 * Decisions (checked against MLflow 3.17.2, SQLite store):
 * - Keys (metric, param, tag): ≤ 250 characters of letters, digits, `_ - . space : /`, not
 *   absolute or containing `..` — the server answers 400 otherwise; we drop the item with a warning.
 * - Metric NaN: the REST API accepts it only as the JSON string "NaN" (a bare NaN token is not
 *   JSON; one server version stored 0 for it). We send "NaN" and warn: MLflow keeps NaN.
 * - Metric ±Infinity: the server silently stores ±1.7976931348623157e308. We send that value
 *   ourselves and warn that it was changed.
 * - Param values are recorded whole (up to 1 MB): what a given server keeps (500 characters on
 *   MLflow 2.7, 6000 from 2.8) is decided when the value is sent (apply.ts, server.ts), where a
 *   longer value is cut and its full text kept as an artifact. Over 1 MB: cut, with a warning.
 * - Tag value > 8000 bytes: truncated to 8000 bytes with a warning (older servers: 5000
 *   characters, cut when sent).
 */
export const MAX_KEY_LENGTH = 250;
export const MAX_PARAM_BYTES = 1_000_000;
export const MAX_TAG_BYTES = 8000;
export const MAX_DOUBLE = 1.7976931348623157e308;

export interface Metric {
  key: string;
  /** A finite number, or the string "NaN" (how the REST API carries NaN). */
  value: number | "NaN";
  timestamp: number;
  step: number;
}

export interface KeyValue {
  key: string;
  value: string;
}

const KEY_PATTERN = /^[A-Za-z0-9_\-. :/]+$/;

export function keyProblem(key: string): string | undefined {
  if (key.length === 0) return "is empty";
  if (key.length > MAX_KEY_LENGTH) return `is longer than ${MAX_KEY_LENGTH} characters`;
  if (!KEY_PATTERN.test(key)) return "may only contain letters, digits, _ - . space : /";
  if (key.startsWith("/") || key.split("/").includes("..")) return "must be a relative path without '..'";
  return undefined;
}

/** Truncate to at most `maxBytes` of UTF-8 without cutting a character. */
export function truncateUtf8(value: string, maxBytes: number): string {
  const bytes = new TextEncoder().encode(value);
  if (bytes.length <= maxBytes) return value;
  let end = maxBytes;
  while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--;
  return new TextDecoder().decode(bytes.subarray(0, end));
}

export function byteLength(value: string): number {
  return new TextEncoder().encode(value).length;
}

export function checkMetric(key: string, value: number, step: number, timestamp: number, warnings: string[]): Metric | undefined {
  const problem = keyProblem(key);
  if (problem) {
    warnings.push(`metric ${JSON.stringify(key)} not logged: the key ${problem}`);
    return undefined;
  }
  if (!Number.isInteger(step)) {
    warnings.push(`metric ${key}: step ${step} is not an integer; logged at step ${Math.trunc(step)}`);
    step = Math.trunc(step);
  }
  if (Number.isNaN(value)) {
    warnings.push(`metric ${key} (step ${step}) is NaN: logged as NaN (MLflow stores and shows NaN)`);
    return { key, value: "NaN", timestamp, step };
  }
  if (!Number.isFinite(value)) {
    const replaced = value > 0 ? MAX_DOUBLE : -MAX_DOUBLE;
    warnings.push(`metric ${key} (step ${step}) is ${value}: logged as ${replaced} (MLflow cannot store infinities)`);
    return { key, value: replaced, timestamp, step };
  }
  return { key, value, timestamp, step };
}

export function checkParam(key: string, value: string, warnings: string[]): KeyValue | undefined {
  return checkKeyValue("param", key, value, MAX_PARAM_BYTES, warnings);
}

export function checkTag(key: string, value: string, warnings: string[]): KeyValue | undefined {
  return checkKeyValue("tag", key, value, MAX_TAG_BYTES, warnings);
}

function checkKeyValue(kind: string, key: string, value: string, maxBytes: number, warnings: string[]): KeyValue | undefined {
  const problem = keyProblem(key);
  if (problem) {
    warnings.push(`${kind} ${JSON.stringify(key)} not logged: the key ${problem}`);
    return undefined;
  }
  const size = byteLength(value);
  if (size > maxBytes) {
    warnings.push(`${kind} ${key}: value of ${size} bytes truncated to ${maxBytes} bytes`);
    return { key, value: truncateUtf8(value, maxBytes) };
  }
  return { key, value };
}

/** A param or tag value as text, the way MLflow's Python client writes it. */
export function paramText(value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean" || value === null) return String(value);
  return JSON.stringify(value) ?? String(value);
}
