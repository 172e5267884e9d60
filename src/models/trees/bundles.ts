/**
 * Feature bundles: consecutive features whose bin counts multiply to at most 256 share one byte,
 * the joint code `Σ code_f × stride_f` (five features of three values: 3^5 = 243). A histogram over
 * a bundle's joint codes holds every one of its features' histograms: each feature's is the sum of
 * the joint bins with that feature's code. Building the joint histogram costs one update per row and
 * bundle instead of one per row and feature (6 instead of 30 for the phishing data); the features'
 * histograms then come from the ≤ 256 joint bins, whatever the row count.
 *
 * Bins are numbered globally: feature f's bin b is `binOffset[f] + b` (what the split search scans).
 */
import type { Bins } from "./binning.ts";

export interface Bundles {
  /** Number of bundles. */
  count: number;
  /** Bundle k holds features first[k] .. first[k + 1] - 1. */
  first: Int32Array;
  /** Per feature, its multiplier in its bundle's joint code. */
  stride: Int32Array;
  /** Per feature, its first global bin; binOffset[features] = total bins. */
  binOffset: Int32Array;
  totalBins: number;
  /** Per bundle, the first joint entry; jointOffset[count] = all joint entries. */
  jointOffset: Int32Array;
  /** Widest bundle (features). */
  width: number;
  /** Global bin of the t-th feature of the bundle for joint entry e: `digits[e * width + t]`. */
  digits: Int32Array;
}

/**
 * `maxJoint`: largest joint code count of a bundle (256: one byte). 1 puts every feature in a
 * bundle of its own (the codes are then the features' own codes).
 */
export function bundleFeatures(bins: Bins, maxJoint = 256): Bundles {
  const F = bins.counts.length;
  const first: number[] = [0];
  const stride = new Int32Array(F);
  let product = 1;
  for (let f = 0; f < F; f++) {
    const n = bins.counts[f];
    if (f > first[first.length - 1] && (maxJoint <= 1 || product * n > maxJoint)) {
      first.push(f);
      product = 1;
    }
    stride[f] = product;
    product *= n;
  }
  first.push(F);
  const count = first.length - 1;
  const binOffset = new Int32Array(F + 1);
  for (let f = 0; f < F; f++) binOffset[f + 1] = binOffset[f] + bins.counts[f];
  const jointOffset = new Int32Array(count + 1);
  let width = 1;
  for (let k = 0; k < count; k++) {
    let size = 1;
    for (let f = first[k]; f < first[k + 1]; f++) size *= bins.counts[f];
    jointOffset[k + 1] = jointOffset[k] + size;
    width = Math.max(width, first[k + 1] - first[k]);
  }
  const digits = new Int32Array(jointOffset[count] * width);
  for (let k = 0; k < count; k++) {
    for (let j = 0; j < jointOffset[k + 1] - jointOffset[k]; j++) {
      const e = jointOffset[k] + j;
      for (let f = first[k]; f < first[k + 1]; f++) {
        const code = Math.floor(j / stride[f]) % bins.counts[f];
        digits[e * width + (f - first[k])] = binOffset[f] + code;
      }
    }
  }
  return { count, first: Int32Array.from(first), stride, binOffset, totalBins: binOffset[F], jointOffset, width, digits };
}

/** For a split of feature f at code ≤ lo: per joint code of f's bundle, 1 if the row goes left. */
export function leftCodes(bundles: Bundles, bins: Bins, f: number, lo: number, out: Uint8Array<ArrayBufferLike> = new Uint8Array(256)): Uint8Array<ArrayBufferLike> {
  const k = bundleOf(bundles, f);
  const size = bundles.jointOffset[k + 1] - bundles.jointOffset[k];
  const n = bins.counts[f];
  for (let j = 0; j < size; j++) out[j] = Math.floor(j / bundles.stride[f]) % n <= lo ? 1 : 0;
  return out;
}

export function bundleOf(bundles: Bundles, f: number): number {
  let k = 0;
  while (bundles.first[k + 1] <= f) k++;
  return k;
}
