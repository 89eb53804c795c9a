import { afterAll, beforeAll, expect, it } from 'vitest';
import { recomputeRatings } from '../../src/ratings/recompute.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { describeEachBackend } from '../helpers/db.js';
import { addAgents, addScoredReviews, type ScoredReview } from './helpers.js';

describeEachBackend('ratings and returns API', (get) => {
  let t: TestApp;
  beforeAll(async () => {
    const { db } = get();
    t = await buildTestApp(db);
    await addAgents(db, ['h1', 'h2', 'h3', 'h4', 'h5'], 'cs_agent', 'north');
    const rows: ScoredReview[] = [];
    for (const [a, good] of [
      ['h1', 18],
      ['h2', 14],
      ['h3', 10],
      ['h4', 6],
      ['h5', 2],
    ] as const) {
      for (let i = 0; i < 20; i++) {
        const p = i < good ? 0.92 : 0.08;
        rows.push({
          id: `${a}-${i}`,
          agent: a,
          created: `2026-03-${String(1 + i).padStart(2, '0')}T02:00:00Z`,
          replied: i % 3 ? `2026-03-${String(1 + i).padStart(2, '0')}T09:00:00Z` : null,
          p,
          aspects: [['service_attitude', p]],
          text: p > 0.5 ? '客服态度很好' : '客服态度很差',
        });
      }
    }
    rows.push({
      id: 'h1-logistics',
      agent: 'h1',
      created: '2026-03-05T02:00:00Z',
      replied: null,
      p: 0.05,
      aspects: [['logistics', 0.05]],
      text: '物流太慢了',
    });
    await addScoredReviews(get().db, rows);
    await recomputeRatings(db);
  });
  afterAll(async () => {
    await t.app.close();
  });

  it('lists a period by role, best first, paginated, for cs_lead and scorer', async () => {
    const r = await t.app.inject({
      url: '/v1/ratings?period=2026-Q1&role=cs_agent&limit=2',
      headers: t.auth('scorer'),
    });
    expect(r.statusCode).toBe(200);
    const body = r.json() as {
      total: number;
      items: Array<{
        agent_id: string;
        score: number;
        stars: number;
        interval: { low: number; high: number };
        n: number;
        sentiment_models: string[];
      }>;
    };
    expect(body.total).toBe(5);
    expect(body.items.map((x) => x.agent_id)).toEqual(['h1', 'h2']);
    expect(body.items[0]!.score).toBeGreaterThan(body.items[1]!.score);
    expect(body.items[0]!.stars).toBeGreaterThanOrEqual(1);
    expect(body.items[0]!.sentiment_models).toEqual(['sentiment-zh@test']);
    const page2 = (
      await t.app.inject({
        url: '/v1/ratings?period=2026-Q1&role=cs_agent&limit=2&offset=2&sort=agent_id&order=asc',
        headers: t.auth('cs_lead'),
      })
    ).json();
    expect(page2.items.map((x: { agent_id: string }) => x.agent_id)).toEqual(['h3', 'h4']);
    expect((await t.app.inject({ url: '/v1/ratings?period=2026-Q1', headers: t.auth('hr') })).statusCode).toBe(403);
    const bad = await t.app.inject({ url: '/v1/ratings?period=2026-13', headers: t.auth('cs_lead') });
    expect(bad.statusCode).toBe(400);
    expect(bad.headers['content-type']).toContain('application/problem+json');
  });

  it("gives one agent's history with aspects, what was not attributable and SLA rates; 404 for an unknown agent", async () => {
    const r = await t.app.inject({ url: '/v1/ratings/agents/h1?kind=month', headers: t.auth('scorer') });
    expect(r.statusCode).toBe(200);
    const march = r.json().ratings.find((x: { period: string }) => x.period === '2026-03');
    expect(march).toMatchObject({
      n: 20,
      reviews: 21,
      not_attributable: { reviews: 1, aspects: { logistics: { mentions: 1, negative: 1 } } },
    });
    expect(march.aspects.service_attitude.n).toBe(20);
    expect(march.sla.negative_response_24h.negative_reviews).toBe(3);
    expect(
      (await t.app.inject({ url: '/v1/ratings/agents/h1?period=2026', headers: t.auth('cs_lead') })).json().ratings[0]
        .period_kind,
    ).toBe('year');
    const missing = await t.app.inject({ url: '/v1/ratings/agents/nobody', headers: t.auth('cs_lead') });
    expect(missing.statusCode).toBe(404);
  });

  it('lists the reviews behind a rating with why each counts and the words that drove it', async () => {
    const r = await t.app.inject({
      url: '/v1/ratings/agents/h1/reviews?period=2026-03&limit=50',
      headers: t.auth('cs_lead'),
    });
    expect(r.statusCode).toBe(200);
    const body = r.json() as {
      total: number;
      items: Array<{
        id: string;
        attributable: boolean;
        basis: string | null;
        reason: string;
        weight: number | null;
        explanation: unknown[];
        explanation_model: string;
      }>;
    };
    expect(body.total).toBe(21);
    const logistics = body.items.find((x) => x.id === 'h1-logistics')!;
    expect(logistics).toMatchObject({ attributable: false, basis: null, weight: null });
    expect(logistics.reason).toMatch(/does not control/);
    const counted = body.items.find((x) => x.id === 'h1-0')!;
    expect(counted).toMatchObject({ attributable: true, basis: 'agent_aspects', weight: 0.92 });
    expect(Array.isArray(counted.explanation)).toBe(true);
    expect(counted.explanation_model).toMatch(/^sentiment-/);
    const only = (
      await t.app.inject({
        url: '/v1/ratings/agents/h1/reviews?period=2026-03&which=not_attributable&explain=false',
        headers: t.auth('cs_lead'),
      })
    ).json();
    expect(only.items.map((x: { id: string }) => x.id)).toEqual(['h1-logistics']);
    expect(only.items[0].explanation).toBeUndefined();
    expect(
      (await t.app.inject({ url: '/v1/ratings/agents/h1/reviews?period=2026-03', headers: t.auth('scorer') }))
        .statusCode,
    ).toBe(403);
  });

  it('lists negative reviews past the 24 h response SLA, oldest first', async () => {
    const r = await t.app.inject({ url: '/v1/ratings/overdue-reviews?agent_id=h5', headers: t.auth('cs_lead') });
    expect(r.statusCode).toBe(200);
    const body = r.json() as { total: number; items: Array<{ id: string; created_at: string; hours_waiting: number }> };
    // h5: reviews 2–19 are negative; every third review (i = 0, 3, …, 18) has no reply: 3, 6, 9, 12, 15, 18
    expect(body.total).toBe(6);
    expect(body.items.every((x) => x.hours_waiting > 24)).toBe(true);
    const times = body.items.map((x) => x.created_at);
    expect([...times].sort()).toEqual(times);
  });

  it("counts the customer's 4–5 stars over a negative label: praise the model misreads is not overdue", async () => {
    const { db } = get();
    await addAgents(db, ['h6'], 'cs_agent', 'north');
    // four unanswered reviews the model labels negative, and one positive at 2 stars
    const stars: Array<[string, number | null, number]> = [
      ['h6-5star', 5, 0.1],
      ['h6-4star', 4, 0.1],
      ['h6-3star', 3, 0.1],
      ['h6-nostars', null, 0.1],
      ['h6-2star-positive', 2, 0.9],
    ];
    await addScoredReviews(
      db,
      stars.map(([id, rating, p], i) => ({
        id,
        agent: 'h6',
        created: `2026-03-0${i + 1}T02:00:00Z`,
        replied: null,
        rating,
        p,
        aspects: [['service_attitude', p]],
        text: '客服回复了',
      })),
    );
    await recomputeRatings(db);
    const r = await t.app.inject({ url: '/v1/ratings/overdue-reviews?agent_id=h6', headers: t.auth('cs_lead') });
    expect(r.statusCode).toBe(200);
    expect((r.json().items as Array<{ id: string }>).map((x) => x.id)).toEqual([
      'h6-3star',
      'h6-nostars',
      'h6-2star-positive',
    ]);
  });

  it('ingests return events (JSON or CSV) idempotently, all-or-nothing, and rates the 48 h SLA', async () => {
    const rows = [
      {
        id: 'ret-1',
        agent_id: 'h2',
        order_id: 'o1',
        opened_at: '2026-03-02T00:00:00Z',
        closed_at: '2026-03-03T00:00:00Z',
      },
      {
        id: 'ret-2',
        agent_id: 'h2',
        order_id: 'o2',
        opened_at: '2026-03-03T00:00:00+08:00',
        closed_at: '2026-03-06T00:00:00+08:00',
      },
    ];
    const first = await t.app.inject({ method: 'POST', url: '/v1/returns', payload: rows, headers: t.auth('cs_lead') });
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({ received: 2, inserted: 2, updated: 0, unchanged: 0 });
    expect(first.json().ratings_updated).toBeGreaterThan(0);
    const again = await t.app.inject({
      method: 'POST',
      url: '/v1/returns',
      payload: { rows },
      headers: t.auth('cs_lead'),
    });
    expect(again.json()).toMatchObject({ received: 2, inserted: 0, unchanged: 2, ratings_updated: 0 });

    const csv = 'id,agent_id,order_id,opened_at,closed_at\nret-3,h2,o3,2026-03-10 08:00:00,2026-03-11 08:00:00\n';
    const viaCsv = await t.app.inject({
      method: 'POST',
      url: '/v1/returns',
      payload: csv,
      headers: { ...t.auth('cs_lead'), 'content-type': 'text/csv' },
    });
    expect(viaCsv.json()).toMatchObject({ received: 1, inserted: 1 });

    const rating = (
      await t.app.inject({ url: '/v1/ratings/agents/h2?period=2026-03', headers: t.auth('cs_lead') })
    ).json().ratings[0];
    expect(rating.sla.returns_48h).toMatchObject({
      returns: 3,
      closed_within_48h: 2,
      late: 1,
      pending: 0,
      target: 0.95,
      met: false,
    });
    expect(rating.sla.returns_48h.rate).toBeCloseTo(2 / 3, 12);

    const bad = await t.app.inject({
      method: 'POST',
      url: '/v1/returns',
      payload: [
        { id: 'ret-4', agent_id: 'h3', opened_at: '2026-03-02T00:00:00Z' },
        { id: 'ret-5', agent_id: 'ghost', opened_at: '2026-03-02T00:00:00Z' },
        { id: 'ret-6', agent_id: 'h3', opened_at: '2026-03-05T00:00:00Z', closed_at: '2026-03-04T00:00:00Z' },
        { id: 'ret-4', agent_id: 'h3', opened_at: '2026-03-02T00:00:00Z' },
        { id: 'ret-7', agent_id: 'h3', opened_at: 'yesterday' },
      ],
      headers: t.auth('cs_lead'),
    });
    expect(bad.statusCode).toBe(422);
    const errors = (bad.json() as { errors: Array<{ row: number; field: string }> }).errors;
    expect(errors.map((e) => [e.row, e.field])).toEqual([
      [3, 'closed_at'],
      [4, 'id'],
      [5, 'opened_at'],
    ]);
    const ghost = await t.app.inject({
      method: 'POST',
      url: '/v1/returns',
      payload: [
        { id: 'ret-8', agent_id: 'h3', opened_at: '2026-03-02T00:00:00Z' },
        { id: 'ret-9', agent_id: 'ghost', opened_at: '2026-03-02T00:00:00Z' },
      ],
      headers: t.auth('cs_lead'),
    });
    expect(ghost.statusCode).toBe(422);
    expect(ghost.json().errors).toEqual([
      { row: 2, field: 'agent_id', reason: expect.stringContaining("unknown employee 'ghost'") },
    ]);
    const listed = (await t.app.inject({ url: '/v1/returns?agent_id=h3', headers: t.auth('scorer') })).json();
    expect(listed).toEqual([]);
    expect(
      (await t.app.inject({ method: 'POST', url: '/v1/returns', payload: rows, headers: t.auth('scorer') })).statusCode,
    ).toBe(403);
    const h2 = (await t.app.inject({ url: '/v1/returns?agent_id=h2', headers: t.auth('cs_lead') })).json();
    expect(h2.map((x: { id: string; hours_to_close: number }) => [x.id, x.hours_to_close])).toEqual([
      ['ret-3', 24],
      ['ret-2', 72],
      ['ret-1', 24],
    ]);

    // ret-2 (the late one) was h3's after all: the batch names only h3, and h2's SLA stops counting it
    const moved = await t.app.inject({
      method: 'POST',
      url: '/v1/returns',
      payload: [{ ...rows[1]!, agent_id: 'h3' }],
      headers: t.auth('cs_lead'),
    });
    expect(moved.json()).toMatchObject({ updated: 1 });
    const h2After = (
      await t.app.inject({ url: '/v1/ratings/agents/h2?period=2026-03', headers: t.auth('cs_lead') })
    ).json().ratings[0];
    expect(h2After.sla.returns_48h).toMatchObject({ returns: 2, closed_within_48h: 2, late: 0 });
  });
});
