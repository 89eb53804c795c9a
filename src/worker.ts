/**
 * The worker process (`kpi worker`): takes jobs from Redis (BullMQ) and runs them against the
 * shared PostgreSQL. Run any number, on any machines. SIGTERM/SIGINT: stop taking jobs, let the
 * running one finish for `graceMs`, then hand it back to the queue (another worker resumes it).
 */
import type { Config } from './config.js';
import { openDb } from './db/index.js';
import { createBullmqWorker } from './jobs/bullmq.js';
import { retryPolicies, workerProcessors } from './jobs/index.js';
import { registerShippedSentiment } from './registry/sentiment.js';

export interface WorkerOptions {
  concurrency?: number;
  lockDurationMs?: number;
  graceMs?: number;
  /** BullMQ queue name (default kpi-jobs); API processes and workers of one deployment share it. */
  queueName?: string;
}

export async function startWorker(config: Config, opts: WorkerOptions = {}): Promise<void> {
  if (!config.redisUrl) throw new Error('kpi worker needs REDIS_URL (without Redis, jobs run inside the API process)');
  if (!config.databaseUrl)
    throw new Error('kpi worker needs DATABASE_URL: workers share PostgreSQL with the API (PGlite is single-process)');
  const db = await openDb(config);
  await registerShippedSentiment(db, config.modelsDir);
  const log = (msg: string, extra: Record<string, unknown> = {}) => {
    if (config.logLevel === 'silent') return;
    process.stdout.write(`${JSON.stringify({ time: Date.now(), pid: process.pid, msg, ...extra })}\n`);
  };
  const w = createBullmqWorker({
    url: config.redisUrl,
    db,
    config,
    processors: workerProcessors(config),
    policies: retryPolicies(),
    queueName: opts.queueName,
    concurrency: opts.concurrency ?? 1,
    lockDurationMs: opts.lockDurationMs ?? 30_000,
    log,
  });
  await w.worker.waitUntilReady();
  log('worker ready', { name: w.name, concurrency: opts.concurrency ?? 1 });
  let closing = false;
  const stop = (signal: string) => {
    if (closing) return;
    closing = true;
    log('stopping: finishing the running job', { signal });
    void w
      .close(opts.graceMs ?? 30_000)
      .then(() => db.close())
      .then(
        () => process.exit(0),
        (err: Error) => {
          log('stop failed', { message: err.message });
          process.exit(1);
        },
      );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
