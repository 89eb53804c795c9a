/**
 * PGlite in a thread of its own (the embedded default; PGLITE_THREAD=false keeps it in-process,
 * ./pglite.ts). PGlite is Postgres compiled to WebAssembly: every statement it runs, and its
 * synchronous file-system calls, hold the thread that runs it. Here that thread is not the one
 * answering HTTP, so a job's reads and writes no longer stall the API.
 *
 * The contract is the in-process one (src/db/types.ts): statements keep the order of their calls
 * (the thread runs them as they arrive, through PGlite's own serialisation); a transaction runs
 * inside the thread's `pg.transaction`, gets its statements by id until its `fn` settles, and is
 * committed (or rolled back when `fn` throws); errors arrive with their fields (a DatabaseError with
 * its code, detail, constraint…); the write generations move here, on the main thread (./write-clock.ts), after
 * each statement that may write and each transaction, before the caller goes on. Each statement costs a
 * message each way and a structured clone of its parameters and rows.
 */
import { mkdirSync } from 'node:fs';
import type { Worker } from 'node:worker_threads';
import { ThreadChannel } from '../lib/thread.js';
import { unwireError } from './pglite-wire.js';
import type { Db, QueryResult, Queryable } from './types.js';
import { type TransactionWrites, WriteClock } from './write-clock.js';

/** The thread behind a database opened by `openPgliteThread` (tests: to stop it as a crash would). */
const threads = new WeakMap<Db, Worker>();
export const pgliteThreadOf = (db: Db): Worker | undefined => threads.get(db);

type Request = { op: 'query'; sql: string; params: readonly unknown[] } | { op: 'exec'; sql: string };

/** Opens (and on first use creates) a PGlite database in `dataDir` (or `memory://`) in a thread of its own. */
export async function openPgliteThread(dataDir: string): Promise<Db> {
  if (!dataDir.startsWith('memory://')) mkdirSync(dataDir, { recursive: true });
  let stopped: Error | undefined;
  const channel = new ThreadChannel<unknown>('./pglite-worker', { dataDir }, import.meta.url, {
    error: unwireError,
    onFailure: (err) => {
      stopped = new Error(`the PGlite thread stopped (${err.message}); the database is unavailable`, { cause: err });
    },
  });
  let closing = false;
  const call = async (message: object): Promise<unknown> => {
    if (stopped) throw stopped;
    if (closing) throw new Error('PGlite is closed');
    try {
      return await channel.request(message);
    } catch (err) {
      // the thread failed or exited: what was in flight is rejected with why
      throw stopped ?? err;
    }
  };
  try {
    await call({ op: 'open' });
  } catch (err) {
    await channel.terminate();
    throw err;
  }

  // this process is the database's only writer (src/db/lock.ts): every write moves the generations of
  // the tables it wrote after it completed (a transaction: after its commit or rollback), before its
  // caller goes on; a statement that may have changed the schema has the clock read it again first
  const clock = new WriteClock();
  const catalog = async (sql: string) => (await call({ op: 'query', sql, params: [] })) as QueryResult<unknown>;
  await clock.refresh(catalog);
  let txs = 0;
  /** Statements outside a transaction (`into` absent: told to the clock, unless `told` is false) or in transaction `tx`. */
  const on = (tx: number | undefined, into?: TransactionWrites, told = true): Queryable => {
    const run = async (r: Request) => {
      if (!told) return call({ ...r, tx });
      return clock.statement(
        r.sql,
        () => call({ ...r, tx }) as Promise<QueryResult<unknown> | undefined>,
        catalog,
        into,
      );
    };
    return {
      query: async <T>(sql: string, params: readonly unknown[] = []) =>
        (await run({ op: 'query', sql, params })) as QueryResult<T>,
      exec: async (sql: string) => void (await run({ op: 'exec', sql })),
    };
  };
  const base = on(undefined);

  const db: Db = {
    kind: 'pglite',
    ...base,
    async transaction(fn) {
      const into: TransactionWrites = { writes: null, running: new Set() };
      try {
        const id = ++txs;
        await call({ op: 'begin', tx: id });
        return await inTransaction(id, into, fn);
      } finally {
        await clock.ended(into, catalog);
      }
    },
    writeGeneration: (tables) => clock.generation(tables),
    unversioned: on(undefined, undefined, false),
    dumpDataDir: async () => (await call({ op: 'dump' })) as Uint8Array,
    async ping() {
      try {
        await call({ op: 'query', sql: 'select 1', params: [] });
        return true;
      } catch {
        return false;
      }
    },
    async close() {
      if (closing) return;
      // a thread that stopped has nothing left to close
      if (stopped) {
        closing = true;
        return;
      }
      try {
        await call({ op: 'close' });
      } finally {
        closing = true;
        await channel.terminate();
      }
    },
  };
  threads.set(db, channel.worker);
  return db;

  /** Runs `fn` on the open transaction `id`; commits it when `fn` resolves, rolls it back when it throws. */
  async function inTransaction<T>(id: number, into: TransactionWrites, fn: (tx: Queryable) => Promise<T>): Promise<T> {
    let closed = false;
    const inner = on(id, into);
    const tx: Queryable = {
      query: (sql, params) => (closed ? Promise.reject(new Error('Transaction is closed')) : inner.query(sql, params)),
      exec: (sql) => (closed ? Promise.reject(new Error('Transaction is closed')) : inner.exec(sql)),
    };
    let result: T;
    try {
      result = await fn(tx);
    } catch (err) {
      closed = true;
      await call({ op: 'end', tx: id, commit: false });
      throw err;
    }
    closed = true;
    await call({ op: 'end', tx: id, commit: true });
    return result;
  }
}
