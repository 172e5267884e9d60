/**
 * Where runs are tracked, read from the same environment variables MLflow's own clients use
 * (MLFLOW_TRACKING_URI, _USERNAME/_PASSWORD, _TOKEN, MLFLOW_EXPERIMENT_NAME, …) plus DagsHub's
 * (DAGSHUB_CLIENT_HOST, DAGSHUB_USER_TOKEN, DAGSHUB_USERNAME; see dagshub.ts). No tracking URI → `undefined`: the caller records runs locally and needs no server.
 * Credentials are kept out of every string this module returns (see `redact`).
 */
import { NetsecError } from "../errors.ts";
import { dagshubSettings, dagshubTrackingUri } from "./dagshub.ts";

export type TrackingAuth =
  | { kind: "none" }
  | { kind: "basic"; username: string; password: string }
  | { kind: "bearer"; token: string }
  /** DagsHub: basic auth `<username>:<token>`; without a user name it is looked up from the token (dagshub.ts). */
  | { kind: "dagshub"; host: string; token: string; username?: string };

export interface TrackingConfig {
  /** Base URI without trailing slash and without credentials, e.g. http://127.0.0.1:5055 */
  uri: string;
  auth: TrackingAuth;
  experimentName: string;
  /** Where the URI came from, for messages. */
  source: "MLFLOW_TRACKING_URI" | "DAGSHUB";
  /** Notes for the user about settings that were read but act elsewhere (TLS). */
  warnings: string[];
}

export const DEFAULT_EXPERIMENT = "netsec";

type Env = (name: string) => string | undefined;

function truthy(value: string | undefined): boolean {
  return value !== undefined && ["1", "true", "yes", "on"].includes(value.trim().toLowerCase());
}

/**
 * Reads the tracking settings. Precedence: MLFLOW_TRACKING_URI, else the DagsHub variables.
 * Credentials: MLFLOW_TRACKING_TOKEN (bearer) wins over USERNAME/PASSWORD (basic), like mlflow's
 * Python client; user:password inside the URI is moved into basic auth and stripped from the URI.
 */
export function resolveTrackingConfig(env: Env): TrackingConfig | undefined {
  const warnings: string[] = [];
  const experimentName = env("MLFLOW_EXPERIMENT_NAME")?.trim() || DEFAULT_EXPERIMENT;
  let uri = env("MLFLOW_TRACKING_URI")?.trim();
  let source: TrackingConfig["source"] = "MLFLOW_TRACKING_URI";
  let auth: TrackingAuth = { kind: "none" };

  const dagshub = uri ? undefined : dagshubSettings(env);
  if (dagshub) {
    // As DagsHub's client sets MLflow up: <host>/<owner>/<repo>.mlflow, basic auth user name + token.
    uri = dagshubTrackingUri(dagshub);
    source = "DAGSHUB";
    auth = { kind: "dagshub", host: dagshub.host, token: dagshub.token, username: dagshub.username };
  }
  if (!uri) return undefined;
  if (uri.startsWith("file:") || uri.startsWith("databricks") || !/^https?:\/\//i.test(uri)) {
    throw new NetsecError("CONFIG_INVALID", `MLFLOW_TRACKING_URI must be an http(s) address of an MLflow tracking server (got ${JSON.stringify(redactUri(uri))}); unset it to record runs locally`);
  }
  let parsed: URL;
  try {
    parsed = new URL(uri);
  } catch {
    throw new NetsecError("CONFIG_INVALID", `MLFLOW_TRACKING_URI is not a valid URL: ${JSON.stringify(redactUri(uri))}`);
  }
  if (parsed.username || parsed.password) {
    auth = { kind: "basic", username: decodeURIComponent(parsed.username), password: decodeURIComponent(parsed.password) };
    parsed.username = "";
    parsed.password = "";
  }
  const token = env("MLFLOW_TRACKING_TOKEN")?.trim();
  const user = env("MLFLOW_TRACKING_USERNAME");
  const password = env("MLFLOW_TRACKING_PASSWORD");
  if (token && source !== "DAGSHUB") auth = { kind: "bearer", token };
  else if (source !== "DAGSHUB" && (user !== undefined || password !== undefined)) {
    if (!user || password === undefined) {
      throw new NetsecError("CONFIG_INVALID", "MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD must be set together for basic auth");
    }
    auth = { kind: "basic", username: user, password };
  }
  if (truthy(env("MLFLOW_TRACKING_INSECURE_TLS"))) {
    warnings.push(
      "MLFLOW_TRACKING_INSECURE_TLS is set: netsec does not switch TLS verification off by itself. Under Deno run with " +
        `--unsafely-ignore-certificate-errors=${parsed.hostname}; under Node set NODE_TLS_REJECT_UNAUTHORIZED=0 (both for testing only). ` +
        "For a private CA prefer MLFLOW_TRACKING_SERVER_CERT_PATH.",
    );
  }
  const certPath = env("MLFLOW_TRACKING_SERVER_CERT_PATH")?.trim();
  if (certPath && env("DENO_CERT") !== certPath && env("NODE_EXTRA_CA_CERTS") !== certPath) {
    warnings.push(`MLFLOW_TRACKING_SERVER_CERT_PATH=${certPath}: export DENO_CERT (Deno) or NODE_EXTRA_CA_CERTS (Node) with the same path so the runtime trusts it`);
  }
  return { uri: parsed.toString().replace(/\/+$/, ""), auth, experimentName, source, warnings };
}

/** The secrets of a config, longest first (so a token inside a longer string is still found). */
export function secretsOf(auth: TrackingAuth): string[] {
  // A user name is redacted only when it looks like a token (someone put the token there).
  const user = auth.kind === "basic" && auth.username.length >= 16 ? [auth.username] : [];
  const list = auth.kind === "basic"
    ? [auth.password, ...user, basicToken(auth.username, auth.password)]
    : auth.kind === "bearer"
      ? [auth.token]
      : auth.kind === "dagshub"
        ? [auth.token, ...(auth.username ? [basicToken(auth.username, auth.token)] : [])]
        : [];
  return list.filter((s) => s.length >= 4).sort((a, b) => b.length - a.length);
}

/** Replace every credential in `text` by `***` (passwords, tokens, token-like user names, base64 basic credentials). */
export function redact(text: string, auth: TrackingAuth): string {
  let out = redactUri(text);
  for (const secret of secretsOf(auth)) out = out.split(secret).join("***");
  return out;
}

/** Strip `user:password@` from any URL inside a string. */
export function redactUri(text: string): string {
  return text.replace(/(https?:\/\/)[^/@\s]+@/gi, "$1***@");
}

/** The Authorization header for a config, if any (DagsHub: once the user name is known). */
export function authorizationHeader(auth: TrackingAuth): string | undefined {
  if (auth.kind === "basic") return `Basic ${basicToken(auth.username, auth.password)}`;
  if (auth.kind === "dagshub") return auth.username ? `Basic ${basicToken(auth.username, auth.token)}` : undefined;
  if (auth.kind === "bearer") return `Bearer ${auth.token}`;
  return undefined;
}

/** base64 of `user:password` in UTF-8, as HTTP basic auth sends it. */
function basicToken(username: string, password: string): string {
  let binary = "";
  for (const byte of new TextEncoder().encode(`${username}:${password}`)) binary += String.fromCharCode(byte);
  return btoa(binary);
}
