import { NetsecError } from "../errors.ts";
import type { OptionSpec, ParsedArgs } from "./command.ts";

/** Parse `--name value`, `--name=value` and `--flag` against the declared options. */
export function parseArgs(argv: string[], specs: OptionSpec[], command: string): ParsedArgs {
  const options: ParsedArgs["options"] = {};
  const positionals: string[] = [];
  const byName = new Map(specs.map((s) => [s.name, s]));
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith("--") || arg === "--") {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const spec = byName.get(name);
    if (!spec) {
      const known = specs.map((s) => `--${s.name}`).join(", ") || "none";
      throw new NetsecError("USAGE", `netsec ${command}: unknown option --${name} (options: ${known}; see netsec ${command} --help)`);
    }
    if (!spec.value) {
      if (eq >= 0) throw new NetsecError("USAGE", `netsec ${command}: --${name} is a flag and takes no value`);
      options[name] = true;
      continue;
    }
    const value = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined || (eq < 0 && value.startsWith("--"))) {
      throw new NetsecError("USAGE", `netsec ${command}: --${name} needs a value ${spec.value}`);
    }
    options[name] = value;
  }
  for (const spec of specs) {
    if (options[spec.name] === undefined && spec.default !== undefined) options[spec.name] = spec.default;
    if (spec.required && options[spec.name] === undefined) {
      throw new NetsecError("USAGE", `netsec ${command}: --${spec.name} ${spec.value ?? ""} is required`.trimEnd());
    }
  }
  return { options, positionals };
}
