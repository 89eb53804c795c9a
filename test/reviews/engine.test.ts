import { describe, it, expect, beforeAll } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSentimentModels, LEXICON_VERSION, type SentimentEngine } from '../../src/reviews/sentiment/index.js';

let engine: SentimentEngine;
beforeAll(async () => {
  engine = await loadSentimentModels('models');
});

describe('engine over the committed models (no retraining)', () => {
  it('loads both models with weight-hash versions', () => {
    expect(engine.versions.zh).toMatch(/^sentiment-zh@[0-9a-f]{12}$/);
    expect(engine.versions.en).toMatch(/^sentiment-en@[0-9a-f]{12}$/);
    expect(engine.versions.other).toBe(LEXICON_VERSION);
    expect(engine.neutralBands.zh.low).toBeLessThan(engine.neutralBands.zh.high);
  });

  it('scores clear reviews in both languages and keeps batch order', () => {
    const [zhPos, zhNeg, enPos, enNeg] = engine.score([
      '质量非常好，物流也很快，很满意，会回购',
      '质量太差了，用了两天就坏了，非常失望',
      'Excellent product, works perfectly and I love it. Highly recommend.',
      'Terrible quality, it broke after two days. Waste of money, do not buy.',
    ]);
    expect(zhPos).toMatchObject({ label: 'positive', language: 'zh', modelVersion: engine.versions.zh });
    expect(zhNeg).toMatchObject({ label: 'negative', language: 'zh' });
    expect(enPos).toMatchObject({ label: 'positive', language: 'en', modelVersion: engine.versions.en });
    expect(enNeg).toMatchObject({ label: 'negative', language: 'en' });
    expect(zhPos!.probability).toBeGreaterThan(0.9);
    expect(zhNeg!.probability).toBeLessThan(0.1);
  });

  it('explanations carry signed contributions that agree with the label', () => {
    const [pos, neg] = engine.score(['非常好，很满意', '垃圾，非常失望'], { explain: true, explainTopK: 5 });
    expect(pos!.explanation!.length).toBeGreaterThan(0);
    expect(pos!.explanation!.length).toBeLessThanOrEqual(5);
    const sum = (e: { contribution: number }[]) => e.reduce((s, x) => s + x.contribution, 0);
    expect(sum(pos!.explanation!)).toBeGreaterThan(0);
    expect(sum(neg!.explanation!)).toBeLessThan(0);
    expect(neg!.explanation!.find((e) => e.token === '垃圾')?.contribution).toBeLessThan(0);
    const mags = pos!.explanation!.map((e) => Math.abs(e.contribution));
    expect(mags).toEqual([...mags].sort((a, b) => b - a));
    const [noExplain] = engine.score(['非常好']);
    expect(noExplain!.explanation).toBeUndefined();
  });

  it('scoreAsync (segmentation on the thread pool) gives exactly the results of score', async () => {
    const texts = Array.from({ length: 600 }, (_, i) =>
      i % 3 === 0
        ? `第${i}次买了，质量很好\n物流很快`
        : i % 3 === 1
          ? `Item ${i} broke quickly, not happy`
          : `包装破损，客服也不回复 ${i}`,
    );
    texts.push('', '😀', '<b>很好</b>');
    const sync = engine.score(texts);
    const async = await engine.scoreAsync(texts);
    expect(async).toEqual(sync);
    expect(await engine.scoreAsync([])).toEqual([]);
    // a batch is segmented in one call: each text scores as it does alone
    expect(texts.slice(0, 30).map((t) => engine.score([t])[0])).toEqual(sync.slice(0, 30));
    expect(engine.score([])).toEqual([]);
  });

  it('scoring on worker threads gives exactly the results of score, in order, and keeps working after close', async () => {
    const threaded = await loadSentimentModels('models', { threads: 2 });
    const texts = Array.from({ length: 500 }, (_, i) =>
      i % 2 === 0 ? `客服回复太慢了，等了${i}分钟` : `Fast shipping, great seller #${i}`,
    );
    texts.push('', '😀', '<b>很好</b>', '物流很快 but the box was damaged');
    const opts = { explain: true, explainTopK: 3 };
    expect(await threaded.scoreAsync(texts, opts)).toEqual(engine.score(texts, opts));
    expect(await threaded.scoreAsync(texts.slice(0, 40))).toEqual(engine.score(texts.slice(0, 40)));
    await threaded.close();
    // closed: the engine scores on the calling thread
    expect(await threaded.scoreAsync(texts)).toEqual(engine.score(texts));
  });

  it('a closed pool refuses new batches and finishes the ones in flight', async () => {
    const { createSentimentPool } = await import('../../src/reviews/sentiment/pool.js');
    const { loadPredictor } = await import('../../src/reviews/sentiment/predictor.js');
    const pool = createSentimentPool({ zh: loadPredictor('models/sentiment-zh') }, 1);
    const texts = Array.from({ length: 300 }, (_, i) => `质量很好 ${i}`);
    const inFlight = pool.score(texts, { aspects: false });
    await pool.close();
    expect((await inFlight).map((r) => r.label)).toEqual(engine.score(texts, { aspects: false }).map((r) => r.label));
    await expect(pool.score(texts)).rejects.toThrow(/closed/);
    expect(() => createSentimentPool({}, 0)).toThrow(RangeError);
  });

  it('answers bad input with well-formed, low-confidence results', () => {
    const inputs = [
      '',
      '   \n\t',
      '😀😀😀👍',
      '好'.repeat(100_000),
      '\ud800\udfff\ud800 坏了',
      '<p>质量<b>很好</b>&nbsp;</p>',
      'とても良い',
      '物流很快 but the box was damaged',
    ];
    const out = engine.score(inputs, { explain: true });
    expect(out).toHaveLength(inputs.length);
    for (const r of out) {
      expect(['positive', 'neutral', 'negative']).toContain(r.label);
      expect(r.probability).toBeGreaterThanOrEqual(0);
      expect(r.probability).toBeLessThanOrEqual(1);
      expect(Number.isFinite(r.probability)).toBe(true);
      expect(Array.isArray(r.aspects)).toBe(true);
      expect(typeof r.modelVersion).toBe('string');
    }
    expect(out[0]).toMatchObject({ label: 'neutral', probability: 0.5, language: 'other', aspects: [] });
    expect(out[1]).toMatchObject({ label: 'neutral', probability: 0.5 });
    expect(out[2]!.label).toBe('neutral');
    expect(out[5]).toMatchObject({ language: 'zh', label: 'positive' });
    expect(out[6]!.language).toBe('other');
  });

  it('falls back to the lexicon where no model directory exists', async () => {
    const empty = await loadSentimentModels(mkdtempSync(join(tmpdir(), 'no-models-')));
    expect(empty.versions).toEqual({ zh: LEXICON_VERSION, en: LEXICON_VERSION, other: LEXICON_VERSION });
    const [zh, en] = empty.score(['质量很好，非常满意', 'This is a terrible, awful product']);
    expect(zh!.label).toBe('positive');
    expect(en!.label).toBe('negative');
  });
});
