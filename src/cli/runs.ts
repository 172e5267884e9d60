/** `netsec runs`: training runs side by side, from the local run log or the MLflow server. */
import { platform } from "../runtime/index.ts";
import { NetsecError } from "../errors.ts";
import { optionFlag, optionString, type Command } from "./command.ts";
import { resolveTrackingConfig } from "../tracking/config.ts";
import { httpPolicyFromEnv } from "../tracking/http.ts";
import { MlflowClient } from "../tracking/mlflow.ts";
import { formatRunsTable, localRunRows, remoteRunRows } from "../tracking/runs.ts";

export const runsCommand: Command = {
  name: "runs",
  summary: "list training runs side by side (time, data digest, best model, CV and test F1, pushed, model version)",
  options: [
    { name: "remote", description: "Read the runs from the MLflow server (MLFLOW_TRACKING_URI or DagsHub) instead of the local run log" },
    { name: "state-dir", value: "<dir>", description: "Folder of the local run log and outbox (default: $NETSEC_STATE_DIR, else .netsec)" },
    { name: "limit", value: "<n>", description: "Show at most n runs, newest first", default: "50" },
    { name: "json", description: "Print {\"runs\": [...]} as one JSON line" },
  ],
  details: `
Without --remote: every run netsec recorded under <state-dir> — runs/ (no server was set), outbox/
(waiting for \`netsec sync\`) and outbox/sent/ — with "where" saying which. With --remote: the parent
runs of MLFLOW_EXPERIMENT_NAME (default netsec) on the server. Columns: start time, data digest
(netsec.data_digest), best family and params, its mean CV score, test F1, pushed, final_model version.`,
  async run({ args, reporter }) {
    const limit = Number(optionString(args, "limit") ?? "50");
    if (!Number.isInteger(limit) || limit < 1) throw new NetsecError("USAGE", `netsec runs: --limit must be a whole number ≥ 1 (got ${optionString(args, "limit")})`);
    let rows;
    let from: string;
    if (optionFlag(args, "remote")) {
      const env = (name: string) => platform.env(name);
      const config = resolveTrackingConfig(env);
      if (!config) throw new NetsecError("CONFIG_INVALID", "netsec runs --remote needs MLFLOW_TRACKING_URI (or DAGSHUB_REPO_OWNER, DAGSHUB_REPO_NAME and DAGSHUB_USER_TOKEN)");
      config.warnings.forEach((w) => reporter.warn(w));
      const client = new MlflowClient(config.uri, config.auth, httpPolicyFromEnv(env).http);
      rows = await remoteRunRows(client, config.experimentName);
      from = `experiment ${config.experimentName} on ${config.uri}`;
    } else {
      const stateDir = optionString(args, "state-dir") ?? platform.env("NETSEC_STATE_DIR") ?? ".netsec";
      rows = await localRunRows(stateDir);
      from = `the local run log in ${stateDir}`;
    }
    rows = rows.slice(0, limit);
    if (optionFlag(args, "json")) platform.stdoutWrite(JSON.stringify({ runs: rows }) + "\n");
    else if (rows.length === 0) reporter.info(`no runs in ${from}`);
    else {
      reporter.info(`${rows.length} run(s) in ${from}, newest first`);
      platform.stdoutWrite(formatRunsTable(rows));
    }
    return 0;
  },
};
