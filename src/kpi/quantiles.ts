/**
 * Reading a predictive distribution given as quantiles: the value at a level, the level of a
 * value (percentile), direction-aware attainment. Pure functions.
 */

/**
 * Value at `level`, linear between the nearest known levels (clamped to the outermost ones).
 * @throws {RangeError} on empty input
 * @example quantileAt([0.1, 0.5, 0.9], [1, 2, 3], 0.7) // 2.5
 */
export function quantileAt(levels: readonly number[], q: readonly number[], level: number): number {
  if (levels.length === 0 || levels.length !== q.length)
    throw new RangeError('quantileAt: levels and values must be non-empty and aligned');
  if (level <= levels[0]!) return q[0]!;
  for (let i = 1; i < levels.length; i++) {
    if (level <= levels[i]!) {
      const a = levels[i - 1]!;
      const b = levels[i]!;
      return q[i - 1]! + ((q[i]! - q[i - 1]!) * (level - a)) / (b - a);
    }
  }
  return q.at(-1)!;
}

/**
 * Share of the predictive distribution at or below `y` (0–1): piecewise linear between the known
 * quantiles; beyond the outermost ones the tail continues with the slope of the last segment and
 * is clamped to [0.001, 0.999]. A degenerate distribution (all quantiles equal) gives 0.5 at the
 * value, else 0.001 or 0.999.
 * @example percentileOf([0.1, 0.5, 0.9], [1, 2, 3], 2.5) // 0.7
 */
export function percentileOf(levels: readonly number[], q: readonly number[], y: number): number {
  const n = levels.length;
  if (n === 0 || n !== q.length) throw new RangeError('percentileOf: levels and values must be non-empty and aligned');
  const lo = 0.001;
  const hi = 0.999;
  const clamp = (v: number) => Math.min(hi, Math.max(lo, v));
  if (q[n - 1]! - q[0]! <= 0) return y < q[0]! ? lo : y > q[0]! ? hi : 0.5;
  if (y < q[0]!) {
    let j = 1;
    while (j < n - 1 && q[j]! <= q[0]!) j++;
    const slope = (levels[j]! - levels[0]!) / Math.max(q[j]! - q[0]!, 1e-12);
    return clamp(levels[0]! - slope * (q[0]! - y));
  }
  if (y > q[n - 1]!) {
    let j = n - 2;
    while (j > 0 && q[j]! >= q[n - 1]!) j--;
    const slope = (levels[n - 1]! - levels[j]!) / Math.max(q[n - 1]! - q[j]!, 1e-12);
    return clamp(levels[n - 1]! + slope * (y - q[n - 1]!));
  }
  for (let i = 1; i < n; i++) {
    if (y <= q[i]!) {
      const span = q[i]! - q[i - 1]!;
      if (span <= 0) {
        // flat run of equal quantiles: the middle of the levels it spans
        let k = i;
        while (k < n - 1 && q[k + 1]! === q[i]!) k++;
        return clamp((levels[i - 1]! + levels[k]!) / 2);
      }
      // the share of the span first: multiplying first loses the subnormals' digits (5e-323 in a span of
      // 5.4e-323 read as 0.18 of it, not 0.91)
      return clamp(levels[i - 1]! + (levels[i]! - levels[i - 1]!) * ((y - q[i - 1]!) / span));
    }
  }
  return hi;
}

/**
 * Direction-aware attainment: actual / target when higher is better, target / actual when lower
 * is better. Null when the ratio means nothing (a non-positive target or actual).
 * @example attainment(120, 100, 'higher') // 1.2
 * @example attainment(20, 25, 'lower') // 1.25
 */
export function attainment(actual: number, target: number, direction: 'higher' | 'lower'): number | null {
  if (!(target > 0) || !(actual > 0)) {
    if (direction === 'higher' && target > 0 && actual === 0) return 0;
    return null;
  }
  return direction === 'higher' ? actual / target : target / actual;
}

/** Median of a list (null for an empty one). */
export function median(xs: readonly number[]): number | null {
  if (xs.length === 0) return null;
  return medianInPlace(Float64Array.from(xs));
}

/** Median of the values, sorting them in place (null for none). */
export function medianInPlace(xs: Float64Array): number | null {
  if (xs.length === 0) return null;
  const s = xs.sort();
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
