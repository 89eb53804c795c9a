import { describe, expect, it } from 'vitest';
import { type WeightedScores, weightedOffsets } from '../../src/baselines/calibration.js';
import { forecast, trainGroupModel } from '../../src/baselines/index.js';
import { rng } from '../../src/baselines/network.js';
import { gaussian, simulateGroup } from './helpers.js';

const LEVELS = [0.1, 0.5, 0.9];

/** Backtest-like scores: step h has `perStep(h)` points, errors N(0, 1 + h) (the median level's score is the error). */
const steps = (H: number, perStep: (h: number) => number, seed: number): WeightedScores[] => {
  const rand = rng(seed);
  return Array.from({ length: H }, (_, h) => {
    const e = Array.from({ length: perStep(h) }, () => gaussian(rand) * (1 + h));
    return { scores: LEVELS.map(() => e.slice()), weights: e.map(() => 1) };
  });
};

describe('conformal offsets borrowing from neighbouring steps (HorizonPooling)', () => {
  it('unset: the neighbours as they are, so the last steps borrow smaller errors', () => {
    const byH = steps(12, (h) => 100 * (12 - h), 1);
    const plain = weightedOffsets(byH, LEVELS);
    const scaled = weightedOffsets(byH, LEVELS, 150, { scaled: true });
    expect(weightedOffsets(byH, LEVELS, 150, {})).toEqual(plain);
    // the true 90 % offset at the last step: 1.2816 × 12 ≈ 15.4
    expect(plain[11]![2]!).toBeLessThan(scaled[11]![2]! - 1);
    expect(scaled[11]![2]!).toBeGreaterThan(14);
    expect(scaled[11]![2]!).toBeLessThan(17.5);
    expect(scaled[11]![0]!).toBeLessThan(-13.5);
    // a step with enough points of its own is untouched
    expect(scaled[0]).toEqual(plain[0]);
    expect(scaled[11]![1]).toBe(0);
  });

  it('wide: the steps from `from` on always pool h ± 1', () => {
    const byH = steps(6, () => 400, 2);
    const plain = weightedOffsets(byH, LEVELS, 150, { scaled: true });
    const wide = weightedOffsets(byH, LEVELS, 150, { scaled: true, span: 1, from: 4 });
    expect(wide.slice(0, 4)).toEqual(plain.slice(0, 4));
    expect(wide[4]).not.toEqual(plain[4]);
    expect(Math.abs(wide[5]![2]! - 1.2816 * 6)).toBeLessThan(1);
  });

  it('is off by default in training; `far` trend and `scaled` pooling leave the median and the near steps alone', async () => {
    const { series } = simulateGroup(60, 40, 0, 11, 4);
    const opts = { horizon: 6, network: false } as const;
    const plain = await trainGroupModel(series, opts);
    const off = await trainGroupModel(series, { ...opts, horizonPool: false, originTrend: false });
    expect(off.scaleOffsets).toEqual(plain.scaleOffsets);
    const scaled = await trainGroupModel(series, { ...opts, horizonPool: 'scaled' });
    const a = forecast(scaled, series[0]!).steps;
    const b = forecast(plain, series[0]!).steps;
    expect(a.map((s) => s.p50)).toEqual(b.map((s) => s.p50));
    expect(scaled.scaleOffsets!.offsets).not.toEqual(plain.scaleOffsets!.offsets);
    // `far`: the steps up to the first seasonal cycle (m = 4) as without the trend
    const far = await trainGroupModel(series, { ...opts, originTrend: 'far' });
    far.scaleOffsets!.offsets.forEach((byH, k) =>
      byH.slice(0, 4).forEach((row, h) => expect(row).toEqual(plain.scaleOffsets!.offsets[k]![h])),
    );
  }, 120_000);
});
