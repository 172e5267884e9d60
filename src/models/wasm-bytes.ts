/**
 * The byte encodings shared by the small WebAssembly modules netsec assembles in code
 * (scoring/swept-simd.ts, trees/hist-wasm.ts): LEB128 integers, names and sections.
 */

/** Unsigned LEB128 (sizes, counts, indices, memory offsets). */
export function leb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>>= 7;
    if (n === 0) return [...out, byte];
    out.push(byte | 0x80);
  }
}

/** Signed LEB128 (i32.const operands). */
export function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && !(byte & 0x40)) || (n === -1 && byte & 0x40)) return [...out, byte];
    out.push(byte | 0x80);
  }
}

/** A name: its length, then its (ASCII) bytes. */
export function name(s: string): number[] {
  return [...leb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];
}

/** A module section: its id, its size, its body. */
export function section(id: number, body: number[]): number[] {
  return [id, ...leb(body.length), ...body];
}
