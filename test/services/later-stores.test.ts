/**
 * Forecast sets cached after the answer (src/services/later-stores.ts, src/kpi/targets.ts `StoreLater`),
 * both backends: a cold targets read answers and its set is cached afterwards — what is cached answers
 * the same; a write between the computation and its store is seen (the set stored under the older data
 * is never served); closing the services waits for a store that has not run yet; a store that fails is
 * reported and the others still run.
 */
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { parsePeriod, shiftPeriod } from '../../src/history/period.js';
import { forecastSet, type StoreLater } from '../../src/kpi/targets.js';
import { lastPeriodWithData } from '../../src/kpi/targets-store.js';
import { trainBaselinesProcessor } from '../../src/kpi/train.js';
import { createLaterStores } from '../../src/services/later-stores.js';
import { buildTestApp, type TestApp, trainBaselines } from '../helpers/app.js';
import { describeEachBackend } from '../helpers/db.js';
import { loadDemo } from '../kpi/helpers.js';

const ROLE = 'product_ops';
const METRIC = 'gmv';
const KEY = { role: ROLE, metric: METRIC, kind: 'quarter' } as const;
const Q = { role: ROLE, metric: METRIC, belowFloorOnly: false, limit: 1000, offset: 0 };

describeEachBackend('forecast sets cached after the answer', (get) => {
  let t: TestApp;
  let period: string;
  beforeAll(async () => {
    await loadDemo(get().db, { people: 24 });
    t = await buildTestApp(get().db, {}, false, { train_baselines: trainBaselinesProcessor as never });
    await trainBaselines(t, { role: ROLE, metric: METRIC, network: false });
    // the period HR asks for: the one after the last with data
    period = shiftPeriod(parsePeriod((await lastPeriodWithData(get().db, KEY))!)!, 1).id;
  }, 300_000);
  afterAll(async () => {
    await t?.app.close();
  });
  beforeEach(async () => {
    await t.app.services.targets.settled();
    await get().db.query('delete from baseline_forecast_cache');
    await get().db.query('delete from read_results');
  });

  const cachedRows = async () =>
    Number((await get().db.query<{ n: number }>('select count(*)::int as n from baseline_forecast_cache')).rows[0]!.n);

  it('answers a cold read, caches its set after it, and the cached set answers the same', async () => {
    const cold = await t.app.services.targets.roleTargets({ ...Q, period });
    expect(cold.metrics[0]!.people.length).toBeGreaterThan(0);
    await t.app.services.targets.settled();
    expect(await cachedRows()).toBe(1);
    const got = await forecastSet(get().db, KEY, parsePeriod(period)!);
    expect(got.cached).toBe(true);
    expect(await t.app.services.targets.roleTargets({ ...Q, period })).toEqual(cold);
    // the JSON route of the API: the same numbers, its set cached after the answer too
    await get().db.query('delete from baseline_forecast_cache');
    const r = await t.app.inject({
      url: `/v1/targets?role=${ROLE}&metric=${METRIC}&period=${period}`,
      headers: t.auth('hr'),
    });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json().metrics[0].people).toEqual(cold.metrics[0]!.people);
    await t.app.services.targets.settled();
    expect(await cachedRows()).toBe(1);
  });

  it('never serves a set stored after a write that came between its computation and its store', async () => {
    const stores: (() => Promise<void>)[] = [];
    const storeLater: StoreLater = (s) => stores.push(s);
    const before = await t.app.services.targets.roleTargets({ ...Q, period }, { storeLater });
    expect(stores).toHaveLength(1);
    expect(await cachedRows()).toBe(0);
    // a write to the history the set was computed from, then the store of the older set
    const row = (
      await get().db.query<{ employee_id: string; period: string }>(
        `select employee_id, period from kpi_history where metric_id = $1 and period_kind = 'quarter' order by period_start desc, employee_id limit 1`,
        [METRIC],
      )
    ).rows[0]!;
    await get().db.query(
      `update kpi_history set value = value * 3, updated_at = now() where employee_id = $1 and metric_id = $2 and period = $3`,
      [row.employee_id, METRIC, row.period],
    );
    for (const s of stores) await s();
    expect(await cachedRows()).toBe(1);
    const after = await forecastSet(get().db, KEY, parsePeriod(period)!);
    expect(after.cached).toBe(false);
    const person = (a: typeof before) => a.metrics[0]!.people.find((p) => p.employee_id === row.employee_id);
    const now = await t.app.services.targets.roleTargets({ ...Q, period });
    expect(person(now)?.baseline).not.toBe(person(before)?.baseline);
    // put it back for the other tests
    await get().db.query(
      `update kpi_history set value = value / 3, updated_at = now() where employee_id = $1 and metric_id = $2 and period = $3`,
      [row.employee_id, METRIC, row.period],
    );
  });

  it('closing the services waits for a store not yet run', async () => {
    const other = await buildTestApp(get().db);
    await other.app.services.targets.roleTargets({ ...Q, period });
    // the store runs on the next turn of the event loop: closing now must not lose it
    expect(await cachedRows()).toBe(0);
    await other.app.close();
    expect(await cachedRows()).toBe(1);
  });

  it('reports a store that fails and still runs the others', async () => {
    const errors: unknown[] = [];
    const later = createLaterStores((err) => errors.push(err));
    const ran: string[] = [];
    const c = later.collect();
    c.storeLater(async () => {
      throw new Error('the database went away');
    });
    c.storeLater(async () => {
      ran.push('second');
    });
    expect(ran).toEqual([]);
    c.start();
    // handed over after the start: runs on its own
    c.storeLater(async () => {
      ran.push('late');
    });
    await later.settled();
    expect(errors.map((e) => (e as Error).message)).toEqual(['the database went away']);
    expect(ran.sort()).toEqual(['late', 'second']);
  });
});
