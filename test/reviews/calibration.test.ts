import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import {
  applyCalibration,
  expectedCalibrationError,
  fitPlatt,
  fitPlatt2,
  sigmoid,
} from '../../src/reviews/sentiment/calibration.js';
import { rng } from '../../src/reviews/sentiment/train.js';

/** Synthetic over-confident model: true P(y=1) = σ(z/τ + β) for logits z. */
function slice(seed: number, n: number, tau: number, beta: number) {
  const random = rng(seed);
  const logits: number[] = [];
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const z = (random() - 0.5) * 16;
    logits.push(z);
    labels.push(random() < sigmoid(z / tau + beta) ? 1 : 0);
  }
  return { logits, labels };
}

describe('calibration', () => {
  it('ECE is zero for perfect confidence and |1 − p| for a constant miss', () => {
    expect(expectedCalibrationError([1, 0, 1], [1, 0, 1])).toBeCloseTo(0, 10);
    expect(expectedCalibrationError([0.9, 0.9], [0, 0])).toBeCloseTo(0.9, 10);
    expect(() => expectedCalibrationError([], [])).toThrow();
  });

  it('Platt scaling recovers a known temperature and bias', () => {
    const { logits, labels } = slice(1, 20_000, 2.5, 0.3);
    const cal = fitPlatt(logits, labels);
    expect(cal.a).toBeCloseTo(1 / 2.5, 1);
    expect(cal.c).toBeCloseTo(0.3, 1);
  });

  it('Platt scaling on two logits recovers known weights, and a useless second logit gets weight ≈ 0', () => {
    const random = rng(3);
    const z: number[] = [];
    const w: number[] = [];
    const y: number[] = [];
    const noise: number[] = [];
    for (let i = 0; i < 20_000; i++) {
      z.push((random() - 0.5) * 10);
      w.push((random() - 0.5) * 10);
      noise.push((random() - 0.5) * 10);
      y.push(random() < sigmoid(0.6 * z[i]! + 0.3 * w[i]! - 0.4) ? 1 : 0);
    }
    const cal = fitPlatt2(z, w, y);
    expect(cal.a).toBeCloseTo(0.6, 1);
    expect(cal.b).toBeCloseTo(0.3, 1);
    expect(cal.c).toBeCloseTo(-0.4, 1);
    const one = fitPlatt(z, y);
    const idle = fitPlatt2(z, noise, y);
    expect(Math.abs(idle.b)).toBeLessThan(0.03);
    expect(idle.a).toBeCloseTo(one.a, 1);
    expect(() => fitPlatt2([], [], [])).toThrow();
  });

  it('property: fitted on one slice, predicted probabilities match observed frequencies on a held-out slice', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1e6 }),
        fc.double({ min: 0.3, max: 4, noNaN: true }),
        fc.double({ min: -1, max: 1, noNaN: true }),
        (seed, tau, beta) => {
          const fit = slice(seed, 4000, tau, beta);
          const held = slice(seed + 1, 4000, tau, beta);
          const cal = fitPlatt(fit.logits, fit.labels);
          const probs = held.logits.map((z) => applyCalibration(cal, z));
          const raw = held.logits.map((z) => sigmoid(z));
          const ece = expectedCalibrationError(probs, held.labels);
          expect(ece).toBeLessThan(0.04);
          // and calibration never makes a badly mis-scaled model worse
          if (Math.abs(tau - 1) > 0.5)
            expect(ece).toBeLessThanOrEqual(expectedCalibrationError(raw, held.labels) + 0.01);
        },
      ),
      { numRuns: 25, seed: 7 },
    );
  });
});
