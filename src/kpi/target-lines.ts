/**
 * The pure part of the targets: the stated quantile behind each line (floor, baseline, target,
 * stretch; mirrored when lower is better), the cached forecast set's format, the forecast origin,
 * and one scope's answer from a forecast set, the actual values and the overrides. No SQL: the
 * store is targets-store.ts, the flow (cache or compute, then answer) targets.ts.
 */
import type { Period, PeriodKind } from '../history/period.js';
import { shiftPeriod } from '../history/period.js';
import { periodDistance } from './cycles.js';
import type { ActiveModel } from './models.js';
import { type AppliedOverride, applyOverrides, type loadOverrides } from './overrides.js';
import { attainment, medianInPlace, percentileOf, quantileAt } from './quantiles.js';
import type { ScopeKey } from './series.js';
import type { MetricInfo } from './targets-store.js';

/** Levels trained in addition to the core's P2.5/P10/P25/P50/P75/P90/P97.5, for the target lines. */
export const TARGET_LEVELS = [0.3, 0.7] as const;

export type Line = 'floor' | 'baseline' | 'target' | 'stretch';

/** The stated quantile behind each line; mirrored when lower is better (handling times). */
export const QUANTILE_CHOICE: Readonly<Record<'higher' | 'lower', Readonly<Record<Line, number>>>> = {
  higher: { floor: 0.1, baseline: 0.5, target: 0.7, stretch: 0.9 },
  lower: { floor: 0.9, baseline: 0.5, target: 0.3, stretch: 0.1 },
};

/** A person counts in a scope's targets while their last value is at most this many periods old. */
export const STALE_AFTER: Readonly<Record<PeriodKind, number>> = { week: 8, month: 3, quarter: 2 };

/** Cached forecasts of every person of a scope for one period (step `h` from the origin). */
export interface ForecastSet {
  model_id: string;
  period: string;
  /** Periods ahead of the last period used (1 = the next one). */
  h: number;
  /** Last period of history the forecasts use. */
  through: string;
  levels: number[];
  promotion: boolean;
  ids: string[];
  /** 1 where person i was forecast as a cold start */
  cold: Uint8Array;
  /** Quantiles, row i (levels.length values, aligned with `levels`) for person i; 7 significant digits. */
  q: Float64Array;
  /** Drivers, row i (5 values) for person i: level, trend, seasonality, promotion, other. */
  d: Float64Array;
}

/** Cache payload version: JSON with the three arrays as base64 (decoding 10,000 rows costs ≈ 1 ms, JSON arrays ≈ 10 ms). */
const CACHE_FORMAT = 2;
const b64 = (a: Uint8Array | Float64Array): string =>
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
function fromB64<T extends Uint8Array | Float64Array>(text: string, make: (b: ArrayBuffer) => T, width: number): T {
  const raw = Buffer.from(text, 'base64');
  const copy = new ArrayBuffer(raw.byteLength - (raw.byteLength % width)); // aligned, owned
  new Uint8Array(copy).set(raw.subarray(0, copy.byteLength));
  return make(copy);
}

export function encodeSet(set: ForecastSet): string {
  return JSON.stringify({ ...set, v: CACHE_FORMAT, cold: b64(set.cold), q: b64(set.q), d: b64(set.d) });
}

/** The cached set, or null when the payload is of another format (then it is recomputed and replaced). */
export function decodeSet(payload: string): ForecastSet | null {
  const o = JSON.parse(payload) as Omit<ForecastSet, 'cold' | 'q' | 'd'> & {
    v?: number;
    cold: string;
    q: string;
    d: string;
  };
  if (o.v !== CACHE_FORMAT) return null;
  const { v: _v, ...rest } = o;
  return {
    ...rest,
    cold: fromB64(o.cold, (b) => new Uint8Array(b), 1),
    q: fromB64(o.q, (b) => new Float64Array(b), 8),
    d: fromB64(o.d, (b) => new Float64Array(b), 8),
  };
}

/**
 * The forecast origin for `period`: the period itself when history reaches it (a past period:
 * "what did we expect"), else the period after the last one with data; h = steps from there.
 */
export function origin(last: Period, period: Period): { cutoff: Period; h: number } {
  if (period.start <= last.start) return { cutoff: period, h: 1 };
  const cutoff = shiftPeriod(last, 1);
  return { cutoff, h: periodDistance(cutoff, period) + 1 };
}

/** The powers of ten 1e-300 … 1e300 (exact decimal literals: the bounds of the decades). */
const P10 = Array.from({ length: 601 }, (_, i) => Number(`1e${i - 300}`));
/** The scale of `r7` in each decade: `10 ** (6 - k)` for x in [1e k, 1e k+1), as `r7` computes it. */
const R7_SCALE = Array.from({ length: 601 }, (_, i) => 10 ** (6 - (i - 300)));
let decade = 300;

/**
 * Rounds to 7 significant digits (faster than toPrecision): x·e rounded, then / e, with
 * e = 10 ^ (6 − ⌊log10 |x|⌋). The decade is found among the powers of ten, starting from the last
 * value's (a set's values are of a few decades): `Math.log10` only where it could round across a
 * power of ten (within 1e-12 of one) and outside 1e±300 — the same e to the bit, ≈ 3 × faster.
 */
export const r7 = (x: number): number => {
  if (x === 0 || !Number.isFinite(x)) return x;
  const a = Math.abs(x);
  let k = decade;
  while (k > 0 && a < P10[k]!) k--;
  while (k < 599 && a >= P10[k + 1]!) k++;
  decade = k;
  const e =
    a < P10[k]! * (1 + 1e-12) || a > P10[k + 1]! * (1 - 1e-12) ? 10 ** (6 - Math.floor(Math.log10(a))) : R7_SCALE[k]!;
  return Math.round(x * e) / e;
};

export interface PersonTarget {
  employee_id: string;
  cold_start: boolean;
  floor: number;
  baseline: number;
  target: number;
  stretch: number;
  suggested_target: number;
  override: AppliedOverride | null;
  interval80: [number, number];
  interval95: [number, number];
  quantiles: Record<string, number>;
  drivers: { level: number; trend: number; seasonality: number; promotion: number; other: number };
  actual: number | null;
  attainment: number | null;
  percentile: number | null;
  below_floor: boolean | null;
}

export interface TargetsAnswer {
  role: string;
  metric: string;
  period: string;
  period_kind: PeriodKind;
  direction: 'higher' | 'lower';
  indicator_group: MetricInfo['indicator_group'];
  unit: string;
  model_version: string;
  data_through: string;
  periods_ahead: number;
  promotion_period: boolean;
  quantiles_used: Record<Line, string>;
  coverage: { nominal80: 0.8; measured80: number | null; nominal95: 0.95; measured95: number | null };
  summary: {
    people: number;
    cold_start: number;
    with_actual: number;
    below_floor: number;
    overridden: number;
    median: Record<Line, number | null>;
  };
  people: PersonTarget[];
}

const pName = (l: number) => `P${Number((l * 100).toFixed(1))}`;

/** The quantile names of every model trained here (the core's seven levels and TARGET_LEVELS). */
const STANDARD_NAMES = 'P2.5,P10,P25,P30,P50,P70,P75,P90,P97.5';

/**
 * Builds a person's quantiles object from the values in level order: for the standard levels one
 * object literal (a third of the answer's time went to adding the nine keys one by one), else key by key.
 */
function quantileRecord(names: readonly string[]): (q: readonly number[]) => Record<string, number> {
  if (names.join() === STANDARD_NAMES)
    return (q) => ({
      'P2.5': q[0]!,
      P10: q[1]!,
      P25: q[2]!,
      P30: q[3]!,
      P50: q[4]!,
      P70: q[5]!,
      P75: q[6]!,
      P90: q[7]!,
      'P97.5': q[8]!,
    });
  return (q) => {
    const out: Record<string, number> = {};
    for (let j = 0; j < names.length; j++) out[names[j]!] = q[j]!;
    return out;
  };
}

/**
 * One scope's answer: every person of the forecast set (or `employeeId` alone) with the lines,
 * intervals, quantiles and drivers clamped to the metric's bounds, the override in force, and the
 * actual value with its attainment and percentile where one is recorded.
 */
export function targetsAnswer(
  key: ScopeKey,
  period: Period,
  metric: MetricInfo,
  set: ForecastSet,
  model: ActiveModel,
  actuals: ReadonlyMap<string, number>,
  overrides: Awaited<ReturnType<typeof loadOverrides>>,
  employeeId?: string,
): TargetsAnswer {
  const choice = QUANTILE_CHOICE[metric.direction];
  const lo = metric.min_value ?? -Infinity;
  const hi = metric.max_value ?? Infinity;
  const L = set.levels;
  const names = L.map(pName);
  const record = quantileRecord(names);
  // interpolation positions of the stated levels, once per request (the levels are the model's)
  const probe = L.map((_, j) => j);
  const lines = [choice.floor, choice.baseline, choice.target, choice.stretch, 0.1, 0.9, 0.025, 0.975];
  const pos = lines.map((l) => quantileAt(L, probe, l));
  const n = employeeId ? 1 : set.ids.length;
  const people: PersonTarget[] = [];
  const q = new Array<number>(L.length);
  const v = new Array<number>(lines.length);
  // the four lines of everyone for the summary's medians, and its counts, gathered in the one pass
  const meds = [new Float64Array(n), new Float64Array(n), new Float64Array(n), new Float64Array(n)] as const;
  let cold = 0;
  let withActual = 0;
  let belowFloor = 0;
  let overridden = 0;
  for (let i = 0; i < set.ids.length; i++) {
    const id = set.ids[i]!;
    if (employeeId && id !== employeeId) continue;
    for (let j = 0; j < L.length; j++) q[j] = Math.min(Math.max(set.q[i * L.length + j]!, lo), hi);
    const quantiles = record(q);
    for (let k = 0; k < pos.length; k++) {
      const at = pos[k]!;
      const j = Math.floor(at);
      v[k] = j >= L.length - 1 ? q[L.length - 1]! : q[j]! + (q[j + 1]! - q[j]!) * (at - j);
    }
    const floor = v[0]!;
    const suggested = v[2]!;
    const { target, override } =
      overrides.size > 0 ? applyOverrides(overrides, id, suggested) : { target: suggested, override: null };
    const actual = actuals.get(id) ?? null;
    const below = actual === null ? null : metric.direction === 'higher' ? actual < floor : actual > floor;
    const isCold = set.cold[i] === 1;
    const at = people.length;
    meds[0][at] = floor;
    meds[1][at] = v[1]!;
    meds[2][at] = target;
    meds[3][at] = v[3]!;
    if (isCold) cold++;
    if (actual !== null) withActual++;
    if (below) belowFloor++;
    if (override) overridden++;
    const d = i * 5;
    people.push({
      employee_id: id,
      cold_start: isCold,
      floor,
      baseline: v[1]!,
      target,
      stretch: v[3]!,
      suggested_target: suggested,
      override,
      interval80: [v[4]!, v[5]!],
      interval95: [v[6]!, v[7]!],
      quantiles,
      drivers: {
        level: set.d[d]!,
        trend: set.d[d + 1]!,
        seasonality: set.d[d + 2]!,
        promotion: set.d[d + 3]!,
        other: set.d[d + 4]!,
      },
      actual,
      attainment: actual === null ? null : attainment(actual, target, metric.direction),
      percentile: actual === null ? null : percentileOf(L, q, actual),
      below_floor: below,
    });
  }
  const med = (k: 0 | 1 | 2 | 3) => medianInPlace(meds[k].subarray(0, people.length));
  return {
    role: key.role,
    metric: key.metric,
    period: period.id,
    period_kind: period.kind,
    direction: metric.direction,
    indicator_group: metric.indicator_group,
    unit: metric.unit,
    model_version: model.version.id,
    data_through: set.through,
    periods_ahead: set.h,
    promotion_period: set.promotion,
    quantiles_used: {
      floor: pName(choice.floor),
      baseline: pName(choice.baseline),
      target: pName(choice.target),
      stretch: pName(choice.stretch),
    },
    coverage: { nominal80: 0.8, measured80: model.coverage.c80, nominal95: 0.95, measured95: model.coverage.c95 },
    summary: {
      people: people.length,
      cold_start: cold,
      with_actual: withActual,
      below_floor: belowFloor,
      overridden,
      median: { floor: med(0), baseline: med(1), target: med(2), stretch: med(3) },
    },
    people,
  };
}
