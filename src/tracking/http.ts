/**
 * The HTTP layer of the MLflow client, on ky: auth header, JSON, retries with exponential backoff
 * (and Retry-After) on network errors, timeouts, 408/429/5xx, all inside a total time limit; and
 * one error type, `MlflowHttpError`, whose message never contains credentials.
 */
import ky, { HTTPError, TimeoutError, type KyInstance } from "ky";
import { NetsecError } from "../errors.ts";
import { authorizationHeader, redact, type TrackingAuth } from "./config.ts";

export interface HttpOptions {
  /** Per attempt, ms (default 15 s). */
  timeoutMs?: number;
  /** All attempts of one call together, ms (default 60 s). */
  totalMs?: number;
  /** Most retries of one call (default 6). */
  retries?: number;
  /** First backoff delay, ms (default 300; doubles each retry, at most 5 s, with jitter). */
  backoffMs?: number;
}

const RETRY_STATUS = [408, 429, 500, 502, 503, 504];

export class MlflowHttpError extends NetsecError {
  /** HTTP status, or 0 when no answer came (network error, timeout, time limit). */
  readonly status: number;
  /** MLflow's `error_code` (e.g. RESOURCE_DOES_NOT_EXIST), when the server sent one. */
  readonly errorCode?: string;
  /** True for failures a later attempt may fix (no answer, 408, 429, 5xx). */
  readonly transient: boolean;
  /** No connection could be made (nothing reached the server). */
  readonly refusedConnection: boolean;

  constructor(message: string, status: number, errorCode: string | undefined, cause?: unknown, refusedConnection = false) {
    super("TRACKING_FAILED", message, { cause });
    this.name = "MlflowHttpError";
    this.status = status;
    this.errorCode = errorCode;
    this.transient = status === 0 || RETRY_STATUS.includes(status);
    this.refusedConnection = refusedConnection;
  }
}

export function isMlflowError(error: unknown, errorCode?: string): error is MlflowHttpError {
  return error instanceof MlflowHttpError && (errorCode === undefined || error.errorCode === errorCode);
}

export interface RequestOptions {
  json?: unknown;
  searchParams?: Record<string, string | number>;
  body?: Uint8Array;
  /** Expect no JSON back (artifact upload). */
  raw?: boolean;
  /** Return the body as bytes (artifact download). */
  bytes?: boolean;
  /**
   * Not idempotent (creates something or appends metric points): retry only when the server
   * surely did not act (429, 503, connection refused). The caller checks and retries the rest.
   */
  unsafe?: boolean;
}

/** Failures after which the server surely did nothing (safe to resend anything). */
export function surelyNotProcessed(error: unknown): boolean {
  if (error instanceof HTTPError) return error.response.status === 429 || error.response.status === 503;
  if (error instanceof MlflowHttpError) return error.refusedConnection || error.status === 429 || error.status === 503;
  return refused(error);
}

/** beforeRetry hook for non-idempotent calls: rethrowing ends ky's retries with that error. */
function stopUnlessSafe({ error }: { error: Error }): void {
  if (!surelyNotProcessed(error)) throw error;
}

function refused(error: unknown): boolean {
  const text = error instanceof Error ? `${error.message} ${error.cause instanceof Error ? `${error.cause.message} ${(error.cause as { code?: string }).code ?? ""}` : ""}` : String(error);
  return /ECONNREFUSED|connection refused|os error 111/i.test(text);
}

export class MlflowHttp {
  readonly uri: string;
  readonly #auth: TrackingAuth;
  readonly #ky: KyInstance;
  readonly #totalMs: number;
  readonly policy: Required<HttpOptions>;

  constructor(uri: string, auth: TrackingAuth, options: HttpOptions = {}) {
    this.uri = uri.replace(/\/+$/, "");
    this.#auth = auth;
    this.policy = { timeoutMs: options.timeoutMs ?? 15_000, totalMs: options.totalMs ?? 60_000, retries: options.retries ?? 6, backoffMs: options.backoffMs ?? 300 };
    this.#totalMs = this.policy.totalMs;
    const header = authorizationHeader(auth);
    const backoff = this.policy.backoffMs;
    this.#ky = ky.create({
      prefixUrl: this.uri,
      timeout: this.policy.timeoutMs,
      headers: header ? { authorization: header } : {},
      retry: {
        limit: this.policy.retries,
        methods: ["get", "post", "put", "patch", "delete"],
        statusCodes: RETRY_STATUS,
        afterStatusCodes: [413, 429, 503],
        backoffLimit: 5_000,
        delay: (attempt) => backoff * 2 ** (attempt - 1),
        jitter: (delay) => delay * (0.75 + Math.random() * 0.5),
        retryOnTimeout: true,
      },
    });
  }

  async request<T>(method: "get" | "post" | "put" | "patch" | "delete", path: string, options: RequestOptions = {}): Promise<T> {
    const deadline = AbortSignal.timeout(this.#totalMs);
    const where = `${method.toUpperCase()} ${this.uri}/${path}`;
    let lastError: Error | undefined;
    try {
      const response = await this.#ky(path, {
        method,
        json: options.json,
        body: options.body as BodyInit | undefined,
        // (a `headers: undefined` here would drop the instance's authorization header)
        ...(options.body ? { headers: { "content-type": "application/octet-stream" } } : {}),
        searchParams: options.searchParams,
        signal: deadline,
        hooks: {
          beforeRetry: [
            ({ error }) => {
              lastError = error;
            },
            ...(options.unsafe ? [stopUnlessSafe] : []),
          ],
        },
      });
      if (options.bytes) return new Uint8Array(await response.arrayBuffer()) as T;
      if (options.raw) {
        await response.arrayBuffer();
        return undefined as T;
      }
      const text = await response.text();
      return (text ? JSON.parse(text) : {}) as T;
    } catch (error) {
      throw await this.#toError(deadline.aborted && lastError ? lastError : error, where, deadline.aborted);
    }
  }

  async #toError(error: unknown, where: string, timedOut: boolean): Promise<MlflowHttpError> {
    const clean = (s: string) => redact(s, this.#auth);
    if (error instanceof HTTPError) {
      const status = error.response.status;
      let body = "";
      try {
        body = await error.response.text();
      } catch {
        // body already consumed or stream broken: the status is enough
      }
      let code: string | undefined;
      let message = body.slice(0, 500);
      try {
        const parsed = JSON.parse(body) as { error_code?: string; message?: string };
        code = parsed.error_code;
        message = parsed.message ?? message;
      } catch {
        // not JSON (e.g. the basic-auth app answers text/html)
      }
      const hint = status === 401
        ? " — check MLFLOW_TRACKING_USERNAME/MLFLOW_TRACKING_PASSWORD or MLFLOW_TRACKING_TOKEN"
        : status === 403
          ? " — the user has no permission for this resource"
          : "";
      return new MlflowHttpError(clean(`MLflow ${where} answered ${status}${code ? ` ${code}` : ""}: ${message.trim()}${hint}`), status, code);
    }
    const limit = timedOut ? ` (gave up after the total time limit of ${this.#totalMs} ms, retries included)` : "";
    if (error instanceof TimeoutError || (timedOut && !(error instanceof TypeError))) {
      return new MlflowHttpError(clean(`MLflow ${where}: no answer${limit || " (timed out)"}`), 0, undefined);
    }
    const reason = error instanceof Error ? `${error.message}${error.cause instanceof Error ? ` (${error.cause.message})` : ""}` : String(error);
    return new MlflowHttpError(clean(`MLflow ${where}: cannot reach the server: ${reason}${limit}`), 0, undefined, undefined, refused(error));
  }
}
