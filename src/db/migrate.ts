/**
 * Versioned migrations: `src/db/migrations/NNN_name.sql`, applied in order, each in its own
 * transaction with its version recorded. Safe to run from several processes at once on
 * PostgreSQL: one advisory lock (advisory.ts) is held from before `schema_migrations` is created until
 * the last migration is committed, so the others wait and then find nothing to apply; running again
 * applies nothing.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { withAdvisoryLock } from './advisory.js';
import type { Db } from './types.js';

const DIR = fileURLToPath(new URL('./migrations/', import.meta.url));

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export function listMigrations(dir = DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{3}_.+\.sql$/.test(f))
    .sort()
    .map((f) => ({ version: Number(f.slice(0, 3)), name: f.slice(4, -4), sql: readFileSync(dir + f, 'utf8') }));
}

/** Applies pending migrations; returns the versions applied now. */
export function migrate(db: Db, migrations = listMigrations()): Promise<number[]> {
  return withAdvisoryLock(db, 'kpi-migrations', () => applyPending(db, migrations));
}

async function applyPending(db: Db, migrations: Migration[]): Promise<number[]> {
  await db.exec(`create table if not exists schema_migrations (
    version integer primary key, name text not null, applied_at timestamptz not null default now())`);
  const applied: number[] = [];
  for (const m of migrations) {
    const done = await db.transaction(async (tx) => {
      const seen = await tx.query('select 1 from schema_migrations where version = $1', [m.version]);
      if (seen.rows.length > 0) return false;
      await tx.exec(m.sql);
      await tx.query('insert into schema_migrations (version, name) values ($1, $2)', [m.version, m.name]);
      return true;
    });
    if (done) applied.push(m.version);
  }
  return applied;
}
