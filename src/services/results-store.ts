/**
 * SQL of the stored answers (migration 008): the data version every stored answer is checked
 * against, one lookup per read, and the store. See src/services/results.ts for the flow.
 */
import { compactChangeLog } from '../db/change-log.js';
import type { Queryable } from '../db/types.js';

/** Rows of read_changes past which a store folds them into one (the version changes once). */
export const COMPACT_AFTER = 500;

const VERSION = `select coalesce(sum(n), 0)::text || ':' || coalesce(max(id), 0)::text from read_changes`;

/**
 * The current data version and the stored answer of `key` (with the version it was computed at), in one
 * call of `read_result` (migration 021: the VERSION query and the key's row, planned once per connection).
 */
export async function lookup(
  db: Queryable,
  key: string,
): Promise<{ current: string; version: string | null; payload: string | null }> {
  const r = await db.query<{ current: string; version: string | null; payload: string | null }>(
    'select current, version, payload from read_result($1)',
    [key],
  );
  return r.rows[0]!;
}

/** The current data version. */
export async function dataVersion(db: Queryable): Promise<string> {
  const r = await db.query<{ v: string }>(`select (${VERSION}) as v`);
  return r.rows[0]!.v;
}

/** Stores an answer computed at `version`; answers of other versions go. */
export async function store(db: Queryable, key: string, version: string, payload: string): Promise<void> {
  await db.query('delete from read_results where version <> $1', [version]);
  await db.query(
    `insert into read_results (key, version, payload) values ($1, $2, $3)
     on conflict (key) do update set version = excluded.version, payload = excluded.payload, computed_at = now()`,
    [key, version, payload],
  );
}

/** Folds read_changes into one row past COMPACT_AFTER rows (every stored answer is recomputed once). */
export const compactChanges = (db: Queryable): Promise<boolean> => compactChangeLog(db, 'read_changes', COMPACT_AFTER);
