/**
 * HTML templates with escaping by default: `html\`<p>${text}</p>\`` escapes every interpolated value
 * (text, numbers, attribute values alike), except values that are already `Html` (a nested template or
 * a vetted fragment such as a rendered chart). Arrays are joined; null, undefined and false render
 * nothing. Nothing user-provided can reach the page unescaped, as no string becomes Html implicitly.
 */

export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for element content and quoted attribute values. */
export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => ENTITIES[c]!);

export type Part = Html | string | number | boolean | null | undefined | readonly Part[];

function render(v: Part): string {
  if (v === null || v === undefined || v === false) return '';
  if (v instanceof Html) return v.value;
  if (Array.isArray(v)) return v.map(render).join('');
  return escapeHtml(String(v));
}

export function html(strings: TemplateStringsArray, ...values: Part[]): Html {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]!) + strings[i + 1]!;
  return new Html(out);
}

/** A fragment produced by trusted code (never user text). */
export const trusted = (markup: string): Html => new Html(markup);

/** `a=1&b=2` from the defined entries (values URL-encoded; the template escapes the `&`). */
export function queryString(params: Record<string, string | number | boolean | null | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}
