/**
 * Classical per-series forecasting components, in plain JS (no tf): seasonality test and
 * classical decomposition, SES, Theta (SES with half the linear-trend drift, Hyndman & Billah
 * 2003), additive damped trend (Gardner), seasonal naive. All fits take O(n) per evaluation;
 * initial states are solved in closed form (the one-step errors are linear in them), so only
 * the smoothing parameters are searched.
 */
import { sigmoid } from '../lib/maths.js';
import { nelderMead } from '../lib/optimise.js';

export interface Decomposition {
  /** Whether a seasonal pattern was detected and removed. */
  seasonal: boolean;
  /** 'mult' divides by the index, 'add' subtracts it. */
  kind: 'mult' | 'add';
  /** Seasonal index by position in cycle, aligned so that index[(t) % m] applies to values[t]. */
  index: number[];
}

/** Autocorrelation at lags 1..maxLag. */
export function acf(x: readonly number[], maxLag: number): number[] {
  const n = x.length;
  let mean = 0;
  for (const v of x) mean += v;
  mean /= n;
  let denom = 0;
  for (const v of x) denom += (v - mean) ** 2;
  const out: number[] = [];
  for (let k = 1; k <= maxLag; k++) {
    let s = 0;
    for (let t = k; t < n; t++) s += (x[t]! - mean) * (x[t - k]! - mean);
    out.push(denom > 0 ? s / denom : 0);
  }
  return out;
}

/**
 * The 90 % one-sided seasonality test used by the Theta method in M3 / R forecast::thetaf:
 * |r_m| > 1.645 · sqrt((1 + 2 Σ_{k<m} r_k²) / n).
 */
export function isSeasonal(x: readonly number[], m: number): boolean {
  return seasonalityStat(x, m) > 1.645;
}

/** The statistic of `isSeasonal`: |r_m| / sqrt((1 + 2 Σ_{k<m} r_k²) / n); 0 when m ≤ 1 or n < 2m + 1. */
export function seasonalityStat(x: readonly number[], m: number): number {
  if (m <= 1 || x.length < 2 * m + 1) return 0;
  const r = acf(x, m);
  let s = 0;
  for (let k = 0; k < m - 1; k++) s += r[k]! ** 2;
  const stat = Math.sqrt((1 + 2 * s) / x.length);
  return Math.abs(r[m - 1]!) / stat;
}

/**
 * How the classical decomposition makes its seasonal indices (opt-in, issue 15; absent = the whole
 * history's mean ratio per position, as before).
 */
export interface SeasonIndexOptions {
  /**
   * Shrinks the indices towards 1 (0 when additive), the amount set by their own between-year noise
   * against their spread (Miller & Williams 2003): `'js'` James–Stein, one factor for all positions,
   * max(0, 1 − (m − 3)·σ²/Σ(S − 1)²) with σ² the pooled variance of a position's mean ratio; `'lk'`
   * Lemon–Krutchkoff, each index the posterior mean under a discrete prior on the indices, iterated.
   */
  shrink?: 'js' | 'lk';
  /** Only the ratios of the last `years` cycles make the indices (at least 2; the whole history when absent). */
  years?: number;
}

/** Lemon–Krutchkoff iterations (the estimates move by < 1e-4 of σ after a few). */
const LK_ITERS = 10;

/** Classical decomposition seasonal indices (centred moving average), R `decompose` style. */
export function decompose(x: readonly number[], m: number, force = false, opts?: SeasonIndexOptions): Decomposition {
  const n = x.length;
  const none: Decomposition = { seasonal: false, kind: 'mult', index: Array(Math.max(1, m)).fill(1) };
  if (m <= 1 || n < 2 * m) return none;
  if (!force && !isSeasonal(x, m)) return none;
  const positive = x.every((v) => v > 0);
  const kind: 'mult' | 'add' = positive ? 'mult' : 'add';
  // centred MA of order m (2×m when m is even), as a running sum
  const half = Math.floor(m / 2);
  const sums: number[] = Array(m).fill(0);
  const counts: number[] = Array(m).fill(0);
  const squares: number[] | null = opts?.shrink ? Array(m).fill(0) : null;
  // with `years`, only the last years·m ratios (the ratios exist for t in [half, n − half))
  const tFrom = opts?.years ? Math.max(half, n - half - Math.max(2, opts.years) * m) : half;
  let win = 0; // sum of x[t-half+1 .. t+half-1] for even m, x[t-half .. t+half] for odd m
  const even = m % 2 === 0;
  const lo0 = even ? 1 : 0;
  const hi0 = even ? 2 * half - 1 : 2 * half;
  for (let k = lo0; k <= hi0; k++) win += x[k]!;
  for (let t = half; t < n - half; t++) {
    if (t > half) {
      // slide the window by one
      win += x[even ? t + half - 1 : t + half]! - x[even ? t - half : t - half - 1]!;
    }
    if (t < tFrom) continue;
    const s = even ? win + 0.5 * x[t - half]! + 0.5 * x[t + half]! : win;
    const trend = s / m;
    const ratio = kind === 'mult' ? x[t]! / trend : x[t]! - trend;
    if (!Number.isFinite(ratio)) continue;
    sums[t % m]! += ratio;
    counts[t % m]! += 1;
    if (squares) squares[t % m]! += ratio * ratio;
  }
  const idx = sums.map((s, i) => (counts[i]! > 0 ? s / counts[i]! : kind === 'mult' ? 1 : 0));
  const mean = idx.reduce((a, b) => a + b, 0) / m;
  let index = idx.map((v) => (kind === 'mult' ? v / mean : v - mean));
  if (squares) index = shrinkIndex(index, kind, idx, squares, counts, kind === 'mult' ? mean : 1, opts!.shrink!);
  if (kind === 'mult' && index.some((v) => !(v > 0))) return none;
  return { seasonal: true, kind, index };
}

/**
 * The indices shrunk towards 1 (mult) or 0 (add): σ² is the mean over positions of the variance of a
 * position's mean ratio (between-year variance / cycles), on the indices' scale (÷ `scale`²).
 */
function shrinkIndex(
  index: number[],
  kind: 'mult' | 'add',
  means: readonly number[],
  squares: readonly number[],
  counts: readonly number[],
  scale: number,
  how: 'js' | 'lk',
): number[] {
  const m = index.length;
  const centre = kind === 'mult' ? 1 : 0;
  let v = 0;
  let used = 0;
  for (let j = 0; j < m; j++) {
    const k = counts[j]!;
    if (k < 2) continue;
    const s2 = Math.max(0, (squares[j]! - k * means[j]! ** 2) / (k - 1));
    v += s2 / k;
    used++;
  }
  if (used === 0) return index;
  const sigma2 = v / used / (scale * scale);
  if (!(sigma2 > 0)) return index;
  const dev = index.map((s) => s - centre);
  if (how === 'js') {
    if (m <= 3) return index;
    let ss = 0;
    for (const d of dev) ss += d * d;
    const c = ss > 0 ? Math.max(0, 1 - ((m - 3) * sigma2) / ss) : 0;
    return fillLike(
      index,
      dev.map((d) => centre + c * d),
    );
  }
  // Lemon–Krutchkoff: θ_i ← Σ_j θ_j φ((S_i − θ_j)/σ) / Σ_j φ((S_i − θ_j)/σ), from θ = S
  let theta = dev.slice();
  for (let it = 0; it < LK_ITERS; it++) {
    const next = dev.map((si) => {
      let num = 0;
      let den = 0;
      for (const tj of theta) {
        const w = Math.exp(-((si - tj) ** 2) / (2 * sigma2));
        num += w * tj;
        den += w;
      }
      return den > 0 ? num / den : si;
    });
    theta = next;
  }
  // the indices average 1 (sum to 0) as the classical ones do
  const mu = theta.reduce((a, b) => a + b, 0) / m;
  return fillLike(
    index,
    theta.map((d) => centre + d - mu),
  );
}

/**
 * `values` written into a copy of `like` (the unshrunk indices): indices shrunk all the way are whole
 * numbers (1 or 0), which a fresh array would store as small integers, and the decomposition's readers
 * (deseason, reseason, the members) would then meet two kinds of array and run ≈ 20 % slower in a
 * forecasting process (measured on the targets bench). A copy keeps the kind of array they always see.
 */
function fillLike(like: readonly number[], values: readonly number[]): number[] {
  const out = like.slice();
  for (let j = 0; j < out.length; j++) out[j] = values[j]!;
  return out;
}

export function deseason(x: readonly number[], d: Decomposition): number[] {
  if (!d.seasonal) return x.slice();
  const m = d.index.length;
  return x.map((v, t) => (d.kind === 'mult' ? v / d.index[t % m]! : v - d.index[t % m]!));
}

/** Re-applies the seasonal index to forecasts for t = n, n+1, …. */
export function reseason(f: readonly number[], d: Decomposition, n: number): number[] {
  if (!d.seasonal) return f.slice();
  const m = d.index.length;
  return f.map((v, h) => (d.kind === 'mult' ? v * d.index[(n + h) % m]! : v + d.index[(n + h) % m]!));
}

export interface SesFit {
  alpha: number;
  level: number;
  sse: number;
  /** One-step in-sample errors. */
  mae: number;
}

/** SSE of SES with the best initial level (closed form), and the final level; optionally the in-sample MAE. */
function sesRun(x: readonly number[], alpha: number, withMae = false): SesFit {
  const fit = { alpha, level: 0, sse: 0, mae: 0, l0: 0 };
  fit.sse = sesSse(x, alpha, fit);
  if (withMae) {
    const n = x.length;
    let level = fit.l0;
    for (let t = 0; t < n; t++) {
      const e = x[t]! - level;
      fit.mae += Math.abs(e) / n;
      level += alpha * e;
    }
  }
  return { alpha, level: fit.level, sse: fit.sse, mae: fit.mae };
}

/** Golden-section search of a unimodal-ish function on [a, b], after a coarse grid. */
function minimise1d(f: (v: number) => number, a: number, b: number, grid = 8): number {
  let best = a;
  let bestV = Infinity;
  for (let i = 0; i <= grid; i++) {
    const v = a + ((b - a) * i) / grid;
    const fv = f(v);
    if (fv < bestV) {
      bestV = fv;
      best = v;
    }
  }
  let lo = Math.max(a, best - (b - a) / grid);
  let hi = Math.min(b, best + (b - a) / grid);
  const gr = (Math.sqrt(5) - 1) / 2;
  let c = hi - gr * (hi - lo);
  let d = lo + gr * (hi - lo);
  let fc = f(c);
  let fd = f(d);
  for (let i = 0; i < 10; i++) {
    if (fc < fd) {
      hi = d;
      d = c;
      fd = fc;
      c = hi - gr * (hi - lo);
      fc = f(c);
    } else {
      lo = c;
      c = d;
      fc = fd;
      d = lo + gr * (hi - lo);
      fd = f(d);
    }
  }
  const mid = (lo + hi) / 2;
  return f(mid) < bestV ? mid : best;
}

/**
 * SES's SSE with the best initial level (the search's objective, allocating nothing); with `fit`, also
 * that initial level and the final level. Forecasts are linear in l0: f_t = g_t + d_t·l0 with
 * d_t = (1-α)^t, so SSE(l0) is a parabola.
 */
function sesSse(x: readonly number[], alpha: number, fit?: { l0: number; level: number }): number {
  const n = x.length;
  let g = 0;
  let d = 1;
  let see = 0;
  let sed = 0;
  let sdd = 0;
  for (let t = 0; t < n; t++) {
    const e0 = x[t]! - g;
    see += e0 * e0;
    sed += e0 * d;
    sdd += d * d;
    g += alpha * e0;
    d *= 1 - alpha;
  }
  const l0 = sdd > 0 ? sed / sdd : x[0]!;
  if (fit) {
    fit.l0 = l0;
    fit.level = g + d * l0;
  }
  return see - 2 * l0 * sed + l0 * l0 * sdd;
}

export function ses(x: readonly number[]): SesFit {
  const alpha = minimise1d((a) => sesSse(x, a), 0.0001, 0.9999);
  return sesRun(x, alpha, true);
}

/** Least-squares slope of x on t = 0..n-1. */
export function slope(x: readonly number[]): number {
  const n = x.length;
  if (n < 2) return 0;
  const tm = (n - 1) / 2;
  let xm = 0;
  for (const v of x) xm += v;
  xm /= n;
  let num = 0;
  let den = 0;
  for (let t = 0; t < n; t++) {
    num += (t - tm) * (x[t]! - xm);
    den += (t - tm) ** 2;
  }
  return num / den;
}

/**
 * Theta forecast (θ=2 line with SES, equivalent to SES with drift b/2), on a non-seasonal series;
 * `fullSlope` is slope(x) when the caller has it.
 */
export function theta(x: readonly number[], h: number, fit: SesFit = ses(x), fullSlope = slope(x)): number[] {
  const n = x.length;
  const b = fullSlope / 2;
  const a = fit.alpha;
  const out: number[] = [];
  for (let k = 0; k < h; k++) out.push(fit.level + b * (k + (1 - (1 - a) ** n) / a));
  return out;
}

export interface DampedFit {
  alpha: number;
  beta: number;
  phi: number;
  level: number;
  trend: number;
  sse: number;
}

function dampedRun(x: readonly number[], alpha: number, beta: number, phi: number): DampedFit {
  const fit = { alpha, beta, phi, level: 0, trend: 0, sse: 0 };
  fit.sse = dampedSse(x, alpha, beta, phi, fit);
  return fit;
}

/**
 * The damped-trend run's SSE (the search's objective, allocating nothing); with `fit`, also its final
 * level and trend. The state (l, b) and the errors are affine in (l0, b0): the three coefficient runs
 * are tracked at once, then (l0, b0) solved by least squares in closed form.
 */
function dampedSse(
  x: readonly number[],
  alpha: number,
  beta: number,
  phi: number,
  fit?: { level: number; trend: number },
): number {
  const n = x.length;
  let l0c = 0,
    l1c = 1,
    l2c = 0;
  let b0c = 0,
    b1c = 0,
    b2c = 1;
  let s00 = 0,
    s01 = 0,
    s11 = 0,
    r0 = 0,
    r1 = 0,
    ee = 0;
  const ab = alpha * beta;
  for (let t = 0; t < n; t++) {
    const f0 = l0c + phi * b0c;
    const f1 = l1c + phi * b1c;
    const f2 = l2c + phi * b2c;
    const e0 = x[t]! - f0;
    s00 += f1 * f1;
    s01 += f1 * f2;
    s11 += f2 * f2;
    r0 += e0 * f1;
    r1 += e0 * f2;
    ee += e0 * e0;
    l0c = f0 + alpha * e0;
    l1c = f1 - alpha * f1;
    l2c = f2 - alpha * f2;
    b0c = phi * b0c + ab * e0;
    b1c = phi * b1c - ab * f1;
    b2c = phi * b2c - ab * f2;
  }
  const det = s00 * s11 - s01 * s01;
  let l0: number;
  let b0: number;
  if (Math.abs(det) > 1e-12 * (s00 * s11) && det > 0) {
    l0 = (r0 * s11 - r1 * s01) / det;
    b0 = (r1 * s00 - r0 * s01) / det;
  } else {
    l0 = x[0]!;
    b0 = 0;
  }
  if (fit) {
    fit.level = l0c + l1c * l0 + l2c * b0;
    fit.trend = b0c + b1c * l0 + b2c * b0;
  }
  // SSE(l0, b0) = Σ (e0 - f1 l0 - f2 b0)^2, expanded
  return ee - 2 * (l0 * r0 + b0 * r1) + l0 * l0 * s00 + 2 * l0 * b0 * s01 + b0 * b0 * s11;
}

function dampedParams(p: readonly number[]): [number, number, number] {
  const alpha = 0.0001 + 0.9998 * sigmoid(p[0]!);
  const beta = alpha * (0.0001 + 0.9998 * sigmoid(p[1]!));
  const phi = 0.8 + 0.18 * sigmoid(p[2]!);
  return [alpha, beta, phi];
}

/** Default starting point of the damped-trend search (unconstrained α, β/α, φ coordinates). */
export const DAMPED_START = [0, -2, 1];

export interface DampedOptions {
  /** Unconstrained starting point, e.g. the median fit of a group (see `dampedParams`). */
  start?: readonly number[] | undefined;
  iters?: number;
  step?: number;
}

/** Fits ETS(A,Ad,N) by least squares; returns its unconstrained parameters and the fit. */
export function fitDamped(x: readonly number[], opts: DampedOptions = {}): { params: number[]; fit: DampedFit } {
  const p = nelderMead(
    (q) => {
      const alpha = 0.0001 + 0.9998 * sigmoid(q[0]!);
      return dampedSse(x, alpha, alpha * (0.0001 + 0.9998 * sigmoid(q[1]!)), 0.8 + 0.18 * sigmoid(q[2]!));
    },
    (opts.start ?? DAMPED_START).slice(),
    opts.iters ?? 20,
    opts.step ?? 0.8,
  );
  const [a, b, ph] = dampedParams(p);
  return { params: p, fit: dampedRun(x, a, b, ph) };
}

/** Additive damped-trend exponential smoothing (ETS(A,Ad,N) point forecasts, least squares). */
export function damped(x: readonly number[], h: number, opts: DampedOptions = {}): number[] {
  return dampedForecast(x, h, opts).forecast;
}

function dampedForecast(
  x: readonly number[],
  h: number,
  opts: DampedOptions,
): { forecast: number[]; params: number[] } {
  if (x.length < 4)
    return { forecast: Array(h).fill(x[x.length - 1] ?? 0), params: (opts.start ?? DAMPED_START).slice() };
  const { params, fit } = fitDamped(x, opts);
  const out: number[] = [];
  let cum = 0;
  for (let k = 1; k <= h; k++) {
    cum += fit.phi ** k;
    out.push(fit.level + cum * fit.trend);
  }
  return { forecast: out, params };
}

/** Seasonal naive: repeats the last full cycle (naive when the series is shorter than m). */
export function seasonalNaive(x: readonly number[], m: number, h: number): number[] {
  const n = x.length;
  const out: number[] = [];
  for (let k = 0; k < h; k++) {
    if (m > 1 && n >= m) out.push(x[n - m + (k % m)]!);
    else out.push(x[n - 1] ?? 0);
  }
  return out;
}

export interface ClassicalForecast {
  /** Combined point forecast (mean of Theta, damped trend and SES), reseasonalised. */
  point: number[];
  theta: number[];
  damped: number[];
  ses: number[];
  /**
   * Least-squares slope of the seasonally adjusted history (Theta carries half of it). The drift
   * member is `driftAt(cf, h)`: the SES level plus this slope per step, reseasonalised.
   */
  slope: number;
  /** Mean of Theta and damped trend, seasonally adjusted (the trend path before the seasonal index). */
  trendPath: number[];
  /** Seasonal factor applied at each step (1 or 0 when none). */
  season: number[];
  decomposition: Decomposition;
  /** Deseasonalised level at the origin. */
  level: number;
  /** One-step in-sample mean absolute error of SES on the seasonally adjusted series, in original units. */
  noise: number;
  /** Unconstrained parameters of the damped-trend fit (a warm start for similar series). */
  dampedParams: number[];
}

/** Fits the classical components on x (period m) and forecasts h steps. */
export function classicalForecast(
  x: readonly number[],
  m: number,
  h: number,
  dampedOpts: DampedOptions = {},
  seasonOpts?: SeasonIndexOptions,
): ClassicalForecast {
  const n = x.length;
  const d = decompose(x, m, false, seasonOpts);
  const sa = deseason(x, d);
  const fit = ses(sa);
  const b = slope(sa);
  const th = theta(sa, h, fit, b);
  const dr = dampedForecast(sa, h, dampedOpts);
  const dp = dr.forecast;
  const sf = Array(h).fill(fit.level) as number[];
  const comb = th.map((v, k) => (v + dp[k]! + sf[k]!) / 3);
  const season = reseason(Array(h).fill(d.kind === 'mult' ? 1 : 0), d, n);
  const meanSeason = d.kind === 'mult' && d.seasonal ? d.index.reduce((a, b) => a + b, 0) / d.index.length : 1;
  return {
    trendPath: th.map((v, k) => (v + dp[k]!) / 2),
    point: reseason(comb, d, n),
    theta: reseason(th, d, n),
    damped: reseason(dp, d, n),
    ses: reseason(sf, d, n),
    slope: b,
    season,
    decomposition: d,
    level: fit.level,
    noise: fit.mae * (d.kind === 'mult' ? meanSeason : 1),
    dampedParams: dr.params,
  };
}

/**
 * The drift member at step `h` (0-based): SES level plus the whole history's slope per step, on the
 * seasonally adjusted scale, times (or plus) the step's seasonal factor — `reseason` of that line,
 * number for number, without an array per series.
 */
export function driftAt(cf: ClassicalForecast, h: number): number {
  const v = cf.level + (h + 1) * cf.slope;
  return cf.decomposition.kind === 'mult' ? v * cf.season[h]! : v + cf.season[h]!;
}

/**
 * The seasonality test of the M4 competition's benchmark code (`SeasonalityTest`): a series is
 * seasonal when it has at least 3·m points and its autocorrelation at lag m lies outside the 90 %
 * band, |r_m| > 1.645 · sqrt((1 + 2 Σ_{k<m} r_k²) / n).
 */
export function m4Seasonal(x: readonly number[], m: number): boolean {
  if (m <= 1 || x.length < 3 * m) return false;
  return isSeasonal(x, m);
}

export interface SeasonalEtsFit {
  /** Multiplicative seasonality (positive series) or additive. */
  kind: 'mult' | 'add';
  alpha: number;
  beta: number;
  gamma: number;
  phi: number;
  /** Unconstrained parameters found (a warm start for similar series). */
  params: number[];
  /** Forecast h = 1..H. */
  forecast: number[];
}

/** Default starting point of the seasonal ETS search (unconstrained α, β, γ, φ coordinates). */
export const SEASONAL_ETS_START = [-0.5, -2, -2, 1];

/** What one exponential-smoothing pass reads (`etsFilter`); `s` is its scratch for the indices. */
interface EtsState {
  x: readonly number[];
  m: number;
  /** Initial seasonal indices (1 for none when multiplicative, 0 when additive). */
  index: readonly number[];
  s: Float64Array;
  l0: number;
  b0: number;
  /** Multiplicative season. */
  mult: boolean;
  /** Damped trend (else no trend: b stays b0, which is then 0). */
  damped: boolean;
  /** Multiplicative error: the sum is of relative errors, and Σ log ŷ is left in `logs`. */
  multErr: boolean;
  h: number;
  logs?: number;
}

/**
 * One pass of ETS over `st.x` with the given parameters: returns the sum of squared one-step
 * errors (relative ones with `multErr`, NaN when a fitted value is not positive then) and, with
 * `out`, pushes the forecasts h = 1..st.h. Shared by `seasonalEts` and `seasonalEtsAuto`.
 */
function etsFilter(st: EtsState, alpha: number, beta: number, gamma: number, phi: number, out?: number[]): number {
  const { x, m, s, mult, damped, multErr } = st;
  const n = x.length;
  for (let i = 0; i < m; i++) s[i] = st.index[i]!;
  let l = st.l0;
  let b = st.b0;
  let sse = 0;
  let logs = 0;
  for (let t = 0; t < n; t++) {
    const j = t % m;
    const base = l + phi * b;
    const si = s[j]!;
    const yhat = mult ? base * si : base + si;
    const y = x[t]!;
    if (multErr) {
      if (!(yhat > 0)) return Number.NaN;
      const e = (y - yhat) / yhat;
      sse += e * e;
      logs += Math.log(yhat);
    } else {
      const e = y - yhat;
      sse += e * e;
    }
    const lNew = mult ? alpha * (y / si) + (1 - alpha) * base : alpha * (y - si) + (1 - alpha) * base;
    if (damped) b = beta * (lNew - l) + (1 - beta) * phi * b;
    if (mult) {
      const r = base !== 0 ? y / base : si;
      const v = gamma * r + (1 - gamma) * si;
      s[j] = v > 0 && Number.isFinite(v) ? v : si;
    } else s[j] = gamma * (y - base) + (1 - gamma) * si;
    l = lNew;
  }
  if (out) {
    let cum = 0;
    for (let k = 1; k <= st.h; k++) {
      if (damped) cum += phi ** k;
      const j = (n + k - 1) % m;
      const base = l + cum * b;
      out.push(mult ? base * s[j]! : base + s[j]!);
    }
  }
  st.logs = logs;
  return sse;
}

/**
 * Seasonal exponential smoothing with a damped trend (Holt–Winters, ETS(A,Ad,M) point forecasts
 * when the series is positive, ETS(A,Ad,A) otherwise), by least squares. The initial level and
 * trend come from a regression on the first two seasonally adjusted cycles and the initial indices
 * from the classical decomposition `d`; α, β, γ and φ are searched (Nelder–Mead, few iterations).
 * Returns null when `d` is not seasonal or the series is shorter than two cycles.
 */
export function seasonalEts(
  x: readonly number[],
  d: Decomposition,
  h: number,
  opts: { start?: readonly number[] | undefined; iters?: number } = {},
): SeasonalEtsFit | null {
  const m = d.index.length;
  const n = x.length;
  if (!d.seasonal || m < 2 || n < 2 * m) return null;
  const mult = d.kind === 'mult';
  const k0 = Math.min(n, 2 * m);
  const sa: number[] = [];
  for (let t = 0; t < k0; t++) sa.push(mult ? x[t]! / d.index[t % m]! : x[t]! - d.index[t % m]!);
  const b0 = slope(sa);
  let mean0 = 0;
  for (const v of sa) mean0 += v / k0;
  const l0 = mean0 - (b0 * (k0 - 1)) / 2 - b0; // level one step before t = 0
  const s = new Float64Array(m);
  const state: EtsState = { x, m, index: d.index, s, l0, b0, mult, damped: true, multErr: false, h };
  const run = (alpha: number, beta: number, gamma: number, phi: number, out?: number[]): number => {
    const sse = etsFilter(state, alpha, beta, gamma, phi, out);
    return Number.isFinite(sse) ? sse : Number.MAX_VALUE;
  };
  const params = (q: readonly number[]): [number, number, number, number] => {
    const alpha = 0.0001 + 0.9998 * sigmoid(q[0]!);
    const beta = alpha * 0.0001 + alpha * 0.9998 * sigmoid(q[1]!) * 0.5;
    const gamma = (1 - alpha) * (0.0001 + 0.9998 * sigmoid(q[2]!)) * 0.5;
    const phi = 0.8 + 0.18 * sigmoid(q[3]!);
    return [alpha, beta, gamma, phi];
  };
  const p = nelderMead((q) => run(...params(q)), (opts.start ?? SEASONAL_ETS_START).slice(), opts.iters ?? 24, 0.8);
  const [alpha, beta, gamma, phi] = params(p);
  const forecast: number[] = [];
  run(alpha, beta, gamma, phi, forecast);
  if (!forecast.every(Number.isFinite)) return null;
  return { kind: d.kind, alpha, beta, gamma, phi, params: p, forecast };
}

/** A form of the per-series ETS choice: error / trend / season (R's ets notation). */
export type EtsForm = 'ANA' | 'AAdA' | 'ANM' | 'AAdM' | 'MNM' | 'MAdM' | 'ANN' | 'AAdN' | 'MNN' | 'MAdN';

/** The forms tried by `seasonalEtsAuto`: additive season always, multiplicative where the series is positive. */
export const ETS_FORMS: readonly EtsForm[] = ['ANA', 'AAdA', 'MNM', 'MAdM'];
/** The forms tried for a series without a season (`seasonalEtsAuto` with `plain`). */
export const ETS_PLAIN_FORMS: readonly EtsForm[] = ['ANN', 'AAdN', 'MNN', 'MAdN'];

/** Longest period `seasonalEtsAuto` is used for (R's ets() refuses seasons above 24). */
export const ETS_AUTO_MAX_PERIOD = 24;

/** Search steps per form of `seasonalEtsAuto` (Nelder–Mead iterations). */
export const ETS_AUTO_ITERS = 15;

/** R's starting values (ets' initparam, unconstrained): α 0.2, β 0.1 α, γ 0.05 (1 − α), φ 0.95. */
const ETS_AUTO_START = [-1.386, -2.197, -2.944, 1.609];

/**
 * Seasonal ETS chosen per series as R's `ets()` does, by AICc among a few forms: ETS(A,N,A) and
 * ETS(A,Ad,A), and where every value is positive ETS(M,N,M) and ETS(M,Ad,M) (the multiplicative
 * error's likelihood, n·log Σ(e/ŷ)² + 2 Σ log|ŷ|). The parameters range over R's usual bounds
 * (α in (0, 1), β ≤ α, γ ≤ 1 − α, φ in 0.8–0.98) and are searched by Nelder–Mead from R's starting
 * values; the initial level and trend come from a regression on the first two seasonally adjusted
 * cycles and the initial indices from the classical decomposition `d` (additive indices scaled from
 * multiplicative ones when needed). AICc counts the initial states as R does.
 * Returns null when `d` is not seasonal or the series is shorter than two cycles.
 */
export function seasonalEtsAuto(
  x: readonly number[],
  d: Decomposition,
  h: number,
  opts: { iters?: number; forms?: readonly EtsForm[]; plain?: boolean } = {},
): (SeasonalEtsFit & { form: EtsForm; aicc: number }) | null {
  const n = x.length;
  const seasonal = d.seasonal;
  if (!seasonal && !(opts.plain && n >= 10)) return null;
  // without a season: one additive index 0 (R's non-seasonal forms), initial states from the first 10 values
  const m = seasonal ? d.index.length : 1;
  if (seasonal && (m < 2 || n < 2 * m)) return null;
  const positive = seasonal ? d.kind === 'mult' : x.every((v) => v > 0);
  const k0 = Math.min(n, seasonal ? 2 * m : 10);
  let mean0 = 0;
  for (let t = 0; t < k0; t++) mean0 += x[t]! / k0;
  const idxMult = seasonal && positive ? d.index : null;
  const idxAdd = !seasonal ? [0] : positive ? d.index.map((v) => (v - 1) * mean0) : d.index;
  const start = (mult: boolean): [number, number] => {
    const idx = mult ? idxMult! : idxAdd;
    const sa: number[] = [];
    for (let t = 0; t < k0; t++) sa.push(mult ? x[t]! / idx[t % m]! : x[t]! - idx[t % m]!);
    const b0 = slope(sa);
    let mu = 0;
    for (const v of sa) mu += v / k0;
    return [mu - (b0 * (k0 - 1)) / 2 - b0, b0];
  };
  const s = new Float64Array(m);
  let best: (SeasonalEtsFit & { form: EtsForm; aicc: number }) | null = null;
  for (const form of opts.forms ?? (seasonal ? ETS_FORMS : ETS_PLAIN_FORMS)) {
    const mult = form.endsWith('M');
    const hasSeason = !form.endsWith('N');
    if (hasSeason !== seasonal) continue;
    const multErr = form[0] === 'M';
    if ((mult || multErr) && !positive) continue;
    const damped = form.includes('Ad');
    const idx = mult ? idxMult! : idxAdd;
    const [l0, b0] = start(mult);
    const state: EtsState = { x, m, index: idx, s, l0, b0: damped ? b0 : 0, mult, damped, multErr, h };
    // lik: −2 log-likelihood up to constants (R's ets); out: the forecast
    const run = (alpha: number, beta: number, gamma: number, phi: number, out?: number[]): number => {
      const sse = etsFilter(state, alpha, beta, gamma, phi, out);
      if (Number.isNaN(sse)) return Number.MAX_VALUE;
      const lik = n * Math.log(Math.max(sse, 1e-300)) + 2 * state.logs!;
      return Number.isFinite(lik) ? lik : Number.MAX_VALUE;
    };
    // unconstrained coordinates: α, then β if damped, γ if seasonal, φ if damped
    const params = (q: readonly number[]): [number, number, number, number] => {
      const alpha = 0.0001 + 0.9998 * sigmoid(q[0]!);
      let i = 1;
      const beta = damped ? 0.0001 + 0.9998 * sigmoid(q[i++]!) : 0;
      const gamma = hasSeason ? (1 - alpha) * (0.0001 + 0.9998 * sigmoid(q[i++]!)) : 0;
      return [alpha, beta, gamma, damped ? 0.8 + 0.18 * sigmoid(q[i]!) : 1];
    };
    const [a0, b0q, g0, p0] = ETS_AUTO_START as [number, number, number, number];
    const q0 = [a0, ...(damped ? [b0q] : []), ...(hasSeason ? [g0] : []), ...(damped ? [p0] : [])];
    const p = nelderMead((q) => run(...params(q)), q0, opts.iters ?? ETS_AUTO_ITERS, 0.8);
    const [alpha, beta, gamma, phi] = params(p);
    const forecast: number[] = [];
    const lik = run(alpha, beta, gamma, phi, forecast);
    if (lik === Number.MAX_VALUE || !forecast.every(Number.isFinite)) continue;
    // R's count: smoothing parameters, initial level (and trend), m − 1 free indices, the variance
    const k = q0.length + 1 + (damped ? 1 : 0) + (m - 1) + 1;
    const aicc = lik + 2 * k + (n - k - 1 > 0 ? (2 * k * (k + 1)) / (n - k - 1) : Number.POSITIVE_INFINITY);
    if (best === null || aicc < best.aicc)
      best = { kind: mult ? 'mult' : 'add', alpha, beta, gamma, phi, params: p, forecast, form, aicc };
  }
  return best;
}
