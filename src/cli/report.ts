/** `netsec report <run dir>`: write the run's self-contained HTML report (plots inlined) into the run folder. */
import { NetsecError } from "../errors.ts";
import { platform } from "../runtime/index.ts";
import { writeRunReport } from "../report/write.ts";
import { optionFlag, optionString, type Command } from "./command.ts";
import { schemaFromArgs, schemaOption } from "./schema-option.ts";

export const reportCommand: Command = {
  name: "report",
  summary: "write a run's HTML report (contract, drift, leaderboard, evaluation; works offline)",
  positionals: "<run dir>",
  options: [
    { name: "output", value: "<file>", description: "Where to write the report" },
    schemaOption,
    { name: "json", description: "Print {\"report\": path} as the last stdout line" },
  ],
  details: `
Reads the stage outputs of one run folder (e.g. Artifacts/11_25_2026_09_30_00) and writes
<run dir>/report.html: one HTML file with plotly.js and every figure inlined, so it opens offline
and can be mailed or logged as an artifact. Stages that did not run are listed as missing.`,
  async run({ args, reporter }) {
    const [runDir, ...extra] = args.positionals;
    if (!runDir || extra.length) throw new NetsecError("USAGE", "netsec report: give exactly one run folder, e.g. netsec report Artifacts/11_25_2026_09_30_00");
    const path = await writeRunReport(runDir, { output: optionString(args, "output"), schema: await schemaFromArgs(args) });
    reporter.info(`report written to ${path}`);
    if (optionFlag(args, "json")) platform.stdoutWrite(`${JSON.stringify({ report: path })}\n`);
    else platform.stdoutWrite(`${path}\n`);
    return 0;
  },
};
