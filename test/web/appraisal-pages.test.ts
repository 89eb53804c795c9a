/**
 * The payout preview page (inject): a preview without anybody says why instead of showing an empty
 * table (one of people no plan applies to says so too: seen on the demo, where every amount was 0).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { describeEachBackend } from '../helpers/db.js';
import { Browser } from './session.js';

describeEachBackend('console: payout preview', (get) => {
  let t: TestApp;
  let hr: Browser;
  beforeAll(async () => {
    t = await buildTestApp(get().db);
    const people = ['ann', 'bob'].map((id) => ({ id, role: 'cs_agent', team: 'A' }));
    const r = await t.app.inject({ method: 'POST', url: '/v1/employees', headers: t.auth('hr'), payload: people });
    expect(r.statusCode, r.body).toBe(200);
    hr = new Browser(t);
    await hr.signIn(t.keys.hr);
  }, 120_000);
  afterAll(async () => {
    await t?.app.close();
  });

  it('says why a preview has nobody in it', async () => {
    await hr.get('/appraisal/payouts');
    const sent = await hr.post('/appraisal/payouts', { period: '2026-10', role: 'cs_agent' });
    expect(sent.statusCode, sent.body).toBe(303);
    const page = await hr.get(sent.headers.location as string);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('0 人');
    expect(page.body).toContain('data-field="nobody">这次预览没有任何人员');
    expect(page.body).not.toContain('<tbody></tbody>');
  });
});
