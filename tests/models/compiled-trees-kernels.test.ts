import { describe, expect, it } from "vitest";
import { addNode, type FlatTrees, flatten, newTreeBuilder, sumLeaves, sumLeavesPlain, type TreeBuilder } from "../../src/models/trees/tree-ensemble.ts";
import { compileTrees, SWEEP_BUILD_ROWS, sumBitsliced, sumCompiled, sumTrees } from "../../src/models/scoring/compiled-trees.ts";
import { sumSwept, sweepProgram } from "../../src/models/scoring/swept-trees.ts";
import { simdSweeper } from "../../src/models/scoring/swept-simd.ts";
import { mulberry32 } from "../../src/stats/rng.ts";
import type { Matrix } from "../../src/models/classifier.ts";

type Rng = ReturnType<typeof mulberry32>;

/** A random tree: up to `leaves` leaves, splits on thresholds drawn from `cuts`, grown best-first-like (any leaf may split). */
function randomTree(rng: Rng, cols: number, leaves: number, cuts: number[]): TreeBuilder {
  const t = newTreeBuilder();
  addNode(t, rng.next() * 2 - 1);
  const open = [0];
  let count = 1;
  while (count < leaves && open.length) {
    // Split the deepest-looking open leaf often so that some trees get deep and lopsided.
    const pick = rng.next() < 0.5 ? open.length - 1 : rng.int(open.length);
    const node = open.splice(pick, 1)[0];
    t.feature[node] = rng.int(cols);
    t.threshold[node] = cuts[rng.int(cuts.length)];
    t.left[node] = addNode(t, rng.next() * 2 - 1);
    t.right[node] = addNode(t, rng.next() * 2 - 1);
    open.push(t.left[node], t.right[node]);
    count++;
  }
  return t;
}

function randomRows(rng: Rng, rows: number, cols: number, nanShare = 0.03): Matrix {
  const values = new Float64Array(rows * cols);
  for (let i = 0; i < values.length; i++) {
    const u = rng.next();
    values[i] = u < nanShare ? NaN : u < 0.15 ? rng.next() * 3 - 1.5 : rng.int(3) - 1;
  }
  return { values, rows, cols };
}

function exact(a: Float64Array, b: Float64Array): void {
  expect(a.length).toBe(b.length);
  const diff: number[] = [];
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) diff.push(i);
  expect(diff).toEqual([]);
}

const cuts = [-0.5, 0, 0.5, 0.25, -1, 1];

describe("tree kernels give exactly the plain walk's sums", () => {
  const rng = mulberry32(2024);
  const cols = 30;
  const ensembles: [string, FlatTrees][] = [
    ["31-leaf trees (boosting-like)", flatten(Array.from({ length: 41 }, () => randomTree(rng, cols, 31, cuts)))],
    ["single-leaf trees among others", flatten(Array.from({ length: 9 }, (_, i) => randomTree(rng, cols, i % 3 === 0 ? 1 : 7, cuts)))],
    ["only single-leaf trees", flatten(Array.from({ length: 5 }, () => randomTree(rng, cols, 1, cuts)))],
    ["deep trees (up to 90 leaves, depth well past 8)", flatten(Array.from({ length: 7 }, () => randomTree(rng, cols, 90, cuts)))],
    ["a 100-leaf tree (7 or 8 id planes)", flatten([randomTree(rng, cols, 100, cuts)])],
    ["an odd number of 40-leaf trees (6 id planes)", flatten(Array.from({ length: 5 }, () => randomTree(rng, cols, 40, cuts)))],
  ];
  for (const [name, trees] of ensembles) {
    it(name, () => {
      const compiled = compileTrees(trees, cols)!;
      expect(compiled).toBeDefined();
      const program = sweepProgram(compiled);
      expect(program).toBeDefined();
      for (const rows of [1, 3, 31, 33, 64, 97, 513, 1100]) {
        const x = randomRows(rng, rows, cols);
        const plain = sumLeavesPlain(trees, x);
        exact(sumCompiled(compiled, x), plain);
        exact(sumBitsliced(compiled, x), plain);
        exact(sumTrees(compiled, x), plain);
        for (const words of [1, 2, 3, 8, 16, 32, 64]) {
          exact(sumSwept(compiled, x, words, program), plain); // WebAssembly SIMD sweep where words % 4 === 0
          exact(sumSwept(compiled, x, words, program, false), plain); // the JavaScript sweep
        }
      }
    });
  }

  it("has no swept form when leaf ids need more than 8 planes, and sumLeaves still matches the plain walk", () => {
    for (const leaves of [300, 220]) {
      const trees = flatten([randomTree(rng, cols, leaves, cuts), randomTree(rng, cols, 5, cuts)]);
      const compiled = compileTrees(trees, cols)!;
      expect(sweepProgram(compiled)).toBeUndefined();
      expect(() => sumSwept(compiled, randomRows(rng, 40, cols))).toThrow("no swept form");
      const x = randomRows(rng, 700, cols);
      exact(sumLeaves(trees, x), sumLeavesPlain(trees, x));
      exact(sumTrees(compiled, x), sumLeavesPlain(trees, x));
    }
  });

  it("has the WebAssembly SIMD sweep on this runtime (else the tests above only cover the JavaScript one)", () => {
    const trees = flatten(Array.from({ length: 3 }, () => randomTree(rng, cols, 9, cuts)));
    expect(simdSweeper(sweepProgram(compileTrees(trees, cols)!)!, 12)).not.toBeNull();
  });

  it("sumTrees builds the swept form once enough rows were scored, and stays exact before and after", () => {
    const trees = flatten(Array.from({ length: 20 }, () => randomTree(rng, cols, 31, cuts)));
    const compiled = compileTrees(trees, cols)!;
    const small = randomRows(rng, 3000, cols);
    exact(sumTrees(compiled, small), sumLeavesPlain(trees, small));
    expect(compiled.sweep).toBeUndefined();
    const big = randomRows(rng, SWEEP_BUILD_ROWS + 77, cols);
    exact(sumTrees(compiled, big), sumLeavesPlain(trees, big));
    expect(compiled.sweep).toBeTruthy();
    exact(sumTrees(compiled, small), sumLeavesPlain(trees, small));
  });

  it("rows that are all NaN go right everywhere, as in the plain walk", () => {
    const trees = flatten(Array.from({ length: 6 }, () => randomTree(rng, cols, 31, cuts)));
    const compiled = compileTrees(trees, cols)!;
    const x = randomRows(rng, 200, cols, 1);
    exact(sumSwept(compiled, x, 4), sumLeavesPlain(trees, x));
  });
});
