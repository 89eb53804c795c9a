/// <reference lib="dom" />
/**
 * The appraisal screens in Chromium (playwright-core, /usr/bin/chromium): an hr key signs in, opens
 * the 360° screen from the navigation, sees the calibrated scores with intervals (equal to the API's)
 * and the flagged-raters section, switches language; the other three screens render; no CSP
 * violation, no serious axe finding; a payout preview's warnings in the page's language, fitting the
 * page. CONSOLE_SCREENSHOTS=<dir> writes screenshots in both languages.
 * Outside CI a missing Chromium skips this file with a banner; with CI=true it fails.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { openTestDb, type TestDb } from '../helpers/db.js';
import { axe, fits, haveChromium, launchChromium, SHOTS, openPage, signInWith } from './chromium.js';
import { CS_BONUS_PLAN } from './fixture.js';

const PEOPLE = ['ann', 'bob', 'cat', 'dan', 'eve', 'fay'];
const R = (ratee: string, rater: string, score: number) => ({
  ratee,
  rater,
  relation: rater.startsWith('m') ? 'manager' : 'peer',
  period: '2026-10',
  item: 'overall',
  score,
  scale: { min: 1, max: 5 },
});

describe.skipIf(!haveChromium)('appraisal screens in Chromium', () => {
  let tdb: TestDb;
  let t: TestApp;
  let base: string;
  let browser: Browser;
  const csp: string[] = [];

  beforeAll(async () => {
    tdb = await openTestDb('pglite');
    t = await buildTestApp(tdb.db);
    const post = (url: string, payload: unknown) =>
      t.app.inject({ method: 'POST', url, headers: t.auth('hr'), payload: payload as object });
    await post(
      '/v1/employees',
      PEOPLE.map((id, i) => ({ id, role: 'cs_agent', team: i < 3 ? 'A' : 'B' })),
    );
    const r = await post('/v1/360/ratings', [
      R('ann', 'mA', 5),
      R('bob', 'mA', 5),
      R('cat', 'mA', 4),
      R('dan', 'mB', 3),
      R('eve', 'mB', 2),
      R('fay', 'mB', 3),
      R('ann', 'p1', 4),
      R('dan', 'p1', 4),
      R('bob', 'p1', 4),
      R('eve', 'p1', 3),
      R('cat', 'p2', 3),
      R('fay', 'p2', 4),
      R('bob', 'p2', 4),
      R('dan', 'p2', 4),
    ]);
    expect(r.statusCode, r.body).toBe(200);
    // a CSAT bonus for cs_agent and October's CSAT of everyone: no trained model, so no attainment (a warning)
    const plan = await post('/v1/incentive-plans', CS_BONUS_PLAN);
    expect(plan.statusCode, plan.body).toBe(201);
    const history = await post(
      '/v1/history',
      PEOPLE.map((id, i) => ({ employee_id: id, metric_id: 'csat', period: '2026-10', value: 0.8 + i / 50 })),
    );
    expect(history.statusCode, history.body).toBe(200);
    base = await t.app.listen({ host: '127.0.0.1', port: 0 });
    browser = await launchChromium();
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await t?.app.close();
    await tdb?.dispose();
  });

  it('shows the calibrated 360° scores with intervals as the API does, in both languages; the other screens render', async () => {
    const { ctx, page } = await openPage(browser, { viewport: { width: 1366, height: 768 }, locale: 'zh-CN' }, csp);
    await signInWith(page, base, t.keys.hr);
    await Promise.all([
      page.waitForLoadState('load'),
      page.getByRole('link', { name: '考核工具', exact: true }).click(),
    ]);
    expect(new URL(page.url()).pathname).toBe('/appraisal/360');
    await expect(page.locator('h1').textContent()).resolves.toContain('360°');

    const api = (await t.app.inject({ url: '/v1/360/scores?period=2026-10', headers: t.auth('hr') })).json() as {
      people: { ratee: string; score: number }[];
    };
    for (const p of api.people) {
      const cell = page.locator(`tr[data-person="${p.ratee}"] [data-field="score"]`);
      await expect(cell.textContent()).resolves.toBe(p.score.toFixed(1));
    }
    await expect(page.locator('tbody tr[data-person]').count()).resolves.toBe(6);
    await expect(page.locator('#h-flagged').textContent()).resolves.toBe('被标记的评分人');
    await axe(page);
    if (SHOTS) {
      mkdirSync(SHOTS, { recursive: true });
      await page.screenshot({ path: path.join(SHOTS, 'appraisal-360-zh.png'), fullPage: true });
    }
    // the language switch comes back to the same screen, in English
    await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'English' }).click()]);
    expect(new URL(page.url()).pathname).toBe('/appraisal/360');
    await expect(page.locator('#h-flagged').textContent()).resolves.toBe('Flagged raters');
    if (SHOTS) await page.screenshot({ path: path.join(SHOTS, 'appraisal-360-en.png'), fullPage: true });

    for (const screen of ['/appraisal/payouts', '/appraisal/growth', '/appraisal/ab']) {
      const res = await page.goto(`${base}${screen}`);
      expect(res?.status(), screen).toBe(200);
      await axe(page);
      if (SHOTS) await page.screenshot({ path: path.join(SHOTS, `${screen.split('/').pop()}-en.png`), fullPage: true });
    }
    // the payout form posts (with its CSRF token) and lands on the stored preview
    await page.goto(`${base}/appraisal/payouts`);
    await page.getByLabel('Period').fill('2026-10');
    await Promise.all([
      page.waitForLoadState('load'),
      page.getByRole('button', { name: 'Evaluate the plans' }).click(),
    ]);
    expect(new URL(page.url()).searchParams.get('id')).toMatch(/^[0-9a-f-]{36}$/);
    // each person's warning in the page's language (the API's own words in English)
    const warned = () => page.locator('tr[data-person] .warn').allTextContents();
    expect(new Set(await warned())).toEqual(new Set(['component service_bonus: csat: no attainment']));
    await axe(page);
    await fits(page);
    if (SHOTS) await page.screenshot({ path: path.join(SHOTS, 'payouts-warnings-en.png'), fullPage: true });
    await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: '中文' }).click()]);
    expect(new Set(await warned())).toEqual(new Set(['提成项 service_bonus：客户满意度（CSAT）没有达成率']));
    await axe(page);
    await fits(page);
    if (SHOTS) await page.screenshot({ path: path.join(SHOTS, 'payouts-warnings-zh.png'), fullPage: true });
    expect(csp).toEqual([]);
    await ctx.close();
  }, 120_000);
});
