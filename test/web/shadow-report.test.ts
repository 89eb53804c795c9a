/**
 * The shadow comparison report on /models (console part 2, issue 13), on both backends: a candidate
 * whose compare job stored its report is linked from the versions and shown — both versions'
 * evaluation, the counts, the people who would move as a table (escaped) and a histogram whose
 * counts add up to them; a candidate without a report says so; admin only.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { registerVersion } from '../../src/registry/index.js';
import { histogram } from '../../src/web/pages/shadow.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { describeEachBackend } from '../helpers/db.js';
import { Browser } from './session.js';
import { REPORT } from './shadow-fixture.js';

describeEachBackend('console: the shadow comparison report', (get) => {
  let t: TestApp;
  let admin: Browser;
  beforeAll(async () => {
    t = await buildTestApp(get().db);
    await registerVersion(get().db, {
      id: REPORT.candidate,
      kind: 'sentiment',
      scope: 'zh',
      metadata: { shadow: REPORT },
      metrics: { accuracy: 0.927 },
    });
    await registerVersion(get().db, { id: 'sentiment-zh@noreport', kind: 'sentiment', scope: 'zh' });
    admin = new Browser(t);
    await admin.signIn(t.keys.admin);
  }, 120_000);
  afterAll(async () => {
    await t?.app.close();
  });

  it('links the report from the versions and shows it with the stored numbers', async () => {
    const list = await admin.get('/models?kind=sentiment');
    expect(list.body).toContain(`href="/models/report?id=${encodeURIComponent(REPORT.candidate)}"`);
    expect(list.body).not.toContain('href="/models/report?id=sentiment-zh%40noreport"');
    const r = await admin.get(`/models/report?id=${encodeURIComponent(REPORT.candidate)}`);
    expect(r.statusCode, r.body).toBe(200);
    expect(r.body).toMatch(/<tr data-version="active"><th scope="row">[^<]+<\/th><td class="num">0\.9120<\/td>/);
    expect(r.body).toMatch(/<tr data-version="candidate"><th scope="row">[^<]+<\/th><td class="num">0\.9270<\/td>/);
    expect(r.body).toContain('data-count="changed">37<');
    const moved = [...r.body.matchAll(/<tr data-moved="([^"]+)">/g)].map((m) => m[1]);
    expect(moved).toEqual(['E0003', '&lt;b&gt;E0007&lt;/b&gt;', 'E0011']);
    expect(r.body).not.toContain('<b>E0007</b>');
    expect(r.body).toMatch(/<tr data-moved="E0003">[\s\S]*?<td class="num">-7\.0<\/td>/);
    const bins = [...r.body.matchAll(/<td class="num" data-bin>(\d+)<\/td>/g)].map((m) => Number(m[1]));
    expect(bins.reduce((a, b) => a + b, 0)).toBe(3);
    expect(r.body).toContain('<svg class="chart histogram"');
    expect(r.body).toContain('confirm=promote');
  });

  it('says when a candidate has no report; admin only', async () => {
    const none = await admin.get('/models/report?id=sentiment-zh%40noreport');
    expect(none.statusCode).toBe(200);
    expect(none.body).toContain('还没有比较报告');
    expect((await admin.get('/models/report?id=nope')).statusCode).toBe(404);
    const hr = new Browser(t);
    await hr.signIn(t.keys.hr);
    expect((await hr.get(`/models/report?id=${encodeURIComponent(REPORT.candidate)}`)).statusCode).toBe(403);
  });

  it('bins the moves into equal widths that hold every one', () => {
    const h = histogram([-0.07, 0.04, -0.03], 5);
    expect(h).toHaveLength(5);
    expect(h.reduce((a, b) => a + b.n, 0)).toBe(3);
    expect(h[0]!.n).toBe(1);
    expect(h[4]!.n).toBe(1);
    expect(histogram([0.5, 0.5]).reduce((a, b) => a + b.n, 0)).toBe(2);
  });
});
