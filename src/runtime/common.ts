// Helpers shared by both runtime implementations (pure: no runtime APIs here).

let tempCounter = 0;

/** A sibling temp path for atomic writes: same directory, so `rename` stays on one filesystem. */
export function tempSibling(path: string, pid: number): string {
  tempCounter += 1;
  return `${path}.tmp-${pid}-${Date.now()}-${tempCounter}`;
}

export function toBytes(data: Uint8Array | string): Uint8Array {
  return typeof data === "string" ? new TextEncoder().encode(data) : data;
}

export function hex(buffer: ArrayBuffer): string {
  return Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** `file:///a/b/src/runtime/x.ts` → `/a/b` (the repository root, two levels above src/runtime). */
export function rootFromModuleUrl(moduleUrl: string): string {
  const path = decodeURIComponent(new URL(moduleUrl).pathname);
  return path.replace(/\/src\/runtime\/[^/]+$/, "");
}
