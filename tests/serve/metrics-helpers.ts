/** Reading the Prometheus text format in the /metrics tests. */

/** `name{labels} value` lines → value of the series with exactly these labels (sorted). */
export function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`).sort().join(",");
  for (const line of text.split("\n")) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const got = (match[2] ?? "").split(/,(?=[a-zA-Z_][a-zA-Z0-9_]*=")/).filter(Boolean).sort().join(",");
    if (got === want) return Number(match[3]);
  }
  return undefined;
}
