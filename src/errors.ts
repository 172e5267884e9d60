/**
 * The one error type of netsec. `code` is stable (tests and callers switch on it); the message
 * says what is wrong, where (file, row, column) and what was expected, so a person can act on it.
 */
export type NetsecErrorCode =
  | "SCHEMA_INVALID"
  | "EXPERIMENT_INVALID"
  | "CONFIG_INVALID"
  | "FILE_NOT_FOUND"
  | "CSV_INVALID"
  | "ARFF_INVALID"
  | "DATA_INVALID"
  | "MONGO_UNREACHABLE"
  | "MONGO_FAILED"
  | "VALIDATION_FAILED"
  | "TRANSFORM_FAILED"
  | "MODEL_INVALID"
  | "MODEL_REFUSED"
  | "TRAIN_FAILED"
  | "GATE_FAILED"
  | "PREDICT_INVALID"
  | "EXPLAIN_UNAVAILABLE"
  | "TRACKING_FAILED"
  | "REGISTRY_REFUSED"
  | "OUTPUT_UNWRITABLE"
  | "EXPORT_REFUSED"
  | "PORT_IN_USE"
  | "USAGE";

/** Where a problem is, as precisely as known. Rows are 1-based data rows (the header is row 0). */
export interface Location {
  file?: string;
  row?: number;
  column?: string;
  value?: string;
  expected?: string;
}

export class NetsecError extends Error {
  readonly code: NetsecErrorCode;
  readonly location?: Location;

  constructor(code: NetsecErrorCode, message: string, options: { cause?: unknown; location?: Location } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "NetsecError";
    this.code = code;
    this.location = options.location;
  }
}

export function isNetsecError(error: unknown, code?: NetsecErrorCode): error is NetsecError {
  return error instanceof NetsecError && (code === undefined || error.code === code);
}

/** "file data.csv, row 12, column URL_Length: got 'x', expected one of -1, 0, 1" */
export function describeLocation(location: Location): string {
  const parts: string[] = [];
  if (location.file) parts.push(`file ${location.file}`);
  if (location.row !== undefined) parts.push(`row ${location.row}`);
  if (location.column) parts.push(`column ${showName(location.column)}`);
  let text = parts.join(", ");
  if (location.value !== undefined) text += `${text ? ": " : ""}got ${quoted(location.value)}`;
  if (location.expected) text += `${text ? ", " : ""}expected ${location.expected}`;
  return text;
}

/** Longest excerpt of a value or name echoed in a message (characters, before escaping). */
export const EXCERPT_CHARS = 40;

/**
 * A value or name as it may appear in a message: control, format and other invisible characters
 * escaped (`\n`, `\u0000`, `\u202e`), and cut to `max` characters with the full length said, so a
 * 50 MB cell never becomes a 50 MB message and a crafted name cannot forge a log line.
 */
export function excerpt(text: string, max = EXCERPT_CHARS): string {
  const cut = text.length > max ? text.slice(0, max) : text;
  const escaped = cut.replace(/[\p{C}\\]/gu, (ch) => {
    if (ch === "\\") return "\\\\";
    if (ch === "\n") return "\\n";
    if (ch === "\r") return "\\r";
    if (ch === "\t") return "\\t";
    return Array.from(ch, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`).join("");
  });
  return text.length > max ? `${escaped}… (${text.length} characters)` : escaped;
}

/** `excerpt` in double quotes (inner quotes escaped): for values. */
export function quoted(text: string, max = EXCERPT_CHARS): string {
  return `"${excerpt(text, max).replaceAll('"', '\\"')}"`;
}

/** A column or field name in a message: plain names as they are, anything else quoted and cut. */
export function showName(name: string): string {
  return /^[A-Za-z0-9_.\- ]{1,64}$/.test(name) ? name : quoted(name);
}

/** The first `max` names (shown with `showName`) and how many more: "a, b, c and 997 more". */
export function listNames(names: readonly string[], max = 10): string {
  const shown = names.slice(0, max).map(showName).join(", ");
  return names.length > max ? `${shown} and ${names.length - max} more` : shown;
}
