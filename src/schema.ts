/**
 * The data contract (schema.yaml): parsed with zod into a typed `Schema`. A malformed schema is a
 * `NetsecError("SCHEMA_INVALID")` naming the file and the offending key.
 */
import { z } from "zod";
import { parse as parseYaml } from "yaml";
import { platform } from "./runtime/index.ts";
import { NetsecError } from "./errors.ts";

const dtype = z.enum(["int", "float"]);

const featureSpec = z.object({
  name: z.string().min(1),
  dtype,
  allowed: z.array(z.number()).min(1).optional(),
  description: z.string().optional(),
  nullable: z.boolean().default(true),
}).strict();

const targetSpec = z.object({
  name: z.string().min(1),
  dtype,
  allowed: z.array(z.number()).length(2, "a binary target needs exactly two allowed values"),
  labels: z.record(z.string(), z.string()),
  positive: z.number(),
}).strict();

const schemaFile = z.object({
  version: z.literal(1),
  name: z.string().min(1),
  features: z.array(featureSpec).min(1),
  target: targetSpec,
}).strict().superRefine((s, ctx) => {
  const seen = new Set<string>();
  for (const [i, f] of s.features.entries()) {
    if (seen.has(f.name)) ctx.addIssue({ code: "custom", path: ["features", i, "name"], message: `duplicate column "${f.name}"` });
    seen.add(f.name);
  }
  if (seen.has(s.target.name)) ctx.addIssue({ code: "custom", path: ["target", "name"], message: `target "${s.target.name}" is also listed as a feature` });
  if (!s.target.allowed.includes(s.target.positive)) {
    ctx.addIssue({ code: "custom", path: ["target", "positive"], message: `positive class ${s.target.positive} is not one of the allowed target values [${s.target.allowed.join(", ")}]` });
  }
  for (const value of s.target.allowed) {
    if (s.target.labels[String(value)] === undefined) {
      ctx.addIssue({ code: "custom", path: ["target", "labels"], message: `no label for target value ${value}` });
    }
  }
});

export type FeatureSpec = z.infer<typeof featureSpec>;
export type TargetSpec = z.infer<typeof targetSpec>;
type SchemaFile = z.infer<typeof schemaFile>;

export interface Schema extends SchemaFile {
  /** Feature names in contract order. */
  featureNames: string[];
  /** Feature names followed by the target name: the full column order of a training file. */
  columns: string[];
  /** sha256 of the canonical JSON of the contract (comments and key order do not matter). */
  hash: string;
  /** Where it was loaded from (for messages). */
  source: string;
  /** Model class index (0/1) of a target value; the seed maps -1→0 and 1→1 (sorted order). */
  classIndex(targetValue: number): 0 | 1;
  /** Target value of a model class index. */
  targetValue(classIndex: number): number;
  /** Model class index of the positive class. */
  positiveIndex: 0 | 1;
  labelOf(targetValue: number): string;
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => a < b ? -1 : 1);
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** Parse a schema from YAML text; `source` names the file in error messages. */
export async function parseSchema(text: string, source = "schema.yaml"): Promise<Schema> {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    throw new NetsecError("SCHEMA_INVALID", `${source}: not valid YAML: ${(error as Error).message}`, { cause: error, location: { file: source } });
  }
  const parsed = schemaFile.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.slice(0, 5).map((issue) => `${issue.path.join(".") || "(top level)"}: ${issue.message}`);
    throw new NetsecError("SCHEMA_INVALID", `${source} is not a valid data contract:\n  ${problems.join("\n  ")}`, { location: { file: source } });
  }
  const file = parsed.data;
  const sortedTarget = [...file.target.allowed].sort((a, b) => a - b);
  const hash = await platform.sha256(canonicalJson(file));
  return {
    ...file,
    featureNames: file.features.map((f) => f.name),
    columns: [...file.features.map((f) => f.name), file.target.name],
    hash,
    source,
    classIndex: (value) => (value === sortedTarget[0] ? 0 : 1),
    targetValue: (index) => sortedTarget[index === 0 ? 0 : 1],
    positiveIndex: file.target.positive === sortedTarget[0] ? 0 : 1,
    labelOf: (value) => file.target.labels[String(value)] ?? String(value),
  };
}

/** Load and check schema.yaml (default: the one at the repository root). */
export async function loadSchema(path = `${platform.projectRoot()}/schema.yaml`): Promise<Schema> {
  const info = await platform.stat(path);
  if (!info?.isFile) throw new NetsecError("FILE_NOT_FOUND", `schema file not found: ${path}`, { location: { file: path } });
  return parseSchema(await platform.readTextFile(path), path);
}
