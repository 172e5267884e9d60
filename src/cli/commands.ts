/** The commands of `netsec`, in the order `--help` lists them. */
import type { Command } from "./command.ts";
import { syncCommand } from "./sync.ts";
import { serveCommand } from "./serve.ts";
import { reportCommand } from "./report.ts";

export const commands: Command[] = [
  serveCommand,
  syncCommand,
  reportCommand,
];
