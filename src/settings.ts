/**
 * Where a run reads and writes, resolved once, the same way for `netsec train` and a notebook
 * session: what the caller gives (CLI options, `session({...})` arguments), else the environment
 * (`NETSEC_DATA`, `NETSEC_ARTIFACTS`, `NETSEC_MODEL_DIR`, `NETSEC_STATE_DIR`, `NETSEC_EXPERIMENT`),
 * else the defaults under a base folder (the CLI: the working directory; a session: the project
 * folder above the notebook, so both use the same Artifacts/, final_model/ and .netsec/).
 */
import { platform } from "./runtime/index.ts";
import { DEFAULT_EXPERIMENT } from "./experiment.ts";

export interface Settings {
  /** The training data (CSV or ARFF path, mongodb:// URI); undefined = the default dataset, fetched when missing. */
  data?: string;
  /** Where run folders go. */
  artifacts: string;
  /** Where accepted models are pushed. */
  modelDir: string;
  /** The local run log and the tracking outbox (`netsec runs`, `netsec sync`). */
  stateDir: string;
  /** The experiment file. */
  experiment: string;
  /** An earlier run folder: drift of the new data against it. */
  reference?: string;
}

export type SettingsInput = Partial<Settings>;

export const SETTINGS_ENV = {
  data: "NETSEC_DATA",
  artifacts: "NETSEC_ARTIFACTS",
  modelDir: "NETSEC_MODEL_DIR",
  stateDir: "NETSEC_STATE_DIR",
  experiment: "NETSEC_EXPERIMENT",
} as const;

export interface ResolveOptions {
  /** Folder the defaults live in ("" = relative to the working directory, as the CLI prints them). */
  base: string;
  env?: (name: string) => string | undefined;
}

/**
 * An experiment given by name ("fast") is `experiments/fast.yaml` of the project; a path stays a
 * path (relative to the working directory).
 */
export function experimentPath(name: string): string {
  if (/[/\\]|\.ya?ml$/i.test(name)) return name;
  return `${platform.projectRoot()}/experiments/${name}.yaml`;
}

export function resolveSettings(given: SettingsInput, options: ResolveOptions): Settings {
  const env = options.env ?? ((name: string) => platform.env(name));
  const pick = (key: keyof typeof SETTINGS_ENV) => given[key] ?? (env(SETTINGS_ENV[key]) || undefined);
  const at = (name: string) => (options.base ? `${options.base}/${name}` : name);
  const experiment = pick("experiment");
  return {
    data: pick("data"),
    artifacts: pick("artifacts") ?? at("Artifacts"),
    modelDir: pick("modelDir") ?? at("final_model"),
    stateDir: pick("stateDir") ?? at(".netsec"),
    experiment: experiment ? experimentPath(experiment) : DEFAULT_EXPERIMENT,
    reference: given.reference,
  };
}

/**
 * The project folder a notebook belongs to: the nearest folder at or above the working directory
 * holding a deno.json or package.json (a kernel runs in notebooks/), else the working directory.
 */
export async function workspaceRoot(): Promise<string> {
  const start = platform.cwd();
  for (let dir = start; ;) {
    for (const marker of ["deno.json", "package.json"]) if ((await platform.stat(`${dir}/${marker}`))?.isFile) return dir;
    const up = dir.replace(/\/[^/]*$/, "");
    if (up === dir || up === "") return start;
    dir = up;
  }
}
