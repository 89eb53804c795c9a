/**
 * SQL of the targets: the metric and role catalogue checks, the cached forecast sets
 * (baseline_forecast_cache), the actual values of a period, and the fingerprints of the data
 * that forecasts and training depend on. The maths is in target-lines.ts, the flow in targets.ts.
 */
import { compactChangeLog } from '../db/change-log.js';
import type { Queryable } from '../db/types.js';
import type { Period } from '../history/period.js';
import { NotFoundError } from '../lib/errors.js';
import type { ScopeKey } from './series.js';

export interface MetricInfo {
  id: string;
  direction: 'higher' | 'lower';
  indicator_group: 'sales' | 'efficiency' | 'customer_experience' | 'innovation';
  unit: string;
  min_value: number | null;
  max_value: number | null;
}

/** @throws NotFoundError when the metric is not in the catalogue */
export async function metricInfo(db: Queryable, id: string): Promise<MetricInfo> {
  const r = await db.query<MetricInfo>(
    'select id, direction, indicator_group, unit, min_value, max_value from metrics where id = $1',
    [id],
  );
  if (!r.rows[0]) throw new NotFoundError(`metric ${id}`);
  return r.rows[0];
}

/** @throws NotFoundError when the role is not in the catalogue */
export async function assertRole(db: Queryable, id: string): Promise<void> {
  const r = await db.query('select 1 from roles where id = $1', [id]);
  if (r.rows.length === 0) throw new NotFoundError(`role ${id}`);
}

/** The role of an employee, or null when there is no such employee. */
export async function roleOfEmployee(db: Queryable, id: string): Promise<string | null> {
  const r = await db.query<{ role_id: string }>('select role_id from employees where id = $1', [id]);
  return r.rows[0]?.role_id ?? null;
}

/** Rows of forecast_changes past which a store of a forecast set folds them into one. */
export const FORECAST_CHANGES_COMPACT_AFTER = 500;

/**
 * What a scope's forecasts depend on besides the model: the history, the people and the calendar,
 * as the version of forecast_changes (migration 025: one row per committed transaction that wrote any
 * of them, a late commit included), so any upload invalidates every cached set. Cheap: one aggregate
 * over a table that compaction keeps small.
 */
export async function forecastFingerprint(db: Queryable): Promise<string> {
  const r = await db.query<{ f: string }>(
    `select coalesce(sum(n), 0)::text || ':' || coalesce(max(id), 0)::text as f from forecast_changes`,
  );
  return r.rows[0]!.f;
}

/** Folds forecast_changes into one row past FORECAST_CHANGES_COMPACT_AFTER rows (every cached set is computed once more). */
export const compactForecastChanges = (db: Queryable): Promise<boolean> =>
  compactChangeLog(db, 'forecast_changes', FORECAST_CHANGES_COMPACT_AFTER);

/**
 * What training depends on: the count and latest change of the history, the employees and the
 * calendar. The same training request on the same data is the same job.
 */
export async function trainingDataState(db: Queryable): Promise<string> {
  const r = await db.query<{ s: string }>(
    `select (select count(*)::text || '/' || coalesce(max(updated_at)::text, '') from kpi_history) || '|' ||
            (select count(*)::text || '/' || coalesce(max(updated_at)::text, '') from employees) || '|' ||
            (select count(*)::text || '/' || coalesce(max(updated_at)::text, '') from calendar_events) as s`,
  );
  return r.rows[0]!.s;
}

/** The cached forecast set of a model version and period, with the fingerprint it was computed under. */
export async function cachedForecast(
  db: Queryable,
  modelId: string,
  period: string,
): Promise<{ fingerprint: string; payload: string } | null> {
  const hit = await db.query<{ fingerprint: string; payload: string }>(
    'select fingerprint, payload from baseline_forecast_cache where model_id = $1 and period = $2',
    [modelId, period],
  );
  return hit.rows[0] ?? null;
}

/** Stores a forecast set; entries of versions no longer active go (a promotion or rollback makes new ones). */
export async function storeForecast(
  db: Queryable,
  modelId: string,
  period: string,
  fingerprint: string,
  payload: string,
): Promise<void> {
  await compactForecastChanges(db);
  await db.query(
    `delete from baseline_forecast_cache c where not exists (select 1 from model_versions v where v.id = c.model_id and v.status = 'active')`,
  );
  await db.query(
    `insert into baseline_forecast_cache (model_id, period, fingerprint, payload) values ($1, $2, $3, $4)
     on conflict (model_id, period) do update set fingerprint = excluded.fingerprint, payload = excluded.payload, computed_at = now()`,
    [modelId, period, fingerprint, payload],
  );
}

/** Recorded values of the scope's metric for `period`, by employee (one employee when given). */
export async function actualValues(
  db: Queryable,
  key: ScopeKey,
  period: Period,
  employeeId?: string,
): Promise<Map<string, number>> {
  const r = await db.query<{ employee_id: string; value: number }>(
    `select employee_id, value from kpi_history where metric_id = $1 and period_kind = $2 and period_start = $3 and ($4::text is null or employee_id = $4)`,
    [key.metric, period.kind, period.start, employeeId ?? null],
  );
  return new Map(r.rows.map((x) => [x.employee_id, x.value]));
}

/**
 * The last period id with a value of the scope's metric from someone of its role, or null: read from
 * the history index newest first down to the first value of someone of the role (a period's start names
 * it within a kind), not by scanning every value of the metric (≈ 120,000 for 10,000 people: it was the
 * largest part of a desk page).
 */
export async function lastPeriodWithData(db: Queryable, key: ScopeKey): Promise<string | null> {
  const r = await db.query<{ period: string }>(
    `select x.period from kpi_history x where x.metric_id = $2 and x.period_kind = $3
        and exists (select 1 from employees e where e.id = x.employee_id and e.role_id = $1)
      order by x.period_start desc limit 1`,
    [key.role, key.metric, key.kind],
  );
  return r.rows[0]?.period ?? null;
}
