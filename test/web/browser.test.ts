/// <reference lib="dom" />
/**
 * The console in a real browser: playwright-core driving Debian's Chromium (/usr/bin/chromium, or
 * CHROMIUM_PATH; never a downloaded browser) against the service listening on 127.0.0.1 with a small
 * generated demo. Per screen: sign-in with a key of each scope and the navigation it gets, filters and
 * sorts, the drill-down, exports, the language switch, the numbers on screen against the API's for
 * the same query; axe-core with no serious or critical violation and no CSP violation, at 1366×768
 * and 820×1180; a keyboard-only walk (sign-in, a filter, the drill-down, an export). With
 * CONSOLE_SCREENSHOTS=<dir> it also writes a screenshot of each screen in both languages.
 * Outside CI a missing Chromium skips this file with a banner; with CI=true it fails.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDemo } from '../../src/demo/index.js';
import { registerShippedSentiment } from '../../src/registry/sentiment.js';
import { reviewTarget } from '../../src/reviews/repository.js';
import { returnTarget } from '../../src/ratings/returns.js';
import { recordsOf } from '../../src/services/ingestion.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { openTestDb, type TestDb } from '../helpers/db.js';
import { axe, fits, haveChromium, launchChromium, SHOTS, VIEWPORTS, openPage, signInWith } from './chromium.js';

type Scope = 'hr' | 'cs_lead' | 'scorer' | 'admin';

describe.skipIf(!haveChromium)('console in Chromium', () => {
  let tdb: TestDb;
  let t: TestApp;
  let base: string;
  let browser: Browser;
  let period: string;
  const cspViolations: string[] = [];

  beforeAll(async () => {
    tdb = await openTestDb('pglite');
    t = await buildTestApp(tdb.db);
    const { services } = t.app;
    await registerShippedSentiment(tdb.db, 'models');
    const demo = generateDemo({ seed: 42, people: 60, years: 1, endDate: '2026-11-22' });
    await services.ingestion.employees(recordsOf(demo.employees));
    await services.ingestion.ingest(reviewTarget, recordsOf(demo.reviews), 'reviews');
    await services.ingestion.ingest(returnTarget, recordsOf(demo.returns), 'returns');
    await services.reviews.scoreUnscored();
    base = await t.app.listen({ host: '127.0.0.1', port: 0 });
    browser = await launchChromium();
    period = (await services.console.periods()).quarter[0]!;
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await t?.app.close();
    await tdb?.dispose();
  });

  async function open(
    viewport: keyof typeof VIEWPORTS = 'laptop',
    locale = 'zh-CN',
  ): Promise<{ ctx: BrowserContext; page: Page }> {
    return openPage(browser, { viewport: VIEWPORTS[viewport], locale, acceptDownloads: true }, cspViolations);
  }

  async function signIn(page: Page, scope: Scope) {
    await signInWith(page, base, t.keys[scope]);
  }

  const api = async (url: string) => {
    const res = await t.app.inject({ url, headers: t.auth('admin') });
    expect(res.statusCode, url).toBe(200);
    return res.json();
  };

  const navLinks = (page: Page) => page.locator('header nav a').allTextContents();

  it('gives each scope its navigation: cs_lead the quality desk, hr the HR desk, admin both, scorer nothing', async () => {
    const { ctx, page } = await open();
    await signIn(page, 'cs_lead');
    expect(new URL(page.url()).pathname).toBe('/ratings');
    expect(await navLinks(page)).toEqual(['评分排行', '评价', '时效看板', '复核与申诉', '数据上传']);
    await ctx.close();

    const hr = await open();
    await signIn(hr.page, 'hr');
    expect(new URL(hr.page.url()).pathname).toBe('/hr');
    expect(await navLinks(hr.page)).toEqual([
      '人力资源',
      '目标台',
      '审计记录',
      '数据上传',
      '营销日历',
      '权重方案',
      '考核工具',
      '期间关账',
    ]);
    const refused = await hr.page.goto(`${base}/ratings`);
    expect(refused?.status()).toBe(403);
    await hr.ctx.close();

    const admin = await open();
    await signIn(admin.page, 'admin');
    expect(await navLinks(admin.page)).toEqual([
      '评分排行',
      '评价',
      '时效看板',
      '复核与申诉',
      '人力资源',
      '目标台',
      '审计记录',
      '数据上传',
      '营销日历',
      '权重方案',
      '考核工具',
      '期间关账',
      '模型',
      '任务',
      'API 密钥',
    ]);
    await admin.ctx.close();

    const scorer = await open();
    await signIn(scorer.page, 'scorer');
    expect(new URL(scorer.page.url()).pathname).toBe('/login');
    await expect(scorer.page.getByRole('alert').textContent()).resolves.toContain('scorer');
    await scorer.ctx.close();
  });

  it('leaderboard: filters and sorts by partial update, numbers equal the API, drill-down, both exports', async () => {
    const { ctx, page } = await open();
    await signIn(page, 'cs_lead');
    await page.goto(`${base}/ratings?kind=quarter&period=${period}&role=cs_agent`);
    const teams = await page.locator('#f-team option').allTextContents();
    const team = teams[1]!;
    await page.selectOption('#f-team', { label: team });
    await page.waitForURL(/team=/);
    await page.waitForSelector('main:not([aria-busy])');
    const shown = await page.locator('tbody tr').evaluateAll((rows) =>
      rows.map((r) => ({
        agent: r.getAttribute('data-agent'),
        score: r.querySelector('[data-field="score"]')?.textContent,
        n: r.querySelector('[data-field="n"]')?.textContent,
      })),
    );
    const fromApi = (await api(
      `/v1/ratings?period=${period}&role=cs_agent&team=${encodeURIComponent(team)}&limit=25`,
    )) as { items: { agent_id: string; score: number | null; n: number }[] };
    expect(shown.length).toBeGreaterThan(0);
    expect(shown).toEqual(
      fromApi.items.map((r) => ({
        agent: r.agent_id,
        score: r.score === null ? '—' : r.score.toFixed(1),
        n: String(r.n),
      })),
    );
    // sort by the interval's low end
    await page.selectOption('#f-sort', 'ci_low');
    await page.waitForURL(/sort=ci_low/);
    await page.waitForSelector('main:not([aria-busy])');
    const lowOrder = await page
      .locator('tbody tr')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-agent')));
    const lowApi = (await api(
      `/v1/ratings?period=${period}&role=cs_agent&team=${encodeURIComponent(team)}&sort=ci_low&limit=25`,
    )) as { items: { agent_id: string }[] };
    expect(lowOrder).toEqual(lowApi.items.map((r) => r.agent_id));
    // biggest decline first
    await page.selectOption('#f-sort', 'decline');
    await page.waitForURL(/sort=decline/);
    await page.waitForSelector('main:not([aria-busy])');
    const changes = (await page.locator('[data-field="change"]').allTextContents())
      .map((x) => Number(x.replace('−', '-').replace('+', '')))
      .filter(Number.isFinite);
    expect(changes).toEqual([...changes].sort((a, b) => a - b));
    // exports of the view
    const [csv] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: '导出 CSV' }).click(),
    ]);
    const bytes = readFileSync((await csv.path())!);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(bytes.toString('utf8').trim().split('\r\n').length).toBe(shown.length + 1);
    const [xlsx] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: '导出 Excel' }).click(),
    ]);
    expect(xlsx.suggestedFilename()).toMatch(/\.xlsx$/);
    // drill-down
    const first = shown[0]!.agent!;
    await Promise.all([
      page.waitForURL(/\/ratings\/agents\//),
      page.getByRole('link', { name: first, exact: true }).click(),
    ]);
    const card = await page.locator('.cards [data-field="score"]').textContent();
    const agentApi = (await api(`/v1/ratings/agents/${first}?period=${period}`)) as { ratings: { score: number }[] };
    expect(card).toBe(agentApi.ratings[0]!.score.toFixed(1));
    // a bar of the reviews chart leads to that period's reviews
    const bar = page.locator('svg.chart a').first();
    const href = await bar.getAttribute('href');
    expect(href).toMatch(/period=.*#reviews$/);
    await Promise.all([page.waitForURL(/#reviews$/), bar.click()]);
    await expect(page.locator('#reviews').textContent()).resolves.toMatch(/评分背后的评价/);
    await ctx.close();
  });

  it('reviews: filters, highlighted spans, the score box; SLA board links to agents; language switch', async () => {
    const { ctx, page } = await open();
    await signIn(page, 'cs_lead');
    await page.goto(`${base}/reviews`);
    await page.selectOption('#f-sentiment', 'negative');
    await page.waitForURL(/sentiment=negative/);
    await page.waitForSelector('main:not([aria-busy])');
    const badges = await page.locator('.reviews .head .badge').allTextContents();
    expect(badges.length).toBeGreaterThan(0);
    expect(badges.every((b) => b.startsWith('负面'))).toBe(true);
    expect(await page.locator('.reviews mark').count()).toBeGreaterThan(0);
    await page.getByLabel('粘贴评价文本').fill('客服态度很好，但是快递太慢了');
    await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: '评分', exact: true }).click()]);
    await expect(page.locator('#h-result').textContent()).resolves.toBe('评分结果');
    expect(await page.locator('[role="status"] mark').count()).toBeGreaterThan(0);

    await page.goto(`${base}/sla?within=all`);
    const overdueApi = (await api('/v1/ratings/overdue-reviews?role=cs_agent&limit=1')) as { total: number };
    await expect(page.locator('#h-overdue + p').textContent()).resolves.toContain(String(overdueApi.total).slice(-3));
    // the demo's return events give every team card a 48 h returns rate
    const returnsRates = await page.locator('.cards dd:nth-of-type(3)').allTextContents();
    expect(returnsRates.length).toBeGreaterThan(0);
    expect(returnsRates.every((x) => /^\d+(\.\d+)?%$/.test(x.trim()))).toBe(true);
    const agentLink = page.locator('tbody th a').first();
    await Promise.all([page.waitForURL(/\/ratings\/agents\//), agentLink.click()]);

    await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'English' }).click()]);
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    expect(await navLinks(page)).toEqual(['Ratings', 'Reviews', 'SLA board', 'Corrections', 'Uploads']);
    await page.goto(`${base}/ratings`);
    await expect(page.locator('h1').textContent()).resolves.toContain('Service-ability ratings');
    await ctx.close();
  });

  it('is usable with the keyboard alone: sign-in, a filter, the drill-down, an export', async () => {
    const { ctx, page } = await open();
    await page.goto(`${base}/login`);
    /** Presses Tab until the focused element matches `selector`. */
    const tabTo = async (selector: string) => {
      for (let i = 0; i < 80; i++) {
        if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return;
        await page.keyboard.press('Tab');
      }
      throw new Error(`Tab never reached ${selector}`);
    };
    await tabTo('#key');
    await page.keyboard.type(t.keys.cs_lead);
    await Promise.all([page.waitForURL(/\/ratings/), page.keyboard.press('Enter')]);
    await tabTo('#f-kind');
    await page.keyboard.press('ArrowDown'); // quarter → year
    await page.waitForURL(/kind=year/);
    await page.waitForSelector('main:not([aria-busy])');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('f-kind');
    await tabTo('#f-kind');
    await page.keyboard.press('ArrowUp'); // back to quarter
    await page.waitForURL(/kind=quarter/);
    await page.waitForSelector('main:not([aria-busy])');
    await tabTo('a[download][href*="export.csv"]');
    const [download] = await Promise.all([page.waitForEvent('download'), page.keyboard.press('Enter')]);
    expect(download.suggestedFilename()).toMatch(/^ratings-.+\.csv$/);
    await tabTo('tbody th a');
    await Promise.all([page.waitForURL(/\/ratings\/agents\//), page.keyboard.press('Enter')]);
    await expect(page.locator('h1').textContent()).resolves.toMatch(/客服 /);
    await ctx.close();
  });

  const SCREENS = [
    ['login', '/login'],
    ['ratings', () => `/ratings?kind=quarter&period=${period}&role=cs_agent`],
    [
      'agent',
      async () => {
        const top = (await api(`/v1/ratings?period=${period}&role=cs_agent&limit=1`)) as {
          items: { agent_id: string }[];
        };
        return `/ratings/agents/${top.items[0]!.agent_id}?kind=month`;
      },
    ],
    ['reviews', '/reviews?aspect=logistics'],
    ['sla', '/sla'],
    ['hr', '/hr'],
  ] as const;

  for (const [viewport, size] of Object.entries(VIEWPORTS) as [keyof typeof VIEWPORTS, { width: number }][]) {
    it(`has no serious or critical axe violation and fits ${size.width} px on every screen, in both languages`, async () => {
      for (const lang of ['zh-CN', 'en']) {
        const { ctx, page } = await open(viewport, lang);
        await signIn(page, 'admin');
        for (const [name, where] of SCREENS) {
          const url = typeof where === 'string' ? where : await where();
          if (name === 'login') {
            const anon = await open(viewport, lang);
            await anon.page.goto(`${base}${url}`);
            await axe(anon.page);
            await fits(anon.page);
            if (SHOTS) await shot(anon.page, name, lang, viewport);
            await anon.ctx.close();
            continue;
          }
          const res = await page.goto(`${base}${url}`);
          expect(res?.status(), url).toBe(200);
          expect(await page.getAttribute('html', 'lang')).toBe(lang);
          await axe(page);
          await fits(page);
          if (SHOTS) await shot(page, name, lang, viewport);
        }
        await ctx.close();
      }
      expect(cspViolations).toEqual([]);
    });
  }

  async function shot(page: Page, name: string, lang: string, viewport: string) {
    // every screen on the laptop; the tablet's layout shown by the two busiest screens
    if (viewport === 'tablet' && !['ratings', 'agent'].includes(name)) return;
    mkdirSync(SHOTS!, { recursive: true });
    const file = path.join(
      SHOTS!,
      `${name}-${lang === 'en' ? 'en' : 'zh'}${viewport === 'tablet' ? '-tablet' : ''}.png`,
    );
    await page.screenshot({ path: file, fullPage: false });
  }
});
