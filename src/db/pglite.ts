import { mkdirSync } from 'node:fs';
import { PGlite, types } from '@electric-sql/pglite';
import type { Db, QueryResult, Queryable } from './types.js';
import { type TransactionWrites, WriteClock } from './write-clock.js';

/** date → 'YYYY-MM-DD' string, int8 and numeric → number (src/db/types.ts), in-process and in the PGlite thread. */
export const parsers = {
  [types.DATE]: (v: string) => v,
  [types.INT8]: (v: string) => Number(v),
  [types.NUMERIC]: (v: string) => Number(v),
};

type PgliteLike = Pick<PGlite, 'query' | 'exec'>;

/**
 * Statements on `conn` with their writes told to the clock: outside a transaction (`into` absent) each
 * write moves its tables' generations once it completed (failed ones too), before the caller goes on,
 * and one that may have changed the schema has the clock read it again first; inside one (`into`) the
 * writes are added up for the transaction's end. Without a clock, nothing is told.
 */
function wrap(conn: PgliteLike, clock?: WriteClock, into?: TransactionWrites): Queryable {
  const run = <R extends { rowCount?: number } | undefined>(sql: string, go: () => Promise<R>): Promise<R> =>
    clock ? clock.statement(sql, go, (q) => conn.query(q), into) : go();
  return {
    query: <T>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<T>> =>
      run(sql, async () => {
        const r = await conn.query<T>(sql, params as unknown[]);
        return { rows: r.rows, rowCount: r.affectedRows ?? r.rows.length };
      }),
    exec: (sql: string) => run(sql, async () => void (await conn.exec(sql))),
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
  // this process is the database's only writer (src/db/lock.ts): every write moves the generations of
  // the tables it wrote after it completed (a transaction: after its commit or rollback), before its caller goes on
  const clock = new WriteClock();
  await clock.refresh((q) => pg.query(q));
  const base = wrap(pg, clock);
  return {
    kind: 'pglite',
    ...base,
    transaction: async (fn) => {
      const into: TransactionWrites = { writes: null, running: new Set() };
      try {
        return await pg.transaction((tx) => fn(wrap(tx, clock, into)));
      } finally {
        await clock.ended(into, (q) => pg.query(q));
      }
    },
    writeGeneration: (tables) => clock.generation(tables),
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
