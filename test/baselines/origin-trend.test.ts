import { describe, expect, it } from 'vitest';
import { originTrend, type TrendPoint } from '../../src/baselines/calibration.js';
import { forecast, trainGroupModel } from '../../src/baselines/index.js';
import { rng } from '../../src/baselines/network.js';
import { gaussian, simulateGroup } from './helpers.js';

/** Backtest-like points: H steps, origins 1 … H − h periods before the forecast origin, |N(0, sd)| errors with sd = exp(−delta · dist). */
const points = (H: number, perCell: number, delta: number, seed: number): TrendPoint[] => {
  const rand = rng(seed);
  const out: TrendPoint[] = [];
  for (let h = 0; h < H; h++)
    for (let dist = h + 1; dist <= H; dist++)
      for (let i = 0; i < perCell; i++)
        out.push({ h, dist, absErr: Math.abs(gaussian(rand)) * Math.exp(-delta * dist) * (1 + 0.1 * h) });
  return out;
};

describe('drift of the error scale with the origin (originTrend)', () => {
  it('finds a growth of the errors over time, steps compared only with themselves', () => {
    const up = originTrend(points(12, 200, 0.02, 1), 12);
    expect(up.delta).toBeGreaterThan(0.012);
    expect(up.delta).toBeLessThan(0.028);
    expect(up.used).toBeGreaterThan(0.01);
    expect(up.used).toBeLessThanOrEqual(up.delta);
    const down = originTrend(points(12, 200, -0.02, 2), 12);
    expect(down.delta).toBeLessThan(-0.012);
    expect(down.used).toBeLessThan(0);
  });

  it('shrinks a slope within its noise towards 0, and gives 0 without enough cells', () => {
    const flat = originTrend(points(12, 200, 0, 3), 12);
    expect(Math.abs(flat.used)).toBeLessThan(Math.abs(flat.delta) + 1e-12);
    expect(Math.abs(flat.used)).toBeLessThan(0.006);
    // cells under 20 points do not count: nothing to regress on
    expect(originTrend(points(12, 10, 0.02, 4), 12)).toMatchObject({ delta: 0, used: 0 });
    expect(originTrend([], 6)).toMatchObject({ delta: 0, used: 0 });
  });

  it('is off by default; when asked, the model stores the slope and widens (or narrows) with it, the median unmoved', async () => {
    const { series } = simulateGroup(120, 40, 0, 11, 4);
    const opts = { horizon: 6, network: false } as const;
    const plain = await trainGroupModel(series, opts);
    expect(plain.scaleOffsets!.trend).toBeUndefined();
    const opted = await trainGroupModel(series, { ...opts, originTrend: true });
    const trend = opted.scaleOffsets!.trend!;
    expect(Number.isFinite(trend)).toBe(true);
    const a = forecast(opted, series[0]!).steps;
    const b = forecast(plain, series[0]!).steps;
    expect(a.map((s) => s.p50)).toEqual(b.map((s) => s.p50));
    // the last step's 80 % half-width moves with the sign of the slope (errors scaled by up to exp(trend · H))
    const i90 = opted.levels.indexOf(0.9);
    const last = opted.scaleOffsets!.offsets.map((byH) => byH[5]![i90]!);
    const lastPlain = plain.scaleOffsets!.offsets.map((byH) => byH[5]![i90]!);
    if (trend > 0) last.forEach((v, i) => expect(v).toBeGreaterThanOrEqual(lastPlain[i]! - 1e-9));
    else if (trend < 0) last.forEach((v, i) => expect(v).toBeLessThanOrEqual(lastPlain[i]! + 1e-9));
    else expect(last).toEqual(lastPlain);
  }, 120_000);
});
