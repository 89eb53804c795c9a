/**
 * The review-level complaint head (src/reviews/sentiment/complaint-head.ts; issue 18, ninth session):
 * its training, the stack with the aspect route, its place after the aspect table in weights.bin, its
 * packed copy for scoring threads, the engine's `complaint` and the recipe that retrains it.
 */
import { describe, expect, it } from 'vitest';
import {
  ASPECT_MODEL_FORMAT,
  ASPECT_STRIDE,
  AspectPredictor,
  type AspectModelMetadata,
} from '../../src/reviews/sentiment/aspect-model.js';
import { aspectRecipe } from '../../src/reviews/sentiment/aspect-recipe.js';
import { ASPECT_ORDER } from '../../src/reviews/sentiment/aspects.js';
import { identityCalibration } from '../../src/reviews/sentiment/calibration.js';
import {
  averagePrecision,
  bestAtRecall,
  ComplaintHead,
  complaintRow,
  complaintRows,
  directLogit,
  fitComplaintHead,
  ROUTE_CLIP,
  routeLogit,
  trainComplaintLinear,
  type ComplaintHeadSettings,
  type ComplaintRow,
} from '../../src/reviews/sentiment/complaint-head.js';
import { FeatureBuffer, featurise, type FeatureSettings } from '../../src/reviews/sentiment/features.js';
import { createEngine } from '../../src/reviews/sentiment/index.js';
import { createSentimentPool } from '../../src/reviews/sentiment/pool.js';
import { loadPredictor } from '../../src/reviews/sentiment/predictor.js';

const en: FeatureSettings = { language: 'en', bits: 16, seed: 7, charNgrams: null, wordNgrams: [1, 2], maxChars: 2000 };
const BITS = 10;
const SALT = 0x0c0a18;
const row = (text: string, y: number): ComplaintRow => ({ rows: complaintRows(text, en, SALT, BITS), y, weight: 1 });

const complaints = [
  'the agent was rude and hung up on me',
  'support never answered my emails, rude agent',
  'the rep was rude and refused my refund',
  'waited two hours and the staff were rude',
];
const praise = [
  'the book is a great read with a rude villain',
  'great blender, works fine',
  'the film has a great agent story',
  'fine toaster, great price',
];

describe('complaint head', () => {
  it('learns the agent_complaint of labelled reviews from their n-grams', () => {
    const rows = [...complaints.map((t) => row(t, 1)), ...praise.map((t) => row(t, 0))];
    const h = trainComplaintLinear(rows, BITS, 1e-6, 200, 0.1);
    for (const r of rows) expect(directLogit(h, r.rows) > 0).toBe(r.y === 1);
    // the weights are dense, one per table row; rows no review reads stay 0
    expect(h.weights.length).toBe(1 << BITS);
    const read = new Set(rows.flatMap((r) => Array.from(r.rows)));
    for (let i = 0; i < 1 << BITS; i++) if (!read.has(i)) expect(h.weights[i]).toBe(0);
  });

  it("moves the review's ids to their table rows as aspect-model.ts's contextRow does", () => {
    const buf = new FeatureBuffer(en.bits);
    featurise('the agent was rude', en, buf);
    const rows = complaintRows('the agent was rude', en, SALT, BITS);
    expect(Array.from(rows)).toEqual(Array.from(buf.ids.subarray(0, buf.n), (id) => complaintRow(id, SALT, BITS)));
    for (const r of rows) expect(r >= 0 && r < 1 << BITS).toBe(true);
  });

  it('stacks the route and the direct logit: σ(a·logit(route clipped) + b·direct + c), packed within rounding', () => {
    const rows = [...complaints.map((t) => row(t, 1)), ...praise.map((t) => row(t, 0))];
    const h = trainComplaintLinear(rows, BITS, 1e-6, 200, 0.1);
    const settings: ComplaintHeadSettings = {
      offset: 0,
      features: en,
      tableBits: BITS,
      salt: SALT,
      bias: h.bias,
      a: 0.5,
      b: 0.8,
      c: -0.2,
    };
    const head = new ComplaintHead(settings, h.weights);
    for (const [i, t] of [...complaints, ...praise].entries())
      expect(head.logit(t)).toBeCloseTo(directLogit(h, rows[i]!.rows), 1);
    // a thread's copy (the packed table, shared) answers the same
    const copy = new ComplaintHead(settings, head.quantised);
    expect(copy.logit(complaints[0]!)).toBe(head.logit(complaints[0]!));
    const logit = (p: number) => Math.log(p / (1 - p));
    expect(head.complaint(0.7, 1.5)).toBeCloseTo(1 / (1 + Math.exp(-(0.5 * logit(0.7) + 0.8 * 1.5 - 0.2))), 10);
    // no agent hit (route 0) reads as the clipped route, not −∞
    expect(routeLogit(0)).toBeCloseTo(logit(ROUTE_CLIP), 10);
    expect(routeLogit(1)).toBeCloseTo(-logit(ROUTE_CLIP), 10);
    expect(head.complaint(0.9, 0)).toBeGreaterThan(head.complaint(0.1, 0));
    expect(head.complaint(0.5, 2)).toBeGreaterThan(head.complaint(0.5, -2));
  });

  it('chooses the threshold with the best precision at the recall asked, and reads average precision', () => {
    const scores = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4];
    const gold = [true, false, true, true, false, false];
    expect(bestAtRecall(scores, gold, 0.6)).toEqual({ threshold: 0.6, precision: 0.75, recall: 1 });
    expect(bestAtRecall(scores, gold, 0.3)).toEqual({ threshold: 0.9, precision: 1, recall: 0.333 });
    expect(averagePrecision(scores, gold)).toBeCloseTo((1 + 2 / 3 + 3 / 4) / 3, 3);
  });

  it('fits the head out of fold: each dev item is scored by a head trained without it', () => {
    const texts = [...complaints, ...praise, ...complaints.map((t) => `${t} again`), ...praise.map((t) => `${t} too`)];
    const dev = texts.map((t, i) => row(t, i % 8 < 4 ? 1 : 0));
    const fit = fitComplaintHead({
      dev,
      extra: [],
      route: dev.map((r) => (r.y === 1 ? 0.6 : 0.4)),
      foldOf: dev.map((_, i) => i % 2),
      folds: 2,
      tableBits: BITS,
      l2: [1e-6, 1e-3],
      minRecall: 0.75,
    });
    expect([1e-6, 1e-3]).toContain(fit.l2);
    expect(fit.direct).toHaveLength(dev.length);
    expect(fit.stacked).toHaveLength(dev.length);
    expect(fit.complaint.recall).toBeGreaterThanOrEqual(0.75);
    // the fold-0 items' direct logits are those of a head trained on fold 1 only
    const h = trainComplaintLinear(
      dev.filter((_, i) => i % 2 === 1),
      BITS,
      fit.l2,
    );
    expect(fit.direct[0]).toBeCloseTo(directLogit(h, dev[0]!.rows), 10);
  });

  it('sits after the aspect table in weights.bin; the engine answers the stacked complaint, models without it none', async () => {
    const sentiment = loadPredictor('models/sentiment-en');
    const s: FeatureSettings = {
      language: 'en',
      bits: 10,
      seed: 3,
      charNgrams: null,
      wordNgrams: [1, 1],
      maxChars: 500,
    };
    const table = (1 << s.bits) * ASPECT_STRIDE;
    const aspects = new Float32Array(table);
    const meta: AspectModelMetadata = {
      format: ASPECT_MODEL_FORMAT,
      language: 'en',
      version: 'aspects-toy@1',
      features: s,
      keywordFeatures: true,
      aspects: [...ASPECT_ORDER],
      weights: { file: 'weights.bin', dtype: 'float32', stride: ASPECT_STRIDE, biases: ASPECT_ORDER.map(() => 0) },
      calibration: ASPECT_ORDER.map(() => identityCalibration),
      thresholds: ASPECT_ORDER.map(() => 0.5),
      polarity: ASPECT_ORDER.map(() => identityCalibration),
    };
    const rows = [...complaints, ...praise].map((t, i) => ({
      rows: complaintRows(t, sentiment.meta.features, SALT, BITS),
      y: i < 4 ? 1 : 0,
      weight: 1,
    }));
    const h = trainComplaintLinear(rows, BITS, 1e-6, 200, 0.1);
    const all = new Float32Array(table + (1 << BITS));
    all.set(aspects);
    all.set(h.weights, table);
    const head: ComplaintHeadSettings = {
      offset: table,
      features: sentiment.meta.features,
      tableBits: BITS,
      salt: SALT,
      bias: h.bias,
      a: 0.4,
      b: 0.9,
      c: 0.1,
    };
    const withHead = new AspectPredictor({ ...meta, complaintHead: head }, all);
    expect(() => new AspectPredictor({ ...meta, complaintHead: head }, aspects)).toThrow(/complaint head/);
    expect(() => new AspectPredictor(meta, all)).toThrow(/expected/);
    // the packed copy a scoring thread gets carries the head
    const copy = new AspectPredictor(withHead.quantised.meta, withHead.quantised.weights);
    const text = 'The agent was rude to me on the phone.';
    expect(copy.complaintHead!.logit(text)).toBe(withHead.complaintHead!.logit(text));

    const plain = createEngine({ en: sentiment }, { aspectModels: { en: new AspectPredictor(meta, aspects) } });
    expect(plain.score([text])[0]!.complaint).toBeUndefined();
    const engine = createEngine({ en: sentiment }, { aspectModels: { en: withHead } });
    const [r] = engine.score([text]);
    let route = 0;
    for (const a of r!.aspects) if (a.agentControllable) route = Math.max(route, 1 - a.probability);
    // the engine reads the ids the sentiment model computed for the review: the same as hashing it again
    expect(r!.complaint).toBeCloseTo(withHead.complaintHead!.complaint(route, withHead.complaintHead!.logit(text)), 12);
    expect(engine.score([text], { aspects: false })[0]!.complaint).toBeUndefined();
    // scoring threads get the head packed and answer the same
    const texts = Array.from({ length: 40 }, (_, i) => (i % 2 ? `${text} #${i}` : `${praise[i % 4]} ${i}`));
    const pool = createSentimentPool({ en: sentiment }, 1, { en: withHead });
    try {
      const here = engine.score(texts).map((x) => x.complaint);
      expect(here.every((c) => typeof c === 'number')).toBe(true);
      // the pool rejects when a thread fails (no fallback here)
      expect((await pool.score(texts)).map((x) => x.complaint)).toEqual(here);
    } finally {
      await pool.close();
    }
  });

  it('is retrained by the recipe of a model that has one (its chosen L2 the only candidate)', () => {
    const recipe = aspectRecipe({ training: { complaintHead: { l2: 1e-7, labelled: 10 } } });
    expect(recipe.complaintHead).toBe(true);
    expect(recipe.complaintHeadL2).toEqual([1e-7]);
    expect(aspectRecipe({ training: {} }).complaintHead).toBeUndefined();
  });
});
