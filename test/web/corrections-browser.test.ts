/// <reference lib="dom" />
/**
 * The corrections page in Chromium (issue 18): a cs_lead key signs in, opens /corrections from the
 * navigation, opens a review by id, corrects it with the form (the API then shows the correction),
 * files an appeal and sees it pending; in both languages, at both viewports: no CSP violation, no
 * serious axe finding, no overflow. CONSOLE_SCREENSHOTS=<dir> writes corrections-{zh,en}[-tablet].png.
 * Outside CI a missing Chromium skips this file with a banner; with CI=true it fails.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recomputeRatings } from '../../src/ratings/recompute.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { openTestDb, type TestDb } from '../helpers/db.js';
import { addAgents, addScoredReviews } from '../ratings/helpers.js';
import { axe, fits, haveChromium, launchChromium, SHOTS, VIEWPORTS, openPage, signInWith } from './chromium.js';

describe.skipIf(!haveChromium)('corrections page in Chromium', () => {
  let tdb: TestDb;
  let t: TestApp;
  let base: string;
  let browser: Browser;
  const csp: string[] = [];

  beforeAll(async () => {
    tdb = await openTestDb('pglite');
    t = await buildTestApp(tdb.db);
    await addAgents(tdb.db, ['E0101', 'E0102'], 'cs_agent', '客服-售后-1');
    await addScoredReviews(tdb.db, [
      {
        id: 'R-5001',
        agent: 'E0101',
        created: '2026-11-03T03:00:00Z',
        p: 0.18,
        aspects: [['response_speed', 0.15]],
        text: '等了三天快递才到，客服说会催但一直没回复，电话13812345678',
      },
      {
        id: 'R-5002',
        agent: 'E0102',
        created: '2026-11-04T03:00:00Z',
        p: 0.9,
        aspects: [['service_attitude', 0.9]],
        text: '客服小姐姐很耐心，帮我换了尺码',
      },
    ]);
    await recomputeRatings(tdb.db);
    base = await t.app.listen({ host: '127.0.0.1', port: 0 });
    browser = await launchChromium();
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await t?.app.close();
    await tdb?.dispose();
  });

  it('corrects a review and files an appeal from the page, in both languages and sizes', async () => {
    const { ctx, page } = await openPage(browser, { viewport: VIEWPORTS.laptop, locale: 'zh-CN' }, csp);
    await signInWith(page, base, t.keys.cs_lead);
    await Promise.all([page.waitForLoadState('load'), page.getByRole('link', { name: '复核与申诉' }).click()]);
    expect(new URL(page.url()).pathname).toBe('/corrections');
    await page.getByLabel('评价编号', { exact: true }).fill('R-5001');
    await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: '打开' }).click()]);
    await expect(page.locator('#h-review').textContent()).resolves.toBe('评价 R-5001');
    await expect(page.locator('body').textContent()).resolves.not.toContain('13812345678');

    // the lead: the slow reply was the courier's, not the agent's
    await page.locator('#c-keep').uncheck();
    await page.locator('#c-a-response_speed').uncheck();
    await page.locator('#c-a-logistics').check();
    await page.locator('#c-p-logistics').selectOption('negative');
    await page.locator('#c-attr').selectOption('not_agent');
    await page.locator('#c-reason').fill('物流延误，客服已催件');
    await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: '保存复核' }).click()]);
    await expect(page.locator('[role="status"]').first().textContent()).resolves.toContain('已保存复核');
    const api = (await t.app.inject({ url: '/v1/reviews/R-5001/corrections', headers: t.auth('cs_lead') })).json();
    expect(api.items[0]).toMatchObject({ attribution: 'not_agent', aspects: [{ aspect: 'logistics' }] });

    // an appeal for the other agent, pending on the page
    await page.goto(`${base}/corrections?review=R-5002`);
    await page.locator('#ap-attr').selectOption('excluded');
    await page.locator('#ap-reason').fill('同一顾客重复评价');
    await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: '提交申诉' }).click()]);
    await expect(page.locator('[data-appeal]').count()).resolves.toBe(1);
    await axe(page);
    await fits(page);
    if (SHOTS) {
      mkdirSync(SHOTS, { recursive: true });
      await page.screenshot({ path: path.join(SHOTS, 'corrections-zh.png'), fullPage: true });
    }
    await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'English' }).click()]);
    expect(new URL(page.url()).pathname).toBe('/corrections');
    await expect(page.locator('#h-pending').textContent()).resolves.toBe('Pending appeals');
    await axe(page);
    await fits(page);
    if (SHOTS) await page.screenshot({ path: path.join(SHOTS, 'corrections-en.png'), fullPage: true });

    await page.setViewportSize(VIEWPORTS.tablet);
    await page.reload();
    await fits(page);
    await axe(page);
    if (SHOTS) await page.screenshot({ path: path.join(SHOTS, 'corrections-en-tablet.png'), fullPage: false });
    expect(csp).toEqual([]);
    await ctx.close();
  }, 180_000);
});
