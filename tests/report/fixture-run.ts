/**
 * A small real run folder for the report tests: the pipeline itself on 600 generated rows
 * (features uniform over their allowed values, the label from a rule on four of them with 8 % flipped, every tenth row
 * a copy of an earlier one and one feature vector with both labels), a two-candidate search. Not
 * the dataset: seconds, and every stage file a real run writes.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadSchema } from "../../src/schema.ts";
import { parseExperiment } from "../../src/experiment.ts";
import { createReporter } from "../../src/reporter.ts";
import { runDataPipeline, runPipeline, type PipelineResult } from "../../src/pipeline.ts";

const EXPERIMENT = `name: fixture
seed: 7
search:
  folds: 3
  workers: 0
  candidates:
    - family: hist_gbt
      grid: { n_estimators: [20], learning_rate: [0.3] }
    - family: logistic_regression
`;

/** The generated CSV (the seed's format: quoted header). */
export async function writeFixtureData(dir: string, rows = 600, edit?: (csv: string) => string): Promise<string> {
  const schema = await loadSchema();
  const features = schema.featureNames.length;
  let s = 12345;
  const next = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
  const lines: string[] = [];
  const made: number[][] = [];
  for (let r = 0; r < rows; r++) {
    let row: number[];
    if (r % 10 === 9) row = [...made[Math.floor(next() * made.length)]];
    else {
      const x = schema.features.map((f) => f.allowed![Math.floor(next() * f.allowed!.length)]);
      const score = x[0] + x[5] + x[7] - x[13] + (next() - 0.5);
      const label = (score > 0) !== (next() < 0.08) ? 1 : -1;
      row = [...x, label];
    }
    made.push(row);
    lines.push(row.join(","));
  }
  // one feature vector with both labels
  lines.push([...made[3].slice(0, features), -made[3][features]].join(","));
  const path = join(dir, "fixture.csv");
  const csv = `${schema.columns.map((c) => `"${c}"`).join(",")}\n${lines.join("\n")}\n`;
  writeFileSync(path, edit ? edit(csv) : csv);
  return path;
}

export interface FixtureOptions {
  /** Only the data stages (a run that stopped after validation and transformation). */
  dataOnly?: boolean;
  /** Change the generated CSV text before the run reads it (e.g. one bad cell). */
  edit?: (csv: string) => string;
}

/** A run folder under `<dir>/Artifacts` made by the pipeline; returns the result (its folder is `result.run.dir`). */
export async function runFixture(dir: string, options: FixtureOptions = {}): Promise<PipelineResult> {
  const data = await writeFixtureData(dir, 600, options.edit);
  const pipelineOptions = { data, experiment: parseExperiment(EXPERIMENT, "fixture.yaml"), artifacts: join(dir, "Artifacts"), modelDir: join(dir, "final_model"), reporter: createReporter({ quiet: true }) };
  return options.dataOnly ? await runDataPipeline(pipelineOptions) : await runPipeline(pipelineOptions);
}

/** The run folder of `runFixture`. */
export async function writeFixtureRun(dir: string, options: FixtureOptions = {}): Promise<string> {
  return (await runFixture(dir, options)).run.dir;
}
