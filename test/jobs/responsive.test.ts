/**
 * The API answers while a long CPU-heavy job runs: the job's computation runs in a job thread
 * (src/jobs/compute.ts) on every backend, the in-process runner on PGlite included, so requests are
 * served meanwhile. The bound is generous (2 s, against the half-minute freeze it replaced); the
 * latency figures are `npm run bench:training`'s.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { trainBaselinesProcessor } from '../../src/kpi/train.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { describeEachBackend } from '../helpers/db.js';
import { loadDemo } from '../kpi/helpers.js';

describeEachBackend('requests answered while a job trains', (get) => {
  let t: TestApp;
  beforeAll(async () => {
    await loadDemo(get().db, { people: 20 });
    t = await buildTestApp(get().db, {}, false, { train_baselines: trainBaselinesProcessor as never });
  });
  afterAll(async () => {
    await t?.app.close();
  });

  const job = async (id: string) =>
    (await t.app.inject({ url: `/v1/jobs/${encodeURIComponent(id)}`, headers: t.auth('admin') })).json() as {
      state: string;
      progress: { stage: string };
    };

  it('GET /health and a page of ratings answer within 2 s while train_baselines runs, and cancel ends it', async () => {
    // many gradient steps: the network of one scope trains for seconds, far longer than the requests take
    const submitted = await t.app.inject({
      method: 'POST',
      url: '/v1/jobs',
      headers: t.auth('admin'),
      payload: { kind: 'train_baselines', data: { role: 'cs_agent', kind: 'week', network: true, steps: 20_000 } },
    });
    expect(submitted.statusCode, submitted.body).toBe(202);
    const id = submitted.json().id as string;
    for (let i = 0; i < 600 && !(await job(id)).progress.stage.startsWith('training'); i++)
      await new Promise((r) => setTimeout(r, 50));
    expect((await job(id)).state).toBe('active');
    await new Promise((r) => setTimeout(r, 1000)); // the thread is loaded and training by now

    const slowest: number[] = [];
    for (let round = 0; round < 6; round++) {
      for (const [url, scope] of [
        ['/health', 'admin'],
        ['/v1/ratings?period=2026-10&limit=20', 'cs_lead'],
      ] as const) {
        const t0 = performance.now();
        const r = await t.app.inject({ url, headers: t.auth(scope) });
        const ms = performance.now() - t0;
        expect(r.statusCode, `${url}: ${r.body}`).toBe(200);
        slowest.push(ms);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(Math.max(...slowest)).toBeLessThan(2000);
    // the requests overlapped the training: it is still running
    expect((await job(id)).state, JSON.stringify(await job(id))).toBe('active');

    const cancelled = await t.app.inject({
      method: 'DELETE',
      url: `/v1/jobs/${encodeURIComponent(id)}`,
      headers: t.auth('admin'),
    });
    expect(cancelled.statusCode, cancelled.body).toBe(200);
    expect((await job(id)).state).toBe('cancelled');
  });
});
