/**
 * The agent page's rating chart (src/web/pages/agent.ts): its y range holds every score and
 * interval end, padded, so a narrow interval is drawn at its real width instead of vanishing
 * against a fixed 0–100 axis.
 */
import { describe, expect, it } from 'vitest';
import { ratingAxis } from '../../src/web/pages/agent.js';

describe('rating chart axis', () => {
  it('holds every value with room around it, on multiples of 10', () => {
    expect(ratingAxis([43.7, 45.3, 44.5, 36.8, 53.4])).toEqual({ min: 30, max: 60 });
  });
  it('spans at least 20 points and stays within 0–100', () => {
    expect(ratingAxis([44, 45])).toEqual({ min: 30, max: 50 });
    expect(ratingAxis([1, 2])).toEqual({ min: 0, max: 20 });
    expect(ratingAxis([99, 98.5])).toEqual({ min: 80, max: 100 });
  });
  it('ignores missing values; all missing gives 0–100', () => {
    expect(ratingAxis([null, 50, null])).toEqual({ min: 40, max: 60 });
    expect(ratingAxis([null])).toEqual({ min: 0, max: 100 });
  });
});
