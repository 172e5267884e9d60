import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { DENO, ROOT } from "../helpers/env.ts";

describe("search on Deno workers", () => {
  it("gives the same leaderboard scores and model bytes with 1 and 2 workers", () => {
    const text = execFileSync(DENO, ["run", "-A", "tests/search/deno-workers.ts"], { cwd: ROOT, encoding: "utf8" });
    const out = JSON.parse(text.trim().split("\n").pop()!);
    expect(out.w2.scores).toEqual(out.w1.scores);
    expect(out.w2.model).toBe(out.w1.model);
  });
});
