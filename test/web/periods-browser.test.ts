/// <reference lib="dom" />
/**
 * The closed-period and approval pages in Chromium (playwright-core, /usr/bin/chromium): a second HR
 * key signs in, opens the closed periods from the navigation, closes 2026-Q3 through the form (its
 * months listed with it), approves a pending role-wide override filed by the first HR key, switches to
 * English; no CSP violation, no serious axe finding, nothing wider than the window at 1366×768 and
 * 820×1180. CONSOLE_SCREENSHOTS=<dir> writes screenshots of both pages in zh and en.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeyRepository } from '../../src/auth/keys.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { openTestDb, type TestDb } from '../helpers/db.js';
import { loadDemo } from '../kpi/helpers.js';
import { axe, fits, haveChromium, launchChromium, SHOTS, VIEWPORTS, openPage, signInWith } from './chromium.js';

describe.skipIf(!haveChromium)('closed periods and approvals in Chromium', () => {
  let tdb: TestDb;
  let t: TestApp;
  let base: string;
  let browser: Browser;
  let checkerKey = '';
  let requestId = 0;
  const csp: string[] = [];

  beforeAll(async () => {
    tdb = await openTestDb('pglite');
    await loadDemo(tdb.db, { people: 6 });
    t = await buildTestApp(tdb.db, { OVERRIDE_APPROVAL_THRESHOLD: '0.1' });
    checkerKey = (await createKeyRepository(tdb.db).create('second hr', ['hr'])).key;
    const r = await t.app.inject({
      method: 'PUT',
      url: '/v1/targets/overrides',
      headers: t.auth('hr'),
      payload: {
        role: 'cs_agent',
        metric: 'csat',
        period: '2026-12',
        employee_id: '*',
        value: 0.8,
        reason: '双12 全岗调整',
      },
    });
    expect(r.statusCode, r.body).toBe(202);
    requestId = r.json().request.id;
    base = await t.app.listen({ host: '127.0.0.1', port: 0 });
    browser = await launchChromium();
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await t?.app.close();
    await tdb?.dispose();
  });

  it('closes a quarter and approves an override through the pages, in both languages', async () => {
    const { ctx, page } = await openPage(browser, { viewport: VIEWPORTS.laptop, locale: 'zh-CN' }, csp);
    const shot = async (name: string) => {
      if (!SHOTS) return;
      mkdirSync(SHOTS, { recursive: true });
      await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
    };
    await signInWith(page, base, checkerKey);
    await Promise.all([
      page.waitForLoadState('load'),
      page.getByRole('link', { name: '期间关账', exact: true }).click(),
    ]);
    expect(new URL(page.url()).pathname).toBe('/hr/periods');

    await page.locator('#f-role').selectOption('cs_agent');
    await page.locator('#f-period').fill('2026-Q3');
    await page.locator('#f-reason').fill('三季度考核已签字');
    await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: '关账', exact: true }).click()]);
    await expect(page.locator('[role="status"]').textContent()).resolves.toBe('已关账。');
    await expect(page.locator('tr[data-period]').count()).resolves.toBe(4);
    await axe(page);
    await fits(page);
    await shot('periods-zh');

    await Promise.all([page.waitForLoadState('load'), page.getByRole('link', { name: '调整审批' }).click()]);
    const row = page.locator(`tr[data-request="${requestId}"]`);
    await expect(row.count()).resolves.toBe(1);
    await axe(page);
    await fits(page);
    await shot('approvals-zh');
    await page.setViewportSize(VIEWPORTS.tablet);
    await fits(page);
    await page.setViewportSize(VIEWPORTS.laptop);
    await row.getByLabel(`申请 #${requestId} 的审批意见`).first().fill('同意调整');
    await Promise.all([page.waitForLoadState('load'), row.getByRole('button', { name: '批准' }).click()]);
    await expect(page.locator('[role="status"]').textContent()).resolves.toBe('已批准，调整即刻生效。');
    const decided = (await t.app.inject({ url: `/v1/override-requests/${requestId}`, headers: t.auth('hr') })).json();
    expect(decided.state).toBe('approved');

    // a second request, shown to its checker in English
    const again = await t.app.inject({
      method: 'PUT',
      url: '/v1/targets/overrides',
      headers: t.auth('hr'),
      payload: {
        role: 'cs_agent',
        metric: 'csat',
        period: '2026-12',
        employee_id: '*',
        value: 0.7,
        reason: 'year end',
      },
    });
    expect(again.statusCode, again.body).toBe(202);
    await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'English' }).click()]);
    await page.reload();
    await expect(page.locator('h1').textContent()).resolves.toBe('Override approvals');
    await axe(page);
    await shot('approvals-en');
    await page.goto(`${base}/hr/periods`);
    await expect(page.locator('h1').textContent()).resolves.toBe('Closed appraisal periods');
    await page.setViewportSize(VIEWPORTS.tablet);
    await fits(page);
    await axe(page);
    await shot('periods-en-tablet');
    await page.setViewportSize(VIEWPORTS.laptop);
    await shot('periods-en');
    expect(csp).toEqual([]);
    await ctx.close();
  }, 180_000);
});
