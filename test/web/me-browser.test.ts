/// <reference lib="dom" />
/**
 * The agent's own page /me in Chromium (issue 18, scope agent): an agent key signs in and lands on
 * /me, sees its rating and the reviews counted, files an appeal on one of them with a reason and sees
 * it pending in its appeals; in both languages, at both viewports: no CSP violation, no serious axe
 * finding, no overflow. CONSOLE_SCREENSHOTS=<dir> writes me-{zh,en}[-tablet].png.
 * Outside CI a missing Chromium skips this file with a banner; with CI=true it fails.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recomputeRatings } from '../../src/ratings/recompute.js';
import { agentKey, buildTestApp, type TestApp } from '../helpers/app.js';
import { openTestDb, type TestDb } from '../helpers/db.js';
import { addAgents, addScoredReviews, type ScoredReview } from '../ratings/helpers.js';
import { axe, fits, haveChromium, launchChromium, SHOTS, VIEWPORTS, openPage, signInWith } from './chromium.js';

describe.skipIf(!haveChromium)('the agent page in Chromium', () => {
  let tdb: TestDb;
  let t: TestApp;
  let base: string;
  let browser: Browser;
  let key: string;
  const csp: string[] = [];

  beforeAll(async () => {
    tdb = await openTestDb('pglite');
    t = await buildTestApp(tdb.db);
    await addAgents(tdb.db, ['E0201', 'E0202'], 'cs_agent', '客服-售前-1');
    const texts = [
      '客服回复很快，态度也好',
      '等了三天快递才到，客服态度很差，电话13812345678',
      '客服小姐姐很耐心，帮我换了尺码',
      '问了半天没人回',
    ];
    const rows: ScoredReview[] = [];
    for (let i = 0; i < 12; i++)
      rows.push({
        id: `R-62${String(i).padStart(2, '0')}`,
        agent: i < 8 ? 'E0201' : 'E0202',
        created: `2026-11-${String(3 + i).padStart(2, '0')}T03:00:00Z`,
        p: i % 4 === 1 || i % 4 === 3 ? 0.15 : 0.9,
        aspects: [[i % 4 === 3 ? 'response_speed' : 'service_attitude', i % 4 === 1 || i % 4 === 3 ? 0.15 : 0.9]],
        text: texts[i % 4]!,
      });
    await addScoredReviews(tdb.db, rows);
    await recomputeRatings(tdb.db);
    key = (await agentKey(tdb.db, 'E0201')).authorization.slice('Bearer '.length);
    base = await t.app.listen({ host: '127.0.0.1', port: 0 });
    browser = await launchChromium();
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await t?.app.close();
    await tdb?.dispose();
  });

  it('shows the own rating and files an appeal, in both languages and sizes', async () => {
    const { ctx, page } = await openPage(browser, { viewport: VIEWPORTS.laptop, locale: 'zh-CN' }, csp);
    await signInWith(page, base, key);
    expect(new URL(page.url()).pathname).toBe('/me');
    await expect(page.locator('#page-title').textContent()).resolves.toBe('我的服务评分（E0201）');
    await expect(page.locator('body').textContent()).resolves.not.toContain('13812345678');
    await expect(page.locator('[data-review]').count()).resolves.toBe(8);

    const card = page.locator('[data-review="R-6201"]');
    await card.locator('summary').click();
    await card.getByLabel('希望如何处理').selectOption('not_agent');
    await card.getByLabel('申诉理由（必填）').fill('顾客抱怨的是快递，不是我的服务');
    await Promise.all([page.waitForLoadState('load'), card.getByRole('button', { name: '提交申诉' }).click()]);
    await expect(page.locator('[role="status"]').first().textContent()).resolves.toContain('申诉已提交');
    await expect(page.locator('[data-appeal]').count()).resolves.toBe(1);
    await expect(page.locator('[data-review="R-6201"] .badge').last().textContent()).resolves.toBe('申诉处理中');
    const api = (await t.app.inject({ url: '/v1/appeals?review_id=R-6201', headers: t.auth('cs_lead') })).json();
    expect(api.items[0]).toMatchObject({ agent_id: 'E0201', state: 'pending' });
    // another review's form stays open in the screenshot
    await page.locator('[data-review="R-6203"] summary').click();
    await axe(page);
    await fits(page);
    if (SHOTS) {
      mkdirSync(SHOTS, { recursive: true });
      await page.screenshot({ path: path.join(SHOTS, 'me-zh.png'), fullPage: true });
    }
    await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'English' }).click()]);
    expect(new URL(page.url()).pathname).toBe('/me');
    await expect(page.locator('#h-appeals').textContent()).resolves.toBe('My appeals');
    await page.locator('[data-review="R-6203"] summary').click();
    await axe(page);
    await fits(page);
    if (SHOTS) await page.screenshot({ path: path.join(SHOTS, 'me-en.png'), fullPage: true });

    await page.setViewportSize(VIEWPORTS.tablet);
    await page.reload();
    await fits(page);
    await axe(page);
    if (SHOTS) await page.screenshot({ path: path.join(SHOTS, 'me-en-tablet.png'), fullPage: false });
    expect(csp).toEqual([]);
    await ctx.close();
  }, 180_000);
});
