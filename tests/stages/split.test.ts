import { describe, expect, it } from "vitest";
import { stratifiedSplit } from "../../src/stages/split.ts";
import { mulberry32 } from "../../src/stats/rng.ts";

describe("seeded stratified split", () => {
  const strata = Array.from({ length: 1000 }, (_, i) => (i % 10 < 4 ? "-1" : "1"));

  it("keeps each stratum's share in test (rounded per stratum)", () => {
    const { train, test } = stratifiedSplit(strata, 0.2, 42);
    expect(test.length).toBe(200);
    expect(train.length).toBe(800);
    const inTest = Array.from(test, (i) => strata[i]);
    expect(inTest.filter((s) => s === "-1").length).toBe(80);
    expect(inTest.filter((s) => s === "1").length).toBe(120);
    expect(new Set([...train, ...test]).size).toBe(1000);
  });

  it("keeps the file order inside each part", () => {
    const { train, test } = stratifiedSplit(strata, 0.3, 1);
    expect(Array.from(train)).toEqual(Array.from(train).sort((a, b) => a - b));
    expect(Array.from(test)).toEqual(Array.from(test).sort((a, b) => a - b));
  });

  it("gives the same split for the same seed and another for another seed", () => {
    expect(Array.from(stratifiedSplit(strata, 0.2, 7).test)).toEqual(Array.from(stratifiedSplit(strata, 0.2, 7).test));
    expect(Array.from(stratifiedSplit(strata, 0.2, 7).test)).not.toEqual(Array.from(stratifiedSplit(strata, 0.2, 8).test));
  });

  it("splits a separate stratum (e.g. rows with a missing target) like the others", () => {
    const mixed = [...strata.slice(0, 90), ...Array(10).fill("invalid")];
    const { test } = stratifiedSplit(mixed, 0.2, 3);
    expect(Array.from(test, (i) => mixed[i]).filter((s) => s === "invalid").length).toBe(2);
  });

  it("mulberry32 is a fixed sequence (same on every runtime)", () => {
    const rng = mulberry32(42);
    const first = [rng.next(), rng.next(), rng.next()];
    // The reference mulberry32 (Tommy Ettinger's, as in the bryc/code PRNG list) gives
    // 0.6011037519201636 as its first draw for seed 42; the rest are regression literals.
    expect(first.map((x) => x.toFixed(12))).toEqual(FIRST_DRAWS);
  });
});

const FIRST_DRAWS = ["0.601103751920", "0.448290558998", "0.852465793490"];
