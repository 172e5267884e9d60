/**
 * The one way netsec builds HTML: hono's `html` tagged template, where every interpolated value is
 * escaped unless it is itself markup (built by `html` or marked with `raw`). Arrays of markup are
 * joined. Synchronous: nothing netsec interpolates is a Promise. The report, the runs index, the
 * serving pages and the notebook outputs all build their HTML here.
 */
import { html as honoHtml, raw as honoRaw } from "hono/html";

/** HTML that is safe to place as it is (escaped where it came from). */
export interface Markup {
  readonly isEscaped: true;
  toString(): string;
}

export function html(strings: TemplateStringsArray, ...values: unknown[]): Markup {
  const out = honoHtml(strings, ...values);
  if (out instanceof Promise) throw new TypeError("html: a Promise was interpolated");
  return out as unknown as Markup;
}

/** Text that is already HTML (a figure's script, plotly.js): placed without escaping. */
export function raw(text: string): Markup {
  return honoRaw(text) as unknown as Markup;
}

/** Markup pieces joined with a separator (the separator is markup too). */
export function join(parts: readonly Markup[], separator = ""): Markup {
  return raw(parts.map(String).join(separator));
}

/** JSON that can sit inside a <script> element without closing it (`</script>`, U+2028/2029). */
export function scriptJson(value: unknown): Markup {
  return raw(JSON.stringify(value).replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029"));
}
