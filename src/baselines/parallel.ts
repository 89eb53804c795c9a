/**
 * Forecasting many series at once on this thread and a helper thread: the series are cut into chunks,
 * the helper takes them from the front and this thread from the back until they meet (whichever runs
 * faster does more), each row written in its place — the numbers are exactly those of `forecast` on one thread.
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
 * The series of `packSeries` again (those from `first` to `end`). Promotion flags and tenure equal to
 * the previous series' are that array again (most people of a scope share them; forecasting only reads them): building two arrays a
 * series was a fifth of the helper thread's time, mostly in collecting them.
 */
export function unpackSeries(p: PackedSeries, first = 0, end = p.ids.length): SeriesInput[] {
  let promo: boolean[] = [];
  let tenure: number[] = [];
  return p.ids.slice(first, end).map((id, j) => {
    const i = first + j;
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

/**
 * The work of one `forecastPacked` call shared with the helper, in chunks of CHUNK series: the helper
 * takes chunks from the front (only of the series it was sent), this thread from the back, each the next
 * one free, until they meet — whichever thread runs faster (the other may wait for a core on a shared
 * machine) forecasts more. `state` (shared): [0] the chunks taken, the front's count in the low 16 bits
 * and the back's first taken chunk in the high 16; [1] the chunks the helper has finished (in order).
 * The helper writes its rows of q, d and cold into the shared arrays.
 */
export interface SharedWork {
  state: Int32Array;
  q: Float64Array;
  d: Float64Array;
  cold: Uint8Array;
  chunk: number;
}

/** Takes the next free chunk from the front (never at or past `limit`) or from the back; -1 when none is left. */
export function takeChunk(state: Int32Array, front: boolean, limit = 0xffff): number {
  for (;;) {
    const v = Atomics.load(state, 0);
    const f = v & 0xffff;
    const b = v >>> 16;
    if (f >= b || (front && f >= limit)) return -1;
    const next = front ? (f + 1) | (b << 16) : f | ((b - 1) << 16);
    if (Atomics.compareExchange(state, 0, v, next) === v) return front ? f : b - 1;
  }
}

/** The helper's side of a shared call: its chunks of `series` (the first series of the call) into `work`; answers how many. */
export function helperChunks(model: TrainedGroupModel, series: PackedSeries, h: number, work: SharedWork): number {
  const limit = Math.floor(series.ids.length / work.chunk);
  const ids = new Array<string>(work.cold.length);
  let done = 0;
  for (let c = takeChunk(work.state, true, limit); c >= 0; c = takeChunk(work.state, true, limit)) {
    const from = c * work.chunk;
    const part = unpackSeries(series, from, Math.min(series.ids.length, from + work.chunk));
    forecastStepInto(model, part, h, { ids, cold: work.cold, q: work.q, d: work.d }, from);
    Atomics.store(work.state, 1, ++done);
  }
  return done;
}

interface Helper {
  channel: ThreadChannel<number>;
  /** model keys the helper holds, oldest first */
  models: string[];
}

let helper: Helper | undefined;
let failed = false;
const MAX_MODELS = 32;
/** Below this many series one thread is as fast (the copies cost more than they save). */
const MIN_SERIES = 1000;
/** Series per chunk of a shared call. */
const CHUNK = 250;
/**
 * The share of a call's series sent to the helper (it can forecast at most these): the helper also
 * rebuilds the series objects and ran slower per series than this thread (a fixed 35 % share finished
 * with this thread's 65 % in quiet runs of bench:targets); the rest of the share is for when this thread waits.
 */
const HELPER_SHARE = 0.6;

/** Starts the helper thread (no-op on one core, when running, or after it failed). */
export function startForecastThread(): void {
  if (helper || failed || availableParallelism() < 2) return;
  const h: Helper = {
    channel: new ThreadChannel<number>('./forecast-thread', null, import.meta.url, {
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

/**
 * `packForecasts` shared with the helper when it is ready and the set is large (see `SharedWork`):
 * the same numbers, whichever thread forecasts a series. `modelKey` (e.g. the model version id) lets
 * the helper keep the model between requests.
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
  const n = series.length;
  const Q = model.levels.length;
  const sent = CHUNK * Math.floor((n * HELPER_SHARE) / CHUNK); // whole chunks
  const chunks = Math.ceil(n / CHUNK);
  const work: SharedWork = {
    state: new Int32Array(new SharedArrayBuffer(8)),
    q: new Float64Array(new SharedArrayBuffer(sent * Q * 8)),
    d: new Float64Array(new SharedArrayBuffer(sent * 5 * 8)),
    cold: new Uint8Array(new SharedArrayBuffer(sent)),
    chunk: CHUNK,
  };
  work.state[0] = chunks << 16;
  const known = modelKey !== undefined && hp.models.includes(modelKey);
  if (modelKey !== undefined && !known) {
    hp.models.push(modelKey);
    if (hp.models.length > MAX_MODELS) hp.channel.worker.postMessage({ evict: hp.models.shift() });
  }
  const packed = packSeries(series.slice(0, sent));
  const there = hp.channel.request(
    { modelKey, model: known ? undefined : model, series: packed, h, work },
    buffers(packed),
  );
  there.catch(() => {}); // awaited below, unless this thread's part fails first
  const out: PackedForecasts = {
    ids: series.map((x) => x.id),
    cold: new Uint8Array(n),
    q: new Float64Array(n * Q),
    d: new Float64Array(n * 5),
  };
  try {
    for (let c = takeChunk(work.state, false); c >= 0; c = takeChunk(work.state, false)) {
      const from = c * CHUNK;
      forecastStepInto(model, series.slice(from, Math.min(n, from + CHUNK)), h, { ...out, ids: [] }, from);
    }
  } catch (err) {
    Atomics.store(work.state, 0, 0); // the helper takes no more
    throw err;
  }
  // the front's chunks: finished by the helper (waited for unless all are), or done here if it failed
  let front = Atomics.load(work.state, 0) & 0xffff;
  if (Atomics.load(work.state, 1) < front) {
    try {
      await there;
    } catch (err) {
      if (err instanceof BaselineInputError) throw err;
      // the helper died: the chunks it took and did not finish are done here
      const done = Atomics.load(work.state, 1);
      const from = done * CHUNK;
      forecastStepInto(model, series.slice(from, Math.min(n, front * CHUNK)), h, { ...out, ids: [] }, from);
      front = done;
    }
  }
  const rows = Math.min(n, front * CHUNK);
  out.q.set(work.q.subarray(0, rows * Q));
  out.d.set(work.d.subarray(0, rows * 5));
  out.cold.set(work.cold.subarray(0, rows));
  return out;
}
