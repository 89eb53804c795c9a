import { PII_CLASSES, type PiiClass } from './types.js';

export interface Span {
  class: PiiClass;
  start: number;
  end: number;
}

export interface ClassFigures {
  gold: number;
  found: number;
  /** span-level, the same class and the same offsets */
  exact: { precision: number | null; recall: number | null };
  /** the same class and at least one character in common */
  overlap: { precision: number | null; recall: number | null };
}

export type Figures = Record<PiiClass | 'all', ClassFigures> & {
  /** gold spans touched by a found span of any class: what the masking actually hides */
  masked_any_class: number | null;
};

const overlaps = (a: Span, b: Span): boolean => a.start < b.end && b.start < a.end;
const ratio = (num: number, den: number): number | null => (den === 0 ? null : num / den);

/**
 * Precision and recall per class over documents, each with its gold and found spans.
 * @example spanFigures([{ gold: [{ class: 'email', start: 0, end: 5 }], found: [] }]).email.exact.recall // 0
 */
export function spanFigures(docs: readonly { gold: readonly Span[]; found: readonly Span[] }[]): Figures {
  const counts = new Map<string, { gold: number; found: number; eR: number; eP: number; oR: number; oP: number }>();
  const c = (k: string) => {
    let v = counts.get(k);
    if (!v) counts.set(k, (v = { gold: 0, found: 0, eR: 0, eP: 0, oR: 0, oP: 0 }));
    return v;
  };
  let anyHit = 0;
  let goldTotal = 0;
  for (const { gold, found } of docs) {
    for (const g of gold) {
      const same = found.filter((f) => f.class === g.class);
      for (const k of [g.class, 'all']) {
        const v = c(k);
        v.gold++;
        if (same.some((f) => f.start === g.start && f.end === g.end)) v.eR++;
        if (same.some((f) => overlaps(f, g))) v.oR++;
      }
      goldTotal++;
      if (found.some((f) => overlaps(f, g))) anyHit++;
    }
    for (const f of found) {
      const same = gold.filter((g) => g.class === f.class);
      for (const k of [f.class, 'all']) {
        const v = c(k);
        v.found++;
        if (same.some((g) => g.start === f.start && g.end === f.end)) v.eP++;
        if (same.some((g) => overlaps(f, g))) v.oP++;
      }
    }
  }
  const out = { masked_any_class: ratio(anyHit, goldTotal) } as Figures;
  for (const k of [...PII_CLASSES, 'all'] as const) {
    const v = c(k);
    out[k] = {
      gold: v.gold,
      found: v.found,
      exact: { precision: ratio(v.eP, v.found), recall: ratio(v.eR, v.gold) },
      overlap: { precision: ratio(v.oP, v.found), recall: ratio(v.oR, v.gold) },
    };
  }
  return out;
}
