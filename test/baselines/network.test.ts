import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { predictNet, rng, type NetWeights } from '../../src/baselines/network.js';

const levels = [0.025, 0.1, 0.25, 0.5, 0.75, 0.9, 0.975];

function randomNet(seed: number, inDim: number, H: number): NetWeights {
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
    mean: Array(inDim).fill(0),
    std: Array(inDim).fill(1),
    layers: [dense(inDim, 8), dense(8, H * levels.length)],
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
