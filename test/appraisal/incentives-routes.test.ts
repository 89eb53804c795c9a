/**
 * Tiered incentives over HTTP: plan versions (retry, conflict, refusals naming the field), a payout
 * preview from the period's KPI inputs (tiers from the attainment, the star allowance from stored monthly
 * ratings, pools to the cent), and the payroll export (CSV with BOM, XLSX).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Db } from '../../src/db/types.js';
import { trainBaselinesProcessor } from '../../src/kpi/train.js';
import { readWorkbook } from '../../src/lib/spreadsheet.js';
import { buildTestApp, type TestApp, trainBaselines } from '../helpers/app.js';
import { describeEachBackend } from '../helpers/db.js';
import { loadDemo } from '../kpi/helpers.js';

const PLAN = {
  id: 'cs-2026',
  version: 1,
  role: 'cs_agent',
  effective_from: '2026-01',
  tier_mode: 'whole',
  base_pay_cents: 600000,
  components: [
    {
      id: 'service_bonus',
      drivers: [{ metric: 'csat', weight: 1 }],
      base: { fixed_cents: 100000 },
      tiers: [
        { from: 0, to: 90, rate: 0 },
        { from: 90, to: 100, rate: 50 },
        { from: 100, rate: 100 },
      ],
    },
  ],
  star_allowance: { amount_cents: 50000, months: 3, min_stars: 4.8 },
};

/** A stored monthly service rating with the given posterior mean (stars = 1 + 4 × mean). */
async function storeRating(db: Db, agent: string, month: string, mean: number): Promise<void> {
  await db.query(
    `insert into agent_ratings (agent_id, period, period_kind, period_start, role_id, reviews, unscored, n, positive,
       not_attributable, aspect_n, aspect_positive, other_mentions, other_negative, sentiment_models, negative_reviews,
       negative_replied_24h, negative_late, negative_pending, returns, returns_closed_48h, returns_late, returns_pending,
       posterior_mean, ci_low, ci_high, min_reviews, rating_model)
     values ($1, $2, 'month', ($2 || '-01')::date, 'cs_agent', 40, 0, 40, 39, 0, '{0,0,0}', '{0,0,0}', '{0,0,0,0}',
       '{0,0,0,0}', '{}', 0, 0, 0, 0, 0, 0, 0, 0, $3::float8, $3::float8 - 0.02, $3::float8 + 0.01, 10, 'eb-beta-binomial@3')`,
    [agent, month, mean],
  );
}

describeEachBackend('tiered incentives over HTTP', (get) => {
  let t: TestApp;
  let agents: string[];

  beforeAll(async () => {
    const { db } = get();
    await loadDemo(db, { people: 12 });
    t = await buildTestApp(db, {}, false, { train_baselines: trainBaselinesProcessor as never });
    await trainBaselines(t, { role: 'cs_agent', metric: 'csat', kind: 'month', network: false }, 120_000);
    const people = await t.app.inject({ url: '/v1/employees?role=cs_agent', headers: t.auth('hr') });
    agents = people.json().map((e: { id: string }) => e.id);
    expect(agents.length).toBeGreaterThanOrEqual(2);
    // the first agent: three months in a row at 4.96 stars; the second: a gap in August
    for (const m of ['2026-08', '2026-09', '2026-10']) await storeRating(db, agents[0]!, m, 0.99);
    for (const m of ['2026-09', '2026-10']) await storeRating(db, agents[1]!, m, 0.99);
  });
  afterAll(async () => {
    await t?.app.close();
  });

  const save = (plan: unknown, scope: 'hr' | 'scorer' = 'hr') =>
    t.app.inject({ method: 'POST', url: '/v1/incentive-plans', headers: t.auth(scope), payload: plan as object });

  it('saves plan versions: created, retried, never changed', async () => {
    const first = await save(PLAN);
    expect(first.statusCode, first.body).toBe(201);
    expect(first.json()).toMatchObject({ id: 'cs-2026', version: 1, role: 'cs_agent', plan: { currency: 'CNY' } });
    expect(first.json().actor).toEqual(expect.any(String));
    expect((await save(PLAN)).statusCode).toBe(200);
    const changed = await save({ ...PLAN, base_pay_cents: 650000 });
    expect(changed.statusCode).toBe(409);
    expect(changed.json()).toMatchObject({ code: 'conflict', field: 'version' });
    expect(changed.json().detail).toContain('version 2');
    const v2 = await save({ ...PLAN, version: 2, effective_from: '2026-11', base_pay_cents: 650000 });
    expect(v2.statusCode).toBe(201);
    const list = await t.app.inject({ url: '/v1/incentive-plans?role=cs_agent', headers: t.auth('hr') });
    expect(list.json().map((p: { version: number }) => p.version)).toEqual([1, 2]);
    const latest = await t.app.inject({ url: '/v1/incentive-plans/cs-2026', headers: t.auth('hr') });
    expect(latest.json().version).toBe(2);
    const one = await t.app.inject({ url: '/v1/incentive-plans/cs-2026?version=1', headers: t.auth('hr') });
    expect(one.json().plan.base_pay_cents).toBe(600000);
    const none = await t.app.inject({ url: '/v1/incentive-plans/cs-2026?version=9', headers: t.auth('hr') });
    expect(none.statusCode).toBe(404);
  });

  it('refuses bad plans naming the field', async () => {
    const overlap = await save({
      ...PLAN,
      id: 'bad',
      components: [
        {
          ...PLAN.components[0],
          tiers: [
            { from: 0, to: 90, rate: 0 },
            { from: 80, rate: 5 },
          ],
        },
      ],
    });
    expect(overlap.statusCode).toBe(422);
    expect(overlap.json()).toMatchObject({ code: 'invalid_plan' });
    expect(overlap.json().errors).toContainEqual({
      field: 'components.0.tiers.1.from',
      reason: '80 % overlaps tier 0 (up to 90 %)',
    });
    const shape = await save({ ...PLAN, id: 'bad', bonus: 1, tier_mode: 'steep' });
    expect(shape.statusCode).toBe(400);
    const fields = shape.json().errors.map((e: { field: string }) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['body.tier_mode', 'body.bonus']));
    const role = await save({ ...PLAN, id: 'bad', role: 'astronaut' });
    expect(role.statusCode).toBe(422);
    expect(role.json().errors).toEqual([expect.objectContaining({ field: 'role' })]);
    expect((await save(PLAN, 'scorer')).statusCode).toBe(403);
  });

  it("previews a period's payouts from its KPI inputs, every step shown, and exports them for payroll", async () => {
    const pools = [
      {
        id: 'launch',
        pool_cents: 100000,
        shares: [
          { employee_id: agents[0]!, share: 1 },
          { employee_id: agents[1]!, share: 1 },
          { employee_id: 'outsider', share: 1 },
        ],
      },
    ];
    const r = await t.app.inject({
      method: 'POST',
      url: '/v1/payouts/preview',
      headers: t.auth('hr'),
      payload: { period: '2026-10', role: 'cs_agent', pools },
    });
    expect(r.statusCode, r.body).toBe(201);
    const preview = r.json();
    const inputs = await t.app.inject({
      url: '/v1/kpi-inputs?period=2026-10&role=cs_agent',
      headers: t.auth('scorer'),
    });
    const attainment = new Map<string, number | null>(
      inputs
        .json()
        .people.map((p: { employee_id: string; metrics: { metric: string; attainment: number | null }[] }) => [
          p.employee_id,
          p.metrics.find((m) => m.metric === 'csat')?.attainment ?? null,
        ]),
    );
    let checked = 0;
    for (const p of preview.payouts) {
      if (p.employee_id === 'outsider') {
        expect(p.plan).toBeNull();
        continue;
      }
      expect(p.plan).toEqual({ id: 'cs-2026', version: 1, tier_mode: 'whole' }); // v2 starts in November
      const c = p.components[0];
      const a = attainment.get(p.employee_id);
      if (a === null || a === undefined) {
        expect(c.status).toBe('missing_data');
        continue;
      }
      expect(c.attainment_percent).toBeCloseTo(100 * a, 2);
      const rate = c.attainment_percent >= 100 ? 100 : c.attainment_percent >= 90 ? 50 : 0;
      expect(c.lines).toEqual([expect.objectContaining({ rate_percent: rate, slice_cents: 100000 })]);
      expect(c.amount_cents).toBe(1000 * rate);
      const pool = p.project_bonus.reduce((s: number, l: { amount_cents: number }) => s + l.amount_cents, 0);
      expect(p.total_cents).toBe(600000 + c.amount_cents + p.star_allowance.amount_cents + pool);
      checked++;
    }
    expect(checked).toBeGreaterThan(0);
    const by = new Map(preview.payouts.map((p: { employee_id: string }) => [p.employee_id, p]));
    expect((by.get(agents[0]!) as { star_allowance: object }).star_allowance).toMatchObject({
      qualifies: true,
      run_length: 3,
      amount_cents: 50000,
    });
    expect((by.get(agents[1]!) as { star_allowance: object }).star_allowance).toMatchObject({
      qualifies: false,
      run_length: 2,
      amount_cents: 0,
    });
    const parts = preview.payouts.flatMap((p: { project_bonus: { amount_cents: number }[] }) =>
      p.project_bonus.map((l) => l.amount_cents),
    );
    expect(parts.reduce((s: number, x: number) => s + x, 0)).toBe(100000);
    expect(preview.unplanned).toEqual(['outsider']);
    expect(preview.totals.total_cents).toBe(
      preview.payouts.reduce((s: number, p: { total_cents: number }) => s + p.total_cents, 0),
    );

    const again = await t.app.inject({ url: `/v1/payouts/previews/${preview.id}`, headers: t.auth('hr') });
    expect(again.json()).toEqual(preview);

    const csv = await t.app.inject({ url: `/v1/payouts/previews/${preview.id}/export`, headers: t.auth('hr') });
    expect(csv.statusCode, csv.body).toBe(200);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.headers['content-disposition']).toContain('.csv');
    expect(csv.body.startsWith('\uFEFFperiod,employee_id,role,plan_id')).toBe(true);
    const lines = csv.body.trim().split('\r\n');
    expect(lines).toHaveLength(preview.payouts.length + 1);
    const first = lines.find((l) => l.includes(`,${agents[0]},`))!.split(',');
    expect(Number(first[11])).toBe((by.get(agents[0]!) as { total_cents: number }).total_cents / 100);

    const xlsx = await t.app.inject({
      url: `/v1/payouts/previews/${preview.id}/export?format=xlsx`,
      headers: t.auth('hr'),
    });
    expect(xlsx.statusCode).toBe(200);
    const book = await readWorkbook(xlsx.rawPayload);
    expect(book.rows[0]?.slice(0, 3)).toEqual(['period', 'employee_id', 'role']);
    expect(book.rows.filter((row) => row.length > 0)).toHaveLength(preview.payouts.length + 1);
  });

  it('refuses bad preview requests naming the field', async () => {
    const send = (payload: object) =>
      t.app.inject({ method: 'POST', url: '/v1/payouts/preview', headers: t.auth('hr'), payload });
    const year = await send({ period: '2026' });
    expect(year.statusCode).toBe(400);
    expect(year.json().errors[0].field).toBe('body.period');
    const pool = await send({
      period: '2026-10',
      pools: [{ id: 'p', pool_cents: 100, shares: [{ employee_id: 'a', share: -1 }] }],
    });
    expect(pool.statusCode).toBe(422);
    expect(pool.json()).toMatchObject({ code: 'invalid_pool' });
    expect(pool.json().errors).toEqual([expect.objectContaining({ field: 'pools.0.shares.0.share' })]);
    const role = await send({ period: '2026-10', role: 'astronaut' });
    expect(role.statusCode).toBe(404);
    const missing = await t.app.inject({ url: '/v1/payouts/previews/nope/export', headers: t.auth('hr') });
    expect(missing.statusCode).toBe(404);
    const format = await t.app.inject({
      url: '/v1/payouts/previews/nope/export?format=pdf',
      headers: t.auth('hr'),
    });
    expect(format.statusCode).toBe(400);
    expect(format.json().errors[0].field).toBe('querystring.format');
  });
});
