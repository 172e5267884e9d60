/** `netsec sync`: send runs recorded while the MLflow server was unreachable (the outbox). */
import { platform } from "../runtime/index.ts";
import { NetsecError } from "../errors.ts";
import { optionFlag, optionString, type Command } from "./command.ts";
import { resolveTrackingConfig } from "../tracking/config.ts";
import { httpPolicyFromEnv } from "../tracking/http.ts";
import { syncJournals, type SyncResult } from "../tracking/sync.ts";

/** What a person reads after `netsec sync`: what was sent, what waits, and why. */
export function syncMessage(uri: string, stateDir: string, result: SyncResult, local: boolean): string[] {
  const lines: string[] = [];
  if (result.unreachable) {
    lines.push(`the MLflow server at ${uri} could not be reached: nothing was sent and nothing is lost; run \`netsec sync\` again when it answers (${result.opsLeft} operation(s) wait)`);
  } else if (result.journals === 0) {
    lines.push(`nothing to send to ${uri}: no run waits in ${stateDir}/outbox${local ? ` or ${stateDir}/runs` : ""}`);
  } else {
    lines.push(
      `sync to ${uri}: ${result.journals} run journal(s), ${result.completed} complete, ${result.opsSent} operations sent, ` +
        `${result.runsCreated} run(s) created, ${result.runsFound} found already there, ${result.metricsSent} metric points sent, ` +
        `${result.metricsSkipped} already present, ${result.opsLeft} left`,
    );
  }
  if (!local && result.localWaiting > 0) {
    lines.push(`${result.localWaiting} local-only run(s) (recorded with no server) wait in ${stateDir}/runs: \`netsec sync --local\` sends them`);
  }
  return lines;
}

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
<state-dir>/outbox/sent/. Without --local it says how many local-only runs wait; when the
server cannot be reached it says so (exit 1) and keeps everything for the next sync.
MLFLOW_HTTP_REQUEST_TIMEOUT / MLFLOW_HTTP_REQUEST_MAX_RETRIES set the per-call timeout and retries.`,
  async run({ args, reporter }) {
    const config = resolveTrackingConfig((name) => platform.env(name));
    if (!config) {
      throw new NetsecError("CONFIG_INVALID", "netsec sync needs MLFLOW_TRACKING_URI (or DAGSHUB_REPO_OWNER, DAGSHUB_REPO_NAME and DAGSHUB_USER_TOKEN) to know where to send the runs");
    }
    config.warnings.forEach((w) => reporter.warn(w));
    const stateDir = optionString(args, "state-dir") ?? platform.env("NETSEC_STATE_DIR") ?? ".netsec";
    const local = optionFlag(args, "local");
    const result = await syncJournals({
      config,
      stateDir,
      includeLocal: local,
      force: optionFlag(args, "force"),
      http: httpPolicyFromEnv((name) => platform.env(name)).http,
      onWarning: (w) => reporter.warn(w),
      onProgress: (m) => reporter.info(m),
    });
    for (const f of result.failures) reporter.warn(f);
    for (const line of syncMessage(config.uri, stateDir, result, local)) reporter.info(line);
    if (optionFlag(args, "json")) platform.stdoutWrite(JSON.stringify(result) + "\n");
    return result.failures.length ? 1 : 0;
  },
};
