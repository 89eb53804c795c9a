/**
 * The declared cycle read by the KPI inputs and the targets: a role tracked weekly gets monthly inputs
 * from its weeks; reads without a period default to the role's cycle; a declaration changes the
 * stored answers' version (the next read follows it).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { describeEachBackend } from '../helpers/db.js';

interface Inputs {
  period: string;
  total: number;
  people: { employee_id: string; metrics: { metric: string; from: string; period_kind: string; note?: string }[] }[];
}

describeEachBackend('declared cycles in the reads', (get) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp(get().db);
    const hr = t.auth('hr');
    const e = await t.app.inject({
      method: 'POST',
      url: '/v1/employees',
      headers: hr,
      payload: [
        { id: 's1', role: 'sales_ops', team: 'S' },
        { id: 's2', role: 'sales_ops', team: 'S' },
      ],
    });
    expect(e.statusCode, e.body).toBe(200);
    // weekly GMV only (ISO weeks 40–44 have their Thursday in October 2026), and one September month
    const weeks = ['2026-W40', '2026-W41', '2026-W42', '2026-W43', '2026-W44'];
    const rows = weeks.flatMap((period, i) =>
      ['s1', 's2'].map((id, j) => ({ employee_id: id, metric_id: 'gmv', period, value: 1000 + 100 * i + j })),
    );
    rows.push({ employee_id: 's1', metric_id: 'visitors', period: '2026-09', value: 5000 });
    const h = await t.app.inject({ method: 'POST', url: '/v1/history', headers: hr, payload: rows });
    expect(h.statusCode, h.body).toBe(200);
  });
  afterAll(async () => {
    await t?.app.close();
  });

  const inputs = async (qs: string): Promise<{ status: number; body: Inputs & { field?: string } }> => {
    const r = await t.app.inject({ url: `/v1/kpi-inputs${qs}`, headers: t.auth('scorer') });
    return { status: r.statusCode, body: r.json() };
  };

  it('gives a weekly-tracked role monthly inputs from its weeks, and stops when HR declares another cycle', async () => {
    const oct = await inputs('?period=2026-10&role=sales_ops');
    expect(oct.status).toBe(200);
    expect(oct.body.people.map((p) => p.employee_id)).toEqual(['s1', 's2']);
    const gmv = oct.body.people[0]!.metrics.find((m) => m.metric === 'gmv')!;
    expect(gmv).toMatchObject({ from: 'weeks', period_kind: 'week' });
    expect(gmv.note).toContain('mean over 5 week(s)');
    // the quarter likewise (weeks 40–52 with data: the five of October)
    const q4 = await inputs('?period=2026-Q4&role=sales_ops');
    expect(q4.body.people.map((p) => p.metrics.find((m) => m.metric === 'gmv')?.from)).toEqual(['weeks', 'weeks']);

    const put = await t.app.inject({
      method: 'PUT',
      url: '/v1/roles/sales_ops/cycle',
      headers: t.auth('hr'),
      payload: { tracked: 'month', appraised: 'month' },
    });
    expect(put.statusCode).toBe(200);
    // the declaration changes the stored answers' version: the same read now follows it
    const after = await inputs('?period=2026-10&role=sales_ops');
    expect(after.body.total).toBe(0);
    const back = await t.app.inject({
      method: 'PUT',
      url: '/v1/roles/sales_ops/cycle',
      headers: t.auth('hr'),
      payload: { tracked: 'week', appraised: 'month' },
    });
    expect(back.statusCode).toBe(200);
    expect((await inputs('?period=2026-10&role=sales_ops')).body.total).toBe(2);
  });

  it('refuses a period finer than the role is tracked on, naming `period`, as the ratings do', async () => {
    const cycle = (tracked: string) =>
      t.app.inject({
        method: 'PUT',
        url: '/v1/roles/sales_ops/cycle',
        headers: t.auth('hr'),
        payload: { tracked, appraised: 'month' },
      });
    const targets = (qs: string) => t.app.inject({ url: `/v1/targets${qs}`, headers: t.auth('hr') });
    // tracked weekly: a week is the role's own grain
    expect((await inputs('?period=2026-W41&role=sales_ops')).status).toBe(200);
    expect((await cycle('month')).statusCode).toBe(200);
    const week = await inputs('?period=2026-W41&role=sales_ops');
    expect(week.status).toBe(422);
    expect(week.body.field).toBe('period');
    const weekTargets = await targets('?role=sales_ops&metric=gmv&period=2026-W46');
    expect(weekTargets.statusCode).toBe(422);
    expect(weekTargets.json()).toMatchObject({ field: 'period' });
    expect(weekTargets.json().detail).toContain('tracked by month');
    // a month and a quarter stay answered; without a role nothing is refused by a cycle
    expect((await inputs('?period=2026-10&role=sales_ops')).status).toBe(200);
    expect((await inputs('?period=2026-Q4&role=sales_ops')).status).toBe(200);
    expect((await inputs('?period=2026-W41')).status).toBe(200);
    expect((await cycle('week')).statusCode).toBe(200);
    expect((await inputs('?period=2026-W41&role=sales_ops')).status).toBe(200);
  });

  it("defaults the period of a role's reads to its cycle", async () => {
    // appraised monthly: the latest month with data
    const latest = await inputs('?role=sales_ops');
    expect(latest.status).toBe(200);
    expect(latest.body.period).toBe('2026-09');
    // no role, no period: refused naming the period
    const none = await inputs('');
    expect(none.status).toBe(422);
    expect(none.body.field).toBe('period');
    // product_ops (quarterly) has no history: refused naming the period
    const empty = await inputs('?role=product_ops');
    expect(empty.status).toBe(422);
    // targets: tracked weekly, the week after the latest data (W45) — no model here, so the answer says that
    const targets = await t.app.inject({ url: '/v1/targets?role=sales_ops&metric=gmv', headers: t.auth('hr') });
    expect(targets.json().code).toBe('no_model');
    expect(targets.json().detail).toContain('sales_ops:gmv:week');
  });
});
