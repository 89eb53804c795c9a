/**
 * The appraisal writes in the one audit store: 360° imports, plans, payout previews, growth catalogue and
 * ledger changes, cycles — one row each, in the same transaction (a refused change leaves none).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { describeEachBackend } from '../helpers/db.js';

interface Entry {
  action: string;
  actor: string | null;
  subject_type: string;
  subject_id: string;
  role_id: string | null;
  period: string | null;
  employee_id: string | null;
  before: unknown;
  after: unknown;
  detail: Record<string, unknown>;
}

describeEachBackend('appraisal writes in the one audit store', (get) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp(get().db);
    const r = await t.app.inject({
      method: 'POST',
      url: '/v1/employees',
      headers: t.auth('hr'),
      payload: ['a1', 'a2', 'a3'].map((id) => ({ id, role: 'cs_agent', team: 'T' })),
    });
    expect(r.statusCode, r.body).toBe(200);
  });
  afterAll(async () => {
    await t?.app.close();
  });

  const send = (method: 'POST' | 'PUT', url: string, payload: object) =>
    t.app.inject({ method, url, headers: t.auth('hr'), payload });
  const audit = async (action: string): Promise<Entry[]> => {
    const r = await t.app.inject({ url: `/v1/audit?action=${encodeURIComponent(action)}`, headers: t.auth('hr') });
    expect(r.statusCode, r.body).toBe(200);
    return r.json().entries;
  };

  it('records cycles, plans and payout previews with their actor', async () => {
    expect((await send('PUT', '/v1/roles/cs_agent/cycle', { tracked: 'week', appraised: 'month' })).statusCode).toBe(
      200,
    );
    const [cycle] = await audit('role_cycle.set');
    expect(cycle).toMatchObject({
      subject_id: 'cs_agent',
      role_id: 'cs_agent',
      actor: expect.any(String),
      before: null,
      after: { tracked: 'week', appraised: 'month' },
    });
    // a refused declaration leaves no row
    expect((await send('PUT', '/v1/roles/cs_agent/cycle', { tracked: 'quarter', appraised: 'month' })).statusCode).toBe(
      422,
    );
    expect(await audit('role_cycle.')).toHaveLength(1);

    const plan = {
      id: 'cs-a',
      version: 1,
      role: 'cs_agent',
      effective_from: '2026-01',
      tier_mode: 'whole',
      base_pay_cents: 500000,
      components: [
        {
          id: 'bonus',
          drivers: [{ metric: 'csat', weight: 1 }],
          base: { fixed_cents: 100000 },
          tiers: [
            { from: 0, to: 100, rate: 0 },
            { from: 100, rate: 50 },
          ],
        },
      ],
    };
    const saved = await send('POST', '/v1/incentive-plans', plan);
    expect(saved.statusCode, saved.body).toBe(201);
    expect((await send('POST', '/v1/incentive-plans', plan)).statusCode).toBe(200); // a retry: no second row
    const plans = await audit('incentive_plan.save');
    expect(plans).toHaveLength(1);
    expect(plans[0]).toMatchObject({ subject_id: 'cs-a@1', role_id: 'cs_agent', period: '2026-01' });

    const preview = await send('POST', '/v1/payouts/preview', { period: '2026-10', role: 'cs_agent' });
    expect(preview.statusCode, preview.body).toBe(201);
    const [p] = await audit('payout_preview.create');
    expect(p).toMatchObject({ subject_id: preview.json().id, period: '2026-10', role_id: 'cs_agent' });
  });

  it('records 360° imports per period and every growth ledger change; a refused spend leaves none', async () => {
    const R = (ratee: string, rater: string, score: number, period = '2026-10') => ({
      ratee,
      rater,
      relation: 'peer',
      period,
      item: 'overall',
      score,
      scale: { min: 1, max: 5 },
    });
    const imp = await send('POST', '/v1/360/ratings', [
      R('a1', 'p1', 4),
      R('a2', 'p1', 3),
      R('a3', 'p2', 5),
      R('a1', 'p2', 4),
      R('a2', 'p3', 2, '2026-09'),
    ]);
    expect(imp.statusCode, imp.body).toBe(200);
    const rows = await audit('ratings_360.import');
    expect(rows.map((r) => [r.period, r.detail.rows]).sort()).toEqual([
      ['2026-09', 1],
      ['2026-10', 4],
    ]);
    // the same import again changes nothing and records nothing
    await send('POST', '/v1/360/ratings', [R('a1', 'p1', 4)]);
    expect(await audit('ratings_360.import')).toHaveLength(2);

    const catalogue = {
      version: 1,
      tasks: [{ id: 'sku', name: 'SKU optimisation', xp: 30 }],
      levels: [{ level: 1, name: 'Seedling', min_xp: 0 }],
      rewards: [{ id: 'mug', name: 'Mug', cost: 20 }],
    };
    expect((await send('PUT', '/v1/growth/catalogue', catalogue)).statusCode).toBeLessThan(300);
    expect(await audit('growth_catalogue.save')).toHaveLength(1);
    const done = await send('POST', '/v1/growth/completions', [{ id: 'c1', employee_id: 'a1', task_id: 'sku' }]);
    expect(done.statusCode, done.body).toBeLessThan(300);
    const spend = await send('POST', '/v1/growth/redemptions', { id: 'r1', employee_id: 'a1', reward_id: 'mug' });
    expect(spend.statusCode, spend.body).toBeLessThan(300);
    const over = await send('POST', '/v1/growth/redemptions', { id: 'r2', employee_id: 'a1', reward_id: 'mug' });
    expect(over.statusCode).toBe(409);
    const growth = await audit('growth.');
    expect(
      growth.map((g) => [g.subject_id, g.employee_id, g.before, (g.after as { balance_after: number }).balance_after]),
    ).toEqual([
      ['r1', 'a1', { xp: 30, balance: 30 }, 10],
      ['c1', 'a1', { xp: 0, balance: 0 }, 30],
    ]);
  });
});
