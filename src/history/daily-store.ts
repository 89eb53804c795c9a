/**
 * The daily grain of imported history (table `kpi_daily`, migration 009): the values per
 * (employee, shop, quantity, day) an import read, and the period rows of `kpi_history` rolled up
 * from them with their day coverage. SQL only; the roll-up itself is `rollUp`
 * (src/history/importers/aggregate.ts) and the workflow is the ingestion service's.
 */
import type { Db, Queryable } from '../db/types.js';
import { countUpsert } from '../ingest/pipeline.js';
import type { Warning } from '../lib/warnings.js';
import {
  type DailyMetric,
  type DailyValue,
  type PartialPolicy,
  type PeriodCoverage,
  rollUp,
} from './importers/aggregate.js';
import { type PeriodKind, parsePeriod, periodOf } from './period.js';
import type { HistoryInput } from './types.js';

export interface DayCounts {
  received: number;
  inserted: number;
  updated: number;
  unchanged: number;
  /** Stored values of other spans (e.g. a monthly range) the new days overlapped, deleted. */
  replaced: number;
}

const CHUNK = 2000;

/**
 * Stores daily values: a value already stored for the same (employee, shop, quantity, day) is
 * replaced (re-sending a day changes nothing), and a stored value of another span that overlaps a
 * new one of the same series (a monthly range, then daily rows of that month) is deleted.
 */
export async function writeDays(tx: Queryable, days: readonly DailyValue[], source: string): Promise<DayCounts> {
  let inserted = 0;
  let updated = 0;
  let replaced = 0;
  for (let i = 0; i < days.length; i += CHUNK) {
    const chunk = days.slice(i, i + CHUNK);
    const cols = [
      chunk.map((d) => d.employee_id),
      chunk.map((d) => d.shop),
      chunk.map((d) => d.metric),
      chunk.map((d) => d.date),
      chunk.map((d) => d.through),
    ];
    const del = await tx.query(
      `delete from kpi_daily k using unnest($1::text[], $2::text[], $3::text[], $4::date[], $5::date[]) as n(e, s, m, d, t)
       where k.employee_id = n.e and k.shop = n.s and k.metric = n.m and k.day <= n.t and k.through >= n.d
         and not (k.day = n.d and k.through = n.t)`,
      cols,
    );
    replaced += del.rowCount;
    const r = await countUpsert(
      tx,
      `insert into kpi_daily (employee_id, shop, metric, day, through, value, weight, source)
       select e, s, m, d, t, v, w, $8 from unnest($1::text[], $2::text[], $3::text[], $4::date[], $5::date[], $6::float8[], $7::float8[]) as n(e, s, m, d, t, v, w)
       on conflict (employee_id, shop, metric, day) do update
         set through = excluded.through, value = excluded.value, weight = excluded.weight, source = excluded.source, updated_at = now()
       where (kpi_daily.through, kpi_daily.value, kpi_daily.weight) is distinct from (excluded.through, excluded.value, excluded.weight)`,
      [...cols, chunk.map((d) => d.value), chunk.map((d) => d.weight ?? null), source],
    );
    inserted += r.inserted;
    updated += r.updated;
  }
  return { received: days.length, inserted, updated, unchanged: days.length - inserted - updated, replaced };
}

export interface PeriodSpan {
  employee_id: string;
  /** Inclusive `YYYY-MM-DD` bounds. */
  start: string;
  end: string;
  period?: string;
}

/** Every stored value (all shops) of each employee that starts inside one of the spans. */
export async function readDays(q: Queryable, spans: readonly PeriodSpan[]): Promise<DailyValue[]> {
  if (spans.length === 0) return [];
  const r = await q.query<{
    employee_id: string;
    shop: string;
    metric: DailyMetric;
    day: string;
    through: string;
    value: number | null;
    weight: number | null;
  }>(
    `select distinct k.employee_id, k.shop, k.metric, k.day, k.through, k.value, k.weight
     from kpi_daily k join unnest($1::text[], $2::date[], $3::date[]) as p(e, s, t)
       on k.employee_id = p.e and k.day >= p.s and k.day <= p.t
     order by k.employee_id, k.shop, k.day, k.metric`,
    [spans.map((s) => s.employee_id), spans.map((s) => s.start), spans.map((s) => s.end)],
  );
  return r.rows.map((x) => ({
    employee_id: x.employee_id,
    shop: x.shop,
    date: x.day,
    through: x.through,
    metric: x.metric,
    value: x.value,
    ...(x.weight === null ? {} : { weight: x.weight }),
  }));
}

/** The (employee, period) pairs among `keys` whose stored value was rolled up from days. */
export async function rolledUpPeriods(
  q: Queryable,
  keys: readonly { employee_id: string; period: string }[],
): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  const r = await q.query<{ employee_id: string; period: string }>(
    `select distinct h.employee_id, h.period from kpi_history h
     join unnest($1::text[], $2::text[]) as k(e, p) on h.employee_id = k.e and h.period = k.p
     where h.covered_days is not null`,
    [keys.map((k) => k.employee_id), keys.map((k) => k.period)],
  );
  return new Set(r.rows.map((x) => `${x.employee_id}\u0000${x.period}`));
}

export interface RolledUpRow extends HistoryInput {
  covered_days: number;
  total_days: number;
}

/** Upserts period rows rolled up from days, with their coverage; counts as the history upload does. */
export async function upsertRolledUp(
  tx: Queryable,
  rows: readonly RolledUpRow[],
  source: string,
): Promise<{ inserted: number; updated: number }> {
  let inserted = 0;
  let updated = 0;
  for (let i = 0; i < rows.length; i += CHUNK) {
    const chunk = rows.slice(i, i + CHUNK);
    const periods = chunk.map((r) => parsePeriod(r.period)!);
    const c = await countUpsert(
      tx,
      `insert into kpi_history (employee_id, metric_id, period, period_kind, period_start, value, source, covered_days, total_days)
       select e, m, p, k, s, v, $9, c, t from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::date[], $6::float8[], $7::int4[], $8::int4[]) as n(e, m, p, k, s, v, c, t)
       on conflict (employee_id, metric_id, period) do update
         set value = excluded.value, source = excluded.source, covered_days = excluded.covered_days, total_days = excluded.total_days, updated_at = now()
       where (kpi_history.value, kpi_history.covered_days, kpi_history.total_days) is distinct from (excluded.value, excluded.covered_days, excluded.total_days)`,
      [
        chunk.map((r) => r.employee_id),
        chunk.map((r) => r.metric_id),
        periods.map((p) => p.id),
        periods.map((p) => p.kind),
        periods.map((p) => p.start),
        chunk.map((r) => r.value),
        chunk.map((r) => r.covered_days),
        chunk.map((r) => r.total_days),
        source,
      ],
    );
    inserted += c.inserted;
    updated += c.updated;
  }
  return { inserted, updated };
}

export interface SavedImport {
  /** The period rows stored (rolled up from every stored day of the periods the import touched). */
  rows: RolledUpRow[];
  inserted: number;
  updated: number;
  days: DayCounts;
  periods: PeriodCoverage[];
  /** The roll-up's warnings: partial periods (by stored days), values not computed. */
  warnings: Warning[];
}

/**
 * An import's days → `kpi_daily` (a day sent again replaces itself) → the periods they touch
 * rolled up again from every stored day of the employee (all shops, all imports) → `kpi_history`
 * with their coverage, in one transaction; `check` may refuse the rolled-up rows (it throws, and
 * nothing is written). A partial period is stored under `partial: 'include'`, or when it was
 * stored from days before (its value then follows the days); under 'drop' it waits until its days
 * are complete.
 */
export function saveDailyImport(
  db: Db,
  days: readonly DailyValue[],
  options: {
    source: string;
    periodKind: PeriodKind;
    partial: PartialPolicy;
    check(tx: Queryable, rows: RolledUpRow[]): Promise<void>;
  },
): Promise<SavedImport> {
  const touched = new Map<string, PeriodSpan>();
  for (const d of days) {
    const p = periodOf(new Date(`${d.date}T00:00:00Z`), options.periodKind);
    touched.set(`${d.employee_id}\u0000${p.id}`, {
      employee_id: d.employee_id,
      start: p.start,
      end: p.end,
      period: p.id,
    });
  }
  return db.transaction(async (tx) => {
    const written = await writeDays(tx, days, options.source);
    const spans = [...touched.values()];
    const stored = await readDays(tx, spans);
    const before = await rolledUpPeriods(
      tx,
      spans.map((s) => ({ employee_id: s.employee_id, period: s.period! })),
    );
    const rolled = rollUp(stored, {
      periodKind: options.periodKind,
      partial: options.partial,
      keep: (e, p) => before.has(`${e}\u0000${p}`),
      coverage: 'stored',
    });
    const coverage = new Map(rolled.periods.map((p) => [`${p.employee_id}\u0000${p.period}`, p]));
    const rows = rolled.rows.map((r) => {
      const c = coverage.get(`${r.employee_id}\u0000${r.period}`)!;
      return { ...r, covered_days: c.covered_days, total_days: c.total_days };
    });
    await options.check(tx, rows);
    const counts = await upsertRolledUp(tx, rows, options.source);
    return { rows, ...counts, days: written, periods: rolled.periods, warnings: rolled.warnings };
  });
}
