/**
 * Bearer-token check for the training endpoints. Both tokens are hashed first so the comparison
 * always runs over 64 hex characters, whatever their lengths, and it never stops early.
 */
import { platform } from "../runtime/index.ts";
import { HttpError } from "./http-error.ts";

export function constantTimeEqual(a: string, b: string): boolean {
  let diff = a.length ^ b.length;
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) diff |= (a.charCodeAt(i) | 0) ^ (b.charCodeAt(i) | 0);
  return diff === 0;
}

/** Throws 403 when no token is configured (the endpoint is disabled), 401 for a wrong or absent one. */
export async function requireBearer(request: Request, expected: string | undefined): Promise<void> {
  if (!expected) {
    throw new HttpError(403, "TRAIN_DISABLED", "training over HTTP is disabled: start the server with NETSEC_TRAIN_TOKEN set to enable POST /train (clients then send Authorization: Bearer <token>)");
  }
  const header = request.headers.get("authorization") ?? "";
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  const given = match?.[1] ?? "";
  const [a, b] = await Promise.all([platform.sha256(given), platform.sha256(expected)]);
  if (!match || !constantTimeEqual(a, b)) {
    throw new HttpError(401, "UNAUTHORIZED", match ? "the bearer token is not valid" : "send Authorization: Bearer <token> (the value of NETSEC_TRAIN_TOKEN on the server)");
  }
}

/**
 * The same check for an endpoint that is open when no token is configured (/metrics, /feedback
 * with their own tokens): nothing to check without `expected`, else 401 as above.
 */
export async function requireTokenIfSet(request: Request, expected: string | undefined, variable: string): Promise<void> {
  if (!expected) return;
  const header = request.headers.get("authorization") ?? "";
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  const [a, b] = await Promise.all([platform.sha256(match?.[1] ?? ""), platform.sha256(expected)]);
  if (!match || !constantTimeEqual(a, b)) {
    throw new HttpError(401, "UNAUTHORIZED", match ? "the bearer token is not valid" : `send Authorization: Bearer <token> (the value of ${variable} on the server)`);
  }
}
