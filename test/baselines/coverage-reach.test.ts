import { describe, expect, it } from 'vitest';
import { bandProbability } from '../../src/baselines/metrics.js';

/** the same sum with exact binomial coefficients, for small n */
function direct(n: number, p: number, lo: number, hi: number): number {
  let sum = 0;
  for (let k = 0; k <= n; k++) {
    if (k / n < lo - 1e-9 || k / n > hi + 1e-9) continue;
    let c = 1;
    for (let i = 0; i < k; i++) c = (c * (n - i)) / (i + 1);
    sum += c * p ** k * (1 - p) ** (n - k);
  }
  return sum;
}

describe('bandProbability', () => {
  it('equals the binomial sum with exact coefficients', () => {
    for (const [n, p, lo, hi] of [
      [10, 0.8, 0.7, 0.9],
      [45, 0.8, 0.76, 0.84],
      [45, 0.95, 0.91, 0.99],
      [30, 0.5, 0, 1],
    ] as const) {
      expect(bandProbability(n, p, lo, hi)).toBeCloseTo(direct(n, p, lo, hi), 10);
    }
  });

  it('is 1 over the whole range and 0 over an empty band', () => {
    expect(bandProbability(585, 0.8, 0, 1)).toBeCloseTo(1, 9);
    expect(bandProbability(45, 0.8, 0.81, 0.82)).toBe(0);
  });

  it('gives the walmart figures: 45 series per step, 585 test points', () => {
    // 35, 36 or 37 of 45 inside a perfectly calibrated 80 % interval
    expect(bandProbability(45, 0.8, 0.76, 0.84)).toBeCloseTo(0.423, 3);
    expect(bandProbability(585, 0.8, 0.78, 0.82)).toBeCloseTo(0.766, 3);
    // large panels: the band is all but certain
    expect(bandProbability(1428 * 18, 0.8, 0.78, 0.82)).toBeGreaterThan(0.9999);
  });
});
