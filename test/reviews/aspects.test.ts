import { describe, it, expect, beforeAll } from 'vitest';
import { findAspects, splitClauses } from '../../src/reviews/sentiment/aspects.js';
import { loadSentimentModels, type SentimentEngine } from '../../src/reviews/sentiment/index.js';

const band = { low: 0.35, high: 0.65 };

describe('clauses', () => {
  it('split on punctuation and contrast words with offsets into the original', () => {
    const text = '物流很快，但是包装破了! Great price but the box was crushed.';
    const clauses = splitClauses(text);
    expect(clauses.map((c) => c.text)).toEqual(['物流很快', '包装破了', 'Great price', 'the box was crushed']);
    for (const c of clauses) expect(text.slice(c.start, c.end)).toBe(c.text);
  });
});

describe('aspects', () => {
  it('attach each clause its own sentiment (lexicon-free stub scorer)', () => {
    const score = (clause: string) => (/差|慢|rude/.test(clause) ? 0.1 : 0.9);
    const hits = findAspects('客服态度很差，物流倒是很快', score, band);
    expect(hits).toEqual([
      expect.objectContaining({
        aspect: 'service_attitude',
        agentControllable: true,
        sentiment: 'negative',
        span: { start: 0, end: 6, text: '客服态度很差' },
      }),
      expect.objectContaining({
        aspect: 'logistics',
        agentControllable: false,
        sentiment: 'positive',
        span: { start: 7, end: 13, text: '物流倒是很快' },
      }),
    ]);
  });

  describe('with the committed models', () => {
    let engine: SentimentEngine;
    beforeAll(async () => {
      engine = await loadSentimentModels('models');
    });

    it('Chinese: mixed review splits into agent and non-agent aspects with opposite signs', () => {
      const text = '衣服质量很好，但是客服态度太差了，退货也不给处理';
      const [r] = engine.score([text]);
      const by = (a: string) => r!.aspects.find((h) => h.aspect === a);
      expect(by('product_quality')).toMatchObject({ agentControllable: false });
      expect(by('product_quality')!.probability).toBeGreaterThan(0.5);
      expect(by('service_attitude')).toMatchObject({ sentiment: 'negative', agentControllable: true });
      expect(by('returns_handling')).toMatchObject({ agentControllable: true });
      expect(by('returns_handling')!.probability).toBeLessThan(0.5);
      for (const h of r!.aspects) expect(text.slice(h.span.start, h.span.end)).toBe(h.span.text);
    });

    it('English: shipping praised, customer service blamed', () => {
      const text =
        'Shipping was fast and the price was great. However, customer service was rude and never replied to my emails.';
      const [r] = engine.score([text]);
      const by = (a: string) => r!.aspects.find((h) => h.aspect === a);
      expect(by('logistics')?.sentiment).toBe('positive');
      expect(by('price')?.probability).toBeGreaterThan(0.5);
      expect(by('service_attitude')).toMatchObject({ sentiment: 'negative', agentControllable: true });
      expect(by('response_speed')).toMatchObject({ agentControllable: true });
      for (const h of r!.aspects) expect(text.slice(h.span.start, h.span.end)).toBe(h.span.text);
    });

    it('mixed Chinese/English: each clause is scored by the model of its own language', () => {
      const text = '物流很快 but the box was crushed and the packaging was terrible';
      const [r] = engine.score([text]);
      expect(r!.language).toBe('en');
      const by = (a: string) => r!.aspects.find((h) => h.aspect === a);
      expect(by('logistics')?.sentiment).toBe('positive');
      expect(by('packaging')?.sentiment).toBe('negative');
    });
  });
});
