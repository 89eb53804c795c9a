/**
 * The change logs (read_changes, migration 008; forecast_changes, migration 025): one row per committed
 * transaction that wrote a table they watch; their version is sum(n) || ':' || max(id).
 */
import type { Queryable } from './types.js';

/**
 * Folds a change log into one row when it has grown past `after` rows. The sum of n is kept (a
 * transaction committing later still adds to it) and max(id) moves: whatever was computed at the old
 * version is computed once more. True when it folded.
 */
export async function compactChangeLog(
  db: Queryable,
  table: 'read_changes' | 'forecast_changes',
  after: number,
): Promise<boolean> {
  const c = await db.query<{ n: number }>(`select count(*)::int as n from ${table}`);
  if ((c.rows[0]?.n ?? 0) <= after) return false;
  await db.query(
    `with gone as (delete from ${table} returning n)
     insert into ${table} (xid, n) select 'compacted:' || txid_current()::text, coalesce(sum(n), 0) from gone`,
  );
  return true;
}
