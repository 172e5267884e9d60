/**
 * The champion is always what is served: after pushes made online, offline (server down: outbox)
 * and with no server (local run log), then `netsec sync`, `netsec sync --local` and a replay of an
 * old run, the alias `champion` of the registered model names the version whose model.json is the
 * one in final_model/ — checked with MLflow's Python client against the real server after each
 * step. The alias only moves forward (final_model's version number); replays register old
 * versions without moving it and create no duplicates.
 */
import { describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT, SHARED_DATA, tempDir } from "../helpers/env.ts";
import { freePort, mlflowUri, netsecCli, readBack } from "./helpers.ts";

const unique = () => `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;

describe("registry invariant: champion = the model in final_model/", () => {
  it("holds after online, offline and local-only pushes, sync, sync --local and a replay", async () => {
    const cwd = tempDir();
    const modelDir = join(cwd, "final_model");
    const modelName = `netsec-champion-${unique()}`;
    const experimentName = `champion-${unique()}`;
    // Three experiments that differ only in the seed: three different models.
    const fast = readFileSync(join(ROOT, "experiments", "fast.yaml"), "utf8");
    const experiment = (seed: number) => {
      const file = join(cwd, `fast-${seed}.yaml`);
      writeFileSync(file, fast.replace(/^seed: \d+$/m, `seed: ${seed}`));
      return file;
    };
    const online = { MLFLOW_TRACKING_URI: mlflowUri(), MLFLOW_EXPERIMENT_NAME: experimentName, NETSEC_REGISTERED_MODEL: modelName };
    const train = async (seed: number, env: Record<string, string | undefined>, force = true) => {
      const r = await netsecCli(["train", "--data", SHARED_DATA, "--experiment", experiment(seed), "--artifacts", join(cwd, "Artifacts"), "--model-dir", modelDir, "--json", ...(force ? ["--force"] : [])], cwd, env);
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout.trim().split("\n").at(-1)!) as { pushed: boolean; modelVersion: number | null };
    };
    const served = () => ({
      sha256: createHash("sha256").update(readFileSync(join(modelDir, "model.json"))).digest("hex"),
      version: String((JSON.parse(readFileSync(join(modelDir, "manifest.json"), "utf8")) as { version: number }).version),
    });
    const registry = async () => (await readBack(mlflowUri(), { runs: [], model: modelName, alias: "champion" })).model!;
    const expectChampionServed = async () => {
      const model = await registry();
      const champion = model.versions.find((v) => v.version === model.alias_version)!;
      const now = served();
      expect(champion.tags["netsec.sha256"]).toBe(now.sha256);
      expect(champion.tags["netsec.model_version"]).toBe(now.version);
      for (const v of model.versions) {
        expect(Object.keys(v.tags).sort()).toEqual(["netsec.data_digest", "netsec.model_version", "netsec.sha256"]);
        expect(v.description).toMatch(/test metrics: .*f1 /);
      }
      return model;
    };

    // 1. online: pushes final_model version 1, registered as champion
    expect(await train(42, online, false)).toMatchObject({ pushed: true, modelVersion: 1 });
    expect((await expectChampionServed()).versions).toHaveLength(1);

    // 2. no server at all (local run log): pushes version 2
    expect(await train(7, { MLFLOW_TRACKING_URI: undefined, NETSEC_REGISTERED_MODEL: modelName, MLFLOW_EXPERIMENT_NAME: experimentName })).toMatchObject({ pushed: true, modelVersion: 2 });
    // 3. server down (outbox): pushes version 3
    const down = { ...online, MLFLOW_TRACKING_URI: `http://127.0.0.1:${await freePort()}` };
    expect(await train(9, down)).toMatchObject({ pushed: true, modelVersion: 3 });
    // 4. online again, the same model as version 3: not better, nothing pushed or registered
    expect(await train(9, online, false)).toMatchObject({ pushed: false });

    // 5. sync: the outbox run registers version 3, the alias moves forward to it
    const sync = await netsecCli(["sync", "--json"], cwd, online);
    expect(sync.code, sync.stderr).toBe(0);
    expect(sync.stderr).toContain("1 local-only run(s) (recorded with no server) wait in .netsec/runs: `netsec sync --local` sends them");
    expect(JSON.parse(sync.stdout.trim().split("\n").at(-1)!)).toMatchObject({ journals: 1, completed: 1, localWaiting: 1 });
    expect((await expectChampionServed()).versions).toHaveLength(2);

    // 6. sync --local: the older local-only run (final_model version 2) is registered, the alias stays
    const local = await netsecCli(["sync", "--local", "--json"], cwd, online);
    expect(local.code, local.stderr).toBe(0);
    expect(local.stderr).toMatch(/without moving "champion": it stays at version \d+ \(final_model version 3\), a newer push/);
    const afterLocal = await expectChampionServed();
    expect(afterLocal.versions.map((v) => v.tags["netsec.model_version"]).sort()).toEqual(["1", "2", "3"]);

    // 7. replay the first run's journal as if its runs, batches and registration had never been
    //    acknowledged (a sent journal keeps no artifact bytes: those acks stay): no new run, no new version, the alias stays
    const sent = join(cwd, ".netsec", "outbox", "sent");
    const first = readdirSync(sent).filter((f) => f.endsWith(".jsonl")).map((f) => join(sent, f))
      .find((f) => readFileSync(f, "utf8").includes(`"modelVersion":1`))!;
    mkdirSync(join(cwd, ".netsec", "outbox"), { recursive: true });
    const replayed = join(cwd, ".netsec", "outbox", "replayed.jsonl");
    copyFileSync(first, replayed);
    const lines = readFileSync(replayed, "utf8").trim().split("\n").map((l) => JSON.parse(l) as { op: string; id?: string; of?: string });
    const withBytes = new Set(lines.filter((l) => l.op === "artifact" || l.op === "model").map((l) => l.id));
    writeFileSync(replayed, lines.filter((l) => l.op !== "ack" || withBytes.has(l.of)).map((l) => JSON.stringify(l)).join("\n") + "\n");
    const replay = await netsecCli(["sync", "--json"], cwd, online);
    expect(replay.code, replay.stderr).toBe(0);
    expect(JSON.parse(replay.stdout.trim().split("\n").at(-1)!)).toMatchObject({ journals: 1, completed: 1, runsCreated: 0 });
    const afterReplay = await expectChampionServed();
    expect(afterReplay.versions).toHaveLength(3);
    expect(afterReplay.alias_version).toBe(afterLocal.alias_version);

    // `netsec runs` shows all five trainings from the journals, with where each one is
    const runs = await netsecCli(["runs", "--json"], cwd, {});
    const rows = (JSON.parse(runs.stdout.trim().split("\n").at(-1)!) as { runs: { pushed?: boolean; modelVersion?: number; where: string; dataDigest?: string }[] }).runs;
    expect(rows.filter((r) => r.pushed).map((r) => r.modelVersion).sort()).toEqual([1, 2, 3]);
    expect(rows.every((r) => r.where === "sent" && /^[0-9a-f]{16}$/.test(r.dataDigest ?? ""))).toBe(true);
  }, 600_000);
});
