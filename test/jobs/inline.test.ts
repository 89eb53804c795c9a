import { expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createInlineQueue, UnrecoverableJobError } from '../../src/jobs/index.js';
import { describeEachBackend } from '../helpers/db.js';
import { settle } from './behaviour.js';

describeEachBackend('in-process job runner', (get) => {
  it('runs a job once per id, retries with backoff, stops on unrecoverable errors, cancels', async () => {
    const { db } = get();
    let runs = 0;
    let flaky = 0;
    const q = createInlineQueue({
      db,
      config: loadConfig({}),
      backoffMs: 10,
      processors: {
        add: async (data, ctx) => {
          runs++;
          await ctx.progress(50, 'adding');
          const { a, b } = data as { a: number; b: number };
          return { sum: a + b };
        },
        flaky: async () => {
          if (++flaky < 3) throw new Error('transient');
          return 'ok';
        },
        bad: async () => {
          throw new UnrecoverableJobError('input will never work');
        },
        slow: (_data, ctx) =>
          new Promise((resolve, reject) => {
            const t = setTimeout(resolve, 10_000);
            ctx.signal.addEventListener('abort', () => {
              clearTimeout(t);
              reject(new Error('aborted'));
            });
          }),
      },
    });
    try {
      const first = await q.submit('add', { a: 1, b: 2 }, { jobId: 'add-1' });
      const again = await q.submit('add', { a: 1, b: 2 }, { jobId: 'add-1' });
      expect(again.id).toBe(first.id);
      expect(await settle(q, 'add-1', 5_000)).toMatchObject({
        state: 'completed',
        result: { sum: 3 },
        progress: { percent: 100 },
      });
      expect(runs).toBe(1);
      expect(await settle(q, (await q.submit('flaky', null, { jobId: 'f' })).id, 5_000)).toMatchObject({
        state: 'completed',
        attempts: 3,
        result: 'ok',
      });
      expect(await settle(q, (await q.submit('bad', null, { jobId: 'b' })).id, 5_000)).toMatchObject({
        state: 'failed',
        attempts: 1,
        error: 'input will never work',
      });
      await q.submit('slow', null, { jobId: 's' });
      await new Promise((r) => setTimeout(r, 100));
      expect(await q.cancel('s')).toBe(true);
      expect(await settle(q, 's', 5_000)).toMatchObject({ state: 'cancelled' });
      expect(await q.cancel('s')).toBe(false);
    } finally {
      await q.close();
    }
  });
});
