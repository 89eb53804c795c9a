/**
 * The declared cycle read by the ratings (issue 17: one cycle per role, used by targets, ratings and KPI
 * inputs alike): without a period, a role's ratings answer its latest rated period on the kind it is
 * tracked on; a period finer than that kind is refused with 422 naming `period`, for the list and for an
 * agent's ratings; a declaration moves both.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { describeEachBackend } from '../helpers/db.js';

const RATING = `insert into agent_ratings (agent_id, period, period_kind, period_start, role_id, reviews, unscored, n, positive, not_attributable,
   aspect_n, aspect_positive, other_mentions, other_negative, sentiment_models,
   negative_reviews, negative_replied_24h, negative_late, negative_pending, returns, returns_closed_48h, returns_late, returns_pending,
   prior_alpha, prior_beta, prior_method, posterior_mean, ci_low, ci_high, min_reviews, rating_model)
 values ($1, $2, $3, $4, $5, 30, 0, 25, 20, 5, '{20,5,0}', '{16,4,0}', '{0,0,0,0}', '{0,0,0,0}', '{}',
   4, 3, 1, 0, 0, 0, 0, 0, 8, 2, 'moments', 0.8, 0.65, 0.9, 10, 'test-rating')`;

describeEachBackend('declared cycles in the ratings', (get) => {
  let t: TestApp;
  beforeAll(async () => {
    const { db } = get();
    t = await buildTestApp(db);
    const e = await t.app.inject({
      method: 'POST',
      url: '/v1/employees',
      headers: t.auth('hr'),
      payload: [
        { id: 'c1', role: 'cs_agent', team: 'C' },
        { id: 'p1', role: 'product_ops', team: 'P' },
      ],
    });
    expect(e.statusCode, e.body).toBe(200);
    for (const [agent, role] of [
      ['c1', 'cs_agent'],
      ['p1', 'product_ops'],
    ] as const) {
      await db.query(RATING, [agent, '2026-W40', 'week', '2026-09-28', role]);
      await db.query(RATING, [agent, '2026-09', 'month', '2026-09-01', role]);
      await db.query(RATING, [agent, '2026-10', 'month', '2026-10-01', role]);
      await db.query(RATING, [agent, '2026-Q3', 'quarter', '2026-07-01', role]);
    }
  });
  afterAll(async () => {
    await t?.app.close();
  });

  const ratings = async (qs: string) => {
    const r = await t.app.inject({ url: `/v1/ratings${qs}`, headers: t.auth('scorer') });
    return { status: r.statusCode, body: r.json() };
  };

  it('defaults the period to the role’s cycle and refuses a finer period naming `period`', async () => {
    // cs_agent is tracked monthly (catalogue): its latest rated month
    const latest = await ratings('?role=cs_agent');
    expect(latest.status).toBe(200);
    expect(latest.body.period).toBe('2026-10');
    expect(latest.body.items.map((r: { agent_id: string }) => r.agent_id)).toEqual(['c1']);
    // product_ops is tracked quarterly: its latest rated quarter
    expect((await ratings('?role=product_ops')).body.period).toBe('2026-Q3');

    const week = await ratings('?role=cs_agent&period=2026-W40');
    expect(week.status).toBe(422);
    expect(week.body.field).toBe('period');
    expect(week.body.detail).toContain('tracked by month');
    const month = await ratings('?role=product_ops&period=2026-10');
    expect(month.status).toBe(422);
    expect(month.body.field).toBe('period');
    // coarser kinds (the quarter, the year of its quarters) answer
    expect((await ratings('?role=cs_agent&period=2026-Q3')).status).toBe(200);
    expect((await ratings('?role=product_ops&period=2026')).status).toBe(200);
    // no role and no period: refused naming the period; no role with a period: every role answers
    const none = await ratings('');
    expect(none.status).toBe(422);
    expect(none.body.field).toBe('period');
    expect((await ratings('?period=2026-W40')).body.total).toBe(2);

    // an agent's ratings: a finer kind or period is refused naming the parameter given
    const agent = async (qs: string) => t.app.inject({ url: `/v1/ratings/agents/p1${qs}`, headers: t.auth('scorer') });
    const byKind = await agent('?kind=month');
    expect(byKind.statusCode).toBe(422);
    expect(byKind.json().field).toBe('kind');
    const byPeriod = await agent('?period=2026-09');
    expect(byPeriod.statusCode).toBe(422);
    expect(byPeriod.json().field).toBe('period');
    expect((await agent('?kind=quarter')).statusCode).toBe(200);
  });

  it('follows a declaration: a role tracked weekly answers its weeks', async () => {
    const put = await t.app.inject({
      method: 'PUT',
      url: '/v1/roles/cs_agent/cycle',
      headers: t.auth('hr'),
      payload: { tracked: 'week', appraised: 'month' },
    });
    expect(put.statusCode, put.body).toBe(200);
    const week = await ratings('?role=cs_agent&period=2026-W40');
    expect(week.status).toBe(200);
    expect(week.body.total).toBe(1);
    expect((await ratings('?role=cs_agent')).body.period).toBe('2026-W40');
    const back = await t.app.inject({
      method: 'PUT',
      url: '/v1/roles/cs_agent/cycle',
      headers: t.auth('hr'),
      payload: { tracked: 'month', appraised: 'month' },
    });
    expect(back.statusCode).toBe(200);
    expect((await ratings('?role=cs_agent&period=2026-W40')).status).toBe(422);
  });
});
