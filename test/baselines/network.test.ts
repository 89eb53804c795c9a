import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { predictNet, predictSteps, rng, type NetWeights } from '../../src/baselines/network.js';

const levels = [0.025, 0.1, 0.25, 0.5, 0.75, 0.9, 0.975];

function randomNet(seed: number, inDim: number, H: number, hidden: readonly number[] = [8]): NetWeights {
  const r = rng(seed);
  const dense = (rows: number, cols: number) => ({
    rows,
    cols,
    w: Array.from({ length: rows * cols }, () => (r() * 2 - 1) * 3),
    b: Array.from({ length: cols }, () => (r() * 2 - 1) * 3),
  });
  return {
    inDim,
    H,
    levels,
    mean: Array.from({ length: inDim }, () => r() - 0.5),
    std: Array.from({ length: inDim }, () => 0.5 + r()),
    layers: [inDim, ...hidden].map((rows, l, a) => dense(rows, a[l + 1] ?? H * levels.length)),
  };
}

describe('quantile network output', () => {
  it('never crosses, whatever the weights and inputs', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.array(fc.double({ min: -50, max: 50, noNaN: true }), { minLength: 5, maxLength: 5 }),
        (seed, xs) => {
          const net = randomNet(seed, 5, 3);
          const out = predictNet(net, Float64Array.from(xs));
          for (let h = 0; h < 3; h++) {
            for (let q = 1; q < levels.length; q++)
              expect(out[h * levels.length + q]!).toBeGreaterThanOrEqual(out[h * levels.length + q - 1]!);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('one step of the quantile network (predictSteps)', () => {
  const Q = levels.length;
  const mid = levels.indexOf(0.5);
  it('writes the very numbers of the whole pass: the quantiles of the steps asked, every median, the medians without promotions', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.constantFrom([8], [8, 6], [6, 5, 4]),
        fc.array(fc.double({ min: -50, max: 50, noNaN: true }), { minLength: 9, maxLength: 9 }),
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 0, max: 6 }),
        (seed, hidden, xs, a, b, at) => {
          const H = 4;
          const net = randomNet(seed, 9, H, hidden);
          // some inputs exactly 0 (the flags), as the features have them
          const x = Float64Array.from(xs, (v, i) => (i % 3 === 0 ? 0 : v));
          const from = Math.min(a, b - 1);
          const to = Math.max(a + 1, b);
          const whole = predictNet(net, x);
          const cleared = x.slice();
          cleared.fill(0, at, at + 3);
          const wholeNoPromo = predictNet(net, cleared);
          const out = new Float64Array(H * Q).fill(Number.NaN);
          const noPromo = new Float64Array(H * Q).fill(Number.NaN);
          predictSteps(net, x, from, to, out, { at, len: 3, out: noPromo });
          for (let h = 0; h < H; h++) {
            for (let q = 0; q < Q; q++) {
              const i = h * Q + q;
              if (q === mid || (h >= from && h < to)) expect(Object.is(out[i], whole[i])).toBe(true);
              else expect(out[i]).toBeNaN();
              if (q === mid && h >= from && h < to) expect(Object.is(noPromo[i], wholeNoPromo[i])).toBe(true);
              else expect(noPromo[i]).toBeNaN();
            }
          }
          const alone = new Float64Array(H * Q).fill(Number.NaN);
          predictSteps(net, x, from, to, alone);
          expect(alone).toEqual(out);
        },
      ),
      { numRuns: 200 },
    );
  });
});
