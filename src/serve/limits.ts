/**
 * Reading a request body under limits: a size cap checked against `content-length` before any
 * byte is read and counted while streaming (413 as soon as it is passed, without reading the
 * rest), an idle timeout between chunks and a total deadline for slow clients (408), and an
 * empty body refused (400). `Content-Encoding: gzip` (or deflate) is decoded on the fly and the
 * same size cap applies to the decoded bytes; any other encoding is refused with 415.
 */
import { excerpt } from "../errors.ts";
import { HttpError } from "./http-error.ts";

export interface BodyLimits {
  maxBytes: number;
  /** Large bodies (over 256 KiB or of unknown length) read and scored at once; the rest wait. */
  maxConcurrentLarge: number;
  /** Large bodies waiting for their turn at most; more get 503 with Retry-After. */
  maxQueuedLarge: number;
  /** Longest wait for the next chunk of the body (ms). */
  idleTimeoutMs: number;
  /** Longest time to receive the whole body (ms). */
  totalTimeoutMs: number;
  /** Most work one `?explain=true` request may ask for: distinct rows × trees (explain-slices.ts; 422 above). */
  maxExplainCost: number;
  /** Explanations computed at once (1) and waiting for their turn at most; more get 503 BUSY. */
  maxQueuedExplain: number;
}

export const DEFAULT_LIMITS: BodyLimits = {
  maxBytes: 64 * 1024 * 1024,
  maxConcurrentLarge: 2,
  maxQueuedLarge: 32,
  idleTimeoutMs: 10_000,
  totalTimeoutMs: 60_000,
  maxExplainCost: 200_000,
  maxQueuedExplain: 4,
};

function megabytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(bytes < 1024 * 1024 ? 3 : 1)} MB`;
}

function tooLarge(limits: BodyLimits, seen: string): HttpError {
  return new HttpError(413, "BODY_TOO_LARGE", `request body ${seen} is over the limit of ${megabytes(limits.maxBytes)} (${limits.maxBytes} bytes); split the file or start the server with a larger --max-body-mb`, { limit: limits.maxBytes });
}

const DECODERS: Record<string, "gzip" | "deflate"> = { gzip: "gzip", "x-gzip": "gzip", deflate: "deflate" };

/** The decoder for a `Content-Encoding` header (undefined = none), or a 415. */
export function contentDecoder(header: string | null): "gzip" | "deflate" | undefined {
  const codings = (header ?? "").split(",").map((c) => c.trim().toLowerCase()).filter((c) => c && c !== "identity");
  if (codings.length === 0) return undefined;
  if (codings.length === 1 && DECODERS[codings[0]]) return DECODERS[codings[0]];
  throw new HttpError(415, "UNSUPPORTED_ENCODING", `content encoding "${excerpt(header ?? "")}" is not accepted: send the body as is, or with Content-Encoding: gzip (or deflate)`, { expected: "identity, gzip, deflate" });
}

/**
 * The whole body as bytes (decoded), or an HttpError (400 empty or undecodable, 408 slow, 413 too
 * large, 415 unknown encoding). `largeTurn` is awaited once the body is known to be large (by its
 * content-length, or when that many bytes have arrived): the rest is read after it resolves.
 */
export async function readBody(request: Request, limits: BodyLimits, largeTurn?: () => Promise<void>): Promise<Uint8Array> {
  const coding = contentDecoder(request.headers.get("content-encoding"));
  const declared = request.headers.get("content-length");
  if (declared !== null) {
    const length = Number(declared);
    if (Number.isFinite(length) && length > limits.maxBytes) throw tooLarge(limits, `of ${length} bytes (content-length)`);
  }
  if (!request.body) throw new HttpError(400, "EMPTY_BODY", "the request body is empty: send a CSV file (multipart/form-data or text/csv) or JSON rows");
  let waitTurn = largeTurn;
  if (waitTurn && declared !== null && Number(declared) > LARGE_BODY_BYTES) {
    await waitTurn();
    waitTurn = undefined;
  }
  const raw = request.body;
  // Compressed input is fed in small pieces: one piece decodes to at most ~4 MB (deflate's
  // largest ratio is ~1:1032), so a bomb is stopped at the cap before it fills memory.
  let compressed = 0;
  const pieces = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      compressed += chunk.byteLength;
      for (let i = 0; i < chunk.byteLength; i += 4096) controller.enqueue(chunk.subarray(i, Math.min(chunk.byteLength, i + 4096)));
    },
  }, undefined, { highWaterMark: 1 });
  const reader = (coding ? raw.pipeThrough(pieces).pipeThrough(new DecompressionStream(coding) as unknown as TransformStream<Uint8Array, Uint8Array>) : raw).getReader();
  const parts: Uint8Array[] = [];
  // With a declared length (and no encoding) the body goes straight into one buffer: no copy.
  const length = declared !== null && !coding ? Number(declared) : NaN;
  const whole = Number.isInteger(length) && length > 0 && length <= limits.maxBytes ? new Uint8Array(length) : undefined;
  let total = 0;
  const started = Date.now();
  let slice = performance.now();
  try {
    while (true) {
      const remaining = limits.totalTimeoutMs - (Date.now() - started);
      const wait = Math.max(0, Math.min(limits.idleTimeoutMs, remaining));
      const next = await within(reader.read().catch((error) => {
        if (error instanceof HttpError || !coding) throw error;
        throw new HttpError(400, "BAD_ENCODING", `the ${coding} body could not be decoded: ${excerpt((error as Error).message ?? String(error), 120)}`);
      }), wait);
      if (next === "timeout") {
        throw new HttpError(408, "REQUEST_TIMEOUT", `the request body did not arrive in time (${total} bytes received; the server waits at most ${limits.idleTimeoutMs} ms between chunks and ${limits.totalTimeoutMs} ms in all)`);
      }
      if (next.done) break;
      if (whole && total + next.value.byteLength <= whole.length) whole.set(next.value, total);
      else if (whole) throw new HttpError(400, "BODY_LENGTH", `the body is longer than its content-length (${whole.length} bytes)`);
      else parts.push(next.value);
      total += next.value.byteLength;
      if (total > limits.maxBytes) {
        // A client that is still sending reads our 413 only once its body is out (else it sees a
        // reset): a little more of it is read and dropped first, at most DISCARD (1 MiB, 1 s).
        if (!coding) await discard(reader);
        throw tooLarge(limits, coding ? `of more than ${total} bytes once decoded from ${coding}` : `of more than ${total} bytes`);
      }
      if (coding && total > 1024 * 1024 && total > MAX_EXPANSION * compressed) {
        throw new HttpError(413, "BODY_TOO_LARGE", `the ${coding} body expands more than ${MAX_EXPANSION}× (${compressed} bytes decoded to over ${total}): refused as a compression bomb; send it uncompressed`, { limit: limits.maxBytes });
      }
      if (waitTurn && total > LARGE_BODY_BYTES) {
        await waitTurn();
        waitTurn = undefined;
      }
      // Decoding runs on promise callbacks alone: let other requests in every 2 ms.
      if (performance.now() - slice > 2) {
        await new Promise((resolve) => setTimeout(resolve, 0));
        slice = performance.now();
      }
    }
  } catch (error) {
    reader.cancel().catch(() => {});
    throw error;
  }
  if (total === 0) throw new HttpError(400, "EMPTY_BODY", "the request body is empty: send a CSV file (multipart/form-data or text/csv) or JSON rows");
  if (whole) return total === whole.length ? whole : whole.subarray(0, total);
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}

/** What is read and dropped of a body after it passed the limit, before the 413 goes out. */
const DISCARD = { bytes: 1024 * 1024, ms: 1000 };

async function discard(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
  let dropped = 0;
  const deadline = Date.now() + DISCARD.ms;
  while (dropped <= DISCARD.bytes) {
    const next = await within(reader.read().catch(() => ({ done: true as const, value: undefined })), Math.max(0, deadline - Date.now()));
    if (next === "timeout" || next.done) return;
    dropped += next.value.byteLength;
  }
}

/** `promise`, or "timeout" when it has not settled within `ms` (the timer is cleared either way). */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | "timeout"> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([promise, new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** A compressed body may decode to at most this many times its compressed size (checked past 1 MiB). */
export const MAX_EXPANSION = 500;

/** A body is large once it declares or has sent more than this many bytes. */
export const LARGE_BODY_BYTES = 256 * 1024;

/**
 * Turns for large bodies: at most `concurrent` at once (each may hold its bytes plus a frame of
 * numbers about 4× their size), at most `queued` waiting; the one after that gets a 503. Memory
 * stays bounded whatever the number of clients sending big files at once.
 */
export class TurnGate {
  #active = 0;
  #waiting: (() => void)[] = [];
  constructor(readonly concurrent: number, readonly queued: number, readonly what = "large requests") {}

  async acquire(): Promise<() => void> {
    if (this.#active >= this.concurrent) {
      if (this.#waiting.length >= this.queued) {
        throw new HttpError(503, "BUSY", `the server is busy with ${this.#active} ${this.what} and ${this.#waiting.length} waiting: retry in a moment`, { retryAfterSeconds: 1 });
      }
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    } else this.#active++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#waiting.shift();
      if (next) next(); // the turn passes on: #active stays the same
      else this.#active--;
    };
  }
}
