/** Distribution functions and Spearman's ρ against R 4.2 (values printed by R with 15 digits). */
import { describe, expect, it } from 'vitest';
import {
  chiSquareSf,
  normalCdf,
  normalQuantile,
  ranks,
  spearman,
  tCdf,
  tQuantile,
  tTwoSided,
} from '../../src/appraisal/stats.js';

describe('distributions agree with R', () => {
  it('normal: pnorm, qnorm', () => {
    expect(normalCdf(-3)).toBeCloseTo(0.00134989803163009, 15);
    expect(normalCdf(1.2)).toBeCloseTo(0.884930329778292, 14);
    expect(normalCdf(-8.5) / 9.47953482220332e-18).toBeCloseTo(1, 10);
    expect(normalQuantile(0.9)).toBeCloseTo(1.2815515655446, 12);
    expect(normalQuantile(1e-10)).toBeCloseTo(-6.36134090240406, 11);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 13);
  });

  it('Student t: pt, qt (non-integer df too)', () => {
    expect(tCdf(2.3, 7)).toBeCloseTo(0.972504452397814, 13);
    expect(tCdf(-0.4, 1.5)).toBeCloseTo(0.369360469001432, 13);
    expect(tQuantile(0.975, 17.776)).toBeCloseTo(2.10282131038022, 11);
    expect(tQuantile(0.95, 3)).toBeCloseTo(2.35336343480182, 11);
    expect(tQuantile(0.005, 2.5)).toBeCloseTo(-7.16372813894881, 9);
    expect(tTwoSided(-1.86081346748685, 17.7764735161785)).toBeCloseTo(0.0793941401873582, 12);
  });

  it('chi-square upper tail: pchisq(lower.tail = FALSE)', () => {
    expect(chiSquareSf(7.5, 2)).toBeCloseTo(0.0235177458560091, 14);
    expect(chiSquareSf(30, 4) / 4.89443712802921e-6).toBeCloseTo(1, 10);
    expect(chiSquareSf(0.3, 1)).toBeCloseTo(0.583882420770365, 13);
    expect(chiSquareSf(0, 3)).toBe(1);
  });
});

describe('ranks and Spearman', () => {
  it('midranks for ties', () => {
    expect(ranks([10, 20, 20, 30])).toEqual([1, 2.5, 2.5, 4]);
    expect(ranks([3, 1, 2])).toEqual([3, 1, 2]);
  });

  it('Spearman with ties = cor(method = "spearman")', () => {
    expect(spearman([1, 2, 2, 3, 5, 5, 5, 8], [2, 1, 4, 4, 6, 3, 7, 9])).toBeCloseTo(0.784189699514969, 14);
    expect(spearman([1, 2, 3, 4], [10, 30, 20, 40])).toBeCloseTo(0.8, 14);
    expect(Number.isNaN(spearman([1, 1, 1], [1, 2, 3]))).toBe(true);
  });
});
