/**
 * Reference checks of ingested rows against stored data: which ids name no stored row, and the row
 * error an unknown employee gets (the same words on every bulk endpoint).
 */
import type { Queryable } from '../db/types.js';
import type { RowError } from '../history/types.js';
import type { Numbered } from './pipeline.js';

/** The distinct ids among `ids` with no row in `table`, in id order. */
export async function unknownIds(
  db: Queryable,
  table: 'employees' | 'metrics' | 'roles',
  ids: readonly string[],
): Promise<Set<string>> {
  const r = await db.query<{ id: string }>(
    `select id from unnest($1::text[]) as t(id) where not exists (select 1 from ${table} x where x.id = t.id) order by id`,
    [[...new Set(ids)]],
  );
  return new Set(r.rows.map((x) => x.id));
}

/** Why a row naming employee `id` is refused when no such employee is stored. */
export const unknownEmployeeReason = (id: string): string =>
  `unknown employee '${id}' (register it with POST /v1/employees)`;

/**
 * A row error at `field` for every row whose employee (`employeeOf`; null: none named) is not
 * stored, in row order; no query when no row names one.
 */
export async function unknownEmployeeErrors<T>(
  db: Queryable,
  rows: readonly Numbered<T>[],
  field: string,
  employeeOf: (value: T) => string | null,
): Promise<RowError[]> {
  const ids = rows.map((r) => employeeOf(r.value)).filter((id): id is string => id !== null);
  if (ids.length === 0) return [];
  const missing = await unknownIds(db, 'employees', ids);
  const errors: RowError[] = [];
  for (const { row, value } of rows) {
    const id = employeeOf(value);
    if (id !== null && missing.has(id)) errors.push({ row, field, reason: unknownEmployeeReason(id) });
  }
  return errors;
}
