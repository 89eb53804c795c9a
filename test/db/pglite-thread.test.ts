/**
 * PGlite in its own thread (src/db/pglite-thread.ts) keeps the in-process contract (src/db/pglite.ts):
 * the same rows and types, the same errors with their fields, transactions committed or rolled back,
 * statements outside a transaction waiting for it; and a thread that dies rejects what was in flight.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { messages } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openPglite } from '../../src/db/pglite.js';
import { openPgliteThread, pgliteThreadOf } from '../../src/db/pglite-thread.js';
import type { Db } from '../../src/db/types.js';

function copyTemplate(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kpi-pglite-thread-'));
  cpSync(inject('pgliteTemplate'), path.join(dir, 'pglite'), { recursive: true });
  return dir;
}

/** What a failed statement carries, as the service's error handling and logs see it. */
async function failure(p: Promise<unknown>) {
  const err = (await p.then(
    () => {
      throw new Error('expected a failure');
    },
    (e: unknown) => e,
  )) as messages.DatabaseError & { query?: string; params?: unknown[] };
  return {
    isDatabaseError: err instanceof messages.DatabaseError,
    message: err.message,
    name: err.name,
    code: err.code,
    severity: err.severity,
    detail: err.detail,
    constraint: err.constraint,
    table: err.table,
    schema: err.schema,
    query: err.query,
    params: err.params,
  };
}

const opens = { 'in-process': openPglite, thread: openPgliteThread };

/** Runs the same statements on both implementations; each returns what it saw, compared below. */
async function exercise(db: Db) {
  const seen: Record<string, unknown> = {};
  await db.exec(
    'create table t_thread (id int primary key, d date, n int8, x numeric, ts timestamptz, j jsonb, b bytea)',
  );
  await db.query('insert into t_thread values ($1, $2, $3, $4, $5, $6, $7)', [
    1,
    '2026-01-02',
    5,
    1.5,
    new Date('2026-03-04T05:06:07Z'),
    { a: [1, 'x'] },
    new Uint8Array([1, 2, 3]),
  ]);
  seen.row = await db.query('select * from t_thread');
  seen.duplicate = await failure(db.query('insert into t_thread (id) values ($1)', [1]));
  seen.syntax = await failure(db.query('selec 1'));
  seen.execError = await failure(db.exec('insert into t_thread (id) values (1)'));
  seen.rolledBack = await failure(
    db.transaction(async (tx) => {
      await tx.query('insert into t_thread (id) values (2)');
      throw new Error('the change failed');
    }),
  );
  seen.afterRollback = (await db.query('select count(*)::int8 as n from t_thread')).rows;
  seen.committed = await db.transaction(async (tx) => {
    const r = await tx.query('insert into t_thread (id) values (3), (4)');
    return { rowCount: r.rowCount, n: (await tx.query('select count(*)::int8 as n from t_thread')).rows };
  });
  seen.inTxError = await failure(db.transaction((tx) => tx.query('select 1 / 0')));
  let kept: { query(sql: string): Promise<unknown> } | undefined;
  await db.transaction(async (tx) => {
    kept = tx;
  });
  seen.closedTx = await failure(kept!.query('select 1'));
  // a statement outside the transaction waits for it, as PGlite serialises them in-process
  const order: string[] = [];
  await Promise.all([
    db.transaction(async (tx) => {
      order.push('begin');
      await tx.query('select pg_sleep(0.05)');
      await tx.query('insert into t_thread (id) values (5)');
      order.push('commit');
    }),
    db.query('select count(*)::int8 as n from t_thread').then((r) => order.push(`outside saw ${r.rows[0]!.n}`)),
  ]);
  seen.order = order;
  seen.ping = await db.ping();
  return seen;
}

describe('PGlite in its own thread', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('answers exactly as in-process: rows, types, errors with their fields, transactions, ordering', async () => {
    const seen: Record<string, unknown> = {};
    for (const [name, open] of Object.entries(opens)) {
      const dir = copyTemplate();
      dirs.push(dir);
      const db = await open(path.join(dir, 'pglite'));
      try {
        seen[name] = await exercise(db);
      } finally {
        await db.close();
      }
    }
    const thread = seen.thread as Record<string, unknown>;
    expect(thread).toEqual(seen['in-process']);
    expect(thread.duplicate).toMatchObject({ isDatabaseError: true, code: '23505', constraint: 't_thread_pkey' });
    expect(thread.rolledBack).toMatchObject({ message: 'the change failed' });
    expect(thread.afterRollback).toEqual([{ n: 1 }]);
    expect(thread.closedTx).toMatchObject({ message: 'Transaction is closed' });
    expect(thread.order).toEqual(['begin', 'commit', 'outside saw 4']);
    expect((thread.row as { rows: unknown[] }).rows[0]).toEqual({
      id: 1,
      d: '2026-01-02',
      n: 5,
      x: 1.5,
      ts: new Date('2026-03-04T05:06:07Z'),
      j: { a: [1, 'x'] },
      b: new Uint8Array([1, 2, 3]),
    });
  });

  describe('when the thread dies', () => {
    let db: Db;
    beforeAll(async () => {
      const dir = copyTemplate();
      dirs.push(dir);
      db = await openPgliteThread(path.join(dir, 'pglite'));
    });

    it('rejects the statements in flight and every later one with why; ping answers false', async () => {
      const slow = db.query('select pg_sleep(30)');
      await new Promise((r) => setTimeout(r, 200));
      await pgliteThreadOf(db)!.terminate();
      await expect(slow).rejects.toThrow(/the PGlite thread stopped \(thread .*pglite-worker exited with code 1\)/);
      await expect(db.query('select 1')).rejects.toThrow(/the PGlite thread stopped/);
      await expect(db.transaction(async () => 1)).rejects.toThrow(/the PGlite thread stopped/);
      expect(await db.ping()).toBe(false);
      await db.close();
    });
  });
});
