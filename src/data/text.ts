/**
 * Text encoding checks shared by the readers (CSV, ARFF, uploads): UTF-8 with or without a BOM is
 * read; a UTF-16/UTF-32 byte-order mark, NUL bytes (UTF-16 without a BOM, or a binary file) and
 * bytes that are not UTF-8 are refused with the encoding or the byte offset named.
 */

const BOMS: [string, number[]][] = [
  ["UTF-32LE", [0xff, 0xfe, 0x00, 0x00]],
  ["UTF-32BE", [0x00, 0x00, 0xfe, 0xff]],
  ["UTF-8", [0xef, 0xbb, 0xbf]],
  ["UTF-16LE", [0xff, 0xfe]],
  ["UTF-16BE", [0xfe, 0xff]],
];

/** Bytes to skip at the start: 3 for a UTF-8 BOM, else 0; or why the text is refused. */
export function textStart(bytes: Uint8Array): { start: number } | { refused: string } {
  for (const [name, bom] of BOMS) {
    if (bytes.length >= bom.length && bom.every((b, i) => bytes[i] === b)) {
      return name === "UTF-8" ? { start: 3 } : { refused: `it is ${name} text (byte-order mark ${bom.map((b) => b.toString(16).padStart(2, "0")).join(" ")}); save it as UTF-8` };
    }
  }
  const sniff = Math.min(bytes.length, 4096);
  const nul = bytes.subarray(0, sniff).indexOf(0);
  if (nul >= 0) {
    const utf16 = nul <= 1 && sniff >= 4 && (bytes[nul + 2] === 0 || bytes[1 - nul] === 0);
    return { refused: `it has a NUL byte at byte offset ${nul}: ${utf16 ? "it looks like UTF-16 text without a byte-order mark; save it as UTF-8" : "it looks like a binary file, not text"}` };
  }
  return { start: 0 };
}

/** Offset of the first byte in `bytes[start, end)` that is not part of valid UTF-8, or -1. */
export function firstInvalidUtf8(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let i = start;
  while (i < end) {
    const b = bytes[i];
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number, min: number;
    if (b >= 0xc2 && b <= 0xdf) (need = 1), (min = 0x80);
    else if (b >= 0xe0 && b <= 0xef) (need = 2), (min = 0x800);
    else if (b >= 0xf0 && b <= 0xf4) (need = 3), (min = 0x10000);
    else return i;
    if (i + need >= end) return i; // cut off by the end
    let cp = b & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if ((c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return -1;
}

/** "byte 0xff at byte offset 1234 is not UTF-8" (offset counted from `base`). */
export function describeBadByte(bytes: Uint8Array, at: number, base = 0): string {
  return `byte 0x${bytes[at].toString(16).padStart(2, "0")} at byte offset ${base + at} is not UTF-8; save the file as UTF-8`;
}

/** `rest` (the unfinished line of the previous chunk) followed by `chunk`, as one buffer. */
export function afterCarry(rest: Uint8Array | undefined, chunk: Uint8Array): Uint8Array {
  if (!rest) return chunk;
  const bytes = new Uint8Array(rest.length + chunk.length);
  bytes.set(rest);
  bytes.set(chunk, rest.length);
  return bytes;
}

/** The cell (1-based) whose opening quote is still open at the end of `line`, and its text so far. */
export function unclosedQuote(line: string): { cell: number; text: string } | undefined {
  if (!line.includes('"')) return undefined;
  let cell = 1;
  let start = 0;
  let inQuotes = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (inQuotes) {
      if (ch === '"') {
        if (line[i + 1] === '"') i++;
        else inQuotes = false;
      }
    } else if (ch === '"') inQuotes = true;
    else if (ch === ",") {
      cell++;
      start = i + 1;
    }
  }
  return inQuotes ? { cell, text: line.slice(start).trim().replace(/^"/, "").replace(/\r$/, "") } : undefined;
}
