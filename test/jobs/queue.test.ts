/** One behaviour suite, three setups: in-process runner (PGlite, PostgreSQL) and BullMQ (Redis + PostgreSQL). */
import { describe, inject } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createBullmqQueue, createBullmqWorker, createInlineQueue } from '../../src/jobs/index.js';
import { describeEachBackend } from '../helpers/db.js';
import { BACKOFF_MS, queueBehaviour } from './behaviour.js';

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
      const worker = createBullmqWorker({ url: redisUrl, db, config, processors, prefix, heartbeatMs: 100, lockDurationMs: 5000 });
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
