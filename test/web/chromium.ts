/**
 * What every browser test shares: Debian's Chromium (/usr/bin/chromium, or CHROMIUM_PATH; never a
 * downloaded browser) launched with the flags this closed network needs, the two viewports the console
 * is checked at, axe-core's source, and the screenshot directory (CONSOLE_SCREENSHOTS). Outside CI a
 * missing Chromium skips the browser files with a banner; with CI=true it fails (.ci/run installs it).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Browser } from 'playwright-core';

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
