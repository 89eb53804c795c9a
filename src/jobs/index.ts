import { Redis } from 'ioredis';
import type { Config } from '../config.js';
import type { Db } from '../db/types.js';
import { ServiceUnavailableError } from '../errors.js';
import { createInlineQueue } from './inline.js';
import type { JobQueue, Processor } from './types.js';

export type { JobContext, JobQueue, JobState, JobStatus, Processor, ProcessorDeps, QueueHealth, SubmitOptions } from './types.js';
export { UnrecoverableJobError } from './types.js';
export { createInlineQueue } from './inline.js';

/** Job kinds and their processors; domain modules export processors, this map names them. */
export function processorRegistry(): Record<string, Processor> {
  return {};
}

/**
 * BullMQ on Redis. Work in progress: only health is wired; submissions answer 503 until the
 * BullMQ runner lands (issue 6).
 */
export function createBullmqQueue(url: string): JobQueue {
  const redis = new Redis(url, { maxRetriesPerRequest: null, lazyConnect: false, enableOfflineQueue: false });
  redis.on('error', () => {}); // reported through health()
  const unavailable = async (): Promise<never> => {
    throw new ServiceUnavailableError('the BullMQ job runner is not available in this build');
  };
  return {
    kind: 'bullmq',
    submit: unavailable,
    get: async () => null,
    cancel: async () => false,
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

export function createQueue(deps: { db: Db; config: Config }): JobQueue {
  return deps.config.redisUrl ? createBullmqQueue(deps.config.redisUrl) : createInlineQueue({ ...deps, processors: processorRegistry() });
}
