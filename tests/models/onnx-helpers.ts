/**
 * What the ONNX tests share: the real data split as the pipeline splits it (train part imputed by
 * a preprocessor fitted on it, test rows imputed by the same), random rows, and the two real
 * runtimes — Python onnxruntime (the venv, through tests/models/onnx_run.py, which also runs
 * onnx.checker with full_check) and onnxruntime-node in this process.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { readCsv } from "../../src/data/csv.ts";
import { takeRows } from "../../src/data/frame.ts";
import { loadSchema, type Schema } from "../../src/schema.ts";
import { Preprocessor } from "../../src/models/preprocessor.ts";
import type { Matrix } from "../../src/models/classifier.ts";
import { stratifiedSplit } from "../../src/stages/split.ts";
import { mulberry32 } from "../../src/stats/rng.ts";
import { PYTHON, ROOT, SHARED_DATA } from "../helpers/env.ts";

export interface PhishingSplit {
  schema: Schema;
  preprocessor: Preprocessor;
  train: { x: Matrix; y: Uint8Array };
  test: { x: Matrix; y: Uint8Array };
}

let split: Promise<PhishingSplit> | undefined;

/** The real data, 80/20 stratified split with seed 42, KNN imputer (k = 3) fitted on train. */
export function phishingSplit(): Promise<PhishingSplit> {
  split ??= (async () => {
    const schema = await loadSchema();
    const frame = (await readCsv(SHARED_DATA)).frame;
    const target = frame.columns.indexOf(schema.target.name);
    const strata = Array.from({ length: frame.rows }, (_, r) => frame.values[r * frame.columns.length + target]);
    const parts = stratifiedSplit(strata, 0.2, 42);
    const trainFrame = takeRows(frame, parts.train);
    const preprocessor = Preprocessor.fit(trainFrame, schema, { k: 3 });
    const train = preprocessor.transformFrame(trainFrame);
    const test = preprocessor.transformFrame(takeRows(frame, parts.test));
    return { schema, preprocessor, train: { x: train.x, y: train.y! }, test: { x: test.x, y: test.y! } };
  })();
  return split;
}

/**
 * `rows` random rows of 30 features: most cells one of {-1, 0, 1}, one in five a value from
 * [-1.5, 1.5] (as imputed or out-of-range inputs), every value exactly a float32 — the graph's
 * input type — so netsec (float64) and the runtimes see the same numbers.
 */
export function randomRows(rows: number, seed = 12, cols = 30): Matrix {
  const rng = mulberry32(seed);
  const values = new Float64Array(rows * cols);
  for (let i = 0; i < values.length; i++) values[i] = rng.next() < 0.8 ? rng.int(3) - 1 : Math.fround(rng.next() * 3 - 1.5);
  return { values, rows, cols };
}

export interface OnnxAnswers {
  label: number[];
  /** The two probability outputs, in output order (class index 0, 1). */
  p0: Float32Array;
  p1: Float32Array;
  outputNames: string[];
}

export interface PythonRun extends OnnxAnswers {
  info: {
    onnx: string;
    onnxruntime: string;
    checker: string;
    inputs: { name: string; type: string; shape: (number | string)[] }[];
    outputs: { name: string; type: string; shape: (number | string)[]; dtype: string; shape_out: number[] }[];
    opsets: Record<string, number>;
    ir_version: number;
    metadata: Record<string, string>;
  };
}

/** Score `x` with the real Python onnxruntime (after onnx.checker.check_model(full_check=True)). */
export function runPython(onnx: Uint8Array, x: Matrix): PythonRun {
  const dir = mkdtempSync(join(tmpdir(), "netsec-onnx-"));
  writeFileSync(join(dir, "model.onnx"), onnx);
  writeFileSync(join(dir, "rows.f32"), new Uint8Array(Float32Array.from(x.values).buffer));
  const stdout = execFileSync(PYTHON, [join(ROOT, "tests", "models", "onnx_run.py"), join(dir, "model.onnx"), join(dir, "rows.f32"), join(dir, "out")], { encoding: "utf8", maxBuffer: 1 << 26 });
  const info = JSON.parse(stdout.trim().split("\n").at(-1)!) as PythonRun["info"];
  const read = (name: string) => readFileSync(join(dir, "out", `${name}.bin`));
  const names = info.outputs.map((o) => o.name);
  const labelBytes = read(names[0]);
  const label = Array.from(new BigInt64Array(labelBytes.buffer, labelBytes.byteOffset, labelBytes.length / 8), Number);
  const f32 = (name: string) => {
    const b = read(name);
    return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
  };
  return { info, label, p0: f32(names[1]), p1: f32(names[2]), outputNames: names };
}

/** Score `x` with onnxruntime-node (npm, the CPU binary in the package). */
export async function runNode(onnx: Uint8Array, x: Matrix): Promise<OnnxAnswers & { session: ort.InferenceSession }> {
  const session = await ort.InferenceSession.create(onnx);
  const input = new ort.Tensor("float32", Float32Array.from(x.values), [x.rows, x.cols]);
  const out = await session.run({ [session.inputNames[0]]: input });
  const names = [...session.outputNames];
  return {
    session,
    outputNames: names,
    label: Array.from(out[names[0]].data as BigInt64Array, Number),
    p0: out[names[1]].data as Float32Array,
    p1: out[names[2]].data as Float32Array,
  };
}

/** Largest |a - b| over all entries. */
export function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}
