/**
 * Global (pooled) linear autoregression: one ridge regression per horizon step (direct forecasts),
 * fitted across all series of a group on windows of their last L values, each window divided by
 * its own recent level, minus 1 (so that the ridge penalty shrinks towards the window's level), for
 * targets scaled the same way (Montero-Manso & Hyndman 2021, "locality and globality"). Optionally each
 * window is deseasonalised first with the series' classical decomposition and reseasonalised after.
 * Opt-in `sdiff`: a SARIMA-like form on seasonally differenced windows (inputs z_t = u_t − u_{t−m} of
 * the scaled values u, optionally with first differences; targets the outcome minus the seasonal-naive
 * value, so the ridge shrinks towards seasonal naive; forecasts undo the difference).
 * A stacking member (stacking.ts): local models and this global one err differently.
 */
import type { Decomposition } from './classical.js';

export interface GlobalArWeights {
  /** Window length (lags). */
  L: number;
  /** Horizon (rows of `coef`). */
  H: number;
  /** Periods per year (pads short histories one season later). */
  m: number;
  /** The window's scale is the mean |value| of its last `scaleLag` values. */
  scaleLag: number;
  /** Whether windows are deseasonalised with the series' classical decomposition (then reseasonalised). */
  deseason: boolean;
  /** [h][L + 1]: coefficients of the scaled lags (oldest first), then the intercept. */
  coef: number[][];
  /**
   * Lookback bagging: further fits with other window lengths (same scale, transform and
   * deseasonalisation); the forecast is the mean of this fit's and theirs. Absent: this fit alone.
   */
  bag?: { L: number; coef: number[][] }[];
  /**
   * The window lengths whose fits `coef` averages (lookback bagging on linear windows, combined into
   * one table over the longest; information only). Absent: one fit.
   */
  lookbacks?: number[];
  /** Windows and targets as log(value / scale) instead of value / scale − 1 (all-positive groups). Absent: false. */
  log?: boolean;
  /**
   * The fit on the group's seasonal series only (seasonality test of each series' fitted part),
   * which forecasts the histories whose decomposition is seasonal. Absent: this fit for all.
   */
  seasonal?: GlobalArWeights;
  /**
   * Seasonally differenced windows (opt-in, `GlobalArOptions.sdiff`): the L inputs are z_t = u_t − u_{t−m}
   * (u = value / scale, or log(value / scale) with `log`), then `dlags` first differences u_t − u_{t−1},
   * then 1; step h's target is u at the target minus u at the same period of the last observed season
   * (seasonal naive's value), which the forecast adds back. Absent: the level windows above.
   */
  sdiff?: true;
  /** With `sdiff`: the number of first-difference inputs (absent: 0). */
  dlags?: number;
}

export interface GlobalArOptions {
  L: number;
  scaleLag: number;
  deseason: boolean;
  /** Ridge penalty relative to the mean diagonal of the normal equations. */
  lambda: number;
  /** Reweighted passes towards absolute errors (0: least squares). */
  robust: number;
  /** Whether each window's errors count in its series' MASE units (else in units of its level). */
  maseWeight: boolean;
  /** Log-scale windows when every fitted value of the group is positive (else as without). */
  log?: boolean;
  /**
   * Ridge towards these coefficients ([h][L + 1], e.g. a fit on more groups' windows) instead of
   * towards 0 alone, with `priorLambda` times the normal equations' mean diagonal. Absent: none.
   */
  prior?: readonly (readonly number[])[];
  priorLambda?: number;
  /** A weight per series on its windows' squared errors (e.g. each group alike in a pooled fit). Absent: 1. */
  seriesWeights?: readonly number[];
  /** Seasonally differenced windows and targets (see `GlobalArWeights.sdiff`); `deseason` is then ignored. */
  sdiff?: boolean;
  /** With `sdiff`: first-difference inputs after the seasonal differences (default 0). */
  dlags?: number;
}

/** Default window length in seasons (clipped to 8–48 lags): chosen on the inner slices (README). */
export const GLOBAL_AR_SEASONS = 4;

/**
 * Defaults, chosen on m3-monthly's inner slices (select:baselines): `seasons` seasons of lags (8–48),
 * scale over the last season, errors in MASE units, not deseasonalised (the member alone is better
 * deseasonalised, the stack better without: the lags carry the season and it errs more differently).
 */
export function defaultGlobalArOptions(m: number, _H: number, seasons = GLOBAL_AR_SEASONS): GlobalArOptions {
  return {
    L: Math.max(8, Math.min(48, Math.round(seasons * m))),
    scaleLag: Math.max(m, 4),
    deseason: false,
    lambda: 1e-3,
    robust: 0,
    maseWeight: true,
  };
}

/** Largest |scaled value| kept (inputs and targets), against series near zero. */
const CLIP = 20;
const clip = (v: number): number => (v > CLIP ? CLIP : v < -CLIP ? -CLIP : Number.isFinite(v) ? v : 0);

const seasonalAt = (d: Decomposition | null, t: number): number =>
  d?.seasonal ? d.index[t % d.index.length]! : Number.NaN;

/** Value t of the series with the seasonal pattern removed (none: as is). */
function adjusted(values: readonly number[], d: Decomposition | null, t: number): number {
  const v = values[t]!;
  if (!d?.seasonal) return v;
  const s = seasonalAt(d, t);
  return d.kind === 'mult' ? (s !== 0 ? v / s : v) : v - s;
}

/**
 * The scaled window at `origin` (history values[0..origin)) into `x` (L lags oldest first, then 1);
 * returns the scale (0 when the window is all zeros). Positions before the series start take the
 * value one season later (the first value when the history is shorter than a season).
 */
function windowInto(
  values: readonly number[],
  origin: number,
  L: number,
  m: number,
  scaleLag: number,
  log: boolean,
  d: Decomposition | null,
  x: Float64Array,
): number {
  const period = m > 1 && origin >= m ? m : 0;
  for (let j = 0; j < L; j++) {
    let t = origin - L + j;
    if (t < 0) {
      if (period > 0) while (t < 0) t += period;
      else t = 0;
    }
    x[j] = adjusted(values, d, t);
  }
  const k = Math.min(L, scaleLag, origin);
  let s = 0;
  for (let j = L - k; j < L; j++) s += Math.abs(x[j]!);
  s = k > 0 ? s / k : 0;
  if (!(s > 0)) return 0;
  if (log) for (let j = 0; j < L; j++) x[j] = logRatio(x[j]!, s);
  else for (let j = 0; j < L; j++) x[j] = clip(x[j]! / s - 1);
  x[L] = 1;
  return s;
}

/**
 * log(v / s) within the linear windows' bounds: v / s from a thousandth up to 1 + CLIP (log windows;
 * a wider bound lets a forecast's exp run away on short noisy windows).
 */
const LOG_LO = Math.log(1e-3);
const LOG_HI = Math.log(1 + CLIP);
const logClip = (v: number): number => (v > LOG_HI ? LOG_HI : v < LOG_LO ? LOG_LO : Number.isFinite(v) ? v : 0);
const logRatio = (v: number, s: number): number => logClip(Math.log(Math.max(v / s, 1e-3)));

/** The mean |value| of the last `scaleLag` values before `origin` (0 when there are none or all are zero). */
function recentScale(values: readonly number[], origin: number, scaleLag: number): number {
  const k = Math.min(scaleLag, origin);
  let s = 0;
  for (let t = origin - k; t < origin; t++) s += Math.abs(values[t]!);
  return k > 0 ? s / k : 0;
}

/** The scaled value u_t of the seasonally differenced form: value / scale, or log(value / scale). */
const sdiffU = (v: number, s: number, log: boolean): number => (log ? logRatio(v, s) : v / s);

/** The position of step h's seasonal-naive reference: the same period of the last season observed before `origin`. */
const sdiffRef = (origin: number, h: number, m: number): number => origin + h - m * Math.ceil((h + 1) / m);

/**
 * The seasonally differenced window at `origin` into `x`: L values z_t = u_t − u_{t−m} (oldest first; a
 * position without u_{t−m} takes z one season later, or 0 when that is not before the origin), then `dl` first differences
 * u_t − u_{t−1} (0 before the start), then 1. Returns the scale (0: no window, the last value carried).
 */
function sdiffWindowInto(
  values: readonly number[],
  origin: number,
  L: number,
  dl: number,
  m: number,
  scaleLag: number,
  log: boolean,
  x: Float64Array,
): number {
  const s = recentScale(values, origin, scaleLag);
  if (!(s > 0) || origin < m + 1) return 0;
  for (let j = 0; j < L; j++) {
    let t = origin - L + j;
    while (t < m) t += m;
    x[j] = t < origin ? clip(sdiffU(values[t]!, s, log) - sdiffU(values[t - m]!, s, log)) : 0;
  }
  for (let j = 0; j < dl; j++) {
    const t = origin - dl + j;
    x[L + j] = t >= 1 ? clip(sdiffU(values[t]!, s, log) - sdiffU(values[t - 1]!, s, log)) : 0;
  }
  x[L + dl] = 1;
  return s;
}

/** Solves (A + λI) b = r for symmetric positive definite A (p×p, row-major) by Cholesky; null if it fails. */
function solveRidge(A: Float64Array, r: Float64Array, p: number, lam: number): Float64Array | null {
  const c = new Float64Array(p * p);
  for (let i = 0; i < p; i++) {
    for (let j = 0; j <= i; j++) {
      let s = A[i * p + j]! + (i === j ? lam : 0);
      for (let k = 0; k < j; k++) s -= c[i * p + k]! * c[j * p + k]!;
      if (i === j) {
        if (!(s > 0)) return null;
        c[i * p + i] = Math.sqrt(s);
      } else c[i * p + j] = s / c[j * p + j]!;
    }
  }
  const z = new Float64Array(p);
  for (let i = 0; i < p; i++) {
    let s = r[i]!;
    for (let k = 0; k < i; k++) s -= c[i * p + k]! * z[k]!;
    z[i] = s / c[i * p + i]!;
  }
  const b = new Float64Array(p);
  for (let i = p - 1; i >= 0; i--) {
    let s = z[i]!;
    for (let k = i + 1; k < p; k++) s -= c[k * p + i]! * b[k]!;
    b[i] = s / c[i * p + i]!;
  }
  return b;
}

/**
 * Fits the member on every window of every series whose targets lie before `ends[i]` (the
 * backtest's fit passes each series' length minus H, so that it never sees the targets it is scored
 * on). Origins start at L (series shorter than L + 1 contribute padded windows from `minOrigin`).
 * Returns null when a step has fewer than 2·(L + 1) windows.
 */
export function fitGlobalAr(
  series: readonly (readonly number[])[],
  ends: readonly number[],
  decs: readonly (Decomposition | null)[] | null,
  m: number,
  H: number,
  opts: GlobalArOptions,
  minOrigin = 4,
): GlobalArWeights | null {
  const { L } = opts;
  const sdiff = opts.sdiff === true;
  const dl = sdiff ? Math.max(0, Math.floor(opts.dlags ?? 0)) : 0;
  const p = L + dl + 1;
  // log windows only when every value the fit reads is positive
  const log =
    opts.log === true &&
    series.every((v, i) => {
      const end = Math.min(v.length, ends[i]!);
      for (let t = 0; t < end; t++) if (!(v[t]! > 0)) return false;
      return true;
    });
  const x = new Float64Array(p);
  const y = new Float64Array(H);
  // the MASE scale of each series' fitted part: errors count in its units
  const mscale = series.map((v, i) => {
    const end = Math.min(v.length, ends[i]!);
    const lag = m > 1 && end > m ? m : 1;
    let a = 0;
    for (let t = lag; t < end; t++) a += Math.abs(v[t]! - v[t - lag]!);
    return end > lag ? a / (end - lag) : 0;
  });
  let coef: number[][] | null = null;
  for (let pass = 0; pass <= opts.robust; pass++) {
    // windows with exactly k targets available (k = 1..H) accumulate into bucket k; step h's normal
    // equations are then the sum of buckets k > h
    const G = Array.from({ length: H + 1 }, () => new Float64Array(p * p));
    const R = Array.from({ length: H + 1 }, () => new Float64Array(p * H));
    const count = new Array<number>(H + 1).fill(0);
    const prev: number[][] | null = coef;
    series.forEach((v, i) => {
      const end = Math.min(v.length, ends[i]!);
      const d = sdiff ? null : (decs?.[i] ?? null);
      // seasonally differenced windows need L + m values before the origin (shorter: padded windows)
      const need = sdiff ? L + m : L;
      const first = end > need + 1 ? need : sdiff ? Math.max(minOrigin, m + 1) : minOrigin;
      const ms = mscale[i]!;
      for (let o = first; o < end; o++) {
        const s = sdiff
          ? sdiffWindowInto(v, o, L, dl, m, opts.scaleLag, log, x)
          : windowInto(v, o, L, m, opts.scaleLag, log, d, x);
        if (s === 0) continue;
        const k = Math.min(H, end - o);
        if (sdiff)
          for (let h = 0; h < k; h++) {
            const ref = v[sdiffRef(o, h, m)]!;
            y[h] = clip(sdiffU(v[o + h]!, s, log) - sdiffU(ref, s, log));
          }
        else
          for (let h = 0; h < k; h++)
            y[h] = log ? logRatio(adjusted(v, d, o + h), s) : clip(adjusted(v, d, o + h) / s - 1);
        // squared errors in MASE units (s / ms)², or (IRLS towards absolute errors) divided by the
        // window's mean absolute error of the previous pass
        const u = opts.maseWeight && ms > 0 ? Math.min(s / ms, 100) : 1;
        let wt = u * u * (opts.seriesWeights?.[i] ?? 1);
        if (prev) {
          let e = 0;
          for (let h = 0; h < k; h++) {
            const c = prev[h]!;
            let f = 0;
            for (let j = 0; j < p; j++) f += c[j]! * x[j]!;
            e += Math.abs(y[h]! - f);
          }
          wt /= Math.max((u * e) / k, 0.05);
        }
        const g = G[k]!;
        const r = R[k]!;
        for (let a = 0; a < p; a++) {
          const xa = wt * x[a]!;
          for (let b = 0; b <= a; b++) g[a * p + b]! += xa * x[b]!;
          for (let h = 0; h < k; h++) r[a * H + h]! += xa * y[h]!;
        }
        count[k]!++;
      }
    });
    const next: number[][] = [];
    const A = new Float64Array(p * p);
    const rh = new Float64Array(p);
    let n = 0;
    for (let h = H - 1; h >= 0; h--) {
      // buckets k > h: add bucket h + 1 to the running sums
      const g = G[h + 1]!;
      for (let a = 0; a < p; a++) for (let b = 0; b <= a; b++) A[a * p + b]! += g[a * p + b]!;
      n += count[h + 1]!;
      if (n < 2 * p) return null;
      for (let a = 0; a < p; a++) {
        let t = 0;
        for (let k = h + 1; k <= H; k++) t += R[k]![a * H + h]!;
        rh[a] = t;
      }
      const full = new Float64Array(p * p);
      let tr = 0;
      for (let a = 0; a < p; a++) {
        tr += A[a * p + a]!;
        for (let b = 0; b <= a; b++) {
          full[a * p + b] = A[a * p + b]!;
          full[b * p + a] = A[a * p + b]!;
        }
      }
      // with a prior b0: (A + (λ + λ₀) I) b = r + λ₀ b0
      const prior = opts.prior?.[h];
      const lam0 = prior && prior.length === p ? ((opts.priorLambda ?? 0) * tr) / p : 0;
      if (lam0 > 0) for (let a = 0; a < p; a++) rh[a]! += lam0 * prior![a]!;
      const b = solveRidge(full, rh, p, (opts.lambda * tr) / p + lam0);
      if (!b) return null;
      next[h] = Array.from(b);
    }
    coef = next;
  }
  if (!coef) return null;
  return {
    L,
    H,
    m,
    scaleLag: opts.scaleLag,
    deseason: sdiff ? false : opts.deseason,
    coef,
    ...(log ? { log } : {}),
    ...(sdiff ? { sdiff: true as const, ...(dl > 0 ? { dlags: dl } : {}) } : {}),
  };
}

/**
 * Lookback bagging: the fit with `opts.L` lags, plus one per other window length of `lags`
 * (duplicates and `opts.L` skipped), stored as its `bag`; the parts that fail to fit are left out.
 */
export function fitGlobalArBag(
  series: readonly (readonly number[])[],
  ends: readonly number[],
  decs: readonly (Decomposition | null)[] | null,
  m: number,
  H: number,
  opts: GlobalArOptions,
  lags: readonly number[],
  shrink?: { priors: ReadonlyMap<number, readonly (readonly number[])[]>; lambda: number },
  partsOut?: { L: number; coef: number[][] }[],
): GlobalArWeights | null {
  // with `shrink`, each part is ridged towards the prior of its own window length (none: as without)
  const withPrior = (o: GlobalArOptions): GlobalArOptions => {
    const prior = shrink?.priors.get(o.L);
    return prior ? { ...o, prior, priorLambda: shrink!.lambda } : o;
  };
  const main = fitGlobalAr(series, ends, decs, m, H, withPrior(opts));
  if (!main) return null;
  const bag: { L: number; coef: number[][] }[] = [];
  for (const L of new Set(lags)) {
    if (L === opts.L) continue;
    // the main fit decides the transform: the parts see the same values
    const w = fitGlobalAr(series, ends, decs, m, H, withPrior({ ...opts, L, log: main.log === true }));
    if (w) bag.push({ L, coef: w.coef });
  }
  partsOut?.push({ L: main.L, coef: main.coef }, ...bag);
  if (bag.length === 0) return main;
  const parts = [{ L: main.L, coef: main.coef }, ...bag];
  // linear windows whose scale every part computes alike (each at least `scaleLag` long): the mean
  // of the parts' forecasts is one fit on the longest window, with the parts' coefficients averaged
  // (each aligned to the window's end). Stored so, the forecast costs one dot product.
  // (seasonally differenced windows: the scale does not depend on L, but first-difference inputs
  // sit between the lags and the intercept, so those parts stay apart)
  if (main.log || (main.sdiff ? (main.dlags ?? 0) > 0 : parts.some((b) => b.L < opts.scaleLag)))
    return { ...main, bag };
  const L = Math.max(...parts.map((b) => b.L));
  const coef = Array.from({ length: H }, (_, h) => {
    const c = new Array<number>(L + 1).fill(0);
    for (const b of parts) {
      const row = b.coef[h]!;
      for (let j = 0; j < b.L; j++) c[L - b.L + j]! += row[j]! / parts.length;
      c[L]! += row[b.L]! / parts.length;
    }
    return c;
  });
  return { ...main, L, coef, lookbacks: parts.map((b) => b.L) };
}

/** The window of `globalArForecast`, reused from call to call (forecasting 10,000 series allocates none). */
let scratch = new Float64Array(37);

/**
 * The member's forecast of steps 0..H−1 after `hist` (`d`: the history's classical decomposition,
 * read when the model deseasonalises), into `out`; the last value carried when the window is all
 * zeros. With a `bag`, the mean of the parts' forecasts.
 */
export function globalArForecast(
  w: GlobalArWeights,
  hist: readonly number[],
  d: Decomposition | null,
  out = new Float64Array(w.H),
): Float64Array {
  if (w.seasonal && d?.seasonal) return globalArForecast(w.seasonal, hist, d, out);
  const dd = w.deseason ? d : null;
  const bag = w.bag;
  if (!bag) return partForecast(w, w.L, w.coef, hist, dd, out, 1, false);
  const share = 1 / (bag.length + 1);
  partForecast(w, w.L, w.coef, hist, dd, out, share, false);
  for (const b of bag) partForecast(w, b.L, b.coef, hist, dd, out, share, true);
  return out;
}

/** One fit's forecast times `share`, into `out` (added to it when `add`). */
function partForecast(
  w: GlobalArWeights,
  L: number,
  coef: number[][],
  hist: readonly number[],
  dd: Decomposition | null,
  out: Float64Array,
  share: number,
  add: boolean,
): Float64Array {
  const n = hist.length;
  const log = w.log === true;
  const dl = w.sdiff ? (w.dlags ?? 0) : 0;
  if (scratch.length < L + dl + 1) scratch = new Float64Array(L + dl + 1);
  const x = scratch;
  const s =
    n === 0
      ? 0
      : w.sdiff
        ? sdiffWindowInto(hist, n, L, dl, w.m, w.scaleLag, log, x)
        : windowInto(hist, n, L, w.m, w.scaleLag, log, dd, x);
  for (let h = 0; h < w.H; h++) {
    let y: number;
    if (s === 0) y = n > 0 ? hist[n - 1]! : 0;
    else if (w.sdiff) {
      // the seasonal-naive value plus the predicted seasonal difference
      const c = coef[h]!;
      let z = 0;
      for (let j = 0; j <= L + dl; j++) z += c[j]! * x[j]!;
      const ref = hist[sdiffRef(n, h, w.m)]!;
      y = log ? s * Math.exp(logClip(sdiffU(ref, s, true) + z)) : ref + s * clip(z);
    } else {
      const c = coef[h]!;
      y = 0;
      for (let j = 0; j <= L; j++) y += c[j]! * x[j]!;
      y = log ? s * Math.exp(logClip(y)) : s * (1 + y);
      if (dd?.seasonal) {
        const f = seasonalAt(dd, n + h);
        y = dd.kind === 'mult' ? y * f : y + f;
      }
    }
    out[h] = add ? out[h]! + share * y : share === 1 ? y : share * y;
  }
  return out;
}
