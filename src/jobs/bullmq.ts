/**
 * BullMQ on Redis. Redis delivers jobs to workers; the `jobs` table stays the record that every
 * API process reads (so reads keep working while Redis is down) and the source a reconciler uses
 * to re-deliver jobs Redis lost (a restart without persistence). Delivery is at-least-once.
 *
 * - `createBullmqQueue`: submit / get / cancel / health, used by API processes (and by processors
 *   that fan out work).
 * - `createBullmqWorker`: runs processors for the queue; any number of processes on any machines.
 */
import { createRequire } from 'node:module';
import { hostname } from 'node:os';
import type * as BullMQ from 'bullmq';
import type { Job, Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { Config } from '../config.js';
import type { Db } from '../db/types.js';
import { UnavailableError } from '../lib/errors.js';
import {
  cancelJob,
  claimJob,
  completeJob,
  deleteUnstarted,
  failAttempt,
  getJob,
  heartbeat as writeHeartbeat,
  insertJob,
  progressWriter,
  requeueJob,
  staleJobs,
} from './record.js';
import {
  DEFAULT_RETRY,
  type JobQueue,
  type JobStatus,
  type Processor,
  type RetryPolicy,
  type SubmitOptions,
} from './types.js';

export const DEFAULT_QUEUE_NAME = 'kpi-jobs';

export interface BullmqQueueOptions {
  url: string;
  db: Db;
  queueName?: string;
  /** Redis key prefix (tests use their own). */
  prefix?: string;
  /** Attempts and backoff per job kind (the kinds table, src/jobs/index.ts); others get DEFAULT_RETRY. */
  policies?: Record<string, RetryPolicy>;
  /** Base backoff delay of kinds without a policy. */
  backoffMs?: number;
  /** How long a submission waits for Redis before answering 503. */
  submitTimeoutMs?: number;
}

export interface BullmqJobQueue extends JobQueue {
  readonly queue: Queue;
  /** Re-delivers unfinished jobs of the record that Redis does not hold (lost in a restart). Returns how many. */
  reconcile(staleMs?: number): Promise<number>;
}

/** BullMQ ids may not contain ':'; record ids may (e.g. `train_baselines:…`). A reversible mapping. */
export const toRedisId = (id: string) => id.replaceAll('%', '%25').replaceAll(':', '%3A');
export const fromRedisId = (id: string) => id.replaceAll('%3A', ':').replaceAll('%25', '%');

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
    }),
  ]);
}

/**
 * BullMQ's wrapper of a shared ioredis client drops its listeners on close, but a connect attempt
 * still pending (Redis down) fails when the client is then disconnected and is reported as an
 * 'error' event on the wrapper; with no listener left that becomes an unhandled rejection, which
 * ends a Node process. Listen once more, after close, before disconnecting the client.
 */
function quietAfterClose(owner: Queue | Worker): void {
  const connection = (owner as unknown as { connection?: { on?(event: 'error', fn: () => void): unknown } }).connection;
  connection?.on?.('error', () => {});
}

/**
 * BullMQ itself, loaded by the first queue or worker made: a process without REDIS_URL (the embedded
 * default, the CLI, most tests) never needs it, and loading it costs ≈ 0.2 s of every start-up.
 */
let loaded: typeof BullMQ | undefined;
const bullmq = (): typeof BullMQ => (loaded ??= createRequire(import.meta.url)('bullmq') as typeof BullMQ);

function connect(url: string, forWorker: boolean): Redis {
  const redis = new Redis(url, {
    // workers block on Redis and must wait through outages; the API side fails fast instead
    maxRetriesPerRequest: forWorker ? null : 1,
    enableOfflineQueue: forWorker,
    retryStrategy: (n) => Math.min(100 * n, 2000),
  });
  redis.on('error', () => {}); // reported through health(); ioredis reconnects by itself
  return redis;
}

export function createBullmqQueue(opts: BullmqQueueOptions): BullmqJobQueue {
  const { db, policies = {}, backoffMs = DEFAULT_RETRY.backoffMs, submitTimeoutMs = 3000 } = opts;
  const policyOf = (kind: string): RetryPolicy => policies[kind] ?? { attempts: DEFAULT_RETRY.attempts, backoffMs };
  const redis = connect(opts.url, false);
  const queue = new (bullmq().Queue)(opts.queueName ?? DEFAULT_QUEUE_NAME, {
    connection: redis,
    prefix: opts.prefix ?? 'bull',
  });
  queue.on('error', () => {});
  queue.waitUntilReady().catch(() => {}); // a Redis that is down at start is reported by health() and 503s

  const down = (why: string) =>
    new UnavailableError(`the job queue (Redis) is not reachable: ${why}; submit again shortly`, 5);

  async function enqueue(id: string, kind: string, data: unknown, attempts?: number): Promise<void> {
    const policy = policyOf(kind);
    await withTimeout(
      queue.add(kind, data, {
        jobId: toRedisId(id),
        attempts: attempts ?? policy.attempts,
        backoff: { type: 'exponential', delay: policy.backoffMs },
        removeOnComplete: { age: 3600, count: 10_000 },
        removeOnFail: { age: 24 * 3600 },
      }),
      submitTimeoutMs,
      'enqueue',
    );
  }

  return {
    kind: 'bullmq',
    queue,
    async submit(kind: string, data: unknown, o: SubmitOptions): Promise<JobStatus> {
      if (redis.status !== 'ready') {
        // just started or reconnecting: wait briefly for the connection before answering 503
        await withTimeout(new Promise((r) => redis.once('ready', r)), Math.min(submitTimeoutMs, 1000), 'connect').catch(
          () => {},
        );
        if ((redis.status as string) !== 'ready') throw down(`connection ${redis.status}`);
      }
      const inserted = await insertJob(db, o.jobId, kind, data, o.submittedBy ?? null);
      if (!inserted) {
        const existing = (await getJob(db, o.jobId))!;
        // a record left waiting (e.g. Redis lost it) is delivered again; BullMQ ignores a duplicate id
        if (existing.state === 'waiting') await enqueue(o.jobId, kind, data, o.attempts).catch(() => {});
        return existing;
      }
      try {
        await enqueue(o.jobId, kind, data, o.attempts);
      } catch (err) {
        await deleteUnstarted(db, o.jobId).catch(() => {});
        throw down((err as Error).message);
      }
      return inserted;
    },
    get: (id) => getJob(db, id),
    async cancel(id) {
      const done = await cancelJob(db, id);
      if (done) {
        // a waiting or delayed job leaves Redis now; an active one is stopped by its worker's heartbeat
        await withTimeout(queue.remove(toRedisId(id)), 1000, 'remove').catch(() => {});
      }
      return done;
    },
    async health() {
      try {
        await withTimeout(redis.ping(), 1000, 'ping');
        return { kind: 'bullmq', ok: true };
      } catch (err) {
        return { kind: 'bullmq', ok: false, detail: `redis: ${(err as Error).message}` };
      }
    },
    async reconcile(staleMs = 15_000) {
      let n = 0;
      for (const j of await staleJobs(db, staleMs)) {
        if (await queue.getJob(toRedisId(j.id))) continue;
        await enqueue(j.id, j.kind, j.data);
        n++;
      }
      return n;
    },
    async close() {
      await queue.close().catch(() => {});
      quietAfterClose(queue);
      redis.disconnect();
    },
  };
}

export interface BullmqWorkerOptions {
  url: string;
  db: Db;
  config: Config;
  processors: Record<string, Processor>;
  /** Attempts and backoff per job kind, for the jobs the processors submit (fan-out) and re-deliver. */
  policies?: Record<string, RetryPolicy>;
  queueName?: string;
  prefix?: string;
  concurrency?: number;
  /** A job whose worker stops renewing its lock this long is handed to another worker. */
  lockDurationMs?: number;
  /** How often a cancelled job is noticed and the heartbeat written. */
  heartbeatMs?: number;
  /** How often unfinished jobs that Redis lost are re-delivered. */
  reconcileMs?: number;
  name?: string;
  log?: (msg: string, extra?: Record<string, unknown>) => void;
}

export interface BullmqWorker {
  readonly worker: Worker;
  readonly name: string;
  /** Stops taking jobs; waits up to `graceMs` for the running ones, then hands them back to the queue. */
  close(graceMs?: number): Promise<void>;
}

export function createBullmqWorker(opts: BullmqWorkerOptions): BullmqWorker {
  const { db, config, processors, heartbeatMs = 1000, lockDurationMs = 30_000 } = opts;
  const name = opts.name ?? `${hostname()}:${process.pid}`;
  const log = opts.log ?? (() => {});
  const submitter = createBullmqQueue({
    url: opts.url,
    db,
    queueName: opts.queueName,
    prefix: opts.prefix,
    ...(opts.policies ? { policies: opts.policies } : {}),
  });
  const running = new Map<string, { controller: AbortController; shutdown: boolean }>();
  const { DelayedError, UnrecoverableError } = bullmq();

  const processJob = async (job: Job, token?: string): Promise<unknown> => {
    const id = fromRedisId(job.id!);
    const attempt = { attempt: job.attemptsMade + 1, worker: name };
    if (!(await claimJob(db, id, attempt))) {
      const row = await getJob(db, id);
      if (row) return row.result; // cancelled or finished meanwhile: nothing to do
      await insertJob(db, id, job.name, job.data, null); // added to Redis directly, without a record
      await claimJob(db, id, { ...attempt, force: true });
    }
    const entry = { controller: new AbortController(), shutdown: false };
    running.set(id, entry);
    let cancelled = false;
    const heartbeat = setInterval(() => {
      writeHeartbeat(db, id).then(
        (state) => {
          if (state === 'cancelled') {
            cancelled = true;
            entry.controller.abort(new Error('cancelled'));
          }
        },
        () => {},
      );
    }, heartbeatMs);
    try {
      const processor = processors[job.name];
      if (!processor) throw new UnrecoverableError(`no processor for job kind ${job.name}`);
      const result = await processor(job.data, {
        jobId: id,
        signal: entry.controller.signal,
        deps: { db, config, queue: submitter },
        progress: progressWriter(db, id, (percent, stage) => job.updateProgress({ percent, stage }).catch(() => {})),
      });
      if (cancelled) return null;
      await completeJob(db, id, result);
      log('job completed', { id, kind: job.name });
      return result;
    } catch (err) {
      if (cancelled) return null;
      if (entry.shutdown && token) {
        // hand the job back without spending an attempt: another worker (or this one, restarted) takes it
        await requeueJob(db, id).catch(() => {});
        await job.moveToDelayed(Date.now(), token);
        throw new DelayedError();
      }
      const message = (err as Error).message ?? String(err);
      const unrecoverable =
        err instanceof UnrecoverableError || (err as { unrecoverable?: boolean }).unrecoverable === true;
      const final = unrecoverable || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      await failAttempt(db, id, message, final).catch(() => {});
      log('job attempt failed', { id, kind: job.name, message, final });
      if (unrecoverable) throw new UnrecoverableError(message);
      throw err;
    } finally {
      clearInterval(heartbeat);
      running.delete(id);
    }
  };

  const connection = connect(opts.url, true);
  const worker = new (bullmq().Worker)(opts.queueName ?? DEFAULT_QUEUE_NAME, processJob, {
    connection,
    prefix: opts.prefix ?? 'bull',
    concurrency: opts.concurrency ?? 1,
    lockDuration: lockDurationMs,
    stalledInterval: Math.max(1000, Math.round(lockDurationMs / 2)),
    maxStalledCount: 5,
    name,
  });
  worker.on('error', (err) => log('worker error', { message: err.message }));

  // re-deliver what Redis lost: at start, after every reconnect, and now and then
  const reconcile = () =>
    submitter.reconcile(Math.max(5000, lockDurationMs)).then(
      (n) => n > 0 && log('re-delivered jobs missing from Redis', { count: n }),
      () => {},
    );
  let readyOnce = false;
  connection.on('ready', () => {
    if (readyOnce) setTimeout(reconcile, 500);
    readyOnce = true;
  });
  const reconcileTimer = setInterval(reconcile, opts.reconcileMs ?? 10_000);
  reconcileTimer.unref();
  void reconcile();

  return {
    worker,
    name,
    async close(graceMs = 30_000) {
      clearInterval(reconcileTimer);
      const closing = worker.close();
      const timer = setTimeout(() => {
        for (const r of running.values()) {
          r.shutdown = true;
          r.controller.abort(new Error('worker shutting down'));
        }
      }, graceMs);
      await closing.finally(() => clearTimeout(timer));
      await submitter.close();
      quietAfterClose(worker);
      connection.disconnect();
    },
  };
}
