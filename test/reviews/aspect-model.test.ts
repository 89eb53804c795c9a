import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTf } from '../../src/ml/tf.js';
import {
  aspectFeatures,
  ASPECT_MODEL_FORMAT,
  ASPECT_STRIDE,
  AspectPredictor,
  contextRow,
  sharesFeatures,
  type AspectModelMetadata,
} from '../../src/reviews/sentiment/aspect-model.js';
import {
  isOwnReturn,
  labelledRows,
  serviceRows,
  UNKNOWN_LABEL,
  weakFixed,
  weakServiceRows,
} from '../../src/reviews/sentiment/aspect-pipeline.js';
import {
  type AspectTrainOptions,
  featuriseClauses,
  nonZeroRows,
  trainAspectLinear,
} from '../../src/reviews/sentiment/aspect-train.js';
import { AGENT_CONTROLLABLE, ASPECT_ORDER, clauseAspects, splitClauses } from '../../src/reviews/sentiment/aspects.js';
import { identityCalibration } from '../../src/reviews/sentiment/calibration.js';
import { FeatureBuffer, featurise, type FeatureSettings } from '../../src/reviews/sentiment/features.js';
import { createEngine, loadAspectModels, loadSentimentModels } from '../../src/reviews/sentiment/index.js';
import { loadPredictor } from '../../src/reviews/sentiment/predictor.js';

/** Chinese character n-gram settings of the toy models: n-grams of 1 to `maxN` characters. */
const zhSettings = (bits: number, seed: number, maxN: number, maxChars: number): FeatureSettings => ({
  language: 'zh',
  bits,
  seed,
  charNgrams: [1, maxN],
  wordNgrams: null,
  maxChars,
});

/** A toy model of `stride` columns fitted on `texts` (weight 1 each, no keyword features). */
const fitToy = async (
  s: FeatureSettings,
  texts: string[],
  labels: number[][],
  stride: number,
  opts: AspectTrainOptions,
) =>
  trainAspectLinear(
    await loadTf(),
    featuriseClauses(
      texts,
      labels,
      texts.map(() => 1),
      s,
      false,
    ),
    s.bits,
    stride,
    opts,
  );

describe('learned aspect model', () => {
  it('trains with TF.js on a toy set and reads the labels back through the plain-JS predictor', async () => {
    const s = zhSettings(12, 7, 2, 100);
    const texts = ['快递很慢', '物流太慢', '客服很好', '客服态度差', '质量不错', '做工很好'];
    const idx = (a: string) => ASPECT_ORDER.indexOf(a as never);
    const labels = [3, 3, 0, 0, 4, 4].map((j) => ASPECT_ORDER.map((_, k) => (k === j ? 1 : 0)));
    const w = await fitToy(s, texts, labels, ASPECT_STRIDE, {
      seed: 1,
      epochs: 30,
      batchSize: 6,
      learningRate: 0.3,
      l2: 0,
      minDf: 1,
      averageFrom: 30,
    });
    const p = new AspectPredictor(
      {
        format: ASPECT_MODEL_FORMAT,
        language: 'zh',
        version: 'aspects-zh@toy',
        features: s,
        keywordFeatures: false,
        aspects: [...ASPECT_ORDER],
        weights: { file: 'weights.bin', dtype: 'float32', stride: ASPECT_STRIDE, biases: w.biases },
        calibration: ASPECT_ORDER.map(() => identityCalibration),
        thresholds: ASPECT_ORDER.map(() => 0.5),
        polarity: ASPECT_ORDER.map(() => identityCalibration),
      },
      w.weights,
    );
    expect(p.detect('快递很慢').map((d) => d.aspect)).toEqual(['logistics']);
    expect(p.detect('客服很好').map((d) => d.aspect)).toEqual(['service_attitude']);
    const probs = p.probabilities('质量不错');
    expect(probs[idx('product_quality')]).toBeGreaterThan(0.5);
    expect(probs[idx('logistics')]).toBeLessThan(0.5);
  });

  it('places a review label the keyword rules do not point to on the clauses its cue words name, the rest unknown', () => {
    const item = {
      id: 'x',
      part: 'dev' as const,
      own: false,
      text: '早餐很丰富，房间也干净，结帐用了二十分钟',
      aspects: { response_speed: 'negative' as const, product_quality: 'positive' as const },
      agentComplaint: true,
      src: null,
      draw: 'test',
    };
    const rs = ASPECT_ORDER.indexOf('response_speed');
    const pq = ASPECT_ORDER.indexOf('product_quality');
    const rows = labelledRows([item], 'zh');
    expect(rows.texts).toEqual(['早餐很丰富', '房间也干净', '结帐用了二十分钟', item.text]);
    expect(rows.labels.map((l) => l[rs])).toEqual([UNKNOWN_LABEL, UNKNOWN_LABEL, 1, 1]);
    expect(rows.labels.map((l) => l[pq])).toEqual([1, 1, 0, 1]);
    // without cues (the former rule) the clauses of a long review the rules miss are negatives
    expect(labelledRows([item], 'zh', false).labels.map((l) => l[rs])).toEqual([0, 0, 0, 1]);
  });

  it('leaves unknown labels out of the loss', async () => {
    const s = zhSettings(10, 5, 2, 50);
    const texts = ['客服很好', '快递很慢', '质量不错'];
    // the second aspect is unknown on every row: its weights and bias stay where they start (0)
    const labels = [0, 3, 4].map((j) => ASPECT_ORDER.map((_, k) => (k === 1 ? UNKNOWN_LABEL : k === j ? 1 : 0)));
    const w = await fitToy(s, texts, labels, ASPECT_STRIDE, {
      seed: 1,
      epochs: 5,
      batchSize: 3,
      learningRate: 0.3,
      l2: 1e-4,
      minDf: 1,
      averageFrom: 1,
    });
    let moved = 0;
    let unknownMoved = 0;
    for (let r = 0; r < 1 << s.bits; r++) {
      if (w.weights[r * ASPECT_STRIDE] !== 0) moved++;
      if (w.weights[r * ASPECT_STRIDE + 1] !== 0) unknownMoved++;
    }
    expect(moved).toBeGreaterThan(0);
    expect(unknownMoved).toBe(0);
    expect(w.biases[1]).toBe(0);
    expect(w.biases[0]).not.toBe(0);
  });

  it('trains a service head on the rows of the aspect columns only, so the packed table keeps its rows', async () => {
    const s = zhSettings(12, 11, 2, 50);
    const opts = { seed: 1, epochs: 5, batchSize: 4, learningRate: 0.3, l2: 1e-4, minDf: 1, averageFrom: 1 };
    const texts = ['客服很好', '客服态度差', '快递很慢', '质量不错'];
    const labels = [0, 0, 3, 4].map((j) => ASPECT_ORDER.map((_, k) => (k === j ? 1 : 0)));
    const aspects = await fitToy(s, texts, labels, ASPECT_STRIDE, opts);
    const K = ASPECT_ORDER.length;
    const rows = nonZeroRows(aspects.weights, ASPECT_STRIDE, K);
    // the head's own rows bring n-grams the aspect columns never saw (店员, 热情, 冷淡)
    const headTexts = ['客服很好', '客服态度差', '店员很热情', '店员冷淡'];
    const packed = async (only: Uint8Array | undefined) => {
      const head = await fitToy(s, headTexts, [[1], [0], [1], [0]], 1, { ...opts, only });
      const weights = aspects.weights.slice();
      for (let r = 0; r < 1 << s.bits; r++) weights[r * ASPECT_STRIDE + K] = head.weights[r]!;
      const meta = toyMeta(s);
      const p = new AspectPredictor(
        {
          ...meta,
          keywordFeatures: false,
          weights: { ...meta.weights, biases: [...aspects.biases, head.biases[0]!] },
          polarityService: ASPECT_ORDER.map((a) => (AGENT_CONTROLLABLE.has(a) ? 1 : 0)),
        },
        weights,
      );
      return { head, keptRows: p.keptRows };
    };
    const aspectRows = rows.reduce((n, v) => n + v, 0);
    const all = await packed(undefined);
    expect(all.keptRows).toBeGreaterThan(aspectRows);
    const only = await packed(rows);
    expect(only.keptRows).toBe(aspectRows);
    let headNonZero = 0;
    for (let r = 0; r < 1 << s.bits; r++)
      if (only.head.weights[r] !== 0) {
        headNonZero++;
        expect(rows[r]).toBe(1);
      }
    expect(headNonZero).toBeGreaterThan(0);
  });

  it('adds the weights of the cue patterns a clause matches when the model reads cues', () => {
    const s = zhSettings(12, 9, 2, 50);
    const buf = new FeatureBuffer(s.bits);
    const plainIds = aspectFeatures('结帐用了二十分钟', s, false, buf);
    expect(plainIds).toEqual([]);
    const cueIds = aspectFeatures('结帐用了二十分钟', s, false, buf, undefined, s.bits, undefined, true);
    expect(cueIds).toHaveLength(1); // the "wait" pattern
    expect(aspectFeatures('房间很干净', s, false, buf, undefined, s.bits, undefined, true)).toEqual([]);
    const weights = new Float32Array((1 << s.bits) * ASPECT_STRIDE);
    weights[cueIds[0]! * ASPECT_STRIDE + 1] = 2; // the cue's row says response speed
    weights[1 * ASPECT_STRIDE + 0] = 0.5; // some other row, so the table is not empty
    const meta = { ...toyMeta(s), keywordFeatures: false };
    const withCues = new AspectPredictor({ ...meta, cueFeatures: true }, weights);
    const without = new AspectPredictor(meta, weights);
    const rs = ASPECT_ORDER.indexOf('response_speed');
    expect(withCues.logits('结帐用了二十分钟')![rs]! - without.logits('结帐用了二十分钟')![rs]!).toBeCloseTo(2, 1);
    expect(withCues.logits('房间很干净')![rs]).toBe(without.logits('房间很干净')![rs]);
  });

  it('reads the extra cue patterns only in a model with cueExtra (a late technician, staff words, a refused return)', () => {
    const s = zhSettings(12, 9, 2, 50);
    const buf = new FeatureBuffer(s.bits);
    const clause = '师傅下午四点才来';
    expect(aspectFeatures(clause, s, false, buf, undefined, s.bits, undefined, true)).toEqual([]);
    const extra = aspectFeatures(clause, s, false, buf, undefined, s.bits, undefined, true, true);
    expect(extra).toHaveLength(2); // "late" and "staff"
    expect(
      aspectFeatures('商家说吊牌剪了不能退', s, false, buf, undefined, s.bits, undefined, true, true),
    ).toHaveLength(2);
    expect(aspectFeatures('房间很干净', s, false, buf, undefined, s.bits, undefined, true, true)).toEqual([]);
    // the five cues keep their rows: a clause they match gives the same first id with or without the extra set
    const wait = aspectFeatures('结帐用了二十分钟', s, false, buf, undefined, s.bits, undefined, true);
    expect(aspectFeatures('结帐用了二十分钟', s, false, buf, undefined, s.bits, undefined, true, true)).toEqual(wait);
    const weights = new Float32Array((1 << s.bits) * ASPECT_STRIDE);
    const rs = ASPECT_ORDER.indexOf('response_speed');
    weights[extra[0]! * ASPECT_STRIDE + rs] = 2; // the "late" row says response speed
    weights[1 * ASPECT_STRIDE + 0] = 0.5;
    const meta = { ...toyMeta(s), keywordFeatures: false, cueFeatures: true };
    const withExtra = new AspectPredictor({ ...meta, cueExtra: true }, weights);
    const without = new AspectPredictor(meta, weights);
    expect(withExtra.logits(clause)![rs]! - without.logits(clause)![rs]!).toBeCloseTo(2, 1);
    expect(withExtra.logits('房间很干净')![rs]).toBe(without.logits('房间很干净')![rs]);
  });

  const toyMeta = (s: FeatureSettings, tableBits?: number): AspectModelMetadata => ({
    format: ASPECT_MODEL_FORMAT,
    language: s.language,
    version: 'aspects-toy@1',
    features: s,
    ...(tableBits === undefined ? {} : { tableBits }),
    keywordFeatures: true,
    aspects: [...ASPECT_ORDER],
    weights: {
      file: 'weights.bin',
      dtype: 'float32',
      stride: ASPECT_STRIDE,
      biases: ASPECT_ORDER.map((_, j) => j / 10 - 0.3),
    },
    calibration: ASPECT_ORDER.map(() => identityCalibration),
    thresholds: ASPECT_ORDER.map(() => 0.5),
    polarity: ASPECT_ORDER.map(() => identityCalibration),
  });
  /** Seeded sparse random weights: most rows zero, as a trained table with pruned rare n-grams. */
  const toyWeights = (bits: number, seed: number) => {
    let x = seed;
    const next = () => ((x = Math.imul(x ^ (x >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0) / 2 ** 32;
    const w = new Float32Array((1 << bits) * ASPECT_STRIDE);
    for (let r = 0; r < 1 << bits; r++)
      if (next() < 0.3) for (let j = 0; j < ASPECT_ORDER.length; j++) w[r * ASPECT_STRIDE + j] = (next() - 0.5) * 6;
    return w;
  };

  it("reads the whole review's sentiment in a clause's polarity when the model has polarityReview", () => {
    const s = zhSettings(12, 9, 2, 50);
    const weights = toyWeights(s.bits, 5);
    const meta = {
      ...toyMeta(s),
      polarity: ASPECT_ORDER.map(() => ({ method: 'platt' as const, a: 0.8, c: 0.2 })),
    };
    const plain = new AspectPredictor(meta, weights);
    const reading = new AspectPredictor({ ...meta, polarityReview: ASPECT_ORDER.map(() => 0.5) }, weights);
    const logit = (p: number) => Math.log(p / (1 - p));
    const p = 0.3;
    const review = 0.9;
    expect(plain.polarity('service_attitude', p, undefined, review)).toBeCloseTo(
      1 / (1 + Math.exp(-(0.8 * logit(p) + 0.2))),
      12,
    );
    expect(reading.polarity('service_attitude', p)).toBe(plain.polarity('service_attitude', p));
    expect(reading.polarity('service_attitude', p, undefined, review)).toBeCloseTo(
      1 / (1 + Math.exp(-(0.8 * logit(p) + 0.5 * logit(review) + 0.2))),
      12,
    );
    // a clause in another language keeps its own probability
    expect(reading.polarity('service_attitude', p, 'the staff were rude', review)).toBe(p);
  });

  it('reads a service head in the eighth column of the table when the model has polarityService', () => {
    const s = zhSettings(12, 9, 2, 50);
    const weights = toyWeights(s.bits, 5);
    const meta = {
      ...toyMeta(s),
      polarity: ASPECT_ORDER.map(() => ({ method: 'platt' as const, a: 0.8, c: 0.2 })),
    };
    const plain = new AspectPredictor(meta, weights);
    // the head: a weight on every row of the eighth column, a bias of its own
    const withHead = Float32Array.from(weights);
    for (let r = 0; r < 1 << s.bits; r++) withHead[r * ASPECT_STRIDE + 7] = ((r % 7) - 3) / 2;
    const head = new AspectPredictor(
      {
        ...meta,
        weights: { ...meta.weights, biases: [...meta.weights.biases, 0.4] },
        polarityService: ASPECT_ORDER.map((_, j) => (j < 3 ? 0.6 : 0)),
      },
      withHead,
    );
    const clause = '客服秒回，态度很好';
    // the aspects' logits are those of the model without the head; the head's logit comes after them
    const z = head.logits(clause)!;
    expect(Array.from(z.subarray(0, 7))).toEqual(Array.from(plain.logits(clause)!));
    expect(z.length).toBe(8);
    // detect hands the head's logit to polarity, which reads it for the aspects with a weight
    const hits = head.detect(clause);
    expect(hits.length).toBeGreaterThan(0);
    for (const hit of hits) expect(hit.service).toBe(z[7]);
    expect(plain.detect(clause).every((h) => h.service === undefined)).toBe(true);
    const logit = (p: number) => Math.log(p / (1 - p));
    const p = 0.3;
    expect(head.polarity('service_attitude', p, undefined, undefined, 1.5)).toBeCloseTo(
      1 / (1 + Math.exp(-(0.8 * logit(p) + 0.2 + 0.6 * 1.5))),
      12,
    );
    expect(head.polarity('logistics', p, undefined, undefined, 1.5)).toBe(plain.polarity('logistics', p));
    expect(head.polarity('service_attitude', p)).toBe(plain.polarity('service_attitude', p));
  });

  it("gives the service head the agent-aspect rows of labelled items, each with its item's lowest agent polarity", () => {
    const item = {
      id: 'x',
      part: 'dev' as const,
      own: true,
      text: '衣服质量很好，但是客服态度太差了',
      aspects: { product_quality: 'positive', service_attitude: 'negative' } as const,
      agentComplaint: true,
      src: null,
      draw: 'own',
    };
    const praise = { ...item, id: 'y', text: '客服秒回', aspects: { response_speed: 'positive' } as const };
    const none = { ...item, id: 'z', text: '质量很好', aspects: { product_quality: 'positive' } as const };
    const rows = serviceRows([item, praise, none], 'zh');
    expect(rows.texts).toEqual(['客服态度太差了', item.text, '客服秒回']);
    expect(rows.targets).toEqual([0, 0, 1]);
  });

  it("gives the service head weak rows: train.csv clauses the rules see an agent aspect in, with their review's label", () => {
    const dir = mkdtempSync(join(tmpdir(), 'service-weak-'));
    const file = join(dir, 'train.csv');
    writeFileSync(file, 'label,review\n1,客服态度很好，质量也不错\n0,客服态度太差了\n0,质量很差\n1,客服回复很快\n');
    const rows = weakServiceRows(file, new Set([3]), 10);
    // the product clause and the review without staff are not rows; row 3 is left out (hand-labelled)
    expect(new Map(rows.texts.map((t, i) => [t, rows.targets[i]]))).toEqual(
      new Map([
        ['客服态度很好', 1],
        ['客服态度太差了', 0],
      ]),
    );
    expect(weakServiceRows(file, new Set(), 1).texts).toHaveLength(1);
    rmSync(dir, { recursive: true });
  });

  it("tells a customer's own return (weak rows' returns handling left unknown with weakIntent) from staff handling one", () => {
    for (const c of ['本来想退货', '懒得退了', '退换货太麻烦', '过了七天不能退了', '能退货都退货了', '退了重新买'])
      expect(isOwnReturn(c, 'zh'), c).toBe(true);
    for (const c of [
      '客服说不给退',
      '申请退款后客服当天就同意了',
      '售后给换了一台',
      '退款很快到账了',
      '要求换货居然没人理',
    ])
      expect(isOwnReturn(c, 'zh'), c).toBe(false);
    expect(isOwnReturn('I wanted to return it', 'en')).toBe(false);
  });

  it("doubts the keyword rules' agent cues the guidelines do not read as the agent's (weakFixes), not staff clauses", () => {
    const doubted: Array<[string, 'service_attitude' | 'response_speed' | 'returns_handling']> = [
      ['退换还要自己出邮费', 'returns_handling'],
      ['我要申请退货', 'returns_handling'],
      ['果断退回货', 'returns_handling'],
      ['还没有提供发票', 'returns_handling'],
      ['京东退换货太费劲', 'returns_handling'],
      ['反应慢', 'response_speed'],
      ['屏幕响应速度慢', 'response_speed'],
      ['网速极慢', 'response_speed'],
      ['快递的服务太差', 'service_attitude'],
    ];
    for (const [c, a] of doubted) expect(weakFixed(c, a, 'zh'), c).toBe(true);
    const kept: Array<[string, 'service_attitude' | 'response_speed' | 'returns_handling']> = [
      ['客服让我自己出运费', 'returns_handling'],
      ['商家不给开发票', 'returns_handling'],
      ['申请退货后客服当天就同意了', 'returns_handling'],
      ['前台反应很慢', 'response_speed'],
      ['客服响应速度快', 'response_speed'],
      ['快递和客服的服务态度都很好', 'service_attitude'],
      ['我要申请退货', 'service_attitude'],
    ];
    for (const [c, a] of kept) expect(weakFixed(c, a, 'zh'), c).toBe(false);
    expect(weakFixed('I will return it myself', 'returns_handling', 'en')).toBe(false);
  });

  it('packs its weights (non-zero rows, int8 per aspect) with logits within rounding of the float table', () => {
    const s = zhSettings(14, 3, 3, 200);
    const weights = toyWeights(12, 11);
    const meta = toyMeta(s, 12);
    const p = new AspectPredictor(meta, weights);
    let nonZero = 0;
    for (let r = 0; r < 1 << 12; r++) if (weights[r * ASPECT_STRIDE] !== 0) nonZero++;
    expect(p.keptRows).toBe(nonZero);
    const thread = new AspectPredictor(meta, p.quantised.weights); // what a scoring thread builds
    const buf = new FeatureBuffer(s.bits);
    const maxAbs = ASPECT_ORDER.map((_, j) => {
      let m = 0;
      for (let r = 0; r < 1 << 12; r++) m = Math.max(m, Math.abs(weights[r * ASPECT_STRIDE + j]!));
      return m;
    });
    for (const clause of ['客服态度很好', '快递三天才到，包装也破了', '退款一直没到账', '价格实惠']) {
      featurise(clause, s, buf);
      const rows = Array.from(buf.ids.subarray(0, buf.n), (id) => id & 0xfff);
      const z = Array.from(p.logits(clause)!);
      expect(Array.from(thread.logits(clause)!)).toEqual(z);
      // the float computation without keyword features, for comparison
      const plain = new AspectPredictor({ ...meta, keywordFeatures: false }, weights);
      const zPlain = Array.from(plain.logits(clause)!);
      ASPECT_ORDER.forEach((_, j) => {
        let sum = 0;
        for (const r of rows) sum += weights[r * ASPECT_STRIDE + j]!;
        const exact = meta.weights.biases[j]! + sum / Math.sqrt(rows.length);
        // each weight is off by at most half a step; the clause's sum is scaled by 1/√n
        expect(Math.abs(zPlain[j]! - exact)).toBeLessThanOrEqual(
          (maxAbs[j]! / 127 / 2) * Math.sqrt(rows.length) + 1e-9,
        );
      });
    }
  });

  it('reads the features the engine computed once for a clause exactly as it would compute them itself', () => {
    const zh = loadPredictor('models/sentiment-zh');
    const s = zh.meta.features;
    const meta = toyMeta(s, 12);
    expect(sharesFeatures(meta, s)).toBe(true);
    expect(sharesFeatures(toyMeta({ ...s, charNgrams: [1, 3] }, 12), s)).toBe(false);
    const aspects = new AspectPredictor(meta, toyWeights(12, 5));
    const engine = createEngine({ zh }, { aspectModels: { zh: aspects } });
    const text = '衣服质量很好，但是客服态度太差了，快递也慢、包装破损';
    const [fused] = engine.score([text]);
    expect(fused!.aspects.filter((h) => h.confidence !== undefined).length).toBeGreaterThan(1);
    for (const h of fused!.aspects) {
      if (h.confidence === undefined) continue; // a keyword rule's outside-the-agent hit
      // the clause featurised on its own (segmented alone) gives the same logit and sentiment
      const j = ASPECT_ORDER.indexOf(h.aspect);
      expect(h.confidence).toBeCloseTo(1 / (1 + Math.exp(-aspects.logits(h.span.text)![j]!)), 8);
      expect(h.probability).toBeCloseTo(zh.probability(h.span.text), 8);
    }
  });

  it("adds the review's context to every clause's logits when the model has reviewFeatures, from the sentiment model's ids", () => {
    const zh = loadPredictor('models/sentiment-zh');
    const s = zhSettings(12, 9, 2, 50);
    const weights = toyWeights(12, 7);
    const plain = new AspectPredictor(toyMeta(s), weights);
    const rf = { features: zh.meta.features, salt: 0x5eed18, scale: 1 };
    const withContext = new AspectPredictor({ ...toyMeta(s), reviewFeatures: rf }, weights);
    const review = '这本书写得很好，客服态度太差了';
    const clause = '客服态度太差了';
    // without a context the logits are those of the model without the option (old models score as before)
    expect(Array.from(withContext.logits(clause)!)).toEqual(Array.from(plain.logits(clause)!));
    expect(plain.reviewContext(review)).toBeNull();
    const context = Float64Array.from(withContext.reviewContext(review)!);
    // the review's ids moved to their rows, each worth 1/√n (in the table's int steps)
    const buf = new FeatureBuffer(rf.features.bits);
    featurise(review, rf.features, buf);
    const packed = new AspectPredictor({ ...toyMeta(s), reviewFeatures: rf }, weights);
    const steps = packed.quantised.weights.steps;
    for (let j = 0; j < ASPECT_ORDER.length; j++) {
      let sum = 0;
      for (let i = 0; i < buf.n; i++) sum += weights[contextRow(buf.ids[i]!, rf.salt, 12) * ASPECT_STRIDE + j]!;
      expect(context[j]! * steps[j]!).toBeCloseTo(sum / Math.sqrt(buf.n), 1);
      expect(withContext.logits(clause, undefined, undefined, context)![j]!).toBeCloseTo(
        plain.logits(clause)![j]! + context[j]! * steps[j]!,
        8,
      );
    }
    // the engine reads the ids the sentiment model computed for the review: the same context
    const engine = createEngine({ zh }, { aspectModels: { zh: withContext } });
    const [r] = engine.score([review]);
    for (const h of r!.aspects) {
      if (h.confidence === undefined) continue;
      const j = ASPECT_ORDER.indexOf(h.aspect);
      const z = withContext.logits(h.span.text, undefined, undefined, withContext.reviewContext(review))![j]!;
      expect(h.confidence).toBeCloseTo(1 / (1 + Math.exp(-z)), 8);
    }
    // training rows carry the same context rows, each worth scale/√n
    const rows = featuriseClauses([clause], [[1]], [1], s, false, 12, false, { settings: rf, reviews: [review] });
    const ctxIds = Array.from(buf.ids.subarray(0, buf.n), (id) => contextRow(id, rf.salt, 12));
    expect(Array.from(rows.ids.subarray(0, buf.n))).toEqual(ctxIds);
    expect(rows.vals[0]).toBeCloseTo(1 / Math.sqrt(buf.n), 6);
  });

  it('adds the review context of its agent verdicts to a clause when the model has verdictContext, as training featurises it', () => {
    const zh = loadPredictor('models/sentiment-zh');
    const s = zhSettings(12, 9, 2, 50);
    const weights = toyWeights(12, 13);
    const rf = { features: zh.meta.features, salt: 0x5eed18, scale: 0.5 };
    const vc = { salts: [0x7e1d18, 0x7e2d18, 0x7e3d18], scale: 0.5 };
    const base = new AspectPredictor({ ...toyMeta(s), reviewFeatures: rf }, weights);
    const model = new AspectPredictor({ ...toyMeta(s), reviewFeatures: rf, verdictContext: vc }, weights);
    const review = '这本书写得很好，客服态度太差了，快递也慢';
    const clauses = splitClauses(review).map((c) => c.text);
    const agent = clauses.map((c) => clauseAspects(c).some((a) => AGENT_CONTROLLABLE.has(a)));
    expect(agent).toEqual([false, true, false]);
    // without the review's context (or with another array) a clause scores as in the model without the option
    expect(Array.from(model.logits(clauses[1]!)!)).toEqual(Array.from(base.logits(clauses[1]!)!));
    const context = model.reviewContext(review)!;
    const baseContext = Float64Array.from(base.reviewContext(review)!);
    expect(Array.from(context)).toEqual(Array.from(baseContext));
    // training rows of the clauses, each with its review's context and (the agent verdict's) verdict context
    const rows = featuriseClauses(
      clauses,
      clauses.map(() => [1]),
      clauses.map(() => 1),
      s,
      true,
      12,
      false,
      { settings: rf, reviews: clauses.map(() => review) },
      false,
      undefined,
      { settings: vc, reviews: clauses.map(() => review) },
    );
    clauses.forEach((c, i) => {
      const z = Array.from(model.logits(c, undefined, undefined, context)!);
      for (let j = 0; j < ASPECT_ORDER.length; j++) {
        let sum = model.meta.weights.biases[j]!;
        for (let q = rows.offsets[i]!; q < rows.offsets[i + 1]!; q++)
          sum += rows.vals[q]! * weights[rows.ids[q]! * ASPECT_STRIDE + j]!;
        expect(z[j]!).toBeCloseTo(sum, 1);
      }
      // only the clause with an agent verdict reads more than the review's context
      const without = Array.from(base.logits(c, undefined, undefined, baseContext)!);
      expect(z.some((v, j) => Math.abs(v - without[j]!) > 1e-9)).toBe(agent[i]);
    });
    // a row without a review for the verdict context (a weak row) reads none
    const weak = featuriseClauses(
      [clauses[1]!],
      [[1]],
      [1],
      s,
      true,
      12,
      false,
      { settings: rf, reviews: [review] },
      false,
      undefined,
      {
        settings: vc,
        reviews: [undefined],
      },
    );
    const plainRow = featuriseClauses([clauses[1]!], [[1]], [1], s, true, 12, false, {
      settings: rf,
      reviews: [review],
    });
    expect(Array.from(weak.ids)).toEqual(Array.from(plainRow.ids));
    // the engine's hits carry the same logits (the review's ids come from the sentiment model's buffer)
    const engine = createEngine({ zh }, { aspectModels: { zh: model } });
    const [r] = engine.score([review]);
    const again = model.reviewContext(review);
    for (const h of r!.aspects) {
      if (h.confidence === undefined) continue;
      const z = model.logits(h.span.text, undefined, undefined, again)![ASPECT_ORDER.indexOf(h.aspect)]!;
      expect(h.confidence).toBeCloseTo(1 / (1 + Math.exp(-z)), 8);
    }
  });

  it("adds its neighbour clauses' n-grams to a clause's logits when the model has neighbourFeatures, as training featurises them", () => {
    const zh = loadPredictor('models/sentiment-zh');
    const s = zhSettings(12, 9, 2, 50);
    const weights = toyWeights(12, 11);
    const plain = new AspectPredictor(toyMeta(s), weights);
    const review = '这本书写得很好，客服态度太差了，快递也慢';
    const clauses = splitClauses(review).map((c) => c.text);
    expect(clauses.length).toBe(3);
    expect(plain.readsNeighbours).toBe(false);
    expect(plain.neighbours(clauses)).toBeNull();
    for (const salts of [
      [0x0b1e18, 0x0a1f18],
      [0x0b1e18, 0x0b1e18],
    ] as Array<[number, number]>) {
      const nf = { salts, scale: 0.5 };
      const model = new AspectPredictor({ ...toyMeta(s), neighbourFeatures: nf }, weights);
      expect(model.readsNeighbours).toBe(true);
      // without a pass a clause scores as in the model without the option
      expect(Array.from(model.logits(clauses[1]!)!)).toEqual(Array.from(plain.logits(clauses[1]!)!));
      const pass = model.neighbours(clauses)!;
      // training rows of the three clauses with their neighbours, scored with the float weights
      const rows = featuriseClauses(
        clauses,
        clauses.map(() => [1]),
        clauses.map(() => 1),
        s,
        true,
        12,
        false,
        undefined,
        false,
        { settings: nf, previous: [undefined, clauses[0], clauses[1]], next: [clauses[1], clauses[2], undefined] },
      );
      clauses.forEach((c, i) => {
        const z = Array.from(model.logits(c, undefined, pass.view(i), pass.context(i))!);
        for (let j = 0; j < ASPECT_ORDER.length; j++) {
          let sum = model.meta.weights.biases[j]!;
          for (let q = rows.offsets[i]!; q < rows.offsets[i + 1]!; q++)
            sum += rows.vals[q]! * weights[rows.ids[q]! * ASPECT_STRIDE + j]!;
          expect(z[j]!).toBeCloseTo(sum, 1);
        }
        // the first clause reads only the next one, the last only the previous one; the middle both
        const own = Array.from(plain.logits(c)!);
        expect(z.some((v, j) => Math.abs(v - own[j]!) > 1e-9)).toBe(true);
      });
      // the engine's hits carry the same logits
      const engine = createEngine({ zh }, { aspectModels: { zh: model } });
      const [r] = engine.score([review]);
      const again = model.neighbours(clauses)!;
      for (const h of r!.aspects) {
        if (h.confidence === undefined) continue;
        const i = clauses.indexOf(h.span.text);
        const z = model.logits(h.span.text, undefined, again.view(i), again.context(i))![
          ASPECT_ORDER.indexOf(h.aspect)
        ]!;
        expect(h.confidence).toBeCloseTo(1 / (1 + Math.exp(-z)), 8);
      }
      // a one-clause review has no neighbour: it scores as without the option
      const one = model.neighbours([clauses[1]!])!;
      expect(Array.from(model.logits(clauses[1]!, undefined, one.view(0), one.context(0))!)).toEqual(
        Array.from(plain.logits(clauses[1]!)!),
      );
    }
  });

  it("scores a Chinese clause from the review's own words, or segments it again when normalising changed the length", async () => {
    const engine = await loadSentimentModels('models');
    const models = loadAspectModels('models');
    const zh = loadPredictor('models/sentiment-zh');
    // 'ﬁ' (one code unit) normalises to 'fi' (two): the review's offsets no longer index its words
    for (const text of ['衣服质量很好，但是客服态度太差了，快递也慢', 'ﬁ衣服质量很好，但是客服态度太差了，快递也慢']) {
      const [r] = engine.score([text]);
      const hit = r!.aspects.find((h) => h.aspect === 'service_attitude')!;
      expect(hit.span.text).toBe('客服态度太差了');
      const p = zh.probability(hit.span.text); // the clause segmented on its own
      expect(engine.aspectVersions.zh).toMatch(/^aspects-zh@/);
      // a model with a service head reads the clause's head logit too (from detect)
      const service = models.zh!.detect(hit.span.text).find((f) => f.aspect === 'service_attitude')?.service;
      expect(models.zh!.polarity('service_attitude', p, undefined, r!.probability, service)).toBeCloseTo(
        hit.probability,
        6,
      );
    }
    await engine.close();
  });

  const shipped = existsSync('models/aspects-zh/metadata.json') && existsSync('models/aspects-en/metadata.json');
  it.runIf(shipped || process.env.CI === 'true')('ships a model per language that the engine uses', async () => {
    const models = loadAspectModels('models');
    expect(models.zh?.version).toMatch(/^aspects-zh@/);
    expect(models.en?.version).toMatch(/^aspects-en@/);
    const engine = await loadSentimentModels('models');
    expect(engine.aspectVersions.zh).toBe(models.zh!.version);
    const text = '衣服质量很好，但是客服态度太差了，快递也慢';
    const [r] = engine.score([text]);
    const by = (a: string) => r!.aspects.find((h) => h.aspect === a);
    expect(by('service_attitude')).toMatchObject({ agentControllable: true, sentiment: 'negative' });
    expect(by('service_attitude')!.confidence).toBeGreaterThan(0);
    expect(by('logistics')).toMatchObject({ agentControllable: false });
    for (const h of r!.aspects) expect(text.slice(h.span.start, h.span.end)).toBe(h.span.text);
    const [en] = engine.score(['The staff at the front desk were rude and nobody answered the phone.']);
    expect(en!.aspects.some((h) => h.agentControllable)).toBe(true);
    await engine.close();
  });
});
