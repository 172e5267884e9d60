/**
 * `netsec push-data --input <csv|arff> --mongo-uri <uri>`: loads a data file into a MongoDB
 * collection in batches, idempotently (running it twice inserts nothing the second time).
 * Prints "inserted N, already present M"; with --json one JSON object as the last line.
 */
import type { Command } from "./command.ts";
import { optionFlag, optionString } from "./command.ts";
import { platform } from "../runtime/index.ts";
import { NetsecError } from "../errors.ts";
import { pushData } from "../data/mongo.ts";
import { DEFAULT_COLLECTION, DEFAULT_DB } from "../data/mongo-uri.ts";

export const pushDataCommand: Command = {
  name: "push-data",
  summary: "load a CSV/ARFF file into a MongoDB collection (idempotent: re-running inserts nothing new)",
  details: `
Each row gets a deterministic _id (sha256 of its values plus the occurrence number of that identical
row in the file), so duplicate rows of the data stay separate documents and a second run finds every
document already present. Missing values are stored as null. The database and collection come from
--db/--collection, else from the URI (?db=…&collection=… or the /database path), else ${DEFAULT_DB}/${DEFAULT_COLLECTION}.
An unreachable server fails within about 3 seconds, naming the host.`,
  options: [
    { name: "input", value: "<csv|arff>", description: "data file to load", required: true },
    { name: "mongo-uri", value: "<uri>", description: "mongodb:// or mongodb+srv:// connection string", required: true },
    { name: "db", value: "<name>", description: `database (default: from the URI, else ${DEFAULT_DB})` },
    { name: "collection", value: "<name>", description: `collection (default: from the URI, else ${DEFAULT_COLLECTION})` },
    { name: "batch-size", value: "<n>", description: "documents per insert", default: "1000" },
    { name: "json", description: "print a JSON summary as the last line" },
  ],
  async run({ args, reporter }) {
    const batchText = optionString(args, "batch-size") ?? "1000";
    const batchSize = Number(batchText);
    if (!/^\d+$/.test(batchText) || batchSize < 1) {
      throw new NetsecError("USAGE", `netsec push-data: --batch-size must be a positive integer, got "${batchText}"`);
    }
    let nextReport = 50_000;
    const result = await pushData({
      input: optionString(args, "input")!,
      uri: optionString(args, "mongo-uri")!,
      db: optionString(args, "db"),
      collection: optionString(args, "collection"),
      batchSize,
      onProgress: (rows) => {
        if (rows < nextReport) return;
        reporter.info(`push-data: ${rows} rows handled`);
        nextReport = rows + 50_000;
      },
    });
    for (const warning of result.warnings) reporter.warn(warning);
    const skipped = result.skipped ? `, skipped ${result.skipped}` : "";
    platform.stdoutWrite(`${result.target} ${result.db}.${result.collection}: read ${result.rows} rows; inserted ${result.inserted}, already present ${result.alreadyPresent}${skipped}\n`);
    if (optionFlag(args, "json")) platform.stdoutWrite(JSON.stringify(result) + "\n");
    return 0;
  },
};
