import { describe, it, expect } from 'vitest';
import { detectLanguage } from '../../src/reviews/sentiment/language.js';
import {
  enTokens,
  isNormalised,
  normalise,
  wordStarts,
  wordsWithin,
  zhWords,
} from '../../src/reviews/sentiment/tokenize.js';
import { FeatureBuffer, defaultSettings, featurise } from '../../src/reviews/sentiment/features.js';

describe('tokenisers', () => {
  it('skips ICU only for text NFKC and lower-casing leave unchanged', () => {
    // every code unit the fast path accepts, alone and next to each other, is unchanged by ICU
    const accepted: number[] = [];
    for (let c = 0; c < 0x10000; c++) if (isNormalised(String.fromCharCode(c))) accepted.push(c);
    expect(accepted.length).toBe(0x80 - 26 + (0x9fff - 0x4e00 + 1));
    for (const c of accepted) {
      const t = String.fromCharCode(c);
      expect(t.normalize('NFKC').toLowerCase()).toBe(t);
    }
    const all = String.fromCharCode(...accepted);
    expect(all.normalize('NFKC').toLowerCase()).toBe(all);
    expect(normalise(all)).toBe(all);
    // anything else goes through ICU
    expect(isNormalised('客服A')).toBe(false);
    expect(normalise('客服Ａ，好\u3000')).toBe('客服a,好 ');
    expect(normalise('e\u0301')).toBe('\u00e9');
    // a CJK compatibility ideograph (outside the range) maps to its unified one
    expect(normalise('丽\uf9e2')).toBe('丽\uf9e2'.normalize('NFKC'));
    expect(normalise('丽\uf9e2')).not.toBe('丽\uf9e2');
  });

  it('normalises full-width characters and case', () => {
    expect(normalise('ＡＢＣ！Good')).toBe('abc!good');
  });

  it('marks English negation until the end of the clause', () => {
    expect(enTokens(normalise("It isn't good, but cheap. Not bad at all"))).toEqual([
      'it',
      'is',
      'not',
      'neg_good',
      'cheap',
      'not',
      'neg_bad',
      'neg_at',
      'neg_all',
    ]);
  });

  it('segments Chinese into jieba words without whitespace tokens', () => {
    const words = zhWords(normalise('物流 很快，客服态度很好'));
    expect(words).toContain('物流');
    expect(words).toContain('客服');
    expect(words.every((w) => w.trim() !== '')).toBe(true);
  });
});

describe('language detection', () => {
  it.each([
    ['这个手机非常好用', 'zh'],
    ['Great product, works as described', 'en'],
    ['iPhone 很好用，物流也快', 'zh'],
    ['Good phone but the delivery was slow, 物流太慢', 'en'],
    ['とても良い商品でした', 'other'],
    ['😀😀👍', 'other'],
    ['', 'other'],
    ['   ', 'other'],
    ['12345', 'other'],
  ] as const)('%s → %s', (text, lang) => {
    expect(detectLanguage(text)).toBe(lang);
  });
});

describe('hashed features', () => {
  const s = { ...defaultSettings('zh'), bits: 16 };

  it('are deterministic, distinct per review and bounded by the hash space', () => {
    const a = new FeatureBuffer(s.bits);
    const b = new FeatureBuffer(s.bits);
    featurise('质量很好，质量很好', s, a);
    featurise('质量很好，质量很好', s, b);
    const ids = Array.from(a.ids.subarray(0, a.n));
    expect(ids).toEqual(Array.from(b.ids.subarray(0, b.n)));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.every((id) => id >= 0 && id < 1 << s.bits)).toBe(true);
  });

  it('names the n-grams when asked, one per id', () => {
    const buf = new FeatureBuffer(s.bits);
    featurise('很好', s, buf, true);
    expect(buf.names.length).toBe(buf.n);
    expect(buf.names).toEqual(expect.arrayContaining(['很', '好', '很好']));
  });

  it('reads at most maxChars characters', () => {
    const buf = new FeatureBuffer(s.bits);
    featurise('好'.repeat(100_000), { ...s, maxChars: 50 }, buf);
    expect(buf.n).toBeLessThan(20);
  });
});

describe('words within a clause', () => {
  it("picks the review's words that lie inside a span, dropping words across its edges", () => {
    const norm = '客服很好,物流慢但是包装好';
    const words = ['客服', '很', '好', ',', '物流', '慢', '但是', '包装', '好'];
    const starts = wordStarts(norm, words)!;
    expect(Array.from(starts)).toEqual([0, 2, 3, 4, 5, 7, 8, 10, 12]);
    expect(wordsWithin(words, starts, 0, 4)).toEqual(['客服', '很', '好']);
    expect(wordsWithin(words, starts, 5, 8)).toEqual(['物流', '慢']);
    expect(wordsWithin(words, starts, 10, 13)).toEqual(['包装', '好']);
    expect(wordsWithin(words, starts, 1, 4)).toEqual(['很', '好']); // 客服 starts before the span
    expect(wordStarts(norm, ['物流', '客服'])).toBeNull(); // not in order: not this text's words
  });
});
