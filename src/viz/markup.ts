/**
 * The one way netsec builds HTML: hono's `html` tagged template, where every interpolated value is
 * escaped unless it is itself markup (built by `html` or marked with `raw`). Arrays of markup are
 * joined. Synchronous: nothing netsec interpolates is a Promise.
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
