/**
 * Suggested targets and warning lines for a role, metric and period, per person, from the active
 * baseline model: floor (warning line), baseline, target and stretch are stated quantiles of the
 * calibrated predictive distribution, mirrored when lower is better. Forecasts of a whole scope
 * are cached (one JSON document per model version and period) while the history, the people and
 * the calendar are unchanged.
 */
import { BaselineInputError } from '../baselines/index.js';
import { forecastPacked, type PackedForecasts } from '../baselines/parallel.js';
import type { Queryable } from '../db/types.js';
import { DomainError, NotFoundError } from '../lib/errors.js';
import { parsePeriod, shiftPeriod, type Period, type PeriodKind } from '../history/period.js';
import { isPromotionPeriod, periodDistance } from './cycles.js';
import { activeModel, type ActiveModel } from './models.js';
import { applyOverrides, loadOverrides, type AppliedOverride } from './overrides.js';
import { attainment, median, percentileOf, quantileAt } from './quantiles.js';
import {
  emptySeries,
  gridStarts,
  loadScopeHistory,
  personSeries,
  promoFlags,
  scopeId,
  tenureMonths,
  type ScopeKey,
} from './series.js';

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

/**
 * A target that cannot be computed or set, with a stable code: bad_period, no_model, no_history,
 * no_history_before_period, horizon_too_long, value_out_of_range, wrong_role and the baselines'
 * input codes (src/baselines/errors.ts). The HTTP statuses are the error plugin's (src/plugins/errors.ts).
 */
export class TargetError extends DomainError {}

export interface MetricInfo {
  id: string;
  direction: 'higher' | 'lower';
  indicator_group: 'sales' | 'efficiency' | 'customer_experience' | 'innovation';
  unit: string;
  min_value: number | null;
  max_value: number | null;
}

export async function metricInfo(db: Queryable, id: string): Promise<MetricInfo> {
  const r = await db.query<MetricInfo>(
    'select id, direction, indicator_group, unit, min_value, max_value from metrics where id = $1',
    [id],
  );
  if (!r.rows[0]) throw new NotFoundError(`metric ${id}`);
  return r.rows[0];
}

export async function assertRole(db: Queryable, id: string): Promise<void> {
  const r = await db.query('select 1 from roles where id = $1', [id]);
  if (r.rows.length === 0) throw new NotFoundError(`role ${id}`);
}

export function parseTargetPeriod(text: string): Period {
  const p = parsePeriod(text);
  if (!p)
    throw new TargetError(
      'bad_period',
      `'${text}' is not a period (ISO week 2026-W07, month 2026-03 or quarter 2026-Q1)`,
    );
  return p;
}

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

function encodeSet(set: ForecastSet): string {
  return JSON.stringify({ ...set, v: CACHE_FORMAT, cold: b64(set.cold), q: b64(set.q), d: b64(set.d) });
}

/** The cached set, or null when the payload is of another format (then it is recomputed and replaced). */
function decodeSet(payload: string): ForecastSet | null {
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
 * What a scope's forecasts depend on besides the model: the history (its latest change, through
 * an index on kpi_history.updated_at, so any upload invalidates every cached set), the role's
 * people and the calendar. Cheap: three aggregates, no scan of the history.
 */
async function fingerprint(db: Queryable, role: string): Promise<string> {
  const r = await db.query<{ f: string }>(
    `select coalesce((select max(updated_at)::text from kpi_history), '') || '|' ||
            (select count(*)::text || '/' || coalesce(max(updated_at)::text, '') from employees where role_id = $1) || '|' ||
            (select count(*)::text || '/' || coalesce(max(updated_at)::text, '') from calendar_events) as f`,
    [role],
  );
  return r.rows[0]!.f;
}

/**
 * The forecast origin for `period`: the period itself when history reaches it (a past period:
 * "what did we expect"), else the period after the last one with data; h = steps from there.
 */
function origin(last: Period, period: Period): { cutoff: Period; h: number } {
  if (period.start <= last.start) return { cutoff: period, h: 1 };
  const cutoff = shiftPeriod(last, 1);
  return { cutoff, h: periodDistance(cutoff, period) + 1 };
}

/** Forecasts of everyone in the scope for `period`, from the cache when still valid. */
export async function forecastSet(
  db: Queryable,
  key: ScopeKey,
  period: Period,
  active?: ActiveModel,
): Promise<{ set: ForecastSet; model: ActiveModel; cached: boolean }> {
  const am = active ?? (await activeModel(db, key));
  if (!am)
    throw new TargetError(
      'no_model',
      `no active baseline model for ${scopeId(key)}; train one with POST /v1/baselines/train`,
    );
  const print = await fingerprint(db, key.role);
  const hit = await db.query<{ fingerprint: string; payload: string }>(
    'select fingerprint, payload from baseline_forecast_cache where model_id = $1 and period = $2',
    [am.version.id, period.id],
  );
  const cached = hit.rows[0]?.fingerprint === print ? decodeSet(hit.rows[0].payload) : null;
  if (cached) return { set: cached, model: am, cached: true };

  const set = await computeSet(db, key, period, am);
  // entries of versions no longer active are dead weight (a promotion or rollback makes new ones)
  await db.query(
    `delete from baseline_forecast_cache c where not exists (select 1 from model_versions v where v.id = c.model_id and v.status = 'active')`,
  );
  await db.query(
    `insert into baseline_forecast_cache (model_id, period, fingerprint, payload) values ($1, $2, $3, $4)
     on conflict (model_id, period) do update set fingerprint = excluded.fingerprint, payload = excluded.payload, computed_at = now()`,
    [am.version.id, period.id, print, encodeSet(set)],
  );
  return { set, model: am, cached: false };
}

/** Rounds to 7 significant digits (faster than toPrecision). */
const r7 = (x: number): number => {
  if (x === 0 || !Number.isFinite(x)) return x;
  const e = 10 ** (6 - Math.floor(Math.log10(Math.abs(x))));
  return Math.round(x * e) / e;
};

async function computeSet(db: Queryable, key: ScopeKey, period: Period, am: ActiveModel): Promise<ForecastSet> {
  const hist = await loadScopeHistory(db, key, { through: period });
  if (!hist) throw new TargetError('no_history', `no ${key.kind}ly history of ${key.metric} for role ${key.role}`);
  let lastData = 0;
  for (const p of hist.people) lastData = Math.max(lastData, p.last);
  const { cutoff, h } = origin(hist.grid.periods[lastData]!, period);
  const H = am.model.spec.H;
  if (h > H) {
    throw new TargetError(
      'horizon_too_long',
      `${period.id} is ${h} periods after the last data (${shiftPeriod(cutoff, -1).id}); the ${scopeId(key)} model forecasts at most ${H}`,
    );
  }
  const end = hist.grid.pos.get(cutoff.id);
  if (end === undefined || end === 0)
    throw new TargetError(
      'no_history_before_period',
      `no ${key.metric} history of role ${key.role} before ${period.id}`,
    );
  const at = hist.grid.pos.get(period.id)!;
  const promo = promoFlags(hist, H);
  const starts = gridStarts(hist, H);
  const stale = STALE_AFTER[key.kind];
  const series = [];
  for (const p of hist.people) {
    if (p.first >= end) {
      // no history before the origin: a cold start if they were there by the period
      if (p.first <= at) series.push(emptySeries(hist, p.id, end, H, promo, tenureMonths(starts, p)));
      continue;
    }
    let recent = false;
    for (let i = end - 1; i >= Math.max(p.first, end - stale); i--) if (!Number.isNaN(p.values[i]!)) recent = true;
    if (recent) series.push(personSeries(hist, p, end, H, promo, tenureMonths(starts, p)));
  }
  for (const p of hist.withoutHistory) {
    if (p.hireDate && p.hireDate > period.end) continue;
    series.push(emptySeries(hist, p.id, end, H, promo, tenureMonths(starts, { hireDate: p.hireDate, first: end })));
  }
  let f: PackedForecasts;
  try {
    // on this thread and the forecasting helper thread at once (src/baselines/parallel.ts)
    f = await forecastPacked(am.model, series, h, am.version.id);
  } catch (err) {
    if (err instanceof BaselineInputError) throw new TargetError(err.code, err.message);
    throw err;
  }
  // 7 significant digits: far below any KPI's precision, and answers read 12.34567, not 12.345670000000002
  for (const a of [f.q, f.d]) for (let i = 0; i < a.length; i++) a[i] = r7(a[i]!);
  return {
    model_id: am.version.id,
    period: period.id,
    h,
    through: shiftPeriod(cutoff, -1).id,
    levels: am.model.levels,
    promotion: isPromotionPeriod(period, hist.events),
    ids: f.ids,
    cold: f.cold,
    q: f.q,
    d: f.d,
  };
}

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

/** Targets for every person of the role (or one person) for a metric and period. */
export async function scopeTargets(
  db: Queryable,
  key: ScopeKey,
  period: Period,
  opts: { employeeId?: string; metric?: MetricInfo; active?: ActiveModel } = {},
): Promise<TargetsAnswer> {
  const metric = opts.metric ?? (await metricInfo(db, key.metric));
  const { set, model } = await forecastSet(db, key, period, opts.active);
  const choice = QUANTILE_CHOICE[metric.direction];
  const lo = metric.min_value ?? -Infinity;
  const hi = metric.max_value ?? Infinity;
  const actuals = new Map(
    (
      await db.query<{ employee_id: string; value: number }>(
        `select employee_id, value from kpi_history where metric_id = $1 and period_kind = $2 and period_start = $3 and ($4::text is null or employee_id = $4)`,
        [key.metric, period.kind, period.start, opts.employeeId ?? null],
      )
    ).rows.map((r) => [r.employee_id, r.value]),
  );
  const overrides = await loadOverrides(db, key, period.id);
  const L = set.levels;
  const names = L.map(pName);
  // interpolation positions of the stated levels, once per request (the levels are the model's)
  const probe = L.map((_, j) => j);
  const lines = [choice.floor, choice.baseline, choice.target, choice.stretch, 0.1, 0.9, 0.025, 0.975];
  const pos = lines.map((l) => quantileAt(L, probe, l));
  const people: PersonTarget[] = [];
  const q = new Array<number>(L.length);
  const v = new Array<number>(lines.length);
  for (let i = 0; i < set.ids.length; i++) {
    const id = set.ids[i]!;
    if (opts.employeeId && id !== opts.employeeId) continue;
    const quantiles: Record<string, number> = {};
    for (let j = 0; j < L.length; j++) {
      const x = set.q[i * L.length + j]!;
      q[j] = Math.min(Math.max(x, lo), hi);
      quantiles[names[j]!] = q[j]!;
    }
    for (let k = 0; k < pos.length; k++) {
      const at = pos[k]!;
      const j = Math.floor(at);
      v[k] = j >= L.length - 1 ? q[L.length - 1]! : q[j]! + (q[j + 1]! - q[j]!) * (at - j);
    }
    const [floor, baseline, suggested, stretch, p10, p90, p025, p975] = v as [
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    const { target, override } =
      overrides.size > 0 ? applyOverrides(overrides, id, suggested) : { target: suggested, override: null };
    const actual = actuals.get(id) ?? null;
    const d = set.d.subarray(i * 5, i * 5 + 5);
    people.push({
      employee_id: id,
      cold_start: set.cold[i] === 1,
      floor,
      baseline,
      target,
      stretch,
      suggested_target: suggested,
      override,
      interval80: [p10, p90],
      interval95: [p025, p975],
      quantiles,
      drivers: { level: d[0]!, trend: d[1]!, seasonality: d[2]!, promotion: d[3]!, other: d[4]! },
      actual,
      attainment: actual === null ? null : attainment(actual, target, metric.direction),
      percentile: actual === null ? null : percentileOf(L, q, actual),
      below_floor: actual === null ? null : metric.direction === 'higher' ? actual < floor : actual > floor,
    });
  }
  const med = (line: Line) => median(people.map((p) => p[line]));
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
      cold_start: people.filter((p) => p.cold_start).length,
      with_actual: people.filter((p) => p.actual !== null).length,
      below_floor: people.filter((p) => p.below_floor).length,
      overridden: people.filter((p) => p.override).length,
      median: { floor: med('floor'), baseline: med('baseline'), target: med('target'), stretch: med('stretch') },
    },
    people,
  };
}

/**
 * Computes and caches the forecasts for the period after the scope's last data (the one HR asks
 * for), so that the first request is served from the cache. Returns that period, or null.
 */
export async function warmNextPeriod(db: Queryable, key: ScopeKey): Promise<string | null> {
  const r = await db.query<{ last: string | null }>(
    `select max(h.period) as last from kpi_history h where h.metric_id = $2 and h.period_kind = $3
       and h.period_start = (select max(x.period_start) from kpi_history x where x.metric_id = $2 and x.period_kind = $3
                               and exists (select 1 from employees e where e.id = x.employee_id and e.role_id = $1))`,
    [key.role, key.metric, key.kind],
  );
  if (!r.rows[0]?.last) return null;
  const next = shiftPeriod(parsePeriod(r.rows[0].last)!, 1);
  try {
    await forecastSet(db, key, next);
    return next.id;
  } catch (err) {
    if (err instanceof TargetError) return null;
    throw err;
  }
}
