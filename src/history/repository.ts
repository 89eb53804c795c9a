/**
 * Employees and KPI history: ingestion targets (validation + idempotent upsert) and reads.
 */
import { z } from 'zod';
import { copyField } from '../db/copy.js';
import type { Queryable } from '../db/types.js';
import { countUpsert, type IngestTarget, type Numbered } from '../ingest/pipeline.js';
import * as f from '../ingest/fields.js';
import { unknownEmployeeReason, unknownIds } from '../ingest/references.js';
import { parsePeriod } from './period.js';
import type { EmployeeInput, HistoryInput, RowError } from './types.js';

export const employeeRowSchema = z.object({
  id: f.id,
  role: f.id,
  team: f.optionalText(100),
  hire_date: f.optionalDate,
}) satisfies z.ZodType<EmployeeInput>;

export const historyRowSchema = z.object({
  employee_id: f.id,
  metric_id: f.id,
  period: f.period,
  value: f.finiteNumber,
}) satisfies z.ZodType<HistoryInput>;

/** historyRowSchema's answer for the common row, or undefined to let the schema decide (f.quick). */
export function quickHistoryRow(r: Record<string, unknown>): HistoryInput | undefined {
  const employee_id = f.quick.id(r.employee_id);
  if (employee_id === undefined) return undefined;
  const metric_id = f.quick.id(r.metric_id);
  if (metric_id === undefined) return undefined;
  const period = f.quick.period(r.period);
  if (period === undefined) return undefined;
  const value = f.quick.number(r.value);
  if (value === undefined) return undefined;
  return { employee_id, metric_id, period, value };
}

export const employeeTarget: IngestTarget<EmployeeInput> = {
  what: 'employees',
  required: ['id', 'role'],
  schema: employeeRowSchema,
  key: (r) => r.id,
  keyFields: 'id',
  async check(db, rows) {
    const missing = await unknownIds(
      db,
      'roles',
      rows.map((r) => r.value.role),
    );
    return rows
      .filter((r) => missing.has(r.value.role))
      .map((r) => ({ row: r.row, field: 'role', reason: `unknown role '${r.value.role}' (see GET /v1/roles)` }));
  },
  upsert: (tx, rows) =>
    countUpsert(
      tx,
      `insert into employees (id, role_id, team, hire_date)
       select * from unnest($1::text[], $2::text[], $3::text[], $4::date[])
       on conflict (id) do update set role_id = excluded.role_id, team = excluded.team, hire_date = excluded.hire_date, updated_at = now()
       where (employees.role_id, employees.team, employees.hire_date) is distinct from (excluded.role_id, excluded.team, excluded.hire_date)`,
      [rows.map((r) => r.id), rows.map((r) => r.role), rows.map((r) => r.team), rows.map((r) => r.hire_date)],
    ),
};

interface MetricBounds {
  id: string;
  min_value: number | null;
  max_value: number | null;
  unit: string;
}

/** An upserted history row replaces the value (and the days it was rolled up from) only when it changed. */
const HISTORY_CONFLICT = `on conflict (employee_id, metric_id, period) do update set value = excluded.value, source = excluded.source,
           covered_days = null, total_days = null, updated_at = now()
         where kpi_history.value is distinct from excluded.value or kpi_history.covered_days is not null`;

/** A period's columns in a COPY line (id, kind, start), tabs around; written once per period. */
const periodColumns = new Map<string, string>();

/** The COPY text of history rows for kpi_history_stage (e, m, p, k, s, v), a line each. */
function historyCopyText(rows: readonly HistoryInput[]): string {
  let text = '';
  for (const r of rows) {
    let middle = periodColumns.get(r.period);
    if (middle === undefined) {
      const p = parsePeriod(r.period)!;
      middle = `\t${copyField(p.id)}\t${p.kind}\t${p.start}\t`;
      if (periodColumns.size >= 50_000) periodColumns.clear();
      periodColumns.set(r.period, middle);
    }
    text += `${copyField(r.employee_id)}\t${copyField(r.metric_id)}${middle}${copyField(r.value)}\n`;
  }
  return text;
}

/** History rows from `source` ('api', 'sycm', 'ga4', 'demo'). */
export function historyTarget(source: string): IngestTarget<HistoryInput> {
  return {
    what: 'history rows',
    required: ['employee_id', 'metric_id', 'period', 'value'],
    schema: historyRowSchema,
    fast: quickHistoryRow,
    key: (r) => `${r.employee_id}\u0000${r.metric_id}\u0000${r.period}`,
    keyFields: 'employee_id, metric_id, period',
    async check(db, rows) {
      const errors: RowError[] = [];
      const missingEmployees = await unknownIds(
        db,
        'employees',
        rows.map((r) => r.value.employee_id),
      );
      const metrics = new Map(
        (await db.query<MetricBounds>('select id, min_value, max_value, unit from metrics')).rows.map((m) => [m.id, m]),
      );
      for (const { row, value: v } of rows) {
        if (missingEmployees.has(v.employee_id))
          errors.push({ row, field: 'employee_id', reason: unknownEmployeeReason(v.employee_id) });
        const m = metrics.get(v.metric_id);
        if (!m) {
          errors.push({ row, field: 'metric_id', reason: `unknown metric '${v.metric_id}' (see GET /v1/metrics)` });
          continue;
        }
        if ((m.min_value !== null && v.value < m.min_value) || (m.max_value !== null && v.value > m.max_value)) {
          const range = `${m.min_value ?? '−∞'}–${m.max_value ?? '∞'}`;
          errors.push({
            row,
            field: 'value',
            reason: `${v.value} is outside ${range} for ${m.id} (unit ${m.unit}${m.unit === 'ratio' ? ': send 0.0325 for 3.25 %' : ''})`,
          });
        }
      }
      return errors;
    },
    upsert(tx, rows) {
      const periods = rows.map((r) => parsePeriod(r.period)!);
      return countUpsert(
        tx,
        `insert into kpi_history (employee_id, metric_id, period, period_kind, period_start, value, source)
         select e, m, p, k, s, v, $7 from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::date[], $6::float8[]) as t(e, m, p, k, s, v)
         ${HISTORY_CONFLICT}`,
        [
          rows.map((r) => r.employee_id),
          rows.map((r) => r.metric_id),
          periods.map((p) => p.id),
          periods.map((p) => p.kind),
          periods.map((p) => p.start),
          rows.map((r) => r.value),
          source,
        ],
      );
    },
    copy: {
      prepare: `create temp table if not exists kpi_history_stage (e text, m text, p text, k text, s date, v float8) on commit drop;
         truncate kpi_history_stage`,
      statement: 'copy kpi_history_stage (e, m, p, k, s, v) from stdin',
      lines: historyCopyText,
      upsert: (tx) =>
        countUpsert(
          tx,
          `insert into kpi_history (employee_id, metric_id, period, period_kind, period_start, value, source)
           select e, m, p, k, s, v, $1 from kpi_history_stage ${HISTORY_CONFLICT}`,
          [source],
        ),
    },
  };
}

export type { Numbered };

export interface StoredEmployee {
  id: string;
  role: string;
  team: string | null;
  hire_date: string | null;
}

export async function listEmployees(
  db: Queryable,
  q: { role?: string | undefined; team?: string | undefined; limit: number; offset: number },
): Promise<StoredEmployee[]> {
  const r = await db.query<StoredEmployee>(
    `select id, role_id as role, team, hire_date from employees where ($1::text is null or role_id = $1) and ($2::text is null or team = $2) order by id limit $3 offset $4`,
    [q.role ?? null, q.team ?? null, q.limit, q.offset],
  );
  return r.rows;
}

export async function getEmployee(db: Queryable, id: string): Promise<StoredEmployee | null> {
  const r = await db.query<StoredEmployee>('select id, role_id as role, team, hire_date from employees where id = $1', [
    id,
  ]);
  return r.rows[0] ?? null;
}

export interface StoredHistory {
  employee_id: string;
  metric_id: string;
  period: string;
  period_kind: string;
  period_start: string;
  value: number;
  source: string;
  /** Days the value was rolled up from, of `total_days` (null for a value uploaded as a period). */
  covered_days: number | null;
  total_days: number | null;
  /** False for a period rolled up from fewer days than it has (an import with partial=include). */
  complete: boolean;
}

export async function listHistory(
  db: Queryable,
  q: {
    employee_id?: string | undefined;
    metric_id?: string | undefined;
    kind?: string | undefined;
    from?: string | undefined;
    to?: string | undefined;
    limit: number;
    offset: number;
  },
): Promise<StoredHistory[]> {
  const r = await db.query<StoredHistory>(
    `select employee_id, metric_id, period, period_kind, period_start, value, source, covered_days, total_days,
       (covered_days is null or covered_days >= total_days) as complete
     from kpi_history
     where ($1::text is null or employee_id = $1) and ($2::text is null or metric_id = $2) and ($3::text is null or period_kind = $3)
       and ($4::date is null or period_start >= $4) and ($5::date is null or period_start <= $5)
     order by employee_id, metric_id, period_start limit $6 offset $7`,
    [q.employee_id ?? null, q.metric_id ?? null, q.kind ?? null, q.from ?? null, q.to ?? null, q.limit, q.offset],
  );
  return r.rows;
}

/** How many employees are stored (0: a first start). */
export async function countEmployees(db: Queryable): Promise<number> {
  const r = await db.query<{ n: number }>('select count(*)::int8 as n from employees');
  return Number(r.rows[0]?.n ?? 0);
}
