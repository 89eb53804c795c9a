import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { containsPersonalData, isValidIdNumber, maskPersonalData, PII_CLASSES } from '../../src/privacy/index.js';

const pieces = [
  ...'0123456789０１２３４５６７８９',
  ...' -+()（）：:#@＠.,，。',
  'X',
  'a',
  'Z',
  '139',
  '86',
  '010',
  '号',
  '栋',
  '室',
  '路',
  '区',
  '市',
  '省',
  '张',
  '王女士',
  '订单号',
  '收件人',
  '联系人',
  '地址：',
  'Name: ',
  'Order #',
  'Street',
  '.com',
];
const texts = fc.array(fc.constantFrom(...pieces), { maxLength: 60 }).map((xs) => xs.join(''));

describe('masking invariants', () => {
  it('spans are in order, disjoint, inside the text, and rebuild the masked text', () => {
    fc.assert(
      fc.property(texts, (text) => {
        const { text: masked, found } = maskPersonalData(text);
        let at = 0;
        let rebuilt = '';
        for (const f of found) {
          expect(PII_CLASSES).toContain(f.class);
          expect(f.start).toBeGreaterThanOrEqual(at);
          expect(f.end).toBeGreaterThan(f.start);
          expect(f.end).toBeLessThanOrEqual(text.length);
          rebuilt += text.slice(at, f.start) + f.replacement;
          at = f.end;
        }
        expect(rebuilt + text.slice(at)).toBe(masked);
        expect(containsPersonalData(text)).toBe(found.length > 0);
      }),
      { numRuns: 2000 },
    );
  });
});

interface Item {
  id: string;
  split: string;
  text: string;
  spans: { class: string; start: number; end: number; text: string }[];
}
const read = (lang: string): Item[] =>
  readFileSync(new URL(`../../data/pii/${lang}.jsonl`, import.meta.url), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Item);

describe.each([
  ['zh', 200],
  ['en', 100],
])('the labelled set %s', (lang, least) => {
  const items = read(lang);

  it(`holds at least ${least} distinct texts in dev and test with exact, disjoint spans`, () => {
    expect(items.length).toBeGreaterThanOrEqual(least);
    expect(new Set(items.map((i) => i.text)).size).toBe(items.length);
    expect(new Set(items.map((i) => i.split))).toEqual(new Set(['dev', 'test']));
    for (const it of items) {
      let at = 0;
      for (const s of it.spans) {
        expect(PII_CLASSES).toContain(s.class);
        expect(it.text.slice(s.start, s.end)).toBe(s.text);
        expect(s.start).toBeGreaterThanOrEqual(at);
        at = s.end;
        if (s.class === 'id_number')
          expect(
            isValidIdNumber(s.text.replace(/[０-９]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))),
          ).toBe(true);
      }
    }
  });

  it('masks nothing twice: a masked text holds nothing more to mask', () => {
    for (const it of items) {
      const once = maskPersonalData(it.text).text;
      expect(maskPersonalData(once).found, `${it.id}: ${once}`).toEqual([]);
      expect(containsPersonalData(it.text)).toBe(once !== it.text);
    }
  });
});
