/**
 * The target desk's table built in a request and stored after its answer (src/services/target-desk.ts,
 * src/kpi/desk-store.ts), both backends: the page answered from the table just built equals the page
 * read back from the stored table, in every sort and filter; requests at once build and store the
 * table once; a write between the build and the store is seen by the next request and the older
 * table is not stored; a store that fails is reported and the answer stands; closing waits for the
 * stores and starts none.
 */
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import type { Db } from '../../src/db/types.js';
import { lookupTable } from '../../src/kpi/desk-store.js';
import { lastPeriodWithData } from '../../src/kpi/targets-store.js';
import { setOverride } from '../../src/kpi/overrides.js';
import { trainBaselinesProcessor } from '../../src/kpi/train.js';
import {
  createTargetDeskService,
  DESK_FLAGS,
  DESK_SORTS,
  type DeskQuery,
  type TargetDeskService,
} from '../../src/services/target-desk.js';
import { buildTestApp, type TestApp, trainBaselines } from '../helpers/app.js';
import { describeEachBackend } from '../helpers/db.js';
import { loadDemo } from '../kpi/helpers.js';

const ROLE = 'product_ops';
const METRIC = 'gmv';
const PERIOD = '2026-Q4';
const KEY = JSON.stringify(['targets-table', ROLE, PERIOD, METRIC]);
const Q: DeskQuery = { role: ROLE, metric: METRIC, period: PERIOD, sort: 'employee', dir: 'asc', limit: 5, offset: 0 };

describeEachBackend('the target desk: a table built in the request, stored after the answer', (get) => {
  let t: TestApp;
  beforeAll(async () => {
    await loadDemo(get().db, { people: 24 });
    t = await buildTestApp(get().db, {}, false, { train_baselines: trainBaselinesProcessor as never });
    await trainBaselines(t, { role: ROLE, metric: METRIC, network: false });
  }, 300_000);
  afterAll(async () => {
    await t?.app.close();
  });
  beforeEach(async () => {
    await t.app.services.desk.settled();
    await get().db.query('delete from desk_rows');
    await get().db.query('delete from desk_tables');
  });

  /** A desk of its own whose builds are counted (each build computes the role's targets once). */
  function countedDesk(db: Db = get().db, onError?: (err: unknown) => void) {
    const counts = { builds: 0 };
    const targets = t.app.services.targets;
    const desk = createTargetDeskService({
      db,
      targets: {
        roleTargets: (q) => {
          counts.builds++;
          return targets.roleTargets(q);
        },
        personTargets: (id, q) => targets.personTargets(id, q),
      },
      onError,
    });
    return { desk, counts };
  }

  const storedCount = async () =>
    Number((await get().db.query<{ n: number }>('select count(*)::int as n from desk_tables')).rows[0]!.n);

  async function emptied(desk: TargetDeskService) {
    await desk.settled();
    await get().db.query('delete from desk_rows');
    await get().db.query('delete from desk_tables');
  }

  it('answers from the table just built what the stored table answers, in every sort, direction and filter', async () => {
    const { desk, counts } = countedDesk();
    for (const sort of DESK_SORTS)
      for (const dir of ['asc', 'desc'] as const)
        for (const flag of [undefined, ...DESK_FLAGS]) {
          const q = { ...Q, sort, dir, flag, limit: 3, offset: 1 };
          await emptied(desk);
          const before = counts.builds;
          const built = await desk.desk(q);
          expect(counts.builds).toBe(before + 1);
          await desk.settled();
          const ref = await lookupTable(get().db, KEY);
          expect(ref.gen).not.toBeNull();
          expect(ref.version).toBe(ref.current);
          const stored = await desk.desk(q);
          // read in SQL: no second build
          expect(counts.builds).toBe(before + 1);
          expect(stored, `${sort} ${dir} ${flag}`).toEqual(built);
          // a page of rows whenever the filter keeps more than one
          expect(built.rows.length).toBe(Math.min(3, Math.max(0, built.total - 1)));
          if (!flag) expect(built.rows.length).toBe(3);
        }
    // and the export of a table just built is the stored table's
    await emptied(desk);
    const csvBuilt = await desk.export({ ...Q, sort: 'target', dir: 'desc' }, 'csv');
    await desk.settled();
    const csvStored = await desk.export({ ...Q, sort: 'target', dir: 'desc' }, 'csv');
    expect(csvStored.body.toString()).toBe(csvBuilt.body.toString());
  }, 120_000);

  it('builds and stores the table once for requests at once, and for a request while it is being stored', async () => {
    const { desk, counts } = countedDesk();
    const { gen: none } = await lookupTable(get().db, KEY);
    expect(none).toBeNull();
    const views = await Promise.all([
      desk.desk(Q),
      desk.desk({ ...Q, sort: 'target', dir: 'desc' }),
      desk.desk({ ...Q, offset: 10 }),
    ]);
    expect(counts.builds).toBe(1);
    // one more while the store may still run: served from the same build or the stored table
    const again = await desk.desk(Q);
    expect(counts.builds).toBe(1);
    expect(again).toEqual(views[0]);
    await desk.settled();
    expect(await storedCount()).toBe(1);
    const { gen } = await lookupTable(get().db, KEY);
    // a second service (another process) at the same data version finds it stored and stores nothing
    const other = countedDesk();
    expect(await other.desk.desk(Q)).toEqual(views[0]);
    await other.desk.settled();
    expect(other.counts.builds).toBe(0);
    expect((await lookupTable(get().db, KEY)).gen).toBe(gen);
  });

  it('builds no second table for a request whose lookup answered after another build was stored', async () => {
    // of two requests at once, the later lookup runs before the other request's build is stored and its
    // answer comes back after that store has finished (a slow connection or a busy server): it found no
    // table, and the build has left the in-process map
    const gate = () => {
      let open = () => {};
      const opened = new Promise<void>((resolve) => {
        open = resolve;
      });
      return { open, opened };
    };
    const looked = gate(); // the held lookup has its answer (no table yet)
    const stored = gate(); // the other request's build is stored
    const held = gate(); // the held lookup's answer goes back to the desk
    let lookups = 0;
    const db = get().db;
    const slow: Db = {
      ...db,
      async query<T>(sql: string, params?: readonly unknown[]) {
        const n = sql.includes('desk_table(') ? ++lookups : 0;
        const r = await db.query<T>(sql, params);
        if (n === 2) {
          looked.open();
          await held.opened;
        }
        return r;
      },
      exec: (sql) => db.exec(sql),
      async transaction(fn) {
        // the store waits until the held lookup has read the database
        await looked.opened;
        const r = await db.transaction(fn);
        stored.open();
        return r;
      },
    };
    const { desk, counts } = countedDesk(slow);
    const views = Promise.all([desk.desk(Q), desk.desk({ ...Q, offset: 1 })]);
    await stored.opened;
    await desk.settled();
    expect(await storedCount()).toBe(1);
    held.open();
    const [first, second] = await views;
    expect(counts.builds).toBe(1);
    // both pages of the one build
    expect(second.rows[0]).toEqual(first.rows[1]);
    expect(second.total).toBe(first.total);
    await desk.settled();
    expect(await storedCount()).toBe(1);
  });

  it('serves a write made between the build and its store, and never stores the older table', async () => {
    const { desk, counts } = countedDesk();
    const first = await desk.desk(Q);
    const person = first.rows[0]!.employee_id;
    expect(first.rows[0]!.target).not.toBe(31337);
    // the store of the first build has not run yet (it waits for the next turn of the event loop)
    await setOverride(get().db, {
      role: ROLE,
      metric: METRIC,
      period: PERIOD,
      employeeId: person,
      value: 31337,
      reason: 'between build and store',
      actor: null,
    });
    const second = await desk.desk(Q);
    expect(counts.builds).toBe(2);
    expect(second.rows[0]!.target).toBe(31337);
    await desk.settled();
    const ref = await lookupTable(get().db, KEY);
    expect(ref.version).toBe(ref.current);
    const stored = await desk.desk(Q);
    expect(counts.builds).toBe(2);
    expect(stored).toEqual(second);
    expect(await storedCount()).toBe(1);
  });

  it('reports a store that fails; the answer stands and the next request builds again', async () => {
    const failing: Db = {
      ...get().db,
      query: (sql, params) => get().db.query(sql, params),
      exec: (sql) => get().db.exec(sql),
      transaction: () => Promise.reject(new Error('no room left')),
    };
    const errors: unknown[] = [];
    const { desk, counts } = countedDesk(failing, (err) => errors.push(err));
    const view = await desk.desk(Q);
    expect(view.rows.length).toBeGreaterThan(0);
    await desk.settled();
    expect(errors.map((e) => (e as Error).message)).toEqual(['no room left']);
    expect(await storedCount()).toBe(0);
    await desk.desk(Q);
    expect(counts.builds).toBe(2);
    await desk.settled();
  });

  it('closing waits for a store in flight and starts none after', async () => {
    let opened = () => {};
    const gate = new Promise<void>((resolve) => {
      opened = resolve;
    });
    let began = () => {};
    const storing = new Promise<void>((resolve) => {
      began = resolve;
    });
    const db = get().db;
    const gated: Db = {
      ...db,
      query: (sql, params) => db.query(sql, params),
      exec: (sql) => db.exec(sql),
      async transaction(fn) {
        began();
        await gate;
        return db.transaction(fn);
      },
    };
    const { desk } = countedDesk(gated);
    await desk.desk(Q);
    await storing;
    let closed = false;
    const closing = desk.close().then(() => {
      closed = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(closed).toBe(false);
    opened();
    await closing;
    expect(await storedCount()).toBe(1);
    // a request after the close is still answered; its table is not stored
    await db.query('delete from desk_rows');
    await db.query('delete from desk_tables');
    expect((await desk.desk(Q)).rows.length).toBeGreaterThan(0);
    await desk.settled();
    expect(await storedCount()).toBe(0);
  });

  it("reads a scope's last period with data from the index as the whole scan finds it, for every role, metric and kind", async () => {
    const { db } = get();
    const roles = (await db.query<{ id: string }>('select id from roles')).rows.map((r) => r.id);
    const metrics = (await db.query<{ id: string }>('select id from metrics')).rows.map((r) => r.id);
    let found = 0;
    for (const role of [...roles, 'no_such_role'])
      for (const metric of metrics)
        for (const kind of ['week', 'month', 'quarter'] as const) {
          const key = { role, metric, kind };
          // the query before the index read: every value of the metric scanned
          const scan = await db.query<{ last: string | null }>(
            `select max(h.period) as last from kpi_history h where h.metric_id = $2 and h.period_kind = $3
               and h.period_start = (select max(x.period_start) from kpi_history x where x.metric_id = $2 and x.period_kind = $3
                                       and exists (select 1 from employees e where e.id = x.employee_id and e.role_id = $1))`,
            [role, metric, kind],
          );
          const want = scan.rows[0]?.last ?? null;
          expect(await lastPeriodWithData(db, key), JSON.stringify(key)).toBe(want);
          if (want !== null) found++;
        }
    expect(found).toBeGreaterThan(3);
  });

  it("the app's close closes the desk: a table built then is not stored", async () => {
    const other = await buildTestApp(get().db);
    const view = await other.app.services.desk.desk(Q);
    expect(view.rows.length).toBeGreaterThan(0);
    await other.app.close();
    await other.app.services.desk.settled();
    expect(await storedCount()).toBe(0);
  });
});
