/**
 * `netsec <command>`: the command-line edge. Parses arguments, runs one command, and turns a
 * NetsecError into a one-paragraph message and exit code 1 (2 for usage errors). Nothing below
 * this file prints errors or exits.
 */
import { platform } from "./runtime/index.ts";
import { isNetsecError } from "./errors.ts";
import { commands } from "./cli/commands.ts";
import { parseArgs } from "./cli/args.ts";
import { createReporter } from "./reporter.ts";
import type { Command } from "./cli/command.ts";
import { NETSEC_VERSION } from "./version.ts";

const VERSION = NETSEC_VERSION;

function usageLine(command: Command): string {
  const opts = command.options.map((o) => {
    const text = `--${o.name}${o.value ? ` ${o.value}` : ""}`;
    return o.required ? text : `[${text}]`;
  });
  return ["netsec", command.name, command.positionals ?? "", ...opts].filter(Boolean).join(" ");
}

export function mainHelp(): string {
  const width = Math.max(...commands.map((c) => c.name.length), 4);
  const lines = [
    `netsec ${VERSION} — phishing-website classifier: data → validated features → model search → served model`,
    "",
    "Usage: netsec <command> [options]      (netsec <command> --help for its options)",
    "",
    "Commands:",
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    "",
    "Environment: MLFLOW_TRACKING_URI (+ _USERNAME/_PASSWORD or _TOKEN), MLFLOW_EXPERIMENT_NAME,",
    "MLFLOW_HTTP_REQUEST_TIMEOUT/_MAX_RETRIES, DAGSHUB_REPO_OWNER/DAGSHUB_REPO_NAME/DAGSHUB_USER_TOKEN",
    "(+ DAGSHUB_USERNAME, DAGSHUB_CLIENT_HOST), NETSEC_TRAIN_TOKEN (serve).",
  ];
  return lines.join("\n") + "\n";
}

export function commandHelp(command: Command): string {
  const width = Math.max(...command.options.map((o) => `--${o.name}${o.value ? ` ${o.value}` : ""}`.length), 4);
  const lines = [`Usage: ${usageLine(command)}`, "", command.summary];
  if (command.details) lines.push("", command.details.trim());
  if (command.options.length) {
    lines.push("", "Options:");
    for (const o of command.options) {
      const head = `--${o.name}${o.value ? ` ${o.value}` : ""}`.padEnd(width);
      const tail = o.default !== undefined ? ` (default: ${o.default})` : o.required ? " (required)" : "";
      lines.push(`  ${head}  ${o.description}${tail}`);
    }
  }
  return lines.join("\n") + "\n";
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    platform.stdoutWrite(mainHelp());
    return name ? 0 : 2;
  }
  if (name === "--version" || name === "-V") {
    platform.stdoutWrite(`netsec ${VERSION}\n`);
    return 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    platform.stderrWrite(`netsec: unknown command "${name}"\n\n${mainHelp()}`);
    return 2;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    platform.stdoutWrite(commandHelp(command));
    return 0;
  }
  const reporter = createReporter();
  try {
    const args = parseArgs(rest, command.options, command.name);
    return await command.run({ args, reporter });
  } catch (error) {
    if (isNetsecError(error)) {
      platform.stderrWrite(`netsec ${command.name}: error [${error.code}]: ${error.message}\n`);
      if (platform.env("NETSEC_DEBUG") === "1" && error.stack) platform.stderrWrite(`${error.stack}\n`);
      return error.code === "USAGE" ? 2 : 1;
    }
    // Not ours: still one line (NETSEC_DEBUG=1 adds the stack).
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    platform.stderrWrite(`netsec ${command.name}: error: ${message.split("\n")[0]}\n`);
    if (platform.env("NETSEC_DEBUG") === "1" && error instanceof Error && error.stack) platform.stderrWrite(`${error.stack}\n`);
    return 1;
  }
}

if ((import.meta as { main?: boolean }).main) {
  // Set by bin/netsec when npm started it (`npx netsec`): npm's shell sits between npm and Deno and
  // does not pass on the SIGTERM npm forwards to it, so Deno takes that SIGTERM itself once the
  // shell is gone (serve then stops gracefully, other commands end as on any SIGTERM).
  if (platform.env("NETSEC_EXIT_WITH_PARENT") === "1") platform.terminateWithParent();
  platform.exit(await main(platform.args()));
}
