import { mkdirSync } from 'node:fs';
import { PGlite, types } from '@electric-sql/pglite';
import type { Db, QueryResult, Queryable } from './types.js';

/** date → 'YYYY-MM-DD' string, int8 and numeric → number (src/db/types.ts), in-process and in the PGlite thread. */
export const parsers = {
  [types.DATE]: (v: string) => v,
  [types.INT8]: (v: string) => Number(v),
  [types.NUMERIC]: (v: string) => Number(v),
};

type PgliteLike = Pick<PGlite, 'query' | 'exec'>;

/**
 * A statement that cannot write: a plain `select` naming none of the words a write needs. The
 * functions the migrations define are immutable, stable or trigger functions
 * (test/db/pglite-generation.test.ts checks), so a `select` calling one writes nothing.
 */
const SELECT = /^\s*select\b/i;
const MAY_WRITE = /\b(insert|update|delete|merge|truncate|into|nextval|setval|copy|lo_\w+|pg_notify)\b/i;
export const readsOnly = (sql: string): boolean => SELECT.test(sql) && !MAY_WRITE.test(sql);

/** `onWrite` runs after every statement that may write (failed ones too), before the caller goes on. */
function wrap(conn: PgliteLike, onWrite?: () => void): Queryable {
  return {
    async query<T>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<T>> {
      try {
        const r = await conn.query<T>(sql, params as unknown[]);
        return { rows: r.rows, rowCount: r.affectedRows ?? r.rows.length };
      } finally {
        if (onWrite && !readsOnly(sql)) onWrite();
      }
    },
    async exec(sql: string) {
      try {
        await conn.exec(sql);
      } finally {
        onWrite?.();
      }
    },
  };
}

/**
 * Opens (and on first use creates) a PGlite database in `dataDir`, or in memory when
 * `dataDir` is `memory://`. Only one process may open a data directory at a time.
 */
export async function openPglite(dataDir: string): Promise<Db> {
  if (!dataDir.startsWith('memory://')) mkdirSync(dataDir, { recursive: true });
  const pg = new PGlite(dataDir, { parsers });
  await pg.waitReady;
  // this process is the database's only writer (src/db/lock.ts): every write moves the generation
  // after it completed (a transaction: after its commit or rollback), before its caller goes on
  let generation = 0;
  const wrote = () => {
    generation++;
  };
  const base = wrap(pg, wrote);
  return {
    kind: 'pglite',
    ...base,
    transaction: async (fn) => {
      try {
        return await pg.transaction((tx) => fn(wrap(tx)));
      } finally {
        wrote();
      }
    },
    writeGeneration: () => generation,
    unversioned: wrap(pg),
    // between statements and transactions: PGlite runs every query and transaction under its
    // transaction lock, held here for the copy (a restore replays the WAL since the last checkpoint)
    dumpDataDir: () =>
      pg._runExclusiveTransaction(async () => {
        const blob = await pg.dumpDataDir('gzip');
        return new Uint8Array(await blob.arrayBuffer());
      }),
    async ping() {
      try {
        await pg.query('select 1');
        return true;
      } catch {
        return false;
      }
    },
    close: () => pg.close(),
  };
}
