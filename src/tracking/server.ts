/**
 * What the tracking server at hand accepts, so one client works with MLflow 2.7 (DagsHub's
 * hosted MLflow) and MLflow 3.x. Read from MLflow's sources (mlflow/utils/validation.py of 2.7.1
 * and 3.17.2, the REST routes in mlflow/protos/service.proto and model_registry.proto) and
 * checked against both servers running here:
 *
 * | | 2.7.1 | ≥ 2.8 (3.17.2) |
 * |---|---|---|
 * | param value | 500 characters; a longer one fails the whole log-batch (400 INVALID_PARAMETER_VALUE) | 6000 (a longer one is cut silently) |
 * | run / registry tag value | 5000 | 8000 |
 * | `GET /version` | "2.7.1" | "3.17.2" |
 * | runs/log-inputs, registered-models/alias, model-versions/set-tag | yes | yes |
 * | logged-models (MLflow 3) | no (404) | yes |
 *
 * A server whose version cannot be read (a proxy that does not pass /version) is treated as the
 * oldest we know: 500 / 5000, no MLflow 3 endpoints.
 */
export interface ServerInfo {
  /** "2.7.1", or undefined when /version could not be read. */
  version?: string;
  /** Longest param value the server takes, in characters (Python `len`). */
  paramValueMax: number;
  /** Longest run or model-version tag value, in characters. */
  tagValueMax: number;
  /** MLflow 3 logged-model endpoints (`/api/2.0/mlflow/logged-models`). The logged model and the registered version made from it (apply.ts). */
  loggedModels: boolean;
}

const OLDEST: ServerInfo = { paramValueMax: 500, tagValueMax: 5000, loggedModels: false };

function parseVersion(text: string): [number, number] | undefined {
  const m = /^\s*(\d+)\.(\d+)/.exec(text);
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

/** What a server of `version` accepts (the oldest limits when the version is unknown). */
export function serverInfoFor(version: string | undefined): ServerInfo {
  const parsed = version ? parseVersion(version) : undefined;
  if (!parsed) return { ...OLDEST };
  const [major, minor] = parsed;
  const atLeast = (a: number, b: number) => major > a || (major === a && minor >= b);
  return {
    version: version!.trim(),
    paramValueMax: atLeast(2, 8) ? 6000 : 500,
    tagValueMax: atLeast(2, 8) ? 8000 : 5000,
    loggedModels: atLeast(3, 0),
  };
}

/** Length as the server counts it (Python's len: code points). */
export function charLength(value: string): number {
  let n = 0;
  for (const _ of value) n++;
  return n;
}

/** The first `max` code points of `value`. */
export function firstChars(value: string, max: number): string {
  let out = "";
  let n = 0;
  for (const ch of value) {
    if (n++ >= max) break;
    out += ch;
  }
  return out;
}
