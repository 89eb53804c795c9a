/**
 * The agent's own console page /me (issue 18, scope agent), on both backends: an agent key signs in to
 * /me (its only page), sees its own rating and the reviews counted, files an appeal on its own review
 * (audited, pending for a lead), cannot file for another agent's review (403) nor open the lead's
 * pages; both languages; forms need the CSRF token; personal data masked.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { recomputeRatings } from '../../src/ratings/recompute.js';
import { agentKey, buildTestApp, type TestApp } from '../helpers/app.js';
import { describeEachBackend } from '../helpers/db.js';
import { addAgents, addScoredReviews } from '../ratings/helpers.js';
import { Browser } from './session.js';

describeEachBackend('console: the agent page /me', (get) => {
  let t: TestApp;
  let key: string;
  beforeAll(async () => {
    const { db } = get();
    t = await buildTestApp(db);
    await addAgents(db, ['wm1', 'wm2'], 'cs_agent', 'web');
    await addScoredReviews(db, [
      {
        id: 'wm1-a',
        agent: 'wm1',
        created: '2026-04-07T03:00:00Z',
        p: 0.15,
        aspects: [['service_attitude', 0.15]],
        text: '客服态度很差，电话13812345678',
      },
      { id: 'wm1-b', agent: 'wm1', created: '2026-04-08T03:00:00Z', p: 0.9, aspects: [['service_attitude', 0.9]] },
      { id: 'wm2-a', agent: 'wm2', created: '2026-04-08T03:00:00Z', p: 0.2, aspects: [['service_attitude', 0.2]] },
    ]);
    await recomputeRatings(db);
    key = (await agentKey(db, 'wm1')).authorization.slice('Bearer '.length);
  });
  afterAll(async () => {
    await t?.app.close();
  });

  it('lands on /me with its own rating and reviews, and nothing of the lead’s', async () => {
    const b = new Browser(t);
    const landed = await b.signIn(key);
    expect(landed.headers.location).toBe('/me');
    const page = await b.get('/me?kind=quarter');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('我的服务评分（wm1）');
    expect(page.body).toContain('data-review="wm1-a"');
    expect(page.body).not.toContain('data-review="wm2-a"');
    expect(page.body).not.toContain('13812345678');
    // the card has no links to the lead's pages; the navigation shows only /me
    expect(page.body).not.toContain('href="/corrections');
    expect(page.body).not.toContain('href="/ratings');
    expect(page.body).toContain('href="/me"');
    for (const url of ['/ratings', '/ratings/agents/wm1', '/corrections', '/reviews', '/hr', '/keys'])
      expect((await b.get(url)).statusCode, url).toBe(403);
    // a lead has no /me
    const lead = new Browser(t);
    await lead.signIn(t.keys.cs_lead);
    expect((await lead.get('/me')).statusCode).toBe(403);
  });

  it('files an appeal on its own review (pending, audited) and gets 403 for another agent’s; en too', async () => {
    const b = new Browser(t);
    await b.signIn(key);
    await b.get('/me?kind=quarter');
    const filed = await b.post('/me/appeal', {
      review: 'wm1-a',
      attribution: 'not_agent',
      reason: '顾客说的是快递员',
      back: '/me?kind=quarter',
    });
    expect(filed.statusCode, filed.body).toBe(303);
    expect(filed.headers.location).toBe('/me?kind=quarter&done=filed');
    const page = await b.get('/me?kind=quarter&done=filed');
    expect(page.body).toContain('申诉已提交');
    expect(page.body).toContain('申诉处理中');
    expect(page.body).toMatch(/data-appeal="\d+"/);
    const api = (await t.app.inject({ url: '/v1/appeals?review_id=wm1-a', headers: t.auth('cs_lead') })).json();
    expect(api.items[0]).toMatchObject({ agent_id: 'wm1', state: 'pending', requested: { attribution: 'not_agent' } });

    const other = await b.post('/me/appeal', { review: 'wm2-a', attribution: 'excluded', reason: 'not mine at all' });
    expect(other.statusCode).toBe(403);
    expect(
      (await t.app.inject({ url: '/v1/appeals?review_id=wm2-a', headers: t.auth('cs_lead') })).json().items,
    ).toEqual([]);
    // without the form token
    expect(
      (await b.post('/me/appeal', { review: 'wm1-b', attribution: 'excluded', reason: 'x y z' }, false)).statusCode,
    ).toBe(403);

    expect((await b.post('/lang', { lang: 'en', back: '/me' })).statusCode).toBe(303);
    const en = await b.get('/me?kind=quarter');
    expect(en.body).toContain('My service rating (wm1)');
    expect(en.body).toContain('My appeals');
    expect(en.body).toContain('pending');
  });
});
