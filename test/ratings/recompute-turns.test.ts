/**
 * A full ratings recompute (what follows a sentiment promote's rescore) lets the event loop turn
 * between its statements and slices. On PGlite every statement runs in this thread and answers with
 * an already-settled promise, so without the turns a recompute held the API process's main thread for
 * its whole length and no request was served meanwhile. Counted, not timed: timer callbacks that ran
 * while the recompute was under way.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { generateDemo } from '../../src/demo/index.js';
import { recomputeRatings } from '../../src/ratings/recompute.js';
import { registerShippedSentiment } from '../../src/registry/sentiment.js';
import { reviewTarget } from '../../src/reviews/repository.js';
import { recordsOf } from '../../src/services/ingestion.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { describeEachBackend } from '../helpers/db.js';

describeEachBackend('a full ratings recompute lets the event loop turn', (get) => {
  let t: TestApp;

  beforeAll(async () => {
    const { db } = get();
    t = await buildTestApp(db);
    const { services } = t.app;
    await registerShippedSentiment(db, 'models');
    const demo = generateDemo({ seed: 7, people: 30, years: 1, endDate: '2026-11-22' });
    await services.ingestion.employees(recordsOf(demo.employees));
    await services.ingestion.ingest(reviewTarget, recordsOf(demo.reviews), 'reviews');
    await services.reviews.scoreUnscored();
  }, 300_000);

  afterAll(async () => {
    await t?.app.close();
  });

  it('timers run between its slices, so requests waiting meanwhile are served', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    let slices = 0;
    try {
      const r = await recomputeRatings(get().db, {
        onProgress: () => {
          slices++;
        },
      });
      expect(r.periods).toBeGreaterThan(4);
    } finally {
      clearInterval(timer);
    }
    expect(slices).toBeGreaterThan(1);
    // at least one turn per slice (and more within them)
    expect(ticks).toBeGreaterThanOrEqual(slices);
  });
});
