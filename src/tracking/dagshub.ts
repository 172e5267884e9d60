/**
 * DagsHub's hosted MLflow, configured the way DagsHub's own Python client does it (read from
 * DagsHub/client: dagshub/common/config.py, dagshub/common/init.py, dagshub/common/api/user.py):
 * - host: `DAGSHUB_CLIENT_HOST` (self-hosted DagsHub), default `https://dagshub.com`, no trailing /;
 * - tracking URI `<host>/<owner>/<repo>.mlflow`; owner and repo from `DAGSHUB_REPO_OWNER` and
 *   `DAGSHUB_REPO_NAME` (netsec's names: DagsHub's client takes them as arguments of `init`);
 * - MLflow basic auth with user name = the DagsHub user name and password = the token
 *   (`DAGSHUB_USER_TOKEN`); the user name from `DAGSHUB_USERNAME`, else looked up from the token
 *   with `GET <host>/api/v1/user` and `Authorization: Bearer <token>` (the answer's `username`).
 */
import ky, { HTTPError } from "ky";
import { NetsecError } from "../errors.ts";

export const DAGSHUB_DEFAULT_HOST = "https://dagshub.com";

export interface DagshubSettings {
  host: string;
  owner: string;
  repo: string;
  token: string;
  /** From DAGSHUB_USERNAME; undefined = look it up from the token. */
  username?: string;
}

type Env = (name: string) => string | undefined;

/** The DagsHub variables, or undefined when neither owner nor repo is set. */
export function dagshubSettings(env: Env): DagshubSettings | undefined {
  const owner = env("DAGSHUB_REPO_OWNER")?.trim();
  const repo = env("DAGSHUB_REPO_NAME")?.trim();
  if (!owner && !repo) return undefined;
  if (!owner || !repo) {
    throw new NetsecError("CONFIG_INVALID", `DagsHub needs both DAGSHUB_REPO_OWNER and DAGSHUB_REPO_NAME (only ${owner ? "DAGSHUB_REPO_OWNER" : "DAGSHUB_REPO_NAME"} is set)`);
  }
  const token = env("DAGSHUB_USER_TOKEN")?.trim();
  if (!token) {
    throw new NetsecError("CONFIG_INVALID", "DAGSHUB_REPO_OWNER and DAGSHUB_REPO_NAME are set but DAGSHUB_USER_TOKEN is not: create a token in DagsHub (User settings → Tokens) and export it");
  }
  const rawHost = env("DAGSHUB_CLIENT_HOST")?.trim() || DAGSHUB_DEFAULT_HOST;
  let host: URL;
  try {
    host = new URL(rawHost);
  } catch {
    throw new NetsecError("CONFIG_INVALID", `DAGSHUB_CLIENT_HOST is not a URL: ${JSON.stringify(rawHost)} (expected e.g. https://dagshub.com)`);
  }
  if (!/^https?:$/.test(host.protocol) || host.username || host.password) {
    throw new NetsecError("CONFIG_INVALID", `DAGSHUB_CLIENT_HOST must be an http(s) address without credentials (got ${host.protocol}//${host.host})`);
  }
  return { host: host.toString().replace(/\/+$/, ""), owner, repo, token, username: env("DAGSHUB_USERNAME")?.trim() || undefined };
}

export function dagshubTrackingUri(s: Pick<DagshubSettings, "host" | "owner" | "repo">): string {
  return `${s.host}/${encodeURIComponent(s.owner)}/${encodeURIComponent(s.repo)}.mlflow`;
}

export function dagshubUserUrl(host: string): string {
  return `${host.replace(/\/+$/, "")}/api/v1/user`;
}

/** Why a user look-up failed: `refused` (the token is wrong: stop) or `unreachable` (try later). */
export class DagshubLookupError extends NetsecError {
  readonly kind: "refused" | "unreachable";
  readonly status: number;
  constructor(kind: "refused" | "unreachable", status: number, message: string, cause?: unknown) {
    super("TRACKING_FAILED", message, { cause });
    this.name = "DagshubLookupError";
    this.kind = kind;
    this.status = status;
  }
}

/**
 * The DagsHub user name of `token`, as DagsHub's client finds it (`GET <host>/api/v1/user` with the
 * token as bearer). The token never appears in an error message.
 */
export async function lookupDagshubUser(host: string, token: string, timeoutMs = 15_000): Promise<string> {
  const url = dagshubUserUrl(host);
  const hint = "check DAGSHUB_USER_TOKEN (DagsHub → User settings → Tokens), or set DAGSHUB_USERNAME to your DagsHub user name";
  let body: unknown;
  try {
    body = await ky.get(url, { headers: { authorization: `Bearer ${token}` }, timeout: timeoutMs, retry: { limit: 2, methods: ["get"] } }).json();
  } catch (error) {
    if (error instanceof HTTPError) {
      const status = error.response.status;
      if (status >= 500 || status === 429) {
        throw new DagshubLookupError("unreachable", status, `DagsHub user look-up GET ${url} answered ${status}: cannot find the user name of DAGSHUB_USER_TOKEN now; ${hint}`, error);
      }
      throw new DagshubLookupError("refused", status, `DagsHub user look-up GET ${url} answered ${status}: the token was not accepted, so the MLflow user name (basic auth) is unknown; ${hint}`, error);
    }
    const reason = error instanceof Error ? `${error.message}${error.cause instanceof Error ? ` (${error.cause.message})` : ""}` : String(error);
    throw new DagshubLookupError("unreachable", 0, `DagsHub user look-up GET ${url}: cannot reach the server: ${reason.split(token).join("***")}`, error);
  }
  const record = body && typeof body === "object" ? (body as { username?: unknown; login?: unknown }) : {};
  const name = typeof record.username === "string" && record.username ? record.username : typeof record.login === "string" ? record.login : "";
  if (!name) throw new DagshubLookupError("refused", 200, `DagsHub user look-up GET ${url} answered without a user name (no "username" or "login" field); ${hint}`);
  return name;
}
