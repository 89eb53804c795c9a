/**
 * What every browser test shares: Debian's Chromium (/usr/bin/chromium, or CHROMIUM_PATH; never a
 * downloaded browser) launched with the flags this closed network needs, the two viewports the console
 * is checked at, axe-core's source, the screenshot directory (CONSOLE_SCREENSHOTS), a page that collects
 * CSP violations, and the sign-in form. Outside CI a
 * missing Chromium skips the browser files with a banner; with CI=true it fails (.ci/run installs it).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { expect } from 'vitest';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
];

export const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) {
  if (process.env.CI === 'true')
    throw new Error(`CI=true requires Chromium at ${CHROMIUM} (apt-get install chromium; .ci/run does it)`);
  console.warn(
    `\n${'='.repeat(78)}\n  BROWSER TESTS SKIPPED: no Chromium at ${CHROMIUM} (apt-get install chromium)\n${'='.repeat(78)}\n`,
  );
}

export const VIEWPORTS = {
  laptop: { width: 1366, height: 768 },
  tablet: { width: 820, height: 1180 },
} as const;

/** Where screenshots go (CONSOLE_SCREENSHOTS), or undefined for none. */
export const SHOTS = process.env.CONSOLE_SCREENSHOTS;

export const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
}

/** A page in a context of its own; the CSP violations its console reports are pushed onto `csp`. */
export async function openPage(
  browser: Browser,
  options: BrowserContextOptions,
  csp: string[],
): Promise<{ ctx: BrowserContext; page: Page }> {
  const ctx = await browser.newContext(options);
  const page = await ctx.newPage();
  page.on('console', (m) => {
    if (/Content.Security.Policy/i.test(m.text())) csp.push(`${page.url()}: ${m.text()}`);
  });
  return { ctx, page };
}

/** Signs in through the console's form at `base` with `key`. */
export async function signInWith(page: Page, base: string, key: string): Promise<void> {
  await page.goto(`${base}/login`);
  await page.getByLabel(/API 密钥|API key/).fill(key);
  await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: /登录|Sign in/ }).click()]);
}

/** axe on the page: no serious or critical violation (each listed with up to three of its nodes). */
export async function axe(page: Page): Promise<void> {
  await page.evaluate(axeSource);
  const result = (await page.evaluate(() =>
    (window as unknown as { axe: { run(o: object): Promise<unknown> } }).axe.run({ resultTypes: ['violations'] }),
  )) as { violations: { id: string; impact: string; nodes: { target: string[] }[] }[] };
  const bad = result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) =>
        `${v.id} (${v.impact}): ${v.nodes
          .slice(0, 3)
          .map((n) => n.target.join(' '))
          .join(' | ')}`,
    );
  expect(bad, page.url()).toEqual([]);
}

/** Nothing wider than the window but the tables' own scroll boxes. */
export async function fits(page: Page): Promise<void> {
  const { scroll, client } = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    client: document.documentElement.clientWidth,
  }));
  expect(scroll, `${page.url()} overflows`).toBeLessThanOrEqual(client + 1);
}
