/**
 * Reading the monitoring reference of a model set: `<model dir>/reference.json` through the set's
 * `current` link (the same set the model was loaded from). Absent in sets pushed before netsec
 * wrote one: then undefined, and monitoring says the model has no reference.
 */
import { platform } from "../runtime/index.ts";
import { NetsecError } from "../errors.ts";
import { modelSetDir } from "../models/model-file.ts";
import { parseReference, type MonitorReference } from "./reference.ts";

export const REFERENCE_FILE = "reference.json";

/** The reference of the set `dir` serves, undefined when it has none; a damaged one throws MODEL_INVALID. */
export async function loadReference(dir: string, features?: readonly string[]): Promise<MonitorReference | undefined> {
  const file = `${await modelSetDir(dir)}/${REFERENCE_FILE}`;
  if (!(await platform.stat(file))?.isFile) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(await platform.readTextFile(file));
  } catch (error) {
    throw new NetsecError("MODEL_INVALID", `${file} is not valid JSON (${(error as Error).message})`, { cause: error, location: { file } });
  }
  return parseReference(value, file, features);
}
