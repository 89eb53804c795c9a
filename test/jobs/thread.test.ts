/** Sandboxed processors: a job kind run in a worker thread with its own PostgreSQL pool. */
import { describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { inThread } from '../../src/jobs/thread.js';
import { openTestDb } from '../helpers/db.js';

describe.skipIf(!inject('services').postgres)('processor in a worker thread [postgres]', () => {
  it('runs, reports progress and returns the result; bad input stays unrecoverable', async () => {
    const t = await openTestDb('postgres');
    try {
      await t.db.query(
        `insert into reviews (id, text, created_at) select 't' || g, 'great service, fast reply ' || g, now() from generate_series(1, 300) g`,
      );
      const config = loadConfig({
        DATABASE_URL: inject('services').postgresUrl,
        DATABASE_SCHEMA: t.where,
        LOG_LEVEL: 'silent',
      });
      const progress: string[] = [];
      const ctx = {
        jobId: 'thread-1',
        signal: new AbortController().signal,
        deps: { db: t.db, config },
        progress: async (_p: number, s: string) => void progress.push(s),
      };
      const result = await inThread('score_reviews', config)({ range: ['', null], batch_size: 100 }, ctx);
      expect(result).toMatchObject({ scored: 300 });
      expect(progress.length).toBeGreaterThan(0);
      expect((await t.db.query<{ n: number }>(`select count(sentiment_model)::int as n from reviews`)).rows[0]!.n).toBe(
        300,
      );
      await expect(inThread('score_reviews', config)({ nonsense: 1 }, ctx)).rejects.toMatchObject({
        unrecoverable: true,
      });
    } finally {
      await t.dispose();
    }
  });
});
