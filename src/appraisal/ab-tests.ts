/**
 * Two-sample statistics over plain arrays for A/B validation: Welch's t test, an exact or Monte-Carlo
 * permutation test of the difference in means, Cohen's d / Hedges' g with an interval, proportions with
 * Wilson intervals, the difference of two proportions with Newcombe's hybrid score interval, McNemar's
 * test for paired yes/no outcomes, and the chi-square test of independence. Pure functions; each
 * throws DomainError `unprocessable` naming the argument when the input cannot give an answer.
 */
import { Rng } from '../demo/rng.js';
import { DomainError } from '../lib/errors.js';
import { betaCdf, lnGamma } from '../ratings/beta.js';
import { chiSquareSf, normalQuantile, normalSf, tQuantile, tTwoSided } from './stats.js';

export interface Interval {
  level: number;
  low: number;
  high: number;
}

const fail = (field: string, message: string) => new DomainError('unprocessable', message, { field });

function checkSample(xs: readonly number[], field: string, min: number): void {
  if (!Array.isArray(xs) || xs.length < min) throw fail(field, `${field} needs at least ${min} values`);
  const i = xs.findIndex((x) => typeof x !== 'number' || !Number.isFinite(x));
  if (i >= 0) throw fail(`${field}.${i}`, `${field}[${i}] is not a finite number`);
}

function checkLevel(level: number): void {
  if (!(level > 0 && level < 1)) throw fail('level', 'level must be between 0 and 1');
}

const meanOf = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
const varOf = (xs: readonly number[], m = meanOf(xs)) => xs.reduce((s, x) => s + (x - m) ** 2, 0) / (xs.length - 1);

export interface WelchResult {
  n: [number, number];
  mean: [number, number];
  sd: [number, number];
  /** mean(a) − mean(b) */
  difference: number;
  se: number;
  t: number;
  /** Welch–Satterthwaite degrees of freedom. */
  df: number;
  /** Two-sided. */
  p: number;
  interval: Interval;
}

/**
 * Welch's two-sample t test (unequal variances) and the interval for mean(a) − mean(b).
 * @throws DomainError `unprocessable` (field `a`, `b`, `a.N`, `level`) for fewer than 2 values, a
 *   non-finite value, or no variance in either group
 * @example welch([19.1, 18.9, 20.4, 20.2], [17.5, 18.3, 18.1]).t // ≈ 3.15
 */
export function welch(a: readonly number[], b: readonly number[], level = 0.95): WelchResult {
  checkSample(a, 'a', 2);
  checkSample(b, 'b', 2);
  checkLevel(level);
  const [ma, mb] = [meanOf(a), meanOf(b)];
  const [va, vb] = [varOf(a, ma), varOf(b, mb)];
  const [qa, qb] = [va / a.length, vb / b.length];
  const se = Math.sqrt(qa + qb);
  if (!(se > 0)) throw fail('b', 'neither group varies: the t statistic is undefined');
  const df = (qa + qb) ** 2 / (qa ** 2 / (a.length - 1) + qb ** 2 / (b.length - 1));
  const t = (ma - mb) / se;
  const h = tQuantile(1 - (1 - level) / 2, df) * se;
  return {
    n: [a.length, b.length],
    mean: [ma, mb],
    sd: [Math.sqrt(va), Math.sqrt(vb)],
    difference: ma - mb,
    se,
    t,
    df,
    p: tTwoSided(t, df),
    interval: { level, low: ma - mb - h, high: ma - mb + h },
  };
}

export interface PermutationResult {
  /** mean(a) − mean(b) */
  observed: number;
  /** Two-sided: share of relabellings with |difference| ≥ |observed|. */
  p: number;
  method: 'exact' | 'monte_carlo';
  /** Relabellings counted (all of them when exact). */
  permutations: number;
}

/** Enumerates all relabellings when there are at most this many. */
export const EXACT_PERMUTATION_LIMIT = 200_000;

function choose(n: number, k: number): number {
  return Math.round(Math.exp(lnGamma(n + 1) - lnGamma(k + 1) - lnGamma(n - k + 1)));
}

/**
 * Permutation test of mean(a) − mean(b): exact over all C(n, n_a) relabellings when there are at most
 * EXACT_PERMUTATION_LIMIT, else `iterations` seeded random relabellings with p = (1 + hits) / (1 + B)
 * (Phipson & Smyth 2010, never 0). Ties in |difference| count as hits (1e-12 relative tolerance).
 * @throws DomainError `unprocessable` for an empty group or a non-finite value
 */
export function permutationTest(
  a: readonly number[],
  b: readonly number[],
  opts: { iterations?: number; seed?: number } = {},
): PermutationResult {
  checkSample(a, 'a', 1);
  checkSample(b, 'b', 1);
  const all = [...a, ...b];
  const n = all.length;
  const k = a.length;
  const total = all.reduce((s, x) => s + x, 0);
  // |mean(A) − mean(B)| is a monotone function of |sum(A) − k·total/n|: compare sums
  const centre = (k * total) / n;
  const sumA = a.reduce((s, x) => s + x, 0);
  const observed = sumA / k - (total - sumA) / (n - k);
  const obs = Math.abs(sumA - centre);
  const tol = 1e-12 * Math.max(1, Math.abs(total), obs);
  const combos = choose(n, k);
  if (combos <= EXACT_PERMUTATION_LIMIT) {
    let hits = 0;
    let count = 0;
    const walk = (start: number, left: number, sum: number) => {
      if (left === 0) {
        count++;
        if (Math.abs(sum - centre) >= obs - tol) hits++;
        return;
      }
      for (let i = start; i <= n - left; i++) walk(i + 1, left - 1, sum + all[i]!);
    };
    walk(0, k, 0);
    return { observed, p: hits / count, method: 'exact', permutations: count };
  }
  const iterations = opts.iterations ?? 9_999;
  if (!(Number.isInteger(iterations) && iterations >= 99))
    throw fail('iterations', 'iterations must be an integer ≥ 99');
  const rng = Rng.from(opts.seed ?? 1, 'permutation');
  const idx = all.slice();
  let hits = 0;
  for (let it = 0; it < iterations; it++) {
    // partial Fisher–Yates: the first k places are a uniform random subset
    let s = 0;
    for (let i = 0; i < k; i++) {
      const j = i + Math.floor(rng.next() * (n - i));
      const t = idx[i]!;
      idx[i] = idx[j]!;
      idx[j] = t;
      s += idx[i]!;
    }
    if (Math.abs(s - centre) >= obs - tol) hits++;
  }
  return { observed, p: (1 + hits) / (1 + iterations), method: 'monte_carlo', permutations: iterations };
}

export interface EffectSize {
  /** Cohen's d with the pooled standard deviation. */
  d: number;
  /** Hedges' g = J × d, J the exact small-sample correction Γ(m/2) / (√(m/2) Γ((m − 1)/2)), m = n − 2. */
  g: number;
  /** Standard error of g (Hedges & Olkin 1985): √((n_a + n_b)/(n_a n_b) + g² / (2 (n_a + n_b))). */
  se: number;
  /** Normal interval for g. */
  interval: Interval;
}

/**
 * Standardised difference of means, a − b.
 * @throws DomainError `unprocessable` for fewer than 2 values per group or no variance at all
 */
export function effectSize(a: readonly number[], b: readonly number[], level = 0.95): EffectSize {
  checkSample(a, 'a', 2);
  checkSample(b, 'b', 2);
  checkLevel(level);
  const [na, nb] = [a.length, b.length];
  const pooled = Math.sqrt(((na - 1) * varOf(a) + (nb - 1) * varOf(b)) / (na + nb - 2));
  if (!(pooled > 0)) throw fail('b', 'no variance in either group: the effect size is undefined');
  const d = (meanOf(a) - meanOf(b)) / pooled;
  const m = na + nb - 2;
  const J = Math.exp(lnGamma(m / 2) - Math.log(Math.sqrt(m / 2)) - lnGamma((m - 1) / 2));
  const g = J * d;
  const se = Math.sqrt((na + nb) / (na * nb) + (g * g) / (2 * (na + nb)));
  const z = normalQuantile(1 - (1 - level) / 2);
  return { d, g, se, interval: { level, low: g - z * se, high: g + z * se } };
}

/**
 * Wilson score interval for a proportion x / n.
 * @example wilson(56, 70, 0.95) // { low: 0.6904, high: 0.8774 } (rounded)
 */
export function wilson(x: number, n: number, level = 0.95): Interval & { p: number } {
  if (!(Number.isInteger(n) && n > 0)) throw fail('n', 'n must be a positive integer');
  if (!(Number.isInteger(x) && x >= 0 && x <= n)) throw fail('x', 'x must be an integer between 0 and n');
  checkLevel(level);
  const z = normalQuantile(1 - (1 - level) / 2);
  const p = x / n;
  const den = 1 + (z * z) / n;
  const mid = (p + (z * z) / (2 * n)) / den;
  const half = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / den;
  return { level, p, low: x === 0 ? 0 : Math.max(0, mid - half), high: x === n ? 1 : Math.min(1, mid + half) };
}

export interface ProportionDifference {
  p: [number, number];
  n: [number, number];
  /** p_a − p_b */
  difference: number;
  /** Newcombe's hybrid score interval (1998, method 10) from the two Wilson intervals. */
  interval: Interval;
  /** Two-sided p of the pooled two-proportion z test (= Pearson's chi-square on the 2 × 2 table). */
  p_value: number;
}

/**
 * Difference of two independent proportions x_a/n_a − x_b/n_b.
 * @example proportionDifference(56, 70, 48, 80).interval // 0.0524 … 0.3339 (Newcombe 1998, Table II)
 */
export function proportionDifference(
  xa: number,
  na: number,
  xb: number,
  nb: number,
  level = 0.95,
): ProportionDifference {
  const A = wilson(xa, na, level);
  const B = wilson(xb, nb, level);
  const diff = A.p - B.p;
  const low = diff - Math.sqrt((A.p - A.low) ** 2 + (B.high - B.p) ** 2);
  const high = diff + Math.sqrt((A.high - A.p) ** 2 + (B.p - B.low) ** 2);
  const pool = (xa + xb) / (na + nb);
  const se = Math.sqrt(pool * (1 - pool) * (1 / na + 1 / nb));
  return {
    p: [A.p, B.p],
    n: [na, nb],
    difference: diff,
    interval: { level, low, high },
    p_value: se > 0 ? 2 * normalSf(Math.abs(diff) / se) : 1,
  };
}

export interface McNemarResult {
  /** Pairs yes under A and no under B, and the reverse. */
  discordant: [number, number];
  /** Exact two-sided binomial p over the discordant pairs. */
  p: number;
}

/**
 * McNemar's exact test for paired yes/no outcomes (the same person-period under two policies).
 * @throws DomainError `unprocessable` when the lists differ in length
 */
export function mcnemar(a: readonly boolean[], b: readonly boolean[]): McNemarResult {
  if (a.length !== b.length) throw fail('b', `a has ${a.length} outcomes, b ${b.length}: they must be paired`);
  let ab = 0;
  let ba = 0;
  a.forEach((x, i) => {
    if (x && !b[i]) ab++;
    else if (!x && b[i]) ba++;
  });
  const n = ab + ba;
  if (n === 0) return { discordant: [0, 0], p: 1 };
  // P(X ≤ min) for X ~ Binomial(n, ½) via the regularized incomplete beta: I_{1/2}(n − k, k + 1)
  const k = Math.min(ab, ba);
  const tail = k === n ? 1 : betaCdf(0.5, n - k, k + 1);
  return { discordant: [ab, ba], p: Math.min(1, 2 * tail) };
}

export interface ChiSquareResult {
  statistic: number;
  df: number;
  p: number;
  /** The smallest expected count; below 5 the chi-square approximation is rough (see the permutation p). */
  min_expected: number;
}

/**
 * Pearson's chi-square test of independence on an r × c table of counts (no continuity correction).
 * Rows or columns that are all zero are dropped.
 * @throws DomainError `unprocessable` (field `table`) for negative or non-integer counts or fewer than
 *   2 non-empty rows and columns
 */
export function chiSquareIndependence(table: readonly (readonly number[])[]): ChiSquareResult {
  if (table.some((r) => r.some((x) => !(Number.isInteger(x) && x >= 0))))
    throw fail('table', 'counts must be non-negative integers');
  const rows = table.filter((r) => r.some((x) => x > 0));
  const cols = (rows[0] ?? []).map((_, j) => j).filter((j) => rows.some((r) => (r[j] ?? 0) > 0));
  if (rows.length < 2 || cols.length < 2) throw fail('table', 'needs at least 2 non-empty rows and columns');
  const rowSum = rows.map((r) => cols.reduce((s, j) => s + r[j]!, 0));
  const colSum = cols.map((j) => rows.reduce((s, r) => s + r[j]!, 0));
  const n = rowSum.reduce((s, x) => s + x, 0);
  let stat = 0;
  let minE = Number.POSITIVE_INFINITY;
  rows.forEach((r, i) =>
    cols.forEach((j, jj) => {
      const e = (rowSum[i]! * colSum[jj]!) / n;
      minE = Math.min(minE, e);
      stat += (r[j]! - e) ** 2 / e;
    }),
  );
  const df = (rows.length - 1) * (cols.length - 1);
  return { statistic: stat, df, p: chiSquareSf(stat, df), min_expected: minE };
}
