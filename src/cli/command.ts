/** What a CLI command declares; `cli.ts` builds `--help` from these, so help and code agree. */
import type { Reporter } from "../reporter.ts";

export interface OptionSpec {
  /** Long name without dashes, e.g. "model-dir". */
  name: string;
  /** Shown in help after the name, e.g. "<dir>"; omit for a boolean flag. */
  value?: string;
  description: string;
  default?: string;
  required?: boolean;
}

export interface ParsedArgs {
  options: Record<string, string | boolean | undefined>;
  positionals: string[];
}

export interface CommandContext {
  args: ParsedArgs;
  reporter: Reporter;
}

export interface Command {
  name: string;
  summary: string;
  /** Positional arguments shown in usage, e.g. "<run dir>". */
  positionals?: string;
  options: OptionSpec[];
  /** Longer help shown under `netsec <command> --help`. */
  details?: string;
  /** Returns the process exit code. */
  run(context: CommandContext): Promise<number>;
}

export function optionString(args: ParsedArgs, name: string): string | undefined {
  const v = args.options[name];
  return typeof v === "string" ? v : undefined;
}

export function optionFlag(args: ParsedArgs, name: string): boolean {
  return args.options[name] === true;
}
