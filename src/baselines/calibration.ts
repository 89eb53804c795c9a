/**
 * Split-conformal adjustment of quantiles (conformalised quantile regression, Romano et al. 2019),
 * per horizon, on scores from the rolling-origin backtest: for level τ the offset c is the
 * τ-quantile of (y − q̂_τ)/s, so that P(y ≤ q̂_τ + c·s) ≈ τ on exchangeable data.
 */
import { median, probit } from 'simple-statistics';

/**
 * Conservative empirical quantile for conformal use: for τ > 0.5 the ⌈(n+1)τ⌉-th smallest score,
 * for τ < 0.5 the ⌊(n+1)τ⌋-th (clamped to the sample). Throws on an empty sample.
 * @example conformalQuantile([1, 2, 3, 4], 0.5) // 2.5
 */
export function conformalQuantile(scores: readonly number[], tau: number): number {
  const n = scores.length;
  if (n === 0) throw new Error('conformalQuantile: empty sample');
  const s = scores.slice().sort((a, b) => a - b);
  if (tau === 0.5) return n % 2 ? s[(n - 1) / 2]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
  const k = tau > 0.5 ? Math.ceil((n + 1) * tau) : Math.floor((n + 1) * tau);
  return s[Math.min(n, Math.max(1, k)) - 1]!;
}

/**
 * Makes a row of quantiles (sorted levels, median at `mid`) non-crossing, keeping the median:
 * upper levels are made non-decreasing going up, lower ones non-increasing going down.
 */
export function enforceMonotone(q: number[], mid: number): number[] {
  for (let j = mid + 1; j < q.length; j++) if (q[j]! < q[j - 1]!) q[j] = q[j - 1]!;
  for (let j = mid - 1; j >= 0; j--) if (q[j]! > q[j + 1]!) q[j] = q[j + 1]!;
  return q;
}

/** Scores collected for one horizon: (y − q̂_τ)/s for each level, plus the series id for cross-fitting. */
export interface HorizonScores {
  /** scores[q][i] */
  scores: number[][];
  series: number[];
}

/**
 * Fallback offsets when a group has no backtest at all (every series too short): a random walk
 * with Gaussian steps whose mean absolute size is one noise unit (sd ≈ 1.25 noise units).
 */
export function fallbackOffset(tau: number, h: number): number {
  return 1.2533 * Math.sqrt(h + 1) * probit(tau);
}

/**
 * Offsets c[h][q] per horizon and level. Horizons with fewer than `minN` scores borrow those of
 * their neighbours (h±1, h±2, …) until they have enough, which smooths the far horizons where
 * the rolling origins give the fewest samples. With no scores at all, `fallbackOffset`.
 */
export function conformalOffsets(
  byH: HorizonScores[],
  levels: readonly number[],
  minN = 150,
  keepMedian = true,
): number[][] {
  const H = byH.length;
  const out: number[][] = [];
  for (let h = 0; h < H; h++) {
    const pool: number[][] = levels.map(() => []);
    let span = 0;
    const take = (k: number) => {
      const s = byH[k];
      if (!s) return;
      s.scores.forEach((arr, q) => pool[q]!.push(...arr));
    };
    take(h);
    while (pool[0]!.length < minN && span < H) {
      span++;
      take(h - span);
      take(h + span);
    }
    out.push(
      levels.map((tau, q) =>
        keepMedian && tau === 0.5
          ? 0
          : pool[q]!.length === 0
            ? fallbackOffset(tau, h)
            : conformalQuantile(pool[q]!, tau),
      ),
    );
  }
  return out;
}

/**
 * Weighted conformal quantile: the smallest score whose cumulative weight reaches τ of the total
 * plus one average weight (the weighted analogue of ⌈(n+1)τ⌉ for τ > 0.5; mirrored for τ < 0.5).
 * With equal weights it is `conformalQuantile`. Throws on an empty sample.
 */
export function weightedConformalQuantile(scores: readonly number[], weights: readonly number[], tau: number): number {
  const n = scores.length;
  if (n === 0) throw new Error('weightedConformalQuantile: empty sample');
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  let total = 0;
  for (const w of weights) total += w;
  if (!(total > 0)) return conformalQuantile(scores, tau);
  const avg = total / n;
  if (tau === 0.5) {
    let acc = 0;
    for (const i of order) {
      acc += weights[i]!;
      if (acc >= total / 2) return scores[i]!;
    }
    return scores[order[n - 1]!]!;
  }
  if (tau > 0.5) {
    const need = tau * (total + avg);
    let acc = 0;
    for (const i of order) {
      acc += weights[i]!;
      if (acc >= need - 1e-12) return scores[i]!;
    }
    return scores[order[n - 1]!]!;
  }
  // τ < 0.5: the largest score whose cumulative weight from below stays within τ(total + avg), at least the smallest
  const allow = tau * (total + avg);
  let acc = 0;
  let out = scores[order[0]!]!;
  for (const i of order) {
    acc += weights[i]!;
    if (acc > allow + 1e-12) break;
    out = scores[i]!;
  }
  return out;
}

/** Scores with weights (recent backtest windows weigh more), for one horizon. */
export interface WeightedScores {
  /** scores[q][i] */
  scores: number[][];
  weights: number[];
}

/**
 * The scale of one step's scores for `weightedOffsets`' `scaled` borrowing: the median |score| of the
 * median level (|y − median| / noise) over the step's own points, or over its neighbours (h±1, …,
 * unscaled) until there are `minOwn`; NaN without a median level or with no point at all.
 */
function stepScale(byH: readonly WeightedScores[], h: number, mid: number, minOwn = 20): number {
  if (mid < 0) return Number.NaN;
  const abs: number[] = [];
  const take = (k: number) => {
    const s = byH[k];
    if (s) for (const v of s.scores[mid]!) abs.push(Math.abs(v));
  };
  take(h);
  for (let span = 1; abs.length < minOwn && span < byH.length; span++) {
    take(h - span);
    take(h + span);
  }
  return abs.length > 0 ? median(abs) : Number.NaN;
}

/** How `weightedOffsets` borrows scores from neighbouring steps. */
export interface HorizonPooling {
  /**
   * Each step's scores divided by that step's own scale (`stepScale`) before they are pooled, and the
   * pooled quantile multiplied by the borrowing step's: a step then borrows the neighbours' shape, not
   * their size (the last steps borrow only from below, where errors are smaller). Off: as they are.
   */
  scaled?: boolean;
  /** With `scaled`: the steps h ≥ `from` always pool h − `span` … h + `span` (more when under `minN`). */
  span?: number;
  from?: number;
}

/**
 * Offsets c[h][q] from weighted scores, pooling neighbouring horizons (h±1, …) until a horizon has
 * `minN` scores; with none, `fallbackOffset`. The median's offset stays 0. `pooling`: see
 * `HorizonPooling` (unset: the neighbours' scores as they are).
 */
export function weightedOffsets(
  byH: WeightedScores[],
  levels: readonly number[],
  minN = 150,
  pooling: HorizonPooling = {},
): number[][] {
  const H = byH.length;
  const out: number[][] = [];
  const mid = levels.indexOf(0.5);
  const scales = pooling.scaled ? byH.map((_, h) => stepScale(byH, h, mid)) : [];
  for (let h = 0; h < H; h++) {
    const pool: number[][] = levels.map(() => []);
    const wts: number[] = [];
    const own = scales[h];
    const scaled = pooling.scaled === true && own !== undefined && own > 0;
    const take = (k: number) => {
      const s = byH[k];
      if (!s) return;
      const sk = scales[k];
      const f = scaled && sk !== undefined && sk > 0 ? own / sk : 1;
      s.scores.forEach((arr, q) => {
        for (const v of arr) pool[q]!.push(v * f);
      });
      for (const w of s.weights) wts.push(w);
    };
    take(h);
    let span = 0;
    const always = scaled && h >= (pooling.from ?? H) ? (pooling.span ?? 0) : 0;
    while ((wts.length < minN || span < always) && span < H) {
      span++;
      take(h - span);
      take(h + span);
    }
    out.push(
      levels.map((tau, q) =>
        tau === 0.5 ? 0 : wts.length === 0 ? fallbackOffset(tau, h) : weightedConformalQuantile(pool[q]!, wts, tau),
      ),
    );
  }
  return out;
}

/**
 * Makes offsets c[h][q] never narrower at a later step than at an earlier one: above the median
 * each level's offset is the running maximum over steps, below it the running minimum (the
 * median's is kept; `sides = 'upper'`: the levels below the median are left as they are). The
 * far steps' offsets rest on the fewest origins (each series gives one window at the last step),
 * all ending in the same few periods; a quiet stretch there would otherwise shrink the intervals
 * where the forecast is least certain.
 */
export function monotoneInHorizon(
  offsets: number[][],
  levels: readonly number[],
  sides: 'both' | 'upper' = 'both',
): number[][] {
  const out = offsets.map((row) => row.slice());
  for (let h = 1; h < out.length; h++) {
    levels.forEach((tau, q) => {
      if (tau > 0.5) out[h]![q] = Math.max(out[h]![q]!, out[h - 1]![q]!);
      else if (tau < 0.5 && sides === 'both') out[h]![q] = Math.min(out[h]![q]!, out[h - 1]![q]!);
    });
  }
  return out;
}

/** A backtest point for `originTrend`: its step, its origin's distance to the forecast origin, its |error| in noise units. */
export interface TrendPoint {
  h: number;
  /** Periods from the point's origin to the origin the model will forecast from (1 … H on the backtest). */
  dist: number;
  /** |y − median| / noise. */
  absErr: number;
}

/**
 * Drift of the error scale with the forecast origin's time, from the backtest alone: the median
 * |error| of each (step, origin) cell with at least `minCell` points, in logs, regressed on the
 * origin's time with one intercept per step (so that steps compare only with themselves). Returns
 * the slope per period (`delta`, > 0 when errors grow over time), its standard error, and `used`:
 * the slope shrunk towards 0 by max(0, 1 − se²/delta²), so that a slope within its noise counts
 * for little. The far steps' offsets rest on the oldest origins only (each series gives one window at
 * the last step), so a drift in time reaches them the most; `delta = 0` with too few cells.
 */
export function originTrend(
  points: readonly TrendPoint[],
  H: number,
  minCell = 20,
): { delta: number; se: number; used: number; cells: number } {
  const cells = new Map<number, number[]>();
  for (const p of points) {
    if (!(p.absErr >= 0) || !Number.isFinite(p.absErr)) continue;
    const key = p.h * (H + 2) + p.dist;
    let a = cells.get(key);
    if (!a) cells.set(key, (a = []));
    a.push(p.absErr);
  }
  const byH = new Map<number, { t: number; l: number }[]>();
  for (const [key, errs] of cells) {
    if (errs.length < minCell) continue;
    const med = median(errs);
    if (!(med > 0)) continue;
    const h = Math.floor(key / (H + 2));
    const dist = key - h * (H + 2);
    let a = byH.get(h);
    if (!a) byH.set(h, (a = []));
    a.push({ t: -dist, l: Math.log(med) });
  }
  let sxy = 0,
    sxx = 0,
    nCells = 0,
    groups = 0;
  const centred: { x: number; y: number }[] = [];
  for (const a of byH.values()) {
    if (a.length < 2) continue;
    const mt = a.reduce((s, c) => s + c.t, 0) / a.length;
    const ml = a.reduce((s, c) => s + c.l, 0) / a.length;
    for (const c of a) {
      const x = c.t - mt,
        y = c.l - ml;
      sxy += x * y;
      sxx += x * x;
      centred.push({ x, y });
    }
    nCells += a.length;
    groups++;
  }
  const dof = nCells - groups - 1;
  if (!(sxx > 0) || dof < 2) return { delta: 0, se: Number.POSITIVE_INFINITY, used: 0, cells: nCells };
  const delta = sxy / sxx;
  let rss = 0;
  for (const c of centred) rss += (c.y - delta * c.x) ** 2;
  const se = Math.sqrt(rss / dof / sxx);
  const used = delta === 0 ? 0 : delta * Math.max(0, 1 - (se * se) / (delta * delta));
  return { delta, se, used, cells: nCells };
}
