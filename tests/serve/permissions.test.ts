// `netsec serve` runs with Deno's permissions narrowed to what it needs (servePermissions): those
// flags are enough to serve (and to train over HTTP when it is on), too narrow to write anywhere,
// read other files, reach other hosts or start other programs; the Docker image's CMD uses exactly
// them; started without one of them, serve refuses to start and names it.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { denoFlags, netAddress, servePermissions } from "../../src/runtime/deno-permissions.ts";
import { DENO, ROOT, SHARED_DATA, tempDir } from "../helpers/env.ts";
import { featureCsv } from "./helpers.ts";
import { writeRealModel } from "./real-model.ts";
import { type DenoServe, freePort, narrowedFlags, startDenoServe } from "./deno-serve.ts";

describe("servePermissions / denoFlags", () => {
  it("names schema.yaml, the model folder, the listen address and the environment; no write", () => {
    expect(denoFlags(servePermissions({ root: "/app", modelDir: "/app/final_model", host: "0.0.0.0", port: 8000 }))).toEqual([
      "--allow-read=/app/schema.yaml,/app/final_model,/app/src",
      "--allow-net=0.0.0.0:8000",
      "--allow-env",
    ]);
  });

  it("adds the program POST /train starts, extra hosts (a tracking server) and extra reads", () => {
    const set = servePermissions({ root: "/r", modelDir: "/m", host: "127.0.0.1", port: 9000, trainCommand: "/usr/local/bin/deno", netHosts: ["dagshub.com", "mlflow.internal:5000"], readPaths: ["/etc/netsec"] });
    expect(denoFlags(set)).toEqual([
      "--allow-read=/r/schema.yaml,/m,/etc/netsec,/r/src",
      "--allow-net=127.0.0.1:9000,dagshub.com,mlflow.internal:5000",
      "--allow-env",
      "--allow-run=/usr/local/bin/deno",
    ]);
  });

  it("spells IPv6, port 0 and commas in paths as Deno reads them", () => {
    expect(netAddress("::1", 8000)).toBe("[::1]:8000");
    expect(netAddress("127.0.0.1", 0)).toBe("127.0.0.1");
    expect(denoFlags({ read: ["/a,b"], write: [], net: [], env: ["X"], run: [] })).toEqual(["--allow-read=/a,,b", "--allow-env=X"]);
  });
});

describe("the Docker image", () => {
  const dockerfile = readFileSync(join(ROOT, "Dockerfile"), "utf8");
  const instruction = (name: string) => {
    const line = dockerfile.split("\n").find((l) => l.startsWith(`${name} `));
    if (!line) throw new Error(`no ${name} in the Dockerfile`);
    return JSON.parse(line.slice(line.indexOf("[")));
  };

  it("CMD runs Deno directly with exactly servePermissions' flags for its options", () => {
    const cmd: string[] = instruction("CMD");
    expect(cmd.slice(0, 2)).toEqual(["/usr/local/bin/deno", "run"]);
    const cli = cmd.indexOf("/app/src/cli.ts");
    const args = cmd.slice(cli + 1);
    expect(args[0]).toBe("serve");
    const option = (name: string) => args[args.indexOf(`--${name}`) + 1];
    const expected = denoFlags(servePermissions({ root: "/app", modelDir: option("model-dir"), host: option("host"), port: Number(option("port")), trainCommand: cmd[0] }));
    expect(cmd.slice(2, cli).filter((a) => a.startsWith("--allow-"))).toEqual(expected);
    expect(cmd).not.toContain("-A");
  });

  it("HEALTHCHECK uses the image's Deno, allowed only to reach the served port", () => {
    const line = dockerfile.split("\n").find((l) => l.trim().startsWith("CMD [\"/usr/local/bin/deno\", \"run\", \"--quiet\", \"--no-prompt\", \"--no-config\""));
    const test: string[] = JSON.parse(line!.trim().slice(4));
    expect(test.filter((a) => a.startsWith("--allow-"))).toEqual(["--allow-net=127.0.0.1:8000"]);
    expect(test.at(-1)).toBe("/app/scripts/healthcheck.ts");
  });
});

describe("netsec serve under the narrowed flags (Deno)", () => {
  const modelDir = join(tempDir("netsec-serve-perm-"), "final_model");
  let server: DenoServe;
  let port = 0;
  const TOKEN = "permissions-token-0123456789";
  beforeAll(async () => {
    await writeRealModel(modelDir, 1);
    port = await freePort();
    server = await startDenoServe({
      flags: narrowedFlags(modelDir, port, true),
      args: ["--port", String(port), "--model-dir", modelDir, "--train-data", SHARED_DATA],
      env: { NETSEC_TRAIN_TOKEN: TOKEN },
    });
  });
  afterAll(() => {
    server?.child.kill("SIGKILL");
  });

  it("says which permissions it runs with", () => {
    expect(server.log()).toContain(`netsec serve: permissions: has what serving needs (${narrowedFlags(modelDir, port, true).join(" ")}); write, FFI revoked`);
  });

  it("serves /health, /predict, the upload page and /docs", async () => {
    expect(await (await fetch(`${server.url}/health`)).json()).toMatchObject({ status: "ok", model: { loaded: true, version: "1" } });
    const predict = await fetch(`${server.url}/predict`, { method: "POST", headers: { "content-type": "text/csv" }, body: featureCsv(4) });
    expect(predict.status).toBe(200);
    expect((await predict.json()).predictions).toHaveLength(4);
    for (const path of ["/", "/docs", "/openapi.json", "/model"]) expect((await fetch(`${server.url}${path}`)).status).toBe(200);
  });

  it("runs POST /train (the one program it may start)", async () => {
    const auth = { authorization: `Bearer ${TOKEN}` };
    const start = await fetch(`${server.url}/train`, { method: "POST", headers: { ...auth, "content-type": "application/json" }, body: JSON.stringify({ experiment: "fast" }) });
    expect(start.status).toBe(202);
    const { id } = await start.json() as { id: string };
    let job: { state: string; error?: string };
    do {
      await new Promise((r) => setTimeout(r, 200));
      job = await (await fetch(`${server.url}/train/${id}`, { headers: auth })).json();
    } while (job.state === "running");
    expect(job.error).toBeUndefined();
    expect(job.state).toBe("succeeded");
  }, 180_000);

  const probe = join(ROOT, "scripts", "permission-probe.ts");
  const plan = (dir: string, writeInto = [dir, ROOT, tempDir("netsec-probe-"), "/tmp"]) => JSON.stringify({
    read: [join(ROOT, "schema.yaml"), join(dir, "model.json")],
    listen: [`127.0.0.1:${port}`],
    env: ["HOME"],
    noRead: ["/etc/passwd", join(ROOT, "package.json"), SHARED_DATA],
    noWrite: writeInto,
    noConnect: ["127.0.0.1:1", "127.0.0.1:27017"],
    noRun: ["/bin/sh", "node"],
  });

  it("the same flags are too narrow to write anywhere (the model folder included), read other files, reach other ports or run other programs", () => {
    const result = spawnSync(DENO, ["run", "--quiet", "--no-prompt", "--no-config", ...narrowedFlags(modelDir, port), probe, plan(modelDir)], { encoding: "utf8" });
    expect(result.stdout).toContain(`ok   write into ${modelDir}: refused (NotCapable)`);
    expect(result.stdout).toContain("ok   read /etc/passwd: refused (NotCapable)");
    expect(result.stdout).toContain("ok   connect to 127.0.0.1:27017: refused (NotCapable)");
    expect(result.stdout).toContain("ok   run /bin/sh: refused (NotCapable)");
    expect(result.stdout).not.toContain("BAD");
    expect(result.status).toBe(0);
  });

  it("(the probe itself: under --allow-all the refusals it expects do not happen)", () => {
    const scratch = tempDir("netsec-probe-all-"); // the write succeeds here, so only into a scratch folder
    const result = spawnSync(DENO, ["run", "--quiet", "--no-prompt", "--no-config", "--allow-all", probe, plan(modelDir, [scratch])], { encoding: "utf8" });
    expect(result.stdout).toContain(`BAD  write into ${scratch}: done, expected refused`);
    expect(result.stdout).toContain("BAD  read /etc/passwd: done, expected refused");
    expect(result.status).toBe(1);
  });
});

describe("netsec serve started with --allow-all", () => {
  it("revokes write, FFI and (training off) run, and says that read, net and env stay open", async () => {
    const modelDir = join(tempDir("netsec-serve-all-"), "final_model");
    await writeRealModel(modelDir, 1);
    const server = await startDenoServe({ flags: ["--allow-all"], args: ["--port", "0", "--model-dir", modelDir, "--watch-ms", "0"] });
    try {
      expect(server.log()).toContain("netsec serve: permissions: started with --allow-all: write, FFI and run revoked; read, net and env stay unrestricted");
      expect((await fetch(`${server.url}/health`)).status).toBe(200);
    } finally {
      server.child.kill("SIGKILL");
    }
  });
});

describe("netsec serve started without a permission it needs", () => {
  it("refuses to start, naming the missing flag and the full set (exit 2)", async () => {
    const modelDir = join(tempDir("netsec-serve-noperm-"), "final_model");
    await writeRealModel(modelDir, 1);
    const port = await freePort();
    const flags = narrowedFlags(modelDir, port).map((f) => (f.startsWith("--allow-read=") ? `--allow-read=${ROOT}/schema.yaml,${ROOT}/src` : f));
    const result = spawnSync(DENO, ["run", "--quiet", "--no-prompt", "--config", join(ROOT, "deno.json"), ...flags, join(ROOT, "src", "cli.ts"), "serve", "--port", String(port), "--model-dir", modelDir], { encoding: "utf8", env: { ...process.env, NO_COLOR: "1", NETSEC_TRAIN_TOKEN: "" } });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(`netsec serve: Deno was started without --allow-read=${modelDir}; serving needs ${narrowedFlags(modelDir, port).join(" ")} (docs/serving.md, "Permissions")`);
  });
});
