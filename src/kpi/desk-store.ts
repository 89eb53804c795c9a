/**
 * Reads of the console's target desk (src/services/target-desk.ts): the recorded values of a scope's
 * metric for a few people over a range of periods (the sparklines and the "why this number" history).
 */
import type { Queryable } from '../db/types.js';
import type { Period } from '../history/period.js';
import type { ScopeKey } from './series.js';

/** Values of `key.metric` at `key.kind` periods in [from.start, to.start] for `ids`, as id → period → value. */
export async function valuesBetween(
  db: Queryable,
  key: ScopeKey,
  from: Period,
  to: Period,
  ids: readonly string[],
): Promise<Map<string, Map<string, number>>> {
  const out = new Map<string, Map<string, number>>();
  if (ids.length === 0) return out;
  const r = await db.query<{ employee_id: string; period: string; value: number }>(
    `select employee_id, period, value from kpi_history
      where metric_id = $1 and period_kind = $2 and period_start >= $3 and period_start <= $4 and employee_id = any($5::text[])`,
    [key.metric, key.kind, from.start, to.start, [...ids]],
  );
  for (const row of r.rows) {
    let m = out.get(row.employee_id);
    if (!m) out.set(row.employee_id, (m = new Map()));
    m.set(row.period, Number(row.value));
  }
  return out;
}
