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
  | "EXPORT_REFUSED"
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
  if (location.column) parts.push(`column ${location.column}`);
  let text = parts.join(", ");
  if (location.value !== undefined) text += `${text ? ": " : ""}got ${JSON.stringify(location.value)}`;
  if (location.expected) text += `${text ? ", " : ""}expected ${location.expected}`;
  return text;
}
