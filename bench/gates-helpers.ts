/** What bench/gates.ts needs from netsec, plus a temporary directory under Deno. */
export { createReporter, loadExperiment, runPipeline } from "../src/mod.ts";
export const tempDirectory = (): Promise<string> => Deno.makeTempDir({ prefix: "netsec-gates-" });
