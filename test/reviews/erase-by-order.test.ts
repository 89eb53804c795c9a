/**
 * DELETE /v1/orders/{order_id}/reviews (issue 16): a customer's reviews erased with an audit entry,
 * the ratings they counted in recomputed in the same transaction, a retry a no-op (200, deleted 0, no
 * second audit entry), a closed period's answer unchanged; on both backends.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { registerShippedSentiment } from '../../src/registry/sentiment.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { describeEachBackend } from '../helpers/db.js';

const review = (id: string, order: string | null, at: string, text: string) => ({
  id,
  agent_id: 'ER1',
  order_id: order,
  channel: 'chat',
  text,
  rating: 5,
  created_at: at,
});

describeEachBackend('erasing a customer’s reviews by order id', (get) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp(get().db);
    await registerShippedSentiment(t.app.services.db, 'models');
    const e = await t.app.inject({
      method: 'POST',
      url: '/v1/employees',
      headers: t.auth('hr'),
      payload: [{ id: 'ER1', role: 'cs_agent', team: '删除组', hire_date: '2024-01-01' }],
    });
    expect(e.statusCode, e.body).toBe(200);
    const rows = [
      // the customer of order O-ERASE wrote one review in July (to be closed) and one in August
      review('ER-jul-1', 'O-ERASE', '2026-07-10T02:00:00Z', '客服态度很好，回复很快，电话13912345678'),
      review('ER-aug-1', 'O-ERASE', '2026-08-10T02:00:00Z', 'The agent was friendly and quick, thanks'),
      review('ER-jul-2', 'O-KEEP', '2026-07-11T02:00:00Z', '客服很耐心，退货处理得很好'),
      review('ER-aug-2', 'O-KEEP', '2026-08-11T02:00:00Z', '客服回复太慢了，态度也不好'),
      review('ER-aug-3', null, '2026-08-12T02:00:00Z', 'Helpful agent, solved it fast'),
    ];
    const r = await t.app.inject({ method: 'POST', url: '/v1/reviews', headers: t.auth('cs_lead'), payload: rows });
    expect(r.statusCode, r.body).toBe(200);
  }, 120_000);
  afterAll(async () => {
    await t?.app.close();
  });

  const get_ = async (url: string, scope: 'cs_lead' | 'hr' | 'scorer' = 'cs_lead') => {
    const res = await t.app.inject({ url, headers: t.auth(scope) });
    expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
    return res;
  };
  const agentMonth = async (period: string) =>
    (await get_(`/v1/ratings/agents/ER1?period=${period}`)).json().ratings[0] as { reviews: number; n: number };
  const erase = (order: string, scope: 'cs_lead' | 'scorer' = 'cs_lead') =>
    t.app.inject({
      method: 'DELETE',
      url: `/v1/orders/${encodeURIComponent(order)}/reviews`,
      headers: t.auth(scope),
    });
  const stored = async () =>
    (await get().db.query<{ id: string }>(`select id from reviews where agent_id = 'ER1' order by id`)).rows.map(
      (r) => r.id,
    );

  it('a scorer may not erase', async () => {
    expect((await erase('O-ERASE', 'scorer')).statusCode).toBe(403);
    expect(await stored()).toHaveLength(5);
  });

  it('deletes the order’s reviews, recomputes the open period, leaves the closed one, audits once; a retry is a no-op', async () => {
    expect((await agentMonth('2026-08')).reviews).toBe(3);
    const close = await t.app.inject({
      method: 'POST',
      url: '/v1/periods/cs_agent/2026-07/close',
      headers: t.auth('hr'),
      payload: { reason: 'July signed off' },
    });
    expect(close.statusCode, close.body).toBe(200);
    const julyUrl = '/v1/ratings?period=2026-07&role=cs_agent';
    const julyBefore = (await get_(julyUrl, 'scorer')).body;
    expect(JSON.parse(julyBefore).closed).toBeTruthy();
    const snapBefore = (await get_('/v1/periods/cs_agent/2026-07/snapshot?part=ratings', 'hr')).body;

    const res = await erase('O-ERASE');
    expect(res.statusCode, res.body).toBe(200);
    const out = res.json();
    expect(out).toMatchObject({ order_id: 'O-ERASE', deleted: 2, review_ids: ['ER-aug-1', 'ER-jul-1'] });
    expect(out.ratings_updated).toBeGreaterThan(0);
    expect(await stored()).toEqual(['ER-aug-2', 'ER-aug-3', 'ER-jul-2']);

    // the open month's rating no longer counts the erased review (recomputed with the delete)
    expect((await agentMonth('2026-08')).reviews).toBe(2);
    // the closed month answers from its snapshot, byte for byte
    expect((await get_(julyUrl, 'scorer')).body).toBe(julyBefore);
    expect((await get_('/v1/periods/cs_agent/2026-07/snapshot?part=ratings', 'hr')).body).toBe(snapBefore);

    const audit = async () =>
      (await get_('/v1/audit?action=review.erase', 'hr')).json().entries as {
        actor: string | null;
        subject_type: string;
        subject_id: string;
        detail: Record<string, unknown>;
        before: unknown;
      }[];
    const entries = await audit();
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      subject_type: 'order',
      subject_id: 'O-ERASE',
      detail: { review_ids: ['ER-aug-1', 'ER-jul-1'], deleted: 2 },
      before: null,
    });
    const keyId = /^kpi_([0-9a-f]{12})_/.exec(t.keys.cs_lead)![1];
    expect(entries[0]!.actor).toBe(keyId);
    // the erased text is nowhere in the audit row
    expect(JSON.stringify(entries[0])).not.toContain('13912345678');

    // a retry: 200, nothing deleted, nothing recomputed, no second audit entry
    const again = await erase('O-ERASE');
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual({ order_id: 'O-ERASE', deleted: 0, review_ids: [], ratings_updated: 0 });
    expect(await audit()).toHaveLength(1);
    expect(await stored()).toEqual(['ER-aug-2', 'ER-aug-3', 'ER-jul-2']);
  });

  it('an order with no review answers deleted 0; two erasures at once delete once', async () => {
    expect((await erase('O-NEVER')).json()).toMatchObject({ deleted: 0 });
    const [a, b] = await Promise.all([erase('O-KEEP'), erase('O-KEEP')]);
    expect([a.statusCode, b.statusCode]).toEqual([200, 200]);
    expect([a.json().deleted, b.json().deleted].sort()).toEqual([0, 2]);
    expect(await stored()).toEqual(['ER-aug-3']);
    expect((await agentMonth('2026-08')).reviews).toBe(1);
  });
});
