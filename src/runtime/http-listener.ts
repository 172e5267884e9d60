/**
 * The HTTP/1.1 listener of both runtimes, on `node:http` (Node, and Deno's implementation of it):
 * unlike `Deno.serve`, it has the slow-client timeouts a public service needs, so `netsec serve`
 * (Deno) and the tests (Node) run the same listener with the same limits:
 *
 * - the request line and headers must arrive within `headerTimeoutMs` (408 and close after;
 *   checked every `checkIntervalMs`, so a half-sent request line is closed within
 *   headerTimeoutMs + checkIntervalMs), at most `maxHeaderBytes` of them (431 above);
 * - the whole request must arrive within `requestTimeoutMs`;
 * - an idle keep-alive connection is closed after `keepAliveTimeoutMs`;
 * - a client that stops reading its response is dropped after `writeTimeoutMs` without progress;
 * - a request body the handler did not read is not drained: the connection is closed once the
 *   response is out, and the body is read with backpressure (never buffered beyond a chunk).
 *
 * `drain()` stops gracefully (requests in flight finish, new ones get a refusal, connections close),
 * `shutdown()` at once. Deno's node:http, unlike Deno.serve's shutdown() (denoland/deno#36809),
 * keeps the body of a request in flight readable while the listener closes.
 */
import * as http from "node:http";
import type { FetchHandler, RunningServer, ServeOptions } from "./platform.ts";

/** Slow-client limits of the listener (docs/serving.md lists them). */
export interface ListenerLimits {
  headerTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  writeTimeoutMs: number;
  maxHeaderBytes: number;
  /** How often the runtime checks the header and request deadlines. */
  checkIntervalMs: number;
  /** Open connections at most; more are refused (closed) until some end. */
  maxConnections: number;
}

export const DEFAULT_LISTENER_LIMITS: ListenerLimits = {
  headerTimeoutMs: 10_000,
  requestTimeoutMs: 90_000,
  keepAliveTimeoutMs: 5_000,
  writeTimeoutMs: 30_000,
  maxHeaderBytes: 16 * 1024,
  checkIntervalMs: 1_000,
  maxConnections: 1_000,
};

interface Pending {
  done: Promise<void>;
}

function webRequest(req: http.IncomingMessage, base: string, signal: AbortSignal): Request {
  const url = `http://${req.headers.host ?? base}${req.url ?? "/"}`;
  const headers = new Headers();
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    try {
      headers.append(req.rawHeaders[i], req.rawHeaders[i + 1]);
    } catch { /* a header value Headers refuses (the parser let it through): dropped */ }
  }
  const hasBody = req.method !== "GET" && req.method !== "HEAD";
  let canceled = false;
  // Pull-based: the socket is read only as fast as the handler reads the body.
  const body = hasBody
    ? new ReadableStream<Uint8Array>({
      start(controller) {
        req.pause();
        req.on("data", (chunk: Buffer) => {
          if (canceled) return;
          controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
          if ((controller.desiredSize ?? 0) <= 0) req.pause();
        });
        req.on("end", () => !canceled && controller.close());
        req.on("error", (error) => !canceled && controller.error(error));
      },
      pull() {
        req.resume();
      },
      cancel() {
        // The handler stopped reading (413, 408): discard what still arrives while the answer
        // goes out; the connection is closed once it is sent.
        canceled = true;
        req.resume();
      },
    }, { highWaterMark: 1 })
    : undefined;
  return new Request(url, { method: req.method, headers, body, signal, duplex: "half" } as RequestInit);
}

async function writeResponse(response: Response, req: http.IncomingMessage, res: http.ServerResponse, limits: ListenerLimits, closeAfter = false): Promise<void> {
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, key) => {
    if (key === "set-cookie") headers[key] = [...((headers[key] as string[]) ?? []), value];
    else headers[key] = value;
  });
  // A body the handler left unread is not drained (it could be gigabytes): close after answering.
  if (!req.complete) headers.connection = "close";
  if (closeAfter) res.shouldKeepAlive = false;
  if (!response.body || req.method === "HEAD") {
    await response.body?.cancel();
    res.writeHead(response.status, headers);
    res.end();
    return;
  }
  const reader = response.body.getReader();
  try {
    // A body that is one chunk (most answers) goes out in one write with its length.
    const first = await reader.read();
    const second = first.done ? first : await reader.read();
    if (second.done) {
      const body = first.done ? new Uint8Array(0) : first.value;
      if (!("content-length" in headers)) headers["content-length"] = String(body.byteLength);
      res.writeHead(response.status, headers);
      res.end(body);
      return;
    }
    res.writeHead(response.status, headers);
    if (!res.write(first.value!)) await drained(res, limits.writeTimeoutMs);
    let next: ReadableStreamReadResult<Uint8Array> = second;
    while (!next.done) {
      if (!res.write(next.value)) await drained(res, limits.writeTimeoutMs);
      next = await reader.read();
    }
    res.end();
  } finally {
    reader.cancel().catch(() => {});
  }
}

/** Resolves once the whole answer was handed to the socket ('finish'), the connection closed, or after `timeoutMs`. */
function flushed(res: http.ServerResponse, timeoutMs: number): Promise<void> {
  if (res.writableFinished || res.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      res.off("finish", done);
      res.off("close", done);
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    res.once("finish", done);
    res.once("close", done);
  });
}

/** Wait for the socket to take more, or drop a client that stopped reading. */
function drained(res: http.ServerResponse, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      res.destroy();
      reject(new Error(`client did not read its response for ${timeoutMs} ms`));
    }, timeoutMs);
    const done = () => {
      clearTimeout(timer);
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.once("drain", done);
    res.once("close", done);
  });
}

/** Longest a refused body is still read and discarded after the answer is out (bytes, ms). */
const LINGER = { bytes: 4 * 1024 * 1024, ms: 1000 };

/**
 * Close the connection of a request whose body was not read to its end: read and discard a
 * little more first (at most LINGER), so a client still sending gets our answer instead of a
 * reset, then close it either way.
 */
function linger(req: http.IncomingMessage): void {
  let discarded = 0;
  const close = () => {
    clearTimeout(timer);
    req.destroy();
  };
  const timer = setTimeout(close, LINGER.ms);
  req.on("data", (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > LINGER.bytes) close();
  });
  req.once("end", close);
  req.once("close", () => clearTimeout(timer));
  req.resume();
}

/** The answer to a request `webRequest` could not build (its method): `options.refuseMethod`, else 501 JSON. */
function refuseMethod(req: http.IncomingMessage, options: ServeOptions): Response {
  const method = req.method ?? "";
  let path = "/";
  try {
    path = new URL(req.url ?? "/", "http://x").pathname;
  } catch { /* CONNECT's host:port, or garbage: "/" */ }
  const answer = options.refuseMethod?.(method, path);
  if (answer) return answer;
  const body = { error: { status: 501, code: "METHOD_NOT_IMPLEMENTED", message: `method ${method.slice(0, 20)} is not implemented by this server` } };
  return new Response(JSON.stringify(body), { status: 501, headers: { "content-type": "application/json; charset=utf-8" } });
}

/** Serve `handler` on `node:http` with the limits above (defaults: DEFAULT_LISTENER_LIMITS). */
export async function serveHttp(handler: FetchHandler, options: ServeOptions): Promise<RunningServer> {
  const limits: ListenerLimits = { ...DEFAULT_LISTENER_LIMITS, ...options.limits };
  const base = `${options.hostname.includes(":") ? `[${options.hostname}]` : options.hostname}:${options.port}`;
  const pending = new Set<Pending>();
  let refuse: (() => Response) | undefined; // set while draining
  const server = http.createServer({
    headersTimeout: limits.headerTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    maxHeaderSize: limits.maxHeaderBytes,
    connectionsCheckingInterval: limits.checkIntervalMs,
  } as http.ServerOptions, (req, res) => {
    const abort = new AbortController();
    res.on("close", () => abort.abort());
    if (refuse) {
      // Stopping: a request on a connection that was already open gets the refusal, and the
      // connection ends with it.
      const answer = refuse();
      answer.headers.set("connection", "close");
      void writeResponse(answer, req, res, limits, true).catch(() => res.destroy()).finally(() => !req.complete && linger(req));
      return;
    }
    const entry: Pending = {
      done: (async () => {
        try {
          let request: Request | undefined;
          try {
            request = webRequest(req, base, abort.signal);
          } catch {
            // A method a web Request refuses (TRACE, CONNECT, TRACK): answered here, never a 500.
          }
          const response = request ? await handler(request) : refuseMethod(req, options);
          // Stopping: this connection ends with this answer.
          await writeResponse(response, req, res, limits, refuse !== undefined);
          // The request counts as in flight until its answer has left (res.end only queues it): a
          // graceful stop closes connections after the last one, so a large answer is not cut short.
          await flushed(res, limits.writeTimeoutMs);
        } catch {
          // The app answers its own errors (with a request id); this is only a failure to write.
          if (!res.headersSent) {
            res.writeHead(500, { "content-type": "text/plain; charset=utf-8", connection: "close" });
            res.end("internal error\n");
          } else res.destroy();
        } finally {
          if (!req.complete) {
            if (res.writableFinished) linger(req);
            else res.once("finish", () => linger(req));
          }
        }
      })(),
    };
    pending.add(entry);
    void entry.done.finally(() => pending.delete(entry));
  });
  // Assigned as well: not every implementation reads them from the constructor options.
  server.headersTimeout = limits.headerTimeoutMs;
  server.requestTimeout = limits.requestTimeoutMs;
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  server.maxConnections = limits.maxConnections;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.hostname, () => resolve());
  });
  const address = server.address() as { port: number };
  options.onListen?.({ hostname: options.hostname, port: address.port });
  const closed = new Promise<void>((resolve) => server.once("close", () => resolve()));
  // Now: stop listening and drop every connection (tests, abort).
  const shutdown = (): Promise<void> => {
    server.close();
    server.closeAllConnections?.();
    return closed;
  };
  // Graceful: every request that arrives from now on (new connection or one already open) gets
  // `refusal` with connection: close — an answer a client or load balancer can act on, rather
  // than a refused connection; requests in flight run to their end (their connections close with
  // the answer). Once the last handler is done the listener and every connection are closed (an
  // idle keep-alive one, or one still sending its headers) and it resolves.
  const drain = async (refusal: () => Response = () => new Response("the server is stopping\n", { status: 503 })): Promise<void> => {
    refuse = refusal;
    while (pending.size) await Promise.allSettled([...pending].map((p) => p.done));
    server.close();
    server.closeIdleConnections?.();
    await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 100))]);
    server.closeAllConnections?.();
    await closed;
  };
  options.signal?.addEventListener("abort", () => void shutdown());
  return { port: address.port, hostname: options.hostname, inFlight: () => pending.size, shutdown, drain };
}
