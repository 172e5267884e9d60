/**
 * The CSV output of `netsec predict`, written as bytes: small integers (the features' -1/0/1, the
 * predicted class) come from a table of their ASCII forms, other numbers are their shortest
 * JavaScript form (`String(v)`, what `formatCell` writes), a missing value is an empty cell. The
 * bytes are exactly those of `formatCell` (data/csv.ts) + `join(",")`, without a string per cell.
 */
const LOW = -128;
const HIGH = 1023;
/** ASCII of String(v) for the integers LOW..HIGH, and where each starts. */
const SMALL = (() => {
  const text = Array.from({ length: HIGH - LOW + 1 }, (_, i) => String(LOW + i));
  const start = new Int32Array(text.length + 1);
  for (let i = 0; i < text.length; i++) start[i + 1] = start[i] + text[i].length;
  const bytes = new Uint8Array(start[text.length]);
  text.forEach((t, i) => {
    for (let j = 0; j < t.length; j++) bytes[start[i] + j] = t.charCodeAt(j);
  });
  return { bytes, start };
})();

export class CsvRowWriter {
  private buffer: Uint8Array;
  private at = 0;

  constructor(capacity = 1 << 16) {
    this.buffer = new Uint8Array(capacity);
  }

  private room(bytes: number): void {
    if (this.at + bytes <= this.buffer.length) return;
    const grown = new Uint8Array(Math.max(this.buffer.length * 2, this.at + bytes));
    grown.set(this.buffer.subarray(0, this.at));
    this.buffer = grown;
  }

  /** A cell as `formatCell` writes it (NaN: empty). */
  number(v: number): void {
    if (v !== v) return;
    this.plain(v);
  }

  /** `String(v)` (NaN: "NaN"). */
  plain(v: number): void {
    if (Number.isInteger(v) && v >= LOW && v <= HIGH) {
      const i = v - LOW;
      const from = SMALL.start[i];
      const to = SMALL.start[i + 1];
      this.room(to - from);
      for (let j = from; j < to; j++) this.buffer[this.at++] = SMALL.bytes[j];
      return;
    }
    const text = String(v); // ASCII: digits, sign, '.', 'e', "Infinity" or "NaN"
    this.room(text.length);
    for (let j = 0; j < text.length; j++) this.buffer[this.at++] = text.charCodeAt(j);
  }

  byte(code: number): void {
    this.room(1);
    this.buffer[this.at++] = code;
  }

  comma(): void {
    this.byte(44);
  }

  newline(): void {
    this.byte(10);
  }

  /** The bytes written since the last call (a copy; the writer starts over). */
  take(): Uint8Array {
    const out = this.buffer.slice(0, this.at);
    this.at = 0;
    return out;
  }
}
