/**
 * What every stage gets besides its own settings: the run folder it writes into, the data
 * contract and where progress and warnings go. A stage's options are `StageContext & <Stage>Settings`;
 * the settings part is plain data (it keys the stage's result, src/plan.ts), the context is not.
 */
import type { RunFolder } from "../artifacts.ts";
import type { Reporter } from "../reporter.ts";
import type { Schema } from "../schema.ts";

export interface StageContext {
  run: RunFolder;
  schema: Schema;
  reporter?: Reporter;
}
