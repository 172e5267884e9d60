/**
 * `--schema <file>`: the data contract a command works against (train, predict, serve, export).
 * Without it, schema.yaml at the project root, as before; with it, another table (its own columns,
 * continuous features, target name) validates, trains, predicts, serves and exports.
 */
import { loadSchema, type Schema } from "../schema.ts";
import { optionString, type OptionSpec, type ParsedArgs } from "./command.ts";

export const schemaOption: OptionSpec = {
  name: "schema",
  value: "<file>",
  description: "the data contract: columns, dtypes, allowed values, target (default: schema.yaml of the project)",
};

/** The contract `--schema` names, loaded and checked; undefined when the flag is absent (the default applies). */
export async function schemaFromArgs(args: ParsedArgs): Promise<Schema | undefined> {
  const path = optionString(args, "schema");
  return path === undefined ? undefined : await loadSchema(path);
}
