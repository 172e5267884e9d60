/** Reading a family's parameters from an experiment grid, with messages that name the family. */
import { NetsecError } from "../errors.ts";
import type { Params } from "./classifier.ts";

export class ParamReader {
  constructor(readonly family: string, readonly params: Params, known: readonly string[]) {
    for (const name of Object.keys(params)) {
      if (!known.includes(name)) {
        throw new NetsecError("CONFIG_INVALID", `${family}: unknown parameter "${name}" (known: ${known.join(", ")})`);
      }
    }
  }

  private fail(name: string, expected: string): never {
    throw new NetsecError("CONFIG_INVALID", `${this.family}: parameter ${name} = ${JSON.stringify(this.params[name])} is invalid, expected ${expected}`);
  }

  number(name: string, fallback: number, min = -Infinity, max = Infinity): number {
    const v = this.params[name];
    if (v === undefined || v === null) return fallback;
    if (typeof v !== "number" || !Number.isFinite(v) || v < min || v > max) this.fail(name, `a number in [${min}, ${max}]`);
    return v;
  }

  int(name: string, fallback: number, min = -Infinity, max = Infinity): number {
    const v = this.number(name, fallback, min, max);
    if (!Number.isInteger(v)) this.fail(name, "an integer");
    return v;
  }

  /** An integer, or null/absent for "no limit" (Infinity). */
  limit(name: string, min = 1): number {
    const v = this.params[name];
    if (v === undefined || v === null) return Infinity;
    return this.int(name, Infinity, min);
  }

  bool(name: string, fallback: boolean): boolean {
    const v = this.params[name];
    if (v === undefined || v === null) return fallback;
    if (typeof v !== "boolean") this.fail(name, "true or false");
    return v;
  }

  choice<T extends string>(name: string, fallback: T, options: readonly T[]): T {
    const v = this.params[name];
    if (v === undefined || v === null) return fallback;
    if (typeof v !== "string" || !options.includes(v as T)) this.fail(name, `one of ${options.join(", ")}`);
    return v as T;
  }

  /** max_features: "sqrt" | "log2" | a fraction in (0, 1] | a count ≥ 1. */
  maxFeatures(name: string, fallback: string | number, features: number): number {
    const v = this.params[name] ?? fallback;
    if (v === "sqrt") return Math.max(1, Math.floor(Math.sqrt(features)));
    if (v === "log2") return Math.max(1, Math.floor(Math.log2(features)));
    if (typeof v === "number" && v > 0 && v <= 1 && !Number.isInteger(v)) return Math.max(1, Math.floor(v * features));
    if (typeof v === "number" && Number.isInteger(v) && v >= 1) return Math.min(features, v);
    this.fail(name, `"sqrt", "log2", a fraction in (0, 1) or a count`);
  }
}

/** Class index for each probability of class 1 (ties go to class 0, as scikit-learn's argmax). */
export function classesOf(p1: Float64Array): Uint8Array {
  const out = new Uint8Array(p1.length);
  for (let i = 0; i < p1.length; i++) out[i] = p1[i] > 0.5 ? 1 : 0;
  return out;
}

export function assertFitted<T>(value: T | undefined, family: string): T {
  if (value === undefined) throw new NetsecError("MODEL_INVALID", `${family}: predict called before fit`);
  return value;
}

export function checkWidth(family: string, expected: number, got: number): void {
  if (expected !== got) throw new NetsecError("PREDICT_INVALID", `${family}: the model was fitted on ${expected} features, got ${got}`);
}
