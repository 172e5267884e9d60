/**
 * Registering a model version so that the alias `champion` always names the model that is served
 * (the one in final_model/). Each version carries tags `netsec.sha256` (of model.json),
 * `netsec.model_version` (final_model's version number) and `netsec.data_digest`, and a
 * description with its test metrics. The alias only moves forward: to a version whose
 * `netsec.model_version` is higher than the current champion's, so replaying an older run
 * (`netsec sync --local`) registers its version without taking the alias from a newer push.
 *
 * A registry that is missing (404: DagsHub's hosted MLflow, DagsHub/client#629), switched off or
 * refused (403) becomes `RegistryUnavailableError`: a warning, the run itself is complete.
 */
import { MlflowHttpError } from "./http.ts";
import type { MlflowClient, ModelVersion } from "./mlflow.ts";
import type { KeyValue } from "./validate.ts";

export const SHA256_TAG = "netsec.sha256";
export const MODEL_VERSION_TAG = "netsec.model_version";
export const DATA_DIGEST_TAG = "netsec.data_digest";

export class RegistryUnavailableError extends MlflowHttpError {
  readonly registryUnavailable = true;
  constructor(message: string, status: number, cause: unknown) {
    super(message, status, "REGISTRY_UNAVAILABLE", cause);
    this.name = "RegistryUnavailableError";
    // never transient, even after a 5xx that said "not supported": replaying gets the same answer
    Object.defineProperty(this, "transient", { value: false });
  }
}

/** Answers that mean "this server has no (usable) model registry", not "try again". */
export function registryMissing(error: unknown): error is MlflowHttpError {
  if (!(error instanceof MlflowHttpError)) return false;
  if (error.status === 404 && error.errorCode !== "RESOURCE_DOES_NOT_EXIST") return true;
  if (error.status === 501 || error.status === 403) return true;
  if (error.errorCode === "FEATURE_DISABLED" || error.errorCode === "ENDPOINT_NOT_FOUND") return true;
  return /registry[^.]*not (supported|available|enabled)/i.test(error.message);
}

export interface RegisterInput {
  name: string;
  source: string;
  runId: string;
  tags: KeyValue[];
  description?: string;
  alias?: string;
  /** final_model's version number of this model; without it the alias is set unconditionally. */
  modelVersion?: number;
  /** Look for a version from the same run and source before creating one (replays). */
  replay: boolean;
  /** Create nothing when the alias already names a version with this `netsec.sha256`. */
  unlessAliasSha?: string;
  /** MLflow 3: the logged model the version is made from (its "Logged models" link). */
  modelId?: string;
}

export interface RegisterResult {
  version: string;
  /** Where the alias points after this call (undefined: no alias asked). */
  aliasVersion?: string;
  aliasMoved: boolean;
}

function tagOf(v: ModelVersion | undefined, key: string): string | undefined {
  return v?.tags?.find((t) => t.key === key)?.value;
}

/**
 * Create (or find) the version and move the alias forward. `checked` runs the non-idempotent
 * create with a look at the server after an ambiguous failure (apply.ts).
 */
export async function registerVersion(
  client: MlflowClient,
  input: RegisterInput,
  warn: (message: string) => void,
  checked: <T>(call: () => Promise<T>, recover: () => Promise<T | undefined>) => Promise<T>,
): Promise<RegisterResult> {
  const where = `the model registry of ${client.uri}`;
  const unavailable = (error: unknown): never => {
    if (registryMissing(error)) {
      throw new RegistryUnavailableError(
        `${where} is not available (${error.status}${error.errorCode ? ` ${error.errorCode}` : ""}: ${error.message.slice(0, 300)}). ` +
          `The run is complete and its model is logged as an artifact (${input.source}); no version of "${input.name}" was registered` +
          (input.alias ? ` and the alias "${input.alias}" was not moved` : "") +
          ". DagsHub's hosted MLflow has been seen answering 404 here.",
        error.status,
        error,
      );
    }
    throw error;
  };
  try {
    await client.ensureRegisteredModel(input.name);
    if (input.unlessAliasSha && input.alias) {
      const current = await client.getModelVersionByAlias(input.name, input.alias);
      if (current && tagOf(current, SHA256_TAG) === input.unlessAliasSha) return { version: current.version, aliasVersion: current.version, aliasMoved: false };
    }
    const filter = `name='${input.name.replaceAll("'", "\\'")}'`;
    const findExisting = async () => (await client.searchModelVersions(filter)).find((v) => v.run_id === input.runId && v.source === input.source);
    const existing = input.replay ? await findExisting() : undefined;
    const version = existing ?? (await checked(() => client.createModelVersion(input.name, input.source, input.runId, input.tags, input.description, input.modelId), findExisting));
    if (existing || !version.tags?.length) {
      // Found again (replay), or created by a server that dropped the tags: make sure they are there.
      const have = existing ? await client.getModelVersion(input.name, version.version) : version;
      for (const t of input.tags) if (tagOf(have, t.key) !== t.value) await client.setModelVersionTag(input.name, version.version, t.key, t.value);
      if (input.description && !have.description) await client.updateModelVersion(input.name, version.version, input.description);
    }
    if (!input.alias) return { version: version.version, aliasMoved: false };
    if (input.modelVersion === undefined) {
      await client.setAlias(input.name, input.alias, version.version);
      return { version: version.version, aliasVersion: version.version, aliasMoved: true };
    }
    const current = await client.getModelVersionByAlias(input.name, input.alias);
    if (current?.version === version.version) return { version: version.version, aliasVersion: version.version, aliasMoved: false };
    const currentNumber = Number(tagOf(current, MODEL_VERSION_TAG));
    if (!current || !Number.isFinite(currentNumber) || input.modelVersion > currentNumber) {
      await client.setAlias(input.name, input.alias, version.version);
      return { version: version.version, aliasVersion: version.version, aliasMoved: true };
    }
    warn(
      `registered "${input.name}" version ${version.version} (final_model version ${input.modelVersion}) without moving "${input.alias}": ` +
        `it stays at version ${current.version} (final_model version ${currentNumber}), a newer push. ` +
        `If final_model was reset, move the alias by hand (MLflow UI, or POST registered-models/alias).`,
    );
    return { version: version.version, aliasVersion: current.version, aliasMoved: false };
  } catch (error) {
    if (error instanceof RegistryUnavailableError) throw error;
    return unavailable(error);
  }
}
