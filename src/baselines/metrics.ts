/**
 * Forecast accuracy measures as defined in ../shared/data/README.md (M3/M4 conventions).
 * Each takes one series' actuals and forecasts; averaging across series is the caller's.
 */
import { lnGamma } from '../ratings/beta.js';

/** Symmetric MAPE in percent: mean(200·|y−f| / (|y|+|f|)); a 0/0 term counts as 0. */
export function smape(actual: readonly number[], fcst: readonly number[]): number {
  if (actual.length === 0) throw new Error('smape: empty input');
  let s = 0;
  for (let i = 0; i < actual.length; i++) {
    const y = actual[i]!;
    const f = fcst[i]!;
    const d = Math.abs(y) + Math.abs(f);
    s += d === 0 ? 0 : (200 * Math.abs(y - f)) / d;
  }
  return s / actual.length;
}

/**
 * In-sample scale of MASE: mean |y_t − y_{t−m}| over the training part, m = 1 when the series is
 * shorter than m + 1. Returns 0 for a constant series (callers decide how to treat it).
 * @example masScale([1, 2, 3, 4, 5], 1) // 1
 */
export function maseScale(train: readonly number[], m: number): number {
  const lag = m > 1 && train.length > m ? m : 1;
  let s = 0;
  let c = 0;
  for (let t = lag; t < train.length; t++) {
    s += Math.abs(train[t]! - train[t - lag]!);
    c++;
  }
  return c > 0 ? s / c : 0;
}

/** Mean absolute scaled error. */
export function mase(actual: readonly number[], fcst: readonly number[], scale: number): number {
  if (actual.length === 0) throw new Error('mase: empty input');
  let s = 0;
  for (let i = 0; i < actual.length; i++) s += Math.abs(actual[i]! - fcst[i]!);
  return s / actual.length / (scale > 0 ? scale : 1);
}

/** Share of actuals inside [lo, hi]. */
export function coverage(actual: readonly number[], lo: readonly number[], hi: readonly number[]): number {
  if (actual.length === 0) throw new Error('coverage: empty input');
  let c = 0;
  for (let i = 0; i < actual.length; i++) if (actual[i]! >= lo[i]! && actual[i]! <= hi[i]!) c++;
  return c / actual.length;
}

/** Mean scaled interval score (M4) for a (1−alpha) interval, alpha = 0.05 for 95 %. */
export function msis(
  actual: readonly number[],
  lo: readonly number[],
  hi: readonly number[],
  scale: number,
  alpha = 0.05,
): number {
  if (actual.length === 0) throw new Error('msis: empty input');
  let s = 0;
  for (let i = 0; i < actual.length; i++) {
    const y = actual[i]!;
    const l = lo[i]!;
    const u = hi[i]!;
    s += u - l + (y < l ? (2 / alpha) * (l - y) : 0) + (y > u ? (2 / alpha) * (y - u) : 0);
  }
  return s / actual.length / (scale > 0 ? scale : 1);
}

/**
 * P(lo ≤ X/n ≤ hi) for X ~ Binomial(n, p), summed exactly over the integers in the band: how often n
 * independent points inside a perfectly calibrated interval of level p land inside a coverage band
 * (training/coverage-reach.ts).
 */
export function bandProbability(n: number, p: number, lo: number, hi: number): number {
  const kLo = Math.ceil(lo * n - 1e-9);
  const kHi = Math.floor(hi * n + 1e-9);
  const lnN = lnGamma(n + 1);
  let sum = 0;
  for (let k = Math.max(0, kLo); k <= Math.min(n, kHi); k++) {
    sum += Math.exp(lnN - lnGamma(k + 1) - lnGamma(n - k + 1) + k * Math.log(p) + (n - k) * Math.log(1 - p));
  }
  return Math.min(1, sum);
}
