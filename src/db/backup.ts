/**
 * Backups. PGlite: a consistent copy of the data directory (a gzipped tar, `Db.dumpDataDir`), taken
 * through the running service (`POST /v1/admin/backup`, since a second process cannot open the
 * directory) or by `kpi backup` while it is stopped; `kpi restore FILE` puts one back (service stopped).
 * PostgreSQL: pg_dump / pg_restore (README "Backups"); the service refuses to copy it itself.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { ConflictError } from '../lib/errors.js';
import { lockDataDir } from './lock.js';
import type { Db, Queryable } from './types.js';

/** What an operator runs on PostgreSQL instead (README "Backups"). */
export const PG_DUMP_HINT =
  'on PostgreSQL back up with pg_dump: pg_dump --format=custom --schema="$DATABASE_SCHEMA" --file=kpi.dump "$DATABASE_URL"; restore with pg_restore --clean --if-exists --dbname="$DATABASE_URL" kpi.dump';

export interface Backup {
  /** the gzipped tar of the PGlite data directory */
  archive: Uint8Array;
  sha256: string;
  bytes: number;
  /** rows of every table in the copy (counted in the copy itself, opened in memory: it opens and reads) */
  counts: Record<string, number>;
}

/** Rows of every base table of the current schema (a restore is checked against these). */
export async function tableCounts(q: Queryable): Promise<Record<string, number>> {
  const tables = await q.query<{ name: string }>(
    `select table_name as name from information_schema.tables
     where table_schema = current_schema() and table_type = 'BASE TABLE' order by table_name`,
  );
  const out: Record<string, number> = {};
  for (const { name } of tables.rows) {
    const r = await q.query<{ n: number }>(`select count(*)::int8 as n from "${name.replaceAll('"', '""')}"`);
    out[name] = Number(r.rows[0]!.n);
  }
  return out;
}

/**
 * A consistent copy of a PGlite database (taken between transactions), checked by opening it in
 * memory and counting its tables' rows. ConflictError on PostgreSQL, naming pg_dump.
 */
export async function backupDb(db: Db): Promise<Backup> {
  if (!db.dumpDataDir) throw new ConflictError(PG_DUMP_HINT);
  const archive = await db.dumpDataDir();
  const counts = await archiveCounts(archive);
  return { archive, sha256: createHash('sha256').update(archive).digest('hex'), bytes: archive.length, counts };
}

/** Opens `archive` in memory and counts the rows of its tables. */
export async function archiveCounts(archive: Uint8Array): Promise<Record<string, number>> {
  const pg = new PGlite({ loadDataDir: new Blob([new Uint8Array(archive)]) });
  try {
    await pg.waitReady;
    return await tableCounts({
      query: async <T>(sql: string, params: readonly unknown[] = []) => {
        const r = await pg.query<T>(sql, params as unknown[]);
        return { rows: r.rows, rowCount: r.rows.length };
      },
      exec: async (sql: string) => void (await pg.exec(sql)),
    });
  } finally {
    await pg.close();
  }
}

/**
 * Restores `archive` into `dataDir` (PGlite, the service stopped: the directory's lock is taken). The
 * current database, if any, is kept beside it as `pglite.before-restore-<time>`; returns that path.
 */
export async function restorePglite(dataDir: string, archive: Uint8Array): Promise<string | null> {
  const unlock = lockDataDir(dataDir);
  try {
    const target = path.join(dataDir, 'pglite');
    let kept: string | null = null;
    if (existsSync(target)) {
      kept = `${target}.before-restore-${new Date().toISOString().replace(/[:.]/g, '-')}`;
      renameSync(target, kept);
    }
    mkdirSync(target, { recursive: true });
    const pg = new PGlite(target, { loadDataDir: new Blob([new Uint8Array(archive)]) });
    await pg.waitReady;
    await pg.query('select 1');
    await pg.close();
    return kept;
  } finally {
    unlock();
  }
}
