/**
 * The HTTP layer of the MLflow client, on ky: auth header, JSON, retries with exponential backoff
 * (and Retry-After) on network errors, timeouts, 408/429/5xx, all inside a total time limit; and
 * one error type, `MlflowHttpError`, whose message never contains credentials.
 */
import ky, { HTTPError, TimeoutError, type KyInstance } from "ky";
import { NetsecError } from "../errors.ts";
import { authorizationHeader, redact, type TrackingAuth } from "./config.ts";
import { DagshubLookupError, lookupDagshubUser } from "./dagshub.ts";

export interface HttpOptions {
  /** Per attempt, ms (default 15 s; MLFLOW_HTTP_REQUEST_TIMEOUT in seconds). */
  timeoutMs?: number;
  /** All attempts of one call together, ms (default 60 s; NETSEC_TRACKING_TIMEOUT_MS). */
  totalMs?: number;
  /** Most retries of one call (default 6; MLFLOW_HTTP_REQUEST_MAX_RETRIES). */
  retries?: number;
  /** First backoff delay, ms (default 300; doubles each retry, at most 5 s, with jitter). */
  backoffMs?: number;
  /** Time all calls of this client may spend waiting on the server together (see TrackingBudget). */
  budget?: TrackingBudget;
}

export const DEFAULT_TIMEOUT_MS = 15_000;
export const DEFAULT_RETRIES = 6;
/**
 * Largest answer read from the tracking server when the call sets no cap of its own (bytes; a JSON
 * answer of MLflow's API is kilobytes). Counted while the body streams in: an endless answer stops there.
 */
export const MAX_ANSWER_BYTES = 16 * 1024 * 1024;
/** Redirects followed in one call (GET only, and only within the tracking server's origin). */
export const MAX_REDIRECTS = 5;

/**
 * The total time a run's tracking may spend waiting on the server, all calls together. Once it is
 * used up every call fails at once (transient, so the run goes on in the outbox for `netsec sync`).
 */
export class TrackingBudget {
  readonly totalMs: number;
  #spentMs = 0;
  constructor(totalMs: number) {
    this.totalMs = totalMs;
  }
  get spentMs(): number {
    return this.#spentMs;
  }
  remainingMs(): number {
    return this.totalMs - this.#spentMs;
  }
  charge(ms: number): void {
    this.#spentMs += Math.max(0, ms);
  }
}

type Env = (name: string) => string | undefined;

function numberFrom(env: Env, name: string, unit: string, integer: boolean): number | undefined {
  const raw = env(name)?.trim();
  if (!raw) return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0 || (integer && !Number.isInteger(value))) {
    throw new NetsecError("CONFIG_INVALID", `${name}=${JSON.stringify(raw)} is not a valid ${integer ? "whole number" : "number"} of ${unit}`);
  }
  return value;
}

/**
 * The HTTP policy from MLflow's own client variables: MLFLOW_HTTP_REQUEST_TIMEOUT (seconds per
 * attempt) and MLFLOW_HTTP_REQUEST_MAX_RETRIES (retries per call), plus NETSEC_TRACKING_TIMEOUT_MS
 * (one call, retries included). The run's budget is what one call may cost at most:
 * timeout × (retries + 1) (default 15 s × 7 = 105 s).
 */
export function httpPolicyFromEnv(env: Env): { http: Omit<HttpOptions, "budget">; budgetMs: number } {
  const timeoutS = numberFrom(env, "MLFLOW_HTTP_REQUEST_TIMEOUT", "seconds", false);
  const retries = numberFrom(env, "MLFLOW_HTTP_REQUEST_MAX_RETRIES", "retries", true);
  const totalMs = numberFrom(env, "NETSEC_TRACKING_TIMEOUT_MS", "milliseconds", false);
  const timeoutMs = timeoutS !== undefined && timeoutS > 0 ? timeoutS * 1000 : DEFAULT_TIMEOUT_MS;
  const http: Omit<HttpOptions, "budget"> = { timeoutMs, ...(retries !== undefined ? { retries } : {}), ...(totalMs ? { totalMs } : {}) };
  return { http, budgetMs: timeoutMs * ((retries ?? DEFAULT_RETRIES) + 1) };
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
  /** The tracking budget was used up: nothing was sent. */
  budgetExhausted = false;

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
  /** Return the body as text (e.g. /version). */
  text?: boolean;
  /** Refuse an answer larger than this many bytes (default MAX_ANSWER_BYTES), counted while it streams. */
  maxBytes?: number;
  /**
   * Not idempotent (creates something or appends metric points): retry only when the server
   * surely did not act (429, 503, connection refused). The caller checks and retries the rest.
   */
  unsafe?: boolean;
}

/** Failures after which the server surely did nothing (safe to resend anything). */
export function surelyNotProcessed(error: unknown): boolean {
  if (error instanceof HTTPError) return error.response.status === 429 || error.response.status === 503;
  if (error instanceof MlflowHttpError) return error.refusedConnection || error.budgetExhausted || error.status === 429 || error.status === 503;
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

/**
 * The body of `response`, at most `maxBytes`: a larger one (declared or streamed) is cancelled and
 * refused with errorCode RESPONSE_TOO_LARGE (not transient: asking again gets the same answer).
 */
export async function readCapped(response: Response, maxBytes: number, where: string): Promise<Uint8Array> {
  const tooLarge = (seen: string) => {
    const error = new MlflowHttpError(`MLflow ${where}: the answer is larger than the limit of ${maxBytes} bytes (${seen}): refused, nothing kept`, response.status, "RESPONSE_TOO_LARGE");
    Object.defineProperty(error, "transient", { value: false });
    return error;
  };
  const declared = Number(response.headers.get("content-length") ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel().catch(() => {});
    throw tooLarge(`Content-Length ${declared}`);
  }
  if (!response.body) return new Uint8Array(0);
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => {});
      throw tooLarge(`more than ${maxBytes} bytes received`);
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0];
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  return bytes;
}

/**
 * fetch with redirects under our control: a GET follows at most MAX_REDIRECTS of them, each only
 * within `origin` (the tracking server's); any other redirect comes back as the 3xx answer it is,
 * and the caller reports it (credentials and downloads never go to another host).
 */
function sameOriginFetch(origin: string): typeof fetch {
  return async (input, init) => {
    let request = new Request(input, { ...init, redirect: "manual" });
    for (let hop = 0; ; hop++) {
      const response = await fetch(request);
      const location = response.status >= 300 && response.status < 400 ? response.headers.get("location") : null;
      if (location === null || hop >= MAX_REDIRECTS || (request.method !== "GET" && request.method !== "HEAD")) return response;
      const target = new URL(location, request.url);
      if (target.origin !== origin) return response;
      await response.body?.cancel().catch(() => {});
      request = new Request(target, { method: request.method, headers: request.headers, signal: request.signal, redirect: "manual" });
    }
  };
}

export class MlflowHttp {
  readonly uri: string;
  #auth: TrackingAuth;
  #header: string | undefined;
  #lookup: Promise<void> | undefined;
  readonly #ky: KyInstance;
  readonly #totalMs: number;
  readonly policy: Required<Omit<HttpOptions, "budget">>;
  readonly budget?: TrackingBudget;

  constructor(uri: string, auth: TrackingAuth, options: HttpOptions = {}) {
    this.uri = uri.replace(/\/+$/, "");
    this.#auth = auth;
    this.policy = { timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS, totalMs: options.totalMs ?? 60_000, retries: options.retries ?? DEFAULT_RETRIES, backoffMs: options.backoffMs ?? 300 };
    this.budget = options.budget;
    this.#totalMs = this.policy.totalMs;
    this.#header = authorizationHeader(auth);
    const backoff = this.policy.backoffMs;
    this.#ky = ky.create({
      prefixUrl: this.uri,
      fetch: sameOriginFetch(new URL(this.uri).origin),
      timeout: this.policy.timeoutMs,
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

  /** DagsHub without DAGSHUB_USERNAME: find the user name from the token once, before the first call. */
  async #authorize(): Promise<void> {
    const auth = this.#auth;
    if (auth.kind !== "dagshub" || auth.username) return;
    this.#lookup ??= (async () => {
      const started = Date.now();
      try {
        const username = await lookupDagshubUser(auth.host, auth.token, this.policy.timeoutMs);
        this.#auth = { ...auth, username };
        this.#header = authorizationHeader(this.#auth);
      } catch (error) {
        this.#lookup = undefined;
        const message = redact(error instanceof Error ? error.message : String(error), auth);
        if (error instanceof DagshubLookupError && error.kind === "refused") throw new MlflowHttpError(message, 401, "DAGSHUB_USER_LOOKUP", error);
        throw new MlflowHttpError(message, 0, undefined, error);
      } finally {
        this.budget?.charge(Date.now() - started);
      }
    })();
    await this.#lookup;
  }

  /** The auth with what was looked up (DagsHub user name), for callers that redact. */
  get auth(): TrackingAuth {
    return this.#auth;
  }

  async request<T>(method: "get" | "post" | "put" | "patch" | "delete", path: string, options: RequestOptions = {}): Promise<T> {
    const where = `${method.toUpperCase()} ${this.uri}/${path}`;
    const remaining = this.budget ? this.budget.remainingMs() : Infinity;
    if (remaining <= 0) {
      const error = new MlflowHttpError(
        `MLflow ${where}: not sent: this run's tracking already waited ${(this.budget!.spentMs / 1000).toFixed(1)} s on the server, its budget of ` +
          `${(this.budget!.totalMs / 1000).toFixed(0)} s (MLFLOW_HTTP_REQUEST_TIMEOUT × (MLFLOW_HTTP_REQUEST_MAX_RETRIES + 1))`,
        0,
        undefined,
      );
      error.budgetExhausted = true;
      throw error;
    }
    await this.#authorize();
    const started = Date.now();
    const deadline = AbortSignal.timeout(Math.max(1, Math.min(this.#totalMs, this.budget ? this.budget.remainingMs() : Infinity)));
    let lastError: Error | undefined;
    try {
      const response = await this.#ky(path, {
        method,
        json: options.json,
        body: options.body as BodyInit | undefined,
        headers: { ...(this.#header ? { authorization: this.#header } : {}), ...(options.body ? { "content-type": "application/octet-stream" } : {}) },
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
      const body = await readCapped(response, options.maxBytes ?? MAX_ANSWER_BYTES, where);
      if (options.bytes) return body as T;
      if (options.raw) return undefined as T;
      const text = new TextDecoder().decode(body);
      if (options.text) return text as T;
      return (text ? JSON.parse(text) : {}) as T;
    } catch (error) {
      if (error instanceof MlflowHttpError) throw error;
      throw await this.#toError(deadline.aborted && lastError ? lastError : error, where, deadline.aborted);
    } finally {
      this.budget?.charge(Date.now() - started);
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
      const location = status >= 300 && status < 400 ? error.response.headers.get("location") : null;
      if (location !== null) {
        const target = new URL(location, error.response.url || `${this.uri}/`);
        return new MlflowHttpError(
          clean(`MLflow ${where} answered ${status}, a redirect to ${target.origin}${target.pathname}: not followed (netsec follows redirects of GET calls within ${new URL(this.uri).origin} only). If the server moved, set MLFLOW_TRACKING_URI to its new address`),
          status,
          "REDIRECT_REFUSED",
        );
      }
      const hint = status === 401
        ? this.#auth.kind === "dagshub"
          ? ` — DagsHub wants your user name (${this.#auth.username ? `"${this.#auth.username}"` : "none known"}) and a token: check DAGSHUB_USERNAME and DAGSHUB_USER_TOKEN`
          : " — check MLFLOW_TRACKING_USERNAME/MLFLOW_TRACKING_PASSWORD or MLFLOW_TRACKING_TOKEN"
        : status === 403
          ? " — the user has no permission for this resource"
          : "";
      return new MlflowHttpError(clean(`MLflow ${where} answered ${status}${code ? ` ${code}` : ""}: ${message.trim()}${hint}`), status, code);
    }
    const limit = timedOut ? ` (gave up after the time limit of this call, ${this.#totalMs} ms or what was left of the run's tracking budget, retries included)` : "";
    if (error instanceof TimeoutError || (timedOut && !(error instanceof TypeError))) {
      return new MlflowHttpError(clean(`MLflow ${where}: no answer${limit || " (timed out)"}`), 0, undefined);
    }
    const reason = error instanceof Error ? `${error.message}${error.cause instanceof Error ? ` (${error.cause.message})` : ""}` : String(error);
    return new MlflowHttpError(clean(`MLflow ${where}: cannot reach the server: ${reason}${limit}`), 0, undefined, undefined, refused(error));
  }
}
