/**
 * The console's corrections page (issue 18): a quality lead finds a review, corrects it, files an
 * appeal for its agent and decides it — through the same service as the API (audited, ratings
 * recomputed); forms need the CSRF token; an HR key does not see the page; personal data masked.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { recomputeRatings } from '../../src/ratings/recompute.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { describeEachBackend } from '../helpers/db.js';
import { addAgents, addScoredReviews } from '../ratings/helpers.js';
import { Browser } from './session.js';

describeEachBackend('console corrections page', (get) => {
  let t: TestApp;
  beforeAll(async () => {
    const { db } = get();
    t = await buildTestApp(db);
    await addAgents(db, ['wc1', 'wc2'], 'cs_agent', 'web');
    await addScoredReviews(db, [
      {
        id: 'wc1-a',
        agent: 'wc1',
        created: '2026-04-07T03:00:00Z',
        p: 0.85,
        aspects: [['service_attitude', 0.85]],
        text: '客服态度很好，电话13812345678',
      },
      { id: 'wc1-b', agent: 'wc1', created: '2026-04-08T03:00:00Z', p: 0.2, aspects: [['logistics', 0.2]] },
    ]);
    await recomputeRatings(db);
  });
  afterAll(async () => {
    await t?.app.close();
  });

  const lead = async (lang?: 'en') => {
    const b = new Browser(t);
    await b.signIn(t.keys.cs_lead);
    await b.get('/corrections');
    if (lang) expect((await b.post('/lang', { lang: 'en', back: '/corrections' })).statusCode).toBe(303);
    return b;
  };

  it('shows a review with its aspects and the forms, masks personal data, and is not for an HR key', async () => {
    const b = await lead();
    const page = await b.get('/corrections?review=wc1-a');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('复核这条评价');
    expect(page.body).toContain('替客服提交申诉');
    expect(page.body).toContain('当前为模型结果，未复核');
    expect(page.body).not.toContain('13812345678');
    expect(page.body).toMatch(/id="c-a-service_attitude" name="a_service_attitude" type="checkbox" value="1" checked/);
    const missing = await b.get('/corrections?review=nope');
    expect(missing.body).toContain('没有编号为 nope 的评价');
    // the review cards of the reviews page link here
    expect((await b.get('/reviews?agent=wc1')).body).toContain('href="/corrections?review=wc1-a"');

    const hr = new Browser(t);
    await hr.signIn(t.keys.hr);
    expect((await hr.get('/corrections')).statusCode).toBeGreaterThanOrEqual(300);
  });

  it('a correction from the form is the API’s: in force, audited, the rating recomputed; no token, no change', async () => {
    const b = await lead('en');
    await b.get('/corrections?review=wc1-a');
    const form = {
      review: 'wc1-a',
      a_service_attitude: '1',
      p_service_attitude: 'negative',
      attribution: 'auto',
      reason: 'sarcasm, read in the chat',
    };
    expect((await b.post('/corrections/correct', form, false)).statusCode).toBe(403);
    const saved = await b.post('/corrections/correct', form);
    expect(saved.statusCode, saved.body.slice(0, 300)).toBe(303);
    expect(saved.headers.location).toMatch(/^\/corrections\?review=wc1-a&done=saved&n=\d+$/);
    const after = await b.get(saved.headers.location as string);
    expect(after.body).toContain('Correction saved; ratings recomputed');
    expect(after.body).toMatch(/In force: correction #\d+ \(by the rule\)/);
    expect(after.body).toContain('sarcasm, read in the chat');

    const api = await t.app.inject({ url: '/v1/reviews/wc1-a/corrections', headers: t.auth('cs_lead') });
    expect(api.json().items[0]).toMatchObject({
      attribution: 'auto',
      aspects: [{ aspect: 'service_attitude', sentiment: 'negative', probability: 0 }],
    });
    const audit = await t.app.inject({
      url: '/v1/audit?action=review.correct&subject_id=wc1-a',
      headers: t.auth('hr'),
    });
    expect(audit.json().entries).toHaveLength(1);
    const rating = await t.app.inject({ url: '/v1/ratings/agents/wc1?period=2026-04', headers: t.auth('cs_lead') });
    expect(rating.json().ratings[0].aspects.service_attitude).toMatchObject({ n: 1, positive: 0 });

    // a reason too short is refused, nothing written
    const bad = await b.post('/corrections/correct', { ...form, reason: 'x' });
    expect(bad.statusCode).toBe(400);
    expect((await b.post('/corrections/correct', { ...form, reason: 'nul \u0000 inside' })).statusCode).toBe(400);
    const again = await t.app.inject({ url: '/v1/reviews/wc1-a/corrections', headers: t.auth('cs_lead') });
    expect(again.json().items).toHaveLength(1);
  });

  it('files an appeal for the agent, lists it as pending, and accepts it', async () => {
    const b = await lead();
    await b.get('/corrections?review=wc1-b');
    const filed = await b.post('/corrections/appeal', {
      review: 'wc1-b',
      keep: '1',
      attribution: 'excluded',
      reason: '测试订单，不是真实顾客',
    });
    expect(filed.statusCode, filed.body.slice(0, 300)).toBe(303);
    const list = await b.get('/corrections');
    expect(list.body).toContain('待处理的申诉');
    const id = /data-appeal="(\d+)"/.exec(list.body)?.[1];
    expect(id).toBeDefined();
    expect(list.body).toContain('从评分中排除');
    const decided = await b.post('/corrections/decide', { appeal: id!, decision: 'accept', reason: '核实为测试订单' });
    expect(decided.statusCode).toBe(303);
    const shown = await b.get(decided.headers.location as string);
    expect(shown.body).toContain('申诉已采纳，复核已生效');
    expect(shown.body).toContain('没有待处理的申诉');
    // the correction the appeal applied names it in the page's language
    expect((await b.get('/corrections?review=wc1-b')).body).toContain(`采纳申诉 ${id}：核实为测试订单`);
    const api = await t.app.inject({ url: `/v1/appeals?review_id=wc1-b`, headers: t.auth('cs_lead') });
    expect(api.json().items[0]).toMatchObject({ state: 'accepted', decision_reason: '核实为测试订单' });
  });
});
