/**
 * Where the gates' defaults come from: the winner of an experiment over several seeds, with the
 * grouped protocol (identical feature vectors on one side of every split) and with the seed's leaky
 * one (rows split one by one). Prints, per seed, the winner, its CV score under both protocols, its
 * test and train score at its threshold and their gap; then min/median/max.
 *
 *   node_modules/deno/deno run -A bench/gates.ts [experiment.yaml] [seeds=10] [data]
 */
import { createReporter, loadExperiment, platform, runPipeline } from "../src/mod.ts";

const [experimentFile = "experiments/default.yaml", seedsText = "10", data] = platform.args();
const base = await loadExperiment(experimentFile);
const rows: Record<string, string | number>[] = [];
for (const grouped of [true, false]) {
  for (let seed = 1; seed <= Number(seedsText); seed++) {
    const experiment = { ...base, seed, split: { ...base.split, group_duplicates: grouped } };
    const dir = await platform.makeTempDir("netsec-gates-");
    const result = await runPipeline({ data, experiment, artifacts: `${dir}/Artifacts`, modelDir: `${dir}/final_model`, reporter: createReporter({ quiet: true }) });
    const t = result.trainer!, e = result.evaluation!;
    rows.push({
      protocol: grouped ? "grouped" : "leaky",
      seed,
      winner: t.search.best.family,
      cvGrouped: t.search.protocols.grouped?.meanScore ?? NaN,
      cvLeaky: t.search.protocols.leaky?.meanScore ?? NaN,
      test: e.testScore,
      train: e.trainScore,
      gap: e.trainScore - e.testScore,
      threshold: e.threshold,
    });
    platform.stderrWrite(JSON.stringify(rows.at(-1)) + "\n");
  }
}
const fmt = (v: string | number) => (typeof v === "number" ? v.toFixed(4) : v);
const lines: string[] = [];
lines.push(["protocol", "seed", "winner", "cvGrouped", "cvLeaky", "test", "train", "gap", "threshold"].join("\t"));
for (const r of rows) lines.push(Object.values(r).map(fmt).join("\t"));
for (const protocol of ["grouped", "leaky"]) {
  const of = rows.filter((r) => r.protocol === protocol);
  for (const key of ["test", "gap"]) {
    const v = of.map((r) => r[key] as number).sort((a, b) => a - b);
    lines.push(`${protocol} ${key}: min ${fmt(v[0])}, median ${fmt(v[Math.floor(v.length / 2)])}, max ${fmt(v[v.length - 1])}`);
  }
}
platform.stdoutWrite(lines.join("\n") + "\n");
