/**
 * Stacking: the members of the ensemble and their combination weights, learned per horizon step on
 * the rolling-origin backtest (convex weights minimising the mean absolute scaled error, found by
 * exponentiated-gradient descent on the simplex).
 */
import {
  type Decomposition,
  driftAt,
  ETS_AUTO_MAX_PERIOD,
  seasonalEts,
  seasonalEtsAuto,
  seasonalNaive,
} from './classical.js';
import type { Window } from './features.js';
import { globalArForecast, type GlobalArWeights } from './global-ar.js';

/** The members, in the order of a weight row. */
export const MEMBERS = [
  'network',
  'theta',
  'damped',
  'ses',
  'snaive',
  'seasonal_ets',
  'drift',
  'global_ar',
  'global_ar2',
] as const;
export const K = MEMBERS.length;
export const NET = 0;
export const SETS = 5;
export const GAR = 7;
/** The second global AR member: the first's settings with the other deseasonalisation (opt-in). */
export const GAR2 = 8;

/**
 * Member forecasts K×H (row-major) at one origin: the network-corrected classical forecast (the
 * classical base when there is no network), Theta, damped trend, SES (all reseasonalised), seasonal
 * naive, seasonal ETS (damped trend where the series shows no seasonality, or when `withEts` is false;
 * with `etsOpts.auto` the form chosen per series by AICc, `seasonalEtsAuto`, for periods up to 24, and with
 * `etsOpts.plain` a non-seasonal ETS so chosen in place of the damped trend)
 * and drift (SES level plus the history's whole slope, reseasonalised: it follows growth that Theta's
 * half slope and the damped trend under-extrapolate) and the pooled linear autoregressions `ar`
 * (global-ar.ts) and the opt-in `ar2` (the other deseasonalisation), forecast here from the group's
 * weights; Theta for one the group has not or the caller leaves out (its weight is then 0).
 * Models stored with fewer members read the first ones.
 */
export function memberForecasts(
  hist: readonly number[],
  w: Window,
  netMedian: (h: number) => number,
  m: number,
  H: number,
  withEts: boolean,
  etsOpts: { start?: readonly number[] | undefined; iters?: number; auto?: boolean; plain?: boolean } = {},
  out = new Float64Array(K * H),
  ar: GlobalArWeights | null | undefined = null,
  ar2: GlobalArWeights | null | undefined = null,
): Float64Array {
  const cf = w.classical;
  const sn = seasonalNaive(hist, m > 1 && hist.length >= m ? m : 1, H);
  // R's ets() fits no season above period 24: longer seasons (weekly) keep the Holt–Winters form
  const ets = !withEts
    ? null
    : etsOpts.auto && m <= ETS_AUTO_MAX_PERIOD
      ? seasonalEtsAuto(hist, cf.decomposition, H, { plain: etsOpts.plain === true })
      : cf.decomposition.seasonal
        ? seasonalEts(hist, cf.decomposition, H, etsOpts)
        : null;
  for (let h = 0; h < H; h++) {
    out[h] = w.base[h]! + w.noise * netMedian(h);
    out[H + h] = cf.theta[h]!;
    out[2 * H + h] = cf.damped[h]!;
    out[3 * H + h] = cf.ses[h]!;
    out[4 * H + h] = sn[h]!;
    out[5 * H + h] = ets ? ets.forecast[h]! : cf.damped[h]!;
    out[6 * H + h] = driftAt(cf, h);
    out[GAR * H + h] = cf.theta[h]!;
    out[GAR2 * H + h] = cf.theta[h]!;
  }
  if (ar) arMember(ar, hist, cf.decomposition, out, GAR, H);
  if (ar2) arMember(ar2, hist, cf.decomposition, out, GAR2, H);
  return out;
}

/** A global AR member's forecast of `hist` into row `row` of `out` (K×H). */
function arMember(
  weights: GlobalArWeights,
  hist: readonly number[],
  d: Decomposition,
  out: Float64Array,
  row: number,
  H: number,
): void {
  if (arScratch.length < weights.H) arScratch = new Float64Array(weights.H);
  const f = globalArForecast(weights, hist, d, arScratch);
  for (let h = 0; h < H; h++) out[row * H + h] = f[h]!;
}

/** The global AR members' forecast of one history, reused from call to call (copied into `out`). */
let arScratch = new Float64Array(0);

/** One backtest point for the weights: member forecasts, outcome and MASE scale. */
export interface StackPoint {
  f: ArrayLike<number>;
  y: number;
  scale: number;
}

/** Mean absolute scaled error of the combination `w`. */
export function stackLoss(points: readonly StackPoint[], w: readonly number[]): number {
  let s = 0;
  for (const p of points) {
    let f = 0;
    for (let k = 0; k < w.length; k++) f += w[k]! * p.f[k]!;
    s += Math.abs(p.y - f) / p.scale;
  }
  return s / Math.max(1, points.length);
}

/**
 * Convex weights (non-negative, summing to 1) minimising the mean absolute scaled error over
 * `points`, by exponentiated-gradient descent from `start` (equal weights by default); returns the best iterate.
 */
export function fitStack(
  points: readonly StackPoint[],
  k: number = K,
  iters = 150,
  start?: readonly number[],
  active?: readonly boolean[],
): number[] {
  if (active) {
    // members left out keep weight 0: the fit runs on the others only
    const idx = Array.from({ length: k }, (_, j) => j).filter((j) => active[j]);
    const sub = points.map((p) => ({ f: idx.map((j) => p.f[j]!), y: p.y, scale: p.scale }));
    const s = start ? idx.map((j) => start[j]!) : undefined;
    const z = s ? s.reduce((a, b) => a + b, 0) : 0;
    const w = fitStack(sub, idx.length, iters, s && z > 0 ? s.map((v) => v / z) : undefined);
    const out = new Array<number>(k).fill(0);
    idx.forEach((j, i) => (out[j] = w[i]!));
    return out;
  }
  let w = start ? start.slice() : new Array<number>(k).fill(1 / k);
  if (points.length === 0) return w;
  let best = w.slice();
  let bestLoss = Number.POSITIVE_INFINITY;
  const g = new Array<number>(k);
  for (let it = 0; it < iters; it++) {
    g.fill(0);
    let loss = 0;
    for (const p of points) {
      let f = 0;
      for (let j = 0; j < k; j++) f += w[j]! * p.f[j]!;
      const r = p.y - f;
      loss += Math.abs(r) / p.scale;
      const s = r > 0 ? -1 / p.scale : r < 0 ? 1 / p.scale : 0;
      // relative to the combination, so that the step does not depend on the series' level
      for (let j = 0; j < k; j++) g[j] = g[j]! + s * (p.f[j]! - f);
    }
    loss /= points.length;
    if (loss < bestLoss) {
      bestLoss = loss;
      best = w.slice();
    }
    let gmax = 0;
    for (let j = 0; j < k; j++) {
      g[j] = g[j]! / points.length;
      gmax = Math.max(gmax, Math.abs(g[j]!));
    }
    if (!(gmax > 0)) break;
    const eta = 1 / (gmax * Math.sqrt(it + 1));
    let z = 0;
    w = w.map((v, j) => {
      const nv = Math.max(1e-12, v * Math.exp(-eta * g[j]!));
      z += nv;
      return nv;
    });
    w = w.map((v) => v / z);
  }
  return best.map((v) => (v < 1e-4 ? 0 : v)).map((v, _j, a) => v / a.reduce((x, y) => x + y, 0));
}
