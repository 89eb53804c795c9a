/**
 * A full rescore (what a sentiment promote submits) on both backends: requests are answered while it
 * runs (on PGlite every statement runs in the API process's thread: its batches and the recompute's
 * slices leave the event loop and the database free between them; the bound is generous, the latency
 * figures are `npm run bench:training`'s), and a cancelled or failed rescore leaves every review's old
 * score in place, while its retry scores only what was not staged yet and leaves nothing twice.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { generateDemo } from '../../src/demo/index.js';
import { processorRegistry } from '../../src/jobs/index.js';
import { scoreReviewsProcessor, type ScoreReviewsResult } from '../../src/jobs/processors/score-reviews.js';
import type { JobContext } from '../../src/jobs/types.js';
import { activeModelsFor } from '../../src/registry/active.js';
import { registerShippedSentiment } from '../../src/registry/sentiment.js';
import { reviewTarget } from '../../src/reviews/repository.js';
import { rescoreLeft, stageRescores } from '../../src/reviews/scoring.js';
import { recordsOf } from '../../src/services/ingestion.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { describeEachBackend } from '../helpers/db.js';
import { settle } from './behaviour.js';

const OLD = 'sentiment-test@old';

describeEachBackend('a full rescore', (get) => {
  let t: TestApp;
  let total = 0;

  beforeAll(async () => {
    const { db } = get();
    t = await buildTestApp(db, {}, false, processorRegistry());
    await registerShippedSentiment(db, 'models');
    const demo = generateDemo({ seed: 7, people: 20, years: 1, endDate: '2026-11-22' });
    await t.app.services.ingestion.employees(recordsOf(demo.employees));
    await t.app.services.ingestion.ingest(reviewTarget, recordsOf(demo.reviews), 'reviews');
    await t.app.services.reviews.scoreUnscored();
    total = (await db.query<{ n: number }>('select count(*)::int as n from reviews')).rows[0]!.n;
  }, 300_000);
  afterAll(async () => {
    await t?.app.close();
  });

  /** Every review as scored by another version: the old scores a rescore replaces. */
  const stale = async () => {
    const { db } = get();
    await db.query(`update reviews set sentiment_model = $1, sentiment_label = 'neutral'`, [OLD]);
    await db.query('delete from review_rescores');
  };
  const count = async (sql: string, params: unknown[] = []) =>
    (await get().db.query<{ n: number }>(sql, params)).rows[0]!.n;

  it('answers /health and a page of ratings within 2 s while it runs', async () => {
    expect(total).toBeGreaterThan(500);
    await stale();
    const submitted = await t.app.inject({
      method: 'POST',
      url: '/v1/jobs',
      headers: t.auth('admin'),
      // small batches and chunks: many statements and several chunk jobs, a long run
      payload: {
        kind: 'score_reviews',
        data: { rescore: true, then_recompute: true, batch_size: 50, chunk_size: 500 },
      },
    });
    expect(submitted.statusCode, submitted.body).toBe(202);
    const planner = await settle(t.app.services.queue, submitted.json().id, 60_000);
    expect(planner.state, planner.error ?? '').toBe('completed');
    const chunks = (planner.result as ScoreReviewsResult).jobs!;
    expect(chunks.length).toBeGreaterThan(1);

    const slowest: number[] = [];
    let whileRunning = 0;
    for (let round = 0; round < 200; round++) {
      const states = await Promise.all(chunks.map(async (id) => (await t.app.services.queue.get(id))?.state));
      const running = states.some((s) => s === 'active' || s === 'waiting');
      if (!running) break;
      for (const [url, scope] of [
        ['/health', 'admin'],
        ['/v1/ratings?period=2026-10&limit=20', 'cs_lead'],
      ] as const) {
        const t0 = performance.now();
        const r = await t.app.inject({ url, headers: t.auth(scope) });
        slowest.push(performance.now() - t0);
        expect(r.statusCode, `${url}: ${r.body}`).toBe(200);
      }
      whileRunning++;
      await new Promise((r) => setTimeout(r, 50));
    }
    // the requests overlapped the rescore
    expect(whileRunning).toBeGreaterThan(2);
    expect(Math.max(...slowest)).toBeLessThan(2000);

    const results = await Promise.all(chunks.map((id) => settle(t.app.services.queue, id, 120_000)));
    for (const r of results) expect(r.state, r.error ?? '').toBe('completed');
    const recompute = results.map((r) => (r.result as ScoreReviewsResult).recompute).find(Boolean) as string;
    expect((await settle(t.app.services.queue, recompute, 120_000)).state).toBe('completed');
    expect(results.reduce((n, r) => n + ((r.result as ScoreReviewsResult).scored ?? 0), 0)).toBe(total);
    expect(await count('select count(*)::int as n from reviews where sentiment_model = $1', [OLD])).toBe(0);
    expect(await count('select count(*)::int as n from review_rescores')).toBe(0);
  }, 300_000);

  /** The score_reviews processor as the in-process runner calls it without a queue (plans and scores every chunk). */
  const run = (signal: AbortSignal, onProgress: (stage: string) => void = () => {}) => {
    const config = loadConfig({ KPI_DATA_DIR: '/tmp/kpi-test-unused', LOG_LEVEL: 'silent' });
    const ctx: JobContext = {
      jobId: `test-rescore-${Math.random()}`,
      signal,
      deps: { db: get().db, config },
      progress: async (_p, stage) => onProgress(stage),
    };
    return scoreReviewsProcessor(
      { rescore: true, batch_size: 50, chunk_size: 500 },
      ctx,
    ) as Promise<ScoreReviewsResult>;
  };

  it('cancelled, it leaves every old score in place; its retry scores only the rest, once', async () => {
    await stale();
    const abort = new AbortController();
    await expect(
      run(abort.signal, (stage) => {
        // a few batches in: cancel
        const done = /scored (\d+)/.exec(stage);
        if (done && Number(done[1]) >= 500) abort.abort(new Error('cancelled'));
      }),
    ).rejects.toThrow('cancelled');
    const staged = await count('select count(*)::int as n from review_rescores');
    expect(staged).toBeGreaterThanOrEqual(500);
    expect(staged).toBeLessThan(total);
    expect(await count('select count(*)::int as n from reviews where sentiment_model = $1', [OLD])).toBe(total);
    expect(await count(`select count(*)::int as n from reviews where sentiment_label <> 'neutral'`)).toBe(0);

    const retry = await run(new AbortController().signal);
    expect(retry.scored).toBe(total - staged);
    expect(retry.applied).toBe(total);
    expect(await count('select count(*)::int as n from reviews where sentiment_model = $1', [OLD])).toBe(0);
    expect(await count('select count(*)::int as n from review_rescores')).toBe(0);
    expect(await count('select count(*)::int as n from reviews')).toBe(total);
  }, 300_000);

  it('failed, it leaves every old score in place', async () => {
    await stale();
    const { db } = get();
    const config = loadConfig({ KPI_DATA_DIR: '/tmp/kpi-test-unused', LOG_LEVEL: 'silent' });
    const engine = await activeModelsFor(db, config).sentiment({ fresh: true, job: true });
    let batches = 0;
    const failing = {
      ...engine,
      versions: engine.versions,
      scoreAsync: (texts: readonly string[]) =>
        ++batches > 3 ? Promise.reject(new Error('scoring failed')) : engine.scoreAsync(texts),
    } as typeof engine;
    await expect(stageRescores(db, failing, { batch: 50 })).rejects.toThrow('scoring failed');
    expect(await count('select count(*)::int as n from review_rescores')).toBe(150);
    expect(await count('select count(*)::int as n from reviews where sentiment_model = $1', [OLD])).toBe(total);

    const retry = await run(new AbortController().signal);
    expect(retry.scored).toBe(total - 150);
    expect(retry.applied).toBe(total);
    expect(await count('select count(*)::int as n from reviews where sentiment_model = $1', [OLD])).toBe(0);
  }, 300_000);

  it('finds a review left to rescore in any slice of the check, and none once all are staged', async () => {
    await stale();
    const { db } = get();
    const config = loadConfig({ KPI_DATA_DIR: '/tmp/kpi-test-unused', LOG_LEVEL: 'silent' });
    const engine = await activeModelsFor(db, config).sentiment({ fresh: true, job: true });
    expect(await rescoreLeft(db, engine, 7)).toBe(true);
    await stageRescores(db, engine, { batch: 500 });
    for (const slice of [7, 4000]) expect(await rescoreLeft(db, engine, slice)).toBe(false);
    // only the last review by id left: found in the last slice
    const last = (await db.query<{ id: string }>('select max(id) as id from reviews')).rows[0]!.id;
    await db.query('delete from review_rescores where review_id = $1', [last]);
    for (const slice of [7, 4000]) expect(await rescoreLeft(db, engine, slice)).toBe(true);
  }, 300_000);
});
