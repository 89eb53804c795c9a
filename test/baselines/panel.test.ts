import { describe, expect, it } from 'vitest';
import { innerSlice, type PanelSeries } from '../../src/baselines/panel.js';

const series = (id: string, n: number, h: number, frequency = 4, promo = false): PanelSeries => {
  const all = Array.from({ length: n + h }, (_, t) => t + 1);
  return {
    id,
    group: 'g',
    frequency,
    train: all.slice(0, n),
    test: all.slice(n),
    ...(promo ? { promo: all.map((v) => v % 3 === 0) } : {}),
  };
};

describe('innerSlice', () => {
  it('moves the test a whole horizon back into the training part, never reading the test', () => {
    const s = series('a', 20, 4, 4, true);
    const [one] = innerSlice([s], 1);
    expect(one!.train).toEqual(s.train.slice(0, 16));
    expect(one!.test).toEqual(s.train.slice(16, 20));
    expect(one!.promo).toEqual(s.promo!.slice(0, 20));
    const [two] = innerSlice([s], 2);
    expect(two!.train).toEqual(s.train.slice(0, 12));
    expect(two!.test).toEqual(s.train.slice(12, 16));
    for (const t of [...one!.test, ...two!.test]) expect(s.test).not.toContain(t);
  });

  it('keeps the panel at 0, drops series left without a year plus one period, and refuses a bad k', () => {
    const panel = [series('long', 20, 4), series('short', 8, 4)];
    expect(innerSlice(panel, 0)).toEqual(panel);
    expect(innerSlice(panel, 1).map((s) => s.id)).toEqual(['long']);
    expect(() => innerSlice(panel, -1)).toThrow(RangeError);
    expect(() => innerSlice(panel, 1.5)).toThrow(RangeError);
  });

  it("drops the series whose cut training part is shorter than minTrain (the test series' lengths)", () => {
    const panel = [series('long', 40, 4), series('mid', 24, 4), series('short', 12, 4)];
    expect(innerSlice(panel, 1, 20).map((s) => s.id)).toEqual(['long', 'mid']);
    expect(innerSlice(panel, 2, 20).map((s) => s.id)).toEqual(['long']);
    expect(innerSlice(panel, 1).map((s) => s.id)).toEqual(['long', 'mid', 'short']);
    expect(innerSlice(panel, 0, 100)).toEqual(panel);
  });
});
