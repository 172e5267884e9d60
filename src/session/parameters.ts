/**
 * A notebook's parameters cell, shown: each parameter's value and what a session started with it
 * will use — the value given, else the NETSEC_* variable, else the project's default — resolved by
 * the same `resolveSettings` call `session()` makes. A parameters cell ends with
 * `await parameters({ experiment, data, … })` so it shows its values as a table (and sends them as
 * display_data: a plain value as a cell's last expression can reach a headless client after the
 * cell is reported done, and be lost).
 */
import { platform } from "../runtime/index.ts";
import { resolveSettings, SETTINGS_ENV, workspaceRoot, type Settings } from "../settings.ts";
import { frameOf, Shown, table, type DataFrame, type Part } from "./show.ts";

type Key = keyof typeof SETTINGS_ENV;
const isSetting = (name: string): name is Key => name in SETTINGS_ENV;

export interface ParameterRow {
  parameter: string;
  /** The value in the notebook (undefined: left to the environment and the defaults). */
  value: unknown;
  /** What a session uses for it. */
  uses: string;
  /** Where that comes from: "this notebook", a NETSEC_* variable, "default", or "the notebook's cells" for a parameter that is no setting. */
  from: string;
}

export class ParametersResult extends Shown {
  readonly table: DataFrame;

  constructor(readonly rows: ParameterRow[]) {
    super();
    this.table = frameOf(rows.map((r) => ({ parameter: r.parameter, value: r.value === undefined ? "undefined" : JSON.stringify(r.value), "the session uses": r.uses, from: r.from })), ["parameter", "value", "the session uses", "from"]);
  }

  get title(): string {
    const given = this.rows.filter((r) => r.value !== undefined).map((r) => r.parameter);
    return `Parameters: ${given.length ? `${given.join(", ")} given` : "none given"}${given.length < this.rows.length ? `; ${this.rows.length - given.length} from the environment or the defaults` : ""}`;
  }

  protected parts(): Part[] {
    return [table("Parameters", this.table)];
  }

  toJSON(): unknown {
    return Object.fromEntries(this.rows.map((r) => [r.parameter, { value: r.value ?? null, uses: r.uses, from: r.from }]));
  }
}

/** Show a parameters cell's values and what a session will use for each (settings resolved as `session()` does). */
export async function parameters(values: Record<string, unknown>): Promise<ParametersResult> {
  const given = Object.fromEntries(Object.entries(values).filter(([name, v]) => isSetting(name) && v !== undefined && v !== null)) as Partial<Settings>;
  const settings = resolveSettings(given, { base: await workspaceRoot() });
  const rows = Object.entries(values).map(([parameter, value]): ParameterRow => {
    if (!isSetting(parameter)) return { parameter, value, uses: value === undefined ? "" : String(value), from: "the notebook's cells" };
    const env = SETTINGS_ENV[parameter];
    const uses = settings[parameter] ?? (parameter === "data" ? "the default dataset (network_data/phisingData.csv, fetched when missing)" : "");
    return { parameter, value, uses, from: given[parameter] !== undefined ? "this notebook" : platform.env(env) ? env : `default (${env} not set)` };
  });
  return new ParametersResult(rows);
}
