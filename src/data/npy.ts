/**
 * NumPy `.npy` files (format version 1.0), the transformed arrays' on-disk format: little-endian
 * float64 (`<f8`), C order, 2-D. `np.load("train.npy")` reads what `writeNpy` writes, and
 * `readNpy` reads what `np.save` writes for such arrays. Spec:
 * https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html
 *
 * Layout: magic `\x93NUMPY`, version bytes 1 0, header length (uint16 LE), an ASCII dict
 * `{'descr': '<f8', 'fortran_order': False, 'shape': (rows, cols), }` padded with spaces and a
 * final `\n` so that the data starts at a multiple of 64 bytes, then rows × cols float64 values.
 */
import { platform } from "../runtime/index.ts";
import { NetsecError } from "../errors.ts";

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export interface NpyArray {
  rows: number;
  cols: number;
  /** Row-major (C order) values. */
  values: Float64Array;
}

/** The header bytes (magic … padded dict) for a float64 C-order array of this shape. */
export function npyHeader(rows: number, cols: number): Uint8Array {
  const dict = `{'descr': '<f8', 'fortran_order': False, 'shape': (${rows}, ${cols}), }`;
  const unpadded = MAGIC.length + 2 + 2 + dict.length + 1;
  const pad = (64 - (unpadded % 64)) % 64;
  const text = dict + " ".repeat(pad) + "\n";
  const out = new Uint8Array(MAGIC.length + 4 + text.length);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  out[8] = text.length & 0xff;
  out[9] = text.length >> 8;
  for (let i = 0; i < text.length; i++) out[10 + i] = text.charCodeAt(i);
  return out;
}

function toLittleEndianBytes(values: Float64Array): Uint8Array {
  if (littleEndian) return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const out = new Uint8Array(values.length * 8);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat64(i * 8, values[i], true);
  return out;
}

/** The whole file in memory (small arrays, tests). */
export function encodeNpy(array: NpyArray): Uint8Array {
  const header = npyHeader(array.rows, array.cols);
  const data = toLittleEndianBytes(array.values);
  const out = new Uint8Array(header.length + data.length);
  out.set(header);
  out.set(data, header.length);
  return out;
}

/**
 * Write an npy file row block by row block: `fill(from, to, out)` writes rows [from, to) into
 * `out` (row-major, `cols` wide). Memory stays at one block whatever the array size.
 */
export async function writeNpy(
  path: string,
  rows: number,
  cols: number,
  fill: (from: number, to: number, out: Float64Array) => void,
  blockRows = 16_384,
): Promise<void> {
  const writer = await platform.openWriter(path);
  try {
    await writer.write(npyHeader(rows, cols));
    const block = new Float64Array(blockRows * cols);
    for (let from = 0; from < rows; from += blockRows) {
      const to = Math.min(rows, from + blockRows);
      const part = block.subarray(0, (to - from) * cols);
      fill(from, to, part);
      // copy: the writer may hold the bytes after write() resolves on some runtimes
      await writer.write(toLittleEndianBytes(part).slice());
    }
  } finally {
    await writer.close();
  }
}

function fail(source: string, message: string): never {
  throw new NetsecError("DATA_INVALID", `${source}: not a float64 .npy array: ${message}`, { location: { file: source } });
}

/** Parse npy bytes (float64 little-endian, C order, 1-D or 2-D). */
export function decodeNpy(bytes: Uint8Array, source = "array.npy"): NpyArray {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) fail(source, "missing the \\x93NUMPY magic");
  const major = bytes[6];
  let headerLength: number;
  let start: number;
  if (major === 1) {
    headerLength = bytes[8] | (bytes[9] << 8);
    start = 10;
  } else if (major === 2 || major === 3) {
    headerLength = bytes[8] | (bytes[9] << 8) | (bytes[10] << 16) | (bytes[11] << 24);
    start = 12;
  } else fail(source, `unknown format version ${major}`);
  const header = new TextDecoder().decode(bytes.subarray(start, start + headerLength));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  if (descr !== "<f8") fail(source, `dtype ${descr ?? "?"}, expected <f8`);
  if (!/'fortran_order':\s*False/.test(header)) fail(source, "Fortran order, expected C order");
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (shapeText === undefined) fail(source, "no shape in the header");
  const dims = shapeText.split(",").map((s) => s.trim()).filter(Boolean).map(Number);
  if (dims.length < 1 || dims.length > 2 || dims.some((d) => !Number.isInteger(d) || d < 0)) fail(source, `shape (${shapeText}), expected 1 or 2 dimensions`);
  const rows = dims[0];
  const cols = dims.length === 2 ? dims[1] : 1;
  const dataStart = start + headerLength;
  const expected = rows * cols * 8;
  if (bytes.length - dataStart !== expected) fail(source, `${bytes.length - dataStart} data bytes, expected ${expected} for shape (${rows}, ${cols})`);
  const values = new Float64Array(rows * cols);
  const view = new DataView(bytes.buffer, bytes.byteOffset + dataStart, expected);
  for (let i = 0; i < values.length; i++) values[i] = view.getFloat64(i * 8, true);
  return { rows, cols, values };
}

export async function readNpy(path: string): Promise<NpyArray> {
  if (!(await platform.stat(path))) throw new NetsecError("FILE_NOT_FOUND", `file not found: ${path}`, { location: { file: path } });
  return decodeNpy(await platform.readFile(path), path);
}

/**
 * A transformed array (features, then the class index as the last column — see
 * docs/pipeline.md) as the feature matrix and the labels the models take.
 */
export function splitFeaturesAndLabels(array: NpyArray): { x: { values: Float64Array; rows: number; cols: number }; y: Uint8Array } {
  const cols = array.cols - 1;
  if (cols < 1) throw new NetsecError("DATA_INVALID", `a transformed array needs feature columns and a label column, got ${array.cols} column(s)`);
  const x = new Float64Array(array.rows * cols);
  const y = new Uint8Array(array.rows);
  for (let r = 0; r < array.rows; r++) {
    x.set(array.values.subarray(r * array.cols, r * array.cols + cols), r * cols);
    y[r] = array.values[r * array.cols + cols];
  }
  return { x: { values: x, rows: array.rows, cols }, y };
}
