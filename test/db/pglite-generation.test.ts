/**
 * The write generation of the embedded database (src/db/pglite.ts) and the answer copies labelled with
 * it (src/services/results.ts): every statement that may write and every transaction moves it, a read
 * does not; a copy is served only at the generation it was read at, and never on PostgreSQL.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, inject, it } from 'vitest';
import { openPglite } from '../../src/db/pglite.js';
import type { Db } from '../../src/db/types.js';
import { ALL, writesOf } from '../../src/db/write-clock.js';
import { createStoredReads } from '../../src/services/results.js';
import { describeEachBackend } from '../helpers/db.js';

it('classifies the tables a statement writes, and every table when it cannot tell', () => {
  const tables = (sql: string) => {
    const w = writesOf(sql);
    return w === ALL || w === null ? w : [...w].sort();
  };
  for (const sql of [
    'select 1',
    '  SELECT id, updated_at from employees where role_id = $1',
    'select current, version, payload from read_result($1)',
    'select id from jobs for update skip locked',
    'select id from jobs for no key update',
    'with x as (select 1) select * from x',
    'analyze kpi_history',
    "set local work_mem = '128MB'",
  ])
    expect(tables(sql), sql).toBeNull();
  const cases: [string, string[]][] = [
    ['insert into roles (id, name) values ($1, $2)', ['roles']],
    ['INSERT INTO public."Roles" (id) values ($1) on conflict (id) do update set name = excluded.name', ['roles']],
    ['update roles set name = $1', ['roles']],
    ['update only public.roles\nset name = $1', ['roles']],
    ['delete from read_results', ['read_results']],
    [
      'with gone as (delete from read_changes returning n) insert into read_changes (n) select sum(n) from gone',
      ['read_changes'],
    ],
    [
      'with moved as (delete from review_rescores where run = $1 returning *) update reviews r set x = 1 from moved',
      ['review_rescores', 'reviews'],
    ],
    ['truncate table roles, metrics', ['metrics', 'roles']],
    ['create temp table rating_ev as select * from reviews', ['rating_ev']],
    ['create temp table if not exists s (a text) on commit drop', ['s']],
    ['create index on rating_ev (agent_id, period)', ['rating_ev']],
    ['drop table if exists rating_ev', ['rating_ev']],
    ['insert into roles (id) values ($1);', ['roles']],
    // words inside plain literals are not SQL; a window's partition in a query is not a table's
    ["insert into rating_ev select * from reviews where channel in ('call', 'platform rule', 'it''s')", ['rating_ev']],
    ['create temp table ev on commit drop as select row_number() over (partition by a) from reviews', ['ev']],
    ['create index on ev using btree (agent_id)', ['ev']],
    // a quote left open: its words count
    ["insert into roles select 'open literal, delete from x", ['roles', 'x']],
    [`insert into "Odd ""x"" name" select to_char(d, 'iyyy-"w"iw'), 'update it' from t`, ['odd "x" name']],
  ];
  for (const [sql, want] of cases) expect(tables(sql), sql).toEqual(want);
  for (const sql of [
    'select nextval($1)',
    'select * into t2 from roles',
    'select pg_notify($1, $2)',
    'truncate roles cascade',
    'insert into roles values (1); delete from metrics',
    'begin',
    'rollback',
    'do $$ begin perform 1; end $$',
    'create table t (a int)',
    'create temp table t (a text references employees on delete cascade)',
    'alter table roles add column x int',
    'drop table roles cascade',
    'copy roles from stdin',
    'merge into roles using metrics on true when matched then delete',
    'explain analyze delete from roles',
    '-- a comment\ninsert into roles values (1)',
    'update roles',
    // a literal that could be misread keeps its words: conservative
    "insert into roles select 'a\\' from x where y = 'call'",
    "select 1 -- 'drop\ninsert into x select ';\ndelete from y'",
  ])
    expect(tables(sql), sql).toBe(ALL);
});

/** The generation checks every PGlite adapter passes (in its own thread, the default, and in-process). */
async function generationRules(db: Db): Promise<void> {
  const g = (tables?: string[]) => db.writeGeneration!(tables);
  let at = g();
  await db.query('select count(*) from roles');
  await db.query('select current from read_result($1)', ['nothing']);
  await db.query('select id from jobs for update');
  expect(g()).toBe(at);
  // a write moves its table and what its triggers write (read_changes), not other tables
  const roles = g(['roles']);
  const changes = g(['read_changes']);
  const jobs = g(['jobs']);
  await db.query(`update roles set name = name where id = 'cs_agent'`);
  expect(g()).toBeGreaterThan(at);
  expect(g(['roles'])).toBeGreaterThan(roles);
  expect(g(['read_changes'])).toBeGreaterThan(changes);
  expect(g(['forecast_changes', 'jobs'])).toBe(jobs);
  // a write that changed no row moves only what the table's statement triggers write: kpi_history's
  // write both change logs; jobs has none
  const forecasts = g(['forecast_changes']);
  const history = g(['kpi_history']);
  await db.query(`delete from kpi_history where employee_id = 'no-such-person'`);
  expect(g(['forecast_changes'])).toBeGreaterThan(forecasts);
  expect(g(['kpi_history'])).toBe(history);
  const data = g(['read_changes', 'agent_ratings']);
  await db.query(`update jobs set progress = progress where id = 'no-such-job'`);
  expect(g(['jobs'])).toBe(jobs);
  await db.query(`insert into jobs (id, kind, state, data) values ('gen-test', 'score_reviews', 'waiting', '{}')`);
  expect(g(['jobs'])).toBeGreaterThan(jobs);
  expect(g(['read_changes', 'agent_ratings'])).toBe(data);
  // a statement it cannot classify moves every table, and the schema is read again after it
  at = g(['jobs']);
  await db.exec('select 1; select 2');
  expect(g(['jobs'])).toBeGreaterThan(at);
  await db.exec('create table gen_test_a (id int primary key)');
  await db.exec(
    'create table gen_test_b (a int references gen_test_a (id) on delete cascade); create trigger read_change after insert or update or delete or truncate on gen_test_b for each statement execute function note_read_change()',
  );
  // a foreign key's cascade writes the referencing table, and that table's trigger read_changes
  await db.query('insert into gen_test_a values (1)');
  await db.query('insert into gen_test_b values (1)');
  const b = g(['gen_test_b']);
  const changed = g(['read_changes']);
  await db.query('delete from gen_test_a');
  expect(g(['gen_test_b'])).toBeGreaterThan(b);
  expect(g(['read_changes'])).toBeGreaterThan(changed);
  // in a transaction nothing is acknowledged until it ends; then what it wrote moves (a statement not
  // awaited by the transaction's function included)
  at = g(['roles']);
  const other = g(['metrics']);
  const stamp = g(['gen_test_a']);
  let unawaited: Promise<unknown> | undefined;
  await db.transaction(async (tx) => {
    await tx.query(`update roles set name = name where id = 'cs_agent'`);
    await tx.query(`update metrics set name = name where id = 'no-such-metric'`);
    unawaited = tx.query('insert into gen_test_a values (2)');
    expect(g(['roles'])).toBe(at);
  });
  await unawaited;
  expect(g(['roles'])).toBeGreaterThan(at);
  expect(g(['gen_test_a'])).toBeGreaterThan(stamp);
  expect(g(['metrics'])).toBe(other);
  at = g(['roles']);
  await expect(
    db.transaction(async (tx) => {
      await tx.query(`update roles set name = name where id = 'cs_agent'`);
      throw new Error('rolled back');
    }),
  ).rejects.toThrow('rolled back');
  expect(g(['roles'])).toBeGreaterThan(at);
  // a failed write moves what it would have written
  at = g(['roles']);
  await expect(db.query('insert into roles (id) values (null)')).rejects.toThrow();
  expect(g(['roles'])).toBeGreaterThan(at);
  at = g();
  await db.unversioned!.query(`delete from read_results where key = 'nothing'`);
  expect(g()).toBe(at);
}

it('PGlite in-process: the same write generations', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kpi-gen-'));
  cpSync(inject('pgliteTemplate'), dir, { recursive: true });
  const db = await openPglite(dir);
  try {
    await generationRules(db);
  } finally {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

describeEachBackend('write generation and answer copies', (get, backend) => {
  it('PGlite: every write moves the generations of the tables it wrote after it completed; reads and stored-answer bookkeeping do not', async () => {
    const { db } = get();
    if (backend !== 'pglite') {
      expect(db.writeGeneration).toBeUndefined();
      return;
    }
    await generationRules(db);
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
    // a write to a table no answer reads keeps the copies on PGlite
    await db.query(`delete from api_keys where id = 'no-such-key'`);
    await db.transaction(async (tx) => {
      await tx.query(`update jobs set progress = progress where id = 'no-such-job'`);
    });
    const fifth = await reads(['generation-test'], compute);
    expect(fifth).toEqual({ json: '{"n":2,"text":"客服 ok"}', stored: true });
    expect(fifth.copied).toBe(backend === 'pglite');
    expect(computed).toBe(2);
  });

  it('keeps a copy while tables it does not read are written, drops it at a write to one it reads (PGlite)', async () => {
    const { db } = get();
    const reads = createStoredReads(db);
    let computed = 0;
    const compute = async () => ({ n: ++computed });
    const ratingsLike = ['agent_ratings', 'roles'];
    const read = () => reads(['reads-test'], compute, JSON.stringify, ratingsLike);
    const wide = () => reads(['reads-test-wide'], compute);
    await read();
    await wide();
    expect((await read()).copied).toBe(backend === 'pglite');
    // a model registered: a table the data version watches, which this answer does not read
    await db.query(`update model_versions set status = status where id = 'no-such-version'`);
    const kept = await read();
    expect(kept.copied).toBe(backend === 'pglite');
    if (backend === 'pglite') expect(kept.json).toBe('{"n":1}');
    // the answer reading every watched table (the default) is read again, and stored anew (the data version moved)
    const again = await wide();
    expect(again.copied).toBe(false);
    expect(again.stored).toBe(false);
    // a write to a table it reads that changed no row keeps it too
    await db.query(`update roles set name = name where id = 'no-such-role'`);
    expect((await read()).copied).toBe(backend === 'pglite');
    // a write to a table it reads drops it: the next read asks the database (whose data version moved)
    await db.query(`update roles set name = name where id = 'cs_agent'`);
    const dropped = await read();
    expect(dropped.copied).toBe(false);
    expect(dropped.json).toBe(`{"n":${computed}}`);
    expect(dropped.stored).toBe(false);
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
