import { describe, it, expect } from 'vitest';
import {
  classicalForecast,
  damped,
  driftAt,
  decompose,
  isSeasonal,
  reseason,
  seasonalNaive,
  ses,
  theta,
} from '../../src/baselines/classical.js';
import { coverage, mase, maseScale, msis, smape } from '../../src/baselines/metrics.js';

describe('classical components', () => {
  it('theta and damped trend follow a clean linear trend', () => {
    const x = Array.from({ length: 30 }, (_, t) => 10 + 2 * t);
    const th = theta(x, 4);
    const dp = damped(x, 4);
    expect(th[0]).toBeGreaterThan(x[29]!);
    expect(dp[0]).toBeCloseTo(70, 0);
  });

  it('the drift member carries the whole slope on from the SES level, Theta half of it', () => {
    const x = Array.from({ length: 30 }, (_, t) => 10 + 2 * t + (t % 2 === 0 ? 0.5 : -0.5));
    const f = classicalForecast(x, 1, 6);
    const drift = [0, 1, 2, 3, 4, 5].map((k) => driftAt(f, k));
    const level = ses(x).level;
    drift.forEach((v, k) => expect(v).toBeCloseTo(level + (k + 1) * 2, 1));
    // steeper than Theta's line, step after step
    expect(drift[5]! - drift[0]!).toBeGreaterThan(f.theta[5]! - f.theta[0]!);
    // and reseasonalised like the other members
    const q = Array.from({ length: 40 }, (_, t) => (100 + 3 * t) * [0.8, 1.2, 1.1, 0.9][t % 4]!);
    const g = classicalForecast(q, 4, 4);
    expect(g.decomposition.seasonal).toBe(true);
    // reseason of the same line, number for number
    const line = [0, 1, 2, 3].map((k) => g.level + (k + 1) * g.slope);
    expect([0, 1, 2, 3].map((k) => driftAt(g, k))).toEqual(reseason(line, g.decomposition, q.length));
    expect(driftAt(g, 1) / driftAt(g, 0)).toBeCloseTo(1.2 / 0.8, 1);
  });

  it('ses of a constant series is that constant', () => {
    const fit = ses(Array(12).fill(5));
    expect(fit.level).toBeCloseTo(5, 6);
  });

  it('detects and removes a strong quarterly pattern', () => {
    const x = Array.from({ length: 40 }, (_, t) => 100 * [0.8, 1.2, 1.1, 0.9][t % 4]!);
    expect(isSeasonal(x, 4)).toBe(true);
    const d = decompose(x, 4);
    expect(d.seasonal).toBe(true);
    const f = classicalForecast(x, 4, 4).point;
    expect(f[0]).toBeCloseTo(80, 0);
    expect(f[1]).toBeCloseTo(120, 0);
  });

  it('handles negatives and zeros with an additive pattern', () => {
    const x = Array.from({ length: 24 }, (_, t) => [-5, 0, 5, 0][t % 4]! + 0.1 * t);
    const f = classicalForecast(x, 4, 8);
    expect(f.point.every(Number.isFinite)).toBe(true);
    expect(f.decomposition.kind).toBe('add');
  });

  it('shrinks noisy seasonal indices towards 1 and keeps clean ones (opt-in seasonIndex)', () => {
    let seed = 7;
    const noise = () => {
      seed = (seed * 16807) % 2147483647;
      return seed / 2147483647 - 0.5;
    };
    const clean = Array.from({ length: 60 }, (_, t) => 100 * [0.8, 1.2, 1.1, 0.9, 1, 1][t % 6]!);
    for (const shrink of ['js', 'lk'] as const) {
      const d = decompose(clean, 6, false, { shrink });
      decompose(clean, 6).index.forEach((v, j) => expect(d.index[j]).toBeCloseTo(v, 6));
    }
    // a weak pattern in much noise: James–Stein pulls every index towards 1 by one factor
    const noisy = Array.from({ length: 96 }, (_, t) => 100 + 4 * Math.sin((2 * Math.PI * t) / 12) + 40 * noise());
    const raw = decompose(noisy, 12, true);
    const js = decompose(noisy, 12, true, { shrink: 'js' });
    const lk = decompose(noisy, 12, true, { shrink: 'lk' });
    const spread = (ix: number[]) => ix.reduce((a, v) => a + (v - 1) ** 2, 0);
    expect(spread(js.index)).toBeLessThan(spread(raw.index));
    expect(spread(lk.index)).toBeLessThan(spread(raw.index));
    const c = (js.index[0]! - 1) / (raw.index[0]! - 1);
    js.index.forEach((v, j) => expect(v - 1).toBeCloseTo(c * (raw.index[j]! - 1), 9));
    // the indices still average 1
    for (const d of [js, lk]) expect(d.index.reduce((a, b) => a + b, 0) / 12).toBeCloseTo(1, 9);
    // years: only the last cycles' ratios, so a pattern that changed is read as it is now
    const changed = Array.from({ length: 120 }, (_, t) => 100 * (t < 72 ? [1.3, 0.7] : [0.7, 1.3])[t % 2]!);
    expect(decompose(changed, 2, true).index[0]).toBeGreaterThan(0.95);
    expect(decompose(changed, 2, true, { years: 3 }).index[0]).toBeCloseTo(0.7, 2);
  });

  it('seasonal naive repeats the last cycle', () => {
    expect(seasonalNaive([1, 2, 3, 4, 5, 6, 7, 8], 4, 6)).toEqual([5, 6, 7, 8, 5, 6]);
    expect(seasonalNaive([1, 2], 4, 2)).toEqual([2, 2]);
  });
});

describe('metrics', () => {
  it('computes sMAPE, MASE, coverage and MSIS as defined', () => {
    expect(smape([100], [110])).toBeCloseTo((200 * 10) / 210, 6);
    expect(smape([0], [0])).toBe(0);
    expect(maseScale([1, 2, 3, 4, 6], 1)).toBeCloseTo(1.25, 6);
    expect(mase([10, 12], [11, 11], 2)).toBeCloseTo(0.5, 6);
    expect(coverage([1, 5], [0, 0], [2, 2])).toBe(0.5);
    // width 2 + penalty 2/0.05 · 1 for the miss, averaged over 2 points
    expect(msis([1, 3], [0, 0], [2, 2], 1)).toBeCloseTo((2 + 2 + 40) / 2, 6);
    expect(() => smape([], [])).toThrow();
  });
});
