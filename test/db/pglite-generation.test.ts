/**
 * The write generation of the embedded database (src/db/pglite.ts) and the answer copies labelled with
 * it (src/services/results.ts): every statement that may write and every transaction moves it, a read
 * does not; a copy is served only at the generation it was read at, and never on PostgreSQL.
 */
import { expect, it } from 'vitest';
import { readsOnly } from '../../src/db/pglite.js';
import { createStoredReads } from '../../src/services/results.js';
import { describeEachBackend } from '../helpers/db.js';

it('classifies only plain selects as reads', () => {
  for (const sql of [
    'select 1',
    '  SELECT id, updated_at from employees where role_id = $1',
    'select current, version, payload from read_result($1)',
  ])
    expect(readsOnly(sql), sql).toBe(true);
  for (const sql of [
    'insert into roles (id, name) values ($1, $2)',
    'update roles set name = $1',
    'delete from read_results',
    'with gone as (delete from read_changes returning n) select sum(n) from gone',
    'select nextval($1)',
    'select * into t2 from roles',
    'select id from jobs for update',
    'truncate roles',
    'analyze kpi_history',
    'begin',
  ])
    expect(readsOnly(sql), sql).toBe(false);
});

describeEachBackend('write generation and answer copies', (get, backend) => {
  it('PGlite: every write moves the generation after it completed; reads and stored-answer bookkeeping do not', async () => {
    const { db } = get();
    if (backend !== 'pglite') {
      expect(db.writeGeneration).toBeUndefined();
      return;
    }
    const g = () => db.writeGeneration!();
    let at = g();
    await db.query('select count(*) from roles');
    await db.query('select current from read_result($1)', ['nothing']);
    expect(g()).toBe(at);
    await db.query(`update roles set name = name where id = 'cs_agent'`);
    expect(g()).toBeGreaterThan(at);
    at = g();
    await db.exec('select 1');
    expect(g()).toBeGreaterThan(at);
    at = g();
    await db.transaction(async (tx) => {
      await tx.query(`update roles set name = name where id = 'cs_agent'`);
      // inside the transaction nothing is acknowledged yet
      expect(g()).toBe(at);
    });
    expect(g()).toBeGreaterThan(at);
    at = g();
    await expect(
      db.transaction(async (tx) => {
        await tx.query(`update roles set name = name where id = 'cs_agent'`);
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(g()).toBeGreaterThan(at);
    at = g();
    await expect(db.query('insert into no_such_table values (1)')).rejects.toThrow();
    expect(g()).toBeGreaterThan(at);
    at = g();
    await db.unversioned!.query(`delete from read_results where key = 'nothing'`);
    expect(g()).toBe(at);
  });

  it('PGlite: no function the migrations define can write when a select calls it', async () => {
    const { db } = get();
    const r = await db.query<{ name: string; volatility: string; returns: string }>(
      `select p.proname as name, p.provolatile as volatility, p.prorettype::regtype::text as returns
         from pg_proc p join pg_namespace n on n.oid = p.pronamespace
        where n.nspname = current_schema()`,
    );
    expect(r.rows.length).toBeGreaterThan(0);
    // volatile functions are trigger functions (run by a write, never by a select)
    for (const f of r.rows) if (f.volatility === 'v') expect(f.returns, f.name).toBe('trigger');
  });

  it('serves a copy only at the generation it was read at (PGlite), never on PostgreSQL', async () => {
    const { db } = get();
    const reads = createStoredReads(db);
    const other = createStoredReads(db);
    let computed = 0;
    const compute = async () => ({ n: ++computed, text: '客服 ok' });
    const first = await reads(['generation-test'], compute);
    expect(first).toEqual({ json: '{"n":1,"text":"客服 ok"}', stored: false });
    const second = await other(['generation-test'], compute);
    expect(second).toEqual({ json: '{"n":1,"text":"客服 ok"}', stored: true });
    expect(second.copied).toBe(backend === 'pglite');
    if (backend === 'pglite') expect(second.body?.toString('utf8')).toBe(second.json);
    else expect(second.body).toBeUndefined();
    // a write the answer depends on, in a transaction: the next read computes again, in either reader
    await db.transaction(async (tx) => {
      await tx.query(`update roles set name = name where id = 'cs_agent'`);
    });
    const third = await other(['generation-test'], compute);
    expect(third).toEqual({ json: '{"n":2,"text":"客服 ok"}', stored: false });
    expect(third.copied).toBe(false);
    const fourth = await reads(['generation-test'], compute);
    expect(fourth.json).toBe('{"n":2,"text":"客服 ok"}');
    expect(fourth.copied).toBe(backend === 'pglite');
    // a write to a table no answer reads also drops the copies on PGlite; the stored answer still serves
    await db.query(`delete from api_keys where id = 'no-such-key'`);
    const fifth = await reads(['generation-test'], compute);
    expect(fifth).toEqual({ json: '{"n":2,"text":"客服 ok"}', stored: true });
    expect(fifth.copied).toBe(false);
    expect(computed).toBe(2);
  });

  it('keeps copies within their byte budget, least recently used out first (PGlite)', async () => {
    const { db } = get();
    if (backend !== 'pglite') return;
    // a handle of its own (the copies are per generation counter) with a budget for one answer
    const reads = createStoredReads({ ...db, writeGeneration: () => db.writeGeneration!() }, { maxBytes: 1000 });
    const big = async () => 'x'.repeat(600);
    await reads(['budget-a'], big);
    expect((await reads(['budget-a'], big)).copied).toBe(true);
    await reads(['budget-b'], big);
    expect((await reads(['budget-b'], big)).copied).toBe(true);
    const a = await reads(['budget-a'], big);
    expect(a.copied).toBe(false);
    expect(a.stored).toBe(true);
  });
});
