/// <reference lib="dom" />
/**
 * The HR target desk in a real browser (playwright-core and Debian's Chromium, as browser.test.ts):
 * a filter and a sort by partial update with the numbers equal to the API's, the drill-down, an
 * override with a reason then its revert (shown at once, then in the audit page), both exports; a
 * keyboard-only path (sign-in, a filter, the drill-down, an export); axe with no serious or critical
 * violation, nothing wider than the window and no CSP violation at 1366×768 and 820×1180 in both
 * languages. With CONSOLE_SCREENSHOTS=<dir> it writes a screenshot of each page, both languages, both sizes
 * (the jobs page with a completed, a failed, a running and a part-way failed job).
 * Outside CI a missing Chromium skips this file with a banner; with CI=true it fails.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimJob, failAttempt, insertJob, setProgress } from '../../src/jobs/record.js';
import { trainBaselinesProcessor } from '../../src/kpi/train.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { openTestDb, type TestDb } from '../helpers/db.js';
import { loadDemo } from '../kpi/helpers.js';
import { axe, fits, haveChromium, launchChromium, SHOTS, VIEWPORTS, openPage, signInWith } from './chromium.js';

const ROLE = 'product_ops';
const METRIC = 'gmv';
const PERIOD = '2026-Q4';
const DESK = `/targets?role=${ROLE}&metric=${METRIC}&period=${PERIOD}`;

describe.skipIf(!haveChromium)('target desk in Chromium', () => {
  let tdb: TestDb;
  let t: TestApp;
  let base: string;
  let browser: Browser;
  const cspViolations: string[] = [];

  beforeAll(async () => {
    tdb = await openTestDb('pglite');
    await loadDemo(tdb.db, { people: 24 });
    t = await buildTestApp(tdb.db, {}, false, { train_baselines: trainBaselinesProcessor as never });
    const job = await t.app.services.targets.train({ role: ROLE, network: false, promote: true }, null);
    for (let i = 0; i < 600; i++) {
      const s = await t.app.services.targets.trainingJob(job.id);
      if (s.state === 'completed') break;
      if (s.state === 'failed') throw new Error(JSON.stringify(s));
      await new Promise((res) => setTimeout(res, 100));
    }
    // a role without KPI history: its training fails, the jobs page shows why
    await tdb.db.query(`insert into roles (id, name) values ('trainee', 'Trainee')`);
    const failing = await t.app.services.targets.train({ role: 'trainee', network: false, promote: true }, null);
    for (let i = 0; i < 600; i++) {
      if ((await t.app.services.targets.trainingJob(failing.id)).state === 'failed') break;
      await new Promise((res) => setTimeout(res, 100));
    }
    // a running job with its processor's stage, and one that failed part-way: the jobs page words both
    for (const [id, percent, stage] of [
      ['train_baselines-running', 33, `training ${ROLE}:${METRIC}:month (2/3)`],
      ['ab_compare-stopped', 40, 'history 4/10'],
    ] as const) {
      await insertJob(tdb.db, id, id === 'train_baselines-running' ? 'train_baselines' : 'ab_compare', {}, null);
      await claimJob(tdb.db, id, { worker: 'test' });
      await setProgress(tdb.db, id, percent, stage);
    }
    await failAttempt(
      tdb.db,
      'ab_compare-stopped',
      'no person-period with an actual and a target between 2026-01 and 2026-03',
      true,
    );
    base = await t.app.listen({ host: '127.0.0.1', port: 0 });
    browser = await launchChromium();
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await t?.app.close();
    await tdb?.dispose();
  });

  async function open(viewport: keyof typeof VIEWPORTS = 'laptop', locale = 'zh-CN') {
    return openPage(browser, { viewport: VIEWPORTS[viewport], locale, acceptDownloads: true }, cspViolations);
  }
  async function signIn(page: Page, scope: 'hr' | 'admin' | 'cs_lead') {
    await signInWith(page, base, t.keys[scope]);
  }
  const api = async (url: string) => {
    const res = await t.app.inject({ url, headers: t.auth('hr') });
    expect(res.statusCode, url).toBe(200);
    return res.json();
  };
  const settled = (page: Page) => page.waitForSelector('main:not([aria-busy])');
  const targetsShown = (page: Page) =>
    page.locator('tbody tr[data-employee]').evaluateAll((rows) =>
      rows.map((r) => ({
        id: r.getAttribute('data-employee'),
        target: Number(r.querySelector('[data-field="target"] strong')?.textContent?.replace(/,/g, '')),
      })),
    );

  it('filters and sorts by partial update with the API numbers, drills down, overrides with a reason, reverts, exports', async () => {
    const { ctx, page } = await open();
    await signIn(page, 'hr');
    expect(new URL(page.url()).pathname).toBe('/hr');
    await page.getByRole('link', { name: '目标台', exact: true }).click();
    await page.waitForURL(/\/targets/);
    await page.goto(`${base}${DESK}`);
    await page.selectOption('#f-sort', 'target');
    await page.waitForURL(/sort=target/);
    await settled(page);
    await page.selectOption('#f-dir', 'desc');
    await page.waitForURL(/dir=desc/);
    await settled(page);
    const shown = await targetsShown(page);
    const fromApi = (await api(`/v1/targets?role=${ROLE}&metric=${METRIC}&period=${PERIOD}&limit=1000`)) as {
      metrics: { people: { employee_id: string; target: number; suggested_target: number }[] }[];
    };
    const people = fromApi.metrics[0]!.people;
    expect(shown.map((r) => r.id)).toEqual(
      [...people]
        .sort((a, b) => b.target - a.target || (a.employee_id < b.employee_id ? -1 : 1))
        .map((p) => p.employee_id),
    );
    for (const r of shown) {
      const p = people.find((x) => x.employee_id === r.id)!;
      expect(Math.abs(r.target - p.target)).toBeLessThanOrEqual(Math.max(1, Math.abs(p.target) * 1e-3));
    }
    // search
    const who = shown[1]!.id!;
    await page.fill('#f-q', who);
    await page.getByRole('button', { name: '应用筛选' }).click();
    await page.waitForURL(new RegExp(`q=${who}`));
    await settled(page);
    expect((await targetsShown(page)).map((r) => r.id)).toEqual([who]);
    // exports of this view
    const [csv] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: '导出 CSV' }).click(),
    ]);
    const bytes = readFileSync((await csv.path())!);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(bytes.toString('utf8').trim().split('\r\n')).toHaveLength(2);
    const [xlsx] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: '导出 Excel' }).click(),
    ]);
    expect(xlsx.suggestedFilename()).toBe(`targets-${ROLE}-${METRIC}-${PERIOD}.xlsx`);
    // drill-down
    await Promise.all([page.waitForURL(/\/targets\/why/), page.locator(`tbody th a`).first().click()]);
    expect(await page.locator('svg[role="img"]').count()).toBe(2);
    // override with a reason: the browser refuses an empty reason, then it is saved and shown at once
    await page.fill('#o-value', '424242');
    await page.getByRole('button', { name: '保存调整' }).click();
    expect(await page.locator('#o-reason').evaluate((e) => (e as HTMLTextAreaElement).validity.valueMissing)).toBe(
      true,
    );
    await page.fill('#o-reason', '季度调整：新品上市');
    await Promise.all([page.waitForURL(/saved=set/), page.getByRole('button', { name: '保存调整' }).click()]);
    await expect(page.locator('[data-field="target"]').textContent()).resolves.toBe('424,242');
    await expect(page.locator('[data-field="override"]').textContent()).resolves.toContain('季度调整：新品上市');
    // the audit page shows it
    await page.getByRole('link', { name: '审计记录', exact: true }).click();
    await page.waitForURL(/\/targets\/audit/);
    await expect(page.locator('tbody tr').first().textContent()).resolves.toContain('季度调整：新品上市');
    await page.goBack();
    await page.fill('#o-revert', '撤回');
    await Promise.all([
      page.waitForURL(/saved=cleared/),
      page.getByRole('button', { name: '撤销调整，恢复建议值' }).click(),
    ]);
    const p = people.find((x) => x.employee_id === who) ?? people[0]!;
    expect(p).toBeTruthy();
    await expect(page.locator('[data-field="target"]').textContent()).resolves.not.toBe('424,242');
    await ctx.close();
  });

  it('is usable with the keyboard alone: sign-in, a filter, the drill-down, an export', async () => {
    const { ctx, page } = await open();
    await page.goto(`${base}/login?next=${encodeURIComponent(DESK)}`);
    const tabTo = async (selector: string) => {
      for (let i = 0; i < 120; i++) {
        if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return;
        await page.keyboard.press('Tab');
      }
      throw new Error(`Tab never reached ${selector}`);
    };
    await tabTo('#key');
    await page.keyboard.type(t.keys.hr);
    await Promise.all([page.waitForURL(/\/targets/), page.keyboard.press('Enter')]);
    await tabTo('#f-flag');
    await page.keyboard.press('ArrowDown'); // all → past the warning line
    await page.waitForURL(/flag=/);
    await settled(page);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('f-flag');
    await page.keyboard.press('ArrowUp'); // back to all
    await page.waitForURL((u) => !u.search.includes('flag='));
    await settled(page);
    await tabTo('a[download][href*="export.csv"]');
    const [download] = await Promise.all([page.waitForEvent('download'), page.keyboard.press('Enter')]);
    expect(download.suggestedFilename()).toMatch(/^targets-.+\.csv$/);
    await tabTo('tbody th a');
    await Promise.all([page.waitForURL(/\/targets\/why/), page.keyboard.press('Enter')]);
    await tabTo('#o-value');
    await ctx.close();
  });

  const SCREENS: [string, () => Promise<string>][] = [
    ['hr', async () => '/hr'],
    ['targets', async () => DESK],
    [
      'why',
      async () => {
        const a = (await api(`/v1/targets?role=${ROLE}&metric=${METRIC}&period=${PERIOD}&limit=1`)) as {
          metrics: { people: { employee_id: string }[] }[];
        };
        return `/targets/why?employee=${a.metrics[0]!.people[0]!.employee_id}&metric=${METRIC}&period=${PERIOD}`;
      },
    ],
    ['audit', async () => '/targets/audit'],
    ['models', async () => '/models'],
    ['jobs', async () => '/jobs'],
    ['keys', async () => '/keys'],
  ];

  for (const [viewport, size] of Object.entries(VIEWPORTS) as [keyof typeof VIEWPORTS, { width: number }][]) {
    it(`has no serious or critical axe violation and fits ${size.width} px on every HR page, in both languages`, async () => {
      for (const lang of ['zh-CN', 'en']) {
        const { ctx, page } = await open(viewport, lang);
        await signIn(page, 'admin');
        for (const [name, where] of SCREENS) {
          const url = await where();
          const res = await page.goto(`${base}${url}`);
          expect(res?.status(), url).toBe(200);
          expect(await page.getAttribute('html', 'lang')).toBe(lang);
          await axe(page);
          await fits(page);
          if (SHOTS) {
            mkdirSync(SHOTS, { recursive: true });
            const file = `${name}-${lang === 'en' ? 'en' : 'zh'}${viewport === 'tablet' ? '-tablet' : ''}.png`;
            await page.screenshot({ path: path.join(SHOTS, file), fullPage: false });
          }
        }
        await ctx.close();
      }
      expect(cspViolations).toEqual([]);
    });
  }
});
