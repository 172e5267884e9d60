/**
 * `HttpError`: a refusal with a status, a stable code and a message a client can act on (which
 * row, which column, what was expected). Routes throw it; `app.ts` turns it into a JSON body
 * `{ error: { status, code, message, ...details } }`.
 */
export interface ErrorDetails {
  row?: number;
  column?: string;
  value?: string;
  expected?: string;
  /** More problems of the same request (the first few), each with its own row/column. */
  problems?: ErrorDetails[];
  [key: string]: unknown;
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ErrorDetails = {},
  ) {
    super(message);
    this.name = "HttpError";
  }
}

export function errorBody(error: HttpError): { error: Record<string, unknown> } {
  return { error: { status: error.status, code: error.code, message: error.message, ...error.details } };
}
