/**
 * The `agent` scope (issue 18, part 4), on both backends: a key bound to one agent reads that agent's
 * own rating, the reviews counted in it and its appeals (`/v1/me/…`), and files appeals on its own
 * reviews — 403 for another agent's review and on every other route; quality leads decide. Keys: an
 * agent key needs an existing employee and no other scope; rotation keeps the binding.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { recomputeRatings } from '../../src/ratings/recompute.js';
import { agentKey, buildTestApp, type TestApp } from '../helpers/app.js';
import { describeEachBackend } from '../helpers/db.js';
import { addAgents, addScoredReviews, type ScoredReview } from '../ratings/helpers.js';

const concrete = (url: string) => url.replace(/:(\w+)/g, 'x');

describeEachBackend('the agent scope: own rating, own reviews, own appeals', (get) => {
  let t: TestApp;
  let mine: { authorization: string; id: string };
  const AGENTS = ['ag1', 'ag2', 'ag3', 'ag4', 'ag5'];
  beforeAll(async () => {
    const { db } = get();
    t = await buildTestApp(db);
    await addAgents(db, AGENTS, 'cs_agent', 'agents');
    const rows: ScoredReview[] = [];
    for (const [k, a] of AGENTS.entries())
      for (let i = 0; i < 12; i++) {
        const p = i < 4 + k ? 0.9 : 0.1;
        rows.push({
          id: `${a}-${i}`,
          agent: a,
          created: `2026-02-${String(2 + i).padStart(2, '0')}T03:00:00Z`,
          p,
          aspects: [['service_attitude', p]],
          text: p > 0.5 ? '客服态度很好' : '客服态度很差',
        });
      }
    await addScoredReviews(db, rows);
    await recomputeRatings(db);
    mine = await agentKey(db, 'ag1');
  });
  afterAll(async () => {
    await t?.app.close();
  });

  const createKey = (payload: object) =>
    t.app.inject({ method: 'POST', url: '/v1/admin/keys', headers: t.auth('admin'), payload });

  it('creates an agent key only for an existing employee, with no other scope; lists and rotates it with its agent', async () => {
    for (const [payload, field] of [
      [{ name: 'a', scopes: ['agent'] }, 'scopes'],
      [{ name: 'a', scopes: ['agent', 'cs_lead'], agent_id: 'ag1' }, 'agent_id'],
      [{ name: 'a', scopes: ['cs_lead'], agent_id: 'ag1' }, 'agent_id'],
      [{ name: 'a', scopes: ['agent'], agent_id: 'nobody' }, 'agent_id'],
    ] as const) {
      const r = await createKey(payload);
      expect(r.statusCode, r.body).toBe(400);
      expect(r.json().detail).toContain(field === 'scopes' ? 'agent_id' : 'agent');
    }
    const ok = await createKey({ name: 'agent ag2', scopes: ['agent'], agent_id: 'ag2' });
    expect(ok.statusCode, ok.body).toBe(201);
    expect(ok.json()).toMatchObject({ scopes: ['agent'], agent_id: 'ag2' });
    const listed = (await t.app.inject({ url: '/v1/admin/keys', headers: t.auth('admin') })).json() as {
      id: string;
      agent_id: string | null;
    }[];
    expect(listed.find((k) => k.id === ok.json().id)?.agent_id).toBe('ag2');
    expect(listed.filter((k) => k.agent_id === null).length).toBeGreaterThanOrEqual(4);
    const rotated = await t.app.inject({
      method: 'POST',
      url: `/v1/admin/keys/${ok.json().id}/rotate`,
      headers: t.auth('admin'),
      payload: { grace_seconds: 0 },
    });
    expect(rotated.statusCode, rotated.body).toBe(201);
    expect(rotated.json().agent_id).toBe('ag2');
    const me = await t.app.inject({
      url: '/v1/me/ratings?kind=quarter',
      headers: { authorization: `Bearer ${rotated.json().key}` },
    });
    expect(me.statusCode, me.body).toBe(200);
    expect(me.json().agent_id).toBe('ag2');
  });

  it("reads its own rating and the reviews counted in it, and nobody else's", async () => {
    const me = await t.app.inject({ url: '/v1/me/ratings?kind=quarter', headers: mine });
    expect(me.statusCode, me.body).toBe(200);
    const lead = await t.app.inject({ url: '/v1/ratings/agents/ag1?kind=quarter', headers: t.auth('cs_lead') });
    expect(me.json()).toEqual(lead.json());
    expect(me.json().ratings.length).toBeGreaterThan(0);
    const reviews = await t.app.inject({ url: '/v1/me/reviews?period=2026-Q1&explain=false&limit=50', headers: mine });
    expect(reviews.statusCode, reviews.body).toBe(200);
    expect(reviews.json().agent_id).toBe('ag1');
    expect(reviews.json().total).toBe(12);
    expect(reviews.json().items.every((r: { id: string }) => r.id.startsWith('ag1-'))).toBe(true);
    // the lead's routes for any agent stay closed to it: the scope check answers before the agent is read
    for (const url of ['/v1/ratings/agents/ag2?kind=quarter', '/v1/ratings/agents/ag1/reviews?period=2026-Q1']) {
      const r = await t.app.inject({ url, headers: mine });
      expect(r.statusCode, url).toBe(403);
    }
    // other keys: a lead has no /me (403, needs agent); admin may call it but is bound to no agent (403)
    expect((await t.app.inject({ url: '/v1/me/ratings', headers: t.auth('cs_lead') })).statusCode).toBe(403);
    const admin = await t.app.inject({ url: '/v1/me/ratings', headers: t.auth('admin') });
    expect(admin.statusCode).toBe(403);
    expect(admin.json().code).toBe('not_an_agent_key');
  });

  it("files an appeal on its own review (a lead decides), and gets 403 for another agent's review", async () => {
    const theirs = await t.app.inject({
      method: 'POST',
      url: '/v1/reviews/ag2-0/appeals',
      headers: mine,
      payload: { requested: { attribution: 'not_agent' }, reason: 'not my customer' },
    });
    expect(theirs.statusCode, theirs.body).toBe(403);
    expect(theirs.json().code).toBe('not_own_review');
    const none = await t.app.inject({ url: '/v1/appeals?review_id=ag2-0', headers: t.auth('cs_lead') });
    expect(none.json().items).toEqual([]);

    const filed = await t.app.inject({
      method: 'POST',
      url: '/v1/reviews/ag1-11/appeals',
      headers: mine,
      payload: {
        requested: { aspects: [{ aspect: 'logistics', polarity: 'negative' }], attribution: 'not_agent' },
        reason: 'the customer was angry about the courier',
      },
    });
    expect(filed.statusCode, filed.body).toBe(201);
    expect(filed.json()).toMatchObject({
      review_id: 'ag1-11',
      agent_id: 'ag1',
      state: 'pending',
      submitted_by: mine.id,
    });
    // a lead files one for another agent: not in the agent's list
    const other = await t.app.inject({
      method: 'POST',
      url: '/v1/reviews/ag3-0/appeals',
      headers: t.auth('cs_lead'),
      payload: { requested: { attribution: 'excluded' }, reason: 'filed by the lead for ag3' },
    });
    expect(other.statusCode, other.body).toBe(201);
    const list = await t.app.inject({ url: '/v1/me/appeals', headers: mine });
    expect(list.statusCode, list.body).toBe(200);
    expect(list.json().items.map((a: { review_id: string }) => a.review_id)).toEqual(['ag1-11']);

    // the agent cannot decide; the lead accepts, and the agent sees it with the rating moved
    const id = filed.json().id as number;
    const decide = (headers: Record<string, string>) =>
      t.app.inject({
        method: 'POST',
        url: `/v1/appeals/${id}/decision`,
        headers,
        payload: { decision: 'accept', reason: 'the chat log shows a courier delay' },
      });
    expect((await decide(mine)).statusCode).toBe(403);
    const before = (await t.app.inject({ url: '/v1/me/ratings?period=2026-Q1', headers: mine })).json().ratings[0];
    const accepted = await decide(t.auth('cs_lead'));
    expect(accepted.statusCode, accepted.body).toBe(201);
    const after = await t.app.inject({ url: '/v1/me/appeals?state=accepted', headers: mine });
    expect(after.json().items).toHaveLength(1);
    expect(after.json().items[0]).toMatchObject({
      state: 'accepted',
      decision_reason: 'the chat log shows a courier delay',
    });
    const now = (await t.app.inject({ url: '/v1/me/ratings?period=2026-Q1', headers: mine })).json().ratings[0];
    expect(now.n).toBe(before.n - 1);
    // the audit row names the agent key as the one who filed
    const audit = await t.app.inject({ url: '/v1/audit?action=review_appeal.submit', headers: t.auth('admin') });
    expect(audit.statusCode, audit.body).toBe(200);
    const row = audit.json().entries.find((a: { subject_id: string }) => a.subject_id === String(id));
    expect(row).toMatchObject({ actor: mine.id, employee_id: 'ag1', detail: { filed_by_agent: 'ag1' } });
  });

  it('gets 403 on every route that does not take the agent scope', async () => {
    let refused = 0;
    for (const r of t.app.routeList.filter((x) => !x.public)) {
      const res = await t.app.inject({ method: r.method as 'GET', url: concrete(r.url), headers: mine });
      if (r.scopes.includes('agent')) {
        expect([401, 403], `${r.method} ${r.url} → ${res.statusCode}`).not.toContain(res.statusCode);
        continue;
      }
      expect(res.statusCode, `${r.method} ${r.url}`).toBe(403);
      refused++;
    }
    expect(refused).toBeGreaterThan(50);
    expect(
      t.app.routeList
        .filter((r) => r.scopes.includes('agent'))
        .map((r) => `${r.method} ${r.url}`)
        .sort(),
    ).toEqual(['GET /v1/me/appeals', 'GET /v1/me/ratings', 'GET /v1/me/reviews', 'POST /v1/reviews/:id/appeals']);
  });
});
