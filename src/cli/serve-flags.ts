/**
 * `bin/netsec serve …` runs this first (a short Deno process of its own) to learn the narrowed
 * permission flags `netsec serve` needs with these arguments (docs/serving.md, "Permissions";
 * `neededPermissions` in serve.ts, the same set serve checks at start), then starts the server
 * with exactly those flags instead of --allow-all.
 *
 * Output, one item per line: first the model cache to use (created here, where Deno may write,
 * when `--model-uri` comes without `--model-cache`; else an empty line), then the flags. Arguments
 * it cannot read give `--allow-all`: the server itself then reports the usage error.
 */
import { platform } from "../runtime/index.ts";
import { denoFlags } from "../runtime/deno-permissions.ts";
import { resolveTrackingConfig } from "../tracking/config.ts";
import { parseArgs } from "./args.ts";
import { absolute, neededPermissions, rowLogNeeds, serveCommand, trackingHosts } from "./serve.ts";
import { optionString } from "./command.ts";

async function flags(argv: string[]): Promise<{ cache: string; flags: string[] }> {
  const args = parseArgs(argv, serveCommand.options, "serve");
  const port = Number(optionString(args, "port"));
  const host = optionString(args, "host") ?? "127.0.0.1";
  if (!Number.isInteger(port) || port < 0 || port > 65535) return { cache: "", flags: ["--allow-all"] };
  const modelUri = optionString(args, "model-uri");
  const modelDir = optionString(args, "model-dir") ?? "final_model";
  const rowLog = rowLogNeeds(optionString(args, "prediction-log"));
  const schema = optionString(args, "schema");
  if (!modelUri) {
    const train = Boolean(platform.env("NETSEC_TRAIN_TOKEN"));
    return { cache: "", flags: denoFlags(neededPermissions({ modelDir, host, port, train, schema, rowLog })) };
  }
  const config = resolveTrackingConfig((name) => platform.env(name));
  if (!config) return { cache: "", flags: ["--allow-all"] };
  const given = optionString(args, "model-cache") ?? (platform.env("NETSEC_MODEL_CACHE") || undefined);
  const cacheDir = given ? absolute(given) : await platform.makeTempDir("netsec-registry-");
  await platform.mkdir(cacheDir);
  return { cache: given ? "" : cacheDir, flags: denoFlags(neededPermissions({ modelDir, host, port, train: false, schema, registry: { cacheDir, hosts: trackingHosts(config) }, rowLog })) };
}

let out: { cache: string; flags: string[] };
try {
  out = await flags(platform.args());
} catch {
  out = { cache: "", flags: ["--allow-all"] };
}
if (out.flags.some((f) => f.includes("\n")) || out.cache.includes("\n")) out = { cache: "", flags: ["--allow-all"] };
console.log([out.cache, ...out.flags].join("\n"));
