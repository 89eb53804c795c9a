/**
 * Entry of the PGlite thread (./pglite-thread.ts): opens PGlite in `workerData.dataDir` at the first
 * request (`open`) and answers `{ id, op, … }` with `{ id, result }` or `{ id, error }`.
 *
 * Statements run in the order their messages arrive, through PGlite's own `query`/`exec`/`transaction`
 * (its transaction mutex, first come first served), so they are serialised exactly as in-process. A
 * transaction (`begin`) runs inside `pg.transaction`: `begin` is answered once BEGIN ran, the
 * statements naming its `tx` run on it, and `end` commits it (or, with `commit: false`, rolls it back)
 * and is answered once PGlite has.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { parsers } from './pglite.js';
import { type PgliteRequest, wireError } from './pglite-wire.js';

const port = parentPort!;
const { dataDir } = workerData as { dataDir: string };
let pg: PGlite | undefined;

/** Open transactions by their number: the statements naming one run on it; `end` settles it. */
const txs = new Map<number, { tx: Transaction; finish(commit: boolean): void; ended: Promise<unknown> }>();
/** Thrown inside `pg.transaction`'s callback to have it roll back (the main thread's fn threw). */
const ROLLBACK = Symbol('rollback');

function db(): PGlite {
  if (!pg) throw new Error('PGlite thread: not open');
  return pg;
}

function on(tx: number | undefined): Pick<Transaction, 'query' | 'exec'> {
  if (tx === undefined) return db();
  const open = txs.get(tx);
  if (!open) throw new Error('Transaction is closed');
  return open.tx;
}

/** Answers `begin` once BEGIN ran (or with BEGIN's error); the transaction stays open until its `end`. */
function begin(id: number, key: number): void {
  let began = false;
  let finish: (commit: boolean) => void = () => {};
  const ended = db().transaction(
    (tx) =>
      new Promise<void>((resolve, reject) => {
        began = true;
        finish = (commit) => (commit ? resolve() : reject(ROLLBACK));
        txs.set(key, { tx, finish, ended });
        port.postMessage({ id, result: null });
      }),
  );
  ended.then(
    () => txs.delete(key),
    (err) => {
      txs.delete(key);
      if (!began) port.postMessage({ id, error: wireError(err) });
    },
  );
}

/** Commits (or rolls back) the transaction `tx`; resolves once PGlite has, rejects with COMMIT's or ROLLBACK's error. */
async function end(tx: number, commit: boolean): Promise<null> {
  const open = txs.get(tx);
  if (!open) throw new Error('Transaction is closed');
  open.finish(commit);
  try {
    await open.ended;
  } catch (err) {
    if (err !== ROLLBACK) throw err;
  }
  return null;
}

async function answer(m: PgliteRequest): Promise<unknown> {
  switch (m.op) {
    case 'open':
      pg = new PGlite(dataDir, { parsers });
      await pg.waitReady;
      return null;
    case 'query': {
      const r = await on(m.tx).query(m.sql, m.params as unknown[]);
      return { rows: r.rows, rowCount: r.affectedRows ?? r.rows.length };
    }
    case 'exec':
      await on(m.tx).exec(m.sql);
      return null;
    case 'dump': {
      // between statements and transactions, as in-process (src/db/pglite.ts)
      const bytes = await db()._runExclusiveTransaction(async () => {
        const blob = await db().dumpDataDir('gzip');
        return new Uint8Array(await blob.arrayBuffer());
      });
      port.postMessage({ id: m.id, result: bytes }, [bytes.buffer as ArrayBuffer]);
      return undefined;
    }
    case 'end':
      return end(m.tx, m.commit);
    case 'close':
      await pg?.close();
      return null;
  }
}

port.on('message', (m: PgliteRequest) => {
  if (m.op === 'begin') {
    try {
      begin(m.id, m.tx);
    } catch (err) {
      port.postMessage({ id: m.id, error: wireError(err) });
    }
    return;
  }
  answer(m).then(
    (result) => {
      if (result !== undefined) port.postMessage({ id: m.id, result });
    },
    (err) => port.postMessage({ id: m.id, error: wireError(err) }),
  );
});
