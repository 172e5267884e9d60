/** The commands of `netsec`, in the order `--help` lists them. */
import type { Command } from "./command.ts";
import { syncCommand } from "./sync.ts";
import { runsCommand } from "./runs.ts";
import { serveCommand } from "./serve.ts";
import { trainCommand } from "./train.ts";
import { predictCommand } from "./predict.ts";
import { reportCommand } from "./report.ts";
import { pushDataCommand } from "./push-data.ts";
import { exportCommand } from "./export.ts";
import { gcCommand } from "./gc.ts";
import { monitorCommand } from "./monitor.ts";

export const commands: Command[] = [
  trainCommand,
  predictCommand,
  serveCommand,
  syncCommand,
  runsCommand,
  reportCommand,
  exportCommand,
  gcCommand,
  monitorCommand,
  pushDataCommand,
];
