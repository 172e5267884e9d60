/**
 * Export a registered model from an MLflow server into a folder `loadModelFile` (and
 * `netsec serve --model-dir`) accept: the `model.json` that version's run logged (as an MLflow
 * model artifact at `model/`), its checksum file, and nothing else. The bytes are checked against
 * the checksum the run's model file had (`JSON.stringify` of our compact model file is canonical,
 * so a parse/serialise round trip gives the same bytes); loading then verifies the rest.
 */
import { platform } from "../runtime/index.ts";
import { NetsecError } from "../errors.ts";
import { MlflowClient } from "../tracking/mlflow.ts";

export interface ExportedModel {
  name: string;
  version: string;
  runId: string;
  dir: string;
  sha256: string;
}

const ARTIFACTS = "api/2.0/mlflow-artifacts/artifacts";

export async function exportRegisteredModel(client: MlflowClient, name: string, alias: string, outDir: string, artifactPath = "model"): Promise<ExportedModel> {
  const version = await client.getModelVersionByAlias(name, alias);
  if (!version) throw new NetsecError("TRACKING_FAILED", `no version of registered model "${name}" has the alias "${alias}" on ${client.uri}`);
  if (!version.run_id) throw new NetsecError("TRACKING_FAILED", `version ${version.version} of "${name}" names no run: cannot find its model file`);
  const run = await client.getRun(version.run_id);
  const root = MlflowClient.artifactRoot(run.info.artifact_uri);
  const path = `${root}/${artifactPath}/model.json`.split("/").map(encodeURIComponent).join("/");
  const json = await client.http.request<unknown>("get", `${ARTIFACTS}/${path}`);
  if (!json || typeof json !== "object" || (json as { format?: unknown }).format !== "netsec-model") {
    throw new NetsecError("MODEL_INVALID", `${artifactPath}/model.json of run ${version.run_id} is not a netsec model file`);
  }
  const text = JSON.stringify(json) + "\n";
  const sha256 = await platform.sha256(text);
  await platform.mkdir(outDir);
  await platform.writeFileAtomic(`${outDir}/model.json`, text);
  await platform.writeFileAtomic(`${outDir}/model.json.sha256`, `${sha256}  model.json\n`);
  return { name, version: version.version, runId: version.run_id, dir: outDir, sha256 };
}
