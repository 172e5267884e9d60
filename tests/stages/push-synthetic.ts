/**
 * Push a small synthetic model into a model folder (each seed a different model.json): shared by
 * the push tests under vitest, and run as a Deno program by them to push from a second process:
 *   deno run -A tests/stages/push-synthetic.ts <modelDir> <first seed> <pushes>
 * which prints one line per push: "pushed <version>".
 */
import { runPush, type PushArtifacts } from "../../src/stages/push.ts";
import { Preprocessor } from "../../src/models/preprocessor.ts";
import { createFrame } from "../../src/data/frame.ts";
import { createModel } from "../../src/models/registry.ts";
import { parseExperiment } from "../../src/experiment.ts";
import { decidePush } from "../../src/stages/gates.ts";
import { loadSchema, type Schema } from "../../src/schema.ts";
import type { Reporter } from "../../src/reporter.ts";
import { syntheticData } from "../models/synthetic.ts";

/** A fitted synthetic model and what runPush needs with it (fitting apart from pushing). */
export function syntheticPushInput(schema: Schema, seed: number): Parameters<typeof runPush>[0] {
  const { x, y } = syntheticData(200, 30, seed + 1);
  const values = new Float64Array(200 * 31);
  for (let r = 0; r < 200; r++) {
    values.set(x.values.subarray(r * 30, r * 30 + 30), r * 31);
    values[r * 31 + 30] = schema.targetValue(y[r]);
  }
  const model = createModel("hist_forest", { n_estimators: 2, seed: seed + 1 });
  model.fit(x, y);
  const decision = decidePush({ scoring: "f1", testScore: 0.9, trainScore: 0.9, gates: EXPERIMENT.gates, force: true });
  return { model, preprocessor: Preprocessor.fit(createFrame(schema.columns, 200, values), schema, { k: 3 }), metrics: { f1: 0.9 }, cv: { meanScore: 0.9, stdScore: 0, folds: 3 }, dataFingerprint: String(seed), decision };
}

const EXPERIMENT = parseExperiment("name: t\nsearch:\n  candidates:\n    - family: hist_forest\n");

export async function pushSynthetic(modelDir: string, schema: Schema, seed: number, reporter?: Reporter): Promise<PushArtifacts> {
  return await pushPrepared(modelDir, schema, syntheticPushInput(schema, seed), reporter);
}

function pushPrepared(modelDir: string, schema: Schema, input: Parameters<typeof runPush>[0], reporter?: Reporter): Promise<PushArtifacts> {
  return runPush(input, { experiment: { name: EXPERIMENT.name, seed: EXPERIMENT.seed, scoring: EXPERIMENT.search.scoring }, schema, modelDir, reporter });
}

// deno-lint-ignore no-explicit-any
const deno = (globalThis as any).Deno;
if (deno && (import.meta as { main?: boolean }).main) {
  // Fit every model first, then wait for the go file (both processes start pushing together),
  // then push them back to back.
  const [modelDir, first, count, go] = deno.args as string[];
  const schema = await loadSchema();
  const inputs = Array.from({ length: Number(count) }, (_, i) => syntheticPushInput(schema, Number(first) + i));
  console.log("ready");
  while (go) {
    try {
      await deno.stat(go);
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 5));
    }
  }
  for (const input of inputs) console.log(`pushed ${(await pushPrepared(modelDir, schema, input)).version}`);
}
