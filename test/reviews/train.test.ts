import { describe, it, expect } from 'vitest';
import { loadTf } from '../../src/ml/tf.js';
import { applyCalibration, fitPlatt } from '../../src/reviews/sentiment/calibration.js';
import { featuriseAll, type LabelledReview } from '../../src/reviews/sentiment/data.js';
import { defaultSettings } from '../../src/reviews/sentiment/features.js';
import { LinearPredictor, MODEL_FORMAT, weightsVersion } from '../../src/reviews/sentiment/predictor.js';
import { defaultTrainOptions, linearLogits, rng, trainLinear } from '../../src/reviews/sentiment/train.js';

/** Small synthetic shop reviews written for this test (not from any data set). */
function synthetic(seed: number, n: number): LabelledReview[] {
  const random = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const subjects = ['质量', '物流', '客服', '包装', '价格', '手机', '衣服', '屏幕'];
  const good = ['很好', '不错', '非常满意', '超级棒', '很快', '值得推荐'];
  const bad = ['很差', '太慢了', '非常失望', '垃圾', '有问题', '不推荐'];
  return Array.from({ length: n }, () => {
    const label = random() < 0.5 ? 0 : 1;
    const review = `${pick(subjects)}${pick(label ? good : bad)}，${pick(subjects)}${random() < 0.8 ? pick(label ? good : bad) : '一般'}`;
    return { review, label };
  });
}

describe('training (tiny synthetic set, TF.js)', () => {
  const settings = { ...defaultSettings('zh'), bits: 14 };
  const options = { ...defaultTrainOptions('zh'), batchSize: 64, epochs: 6, minDf: 1 };

  it('learns the synthetic signal, deterministically for a seed', async () => {
    const tf = await loadTf();
    const train = featuriseAll(synthetic(1, 400), settings);
    const held = featuriseAll(synthetic(2, 200), settings);
    const a = await trainLinear(tf, train, settings.bits, options);
    const b = await trainLinear(tf, train, settings.bits, options);
    expect(weightsVersion('zh', a.weights)).toBe(weightsVersion('zh', b.weights));
    const logits = linearLogits(held, a.weights, a.bias);
    const correct = Array.from(logits).filter((z, i) => (z > 0 ? 1 : 0) === held.labels[i]).length;
    expect(correct / logits.length).toBeGreaterThan(0.95);

    // the plain-JS predictor reproduces the trainer's logits from the folded weights
    const cal = fitPlatt(logits, held.labels);
    const predictor = new LinearPredictor(
      {
        format: MODEL_FORMAT,
        language: 'zh',
        version: weightsVersion('zh', a.weights),
        features: settings,
        weights: { file: 'weights.bin', dtype: 'float32', length: a.weights.length, bias: a.bias },
        calibration: cal,
        neutralBand: { low: 0.35, high: 0.65 },
      },
      a.weights,
    );
    expect(predictor.probability('质量很好，物流很快')).toBeGreaterThan(0.8);
    expect(predictor.probability('质量很差，物流太慢了')).toBeLessThan(0.2);
    expect(predictor.probability('')).toBe(0.5);
    const z = predictor.logit('客服非常满意');
    expect(applyCalibration(cal, z)).toBeCloseTo(predictor.probability('客服非常满意'), 10);
  });
});
