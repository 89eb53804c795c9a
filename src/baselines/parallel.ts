/**
 * Forecasting many series at once on this thread and a helper thread: the first part of the
 * series goes to the helper, this thread forecasts the rest meanwhile, and the two packed results
 * are joined in order — the numbers are exactly those of `forecast` on one thread.
 *
 * One helper per process where there are two or more cores, started by `startForecastThread()` (the
 * server does at start unless FORECAST_THREAD=false); until it is up, and without it, everything runs here.
 * It keeps the models it was sent (up to 32, by key), so a model crosses once, not per request.
 * An idle helper does not keep the process alive; if it fails, forecasting goes on here.
 */
import { availableParallelism } from 'node:os';
import { ThreadChannel } from '../lib/thread.js';
import { BaselineInputError, type BaselineErrorCode } from './errors.js';
import type { TrainedGroupModel } from './model.js';
import { forecastStepInto } from './predict.js';
import type { SeriesInput } from './types.js';

/** One step of many forecasts, packed: row i of `q` (Q values, the model's levels) and of `d` (5 drivers). */
export interface PackedForecasts {
  ids: string[];
  /** 1 where the series was forecast as a cold start */
  cold: Uint8Array;
  q: Float64Array;
  /** level, trend, seasonality, promotion, other */
  d: Float64Array;
}

/** Forecasts `series` at step `h` on this thread. */
export function packForecasts(model: TrainedGroupModel, series: readonly SeriesInput[], h: number): PackedForecasts {
  const Q = model.levels.length;
  const out: PackedForecasts = {
    ids: new Array<string>(series.length),
    cold: new Uint8Array(series.length),
    q: new Float64Array(series.length * Q),
    d: new Float64Array(series.length * 5),
  };
  forecastStepInto(model, series, h, out);
  return out;
}

function join(a: PackedForecasts, b: PackedForecasts): PackedForecasts {
  const cat = <T extends Float64Array | Uint8Array>(x: T, y: T, make: (n: number) => T): T => {
    const r = make(x.length + y.length);
    r.set(x);
    r.set(y, x.length);
    return r;
  };
  return {
    ids: a.ids.concat(b.ids),
    cold: cat(a.cold, b.cold, (n) => new Uint8Array(n)),
    q: cat(a.q, b.q, (n) => new Float64Array(n)),
    d: cat(a.d, b.d, (n) => new Float64Array(n)),
  };
}

/** Series as a few typed arrays (transferred, not copied, to the helper; cloning 5,000 objects cost more than half the forecasting saved). */
export interface PackedSeries {
  ids: string[];
  periodsPerYear: Int32Array;
  /** start year and index per series; -1 index: no start */
  startYear: Int32Array;
  startIndex: Int32Array;
  /** series i's values are values[vOff[i], vOff[i+1]); its promo and tenure (when present) [xOff[i], xOff[i+1]) */
  vOff: Int32Array;
  values: Float64Array;
  xOff: Int32Array;
  /** bit 1: has promo, bit 2: has tenure */
  has: Uint8Array;
  promo: Uint8Array;
  tenure: Float64Array;
}

export function packSeries(series: readonly SeriesInput[]): PackedSeries {
  const n = series.length;
  let nv = 0;
  let nx = 0;
  for (const x of series) {
    nv += x.values.length;
    nx += Math.max(x.promo?.length ?? 0, x.tenure?.length ?? 0);
  }
  const p: PackedSeries = {
    ids: series.map((x) => x.id),
    periodsPerYear: new Int32Array(n),
    startYear: new Int32Array(n),
    startIndex: new Int32Array(n),
    vOff: new Int32Array(n + 1),
    values: new Float64Array(nv),
    xOff: new Int32Array(n + 1),
    has: new Uint8Array(n),
    promo: new Uint8Array(nx),
    tenure: new Float64Array(nx),
  };
  let v = 0;
  let o = 0;
  series.forEach((x, i) => {
    p.periodsPerYear[i] = x.periodsPerYear;
    p.startYear[i] = x.start?.year ?? 0;
    p.startIndex[i] = x.start ? x.start.index : -1;
    for (const value of x.values) p.values[v++] = value;
    p.vOff[i + 1] = v;
    const len = Math.max(x.promo?.length ?? 0, x.tenure?.length ?? 0);
    p.has[i] = (x.promo ? 1 : 0) | (x.tenure ? 2 : 0);
    for (let k = 0; k < len; k++) {
      p.promo[o + k] = x.promo?.[k] ? 1 : 0;
      p.tenure[o + k] = x.tenure?.[k] ?? 0;
    }
    o += len;
    p.xOff[i + 1] = o;
  });
  return p;
}

/**
 * The series of `packSeries` again. Promotion flags and tenure equal to the previous series' are that
 * array again (most people of a scope share them; forecasting only reads them): building two arrays a
 * series was a fifth of the helper thread's time, mostly in collecting them.
 */
export function unpackSeries(p: PackedSeries): SeriesInput[] {
  let promo: boolean[] = [];
  let tenure: number[] = [];
  return p.ids.map((id, i) => {
    const values: number[] = [];
    for (let k = p.vOff[i]!; k < p.vOff[i + 1]!; k++) values.push(p.values[k]!);
    const s: SeriesInput = { id, values, periodsPerYear: p.periodsPerYear[i]! };
    if (p.startIndex[i]! >= 0) s.start = { year: p.startYear[i]!, index: p.startIndex[i]! };
    const from = p.xOff[i]!;
    const len = p.xOff[i + 1]! - from;
    if (p.has[i]! & 1) {
      let same = promo.length === len;
      for (let k = 0; same && k < len; k++) same = promo[k] === (p.promo[from + k] === 1);
      if (!same) {
        promo = [];
        for (let k = 0; k < len; k++) promo.push(p.promo[from + k] === 1);
      }
      s.promo = promo;
    }
    if (p.has[i]! & 2) {
      let same = tenure.length === len;
      for (let k = 0; same && k < len; k++) same = Object.is(tenure[k], p.tenure[from + k]);
      if (!same) {
        tenure = [];
        for (let k = 0; k < len; k++) tenure.push(p.tenure[from + k]!);
      }
      s.tenure = tenure;
    }
    return s;
  });
}

const buffers = (p: PackedSeries): ArrayBuffer[] =>
  [p.periodsPerYear, p.startYear, p.startIndex, p.vOff, p.values, p.xOff, p.has, p.promo, p.tenure].map(
    (a) => a.buffer as ArrayBuffer,
  );

interface Helper {
  channel: ThreadChannel<PackedForecasts>;
  /** model keys the helper holds, oldest first */
  models: string[];
}

let helper: Helper | undefined;
let failed = false;
const MAX_MODELS = 32;
/** Below this many series one thread is as fast (the copies cost more than they save). */
const MIN_SERIES = 1000;

/** Starts the helper thread (no-op on one core, when running, or after it failed). */
export function startForecastThread(): void {
  if (helper || failed || availableParallelism() < 2) return;
  const h: Helper = {
    channel: new ThreadChannel<PackedForecasts>('./forecast-thread', null, import.meta.url, {
      error: (e) => (e.code ? new BaselineInputError(e.code as BaselineErrorCode, e.message) : new Error(e.message)),
      onFailure: () => {
        if (helper === h) helper = undefined;
        failed = true;
      },
    }),
    models: [],
  };
  helper = h;
}

/** Resolves true once the helper thread is ready (false on one core or when it failed). */
export async function forecastThreadReady(timeoutMs = 30_000): Promise<boolean> {
  startForecastThread();
  const until = Date.now() + timeoutMs;
  while (helper && !helper.channel.ready && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  return helper?.channel.ready === true;
}

/** Stops the helper thread (tests, shutdown); `startForecastThread` starts a new one. */
export async function stopForecastThread(): Promise<void> {
  const h = helper;
  helper = undefined;
  await h?.channel.terminate();
  failed = false;
}

function onHelper(
  h: Helper,
  model: TrainedGroupModel,
  modelKey: string | undefined,
  series: readonly SeriesInput[],
  step: number,
): Promise<PackedForecasts> {
  const known = modelKey !== undefined && h.models.includes(modelKey);
  if (modelKey !== undefined && !known) {
    h.models.push(modelKey);
    if (h.models.length > MAX_MODELS) h.channel.worker.postMessage({ evict: h.models.shift() });
  }
  const packed = packSeries(series);
  return h.channel.request({ modelKey, model: known ? undefined : model, series: packed, h: step }, buffers(packed));
}

/**
 * `packForecasts` split between this thread and the helper when it is ready and the set is large.
 * `modelKey` (e.g. the model version id) lets the helper keep the model between requests.
 * @throws BaselineInputError as `forecast` does (bad horizon, mixed frequency)
 */
export async function forecastPacked(
  model: TrainedGroupModel,
  series: readonly SeriesInput[],
  h: number,
  modelKey?: string,
): Promise<PackedForecasts> {
  const hp = helper;
  if (!hp?.channel.ready || series.length < MIN_SERIES) return packForecasts(model, series, h);
  // the helper also rebuilds the series objects (≈ 20 % of its time) and runs slower per series than
  // this thread here: a 35 % share finished with this thread's 65 % in the runs of bench:targets
  const cut = Math.floor(series.length * 0.35);
  const first = series.slice(0, cut);
  const there = onHelper(hp, model, modelKey, first, h);
  there.catch(() => {}); // awaited below, unless this thread's part fails first
  const here = packForecasts(model, series.slice(cut), h);
  let done: PackedForecasts;
  try {
    done = await there;
  } catch (err) {
    if (err instanceof BaselineInputError) throw err;
    done = packForecasts(model, first, h); // the helper died: do its part here
  }
  return join(done, here);
}
