/** `netsec sync`: send runs recorded while the MLflow server was unreachable (the outbox). */
import { platform } from "../runtime/index.ts";
import { NetsecError } from "../errors.ts";
import { optionFlag, optionString, type Command } from "./command.ts";
import { resolveTrackingConfig } from "../tracking/config.ts";
import { syncJournals } from "../tracking/sync.ts";

export const syncCommand: Command = {
  name: "sync",
  summary: "replay runs recorded offline (outbox) to the MLflow server, without duplicates",
  options: [
    { name: "state-dir", value: "<dir>", description: "Folder holding outbox/ and runs/ (default: $NETSEC_STATE_DIR, else .netsec)" },
    { name: "local", description: "Also upload runs of the local run log (recorded with no MLFLOW_TRACKING_URI)" },
    { name: "force", description: "Also send runs that look like a running netsec train is still recording them" },
    { name: "json", description: "Print the result as one JSON line" },
  ],
  details: `
Needs MLFLOW_TRACKING_URI (or the DagsHub variables) and the same credentials as training.
Each operation in <state-dir>/outbox/*.jsonl that the server has not acknowledged is sent again:
runs are found by their netsec.client_run_id tag before any is created, metric points already in
the run's history are skipped. Safe to run again after an interruption; sent journals move to
<state-dir>/outbox/sent/.`,
  async run({ args, reporter }) {
    const config = resolveTrackingConfig((name) => platform.env(name));
    if (!config) {
      throw new NetsecError("CONFIG_INVALID", "netsec sync needs MLFLOW_TRACKING_URI (or DAGSHUB_REPO_OWNER, DAGSHUB_REPO_NAME and DAGSHUB_USER_TOKEN) to know where to send the runs");
    }
    config.warnings.forEach((w) => reporter.warn(w));
    const stateDir = optionString(args, "state-dir") ?? platform.env("NETSEC_STATE_DIR") ?? ".netsec";
    const result = await syncJournals({
      config,
      stateDir,
      includeLocal: optionFlag(args, "local"),
      force: optionFlag(args, "force"),
      onWarning: (w) => reporter.warn(w),
      onProgress: (m) => reporter.info(m),
    });
    if (optionFlag(args, "json")) platform.stdoutWrite(JSON.stringify(result) + "\n");
    else {
      reporter.info(
        `sync to ${config.uri}: ${result.journals} journal(s), ${result.completed} complete, ${result.opsSent} operations sent, ` +
          `${result.runsCreated} run(s) created, ${result.runsFound} found already there, ${result.metricsSent} metric points sent, ` +
          `${result.metricsSkipped} already present, ${result.opsLeft} left`,
      );
    }
    for (const f of result.failures) reporter.warn(f);
    return result.failures.length ? 1 : 0;
  },
};
