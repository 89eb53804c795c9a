import { describe, expect, it } from 'vitest';
import { betaCdf, betaQuantile, lnGamma } from '../../src/ratings/beta.js';
import { fitPrior, posterior, scoreOf, starsOf } from '../../src/ratings/model.js';

// reference values from scipy 1.17 (scipy.special.gammaln, betainc; scipy.stats.beta.ppf)
const QUANTILES: Array<[number, number, number, number, number]> = [
  [1, 1, 0.05, 0.95, 0.3],
  [2, 5, 0.06284989170835438, 0.5818034092520259, 0.5798250000000003],
  [0.5, 0.5, 0.0061558297024311365, 0.9938441702975689, 0.36901011956554536],
  [16.3, 4.2, 0.6366605902327506, 0.9202601419282045, 1.4871792869284482e-6],
  [300.5, 40.25, 0.8519359719033714, 0.909270192708125, 2.887969546172927e-112],
  [0.2, 3, 7.797949567350083e-8, 0.3243985452659058, 0.942260499013232],
  [5000, 1200, 0.7981432916385489, 0.8146475253312414, 0],
  [3, 0.3, 0.5990984098676123, 0.9999879467520052, 0.004840362044776931],
];

describe('Beta distribution', () => {
  it('lnGamma matches reference values', () => {
    for (const [x, want] of [
      [0.5, 0.5723649429247],
      [1, 0],
      [2.5, 0.2846828704729192],
      [10, 12.801827480081469],
      [100.3, 360.5147057290581],
      [1e5, 1051287.7089736569],
    ] as const) {
      expect(lnGamma(x)).toBeCloseTo(want, 9);
    }
    expect(() => lnGamma(0)).toThrow(RangeError);
  });

  it('CDF and quantiles match scipy', () => {
    for (const [a, b, q05, q95, cdf03] of QUANTILES) {
      expect(betaQuantile(0.05, a, b), `q05 ${a},${b}`).toBeCloseTo(q05, 8);
      expect(betaQuantile(0.95, a, b), `q95 ${a},${b}`).toBeCloseTo(q95, 8);
      expect(Math.abs(betaCdf(0.3, a, b) - cdf03), `cdf ${a},${b}`).toBeLessThan(1e-10 * Math.max(1, cdf03) + 1e-300);
      expect(betaCdf(betaQuantile(0.37, a, b), a, b)).toBeCloseTo(0.37, 9);
    }
    expect(betaQuantile(0, 2, 3)).toBe(0);
    expect(betaQuantile(1, 2, 3)).toBe(1);
    expect(() => betaQuantile(0.5, 0, 1)).toThrow(RangeError);
    expect(() => betaCdf(1.5, 1, 1)).toThrow(RangeError);
  });
});

describe('rating model', () => {
  it('shrinks a 3-review agent towards the role and keeps a 300-review agent near its share', () => {
    const prior = { alpha: 16, beta: 4 }; // role mean 0.8
    const few = posterior(prior, { n: 3, positive: 3 });
    const many = posterior(prior, { n: 300, positive: 285 });
    expect(few.mean).toBeCloseTo(19 / 23, 10);
    expect(many.mean).toBeGreaterThan(few.mean); // 95 % of 300 beats 3 of 3
    expect(few.high - few.low).toBeGreaterThan(many.high - many.low);
    expect(few.low).toBeLessThan(few.mean);
    expect(few.high).toBeGreaterThan(few.mean);
  });

  it('falls back to a weak pooled prior with few agents and recovers a known prior with many', () => {
    const weak = fitPrior([
      { n: 10, positive: 9 },
      { n: 20, positive: 10 },
    ]);
    expect(weak.method).toBe('weak');
    expect(weak.alpha + weak.beta).toBeCloseTo(2, 10);
    // agents whose shares are exactly the Beta(8, 2) deciles, 400 reviews each
    const ev = Array.from({ length: 99 }, (_, i) => ({ n: 400, positive: 400 * betaQuantile((i + 1) / 100, 8, 2) }));
    const fitted = fitPrior(ev);
    expect(fitted.method).toBe('eb');
    expect(fitted.alpha / (fitted.alpha + fitted.beta)).toBeCloseTo(0.8, 2);
    expect(fitted.alpha + fitted.beta).toBeGreaterThan(7);
    expect(fitted.alpha + fitted.beta).toBeLessThan(14);
    // no differences between agents: a strong prior, within the bound
    const same = fitPrior(Array.from({ length: 50 }, () => ({ n: 100, positive: 70 })));
    expect(same.alpha + same.beta).toBeGreaterThan(1000);
    expect(same.alpha + same.beta).toBeLessThanOrEqual(10_000 + 1e-6);
  });

  it('maps the mean to a 0–100 score and 1–5 stars', () => {
    expect(scoreOf(0.8123)).toBe(81.2);
    expect(starsOf(0.8123)).toBe(4.2);
    expect(starsOf(0)).toBe(1);
    expect(starsOf(1)).toBe(5);
  });
});
