/**
 * `netsec predict --input x.csv --output y.csv`: the command around `predictFile`
 * (src/predict/predict-file.ts), which streams the file chunk by chunk.
 */
import type { Command } from "./command.ts";
import { optionFlag, optionString } from "./command.ts";
import { platform } from "../runtime/index.ts";
import { NetsecError } from "../errors.ts";
import { predictFile } from "../predict/predict-file.ts";
import { parseThreshold } from "../models/model-file.ts";
import { schemaFromArgs, schemaOption } from "./schema-option.ts";

/** `--workers`: "auto" (default) = one per core, 0 = none, n = n — as `search.workers` in an experiment. */
function workerCount(value: string | undefined): number | undefined {
  if (value === undefined || value === "auto") return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new NetsecError("USAGE", `--workers must be auto or a whole number ≥ 0, got ${JSON.stringify(value)}`);
  return n;
}

export const predictCommand: Command = {
  name: "predict",
  summary: "score a CSV with the pushed model (adds prediction and probability columns)",
  options: [
    { name: "input", value: "<csv>", description: "rows to score: the schema's feature columns (target optional)", required: true },
    { name: "output", value: "<csv>", description: "where to write the input columns + prediction + probability", required: true },
    { name: "model-dir", value: "<dir>", description: "the pushed model", default: "final_model" },
    schemaOption,
    { name: "skip-invalid", description: "write bad rows to <output>.invalid.csv with a reason instead of stopping" },
    { name: "workers", value: "<n>", description: "worker threads scoring chunks while the next one is read (auto: one per core, the default; 0: none)" },
    { name: "explain", description: "add contribution:<feature> columns and contribution:base: why each row got its score" },
    { name: "threshold", value: "<t>", description: "predict phishing when P(phishing) ≥ t (default: the model's threshold, manifest.json)" },
    { name: "json", description: "print a JSON summary as the last line of stdout" },
  ],
  details: `
prediction is a target value (e.g. -1 phishing, 1 legitimate): the positive class when its
probability is ≥ the threshold chosen at training (manifest.json; --threshold overrides it);
probability is that of the positive class named in schema.yaml. With --explain, each row also gets
one contribution:<feature> column per feature and contribution:base; they add up to the model's raw
output for the positive class: the log-odds of phishing for hist_gbt and logistic_regression, the
probability of phishing for hist_forest (TreeSHAP for trees, exact linear terms for the
regression). The input is streamed in chunks, so file size does not matter.`,
  async run({ args, reporter }) {
    const input = optionString(args, "input");
    const output = optionString(args, "output");
    if (!input || !output) throw new NetsecError("USAGE", "predict needs --input <csv> and --output <csv>");
    const thresholdText = optionString(args, "threshold");
    const threshold = parseThreshold(thresholdText);
    if (thresholdText !== undefined && threshold === undefined) throw new NetsecError("USAGE", `--threshold must be a number in [0, 1], got ${JSON.stringify(thresholdText)}`);
    let reported = 0;
    // --explain takes a while: rows explained / total on stderr, at most 4 updates a second; when
    // stderr is not a terminal, only once the run has taken 5 s (then at most one line per 10 %).
    const started = Date.now();
    const terminal = platform.isTerminal("stderr");
    let progress: ReturnType<typeof reporter.progress> | undefined;
    let lastTick = 0;
    const onExplainProgress = (explained: number, total: number) => {
      const now = Date.now();
      const finished = explained >= total;
      if (!terminal && now - started < 5_000) return;
      if (!finished && now - lastTick < 250) return;
      lastTick = now;
      progress ??= reporter.progress("predict --explain: rows explained", total);
      if (finished) progress.done();
      else progress.tick(explained);
    };
    const summary = await predictFile({
      input,
      output,
      modelDir: optionString(args, "model-dir") ?? "final_model",
      skipInvalid: optionFlag(args, "skip-invalid"),
      workers: workerCount(optionString(args, "workers")),
      explain: optionFlag(args, "explain"),
      threshold,
      schema: await schemaFromArgs(args),
      onExplainProgress,
      onProgress: (rows) => {
        if (rows - reported >= 1_000_000) {
          reported = rows;
          reporter.info(`predict: ${rows} rows`);
        }
      },
    });
    if (summary.invalid) reporter.warn(`${summary.invalid} invalid row(s) written to ${summary.invalidFile}`);
    if (optionFlag(args, "json")) platform.stdoutWrite(JSON.stringify(summary) + "\n");
    else platform.stdoutWrite(`scored ${summary.predicted} of ${summary.rows} rows with model v${summary.modelVersion} at threshold ${summary.threshold}${summary.explanationOutput ? ` (contributions add up to the ${summary.explanationOutput})` : ""} → ${output} (${summary.seconds.toFixed(1)} s)\n`);
    return 0;
  },
};
