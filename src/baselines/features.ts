/**
 * Feature windows for the pooled quantile network. Every window is scaled by the series' recent
 * level so that one network serves units of any size; the network learns a correction to the
 * classical forecast (mean of Theta and damped trend), in units of that level.
 */
import { classicalForecast, type ClassicalForecast, type DampedOptions, type SeasonIndexOptions } from './classical.js';

export interface FeatureSpec {
  /** Periods per year. */
  m: number;
  /** Horizon. */
  H: number;
  /** Number of recent values used as inputs. */
  lags: number;
  usePromo: boolean;
  useTenure: boolean;
  /**
   * 2: adds the month (period) of year of the target periods as a one-hot of the origin's period
   * (m ≤ 12); absent in version-1 models.
   */
  v?: 2;
  /** How the classical decomposition makes its seasonal indices (opt-in; absent = the whole history's, unshrunk). */
  season?: SeasonIndexOptions;
}

/** Context of a series beyond its values. */
export interface SeriesContext {
  promo?: readonly boolean[] | undefined;
  tenure?: readonly number[] | undefined;
  /** Period-of-year of values[0]. */
  startIndex: number;
}

export interface Window {
  x: Float64Array;
  /** Recent level used to scale inputs and targets (> 0). */
  scale: number;
  /** In-sample one-step noise (> 0), the unit of the conformal scores. */
  noise: number;
  /** Classical point forecast the network corrects, per step. */
  base: number[];
  classical: ClassicalForecast;
  /** Position in `x` of the promotion flags of steps 1..H (-1 when the spec has none). */
  promoIndex: number;
}

export const MIN_HISTORY = 4;

export function defaultSpec(m: number, H: number, usePromo: boolean, useTenure: boolean): FeatureSpec {
  const lags = Math.min(Math.max(2 * m, 8), 24);
  return { m, H, lags, usePromo, useTenure, v: 2 };
}

/** Whether the spec carries the one-hot period of year (version 2, 2 ≤ m ≤ 12). */
const oneHot = (spec: FeatureSpec): number => (spec.v === 2 && spec.m > 1 && spec.m <= 12 ? spec.m : 0);

export function featureSize(spec: FeatureSpec): number {
  const { H, m } = spec;
  return (
    spec.lags +
    (m > 1 ? H : 0) + // same period last year
    3 * H + // theta, damped, seasonal factor
    (spec.usePromo ? H + 1 : 0) +
    (spec.useTenure ? 1 : 0) +
    (m > 1 ? H : 0) + // same period last year against the classical forecast, in noise units
    6 + // history length, noise, seasonal flag, damped-vs-theta spread (level and noise units), last value vs forecast
    (m > 1 ? 2 : 0) +
    oneHot(spec)
  );
}

const clip = (v: number, lim = 10): number => (v > lim ? lim : v < -lim ? -lim : Number.isFinite(v) ? v : 0);

/** Replaces non-finite entries by linear interpolation (ends carried). Returns [] when nothing is finite. */
export function cleanValues(values: readonly number[]): number[] {
  const idx: number[] = [];
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) idx.push(i);
  if (idx.length === 0) return [];
  const out = values.slice() as number[];
  for (let i = 0; i < out.length; i++) {
    if (Number.isFinite(out[i])) continue;
    let k = 0;
    while (k < idx.length && idx[k]! < i) k++;
    const right = idx[k];
    const left = idx[k - 1];
    if (left === undefined) out[i] = values[right!]!;
    else if (right === undefined) out[i] = values[left]!;
    else out[i] = values[left]! + ((values[right]! - values[left]!) * (i - left)) / (right - left);
  }
  return out;
}

/** Recent level: mean |value| over the last max(m, 4) periods, never 0. */
export function recentScale(hist: readonly number[], m: number): number {
  const k = Math.min(hist.length, Math.max(m, 4));
  let s = 0;
  for (let i = hist.length - k; i < hist.length; i++) s += Math.abs(hist[i]!);
  let L = k > 0 ? s / k : 0;
  if (!(L > 0)) {
    let t = 0;
    for (const v of hist) t += Math.abs(v);
    L = hist.length > 0 ? t / hist.length : 0;
  }
  return L > 0 ? L : 1;
}

/**
 * Builds the window at `origin` (history = values[0..origin)) predicting values[origin..origin+H).
 */
export function buildWindow(
  values: readonly number[],
  origin: number,
  spec: FeatureSpec,
  ctx: SeriesContext,
  dampedOpts?: DampedOptions,
  /** false: the classical forecast, scale and noise only (`x` empty): what a forecast without a network needs */
  withFeatures = true,
): Window {
  const { m, H } = spec;
  const hist = origin === values.length ? values : values.slice(0, origin);
  const cf = classicalForecast(hist, m, H, dampedOpts, spec.season);
  const L = recentScale(hist, m);
  const noise = Math.max(cf.noise, 1e-3 * L, 1e-9);
  const base = cf.trendPath.map((v, h) => {
    const d = cf.decomposition;
    if (!d.seasonal) return v;
    const f = d.index[(origin + h) % d.index.length]!;
    return d.kind === 'mult' ? v * f : v + f;
  });
  if (!withFeatures) return { x: new Float64Array(0), scale: L, noise, base, classical: cf, promoIndex: -1 };
  const x = new Float64Array(featureSize(spec));
  let j = 0;
  const first = hist[0] ?? 0;
  for (let k = spec.lags; k >= 1; k--) {
    const i = origin - k;
    x[j++] = clip((i >= 0 ? hist[i]! : first) / L - 1);
  }
  if (m > 1) {
    for (let h = 0; h < H; h++) {
      const i = origin + h - m * Math.ceil((h + 1) / m);
      x[j++] = clip((i >= 0 ? hist[i]! : base[h]!) / L - 1);
    }
  }
  for (let h = 0; h < H; h++) x[j++] = clip(cf.theta[h]! / L - 1);
  for (let h = 0; h < H; h++) x[j++] = clip(cf.damped[h]! / L - 1);
  for (let h = 0; h < H; h++) {
    const s = cf.season[h]!;
    x[j++] = clip(cf.decomposition.kind === 'mult' ? s - 1 : s / L);
  }
  const promoIndex = spec.usePromo ? j : -1;
  if (spec.usePromo) {
    for (let h = 0; h < H; h++) {
      const flag = ctx.promo?.[origin + h];
      x[j++] = flag ? 1 : 0;
    }
    x[j++] = ctx.promo?.[origin - 1] ? 1 : 0;
  }
  if (spec.useTenure) {
    const t = ctx.tenure?.[Math.min(origin, (ctx.tenure?.length ?? 1) - 1)] ?? origin;
    x[j++] = clip(Math.log1p(Math.max(0, t)) / 4);
  }
  x[j++] = Math.log1p(origin) / 4;
  x[j++] = clip(noise / L);
  x[j++] = cf.decomposition.seasonal ? 1 : 0;
  x[j++] = clip((cf.damped[H - 1]! - cf.theta[H - 1]!) / L);
  x[j++] = clip((cf.damped[H - 1]! - cf.theta[H - 1]!) / noise);
  x[j++] = clip(((hist[origin - 1] ?? base[0]!) - base[0]!) / noise);
  if (m > 1) {
    for (let h = 0; h < H; h++) {
      const i = origin + h - m * Math.ceil((h + 1) / m);
      x[j++] = clip(((i >= 0 ? hist[i]! : base[h]!) - base[h]!) / noise);
    }
  }
  if (m > 1) {
    const p = (ctx.startIndex + origin) % m;
    x[j++] = Math.sin((2 * Math.PI * p) / m);
    x[j++] = Math.cos((2 * Math.PI * p) / m);
    // one-hot period of year of the origin: with h it names the month of every target period
    if (oneHot(spec) > 0) x[j + p] = 1;
  }
  return { x, scale: L, noise, base, classical: cf, promoIndex };
}
