/**
 * Prediction with a trained group model, in plain JS over the exported weights (no tf calls):
 * classical fit → network correction → conformal offsets → non-crossing quantiles and drivers.
 */
import { enforceMonotone } from './calibration.js';
import { BaselineInputError } from './errors.js';
import { buildWindow } from './features.js';
import { bucketKey, offsetCell, prepare, stackBin, type TrainedGroupModel } from './model.js';
import { predictSteps } from './network.js';
import { GAR, GAR2, memberForecasts, NET, SETS } from './stacking.js';
import type { ForecastStep, SeriesForecast, SeriesInput } from './types.js';

interface LevelIndex {
  keys: string[];
  i10: number;
  i25: number;
  i50: number;
  i75: number;
  i90: number;
  i025: number;
  i975: number;
}

const levelIndex = new WeakMap<TrainedGroupModel, LevelIndex>();

function indexOf(model: TrainedGroupModel): LevelIndex {
  let li = levelIndex.get(model);
  if (!li) {
    const at = (l: number) => model.levels.indexOf(l);
    li = {
      keys: model.levels.map(String),
      i10: at(0.1),
      i25: at(0.25),
      i50: at(0.5),
      i75: at(0.75),
      i90: at(0.9),
      i025: at(0.025),
      i975: at(0.975),
    };
    levelIndex.set(model, li);
  }
  return li;
}

function step(li: LevelIndex, h: number, q: number[], drivers: ForecastStep['drivers']): ForecastStep {
  const quantiles: Record<string, number> = {};
  for (let i = 0; i < q.length; i++) quantiles[li.keys[i]!] = q[i]!;
  return {
    h: h + 1,
    p10: q[li.i10]!,
    p25: q[li.i25]!,
    p50: q[li.i50]!,
    p75: q[li.i75]!,
    p90: q[li.i90]!,
    lo80: q[li.i10]!,
    hi80: q[li.i90]!,
    lo95: q[li.i025]!,
    hi95: q[li.i975]!,
    quantiles,
    drivers,
  };
}

function meanOf(xs: readonly (number | null)[]): number | null {
  const ok = xs.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  return ok.length > 0 ? ok.reduce((a, b) => a + b, 0) / ok.length : null;
}

/** Mean over steps of the cross-fitted backtest coverage stored with the model. */
export function backtestCoverage(model: TrainedGroupModel): SeriesForecast['backtestCoverage'] {
  return { c80: meanOf(model.backtest.coverage80), c95: meanOf(model.backtest.coverage95) };
}

/** Whether any of flags [from, to) is set. */
function anyPromo(flags: readonly boolean[] | undefined, from: number, to: number): boolean {
  if (!flags) return false;
  for (let i = from; i < Math.min(to, flags.length); i++) if (flags[i]) return true;
  return false;
}

/** Receives step `h` (0-based) of a forecast: the quantiles (aligned with the model's levels) and the drivers. */
type StepSink = (
  h: number,
  q: number[],
  level: number,
  trend: number,
  seasonality: number,
  promotion: number,
  other: number,
) => void;

/**
 * The forecast of one series, steps `from`..`horizon − 1` (0-based) handed to `sink`; answers whether
 * it was a cold start. `forecast` takes every step as objects, `packForecasts` one step into typed
 * arrays (no objects per step; the other steps are not computed: each step is independent of the others).
 */
function forecastSteps(
  model: TrainedGroupModel,
  series: SeriesInput,
  horizon: number,
  from: number,
  sink: StepSink,
): boolean {
  const { spec, levels } = model;
  if (!Number.isInteger(horizon) || horizon < 1)
    throw new BaselineInputError('bad_horizon', 'horizon must be a positive integer');
  if (horizon > spec.H)
    throw new BaselineInputError('horizon_too_long', `this model forecasts at most ${spec.H} periods`);
  if (series.periodsPerYear !== spec.m) {
    throw new BaselineInputError(
      'mixed_frequency',
      `model expects periodsPerYear ${spec.m}, got ${series.periodsPerYear}`,
    );
  }
  const Q = levels.length;
  const li = indexOf(model);
  const mid = li.i50;
  const p = prepare(series);
  const n = p.values.length;

  if (n < model.coldStart.minHistory) {
    // cold start: the group's distribution, scaled by what is known
    const mean = n > 0 ? p.values.reduce((a, b) => a + b, 0) / n : 0;
    for (let h = from; h < horizon; h++) {
      const q =
        n > 0 && mean !== 0
          ? model.coldStart.relQuantiles[h]!.map((r) => mean + Math.abs(mean) * r)
          : n > 0
            ? (Array(Q).fill(mean) as number[])
            : model.coldStart.levelQuantiles.slice();
      enforceMonotone(q, mid);
      sink(h, q, q[mid]!, 0, 0, 0, 0);
    }
    return true;
  }

  // the feature vector only feeds the network
  const w = buildWindow(p.values, n, spec, p.ctx, undefined, model.net !== null);
  let out: Float64Array | null = null;
  let noPromo: Float64Array | null = null;
  if (model.net) {
    out = new Float64Array(model.net.H * model.net.levels.length);
    // with future promotions, the same features with their flags cleared too: the promotion driver
    if (w.promoIndex >= 0 && anyPromo(p.ctx.promo, n, n + horizon)) noPromo = new Float64Array(out.length);
    // only what steps from..horizon − 1 read (each the number of the whole pass, `predictNet`)
    predictSteps(
      model.net,
      w.x,
      from,
      horizon,
      out,
      noPromo ? { at: w.promoIndex, len: spec.H, out: noPromo } : undefined,
    );
  }
  const cf = w.classical;
  const stack = model.version === 2 ? model.stack : undefined;
  const q = new Array<number>(Q);
  if (stack) {
    // version 2: the stacked members, offsets of the series' scale bucket
    const rows = stack.weights[stackBin(stack, p.values, spec.m, cf.decomposition.seasonal)]!;
    let withEts = false;
    for (let h = 0; h < horizon; h++) if (rows[h]![SETS]! > 0) withEts = true;
    const hist = p.values;
    // the AR members a stored model's rows weigh (rows stored before a member have no column for it)
    const cols = rows[0]!.length;
    const f = memberForecasts(
      hist,
      w,
      (h) => (out ? out[h * Q + mid]! : 0),
      spec.m,
      spec.H,
      withEts,
      {
        start: stack.etsStart,
        iters: stack.etsIters,
        auto: stack.etsMode !== undefined,
        plain: stack.etsMode === 'all',
      },
      undefined,
      cols > GAR ? model.globalAr : null,
      cols > GAR2 ? model.globalAr2 : null,
    );
    const so = model.scaleOffsets;
    const offs = so ? so.offsets[offsetCell(so, bucketKey(w), cf.decomposition.seasonal)]! : model.offsets;
    const widen = so?.widen;
    const spread = so?.spread ?? 1;
    for (let h = from; h < horizon; h++) {
      const o = h * Q;
      const row = rows[h]!;
      let med = 0;
      // a model stored before a member was added has shorter rows: its members come first
      for (let j = 0; j < row.length; j++) med += row[j]! * f[j * spec.H + h]!;
      const netMed = out ? out[o + mid]! : 0;
      const off = offs[h]!;
      for (let i = 0; i < Q; i++) q[i] = med + w.noise * ((out ? spread * (out[o + i]! - netMed) : 0) + off[i]!);
      enforceMonotone(q, mid);
      if (widen) for (let i = 0; i < Q; i++) q[i] = med + widen[i]! * (q[i]! - med);
      const level = cf.level;
      const trend = cf.trendPath[h]! - level;
      const seasonality = w.base[h]! - cf.trendPath[h]!;
      const promotion = noPromo ? w.noise * row[NET]! * (netMed - noPromo[o + mid]!) : 0;
      const other = q[mid]! - level - trend - seasonality - promotion;
      sink(h, q, level, trend, seasonality, promotion, other);
    }
    return false;
  }
  for (let h = from; h < horizon; h++) {
    const o = h * Q;
    const med = out ? out[o + mid]! : 0;
    const off = model.offsets[h]!;
    for (let i = 0; i < Q; i++) {
      const spread = out ? out[o + i]! - med : 0;
      q[i] = w.base[h]! + w.noise * (model.netWeight * med + spread + off[i]!);
    }
    enforceMonotone(q, mid);
    const level = cf.level;
    const trend = cf.trendPath[h]! - level;
    const seasonality = w.base[h]! - cf.trendPath[h]!;
    const promotion = noPromo ? w.noise * model.netWeight * (med - noPromo[o + mid]!) : 0;
    const other = q[mid]! - level - trend - seasonality - promotion;
    sink(h, q, level, trend, seasonality, promotion, other);
  }
  return false;
}

/** Forecasts one series `horizon` steps ahead (default: the model's horizon). */
export function forecast(model: TrainedGroupModel, series: SeriesInput, horizon = model.spec.H): SeriesForecast {
  const li = indexOf(model);
  const steps: ForecastStep[] = [];
  const coldStart = forecastSteps(model, series, horizon, 0, (h, q, level, trend, seasonality, promotion, other) =>
    steps.push(step(li, h, q.slice(), { level, trend, seasonality, promotion, other })),
  );
  return { id: series.id, coldStart, backtestCoverage: backtestCoverage(model), steps };
}

/**
 * Step `h` (1-based) of the forecast of each series, into row `at + i` of `q` (the model's levels)
 * and of `d` (level, trend, seasonality, promotion, other), and `cold`: the numbers of `forecast`.
 */
export function forecastStepInto(
  model: TrainedGroupModel,
  series: readonly SeriesInput[],
  h: number,
  out: { ids: string[]; cold: Uint8Array; q: Float64Array; d: Float64Array },
  at = 0,
): void {
  const Q = model.levels.length;
  let row = 0;
  const sink: StepSink = (_h, q, level, trend, seasonality, promotion, other) => {
    for (let j = 0; j < Q; j++) out.q[row * Q + j] = q[j]!;
    const o = row * 5;
    out.d[o] = level;
    out.d[o + 1] = trend;
    out.d[o + 2] = seasonality;
    out.d[o + 3] = promotion;
    out.d[o + 4] = other;
  };
  for (let i = 0; i < series.length; i++) {
    row = at + i;
    const s = series[i]!;
    out.ids[row] = s.id;
    out.cold[row] = forecastSteps(model, s, h, Math.max(0, h - 1), sink) ? 1 : 0;
  }
}

/** Forecasts many series with the same model. */
export function forecastMany(
  model: TrainedGroupModel,
  series: readonly SeriesInput[],
  horizon = model.spec.H,
): SeriesForecast[] {
  return series.map((s) => forecast(model, s, horizon));
}
