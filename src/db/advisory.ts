/**
 * Work that must run in one process at a time when several start together against one PostgreSQL
 * (migrations, the first-run seeding, the first admin key): `withAdvisoryLock` holds a transaction-level
 * advisory lock, named per schema, on a connection of its own while `fn` runs on the pool's others;
 * the next process waits, then finds the work done. PGlite belongs to one process: `fn` just runs.
 */
import type { Db } from './types.js';

export async function withAdvisoryLock<T>(db: Db, name: string, fn: () => Promise<T>): Promise<T> {
  if (db.kind !== 'postgres') return fn();
  return db.transaction(async (lock) => {
    await lock.query(`select pg_advisory_xact_lock(hashtext(current_schema() || ':' || $1))`, [name]);
    return fn();
  });
}
