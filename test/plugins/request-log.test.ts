/**
 * One log line per answered request (src/app.ts), none for a health check that succeeds: `/live`,
 * `/ready` and `/health` below 400 are counted, not logged; a failed `/ready` and every other
 * request (a 401 included) are logged.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildTestApp, logSink, type TestApp } from '../helpers/app.js';
import { describeEachBackend } from '../helpers/db.js';

describeEachBackend('request log lines', (get) => {
  let t: TestApp;
  const sink = logSink();
  const lines = sink.lines;
  beforeAll(async () => {
    t = await buildTestApp(get().db, {}, { level: 'info', stream: sink.stream });
  });
  afterAll(async () => {
    await t?.app.close();
  });

  /** The URLs of the request lines written since `from`. */
  const logged = (from: number) =>
    lines
      .slice(from)
      .map((l) => JSON.parse(l) as { msg: string; req?: { url: string }; res?: { statusCode: number } })
      .filter((l) => l.msg === 'request completed' || l.msg === 'request errored')
      .map((l) => `${l.req?.url} ${l.res?.statusCode}`);

  it('writes none for a successful /live, /ready or /health, one for anything else', async () => {
    const from = lines.length;
    for (const url of ['/live', '/ready', '/health']) expect((await t.app.inject({ url })).statusCode).toBe(200);
    expect((await t.app.inject({ url: '/v1/ratings?period=2026-Q1' })).statusCode).toBe(401);
    expect((await t.app.inject({ url: '/health', headers: t.auth('scorer') })).statusCode).toBe(200);
    expect(logged(from)).toEqual(['/v1/ratings?period=2026-Q1 401']);
  });

  it('logs a failed /ready', async () => {
    const from = lines.length;
    t.app.services.lifecycle.closing = true;
    try {
      expect((await t.app.inject({ url: '/ready' })).statusCode).toBe(503);
    } finally {
      t.app.services.lifecycle.closing = false;
    }
    expect(logged(from)).toEqual(['/ready 503']);
  });
});
