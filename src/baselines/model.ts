/**
 * Training of one pooled model per group: rolling-origin windows → TF.js quantile network that
 * corrects the classical forecast → choice of the network's weight and conformal offsets on a
 * rolling-origin backtest over the last H periods of every series (never seen by the network).
 */
import { conformalOffsets, enforceMonotone, type HorizonScores } from './calibration.js';
import { BaselineInputError } from './errors.js';
import {
  buildWindow,
  cleanValues,
  defaultSpec,
  featureSize,
  MIN_HISTORY,
  type FeatureSpec,
  type SeriesContext,
} from './features.js';
import { maseScale } from './metrics.js';
import { predictNet, trainQuantileNet, type NetWeights } from './network.js';
import type { BacktestFigures, SeriesInput, TrainOptions } from './types.js';

export const MODEL_KIND = 'kpi-baselines/pooled-quantile';

export interface TrainedGroupModel {
  kind: typeof MODEL_KIND;
  version: 1;
  spec: FeatureSpec;
  levels: number[];
  /** The pooled network; null when the group had too little history (classical + conformal only). */
  net: NetWeights | null;
  /** Share of the network's median correction applied (chosen on the backtest). */
  netWeight: number;
  /** Conformal offsets [h][level], in units of each series' one-step noise. */
  offsets: number[][];
  backtest: BacktestFigures;
  coldStart: {
    minHistory: number;
    /** [h][level] quantiles of (y − mean)/|mean| seen on the backtest. */
    relQuantiles: number[][];
    /** Quantiles of the series' recent levels, for units with no history at all. */
    levelQuantiles: number[];
  };
  trainedOn: {
    series: number;
    windows: number;
    calibration: number;
    seconds: number;
    seed: number;
    /** Wall-clock seconds per training phase. */
    phases: { windows: number; network: number; calibration: number };
  };
}

/** Largest number of series whose last H periods are backtested (large groups are subsampled evenly). */
export const MAX_CAL_SERIES = 4000;

export const INTERVAL_LEVELS = [0.025, 0.1, 0.25, 0.5, 0.75, 0.9, 0.975];

interface Prepared {
  values: number[];
  ctx: SeriesContext;
}

export function prepare(s: SeriesInput): Prepared {
  return {
    values: cleanValues(s.values),
    ctx: { promo: s.promo, tenure: s.tenure, startIndex: s.start?.index ?? 0 },
  };
}

/** Linear-interpolation quantile of a sample (0 for an empty one). */
export function sampleQuantile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return 0;
  const s = xs.slice().sort((a, b) => a - b);
  const pos = (s.length - 1) * p;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}

interface CalPoint {
  series: number;
  h: number;
  y: number;
  base: number;
  scale: number;
  noise: number;
  mase: number;
  net: Float64Array | null;
  rel: number;
}

function checkInputs(series: readonly SeriesInput[], opts: TrainOptions): number {
  if (series.length === 0) throw new BaselineInputError('no_series', 'a group needs at least one series');
  if (!Number.isInteger(opts.horizon) || opts.horizon < 1 || opts.horizon > 104) {
    throw new BaselineInputError('bad_horizon', 'horizon must be an integer in 1..104');
  }
  const m = series[0]!.periodsPerYear;
  if (!Number.isInteger(m) || m < 1 || m > 366)
    throw new BaselineInputError('bad_frequency', 'periodsPerYear must be an integer in 1..366');
  if (series.some((s) => s.periodsPerYear !== m))
    throw new BaselineInputError('mixed_frequency', 'all series of a group must share periodsPerYear');
  return m;
}

/** Trains one pooled model across all series of a group. */
export async function trainGroupModel(series: readonly SeriesInput[], opts: TrainOptions): Promise<TrainedGroupModel> {
  const t0 = performance.now();
  const m = checkInputs(series, opts);
  const H = opts.horizon;
  const seed = opts.seed ?? 1;
  const levels = [...new Set([...(opts.quantiles ?? []), ...INTERVAL_LEVELS])]
    .filter((l) => l > 0 && l < 1)
    .sort((a, b) => a - b);
  const Q = levels.length;
  const mid = levels.indexOf(0.5);
  const usePromo = series.some((s) => s.promo?.some(Boolean) ?? false);
  const useTenure = series.some((s) => (s.tenure?.length ?? 0) > 0);
  const spec = defaultSpec(m, H, usePromo, useTenure);
  const d = featureSize(spec);
  const prepared = series.map(prepare);
  const S = prepared.length;
  // recent origins per series: more for small groups, fewer for very large ones (≤ ~60k windows)
  const originsPerSeries = Math.max(2, Math.min(40, Math.max(12, Math.ceil(6000 / S)), Math.floor(60_000 / S)));
  // the backtest uses every series up to MAX_CAL_SERIES, then an even subsample of them
  const calStride = Math.max(1, Math.ceil(S / MAX_CAL_SERIES));

  // 1. training windows: targets stop H periods before the end of each series
  const X: number[] = [];
  const Y: number[] = [];
  const M: number[] = [];
  let nWin = 0;
  const useNet = opts.network !== false;
  for (const p of prepared) {
    const n = p.values.length;
    const calStart = Math.max(MIN_HISTORY, n - H);
    if (!useNet) break;
    for (let o = Math.max(MIN_HISTORY, calStart - originsPerSeries); o < calStart; o++) {
      const w = buildWindow(p.values, o, spec, p.ctx);
      for (let j = 0; j < d; j++) X.push(w.x[j]!);
      for (let h = 0; h < H; h++) {
        const ok = o + h < calStart;
        const y = ok ? (p.values[o + h]! - w.base[h]!) / w.noise : 0;
        Y.push(Math.max(-30, Math.min(30, y)));
        M.push(ok ? 1 : 0);
      }
      nWin++;
    }
  }
  const tWindows = performance.now();
  let net: NetWeights | null = null;
  if (useNet && nWin >= 30) {
    net = await trainQuantileNet(Float64Array.from(X), Float64Array.from(Y), Float64Array.from(M), nWin, {
      H,
      levels,
      seed: seed * 7919,
      steps: opts.steps,
    });
  }

  const tNet = performance.now();
  // 2. rolling-origin backtest over the last H periods of each series
  const cal: CalPoint[] = [];
  prepared.forEach((p, si) => {
    if (si % calStride !== 0) return;
    const n = p.values.length;
    const sc = maseScale(p.values, m) || 1;
    for (let o = Math.max(MIN_HISTORY, n - H); o < n; o++) {
      const w = buildWindow(p.values, o, spec, p.ctx);
      const out = net ? predictNet(net, w.x) : null;
      let mean = 0;
      const k = Math.min(o, Math.max(m, 4));
      for (let i = o - k; i < o; i++) mean += p.values[i]! / k;
      for (let h = 0; o + h < n && h < H; h++) {
        const y = p.values[o + h]!;
        cal.push({
          series: si,
          h,
          y,
          base: w.base[h]!,
          scale: w.scale,
          noise: w.noise,
          mase: sc,
          net: out ? out.subarray(h * Q, (h + 1) * Q) : null,
          rel: mean !== 0 ? (y - mean) / Math.abs(mean) : 0,
        });
      }
    }
  });

  // 3. weight of the network's median correction, by scaled absolute error on the backtest
  const err = (c: CalPoint, wgt: number) => Math.abs(c.y - (c.base + wgt * c.noise * (c.net?.[mid] ?? 0))) / c.mase;
  let netWeight = 0;
  const maseAt = (wgt: number) => cal.reduce((a, c) => a + err(c, wgt), 0) / Math.max(1, cal.length);
  if (net && cal.length > 0) {
    let best = maseAt(0);
    for (const wgt of [0.25, 0.5, 0.75, 1]) {
      const v = maseAt(wgt);
      if (v < best - 1e-9) {
        best = v;
        netWeight = wgt;
      }
    }
  }
  const rawQuantiles = (c: CalPoint): number[] =>
    levels.map((_, q) => c.base + c.noise * (c.net ? netWeight * c.net[mid]! + (c.net[q]! - c.net[mid]!) : 0));

  // 4. conformal offsets per horizon, and cross-fitted (2-fold by series) coverage
  const scoresFor = (pts: CalPoint[]): HorizonScores[] => {
    const byH: HorizonScores[] = Array.from({ length: H }, () => ({ scores: levels.map(() => []), series: [] }));
    for (const c of pts) {
      const raw = rawQuantiles(c);
      const slot = byH[c.h]!;
      raw.forEach((v, q) => slot.scores[q]!.push((c.y - v) / c.noise));
      slot.series.push(c.series);
    }
    return byH;
  };
  const offsets = conformalOffsets(scoresFor(cal), levels);
  const i025 = levels.indexOf(0.025),
    i975 = levels.indexOf(0.975),
    i10 = levels.indexOf(0.1),
    i90 = levels.indexOf(0.9);
  const coverage80 = new Array<number>(H).fill(0),
    coverage95 = new Array<number>(H).fill(0);
  const raw80 = new Array<number>(H).fill(0),
    raw95 = new Array<number>(H).fill(0);
  const count = new Array<number>(H).fill(0);
  for (const fold of [0, 1]) {
    const fit = cal.filter((c) => Math.floor(c.series / calStride) % 2 === fold);
    const test = cal.filter((c) => Math.floor(c.series / calStride) % 2 !== fold);
    if (fit.length === 0) continue;
    const off = conformalOffsets(scoresFor(fit), levels);
    for (const c of test) {
      const raw = rawQuantiles(c);
      const adj = enforceMonotone(
        raw.map((v, q) => v + off[c.h]![q]! * c.noise),
        mid,
      );
      const inside = (lo: number, hi: number) => (c.y >= lo && c.y <= hi ? 1 : 0);
      coverage80[c.h]! += inside(adj[i10]!, adj[i90]!);
      coverage95[c.h]! += inside(adj[i025]!, adj[i975]!);
      raw80[c.h]! += inside(raw[i10]!, raw[i90]!);
      raw95[c.h]! += inside(raw[i025]!, raw[i975]!);
      count[c.h]! += 1;
    }
  }
  const share = (a: number[]) => a.map((v, h) => (count[h]! > 0 ? v / count[h]! : Number.NaN));
  const backtest: BacktestFigures = {
    n: count,
    coverage80: share(coverage80),
    coverage95: share(coverage95),
    rawCoverage80: share(raw80),
    rawCoverage95: share(raw95),
    maseModel: maseAt(netWeight),
    maseClassical: maseAt(0),
  };

  // 5. cold-start distributions
  const relQuantiles = Array.from({ length: H }, (_, h) => {
    const rel = cal.filter((c) => c.h === h).map((c) => c.rel);
    return levels.map((l) => sampleQuantile(rel, l));
  });
  const recent = prepared
    .filter((p) => p.values.length > 0)
    .map((p) => {
      const k = Math.min(p.values.length, Math.max(m, 4));
      return p.values.slice(-k).reduce((a, b) => a + b, 0) / k;
    });
  const levelQuantiles = levels.map((l) => sampleQuantile(recent, l));

  return {
    kind: MODEL_KIND,
    version: 1,
    spec,
    levels,
    net,
    netWeight,
    offsets,
    backtest,
    coldStart: { minHistory: MIN_HISTORY, relQuantiles, levelQuantiles },
    trainedOn: {
      series: S,
      windows: nWin,
      calibration: cal.length,
      seconds: (performance.now() - t0) / 1000,
      seed,
      phases: {
        windows: (tWindows - t0) / 1000,
        network: (tNet - tWindows) / 1000,
        calibration: (performance.now() - tNet) / 1000,
      },
    },
  };
}
