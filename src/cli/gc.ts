/** `netsec gc --keep N`: remove old run folders, never the run behind the served model nor runs a kept run reuses. */
import { NetsecError } from "../errors.ts";
import { platform } from "../runtime/index.ts";
import { collectRuns } from "../report/gc.ts";
import { resolveSettings } from "../settings.ts";
import { optionFlag, optionString, type Command } from "./command.ts";

export const gcCommand: Command = {
  name: "gc",
  summary: "remove old run folders, keeping the newest N (never the run behind final_model/)",
  options: [
    { name: "keep", value: "<n>", description: "Run folders to keep, newest first", required: true },
    { name: "artifacts", value: "<dir>", description: "Where the run folders are (default: $NETSEC_ARTIFACTS, else Artifacts)" },
    { name: "model-dir", value: "<dir>", description: "The model folder whose run is always kept (default: $NETSEC_MODEL_DIR, else final_model)" },
    { name: "dry-run", description: "Say what would be removed; remove nothing" },
    { name: "json", description: "Print {\"removed\": […], \"kept\": […], \"bytes\": n} as the last stdout line" },
  ],
  details: `
Keeps the newest N run folders, the run that pushed the model final_model/ serves, every run a kept
run reuses stages from (a notebook session's lineage, run.json), and runs still being written;
removes the rest and rewrites Artifacts/index.html.`,
  async run({ args, reporter }) {
    const keepText = optionString(args, "keep");
    const keep = Number(keepText);
    if (keepText === undefined || !/^\d+$/.test(keepText)) throw new NetsecError("USAGE", `netsec gc: --keep takes a whole number ≥ 0 (got ${keepText === undefined ? "nothing" : JSON.stringify(keepText)})`);
    const settings = resolveSettings({ artifacts: optionString(args, "artifacts"), modelDir: optionString(args, "model-dir") }, { base: "" });
    const outcome = await collectRuns(settings.artifacts, { keep, modelDir: settings.modelDir, dryRun: optionFlag(args, "dry-run") });
    const mb = (outcome.bytes / 2 ** 20).toFixed(1);
    reporter.info(`${outcome.dryRun ? "would remove" : "removed"} ${outcome.removed.length} run folder(s) (${mb} MB); kept ${outcome.kept.length}`);
    if (optionFlag(args, "json")) platform.stdoutWrite(`${JSON.stringify(outcome)}\n`);
    else {
      for (const run of outcome.removed) platform.stdoutWrite(`${outcome.dryRun ? "would remove" : "removed"}  ${settings.artifacts}/${run}\n`);
      for (const k of outcome.kept) platform.stdoutWrite(`kept     ${settings.artifacts}/${k.run}  (${k.why})\n`);
    }
    return 0;
  },
};
