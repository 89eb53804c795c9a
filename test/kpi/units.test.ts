import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parsePeriod } from '../../src/history/period.js';
import type { CalendarEvent } from '../../src/kpi/calendar.js';
import { calendarProfile, coveredDays, isPromotionPeriod, periodDistance, periodGrid } from '../../src/kpi/cycles.js';
import { attainment, percentileOf, quantileAt } from '../../src/kpi/quantiles.js';
import { composite, DEFAULT_WEIGHTS } from '../../src/kpi/weights.js';
import { defaultPromotionCalendar } from '../../src/demo/index.js';

const P = (id: string) => parsePeriod(id)!;
const LEVELS = [0.025, 0.1, 0.25, 0.3, 0.5, 0.7, 0.75, 0.9, 0.975];

describe('reading quantiles', () => {
  it('interpolates values and percentiles consistently and monotonically', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1e3, max: 1e3, noNaN: true }), { minLength: 9, maxLength: 9 }),
        fc.double({ min: -2e3, max: 2e3, noNaN: true }),
        (raw, y) => {
          const q = raw.slice().sort((a, b) => a - b);
          const p = percentileOf(LEVELS, q, y);
          expect(p).toBeGreaterThanOrEqual(0.001);
          expect(p).toBeLessThanOrEqual(0.999);
          // a higher value never has a lower percentile
          expect(percentileOf(LEVELS, q, y + 1)).toBeGreaterThanOrEqual(p);
          // quantileAt is monotone in the level
          expect(quantileAt(LEVELS, q, 0.7)).toBeGreaterThanOrEqual(quantileAt(LEVELS, q, 0.6));
        },
      ),
    );
    const q = [1, 2, 3, 4, 5, 6, 7, 8, 9];
    expect(quantileAt(LEVELS, q, 0.5)).toBe(5);
    expect(percentileOf(LEVELS, q, 5)).toBeCloseTo(0.5, 12);
    expect(percentileOf(LEVELS, q, 5.5)).toBeCloseTo(0.6, 12);
    expect(quantileAt(LEVELS, q, 0.6)).toBeCloseTo(5.5, 12);
    expect(percentileOf(LEVELS, Array(9).fill(3), 3)).toBe(0.5);
    expect(() => quantileAt([], [], 0.5)).toThrow(RangeError);
    // fast-check's counterexample (seed -18500842): subnormal values, read monotonically
    const tiny = [0, 0, 0, 0, 0, 0, 0, 5.4e-323, 57.000000000003446];
    expect(percentileOf(LEVELS, tiny, 5e-323)).toBeLessThanOrEqual(percentileOf(LEVELS, tiny, 1 + 5e-323));
    expect(percentileOf(LEVELS, tiny, 5e-323)).toBeCloseTo(0.75 + 0.15 * (10 / 11), 12);
  });

  it('attainment is direction-aware and null where a ratio means nothing', () => {
    expect(attainment(120, 100, 'higher')).toBeCloseTo(1.2);
    expect(attainment(20, 25, 'lower')).toBeCloseTo(1.25);
    expect(attainment(0, 10, 'higher')).toBe(0);
    expect(attainment(5, 0, 'higher')).toBeNull();
    expect(attainment(0, 10, 'lower')).toBeNull();
    expect(attainment(-3, 10, 'higher')).toBeNull();
  });
});

describe('business cycles and weight profiles', () => {
  const calendar = defaultPromotionCalendar(2025, 2027) as CalendarEvent[];

  it('marks promotion periods by the days they hold', () => {
    expect(isPromotionPeriod(P('2026-W45'), calendar)).toBe(true); // Double 11 week
    expect(isPromotionPeriod(P('2026-W15'), calendar)).toBe(false);
    expect(isPromotionPeriod(P('2026-06'), calendar)).toBe(true);
    expect(isPromotionPeriod(P('2026-09'), calendar)).toBe(false); // one-day 99 sale
    expect(isPromotionPeriod(P('2026-Q4'), calendar)).toBe(true);
    expect(isPromotionPeriod(P('2026-Q3'), calendar)).toBe(false);
    expect(coveredDays(P('2026-11'), calendar, 'promotion')).toBe(11);
  });

  it('picks promotion, ordinary (Spring Festival) or default, and composes renormalised weights', () => {
    expect(calendarProfile(P('2026-11'), calendar)).toBe('promotion');
    expect(calendarProfile(P('2026-02'), calendar)).toBe('ordinary');
    expect(calendarProfile(P('2026-04'), calendar)).toBe('default');
    expect(DEFAULT_WEIGHTS.default).toEqual({ sales: 40, efficiency: 30, customer_experience: 20, innovation: 10 });
    expect(DEFAULT_WEIGHTS.promotion.sales).toBeGreaterThan(DEFAULT_WEIGHTS.default.sales);
    expect(DEFAULT_WEIGHTS.ordinary.customer_experience).toBeGreaterThan(DEFAULT_WEIGHTS.default.customer_experience);
    expect(
      composite({ sales: 80, efficiency: null, customer_experience: 60, innovation: null }, DEFAULT_WEIGHTS.default),
    ).toBeCloseTo((40 * 80 + 20 * 60) / 60);
    expect(
      composite(
        { sales: null, efficiency: null, customer_experience: null, innovation: null },
        DEFAULT_WEIGHTS.default,
      ),
    ).toBeNull();
  });

  it('builds period grids across year ends (53-week years too)', () => {
    const g = periodGrid(P('2026-W52'), P('2027-W02'));
    expect(g.periods.map((p) => p.id)).toEqual(['2026-W52', '2026-W53', '2027-W01', '2027-W02']);
    expect(periodDistance(P('2026-W52'), P('2027-W02'))).toBe(3);
    expect(periodDistance(P('2025-11'), P('2026-02'))).toBe(3);
    expect(periodDistance(P('2025-Q4'), P('2026-Q2'))).toBe(2);
  });
});
