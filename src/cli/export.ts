/** `netsec export --format onnx --output <file>`: the pushed model (or a run's model) as ONNX (docs/export.md). */
import { NetsecError } from "../errors.ts";
import { platform } from "../runtime/index.ts";
import { onnxFromModelDir, onnxFromRunDir } from "../models/onnx/sources.ts";
import { optionFlag, optionString, type Command } from "./command.ts";
import { schemaFromArgs, schemaOption } from "./schema-option.ts";

export const exportCommand: Command = {
  name: "export",
  summary: "write the pushed model (or a run's model) as an ONNX file",
  positionals: "[<run dir>]",
  options: [
    { name: "format", value: "onnx", description: "Output format (only onnx)", required: true },
    { name: "output", value: "<file>", description: "Where to write the model", required: true },
    { name: "model-dir", value: "<dir>", description: "The pushed model folder to export when no run folder is given (default: final_model)" },
    schemaOption,
    { name: "json", description: "Print a JSON summary as the last line of stdout" },
  ],
  details: `
Without a run folder, exports the pushed model of --model-dir (its checksum and data contract are
checked first); with one (e.g. Artifacts/11_25_2026_09_30_00), exports that run's trained model.
The graph takes the 30 features as float32 [N, 30] in schema order (imputed: a row with a missing
value gets NaN probabilities and label 0) and gives label (int64 [N], at the model's decision
threshold) and probability_<label> (float32 [N]) for each target value; see docs/export.md. hist_gbt, hist_forest, decision_tree,
ml_random_forest and logistic_regression export; knn and naive_bayes are refused with the reason.`,
  async run({ args, reporter }) {
    const format = optionString(args, "format");
    const output = optionString(args, "output");
    if (format !== "onnx") throw new NetsecError("USAGE", `netsec export: --format must be onnx (the only format), got ${JSON.stringify(format ?? "")}`);
    if (!output) throw new NetsecError("USAGE", "netsec export needs --output <file>");
    const [runDir, ...extra] = args.positionals;
    if (extra.length) throw new NetsecError("USAGE", `netsec export: give at most one run folder, got ${args.positionals.length}`);
    if (runDir && optionString(args, "model-dir")) throw new NetsecError("USAGE", "netsec export: give a run folder or --model-dir, not both");
    const schema = await schemaFromArgs(args);
    const result = runDir ? await onnxFromRunDir(runDir, schema) : await onnxFromModelDir(optionString(args, "model-dir") ?? "final_model", schema);
    const parent = output.replace(/\/?[^/]*$/, "");
    if (parent) await platform.mkdir(parent);
    await platform.writeFileAtomic(output, result.bytes);
    const sha256 = await platform.sha256(result.bytes);
    reporter.info(`export: ${result.family} model from ${result.source} → ${output} (${result.bytes.length} bytes, sha256 ${sha256.slice(0, 12)}…)`);
    const summary = { output, format, family: result.family, source: result.source, version: result.version, bytes: result.bytes.length, sha256 };
    platform.stdoutWrite(optionFlag(args, "json") ? `${JSON.stringify(summary)}\n` : `${output}\n`);
    return 0;
  },
};
