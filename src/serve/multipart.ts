/**
 * `multipart/form-data` (RFC 7578) read straight from the body bytes: the parts are views into
 * the body (no copies), at most `MAX_PARTS` of them with at most `MAX_PART_HEADER_BYTES` of
 * headers each; a missing boundary, a part without `Content-Disposition: form-data; name=…` or a
 * body that ends before its closing boundary is a 400 naming the problem.
 */
import { excerpt } from "../errors.ts";
import { HttpError } from "./http-error.ts";

export const MAX_PARTS = 100;
export const MAX_PART_HEADER_BYTES = 16 * 1024;

export interface FormPart {
  name: string;
  /** Set for a file field (`filename="…"`). */
  filename?: string;
  body: Uint8Array;
}

const CR = 13, LF = 10, DASH = 45;
const latin1 = new TextDecoder("latin1");
const utf8 = new TextDecoder();
const encoder = new TextEncoder();

function invalid(message: string): HttpError {
  return new HttpError(400, "MULTIPART_INVALID", `the multipart body could not be read: ${message}`);
}

/** `boundary` of a multipart content type (quoted or not), or a 400. */
export function multipartBoundary(contentType: string): string {
  const match = /;\s*boundary=(?:"([^"]{1,70})"|([^\s;"]{1,70}))/i.exec(contentType);
  const boundary = match?.[1] ?? match?.[2];
  if (!boundary) throw invalid('the content type has no boundary (expected multipart/form-data; boundary=…)');
  return boundary;
}

/** Index of `needle` in `bytes` from `from`, or -1. */
function indexOfBytes(bytes: Uint8Array, needle: Uint8Array, from: number): number {
  const first = needle[0];
  const last = bytes.length - needle.length;
  for (let i = bytes.indexOf(first, from); i >= 0 && i <= last; i = bytes.indexOf(first, i + 1)) {
    let k = 1;
    while (k < needle.length && bytes[i + k] === needle[k]) k++;
    if (k === needle.length) return i;
  }
  return -1;
}

/** Parameters of a `Content-Disposition` value: `form-data; name="a"; filename="b.csv"`. */
function dispositionParams(value: string): Map<string, string> {
  const params = new Map<string, string>();
  const re = /;\s*([A-Za-z0-9_*-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]*))/g;
  for (let m = re.exec(value); m; m = re.exec(value)) {
    params.set(m[1].toLowerCase(), m[2] !== undefined ? m[2].replace(/\\(.)/g, "$1") : m[3].trim());
  }
  return params;
}

/** The parts of a multipart body, in order. */
export function parseMultipart(bytes: Uint8Array, contentType: string): FormPart[] {
  const boundary = multipartBoundary(contentType);
  const delimiter = encoder.encode(`--${boundary}`);
  const between = encoder.encode(`\r\n--${boundary}`);
  // The first delimiter: at the very start, or after a preamble and a line end.
  let at = bytes.length >= delimiter.length && delimiter.every((b, i) => bytes[i] === b) ? 0 : indexOfBytes(bytes, between, 0);
  if (at < 0) throw invalid(`the boundary "${excerpt(boundary)}" of the content type does not occur in the body`);
  if (at > 0) at += 2;
  const parts: FormPart[] = [];
  while (true) {
    let i = at + delimiter.length;
    if (bytes[i] === DASH && bytes[i + 1] === DASH) return parts; // closing delimiter
    while (bytes[i] === 32 || bytes[i] === 9) i++; // transport padding
    if (bytes[i] !== CR || bytes[i + 1] !== LF) throw invalid("a boundary line is not followed by a line end");
    i += 2;
    if (parts.length >= MAX_PARTS) throw invalid(`more than ${MAX_PARTS} parts`);
    const headerEnd = indexOfBytes(bytes.subarray(0, Math.min(bytes.length, i + MAX_PART_HEADER_BYTES + 4)), encoder.encode("\r\n\r\n"), i - 2);
    if (headerEnd < 0) {
      throw invalid(bytes.length - i > MAX_PART_HEADER_BYTES ? `the headers of part ${parts.length + 1} are longer than ${MAX_PART_HEADER_BYTES} bytes` : `part ${parts.length + 1} ends inside its headers`);
    }
    const headers = headerEnd < i ? [] : latin1.decode(bytes.subarray(i, headerEnd)).split("\r\n");
    const disposition = headers.find((h) => /^content-disposition\s*:/i.test(h));
    if (!disposition || !/^content-disposition\s*:\s*form-data\b/i.test(disposition)) throw invalid(`part ${parts.length + 1} has no "Content-Disposition: form-data" header`);
    // Browsers send names as raw UTF-8 bytes: decode them as such.
    const params = dispositionParams(utf8.decode(Uint8Array.from(disposition.slice(disposition.indexOf(":") + 1), (c) => c.charCodeAt(0) & 0xff)));
    const name = params.get("name");
    if (name === undefined) throw invalid(`part ${parts.length + 1} has no name`);
    const start = headerEnd + 4;
    const next = indexOfBytes(bytes, between, start);
    if (next < 0) throw invalid(`the body ends before the closing boundary "--${excerpt(boundary)}--"`);
    const filename = params.get("filename");
    parts.push({ name, filename, body: bytes.subarray(start, next) });
    at = next + 2;
  }
}
