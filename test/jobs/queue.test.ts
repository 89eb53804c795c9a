/** One behaviour suite, three setups: in-process runner (PGlite, PostgreSQL) and BullMQ (Redis + PostgreSQL). */
import { describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createBullmqQueue, createBullmqWorker, createInlineQueue } from '../../src/jobs/index.js';
import { describeEachBackend } from '../helpers/db.js';
import { BACKOFF_MS, queueBehaviour, settle } from './behaviour.js';

const config = loadConfig({ LOG_LEVEL: 'silent' });

describeEachBackend('JobQueue behaviour, in-process runner', (get) => {
  queueBehaviour(async (processors) => {
    const queue = createInlineQueue({ db: get().db, config, processors, backoffMs: BACKOFF_MS });
    return { queue, dispose: () => queue.close() };
  });
});

const { redis, redisUrl } = inject('services');
describe.skipIf(!redis)('JobQueue behaviour, BullMQ', () => {
  describeEachBackend('on Redis', (get, backend) => {
    queueBehaviour(async (processors) => {
      const prefix = `kpitest${process.pid}${backend}${Math.random().toString(36).slice(2, 8)}`;
      const { db } = get();
      const queue = createBullmqQueue({ url: redisUrl, db, prefix, backoffMs: BACKOFF_MS });
      const worker = createBullmqWorker({
        url: redisUrl,
        db,
        config,
        processors,
        prefix,
        heartbeatMs: 100,
        lockDurationMs: 5000,
      });
      await worker.worker.waitUntilReady();
      return {
        queue,
        async dispose() {
          await worker.close(1000);
          await queue.queue.obliterate({ force: true }).catch(() => {});
          await queue.close();
        },
      };
    });
  });
});

describe.skipIf(!redis)('BullMQ worker shutdown', () => {
  describeEachBackend('hand-back', (get, backend) => {
    it('a worker stopped past its grace hands the running job back; another worker completes it', async () => {
      const prefix = `kpitestsd${process.pid}${backend}${Math.random().toString(36).slice(2, 8)}`;
      const { db } = get();
      let runs = 0;
      const processors = {
        long: async (_data: unknown, ctx: { signal: AbortSignal }) => {
          runs++;
          if (runs > 1) return 'second run';
          await new Promise((resolve, reject) => {
            const t = setTimeout(resolve, 20_000);
            ctx.signal.addEventListener('abort', () => {
              clearTimeout(t);
              reject(new Error('stopped'));
            });
          });
          return 'first run';
        },
      };
      const queue = createBullmqQueue({ url: redisUrl, db, prefix });
      const first = createBullmqWorker({ url: redisUrl, db, config, processors, prefix, heartbeatMs: 100 });
      try {
        await queue.submit('long', null, { jobId: 'long-1' });
        for (let i = 0; i < 200 && (await queue.get('long-1'))!.state !== 'active'; i++)
          await new Promise((r) => setTimeout(r, 25));
        await first.close(200);
        expect(await queue.get('long-1')).toMatchObject({ state: 'waiting' });
        const second = createBullmqWorker({ url: redisUrl, db, config, processors, prefix, heartbeatMs: 100 });
        try {
          const done = await settle(queue, 'long-1', 20_000);
          expect(done).toMatchObject({ state: 'completed', result: 'second run' });
          expect(runs).toBe(2);
        } finally {
          await second.close(1000);
        }
      } finally {
        await queue.queue.obliterate({ force: true }).catch(() => {});
        await queue.close();
      }
    });
  });
});
