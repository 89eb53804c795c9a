/**
 * The one rule for text from outside, decided before anything reaches the database: a string may
 * not hold U+0000 (PostgreSQL text cannot store it) nor a lone UTF-16 surrogate (it has no UTF-8
 * form). The HTTP layer applies it to every query and path parameter and JSON body
 * (src/plugins/input.ts), the ingestion pipeline to every uploaded row, JSON or CSV
 * (src/ingest/pipeline.ts); a review's text alone is cleaned instead (NUL removed, with a warning).
 */

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Why `s` cannot be stored as text, or null when it can. */
export function textFault(s: string): string | null {
  const nul = s.indexOf('\u0000');
  if (nul >= 0) return `contains a NUL character (U+0000) at position ${nul}`;
  const m = LONE_SURROGATE.exec(s);
  if (m)
    return `contains a lone UTF-16 surrogate (U+${m[0].charCodeAt(0).toString(16).toUpperCase()}) at position ${m.index}`;
  return null;
}

/** `s` without NUL characters, and how many there were. */
export function stripNul(s: string): { text: string; removed: number } {
  if (!s.includes('\u0000')) return { text: s, removed: 0 };
  const text = s.split('\u0000').join('');
  return { text, removed: s.length - text.length };
}

export interface TextFault {
  /** Dotted path from the root, e.g. `body.0.role`, `querystring.team`. */
  field: string;
  reason: string;
}

/** How deep `findTextFaults` looks; deeper values are a fault of their own. */
export const MAX_DEPTH = 64;

/**
 * Every string (member names too) under `value` that breaks the rule, at most `max` of them,
 * named by their path under `root`. Nesting deeper than MAX_DEPTH is reported once.
 */
export function findTextFaults(value: unknown, root: string, max = 100): TextFault[] {
  const out: TextFault[] = [];
  const walk = (v: unknown, path: string, depth: number): void => {
    if (out.length >= max) return;
    if (typeof v === 'string') {
      const reason = textFault(v);
      if (reason) out.push({ field: path, reason });
      return;
    }
    if (v === null || typeof v !== 'object') return;
    if (depth >= MAX_DEPTH) {
      out.push({ field: path, reason: `nested deeper than ${MAX_DEPTH} levels` });
      return;
    }
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length && out.length < max; i++) walk(v[i], `${path}.${i}`, depth + 1);
      return;
    }
    for (const [k, child] of Object.entries(v)) {
      if (out.length >= max) return;
      const keyFault = textFault(k);
      const name = keyFault ? `${path}.${JSON.stringify(k).slice(1, -1)}` : `${path}.${k}`;
      if (keyFault) out.push({ field: name, reason: `member name ${keyFault}` });
      else walk(child, name, depth + 1);
    }
  };
  walk(value, root, 0);
  return out;
}
