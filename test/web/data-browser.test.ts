/// <reference lib="dom" />
/**
 * Console part 2's data pages in a real browser (playwright-core and Debian's Chromium, as the other
 * browser files): an upload with one bad row → the error table and the API's counts unchanged, then
 * a good one → the counts the API holds, sent by the page's script (progress) without leaving the
 * page; the quality lead offered only their kinds; a promotion window added on the calendar; the
 * weight form's live sum refusing 90 and taking 100, then a pin; the override import's error table, and
 * its result with rows sent for approval (OVERRIDE_APPROVAL_THRESHOLD set: a revert applied, two
 * overrides filed for a second HR key, linked to /hr/approvals) in both languages; the shadow comparison report.
 * axe with no serious or critical violation, nothing wider than the window and no CSP violation at
 * 1366×768 and 820×1180 in both languages. With CONSOLE_SCREENSHOTS=<dir> a screenshot of each page.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setOverride } from '../../src/kpi/overrides.js';
import { registerVersion } from '../../src/registry/index.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { openTestDb, type TestDb } from '../helpers/db.js';
import { loadDemo } from '../kpi/helpers.js';
import { axe, fits, haveChromium, launchChromium, SHOTS, VIEWPORTS, openPage, signInWith } from './chromium.js';
import { REPORT } from './shadow-fixture.js';

const BAD_HISTORY = [
  'employee_id,metric_id,period,value',
  'E0001,csat,2026-11,0.9',
  'E0001,csat,2026-13,0.9',
  'E0002,csat,2026-11,abc',
  '',
].join('\n');
const GOOD_HISTORY = [
  'employee_id,metric_id,period,value',
  'E0001,csat,2026-11,0.91',
  'E0002,csat,2026-11,0.87',
  '',
].join('\n');

describe.skipIf(!haveChromium)('data pages in Chromium', () => {
  let tdb: TestDb;
  let t: TestApp;
  let base: string;
  let browser: Browser;
  const cspViolations: string[] = [];

  beforeAll(async () => {
    tdb = await openTestDb('pglite');
    await loadDemo(tdb.db, { people: 12 });
    t = await buildTestApp(tdb.db, { OVERRIDE_APPROVAL_THRESHOLD: '0.1' });
    await registerVersion(tdb.db, {
      id: REPORT.candidate,
      kind: 'sentiment',
      scope: 'zh',
      metadata: { shadow: REPORT },
    });
    base = await t.app.listen({ host: '127.0.0.1', port: 0 });
    browser = await launchChromium();
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await t?.app.close();
    await tdb?.dispose();
  });

  async function open(viewport: keyof typeof VIEWPORTS = 'laptop', locale = 'zh-CN') {
    return openPage(browser, { viewport: VIEWPORTS[viewport], locale }, cspViolations);
  }
  async function signIn(page: Page, scope: 'hr' | 'admin' | 'cs_lead') {
    await signInWith(page, base, t.keys[scope]);
  }
  const history = async () =>
    (await t.app.inject({ url: '/v1/history?metric_id=csat&kind=month&from=2026-11-01', headers: t.auth('hr') })).json()
      .length as number;

  it('uploads: one bad row → the error table, nothing written; a good file → the counts, on the same page', async () => {
    const { ctx, page } = await open();
    await signIn(page, 'hr');
    await page.goto(`${base}/upload`);
    await page.evaluate(() => {
      (window as unknown as { stayed: number }).stayed = 1;
    });
    const before = await history();
    await page.selectOption('#u-kind', 'history');
    await page.setInputFiles('#u-file', { name: 'bad.csv', mimeType: 'text/csv', buffer: Buffer.from(BAD_HISTORY) });
    await page.getByRole('button', { name: '上传' }).click();
    await page.waitForSelector('[data-upload-result="refused"]');
    const errors = await page
      .locator('table.row-errors tbody tr')
      .evaluateAll((rows) => rows.map((r) => Array.from(r.querySelectorAll('td'), (c) => c.textContent?.trim())));
    expect(errors.length).toBeGreaterThanOrEqual(2);
    expect(errors.map((e) => e[0])).toEqual(expect.arrayContaining(['2', '3']));
    expect(errors.find((e) => e[0] === '2')?.[1]).toBe('period');
    expect(await history()).toBe(before);
    // the answer came by the page's script (the upload's progress): the page was not left
    expect(await page.evaluate(() => (window as unknown as { stayed?: number }).stayed)).toBe(1);
    if (SHOTS) {
      mkdirSync(SHOTS, { recursive: true });
      await page.screenshot({ path: path.join(SHOTS, 'upload-errors-zh.png') });
    }
    await page.selectOption('#u-kind', 'history');
    await page.setInputFiles('#u-file', { name: 'good.csv', mimeType: 'text/csv', buffer: Buffer.from(GOOD_HISTORY) });
    await page.getByRole('button', { name: '上传' }).click();
    await page.waitForSelector('[data-upload-result="ok"]');
    const inserted = Number(await page.locator('[data-count="inserted"]').textContent());
    const updated = Number(await page.locator('[data-count="updated"]').textContent());
    expect(inserted + updated).toBe(2);
    expect(await history()).toBe(before + inserted);
    // the result heading has the focus (a screen reader hears the outcome)
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('h-result');
    await ctx.close();
  });

  it("a 生意参谋 file's row reasons in the page's language, fitting the page", async () => {
    const SYCM =
      '统计日期,商品ID,支付金额,访客数\n2026-03-01,5.51563E+11,1,1\n2026-03-02,1001,-5,10\n2026-13-01,1001,1,1.5\n2026-03-30~2026-04-02,1001,1,1\n';
    for (const lang of ['zh-CN', 'en']) {
      const { ctx, page } = await open('laptop', lang);
      await signIn(page, 'hr');
      await page.goto(`${base}/upload`);
      await page.selectOption('#u-kind', 'sycm');
      await page.fill('#u-emp', 'E0001');
      await page.selectOption('#u-pk', 'month');
      await page.setInputFiles('#u-file', { name: 'sycm.csv', mimeType: 'text/csv', buffer: Buffer.from(SYCM) });
      await page.locator('form[data-upload] button[type="submit"]').click();
      await page.waitForSelector('[data-upload-result="refused"]');
      const reasons = await page.locator('table.row-errors tbody tr td:last-child').allTextContents();
      expect(reasons.length).toBe(5);
      if (lang === 'en') expect(reasons).toContain('negative: "-5"');
      else {
        expect(reasons).toContain('不能为负数："-5"');
        expect(reasons.join('')).not.toMatch(/[a-z]{4,} [a-z]{4,}/);
      }
      await axe(page);
      await fits(page);
      if (SHOTS) {
        mkdirSync(SHOTS, { recursive: true });
        await page.screenshot({ path: path.join(SHOTS, `upload-sycm-errors-${lang === 'en' ? 'en' : 'zh'}.png`) });
      }
      await ctx.close();
    }
    expect(cspViolations).toEqual([]);
  });

  it('offers the quality lead only reviews and returns; HR pages refuse them', async () => {
    const { ctx, page } = await open();
    await signIn(page, 'cs_lead');
    await page.goto(`${base}/upload`);
    const kinds = await page.locator('#u-kind option').evaluateAll((o) => o.map((x) => (x as HTMLOptionElement).value));
    expect(kinds).toEqual(['reviews', 'returns']);
    expect((await page.goto(`${base}/calendar`))?.status()).toBe(403);
    expect((await page.goto(`${base}/weights`))?.status()).toBe(403);
    await ctx.close();
  });

  it('adds a promotion window on the calendar; the weight form sums as one types; pins a profile', async () => {
    const { ctx, page } = await open();
    await signIn(page, 'hr');
    await page.goto(`${base}/calendar?month=2026-12`);
    await page.fill('#c-id', 'year-end-2026');
    await page.fill('#c-name', '年终大促');
    await page.fill('#c-start', '2026-12-26');
    await page.fill('#c-end', '2026-12-31');
    await Promise.all([page.waitForURL(/saved=year-end-2026/), page.getByRole('button', { name: '保存' }).click()]);
    expect(await page.locator('table.calendar .event.promotion', { hasText: '年终大促' }).count()).toBe(6);
    await page.goto(`${base}/weights?period=2026-12`);
    await page.fill('#w-id', 'peak');
    await page.fill('#w-name', '旺季');
    await page.fill('#w-sales', '50');
    await page.fill('#w-efficiency', '20');
    await page.fill('#w-customer_experience', '10');
    await page.fill('#w-innovation', '10');
    expect(await page.locator('#w-sum').textContent()).toContain('90');
    expect(await page.locator('form[data-weights]').evaluate((f) => (f as HTMLFormElement).checkValidity())).toBe(
      false,
    );
    await page.fill('#w-innovation', '20');
    expect(await page.locator('#w-sum').textContent()).toContain('100 / 100');
    await Promise.all([page.waitForURL(/saved=peak/), page.getByRole('button', { name: '保存方案' }).click()]);
    const row = page.locator('tr[data-period="2026-12"]');
    expect(await row.locator('[data-field="why"]').textContent()).toContain('年终大促');
    await row.locator('select').selectOption('peak');
    await Promise.all([page.waitForURL(/pinned=2026-12/), row.getByRole('button', { name: /固定方案/ }).click()]);
    expect(await page.locator('tr[data-period="2026-12"] [data-field="why"]').textContent()).toBe('人力资源已固定');
    await ctx.close();
  });

  it('the override import shows its row errors as a table', async () => {
    const { ctx, page } = await open();
    await signIn(page, 'hr');
    await page.goto(`${base}/targets/import`);
    const csv =
      'employee_id,role,metric,period,override_value,override_reason\nE0001,product_ops,gmv,2026-Q4,100,\nNOPE,product_ops,gmv,2026-Q4,100,x\n';
    await page.setInputFiles('#i-file', { name: 'o.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await page.getByRole('button', { name: '导入' }).click();
    await page.waitForSelector('[data-upload-result="refused"]');
    const fields = await page.locator('table.row-errors tbody tr td:nth-child(2)').allTextContents();
    expect(fields).toEqual(['override_reason', 'employee_id']);
    if (SHOTS) await page.screenshot({ path: path.join(SHOTS, 'import-errors-zh.png') });
    await ctx.close();
  });

  it('the override import applies what it may and sends the rest for approval, linked to the approvals page (zh, en)', async () => {
    const ids = (
      await tdb.db.query<{ id: string }>(`select id from employees where role_id = 'product_ops' order by id`)
    ).rows.map((r) => r.id);
    expect(ids.length).toBeGreaterThanOrEqual(2);
    const [a, b] = ids as [string, string];
    for (const [i, lang] of (['zh-CN', 'en'] as const).entries()) {
      // an override in force to revert (a revert needs no second approver)
      await setOverride(tdb.db, {
        role: 'product_ops',
        metric: 'gmv',
        period: '2026-Q4',
        employeeId: a,
        value: 5000,
        reason: 'before',
        actor: null,
      });
      const csv = [
        'employee_id,role,metric,period,override_value,override_reason',
        `${a},product_ops,gmv,2026-Q4,,恢复建议值`,
        `${b},product_ops,gmv,2026-Q4,"25${i},000",大促 <b>加码</b>`,
        `*,product_ops,gmv,2026-Q4,18000${i},new shop`,
        '',
      ].join('\n');
      const { ctx, page } = await open('laptop', lang);
      await signIn(page, 'hr');
      await page.goto(`${base}/targets/import`);
      await page.setInputFiles('#i-file', { name: 'o.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
      await page.locator('form[data-upload] button[type="submit"]').click();
      await page.waitForSelector('[data-upload-result="ok"]');
      expect(await page.locator('[data-count="cleared"]').textContent()).toBe('1');
      expect(await page.locator('[data-count="requested"]').textContent()).toBe('2');
      const rows = page.locator('table.import-requests tbody tr');
      expect(await rows.locator('td:nth-child(2)').allTextContents()).toEqual([b, '*']);
      // the reason is text, not markup, on the approvals page
      await axe(page);
      await fits(page);
      if (SHOTS) {
        mkdirSync(SHOTS, { recursive: true });
        await page.screenshot({ path: path.join(SHOTS, `import-approval-${lang === 'en' ? 'en' : 'zh'}.png`) });
      }
      // the link leads to the requests waiting (the maker sees them, without the decision forms)
      await page.locator('a[data-link="approvals"]').click();
      await page.waitForURL(`${base}/hr/approvals`);
      const body = (await page.locator('main').textContent()) ?? '';
      expect(body).toContain(b);
      expect(body).toContain('大促 <b>加码</b>');
      await ctx.close();
    }
    const pending = (await t.app.inject({ url: '/v1/override-requests?state=pending', headers: t.auth('hr') })).json();
    expect(pending.length).toBe(4);
    const overrides = (
      await t.app.inject({ url: '/v1/targets/overrides?role=product_ops&period=2026-Q4', headers: t.auth('hr') })
    ).json();
    expect(overrides).toEqual([]);
    expect(cspViolations).toEqual([]);
  });

  const SCREENS: [string, string][] = [
    ['upload', '/upload'],
    ['calendar', '/calendar?month=2026-11'],
    ['weights', '/weights'],
    ['import', '/targets/import'],
    ['shadow', `/models/report?id=${encodeURIComponent(REPORT.candidate)}`],
  ];

  for (const [viewport, size] of Object.entries(VIEWPORTS) as [keyof typeof VIEWPORTS, { width: number }][]) {
    it(`has no serious or critical axe violation and fits ${size.width} px on every data page, in both languages`, async () => {
      for (const lang of ['zh-CN', 'en']) {
        const { ctx, page } = await open(viewport, lang);
        await signIn(page, 'admin');
        for (const [name, url] of SCREENS) {
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
        // the upload's error table, checked as well
        await page.goto(`${base}/upload`);
        await page.selectOption('#u-kind', 'history');
        await page.setInputFiles('#u-file', {
          name: 'bad.csv',
          mimeType: 'text/csv',
          buffer: Buffer.from(BAD_HISTORY),
        });
        await page.locator('form[data-upload] button[type="submit"]').click();
        await page.waitForSelector('[data-upload-result="refused"]');
        await axe(page);
        await fits(page);
        if (SHOTS && viewport === 'laptop' && lang === 'en')
          await page.screenshot({ path: path.join(SHOTS, 'upload-errors-en.png') });
        await ctx.close();
      }
      expect(cspViolations).toEqual([]);
    });
  }
});
