/**
 * `netsec monitor <csv | prediction log> --output <dir>`: drift and estimated performance of a
 * file of rows against the model's reference (src/monitor/offline.ts), written as report.html and
 * report.json; the one-line summary on stdout.
 */
import { NetsecError } from "../errors.ts";
import { platform } from "../runtime/index.ts";
import { loadSchema } from "../schema.ts";
import { monitorFile } from "../monitor/offline.ts";
import { monitorPage } from "../monitor/page.ts";
import { optionFlag, optionString, type Command } from "./command.ts";
import { schemaFromArgs, schemaOption } from "./schema-option.ts";

export const monitorCommand: Command = {
  name: "monitor",
  summary: "drift and estimated performance of a CSV or prediction log against the model's reference",
  positionals: "[<csv | prediction log .jsonl>]",
  options: [
    { name: "input", value: "<file>", description: "rows to monitor: a CSV with the feature columns, or the service's prediction log (.jsonl)" },
    { name: "model-dir", value: "<dir>", description: "the pushed model (with its reference.json)", default: "final_model" },
    { name: "output", value: "<dir>", description: "where to write report.html and report.json", required: true },
    schemaOption,
    { name: "json", description: "print the report's JSON as the last line of stdout" },
  ],
  details: `
Scores the rows with the model and compares them with the reference pushed with it (training
rows' value shares, test split's probabilities): per feature PSI, chi-square and KS (a feature
drifts when PSI >= 0.1 and p < 0.05), the predicted probabilities, and CBPE's estimate of
precision, recall and F1 with its interval — valid while the model's probabilities stay calibrated
(docs/monitoring.md). Rows with a known label (the target column of a CSV, feedback in a
prediction log: a "feedback" object on the prediction line, or the {"kind": "feedback"} lines the
service appends for POST /feedback) also get their real metrics. With --schema, the rows, the model
and the labels are read under that data contract (the one the model was trained with).`,
  async run({ args }) {
    const [positional, ...extra] = args.positionals;
    const input = optionString(args, "input") ?? positional;
    if (!input || extra.length || (positional && optionString(args, "input"))) throw new NetsecError("USAGE", "netsec monitor: give one input file, e.g. netsec monitor --input traffic.csv --output monitor/");
    const output = optionString(args, "output")!;
    const modelDir = optionString(args, "model-dir") ?? "final_model";
    const report = await monitorFile(input, modelDir, (await schemaFromArgs(args)) ?? (await loadSchema()));
    await platform.mkdir(output);
    const facts: [string, string][] = [
      ["input", `${input} (${report.input.kind}, ${report.input.rows} rows${report.input.labelled ? `, ${report.input.labelled} with a known label` : ""})`],
      ["model", `${modelDir}, version ${report.model.version}, sha256 ${report.model.sha256.slice(0, 12)}`],
    ];
    if (report.actual) facts.push(["real metrics of the labelled rows", `precision ${report.actual.precision?.toFixed(3) ?? "n/a"}, recall ${report.actual.recall?.toFixed(3) ?? "n/a"}, F1 ${report.actual.f1?.toFixed(3) ?? "n/a"} (${report.actual.rows} rows)`]);
    await platform.writeFile(`${output}/report.json`, JSON.stringify(report, null, 2) + "\n");
    await platform.writeFile(`${output}/report.html`, monitorPage(report, { title: `netsec monitor — ${input}`, facts, jsonHref: "report.json" }));
    const actual = report.actual?.f1 != null ? `; real F1 of the ${report.actual.rows} labelled rows ${report.actual.f1.toFixed(3)}` : "";
    platform.stdoutWrite(`${report.input.rows} rows of ${input} against model v${report.model.version}: ${report.summary}${actual}\nreport: ${output}/report.html, ${output}/report.json\n`);
    if (optionFlag(args, "json")) platform.stdoutWrite(JSON.stringify(report) + "\n");
    return 0;
  },
};
