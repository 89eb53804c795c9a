import { describe, expect, it } from 'vitest';
import { monotoneInHorizon } from '../../src/baselines/calibration.js';
import { forecast, trainGroupModel } from '../../src/baselines/index.js';
import { driftFactors, type DriftPoint } from '../../src/baselines/model.js';
import { rng } from '../../src/baselines/network.js';
import { gaussian, simulateGroup } from './helpers.js';

const levels = [0.025, 0.1, 0.5, 0.9, 0.975];
const mid = 2;
/** Offsets of a standard normal score, the same at every step, one bucket. */
const normalOffsets = (H: number) => [Array.from({ length: H }, () => [-1.96, -1.2816, 0, 1.2816, 1.96])];
const points = (n: number, sd: number, seed: number): DriftPoint[] => {
  const rand = rng(seed);
  return Array.from({ length: n }, (_, i) => ({
    y: 10 + sd * gaussian(rand),
    med: 10,
    q: [10, 10, 10, 10, 10],
    noise: 1,
    bucket: 0,
    h: i % 3,
  }));
};

describe('drift factor of the conformal offsets (older backtest half → newer half)', () => {
  it('widens when the newer errors are larger, narrows when smaller, keeps 1 when alike', () => {
    const off = normalOffsets(3);
    const wider = driftFactors(off, points(6000, 1.3, 1), levels, mid);
    const alike = driftFactors(off, points(6000, 1, 2), levels, mid);
    const narrower = driftFactors(off, points(6000, 0.85, 3), levels, mid);
    // shrunk towards 1 by n / (n + 300): 1.3 → ≈ 1.286
    expect(wider[1]).toBeGreaterThan(1.22);
    expect(wider[1]).toBeLessThan(1.33);
    expect(Math.abs(alike[1]! - 1)).toBeLessThan(0.04);
    expect(narrower[1]).toBeLessThan(0.9);
    expect(narrower[1]).toBeGreaterThan(0.8);
    for (const f of [wider, alike, narrower]) {
      expect(f[mid]).toBe(1);
      expect(f[0]).toBe(f[4]); // one factor per pair of levels
      expect(f[1]).toBe(f[3]);
    }
  });

  it('stays within its bounds and counts few points less', () => {
    const off = normalOffsets(3);
    expect(driftFactors(off, points(6000, 5, 4), levels, mid)[1]).toBeLessThanOrEqual(1.5);
    expect(driftFactors(off, points(6000, 0.1, 5), levels, mid)[1]).toBeGreaterThanOrEqual(0.8);
    const few = driftFactors(off, points(100, 1.3, 6), levels, mid)[1]!;
    const many = driftFactors(off, points(6000, 1.3, 6), levels, mid)[1]!;
    expect(few - 1).toBeLessThan((many - 1) / 2);
    expect(driftFactors(off, [], levels, mid)).toEqual([1, 1, 1, 1, 1]);
  });
});

describe('offsets monotone in the horizon', () => {
  it('never narrows at a later step, keeps the median and the wider steps', () => {
    const off = [
      [-2, -1, 0, 1, 2],
      [-3, -1.5, 0, 1.4, 2.5],
      [-2.5, -1.2, 0.1, 1.2, 2.2], // a quiet far step
      [-4, -2, 0, 2, 3],
    ];
    const m = monotoneInHorizon(off, levels);
    expect(m[2]).toEqual([-3, -1.5, 0.1, 1.4, 2.5]);
    expect(m[3]).toEqual([-4, -2, 0, 2, 3]);
    expect(m[0]).toEqual(off[0]);
    expect(off[2]).toEqual([-2.5, -1.2, 0.1, 1.2, 2.2]); // input untouched
    // 'upper': the levels below the median are left as they were
    const u = monotoneInHorizon(off, levels, 'upper');
    expect(u[2]).toEqual([-2.5, -1.2, 0.1, 1.4, 2.5]);
    expect(u[3]).toEqual([-4, -2, 0, 2, 3]);
  });
});

describe('the opt-in calibration steps in a trained model', () => {
  it('are off by default, and when asked store factors within bounds and offsets that never narrow', async () => {
    const { series } = simulateGroup(120, 40, 0, 11, 4);
    const plain = await trainGroupModel(series, { horizon: 6, network: false });
    expect(plain.scaleOffsets!.widen).toBeUndefined();
    const opted = await trainGroupModel(series, { horizon: 6, network: false, drift: true, monotoneOffsets: true });
    const widen = opted.scaleOffsets!.widen!;
    expect(widen).toHaveLength(opted.levels.length);
    for (const f of widen) {
      expect(f).toBeGreaterThanOrEqual(0.8);
      expect(f).toBeLessThanOrEqual(1.5);
    }
    expect(widen[opted.levels.indexOf(0.5)]).toBe(1);
    const i90 = opted.levels.indexOf(0.9);
    const i10 = opted.levels.indexOf(0.1);
    for (const byH of opted.scaleOffsets!.offsets) {
      for (let h = 1; h < byH.length; h++) {
        expect(byH[h]![i90]!).toBeGreaterThanOrEqual(byH[h - 1]![i90]!);
        expect(byH[h]![i10]!).toBeLessThanOrEqual(byH[h - 1]![i10]!);
      }
    }
    // the factors reach the forecast: the 80 % interval's distance from the median is scaled by them
    const a = forecast(opted, series[0]!).steps[0]!;
    const b = forecast({ ...opted, scaleOffsets: { ...opted.scaleOffsets!, widen: undefined } }, series[0]!).steps[0]!;
    expect(a.p50).toBe(b.p50);
    expect(a.hi80 - a.p50).toBeCloseTo(widen[i90]! * (b.hi80 - b.p50), 6);
  }, 120_000);
});
