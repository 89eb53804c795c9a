import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadTf } from '../../src/ml/tf.js';
import { ASPECT_MODEL_FORMAT, ASPECT_STRIDE, AspectPredictor } from '../../src/reviews/sentiment/aspect-model.js';
import { featuriseClauses, trainAspectLinear } from '../../src/reviews/sentiment/aspect-train.js';
import { ASPECT_ORDER } from '../../src/reviews/sentiment/aspects.js';
import { identityCalibration } from '../../src/reviews/sentiment/calibration.js';
import type { FeatureSettings } from '../../src/reviews/sentiment/features.js';
import { loadAspectModels, loadSentimentModels } from '../../src/reviews/sentiment/index.js';

describe('learned aspect model', () => {
  it('trains with TF.js on a toy set and reads the labels back through the plain-JS predictor', async () => {
    const tf = await loadTf();
    const s: FeatureSettings = {
      language: 'zh',
      bits: 12,
      seed: 7,
      charNgrams: [1, 2],
      wordNgrams: null,
      maxChars: 100,
    };
    const texts = ['快递很慢', '物流太慢', '客服很好', '客服态度差', '质量不错', '做工很好'];
    const idx = (a: string) => ASPECT_ORDER.indexOf(a as never);
    const labels = [3, 3, 0, 0, 4, 4].map((j) => ASPECT_ORDER.map((_, k) => (k === j ? 1 : 0)));
    const rows = featuriseClauses(
      texts,
      labels,
      texts.map(() => 1),
      s,
      false,
    );
    const w = await trainAspectLinear(tf, rows, s.bits, ASPECT_STRIDE, {
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
