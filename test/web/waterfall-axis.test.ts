/**
 * The "why this number" waterfall (src/web/pages/targets.ts): when the level dwarfs the drivers, the
 * value axis starts at a round value under the lowest running total instead of 0, so the drivers show.
 */
import { describe, expect, it } from 'vitest';
import { waterfallAxisMin } from '../../src/web/charts.js';

describe('waterfall axis', () => {
  it('starts under the lowest running total, half the totals’ spread lower, on a round value', () => {
    // level 1,608,711, trend +203,368, no season or promotion, other +157,937: totals 1.61–1.97 M
    expect(waterfallAxisMin([1_608_711, 203_368, 0, 0, 157_937])).toBe(1_400_000);
    // a driver that pulls down: totals 90–100
    expect(waterfallAxisMin([100, -10, 5, 0, 2])).toBe(80);
  });
  it('keeps 0 when a total is near, at or below it, or when nothing moves', () => {
    expect(waterfallAxisMin([100, -80, 0, 0, 0])).toBeNull();
    expect(waterfallAxisMin([-5, 1, 0, 0, 0])).toBeNull();
    expect(waterfallAxisMin([0, 0, 0, 0, 0])).toBeNull();
    expect(waterfallAxisMin([100, 0, 0, 0, 0])).toBeNull();
  });
  it('never starts above the lowest total', () => {
    for (const steps of [
      [50, 1, 1, 1, 1],
      [0.93, 0.01, -0.02, 0, 0.005],
      [12_345, -3_000, 2_000, 500, -100],
    ]) {
      const min = waterfallAxisMin(steps);
      const totals = steps.map((_, i) => steps.slice(0, i + 1).reduce((a, b) => a + b, 0));
      expect(min).not.toBeNull();
      expect(min!).toBeLessThanOrEqual(Math.min(...totals));
    }
  });
});
