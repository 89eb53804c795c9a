import { Redis } from 'ioredis';
import type { JobQueue } from './types.js';

export type { JobQueue, QueueHealth } from './types.js';

/** In-process runner: always available, runs jobs in this process. */
export function createInlineQueue(): JobQueue {
  return {
    kind: 'inline',
    health: async () => ({ kind: 'inline', ok: true }),
    close: async () => {},
  };
}

/** BullMQ on Redis. The connection retries forever, so a restarted Redis is picked up. */
export function createBullmqQueue(url: string): JobQueue {
  const redis = new Redis(url, { maxRetriesPerRequest: null, lazyConnect: false, enableOfflineQueue: false });
  redis.on('error', () => {}); // reported through health()
  return {
    kind: 'bullmq',
    async health() {
      try {
        await redis.ping();
        return { kind: 'bullmq', ok: true };
      } catch (err) {
        return { kind: 'bullmq', ok: false, detail: `redis: ${(err as Error).message}` };
      }
    },
    async close() {
      redis.disconnect();
    },
  };
}

export function createQueue(redisUrl: string | undefined): JobQueue {
  return redisUrl ? createBullmqQueue(redisUrl) : createInlineQueue();
}
