/**
 * Our gradient-boosted trees for the logistic loss (scikit-learn's HistGradientBoostingClassifier
 * semantics: baseline = log-odds of the training prior, trees grown best-first up to
 * `max_leaf_nodes` leaves, `min_samples_leaf`, L2 regularisation, leaves shrunk by
 * `learning_rate`). Rows are binned (one bin per distinct value), identical rows merged into
 * groups (their gradient and hessian are exact sums), features packed into one-byte bundles;
 * trees/gbt-grower.ts grows the trees, on several threads when the fit is given `threads`. No
 * randomness: the model depends only on the data and the parameters, not on the thread count.
 */
import type { Explanation, FitOptions, Matrix, ModelJson, Params } from "../classifier.ts";
import { fitBins } from "../trees/binning.ts";
import { bundleFeatures } from "../trees/bundles.ts";
import { groupRows } from "../trees/grouping.ts";
import { wasmArena } from "../trees/hist-wasm.ts";
import { gbtArrays, gbtBytes, GbtGrower, type GbtOptions, SHARD_ROWS, shardCount, slotCapacity } from "../trees/gbt-grower.ts";
import { canStartTeam, fitBuffer, startTeam, type Team } from "../trees/fit-team.ts";
import { flatten, type TreeBuilder } from "../trees/tree-ensemble.ts";
import { TreeModel, type TreeModelState } from "../trees/tree-model.ts";
import { ParamReader } from "../params.ts";

export const HIST_GBT = "hist_gbt";
const KNOWN = ["n_estimators", "learning_rate", "max_leaf_nodes", "max_depth", "min_samples_leaf", "l2_regularization", "seed"] as const;

function readOptions(params: Params): GbtOptions {
  const p = new ParamReader(HIST_GBT, params, KNOWN);
  p.int("seed", 0); // accepted for a uniform grid; boosting here is deterministic
  return {
    iterations: p.int("n_estimators", 100, 1, 100_000),
    rate: p.number("learning_rate", 0.1, 1e-6, 10),
    maxLeaves: p.int("max_leaf_nodes", 31, 2, 65_536),
    maxDepth: p.limit("max_depth"),
    minLeaf: p.int("min_samples_leaf", 20, 1),
    lambda: p.number("l2_regularization", 0, 0),
  };
}

interface GbtState extends TreeModelState {
  baseline: number;
}

export class HistGbt extends TreeModel {
  readonly family = HIST_GBT;
  private baseline = 0;
  /** Threads the last fit ran on: 1 without workers (Node), for small data (< 2 shards), on the WebAssembly kernels of continuous features, or when asked for 1. */
  fitThreads = 1;

  constructor(params: Params = {}) {
    super(params);
    readOptions(params);
  }

  /** `options.threads` > 1: up to that many threads share the fit where the runtime has workers (Deno). */
  fit(x: Matrix, y: Uint8Array, options: FitOptions = {}): void | Promise<void> {
    const o = readOptions(this.params);
    const bins = fitBins(x);
    const bundles = bundleFeatures(bins);
    const data = groupRows(x, y, bins, bundles, true);
    let ones = 0;
    for (let i = 0; i < y.length; i++) ones += y[i];
    const prior = Math.min(1 - 1e-12, Math.max(1e-12, ones / y.length));
    this.baseline = Math.log(prior / (1 - prior));
    // A team only where there are shards to deal out and the slots fit in a fixed shared block.
    const shards = shardCount(data.groups, bundles);
    const capacity = slotCapacity(o.maxLeaves, y.length, o.minLeaf);
    const threads = Math.min(shards, Math.max(1, Math.floor(options.threads ?? 1)));
    const slotBytes = capacity * shards * bundles.totalBins * 24;
    // Every bundle one feature (continuous features): one shard, so one thread (on the WebAssembly
    // kernels: as fast as a team of two on the JavaScript loops, 1.6 vs 2.9–4.2 ns a histogram
    // update, bench/RESULTS.md, at half the CPU).
    const teamed = threads > 1 && data.groups >= 2 * SHARD_ROWS && slotBytes <= 64 << 20 && canStartTeam();
    // One thread: the arrays in a WebAssembly arena (trees/hist-wasm.ts) with every slot up front, where they fit in 64 MB of slots.
    const arena = !teamed && slotBytes <= 64 << 20 ? wasmArena(gbtBytes(data, bundles, capacity, o.maxLeaves)) : null;
    const slots = teamed || arena ? capacity : Math.min(capacity, 64);
    const arrays = gbtArrays(data, bundles, slots, this.baseline, o.maxLeaves, arena ? arena.alloc : fitBuffer(teamed));
    const boost = (team?: Team) => {
      const grower = new GbtGrower(arrays, bundles, bins, o, team);
      const importance = new Float64Array(x.cols);
      const builders: TreeBuilder[] = [];
      grower.gradients();
      for (let t = 0; t < o.iterations; t++) builders.push(grower.grow(importance, t === o.iterations - 1));
      const sum = importance.reduce((a, b) => a + b, 0);
      if (sum > 0) for (let f = 0; f < x.cols; f++) importance[f] /= sum;
      this.fitted(flatten(builders), importance, x.cols);
    };
    this.fitThreads = teamed ? threads : 1;
    if (!teamed) return boost();
    return startTeam(arrays, bundles, threads).then((team) => {
      try {
        boost(team);
      } finally {
        team.close();
      }
    });
  }

  /** Raw scores (log-odds of class 1). */
  decisionFunction(x: Matrix): Float64Array {
    const out = this.leafSums(x).sums;
    for (let i = 0; i < out.length; i++) out[i] += this.baseline;
    return out;
  }

  /** TreeSHAP contributions to the log-odds of class 1 (baseline included in `base`). */
  explain(x: Matrix): Explanation {
    return this.explainTrees(x, "log_odds", 1, this.baseline);
  }

  predictProba(x: Matrix): Float64Array {
    const out = this.decisionFunction(x);
    for (let i = 0; i < out.length; i++) out[i] = 1 / (1 + Math.exp(-out[i]));
    return out;
  }

  toJSON(): ModelJson {
    return this.stateJSON({ baseline: this.baseline });
  }

  static fromJSON(json: ModelJson): HistGbt {
    const state = json.state as GbtState;
    if (!Number.isFinite(state.baseline)) throw new RangeError("hist_gbt: baseline is not a finite number");
    const model = new HistGbt(json.params).restore(state);
    model.baseline = state.baseline;
    return model;
  }
}
