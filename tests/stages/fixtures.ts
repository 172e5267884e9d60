/** Small, generated CSV files in the seed's format for the stage tests (never the real dataset). */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { readFileSync } from "node:fs";
import { ROOT, tempDir } from "../helpers/env.ts";
import { createReporter, type Reporter } from "../../src/reporter.ts";
import { parseExperiment, type Experiment } from "../../src/experiment.ts";

interface SchemaYaml {
  features: { name: string; allowed: number[] }[];
  target: { name: string; allowed: number[] };
}

const schemaYaml = parse(readFileSync(join(ROOT, "schema.yaml"), "utf8")) as SchemaYaml;
export const FEATURES = schemaYaml.features.map((f) => f.name);
export const COLUMNS = [...FEATURES, schemaYaml.target.name];
const ALLOWED = [...schemaYaml.features.map((f) => f.allowed), schemaYaml.target.allowed];

/** `rows` valid rows: cell (r, c) cycles through the column's allowed values (deterministic). */
export function validRows(rows: number, offset = 0): number[][] {
  return Array.from({ length: rows }, (_, r) => ALLOWED.map((allowed, c) => allowed[((r + offset) * (c + 3) + c) % allowed.length]));
}

export function csvText(columns: readonly string[], rows: (number | string)[][]): string {
  return columns.map((c) => `"${c}"`).join(",") + "\n" + rows.map((r) => r.join(",")).join("\n") + "\n";
}

export interface Workspace {
  dir: string;
  artifacts: string;
  /** The model folder of this workspace (never the repository's final_model/). */
  modelDir: string;
  write(name: string, text: string | Uint8Array): string;
}

export function workspace(): Workspace {
  const dir = tempDir("netsec-stages-");
  const artifacts = join(dir, "Artifacts");
  mkdirSync(artifacts, { recursive: true });
  return {
    dir,
    artifacts,
    modelDir: join(dir, "final_model"),
    write(name, text) {
      const path = join(dir, name);
      writeFileSync(path, text);
      return path;
    },
  };
}

export function experiment(overrides: { max_invalid_share?: number; fail_on_drift?: boolean; test_ratio?: number } = {}): Experiment {
  return parseExperiment(JSON.stringify({
    name: "stage-tests",
    seed: 42,
    split: { test_ratio: overrides.test_ratio ?? 0.25 },
    validation: { max_invalid_share: overrides.max_invalid_share ?? 0.01, drift_p_value: 0.05, fail_on_drift: overrides.fail_on_drift ?? false },
    transform: { knn_neighbors: 3 },
    search: { candidates: [{ family: "logistic_regression" }] },
  }));
}

export function quietReporter(): Reporter {
  return createReporter({ quiet: true });
}
