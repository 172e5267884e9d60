/**
 * Deno's permission flags for `netsec serve`, derived from the serve options in one place: the
 * Docker image's CMD, docs/serving.md and the tests use what `servePermissions` returns (the test
 * of the Dockerfile compares its CMD with it), and `netsec serve` checks at start that it has
 * them. Pure: no runtime calls, so it can be read and tested anywhere.
 */
import type { PermissionSet } from "./platform.ts";

export interface ServePermissionOptions {
  /**
   * Repository root: `schema.yaml` is read from it, and `src/` (a Deno Web Worker reads the modules
   * it runs: the model worker that computes explanations off the serving thread).
   */
  root: string;
  /** The model folder, absolute (read, and watched for a new push). */
  modelDir: string;
  /** Listen address and port (port 0 = any port on that address). */
  host: string;
  port: number;
  /** The program `POST /train` starts (`--allow-run`); leave out when training over HTTP is off. */
  trainCommand?: string;
  /**
   * Other hosts the service talks to, as `host` or `host:port`: e.g. the tracking server that
   * `--model-uri` loads the champion from.
   */
  netHosts?: string[];
  /** Other files or folders it reads. */
  readPaths?: string[];
}

/** `host:port` as Deno's `--allow-net` spells it (`[::1]:8000`; port 0 → the host alone: any port). */
export function netAddress(host: string, port: number): string {
  const name = host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
  return port === 0 ? name : `${name}:${port}`;
}

/**
 * What `netsec serve` needs: read schema.yaml, the model folder and the code (src/, for its worker), listen on its address, read
 * its environment (its settings and the tracking credentials live there), start Deno for
 * `POST /train` when that is on; no write anywhere, no other network, no FFI, no sys info.
 */
export function servePermissions(options: ServePermissionOptions): PermissionSet {
  return {
    read: [`${options.root}/schema.yaml`, options.modelDir, ...(options.readPaths ?? []), `${options.root}/src`],
    write: [],
    net: [netAddress(options.host, options.port), ...(options.netHosts ?? [])],
    env: true,
    run: options.trainCommand ? [options.trainCommand] : [],
  };
}

/** Deno's flag syntax: items separated by commas, a comma inside an item doubled. */
function list(items: string[]): string {
  return items.map((item) => item.replaceAll(",", ",,")).join(",");
}

/** The `--allow-*` flags for a permission set (empty lists give no flag: denied). */
export function denoFlags(set: PermissionSet): string[] {
  const flags: string[] = [];
  if (set.read.length) flags.push(`--allow-read=${list(set.read)}`);
  if (set.write.length) flags.push(`--allow-write=${list(set.write)}`);
  if (set.net.length) flags.push(`--allow-net=${list(set.net)}`);
  if (set.env === true) flags.push("--allow-env");
  else if (Array.isArray(set.env) && set.env.length) flags.push(`--allow-env=${list(set.env)}`);
  if (set.run.length) flags.push(`--allow-run=${list(set.run)}`);
  return flags;
}
