/**
 * Simulated periods with known person effects and rater leniencies (src/appraisal/rater-sim.ts; the
 * fuller table is `npm run eval:rater`): the calibrated score ranks people closer to the truth than the
 * raw mean (Spearman), and the 90 % intervals hold the truth about 90 % of the time.
 * Stated tolerance: within ±3 points of 90 % where the data follow the model, within 5 points below
 * (and never above 95 %) with Likert rounding and outlying raters. Fixed seeds: deterministic.
 */
import { describe, expect, it } from 'vitest';
import { evaluateDesign, type DesignFigures, type SimOptions } from '../../src/appraisal/rater-sim.js';

const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;

function family(o: Omit<SimOptions, 'people'>, designs: number, seed0: number): DesignFigures[] {
  return Array.from({ length: designs }, (_, i) => evaluateDesign(seed0 + i, { ...o, people: i % 2 ? 40 : 20 }));
}

function summary(rows: DesignFigures[]) {
  const gain = rows.map((r) => r.spearman.calibrated - r.spearman.raw);
  // coverage pooled over all people of all designs
  const people = rows.reduce((s, r) => s + r.people, 0);
  const inside = rows.reduce((s, r) => s + r.coverage.people * r.people, 0);
  return { gain: mean(gain), positive: mean(gain.map((g) => (g > 0 ? 1 : 0))), coverage: inside / people };
}

describe('360 calibration on simulated periods', () => {
  it('data from the model itself (normal leniencies, continuous scores)', () => {
    const s = summary(family({ scores: 'continuous', outliers: false }, 24, 2000));
    expect(s.gain).toBeGreaterThan(0.01);
    expect(s.positive).toBeGreaterThanOrEqual(0.75);
    expect(Math.abs(s.coverage - 0.9)).toBeLessThanOrEqual(0.03);
  });

  it('Likert scales (1–5, customers 1–10) with harsh and lenient managers', () => {
    const s = summary(family({ scores: 'likert' }, 24, 3000));
    expect(s.gain).toBeGreaterThan(0.03);
    expect(s.positive).toBeGreaterThanOrEqual(0.8);
    expect(s.coverage).toBeGreaterThanOrEqual(0.85);
    expect(s.coverage).toBeLessThanOrEqual(0.95);
  });

  it('sparse: one peer and at most three customers per person', () => {
    const s = summary(family({ scores: 'likert', peersPerPerson: 1, maxCustomers: 3 }, 24, 4000));
    expect(s.gain).toBeGreaterThan(0.05);
    expect(s.coverage).toBeGreaterThanOrEqual(0.85);
    expect(s.coverage).toBeLessThanOrEqual(0.95);
  });
});
